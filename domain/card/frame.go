package card

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"net/url"
	"strings"

	"loyaltygraph/domain/errs"
)

// FrameParams are the signed parameters of a card frame URL (seed 001).
type FrameParams struct {
	// Provider is the partner's username.
	Provider    string
	UserID      string
	AcceptURL   string
	DeclineURL  string
	CSSURL      string
	LanguageURL string
}

// FrameHash returns the card frame's hash: hex HMAC-SHA256 with the
// partner's salt as key over id + accepturl + declineurl + cssurl +
// languageurl (UTF-8, not URL-encoded; absent ones as empty strings).
func FrameHash(salt []byte, p FrameParams) string {
	m := hmac.New(sha256.New, salt)
	for _, s := range []string{p.UserID, p.AcceptURL, p.DeclineURL, p.CSSURL, p.LanguageURL} {
		m.Write([]byte(s))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// FrameHashOK reports, in constant time, whether hash (hex, any case) is
// the frame hash of p under salt.
func FrameHashOK(salt []byte, p FrameParams, hash string) bool {
	got, err := hex.DecodeString(strings.ToLower(hash))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	want, _ := hex.DecodeString(FrameHash(salt, p))
	return hmac.Equal(got, want)
}

const maxFrameURL = 2048

// ValidateFrameParams checks the URLs of a card frame: accepturl and
// cssurl are required, declineurl when sca is on. Each is named as the
// query parameter it comes from.
func ValidateFrameParams(p FrameParams, sca bool) error {
	if p.AcceptURL == "" {
		return errs.InvalidField("accepturl", "accepturl is required")
	}
	if p.CSSURL == "" {
		return errs.InvalidField("cssurl", "cssurl is required")
	}
	if sca && p.DeclineURL == "" {
		return errs.InvalidField("declineurl", "declineurl is required when Strong Customer Authentication is enabled")
	}
	for _, f := range []struct{ name, v string }{{"accepturl", p.AcceptURL}, {"declineurl", p.DeclineURL}} {
		if f.v != "" && RedirectSource(f.v) == "" {
			return errs.InvalidField(f.name, "%s must be an absolute http(s) URL with a plain host name, or an app URL (scheme:...)", f.name)
		}
	}
	if WebOrigin(p.CSSURL, false) == "" {
		return errs.InvalidField("cssurl", "cssurl must be an absolute https URL with a plain host name")
	}
	if p.LanguageURL != "" && WebOrigin(p.LanguageURL, true) == "" {
		return errs.InvalidField("languageurl", "languageurl must be an absolute http(s) URL with a plain host name")
	}
	return nil
}

// WebOrigin returns the origin (scheme://host[:port]) of an absolute
// https URL (or http when allowHTTP) whose host is a DNS name or an IP
// address, fit to be named in a Content-Security-Policy; "" otherwise.
func WebOrigin(raw string, allowHTTP bool) string {
	if raw == "" || len(raw) > maxFrameURL || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f || r == ';' || r == ',' || r == '\'' || r == '"' }) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" {
		return ""
	}
	if u.Scheme != "https" && !(allowHTTP && u.Scheme == "http") {
		return ""
	}
	host, port := u.Hostname(), u.Port()
	if host == "" || len(host) > 253 {
		return ""
	}
	if strings.Contains(u.Host, "[") {
		if _, err := netip.ParseAddr(host); err != nil {
			return ""
		}
	} else if !IsDNSName(host) {
		return ""
	}
	if port != "" && (len(port) > 5 || strings.ContainsFunc(port, func(r rune) bool { return r < '0' || r > '9' })) {
		return ""
	}
	return u.Scheme + "://" + strings.ToLower(u.Host)
}

// RedirectSource returns what a Content-Security-Policy form-action must
// name to allow a redirect to raw: its origin for an http(s) URL, its
// scheme ("myapp:") for an app URL; "" when raw may not be a redirect
// target (relative, javascript:, data: and the like).
func RedirectSource(raw string) string {
	if o := WebOrigin(raw, true); o != "" {
		return o
	}
	if raw == "" || len(raw) > maxFrameURL || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f || r == ';' || r == ',' || r == '\'' || r == '"' }) {
		return ""
	}
	i := strings.IndexByte(raw, ':')
	if i <= 0 || i+1 == len(raw) {
		return ""
	}
	scheme := strings.ToLower(raw[:i])
	for j := 0; j < len(scheme); j++ {
		c := scheme[j]
		if !(c >= 'a' && c <= 'z' || j > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return ""
		}
	}
	switch scheme {
	case "http", "https", "javascript", "data", "vbscript", "file", "blob", "about", "filesystem":
		return ""
	}
	return scheme + ":"
}

