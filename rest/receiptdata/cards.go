package receiptdata

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"loyaltygraph/domain/card"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/user"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// Cards are the card operations this family calls (app/cards).
type Cards interface {
	List(ctx context.Context, userID string) ([]*user.Card, error)
	Delete(ctx context.Context, userID, cardID string) error
	AddBankAxept(ctx context.Context, userID string, in user.BankAxeptInput) (*user.Card, error)
	BankAxeptPublicKey(ctx context.Context, encryptionProvider string) (string, error)
	Frame(ctx context.Context, params card.FrameParams, hash string) (*user.FrameSession, string, error)
	SubmitFrame(ctx context.Context, token string, in card.Entered) (*user.FrameSession, string, error)
	CompleteSCA(ctx context.Context, id string, approved bool) (string, error)
}

// LanguageFiles give the texts of a card frame's language file
// (delivery.LanguageFiles).
type LanguageFiles interface {
	Texts(ctx context.Context, url string) card.Texts
}

// Paths of the card frame.
const (
	// FrameSubmitPath is where the card frame's form posts.
	FrameSubmitPath = "/receipt-data/v1/cardframe/submit"
	// SCAPagePath is the development issuer's page; the pending card's id
	// follows it.
	SCAPagePath = "/receipt-data/v1/cardframe/sca/"
	// SCAAnswerPath is where the development issuer's page posts.
	SCAAnswerPath = "/receipt-data/v1/cardframe/sca"
)

type cardHandler struct {
	cards Cards
	texts LanguageFiles
	log   *slog.Logger
}

// RegisterCards adds the cards and the card frame of the family to mux;
// with devIssuer, also the development issuer's page.
func RegisterCards(mux *http.ServeMux, ops Cards, texts LanguageFiles, devIssuer bool, log *slog.Logger) {
	h := &cardHandler{cards: ops, texts: texts, log: log}
	// The card frame runs in the end user's browser, without credentials.
	// SECURITY: the development issuer approves at a click; it is never
	// served in production.
	openapi.Register(mux, cardOperations(h, devIssuer), nil)
}

func (h *cardHandler) fail(w http.ResponseWriter, r *http.Request, err error) {
	storebox.WriteError(w, r, h.log, err)
}

// cardJSON is one card of "get cards".
type cardJSON struct {
	UserID              string      `json:"userId"`
	CardID              string      `json:"cardId"`
	Name                string      `json:"name"`
	TruncatedCardNumber *string     `json:"truncatedCardNumber" doc:"A part of the card number; never the full number."`
	CardTypeID          int         `json:"cardTypeId"`
	Expiry              *expiryJSON `json:"expiry"`
	ExternalCardID      *string     `json:"externalCardId"`
	Origin              string      `json:"origin"`
}

