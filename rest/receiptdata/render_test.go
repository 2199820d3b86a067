package receiptdata_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/ids"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/secret"
)

// sign is the X-Auth-signature of a view by external id: Base64 of
// HMAC-SHA256 keyed with the partner's secret over "id:type".
func sign(secret, ext, typ string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ext + ":" + typ))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (e *env) view(authz, ext, typ, signature string) *testenv.Response {
	e.t.Helper()
	h := []string{"Authorization", authz}
	if signature != "" {
		h = append(h, "X-Auth-signature", signature)
	}
	return testenv.Do(e.t, e.app.Handler, "GET", "/receipt-data/v1/receipts/external/"+ext+"?type="+typ, nil, h...)
}

func TestExternalViewIsSignedEscapedAndLockedDown(t *testing.T) {
	e := newEnv(t)
	body := receiptBody("EXT-1", "<script>alert('line')</script> Smørrebrød med æg")
	body["storeName"] = `<script>alert("store")</script>`
	body["footerText"] = []string{`"><img src=x onerror=alert(1)>`}
	e.post(body)

	res := e.view(e.partner, "EXT-1", "till", sign(e.partnerSecret, "EXT-1", "till"))
	if res.Status != http.StatusOK {
		t.Fatalf("signed view: %d %s", res.Status, res.Body)
	}
	page := string(res.Body)
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	for _, want := range []string{"Ærø Bageri", "&lt;script&gt;alert(&#39;line&#39;)&lt;/script&gt; Smørrebrød med æg",
		"&lt;script&gt;alert(&#34;store&#34;)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;", "34.50",
		"457100XXXXXX0001", "REXT-1"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(strings.ToLower(page), "<script") || strings.Contains(page, "<img") {
		t.Errorf("receipt text reached the page unescaped:\n%s", page)
	}

	// The policy allows no script and exactly the page's own style.
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.HasPrefix(csp, "default-src 'none';") || strings.Contains(csp, "script-src") ||
		strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "*") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(page, -1)
	if len(m) != 1 {
		t.Fatalf("want one style element, found %d", len(m))
	}
	sum := sha256.Sum256([]byte(m[0][1]))
	if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("Content-Security-Policy %q does not allow the page's style by its hash (%s)", csp, want)
	}
	if strings.Contains(page, "style=") {
		t.Error("inline style attributes are blocked by the policy")
	}
}

func TestExternalViewRefusesMissingWrongAndOtherPartnersSignatures(t *testing.T) {
	e := newEnv(t)
	e.post(receiptBody("EXT-2"))
	good := sign(e.partnerSecret, "EXT-2", "till")
	if res := e.view(e.partner, "EXT-2", "till", good); res.Status != http.StatusOK {
		t.Fatalf("signed view: %d %s", res.Status, res.Body)
	}
	// URL-safe Base64 without padding is the same signature.
	urlSafe := strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(good), "=")
	if res := e.view(e.partner, "EXT-2", "till", urlSafe); res.Status != http.StatusOK {
		t.Errorf("URL-safe signature: %d %s", res.Status, res.Body)
	}
	for name, sig := range map[string]string{
		"missing":                     "",
		"not base64":                  "!!!",
		"signed for another id":       sign(e.partnerSecret, "EXT-3", "till"),
		"signed for another type":     sign(e.partnerSecret, "EXT-2", "pos"),
		"signed without the colon":    sign(e.partnerSecret, "EXT-2till", ""),
		"signed by the other partner": sign(e.otherSecret, "EXT-2", "till"),
		"truncated":                   good[:20],
		"huge":                        strings.Repeat("A", 10000),
	} {
		res := e.view(e.partner, "EXT-2", "till", sig)
		if res.Status != http.StatusForbidden {
			t.Errorf("%s signature: %d %s", name, res.Status, res.Body)
		}
		if strings.Contains(string(res.Body), "Smørrebrød") {
			t.Errorf("%s signature: the receipt was shown", name)
		}
	}
	// Credentials come first: none is 401, a till is 403.
	if res := testenv.Do(t, e.app.Handler, "GET", "/receipt-data/v1/receipts/external/EXT-2?type=till", nil,
		"X-Auth-signature", good); res.Status != http.StatusUnauthorized {
		t.Errorf("no credentials: %d", res.Status)
	}
	if res := e.view(e.pos, "EXT-2", "till", good); res.Status != http.StatusForbidden {
		t.Errorf("till: %d", res.Status)
	}
	// The type is required.
	res := e.view(e.partner, "EXT-2", "", sign(e.partnerSecret, "EXT-2", ""))
	if res.Status != http.StatusBadRequest || res.Object(t)["field"] != "type" {
		t.Errorf("no type: %d %s", res.Status, res.Body)
	}
}

