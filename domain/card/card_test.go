package card

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/errs"
)

func TestTypeOfByIINRange(t *testing.T) {
	for _, c := range []struct {
		number string
		want   Type
	}{
		{"5019100000000000", TypeDankort}, {"4571000000000001", TypeVisaDank}, {"4111111111111111", TypeVisa},
		{"5555555555554444", TypeMastercard}, {"2223003122003222", TypeMastercard}, {"2720990000000007", TypeMastercard},
		{"2721000000000000", TypeUnknown}, {"6759649826438453", TypeMaestro}, {"5018000000000009", TypeMaestro},
		{"378282246310005", TypeAmex}, {"30569309025904", TypeDiners}, {"3530111333300000", TypeJCB},
		{"6011111111111117", TypeDiscover}, {"957852111111111113", TypeBankAxept}, {"6200000000000005", TypeUnionPay},
		{"9111111111111110", TypeUnknown}, {"1", TypeUnknown}, {"", TypeUnknown},
	} {
		if got := TypeOf(c.number); got != c.want {
			t.Errorf("TypeOf(%s) = %d, want %d", c.number, got, c.want)
		}
	}
}

func TestCheckEnteredCards(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name              string
		number, month, yr string
		want              Problem
	}{
		{"valid", "4111111111111111", "12", "26", ""},
		{"valid grouped", "4111 1111-1111 1111", "1", "2030", ""},
		{"Luhn", "4111111111111112", "12", "30", ProblemInvalid},
		{"letters", "4111x11111111111", "12", "30", ProblemInvalid},
		{"short", "41111111111", "12", "30", ProblemInvalid},
		{"too long", "41111111111111111111", "12", "30", ProblemInvalid},
		{"empty", "", "12", "30", ProblemInvalid},
		{"unknown range", "9111111111111110", "12", "30", ProblemUnsupportedBin},
		{"UnionPay", "6200000000000005", "12", "30", ProblemUnsupportedTyp},
		{"BankAxept in frame", "957852111111111113", "12", "30", ProblemUnsupportedTyp},
		{"month 0", "4111111111111111", "0", "30", ProblemMonth},
		{"month 13", "4111111111111111", "13", "30", ProblemMonth},
		{"month text", "4111111111111111", "ab", "30", ProblemMonth},
		{"last month", "4111111111111111", "11", "26", ProblemExpired},
		{"last year", "4111111111111111", "12", "25", ProblemExpired},
		{"year 3 digits", "4111111111111111", "12", "203", ProblemExpired},
		{"far future", "4111111111111111", "12", "2099", ProblemExpired},
	} {
		got, err := Check(Entered{Number: c.number, ExpMonth: c.month, ExpYear: c.yr}, now)
		p, _ := ProblemOf(err)
		if p != c.want {
			t.Errorf("%s: problem %q, want %q", c.name, p, c.want)
		}
		if err != nil && strings.Contains(err.Error(), c.number) && c.number != "" {
			t.Errorf("%s: error echoes the number: %v", c.name, err)
		}
		if c.want == "" && (got == nil || got.Truncated() != "411111XXXXXX1111" || got.Type != TypeVisa) {
			t.Errorf("%s: %+v", c.name, got)
		}
	}
	e := errs.As(ProblemDuplicate.Err())
	if e.Code != errs.Conflict || e.Field != "CardNumber" {
		t.Errorf("duplicate: %+v", e)
	}
	if e := errs.As(ProblemExpired.Err()); e.Code != errs.Invalid || e.Field != "ExpYear" {
		t.Errorf("expired: %+v", e)
	}
}

// Seed 001's formula: 957852 + account + the Luhn digit. Its example
// (11111111111 -> 957852111111111119) does not pass Luhn: the digit is 3.
func TestBankAxeptNumbers(t *testing.T) {
	if d := LuhnDigit("95785211111111111"); d != '3' {
		t.Errorf("check digit %c, want 3", d)
	}
	if c, ok := CheckBankAxept("957852111111111113"); !ok || c.Type != TypeBankAxept || c.Truncated() != "957852XXXXXXXX1113" {
		t.Errorf("formula's number refused: %+v", c)
	}
	for _, n := range []string{"957852111111111119", "957852111111111112", "957853111111111112", "95785211111111113",
		"9578521111111111130", "4111111111111111", "", "957852a11111111113"} {
		if _, ok := CheckBankAxept(n); ok {
			t.Errorf("%q accepted", n)
		}
	}
}