type expiryJSON struct {
	Month int `json:"month"`
	Year  int `json:"year"`
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func cardOf(c *user.Card) cardJSON {
	out := cardJSON{UserID: c.UserID, CardID: c.ID, Name: c.Name, TruncatedCardNumber: nonEmpty(c.TruncatedPAN),
		CardTypeID: int(c.TypeID), ExternalCardID: nonEmpty(c.ExternalCardID), Origin: string(c.Origin)}
	if c.ExpMonth > 0 {
		out.Expiry = &expiryJSON{Month: c.ExpMonth, Year: c.ExpYear}
	}
	return out
}

func (h *cardHandler) list(w http.ResponseWriter, r *http.Request) {
	list, err := h.cards.List(r.Context(), r.PathValue("userId"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]cardJSON, len(list))
	for i, c := range list {
		out[i] = cardOf(c)
	}
	storebox.WriteJSON(w, http.StatusOK, out)
}

func (h *cardHandler) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.cards.Delete(r.Context(), r.PathValue("userId"), r.PathValue("cardId")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// bankAxeptBody is the body of "add BankAxept card".
type bankAxeptBody struct {
	// CardData is base64(RSA-OAEP({"pan": "957852…"})) with the public key
	// of "get BankAxept public key".
	CardData           string `json:"cardData"`
	EncryptionProvider string `json:"encryptionProvider"`
	CardProvider       string `json:"cardProvider"`
}

// cardIDJSON answers "add BankAxept card" with the new card's id.
type cardIDJSON struct {
	CardID string `json:"cardId"`
}

func (h *cardHandler) addBankAxept(w http.ResponseWriter, r *http.Request) {
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var body bankAxeptBody
	for _, f := range []struct {
		name string
		dst  *string
	}{{"cardData", &body.CardData}, {"encryptionProvider", &body.EncryptionProvider}, {"cardProvider", &body.CardProvider}} {
		if *f.dst, _, err = obj.String(f.name); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	c, err := h.cards.AddBankAxept(r.Context(), r.PathValue("userId"), user.BankAxeptInput{CardData: body.CardData,
		EncryptionProvider: body.EncryptionProvider, CardProvider: body.CardProvider})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusCreated, cardIDJSON{CardID: c.ID})
}

func (h *cardHandler) publicKey(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("encryptionProvider")
	if name == "" {
		h.fail(w, r, errs.InvalidField("encryptionProvider", "encryptionProvider is required"))
		return
	}
	key, err := h.cards.BankAxeptPublicKey(r.Context(), name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(key))
}

// framePage is the card frame: seed 001's HTML structure, the partner's
// stylesheet, no script. The submit button is enabled: without script
// nothing would enable it.
var framePage = template.Must(template.New("frame").Parse(`<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Texts.Card.Label}}</title>
<link rel="stylesheet" href="{{.CSSURL}}">
</head>
<body>
<form class="" method="post" action="{{.Action}}" autocomplete="off">
  <input type="hidden" name="frameToken" value="{{.Token}}">
  <div class="field field-input">
    <div class="field-label">{{.Texts.Card.Label}}</div>
    <input type="tel" value="" placeholder="{{.Texts.Card.Placeholder}}" name="CardNumber" id="CardNumber" autocomplete="off" required="" class="{{if .CardError}}input-validation-error{{end}}">
    <span class="{{if .CardError}}field-validation-error{{else}}field-validation-valid{{end}}">{{.CardError}}</span>
  </div>
  <div class="field field-input">
    <div class="field-label">{{.Texts.ExpMonth.Label}}</div>
    <input type="tel" value="{{.ExpMonth}}" placeholder="{{.Texts.ExpMonth.Placeholder}}" name="ExpMonth" id="ExpMonth" autocomplete="off" required="" maxlength="2" class="{{if .MonthError}}input-validation-error{{end}}">
    <span class="{{if .MonthError}}field-validation-error{{else}}field-validation-valid{{end}}">{{.MonthError}}</span>
  </div>
  <div class="field field-input">
    <div class="field-label">{{.Texts.ExpYear.Label}}</div>
    <input type="tel" value="{{.ExpYear}}" placeholder="{{.Texts.ExpYear.Placeholder}}" name="ExpYear" id="ExpYear" autocomplete="off" required="" maxlength="2" class="{{if .YearError}}input-validation-error{{end}}">
    <span class="{{if .YearError}}field-validation-error{{else}}field-validation-valid{{end}}">{{.YearError}}</span>
  </div>
  <div class="field field-btn">
    <input type="submit" value="{{.Texts.Btn.Save}}" class="button" id="submit" name="add">
    {{if .GeneralError}}<span class="field-validation-error">{{.GeneralError}}</span>{{end}}
  </div>
</form>
</body>
</html>
`))

type frameView struct {
	Texts                                          card.Texts
	CSSURL, Action, Token                          string
	ExpMonth, ExpYear                              string
	CardError, MonthError, YearError, GeneralError string
}

// frameHeaders are the card frame's headers.
// SECURITY: no script at all; styles only from the partner's stylesheet
// origin (and its images and fonts); the form may post only here and be
// redirected only to the partner's accept and decline URLs; any site may
// frame the page (the partners' pages and apps); nothing is cached or sent
// on as a referrer.
func frameHeaders(w http.ResponseWriter, fs *user.FrameSession) {
	cssOrigin := card.WebOrigin(fs.CSSURL, false)
	formAction := []string{"'self'"}
	for _, u := range []string{fs.AcceptURL, fs.DeclineURL} {
		if src := card.RedirectSource(u); src != "" {
			formAction = append(formAction, src)
		}
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'none'; style-src "+cssOrigin+"; img-src "+cssOrigin+
		"; font-src "+cssOrigin+"; form-action "+strings.Join(formAction, " ")+"; frame-ancestors *; base-uri 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", "text/html; charset=utf-8")
}

func (h *cardHandler) render(w http.ResponseWriter, r *http.Request, status int, fs *user.FrameSession, token string, v frameView) {
	v.Texts = h.texts.Texts(r.Context(), fs.LanguageURL)
	v.CSSURL, v.Action, v.Token = fs.CSSURL, FrameSubmitPath, token
	frameHeaders(w, fs)
	w.WriteHeader(status)
	if err := framePage.Execute(w, v); err != nil {
		h.log.ErrorContext(r.Context(), "render card frame", "err", err)
	}
}

// frame is "show card frame": the partner-signed URL.
func (h *cardHandler) frame(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if t := q.Get("type"); t != "" && t != "card" {
		h.fail(w, r, errs.InvalidField("type", "type must be card"))
		return
	}
	params := card.FrameParams{Provider: q.Get("provider"), UserID: q.Get("id"), AcceptURL: q.Get("accepturl"),
		DeclineURL: q.Get("declineurl"), CSSURL: q.Get("cssurl"), LanguageURL: q.Get("languageurl")}
	fs, token, err := h.cards.Frame(r.Context(), params, q.Get("hash"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, fs, token, frameView{})
}

// maxFrameForm caps the card frame's form body.
const maxFrameForm = 16 << 10

// frameForm is the card frame's form, as the page posts it.
type frameForm struct {
	// FrameToken is the sealed token the page was rendered with.
	FrameToken string `json:"frameToken"`
	// CardNumber is the card number the user typed: checked, then never
	// stored, shown or logged in full.
	CardNumber string `json:"CardNumber"`
	ExpMonth   string `json:"ExpMonth"`
	ExpYear    string `json:"ExpYear"`
}

// submit takes the frame's form. A refused card shows the frame again with
// the language file's message; the card number is never shown again.
func (h *cardHandler) submit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFrameForm)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, errs.E(errs.Invalid, "the form could not be read"))
		return
	}
	form := frameForm{FrameToken: r.PostForm.Get("frameToken"), CardNumber: r.PostForm.Get("CardNumber"),
		ExpMonth: r.PostForm.Get("ExpMonth"), ExpYear: r.PostForm.Get("ExpYear")}
	token := form.FrameToken
	in := card.Entered{Number: form.CardNumber, ExpMonth: form.ExpMonth, ExpYear: form.ExpYear}
	fs, next, err := h.cards.SubmitFrame(r.Context(), token, in)
	if err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	problem, ok := card.ProblemOf(err)
	if !ok || fs == nil {
		h.fail(w, r, err)
		return
	}
	v := frameView{ExpMonth: clip(in.ExpMonth), ExpYear: clip(in.ExpYear)}
	texts := h.texts.Texts(r.Context(), fs.LanguageURL)
	msg := texts.Message(problem)
	switch problem.Field() {
	case "CardNumber":
		v.CardError = msg
	case "ExpMonth":
		v.MonthError = msg
	case "ExpYear":
		v.YearError = msg
	default:
		v.GeneralError = msg
	}
	status := http.StatusUnprocessableEntity
	if problem == card.ProblemDuplicate {
		status = http.StatusConflict
	}
	h.render(w, r, status, fs, token, v)
}