func TestExternalViewOfAnotherPartnersUsersReceiptIsNotFound(t *testing.T) {
	e := newEnv(t)
	e.newUser(e.otherID, "tok-c")
	body := receiptBody("EXT-C")
	body["payments"] = []any{map[string]any{"type": "CARD", "amount": "34.50", "cardToken": "tok-c"}}
	e.post(body)
	// Only the other partner's user has it: the partner's own valid
	// signature finds nothing.
	if res := e.view(e.partner, "EXT-C", "till", sign(e.partnerSecret, "EXT-C", "till")); res.Status != http.StatusNotFound {
		t.Errorf("other partner's user's receipt: %d %s", res.Status, res.Body)
	}
	if res := e.view(e.other, "EXT-C", "till", sign(e.otherSecret, "EXT-C", "till")); res.Status != http.StatusOK {
		t.Errorf("the other partner's own: %d %s", res.Status, res.Body)
	}
	if res := e.view(e.partner, "NOPE", "till", sign(e.partnerSecret, "NOPE", "till")); res.Status != http.StatusNotFound {
		t.Errorf("unknown external id: %d %s", res.Status, res.Body)
	}
}

func (e *env) pdfPath(user, id string) string {
	return "/receipt-data/v1/users/" + user + "/receipts/" + id + "/pdf"
}

func TestPDFHoldsTheReceiptInTheAskedLanguage(t *testing.T) {
	e := newEnv(t)
	id := e.post(receiptBody("PDF-1"))
	res := e.do(e.partner, "GET", e.pdfPath(e.alice, id), nil)
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %d %s %.200s", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	txt := testenv.PDFText(t, res.Body)
	for _, want := range []string{"Ærø Bageri", "Ærø Bageri Nørrebro", "Smørrebrød med æg", "34.50", "Total DKK",
		"457100XXXXXX0001", "R" + "PDF-1", "Velkommen"} {
		if !strings.Contains(txt, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, txt)
		}
	}
	for lang, want := range map[string]string{"da": "I alt", "no": "Beløp", "sv": "Belopp", "fi": "Yhteensä", "en": "Total",
		"xx": "Total", "%3Cscript%3E": "Total"} {
		res := e.do(e.partner, "GET", e.pdfPath(e.alice, id)+"?lang="+lang, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("lang %s: %d %s", lang, res.Status, res.Body)
		}
		if txt := testenv.PDFText(t, res.Body); !strings.Contains(txt, want) {
			t.Errorf("lang %s: PDF text lacks %q:\n%s", lang, want, txt)
		}
	}
	// Another partner, another partner's user, or no receipt: not found.
	for _, path := range []string{e.pdfPath(e.alice, id), e.pdfPath(e.carol, "nosuchreceipt")} {
		if res := e.do(e.other, "GET", path, nil); res.Status != http.StatusNotFound {
			t.Errorf("other partner %s: %d", path, res.Status)
		}
	}
	if res := e.do(e.partner, "GET", e.pdfPath(e.bob, id), nil); res.Status != http.StatusNotFound {
		t.Errorf("a user without the receipt: %d", res.Status)
	}
	if res := testenv.Do(t, e.app.Handler, "GET", e.pdfPath(e.alice, id), nil); res.Status != http.StatusUnauthorized {
		t.Errorf("no credentials: %d", res.Status)
	}
}

func TestPDFNeverShowsCardNumbersButTruncated(t *testing.T) {
	e := newEnv(t)
	id := e.post(receiptBody("PDF-CARD"))
	txt := testenv.PDFText(t, e.do(e.partner, "GET", e.pdfPath(e.alice, id), nil).Body)
	if !strings.Contains(txt, "457100XXXXXX0001") {
		t.Errorf("the truncated card number is missing:\n%s", txt)
	}
	if strings.Contains(strings.NewReplacer(" ", "", "\n", "").Replace(txt), pan) || strings.Contains(txt, "tok-a") {
		t.Errorf("a card number or token is in the PDF:\n%s", txt)
	}
}