// IsDNSName reports whether host is dot-separated labels of letters,
// digits and dashes (no underscores, quotes or other characters that a
// Content-Security-Policy source or a URL's host must not hold).
func IsDNSName(host string) bool {
	for label := range strings.SplitSeq(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Texts are the texts of the card frame, as its JSON language file (seed
// 001) names them.
type Texts struct {
	ExpMonth struct {
		ErrorInvalid string `json:"errorInvalid"`
		Label        string `json:"label"`
		Placeholder  string `json:"placeholder"`
	} `json:"expMonth"`
	ExpYear struct {
		Label        string `json:"label"`
		Placeholder  string `json:"placeholder"`
		ErrorExpired string `json:"errorExpired"`
	} `json:"expYear"`
	Error struct {
		GeneralError string `json:"generalError"`
		MaxCards     string `json:"maxCards"`
	} `json:"error"`
	Btn struct {
		Save string `json:"save"`
	} `json:"btn"`
	Card struct {
		ErrorInvalid        string `json:"errorInvalid"`
		UnsupportedType     string `json:"unsupportedType"`
		UnsupportedBinRange string `json:"unsupportedBinRange"`
		Label               string `json:"label"`
		Placeholder         string `json:"placeholder"`
		Duplicate           string `json:"duplicate"`
	} `json:"card"`
}

// DefaultTexts returns the Danish texts of seed 001's example language file.
func DefaultTexts() Texts {
	var t Texts
	t.ExpMonth.ErrorInvalid, t.ExpMonth.Label, t.ExpMonth.Placeholder = "Skal være mellem 1 og 12", "Udløbsmåned", "Indtast udløbsmåned"
	t.ExpYear.Label, t.ExpYear.Placeholder, t.ExpYear.ErrorExpired = "Udløbsår", "Indtast udløbsår", "Kortet er udløbet"
	t.Error.GeneralError, t.Error.MaxCards = "Der skete en fejl. Prøv venligst igen", "Du kan ikke tilføje flere kort"
	t.Btn.Save = "Gem kort"
	t.Card.ErrorInvalid, t.Card.UnsupportedType = "Ugyldigt kortnummer", "Denne korttype kan ikke bruges"
	t.Card.UnsupportedBinRange, t.Card.Label = "Dette kortnummer kan ikke bruges", "Kortnummer"
	t.Card.Placeholder, t.Card.Duplicate = "Indtast kortnummer", "Kortet er allerede registreret"
	return t
}

// maxText bounds one text of a language file.
const maxText = 200

// ParseTexts reads a language file over the defaults: a text the file
// leaves out, leaves empty or makes too long keeps its default. A file
// that is not a JSON object of such texts gives the defaults.
func ParseTexts(b []byte) Texts {
	t := DefaultTexts()
	var in Texts
	if err := json.Unmarshal(b, &in); err != nil {
		return t
	}
	set := func(dst *string, v string) {
		if v != "" && len([]rune(v)) <= maxText && !strings.ContainsRune(v, 0) {
			*dst = v
		}
	}
	set(&t.ExpMonth.ErrorInvalid, in.ExpMonth.ErrorInvalid)
	set(&t.ExpMonth.Label, in.ExpMonth.Label)
	set(&t.ExpMonth.Placeholder, in.ExpMonth.Placeholder)
	set(&t.ExpYear.Label, in.ExpYear.Label)
	set(&t.ExpYear.Placeholder, in.ExpYear.Placeholder)
	set(&t.ExpYear.ErrorExpired, in.ExpYear.ErrorExpired)
	set(&t.Error.GeneralError, in.Error.GeneralError)
	set(&t.Error.MaxCards, in.Error.MaxCards)
	set(&t.Btn.Save, in.Btn.Save)
	set(&t.Card.ErrorInvalid, in.Card.ErrorInvalid)
	set(&t.Card.UnsupportedType, in.Card.UnsupportedType)
	set(&t.Card.UnsupportedBinRange, in.Card.UnsupportedBinRange)
	set(&t.Card.Label, in.Card.Label)
	set(&t.Card.Placeholder, in.Card.Placeholder)
	set(&t.Card.Duplicate, in.Card.Duplicate)
	return t
}

// Message returns the text of a problem.
func (t *Texts) Message(p Problem) string {
	switch p {
	case ProblemInvalid:
		return t.Card.ErrorInvalid
	case ProblemUnsupportedTyp:
		return t.Card.UnsupportedType
	case ProblemUnsupportedBin:
		return t.Card.UnsupportedBinRange
	case ProblemDuplicate:
		return t.Card.Duplicate
	case ProblemMonth:
		return t.ExpMonth.ErrorInvalid
	case ProblemExpired:
		return t.ExpYear.ErrorExpired
	case ProblemMaxCards:
		return t.Error.MaxCards
	}
	return t.Error.GeneralError
}