// clip keeps an expiry field for showing again: at most 4 digits.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 4 || strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		return ""
	}
	return s
}

// scaPage is the development issuer's page: Approve or Decline.
var scaPage = template.Must(template.New("sca").Parse(`<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Card verification</title></head>
<body>
<h1>Card verification (development issuer)</h1>
<p>A real 3-D Secure provider would verify the card holder here.</p>
<form method="post" action="{{.Action}}">
  <input type="hidden" name="id" value="{{.ID}}">
  <button type="submit" name="decision" value="approve" id="approve">Approve</button>
  <button type="submit" name="decision" value="decline" id="decline">Decline</button>
</form>
</body>
</html>
`))

func (h *cardHandler) scaPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := user.ValidatePendingID(id); err != nil {
		h.fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; form-action 'self' https: http:; frame-ancestors *; base-uri 'none'")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Content-Type", "text/html; charset=utf-8")
	_ = scaPage.Execute(w, struct{ Action, ID string }{SCAAnswerPath, id})
}

// scaForm is the development issuer's form.
type scaForm struct {
	// ID is the pending card's id.
	ID       string `json:"id"`
	Decision string `json:"decision"`
}

func (h *cardHandler) scaAnswer(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFrameForm)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, errs.E(errs.Invalid, "the form could not be read"))
		return
	}
	form := scaForm{ID: r.PostForm.Get("id"), Decision: r.PostForm.Get("decision")}
	var approved bool
	switch form.Decision {
	case "approve":
		approved = true
	case "decline":
	default:
		h.fail(w, r, errs.InvalidField("decision", "decision must be approve or decline"))
		return
	}
	next, err := h.cards.CompleteSCA(r.Context(), form.ID, approved)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