var sessionIDShape = regexp.MustCompile(`^[0-9a-z]{32}$`)

func (e *env) session(authz, user, id string) string {
	e.t.Helper()
	res := e.do(authz, "GET", "/receipt-data/v1/users/"+user+"/receipts/"+id+"/pdfsession", nil)
	if res.Status != http.StatusOK {
		e.t.Fatalf("pdfsession: %d %s", res.Status, res.Body)
	}
	var out map[string]string
	res.JSON(e.t, &out)
	if len(out) != 1 || !sessionIDShape.MatchString(out["sessionId"]) {
		e.t.Fatalf("pdfsession body %s", res.Body)
	}
	return out["sessionId"]
}

func (e *env) download(user, id, session, query string) *testenv.Response {
	e.t.Helper()
	return testenv.Do(e.t, e.app.Handler, "GET", e.pdfPath(user, id)+"/"+session+query, nil)
}

func TestPDFSessionNeedsNoCredentialsAndIsBoundToItsReceipt(t *testing.T) {
	e := newEnv(t)
	id := e.post(receiptBody("S-1"))
	id2 := e.post(receiptBody("S-2"))
	s := e.session(e.partner, e.alice, id)
	if s2 := e.session(e.partner, e.alice, id); s2 == s {
		t.Error("two sessions have the same id")
	}

	res := e.download(e.alice, id, s, "?lang=sv")
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %s", res.Status, res.Body)
	}
	if txt := testenv.PDFText(t, res.Body); !strings.Contains(txt, "Smørrebrød med æg") || !strings.Contains(txt, "Totalt") {
		t.Errorf("session PDF:\n%s", txt)
	}
	// Again, within its lifetime, and with someone else's credentials.
	if res := testenv.Do(t, e.app.Handler, "GET", e.pdfPath(e.alice, id)+"/"+s, nil, "Authorization", e.other); res.Status != http.StatusOK {
		t.Errorf("second download: %d", res.Status)
	}

	for name, r := range map[string]*testenv.Response{
		"another receipt":         e.download(e.alice, id2, s, ""),
		"another user":            e.download(e.bob, id, s, ""),
		"another partner's user":  e.download(e.carol, id, s, ""),
		"unknown session":         e.download(e.alice, id, ids.New(), ""),
		"malformed session":       e.download(e.alice, id, "x", ""),
		"upper-cased session":     e.download(e.alice, id, strings.ToUpper(s), ""),
		"session of the receipt2": e.download(e.alice, id, e.session(e.partner, e.alice, id2), ""),
	} {
		if r.Status != http.StatusForbidden {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// Only the receipt's owners make sessions.
	for _, res := range []*testenv.Response{
		e.do(e.other, "GET", "/receipt-data/v1/users/"+e.alice+"/receipts/"+id+"/pdfsession", nil),
		e.do(e.partner, "GET", "/receipt-data/v1/users/"+e.bob+"/receipts/"+id+"/pdfsession", nil),
	} {
		if res.Status != http.StatusNotFound {
			t.Errorf("session for someone else's receipt: %d %s", res.Status, res.Body)
		}
	}
	if res := testenv.Do(t, e.app.Handler, "GET", "/receipt-data/v1/users/"+e.alice+"/receipts/"+id+"/pdfsession", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("session without credentials: %d", res.Status)
	}
	// A receipt deleted since is gone for its sessions too.
	if res := e.do(e.partner, "DELETE", "/receipt-data/v1/users/"+e.alice+"/receipts/"+id, nil); res.Status != http.StatusNoContent {
		t.Fatal(res.Status)
	}
	if res := e.download(e.alice, id, s, ""); res.Status != http.StatusNotFound {
		t.Errorf("deleted receipt: %d", res.Status)
	}
}

func TestPDFSessionExpires(t *testing.T) {
	e := newEnvWith(t, wire.Options{PDFSessionTTL: 300 * time.Millisecond})
	id := e.post(receiptBody("S-EXP"))
	s := e.session(e.partner, e.alice, id)
	if res := e.download(e.alice, id, s, ""); res.Status != http.StatusOK {
		t.Fatalf("fresh session: %d", res.Status)
	}
	time.Sleep(400 * time.Millisecond)
	if res := e.download(e.alice, id, s, ""); res.Status != http.StatusForbidden {
		t.Errorf("expired session: %d %s", res.Status, res.Body)
	}
}

func TestPDFSessionsAreKeptHashedInRedis(t *testing.T) {
	e := newEnv(t)
	id := e.post(receiptBody("S-HASH"))
	s := e.session(e.partner, e.alice, id)
	keys, err := testenv.Redis(t).Redis().Keys(context.Background(), "*pdfsession*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("no PDF session in Redis")
	}
	for _, k := range keys {
		if strings.Contains(k, s) {
			t.Errorf("the session id is in a Redis key: %s", k)
		}
		ttl, _ := testenv.Redis(t).Redis().PTTL(context.Background(), k).Result()
		if ttl <= 0 || ttl > 15*time.Minute {
			t.Errorf("key %s has TTL %s", k, ttl)
		}
	}
}

func TestExternalViewFindsCopiesAndHonoursTheUserToken(t *testing.T) {
	e := newEnv(t)
	id := e.post(receiptBody("EXT-CP"))
	sig := sign(e.partnerSecret, "EXT-CP", "till")
	tokens, err := secret.NewUserTokens(testenv.SecretKey, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	aliceTok, _ := tokens.Issue(e.alice, "4500000000", e.partnerID)
	bobTok, _ := tokens.Issue(e.bob, "4500000001", e.partnerID)
	withToken := func(authz, tok string) int {
		h := []string{"X-Auth-signature", sig, "X-Storebox-user-token", tok}
		if authz != "" {
			h = append(h, "Authorization", authz)
		}
		return testenv.Do(t, e.app.Handler, "GET", "/receipt-data/v1/receipts/external/EXT-CP?type=till", nil, h...).Status
	}
	// A partner request narrowed to one of its users sees only that
	// user's receipts; an end user alone is no partner.
	if got := withToken(e.partner, aliceTok); got != http.StatusOK {
		t.Errorf("partner with alice's token: %d", got)
	}
	if got := withToken(e.partner, bobTok); got != http.StatusNotFound {
		t.Errorf("partner with bob's token: %d", got)
	}
	if got := withToken("", aliceTok); got != http.StatusForbidden {
		t.Errorf("end user alone: %d", got)
	}
	// Copied to bob and deleted by alice: bob's copy is the one shown.
	if res := e.do(e.partner, "POST", "/receipt-data/v1/users/"+e.alice+"/receipts/"+id+"/copy", map[string]any{"toUserId": e.bob}); res.Status != http.StatusCreated {
		t.Fatal(res.Status)
	}
	if res := e.do(e.partner, "DELETE", "/receipt-data/v1/users/"+e.alice+"/receipts/"+id, nil); res.Status != http.StatusNoContent {
		t.Fatal(res.Status)
	}
	if got := withToken(e.partner, bobTok); got != http.StatusOK {
		t.Errorf("bob's copy: %d", got)
	}
	if got := withToken(e.partner, aliceTok); got != http.StatusNotFound {
		t.Errorf("alice's deleted receipt: %d", got)
	}
}

// GET /receipts/{a}/{b} serves two seed paths: the view by external id
// (a = "external") and a receipt's marketing message (b = "message"); an
// external id "message" is a view, and anything else is not found.
func TestReceiptsPathRoutesExternalViewsAndMessages(t *testing.T) {
	e := newEnv(t)
	e.post(receiptBody("message"))
	if res := e.view(e.partner, "message", "till", sign(e.partnerSecret, "message", "till")); res.Status != http.StatusOK ||
		!strings.Contains(string(res.Body), "Smørrebrød") {
		t.Fatalf("the view of external id \"message\": %d %.200s", res.Status, res.Body)
	}
	if res := e.view(e.partner, "message", "till", ""); res.Status != http.StatusForbidden {
		t.Errorf("the view of external id \"message\" without a signature: %d, want 403", res.Status)
	}
	id := e.post(receiptBody("R-msg"))
	for _, path := range []string{"/receipt-data/v1/receipts/" + id + "/other", "/receipt-data/v1/receipts/" + id + "/pdf"} {
		if res := e.do(e.partner, "GET", path, nil); res.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.Status)
		}
	}
	// The message path still reaches the marketing messages (none here).
	if res := e.do(e.partner, "GET", "/receipt-data/v1/receipts/"+id+"/message", nil); res.Status != http.StatusNotFound ||
		!strings.Contains(string(res.Body), "message") {
		t.Errorf("GET …/message without a message: %d %s", res.Status, res.Body)
	}
}
