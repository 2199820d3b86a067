package userapi

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/user"
	"loyaltygraph/rest/storebox"
)

// termsTemplate is the Storebox-controlled term accept page: the partner's
// terms in an iframe and an Accept button.
var termsTemplate = template.Must(template.New("terms").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Provider}} — terms</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; display: flex; flex-direction: column; height: 100vh; }
header, footer { padding: 1rem; }
iframe { flex: 1; border: 0; border-top: 1px solid #ddd; border-bottom: 1px solid #ddd; width: 100%; }
.terms { flex: 1; padding: 1rem; border-top: 1px solid #ddd; border-bottom: 1px solid #ddd; }
button { font-size: 1.1rem; padding: .6rem 1.4rem; }
</style>
</head>
<body>
<header><h1>Join {{.Provider}}</h1><p>Phone number ending in {{.PhoneTail}}. Please read the terms and accept them.</p></header>
{{if .TermsURL}}<iframe src="{{.TermsURL}}" title="Terms of {{.Provider}}" sandbox="allow-same-origin"></iframe>
{{else}}<div class="terms">By accepting, you join the loyalty programme of {{.Provider}}: purchases made with your registered card are matched to your membership.</div>{{end}}
<footer>
<form method="post" action="/api/v1/signup/terms">
<input type="hidden" name="linkCode" value="{{.LinkCode}}">
<button type="submit">Accept</button>
</form>
</footer>
</body>
</html>`))

var messageTemplate = template.Must(template.New("message").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><style>body { font-family: system-ui, sans-serif; margin: 2rem; }</style></head>
<body><h1>{{.Title}}</h1><p>{{.Text}}</p></body></html>`))

func writeHTML(w http.ResponseWriter, status int, tmpl *template.Template, data any, frameSrc string) {
	csp := "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	if frameSrc != "" {
		csp += "; frame-src " + frameSrc
	}
	w.Header().Set("Content-Security-Policy", csp)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = tmpl.Execute(w, data)
}

// pageError answers an end user's request with an HTML page.
func (h *Handler) pageError(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	text := map[errs.Code]string{
		errs.NotFound: "This signup link is not known. Please check the link in your SMS.",
		errs.Gone:     "This signup link has already been used or has expired.",
		errs.Invalid:  "This signup link is not valid. Please check the link in your SMS.",
	}[e.Code]
	if text == "" {
		if e.Code == errs.Internal {
			h.log.ErrorContext(r.Context(), "terms page", "err", err)
		}
		text = "Something went wrong. Please try again later."
	}
	if s := e.RetryAfterSeconds(); s > 0 { // 429 and 503
		w.Header().Set("Retry-After", strconv.Itoa(s))
	}
	writeHTML(w, storebox.Status(e.Code), messageTemplate, map[string]string{"Title": "Signup", "Text": text}, "")
}

func (h *Handler) termsPage(w http.ResponseWriter, r *http.Request) {
	sg, settings, err := h.users.TermsPage(r.Context(), r.URL.Query().Get("linkCode"))
	if err != nil {
		h.pageError(w, r, err)
		return
	}
	// SECURITY: the frame-src origin comes only from a termsUrl that is an
	// https URL with a plain host; anything else (a termsUrl stored before
	// the check, such as "https://evil.example;sandbox") is not framed.
	frame, termsURL := user.FrameOrigin(settings.TermsURL), settings.TermsURL
	if frame == "" {
		termsURL = ""
	}
	tail := sg.Phone
	if len(tail) > 4 {
		tail = tail[len(tail)-4:]
	}
	writeHTML(w, http.StatusOK, termsTemplate, map[string]string{
		"Provider": sg.Provider.Name, "PhoneTail": tail, "TermsURL": termsURL, "LinkCode": sg.LinkCode,
	}, frame)
}

func (h *Handler) acceptTerms(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.pageError(w, r, errs.InvalidField("linkCode", "bad form"))
		return
	}
	code := r.PostForm.Get("linkCode")
	_, settings, err := h.users.AcceptTerms(r.Context(), code)
	if err != nil {
		h.pageError(w, r, err)
		return
	}
	if settings.LandingURL != "" {
		http.Redirect(w, r, landing(settings, code), http.StatusSeeOther)
		return
	}
	writeHTML(w, http.StatusOK, messageTemplate, map[string]string{
		"Title": "Welcome", "Text": "You are signed up. You can close this page.",
	}, "")
}

func landing(s *user.PartnerSettings, code string) string {
	u, err := url.Parse(s.LandingURL)
	if err != nil {
		return s.LandingURL
	}
	q := u.Query()
	q.Set("linkCode", code)
	u.RawQuery = q.Encode()
	return u.String()
}