func TestFrameHashIsTheSeedsFormula(t *testing.T) {
	p := FrameParams{Provider: "yourproviderid", UserID: "yourcustomerid", AcceptURL: "https://developer.storebox.com/frame/accepted.html",
		DeclineURL: "https://developer.storebox.com/frame/declined.html", CSSURL: "https://developer.storebox.com/frame/assets/card.css?v=5",
		LanguageURL: "https://developer.storebox.com/frame/assets/lang.json?v=6"}
	m := hmac.New(sha256.New, []byte("salt"))
	m.Write([]byte(p.UserID + p.AcceptURL + p.DeclineURL + p.CSSURL + p.LanguageURL))
	want := hex.EncodeToString(m.Sum(nil))
	if got := FrameHash([]byte("salt"), p); got != want {
		t.Fatalf("hash %s, want %s", got, want)
	}
	if !FrameHashOK([]byte("salt"), p, strings.ToUpper(want)) || FrameHashOK([]byte("salt2"), p, want) || FrameHashOK([]byte("salt"), p, want[:62]) ||
		FrameHashOK([]byte("salt"), p, "") || FrameHashOK([]byte("salt"), p, strings.Repeat("zz", 32)) {
		t.Error("FrameHashOK")
	}
	// Absent parameters are empty strings: moving text between them changes nothing the formula sees, and is the partner's own business.
	q := p
	q.DeclineURL = ""
	if FrameHashOK([]byte("salt"), q, want) {
		t.Error("a removed declineurl still verifies")
	}
}

func TestFrameURLs(t *testing.T) {
	for raw, want := range map[string]string{
		"https://partner.example/ok":         "https://partner.example",
		"https://Partner.Example:8443/x?y=1": "https://partner.example:8443",
		"http://partner.example/ok":          "http://partner.example",
		"myapp://cards/ok":                   "myapp:",
		"javascript:alert(1)":                "",
		"data:text/html,x":                   "",
		"/relative":                          "",
		"https://a.example/ x":               "",
		"https://a.example;script-src *":     "",
		"https://user:pw@a.example/":         "",
		"":                                   "",
	} {
		if got := RedirectSource(raw); got != want {
			t.Errorf("RedirectSource(%q) = %q, want %q", raw, got, want)
		}
	}
	if WebOrigin("http://cdn.example/c.css", false) != "" || WebOrigin("https://cdn.example/c.css", false) != "https://cdn.example" {
		t.Error("WebOrigin")
	}
	ok := FrameParams{UserID: "u", AcceptURL: "https://p.example/a", CSSURL: "https://p.example/c.css"}
	if err := ValidateFrameParams(ok, false); err != nil {
		t.Error(err)
	}
	if e := errs.As(ValidateFrameParams(ok, true)); e == nil || e.Field != "declineurl" {
		t.Errorf("SCA without declineurl: %v", e)
	}
	bad := ok
	bad.LanguageURL = "ftp://p.example/l.json"
	if e := errs.As(ValidateFrameParams(bad, false)); e == nil || e.Field != "languageurl" {
		t.Errorf("ftp languageurl: %v", e)
	}
}

func TestLanguageFileOverDefaults(t *testing.T) {
	tx := ParseTexts([]byte(`{"card": {"errorInvalid": "Invalid", "label": ""}, "btn": {"save": 5}}`))
	if tx.Btn.Save != "Gem kort" { // a mistyped file gives the defaults
		t.Errorf("save %q", tx.Btn.Save)
	}
	tx = ParseTexts([]byte(`{"card": {"errorInvalid": "Invalid", "label": ""}, "expYear": {"errorExpired": "` + strings.Repeat("x", 300) + `"}}`))
	if tx.Card.ErrorInvalid != "Invalid" || tx.Card.Label != "Kortnummer" || tx.ExpYear.ErrorExpired != "Kortet er udløbet" {
		t.Errorf("texts %+v", tx)
	}
	if ParseTexts([]byte("not json")) != DefaultTexts() {
		t.Error("bad file")
	}
	d := DefaultTexts()
	for p, want := range map[Problem]string{ProblemInvalid: "Ugyldigt kortnummer", ProblemDuplicate: "Kortet er allerede registreret",
		ProblemExpired: "Kortet er udløbet", ProblemMonth: "Skal være mellem 1 og 12", ProblemMaxCards: "Du kan ikke tilføje flere kort",
		ProblemUnsupportedBin: "Dette kortnummer kan ikke bruges", ProblemUnsupportedTyp: "Denne korttype kan ikke bruges", ProblemGeneral: "Der skete en fejl. Prøv venligst igen"} {
		if got := d.Message(p); got != want {
			t.Errorf("%s: %q", p, got)
		}
	}
}
