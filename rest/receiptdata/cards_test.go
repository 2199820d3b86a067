package receiptdata_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/secret"
	"loyaltygraph/store/postgres"
)

// clock is a test clock that tests move forward.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// cardEnv is one app with two partners (p with alice and bob, o with
// carol), an admin, a language file and a webhook receiver.
type cardEnv struct {
	t                     *testing.T
	app                   *wire.App
	clock                 *clock
	p, o                  *auth.NewCredential
	partner, other, admin string
	pID, oID              int64
	alice, bob, carol     string
	lang                  *httptest.Server
	hooks                 *httptest.Server
	hookMu                sync.Mutex
	hookBodies            []map[string]any
}

const (
	acceptURL  = "https://partner.example/frame/accepted.html"
	declineURL = "https://partner.example/frame/declined.html"
	cssURL     = "https://cdn.partner.example/frame/card.css?v=5"
	visa       = "4111111111111111"
)

func newCardEnv(t *testing.T) *cardEnv {
	ctx := context.Background()
	c := &clock{now: time.Now().UTC()}
	e := &cardEnv{t: t, clock: c}
	e.app = testenv.AppWith(t, wire.Options{Now: c.Now, SCADevIssuer: true})
	e.p, e.o = testenv.Credential(t, e.app, auth.KindPartner), testenv.Credential(t, e.app, auth.KindPartner)
	ad := testenv.Credential(t, e.app, auth.KindAdmin)
	e.partner, e.other, e.admin = testenv.BasicAuth(e.p.Username, e.p.Secret), testenv.BasicAuth(e.o.Username, e.o.Secret),
		testenv.BasicAuth(ad.Username, ad.Secret)
	pp, err := e.app.Auth.FindPartner(ctx, e.p.Username)
	if err != nil {
		t.Fatal(err)
	}
	op, err := e.app.Auth.FindPartner(ctx, e.o.Username)
	if err != nil {
		t.Fatal(err)
	}
	e.pID, e.oID = pp.CredentialID, op.CredentialID
	e.alice, e.bob, e.carol = e.user(e.pID), e.user(e.pID), e.user(e.oID)
	e.lang = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"card": {"errorInvalid": "Invalid card number", "duplicate": "Card already registered", "label": "Card number"},
			"expYear": {"errorExpired": "The card has expired"}, "btn": {"save": "Save card"}}`)
	}))
	t.Cleanup(e.lang.Close)
	e.hooks = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		e.hookMu.Lock()
		e.hookBodies = append(e.hookBodies, m)
		e.hookMu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(e.hooks.Close)
	return e
}

var userSeq int

func (e *cardEnv) user(provider int64) string {
	e.t.Helper()
	userSeq++
	now := time.Now().UTC()
	u := &user.User{ID: ids.New(), Provider: user.Provider{ID: provider}, Phone: fmt.Sprintf("46%08d", userSeq*7919+int(provider)),
		MemberID: ids.LowerAlnum(8), CreatedAt: now, UpdatedAt: now}
	if err := postgres.NewUserStore(testenv.DB(e.t), nil, nil).CreateUser(context.Background(), u, nil, nil); err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

// frameURL is what a partner's backend signs by hand, as seed 001 says.
func frameURL(salt, provider, id, accept, decline, css, lang string) string {
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte(id + accept + decline + css + lang))
	q := url.Values{"provider": {provider}, "id": {id}, "accepturl": {accept}, "cssurl": {css}, "type": {"card"},
		"hash": {hex.EncodeToString(m.Sum(nil))}}
	if decline != "" {
		q.Set("declineurl", decline)
	}
	if lang != "" {
		q.Set("languageurl", lang)
	}
	return "/receipt-data/v1/cardframe/url?" + q.Encode()
}

func (e *cardEnv) get(path string) *testenv.Response {
	e.t.Helper()
	return testenv.Do(e.t, e.app.Handler, "GET", path, nil)
}

func (e *cardEnv) rest(authz, method, path string, body any) *testenv.Response {
	e.t.Helper()
	return testenv.Do(e.t, e.app.Handler, method, path, body, "Authorization", authz)
}

func (e *cardEnv) gql(authz, query string, vars map[string]any) *testenv.GraphQLResult {
	e.t.Helper()
	_, out := testenv.GraphQL(e.t, e.app.Handler, authz, query, vars)
	return out
}

var (
	formActionRe = regexp.MustCompile(`<form[^>]*method="post" action="([^"]+)"`)
	hiddenRe     = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	inputRe      = regexp.MustCompile(`<input type="(?:tel|submit)"[^>]*name="([^"]+)"`)
)

// browserForm is a parsed form: its action and hidden inputs.
type browserForm struct {
	action string
	values url.Values
	inputs []string
}

func parseForm(t *testing.T, body []byte) browserForm {
	t.Helper()
	s := string(body)
	m := formActionRe.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no form in page: %s", s)
	}
	f := browserForm{action: html.UnescapeString(m[1]), values: url.Values{}}
	for _, h := range hiddenRe.FindAllStringSubmatch(s, -1) {
		f.values.Set(h[1], html.UnescapeString(h[2]))
	}
	for _, in := range inputRe.FindAllStringSubmatch(s, -1) {
		f.inputs = append(f.inputs, in[1])
	}
	return f
}

// submit posts the form as a browser does, from the page's own origin.
func (e *cardEnv) submit(f browserForm, fields map[string]string) *testenv.Response {
	e.t.Helper()
	vals := url.Values{}
	for k, v := range f.values {
		vals[k] = v
	}
	for k, v := range fields {
		vals.Set(k, v)
	}
	return testenv.Do(e.t, e.app.Handler, "POST", f.action, vals.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin")
}

// openFrame loads the frame of a URL and parses its form.
func (e *cardEnv) openFrame(path string) browserForm {
	e.t.Helper()
	res := e.get(path)
	if res.Status != http.StatusOK {
		e.t.Fatalf("GET frame: %d %s", res.Status, res.Body)
	}
	return parseForm(e.t, res.Body)
}

func (e *cardEnv) cards(authz, userID string) []map[string]any {
	e.t.Helper()
	res := e.rest(authz, "GET", "/receipt-data/v1/users/"+userID+"/cards", nil)
	if res.Status != http.StatusOK {
		e.t.Fatalf("get cards: %d %s", res.Status, res.Body)
	}
	var out []map[string]any
	res.JSON(e.t, &out)
	return out
}

func (e *cardEnv) setSCA(on bool) {
	e.t.Helper()
	out := e.gql(e.admin, `mutation($p: String!, $on: Boolean!) { setCardFrameSettings(input: {partnerUsername: $p, scaEnabled: $on}) { scaEnabled userErrors { field } } }`,
		map[string]any{"p": e.p.Username, "on": on})
	if len(out.Errors) > 0 || !strings.Contains(string(out.Data), fmt.Sprintf(`"scaEnabled":%v`, on)) {
		e.t.Fatalf("setCardFrameSettings: %s %v", out.Data, out.Errors)
	}
}

func TestCardFrameAsABrowser(t *testing.T) {
	e := newCardEnv(t)
	out := e.gql(e.partner, `mutation($u: String!) { setNotificationEndpoint(input: {type: CARD_CREATED, url: $u}) { userErrors { field message } } }`,
		map[string]any{"u": e.hooks.URL + "/cards"})
	if len(out.Errors) > 0 || strings.Contains(string(out.Data), "field") {
		t.Fatalf("set endpoint: %s %v", out.Data, out.Errors)
	}
	lang := e.lang.URL + "/lang.json?v=6"
	path := frameURL(e.p.Salt, e.p.Username, e.alice, acceptURL, declineURL, cssURL, lang)

	res := e.get(path)
	if res.Status != http.StatusOK {
		t.Fatalf("GET frame: %d %s", res.Status, res.Body)
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'none'", "style-src https://cdn.partner.example",
		"form-action 'self' https://partner.example", "frame-ancestors *", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Referrer-Policy") != "no-referrer" || res.Header.Get("X-Frame-Options") != "" {
		t.Errorf("headers: %v", res.Header)
	}
	page := string(res.Body)
	for _, want := range []string{`name="CardNumber" id="CardNumber"`, `name="ExpMonth" id="ExpMonth"`, `name="ExpYear" id="ExpYear"`,
		`class="button" id="submit" name="add"`, `class="field field-input"`, `class="field-label">Card number<`,
		`value="Save card"`, `placeholder="Indtast udløbsmåned"`, `<link rel="stylesheet" href="https://cdn.partner.example/frame/card.css?v=5">`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, e.alice) {
		t.Errorf("page holds a script or the user id in the clear")
	}
	f := parseForm(t, res.Body)
	if f.action != "/receipt-data/v1/cardframe/submit" || f.values.Get("frameToken") == "" || len(f.values) != 1 {
		t.Fatalf("form: %+v", f)
	}
	if strings.Join(f.inputs, ",") != "CardNumber,ExpMonth,ExpYear,add" {
		t.Errorf("inputs %v", f.inputs)
	}

	// Luhn failure: the language file's text, the number not echoed.
	res = e.submit(f, map[string]string{"CardNumber": "4111111111111112", "ExpMonth": "12", "ExpYear": "35"})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), `<span class="field-validation-error">Invalid card number</span>`) ||
		strings.Contains(string(res.Body), "4111111111111112") || !strings.Contains(string(res.Body), `value="35"`) {
		t.Errorf("Luhn failure: %d %s", res.Status, res.Body)
	}
	// Expired: the language file's text.
	res = e.submit(f, map[string]string{"CardNumber": visa, "ExpMonth": "1", "ExpYear": "20"})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), "The card has expired") || strings.Contains(string(res.Body), visa) {
		t.Errorf("expired: %d %s", res.Status, res.Body)
	}
	// Bad month, unknown range, unsupported type: the default (Danish) texts the file leaves out.
	for _, c := range []struct{ number, month, want string }{
		{visa, "13", "Skal være mellem 1 og 12"},
		{"9111111111111110", "12", "Dette kortnummer kan ikke bruges"}, // no IIN range (Luhn-valid)
		{"6200000000000005", "12", "Denne korttype kan ikke bruges"},   // UnionPay
	} {
		res = e.submit(f, map[string]string{"CardNumber": c.number, "ExpMonth": c.month, "ExpYear": "35"})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), c.want) {
			t.Errorf("%s/%s: %d, want %q in %s", c.number, c.month, res.Status, c.want, res.Body)
		}
	}
	if n := len(e.cards(e.partner, e.alice)); n != 0 {
		t.Fatalf("refused cards were stored: %d", n)
	}

	// A valid card, with a user id smuggled into the form: ignored.
	res = e.submit(f, map[string]string{"CardNumber": "4111 1111 1111 1111", "ExpMonth": "12", "ExpYear": "35", "id": e.bob, "userId": e.bob})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != acceptURL {
		t.Fatalf("valid card: %d %s %s", res.Status, res.Header.Get("Location"), res.Body)
	}
	list := e.cards(e.partner, e.alice)
	if len(list) != 1 {
		t.Fatalf("alice's cards: %v", list)
	}
	c := list[0]
	if c["truncatedCardNumber"] != "411111XXXXXX1111" || c["cardTypeId"] != float64(3) || c["origin"] != "CARD_FRAME" || c["userId"] != e.alice ||
		c["name"] != "Visa" || fmt.Sprint(c["expiry"]) != "map[month:12 year:2035]" || c["cardId"] == "" {
		t.Errorf("card: %v", c)
	}
	if n := len(e.cards(e.partner, e.bob)); n != 0 {
		t.Errorf("bob got a card")
	}
	// Duplicate: the same card again, from a new frame.
	res = e.submit(e.openFrame(path), map[string]string{"CardNumber": visa, "ExpMonth": "11", "ExpYear": "34"})
	if res.Status != http.StatusConflict || !strings.Contains(string(res.Body), "Card already registered") {
		t.Errorf("duplicate: %d %s", res.Status, res.Body)
	}
	// The same card for another user of the partner is a duplicate too.
	res = e.submit(e.openFrame(frameURL(e.p.Salt, e.p.Username, e.bob, acceptURL, "", cssURL, "")), map[string]string{"CardNumber": visa, "ExpMonth": "11", "ExpYear": "34"})
	if res.Status != http.StatusConflict || !strings.Contains(string(res.Body), "Kortet er allerede registreret") {
		t.Errorf("duplicate for bob: %d %s", res.Status, res.Body)
	}

	// The card created notification.
	deadline := time.Now().Add(10 * time.Second)
	for {
		e.hookMu.Lock()
		n := len(e.hookBodies)
		e.hookMu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.hookMu.Lock()
	defer e.hookMu.Unlock()
	if len(e.hookBodies) != 1 {
		t.Fatalf("notifications: %v", e.hookBodies)
	}
	want := map[string]any{"id": e.alice, "cardid": c["cardId"], "cardtype": float64(3), "cardno": "411111XXXXXX1111", "expmonth": "12", "expyear": "35"}
	if fmt.Sprint(e.hookBodies[0]) != fmt.Sprint(want) {
		t.Errorf("notification %v, want %v", e.hookBodies[0], want)
	}
}

func TestCardFrameSCAApproveAndDecline(t *testing.T) {
	e := newCardEnv(t)
	e.setSCA(true)
	// SCA needs a declineurl.
	if res := e.get(frameURL(e.p.Salt, e.p.Username, e.alice, acceptURL, "", cssURL, "")); res.Status != http.StatusBadRequest ||
		!strings.Contains(string(res.Body), `"field":"declineurl"`) {
		t.Errorf("no declineurl: %d %s", res.Status, res.Body)
	}
	path := frameURL(e.p.Salt, e.p.Username, e.alice, acceptURL, declineURL, cssURL, "")

	verify := func(number string) browserForm {
		t.Helper()
		res := e.submit(e.openFrame(path), map[string]string{"CardNumber": number, "ExpMonth": "12", "ExpYear": "35"})
		loc := res.Header.Get("Location")
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "http://localhost:8080/receipt-data/v1/cardframe/sca/") {
			t.Fatalf("submit with SCA: %d %s %s", res.Status, loc, res.Body)
		}
		if n := len(e.cards(e.partner, e.alice)); n != 0 && number == visa {
			t.Fatalf("card stored before verification")
		}
		page := e.get(strings.TrimPrefix(loc, "http://localhost:8080"))
		if page.Status != http.StatusOK || !strings.Contains(string(page.Body), `value="approve"`) {
			t.Fatalf("issuer page: %d %s", page.Status, page.Body)
		}
		return parseForm(t, page.Body)
	}

	// Decline: nothing stored, to the decline URL.
	f := verify(visa)
	res := e.submit(f, map[string]string{"decision": "decline"})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != declineURL {
		t.Fatalf("decline: %d %s", res.Status, res.Header.Get("Location"))
	}
	if n := len(e.cards(e.partner, e.alice)); n != 0 {
		t.Fatalf("declined card stored")
	}
	// The id completes once.
	if res := e.submit(f, map[string]string{"decision": "approve"}); res.Status != http.StatusNotFound {
		t.Errorf("replayed id: %d %s", res.Status, res.Body)
	}
	// Approve: stored, to the accept URL.
	f = verify(visa)
	if res := e.submit(f, map[string]string{"decision": "maybe"}); res.Status != http.StatusBadRequest {
		t.Errorf("bad decision: %d", res.Status)
	}
	res = e.submit(f, map[string]string{"decision": "approve"})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != acceptURL {
		t.Fatalf("approve: %d %s %s", res.Status, res.Header.Get("Location"), res.Body)
	}
	if list := e.cards(e.partner, e.alice); len(list) != 1 || list[0]["truncatedCardNumber"] != "411111XXXXXX1111" {
		t.Fatalf("approved card: %v", list)
	}
	// Unknown and malformed ids.
	if res := e.submit(browserForm{action: "/receipt-data/v1/cardframe/sca", values: url.Values{"id": {"nope"}}}, map[string]string{"decision": "approve"}); res.Status != http.StatusNotFound {
		t.Errorf("unknown id: %d", res.Status)
	}
	if res := e.get("/receipt-data/v1/cardframe/sca/" + url.PathEscape("a b")); res.Status != http.StatusNotFound {
		t.Errorf("malformed id page: %d", res.Status)
	}
	// A pending card lives in Redis, sealed, for at most 10 minutes.
	verify("5555555555554444")
	ctx := context.Background()
	rc := testenv.Redis(t)
	keys, err := rc.Redis().Keys(ctx, rc.Key("card", "pending", "*")).Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("pending keys: %v %v", keys, err)
	}
	if ttl := rc.Redis().PTTL(ctx, keys[0]).Val(); ttl <= 0 || ttl > 10*time.Minute {
		t.Errorf("pending card TTL %v", ttl)
	}
	if v := rc.Redis().Get(ctx, keys[0]).Val(); strings.Contains(v, "5555555555554444") || strings.Contains(v, "555555") {
		t.Errorf("pending card in the clear: %q", v)
	}
}

func TestCardFrameHashAndTokenTampering(t *testing.T) {
	e := newCardEnv(t)
	good := frameURL(e.p.Salt, e.p.Username, e.alice, acceptURL, declineURL, cssURL, "")
	if res := e.get(good); res.Status != http.StatusOK {
		t.Fatalf("good frame: %d %s", res.Status, res.Body)
	}
	tamper := func(path, key, value string) string {
		u, _ := url.Parse(path)
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	for name, c := range map[string]struct {
		path string
		want int
	}{
		"changed accepturl":      {tamper(good, "accepturl", "https://evil.example/"), 403},
		"changed user":           {tamper(good, "id", e.bob), 403},
		"changed cssurl":         {tamper(good, "cssurl", "https://evil.example/x.css"), 403},
		"added languageurl":      {tamper(good, "languageurl", "https://evil.example/l.json"), 403},
		"removed declineurl":     {strings.Replace(good, "declineurl=", "x=", 1), 403},
		"other partner":          {tamper(good, "provider", e.o.Username), 403},
		"unknown provider":       {tamper(good, "provider", "partner-nosuchone"), 403},
		"hash not hex":           {tamper(good, "hash", "zz"), 403},
		"hash upper case":        {tamper(good, "hash", strings.ToUpper(mustQuery(good, "hash"))), 200},
		"no hash":                {tamper(good, "hash", ""), 400},
		"no provider":            {tamper(good, "provider", ""), 400},
		"wrong type":             {tamper(good, "type", "iban"), 400},
		"other partner's user":   {frameURL(e.p.Salt, e.p.Username, e.carol, acceptURL, "", cssURL, ""), 404},
		"unknown user":           {frameURL(e.p.Salt, e.p.Username, "nosuchuser", acceptURL, "", cssURL, ""), 404},
		"bad user id":            {frameURL(e.p.Salt, e.p.Username, "a\x00b", acceptURL, "", cssURL, ""), 400},
		"no accepturl":           {frameURL(e.p.Salt, e.p.Username, e.alice, "", "", cssURL, ""), 400},
		"no cssurl":              {frameURL(e.p.Salt, e.p.Username, e.alice, acceptURL, "", "", ""), 400},
		"javascript accepturl":   {frameURL(e.p.Salt, e.p.Username, e.alice, "javascript:alert(1)", "", cssURL, ""), 400},
		"http cssurl":            {frameURL(e.p.Salt, e.p.Username, e.alice, acceptURL, "", "http://cdn.partner.example/c.css", ""), 400},
		"CSP injection cssurl":   {frameURL(e.p.Salt, e.p.Username, e.alice, acceptURL, "", "https://a.example; script-src *", ""), 400},
		"file languageurl":       {frameURL(e.p.Salt, e.p.Username, e.alice, acceptURL, "", cssURL, "file:///etc/passwd"), 400},
		"app accepturl":          {frameURL(e.p.Salt, e.p.Username, e.alice, "myapp://cards/accepted", "", cssURL, ""), 200},
		"signed by other salt":   {frameURL(e.o.Salt, e.p.Username, e.alice, acceptURL, "", cssURL, ""), 403},
		"other partner's own ok": {frameURL(e.o.Salt, e.o.Username, e.carol, acceptURL, "", cssURL, ""), 200},
	} {
		if res := e.get(c.path); res.Status != c.want {
			t.Errorf("%s: %d, want %d: %s", name, res.Status, c.want, res.Body)
		}
	}
	// The app URL is allowed as a form-action.
	res := e.get(frameURL(e.p.Salt, e.p.Username, e.alice, "myapp://cards/accepted", "", cssURL, ""))
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "form-action 'self' myapp:;") {
		t.Errorf("CSP %s", res.Header.Get("Content-Security-Policy"))
	}

	// Frame tokens: changed, foreign, empty, expired.
	f := e.openFrame(good)
	tok := f.values.Get("frameToken")
	valid := map[string]string{"CardNumber": visa, "ExpMonth": "12", "ExpYear": "35"}
	flip := []byte(tok)
	flip[len(flip)/2] ^= 1
	if flip[len(flip)/2] == '-' || flip[len(flip)/2] == '_' {
		flip[len(flip)/2] = 'A'
	}
	for name, v := range map[string]string{
		"changed":        string(flip),
		"not base64":     "!!!",
		"truncated":      tok[:len(tok)-4],
		"another sealed": base64.RawURLEncoding.EncodeToString(mustSeal(t, e, `{"k":"cardframe/v1","p":1,"u":"`+e.bob+`","a":"https://evil.example","c":"x","e":1}`)),
		"wrong kind":     base64.RawURLEncoding.EncodeToString(mustSeal(t, e, fmt.Sprintf(`{"k":"other","p":%d,"u":"%s","a":"%s","c":"%s","e":%d}`, e.pID, e.bob, acceptURL, cssURL, time.Now().Add(time.Hour).Unix()))),
		"too long":       strings.Repeat("A", 9000),
	} {
		res := e.submit(browserForm{action: f.action, values: url.Values{"frameToken": {v}}}, valid)
		if res.Status != http.StatusForbidden {
			t.Errorf("token %s: %d %s", name, res.Status, res.Body)
		}
	}
	if res := e.submit(browserForm{action: f.action, values: url.Values{}}, valid); res.Status != http.StatusBadRequest {
		t.Errorf("no token: %d", res.Status)
	}
	// The other partner's frame token adds to the other partner's user only.
	of := e.openFrame(frameURL(e.o.Salt, e.o.Username, e.carol, acceptURL, "", cssURL, ""))
	if res := e.submit(of, valid); res.Status != http.StatusSeeOther {
		t.Fatalf("carol's card: %d %s", res.Status, res.Body)
	}
	if len(e.cards(e.other, e.carol)) != 1 || len(e.cards(e.partner, e.alice)) != 0 {
		t.Errorf("the card went to the wrong user")
	}
	// A cross-site post is refused.
	if res := testenv.Do(t, e.app.Handler, "POST", f.action, url.Values{"frameToken": {tok}}.Encode(), "Content-Type", "application/x-www-form-urlencoded",
		"Sec-Fetch-Site", "cross-site"); res.Status != http.StatusForbidden {
		t.Errorf("cross-site: %d", res.Status)
	}
	// Expired after 30 minutes.
	e.clock.Add(31 * time.Minute)
	if res := e.submit(f, valid); res.Status != http.StatusForbidden {
		t.Errorf("expired token: %d %s", res.Status, res.Body)
	}
	if len(e.cards(e.partner, e.alice)) != 0 {
		t.Errorf("a refused token stored a card")
	}
}

func mustQuery(path, key string) string {
	u, _ := url.Parse(path)
	return u.Query().Get(key)
}

func mustSeal(t *testing.T, e *cardEnv, s string) []byte {
	t.Helper()
	b, err := e.app.Keys.Seal([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bankAxept returns the BankAxept card number of an 11-digit account.
func bankAxept(account string) string {
	n := "957852" + account
	for d := '0'; d <= '9'; d++ {
		if luhnOK(n + string(d)) {
			return n + string(d)
		}
	}
	panic("no check digit")
}

func luhnOK(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func encrypt(t *testing.T, pemKey string, plain string) string {
	t.Helper()
	blk, _ := pem.Decode([]byte(pemKey))
	if blk == nil || blk.Type != "PUBLIC KEY" {
		t.Fatalf("not a PEM public key: %q", pemKey)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub := k.(*rsa.PublicKey)
	if pub.N.BitLen() < 2048 {
		t.Fatalf("key of %d bits", pub.N.BitLen())
	}
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, []byte(plain), nil)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(ct)
}

func (e *cardEnv) createProvider(name string) {
	e.t.Helper()
	out := e.gql(e.admin, `mutation($n: String!) { createEncryptionProvider(input: {name: $n}) { encryptionProvider { name publicKey } userErrors { field code } } }`,
		map[string]any{"n": name})
	if len(out.Errors) > 0 || !strings.Contains(string(out.Data), "BEGIN PUBLIC KEY") {
		e.t.Fatalf("createEncryptionProvider: %s %v", out.Data, out.Errors)
	}
}

func TestBankAxeptCards(t *testing.T) {
	e := newCardEnv(t)
	e.createProvider("bax-1")
	e.createProvider("bax-2")
	// Admins only; names are unique and checked.
	if out := e.gql(e.partner, `mutation { createEncryptionProvider(input: {name: "p"}) { userErrors { field } } }`, nil); len(out.Errors) == 0 ||
		out.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("partner created a provider: %s %v", out.Data, out.Errors)
	}
	for name, want := range map[string]string{"bax-1": `"code":"CONFLICT"`, "a b": `"field":"name","code":"INVALID"`, "": `"code":"INVALID"`} {
		out := e.gql(e.admin, `mutation($n: String!) { createEncryptionProvider(input: {name: $n}) { encryptionProvider { name } userErrors { field code } } }`,
			map[string]any{"n": name})
		if !strings.Contains(string(out.Data), want) {
			t.Errorf("provider %q: %s, want %s", name, out.Data, want)
		}
	}

	res := e.rest(e.partner, "GET", "/receipt-data/v1/cards/bankaxept/publickey?encryptionProvider=bax-1", nil)
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/x-pem-file" {
		t.Fatalf("public key: %d %s", res.Status, res.Body)
	}
	key1 := string(res.Body)
	key2 := string(e.rest(e.partner, "GET", "/receipt-data/v1/cards/bankaxept/publickey?encryptionProvider=bax-2", nil).Body)
	for path, want := range map[string]int{"?encryptionProvider=nope": 404, "": 400, "?encryptionProvider=a%00b": 400} {
		if res := e.rest(e.partner, "GET", "/receipt-data/v1/cards/bankaxept/publickey"+path, nil); res.Status != want {
			t.Errorf("public key %s: %d, want %d", path, res.Status, want)
		}
	}
	if res := e.get("/receipt-data/v1/cards/bankaxept/publickey?encryptionProvider=bax-1"); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous public key: %d", res.Status)
	}
	out := e.gql(e.partner, `{ a: bankAxeptPublicKey(encryptionProvider: "bax-1") b: bankAxeptPublicKey(encryptionProvider: "nope") }`, nil)
	if !strings.Contains(string(out.Data), `"b":null`) || !strings.Contains(string(out.Data), "BEGIN PUBLIC KEY") {
		t.Errorf("GraphQL public key: %s %v", out.Data, out.Errors)
	}

	number := bankAxept("11111111111")
	if number != "957852111111111113" {
		t.Fatalf("formula: %s", number)
	}
	path := "/receipt-data/v1/users/" + e.alice + "/cards/bankaxept"
	body := func(data string) map[string]any {
		return map[string]any{"cardData": data, "encryptionProvider": "bax-1", "cardProvider": "DNB"}
	}
	// Every bad payload answers alike.
	var first []byte
	for name, data := range map[string]string{
		"bad base64":     "%%%not base64%%%",
		"other key":      encrypt(t, key2, `{"pan": "`+number+`"}`),
		"not JSON":       encrypt(t, key1, number),
		"no pan":         encrypt(t, key1, `{"card": "`+number+`"}`),
		"pan a number":   encrypt(t, key1, `{"pan": `+number+`}`),
		"bad prefix":     encrypt(t, key1, `{"pan": "`+bankAxept("11111111111")[:5]+`3111111111111112"}`),
		"bad Luhn":       encrypt(t, key1, `{"pan": "957852111111111112"}`),
		"seed's example": encrypt(t, key1, `{"pan": "957852111111111119"}`),
		"a Visa":         encrypt(t, key1, `{"pan": "`+visa+`"}`),
		"short":          encrypt(t, key1, `{"pan": "9578521113"}`),
		"garbage":        base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 256)),
	} {
		res := e.rest(e.partner, "POST", path, body(data))
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
			continue
		}
		if first == nil {
			first = res.Body
		} else if !bytes.Equal(first, res.Body) {
			t.Errorf("%s answers %s, others %s", name, res.Body, first)
		}
	}
	// Missing and bad fields name the field.
	for field, b := range map[string]map[string]any{
		"cardData":           {"encryptionProvider": "bax-1", "cardProvider": "DNB"},
		"encryptionProvider": {"cardData": "x", "cardProvider": "DNB"},
		"cardProvider":       {"cardData": "x", "encryptionProvider": "bax-1"},
	} {
		if res := e.rest(e.partner, "POST", path, b); res.Status != 400 || !strings.Contains(string(res.Body), `"field":"`+field+`"`) {
			t.Errorf("missing %s: %d %s", field, res.Status, res.Body)
		}
	}
	if res := e.rest(e.partner, "POST", path, map[string]any{"cardData": 5, "encryptionProvider": "bax-1", "cardProvider": "DNB"}); res.Status != 400 {
		t.Errorf("cardData a number: %d", res.Status)
	}
	if res := e.rest(e.partner, "POST", path, map[string]any{"cardData": "x", "encryptionProvider": "nope", "cardProvider": "DNB"}); res.Status != 400 ||
		!strings.Contains(string(res.Body), `"field":"encryptionProvider"`) {
		t.Errorf("unknown provider: %d %s", res.Status, res.Body)
	}
	good := encrypt(t, key1, `{"pan": "`+number+`"}`)
	// Other partner's user, anonymous.
	if res := e.rest(e.partner, "POST", "/receipt-data/v1/users/"+e.carol+"/cards/bankaxept", body(good)); res.Status != 404 {
		t.Errorf("other partner's user: %d %s", res.Status, res.Body)
	}
	if res := testenv.Do(t, e.app.Handler, "POST", path, body(good)); res.Status != 401 {
		t.Errorf("anonymous: %d", res.Status)
	}
	res = e.rest(e.partner, "POST", path, body(good))
	if res.Status != http.StatusCreated {
		t.Fatalf("add: %d %s", res.Status, res.Body)
	}
	cardID, _ := res.Object(t)["cardId"].(string)
	if res := e.rest(e.partner, "POST", path, body(encrypt(t, key1, `{"pan": "`+number+`"}`))); res.Status != http.StatusConflict {
		t.Errorf("duplicate: %d %s", res.Status, res.Body)
	}
	list := e.cards(e.partner, e.alice)
	if len(list) != 1 || list[0]["cardId"] != cardID || list[0]["origin"] != "BANKAXEPT" || list[0]["cardTypeId"] != float64(10) ||
		list[0]["truncatedCardNumber"] != "957852XXXXXXXX1113" || list[0]["name"] != "DNB" || list[0]["expiry"] != nil {
		t.Errorf("cards: %v", list)
	}

	// GraphQL: the same rules.
	q := `mutation($u: ID!, $d: String!) { addBankAxeptCard(input: {userId: $u, cardData: $d, encryptionProvider: "bax-1", cardProvider: "DNB"}) {
		card { cardId origin cardTypeId truncatedCardNumber userId } userErrors { field code message } } }`
	out = e.gql(e.partner, q, map[string]any{"u": e.bob, "d": encrypt(t, key1, `{"pan": "957852111111111119"}`)})
	if !strings.Contains(string(out.Data), `"field":"cardData","code":"INVALID"`) {
		t.Errorf("GraphQL bad card: %s %v", out.Data, out.Errors)
	}
	out = e.gql(e.partner, q, map[string]any{"u": e.carol, "d": good})
	if !strings.Contains(string(out.Data), `"code":"NOT_FOUND"`) {
		t.Errorf("GraphQL other partner's user: %s %v", out.Data, out.Errors)
	}
	out = e.gql(e.partner, q, map[string]any{"u": e.bob, "d": encrypt(t, key1, `{"pan": "`+bankAxept("22222222222")+`"}`)})
	if !strings.Contains(string(out.Data), `"origin":"BANKAXEPT","cardTypeId":10`) || !strings.Contains(string(out.Data), `"userErrors":[]`) {
		t.Errorf("GraphQL add: %s %v", out.Data, out.Errors)
	}
}

func TestCardsListAndDeleteBothDoors(t *testing.T) {
	e := newCardEnv(t)
	ctx := context.Background()
	// A User API card (signup with a card token) is listed too.
	sealed, _ := e.app.Keys.Seal([]byte("tok-x"))
	if _, err := postgres.NewUserStore(testenv.DB(t), nil, nil).AddCard(ctx, e.pID, &user.Card{ID: ids.New(), UserID: e.alice,
		TruncatedPAN: "457100XXXXXX0001", SealedToken: sealed, TokenHash: e.app.Keys.LookupHash([]byte("tok-x")), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if res := e.submit(e.openFrame(frameURL(e.p.Salt, e.p.Username, e.alice, acceptURL, "", cssURL, "")),
		map[string]string{"CardNumber": "5555555555554444", "ExpMonth": "3", "ExpYear": "2031"}); res.Status != http.StatusSeeOther {
		t.Fatalf("frame card: %d %s", res.Status, res.Body)
	}
	list := e.cards(e.partner, e.alice)
	if len(list) != 2 {
		t.Fatalf("cards: %v", list)
	}
	origins := map[string]map[string]any{}
	for _, c := range list {
		origins[c["origin"].(string)] = c
	}
	if origins["USER_API"] == nil || origins["USER_API"]["cardTypeId"] != float64(0) || origins["CARD_FRAME"]["cardTypeId"] != float64(4) ||
		fmt.Sprint(origins["CARD_FRAME"]["expiry"]) != "map[month:3 year:2031]" {
		t.Errorf("cards: %v", list)
	}
	for k := range map[string]bool{"userId": true, "cardId": true, "name": true, "truncatedCardNumber": true, "cardTypeId": true, "expiry": true, "externalCardId": true, "origin": true} {
		if _, ok := list[0][k]; !ok {
			t.Errorf("card lacks %s: %v", k, list[0])
		}
	}
	frameCard := origins["CARD_FRAME"]["cardId"].(string)
	// GraphQL: User.cards with the same fields.
	out := e.gql(e.partner, `query($u: ID!) { user(userId: $u) { cards { nodes { cardId userId name truncatedCardNumber cardTypeId expiry { month year } externalCardId origin } } } }`,
		map[string]any{"u": e.alice})
	if !strings.Contains(string(out.Data), `"truncatedCardNumber":"555555XXXXXX4444","cardTypeId":4,"expiry":{"month":3,"year":2031},"externalCardId":null,"origin":"CARD_FRAME"`) {
		t.Errorf("User.cards: %s %v", out.Data, out.Errors)
	}

	// Another partner sees nothing and deletes nothing.
	for _, c := range []struct{ method, path string }{
		{"GET", "/receipt-data/v1/users/" + e.alice + "/cards"},
		{"DELETE", "/receipt-data/v1/users/" + e.alice + "/cards/" + frameCard},
		{"DELETE", "/receipt-data/v1/users/" + e.carol + "/cards/" + frameCard},
	} {
		if res := e.rest(e.other, c.method, c.path, nil); res.Status != http.StatusNotFound {
			t.Errorf("other partner %s %s: %d", c.method, c.path, res.Status)
		}
	}
	if res := e.rest(e.partner, "DELETE", "/receipt-data/v1/users/"+e.bob+"/cards/"+frameCard, nil); res.Status != http.StatusNotFound {
		t.Errorf("delete through another user: %d", res.Status)
	}
	if res := e.rest(e.partner, "DELETE", "/receipt-data/v1/users/"+e.alice+"/cards/"+url.PathEscape("a\x00"), nil); res.Status != http.StatusBadRequest {
		t.Errorf("bad card id: %d", res.Status)
	}
	if res := e.get("/receipt-data/v1/users/" + e.alice + "/cards"); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", res.Status)
	}
	out = e.gql(e.other, `mutation($u: ID!, $c: ID!) { deleteCard(userId: $u, cardId: $c) { deletedCardId userErrors { code } } }`,
		map[string]any{"u": e.alice, "c": frameCard})
	if !strings.Contains(string(out.Data), `"deletedCardId":null,"userErrors":[{"code":"NOT_FOUND"}]`) {
		t.Errorf("GraphQL delete by other partner: %s %v", out.Data, out.Errors)
	}
	if res := e.rest(e.partner, "DELETE", "/receipt-data/v1/users/"+e.alice+"/cards/"+frameCard, nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if res := e.rest(e.partner, "DELETE", "/receipt-data/v1/users/"+e.alice+"/cards/"+frameCard, nil); res.Status != http.StatusNotFound {
		t.Errorf("delete again: %d", res.Status)
	}
	userCard := origins["USER_API"]["cardId"].(string)
	out = e.gql(e.partner, `mutation($u: ID!, $c: ID!) { deleteCard(userId: $u, cardId: $c) { deletedCardId userErrors { code } } }`,
		map[string]any{"u": e.alice, "c": userCard})
	if !strings.Contains(string(out.Data), `"deletedCardId":"`+userCard+`","userErrors":[]`) {
		t.Errorf("GraphQL delete: %s %v", out.Data, out.Errors)
	}
	if n := len(e.cards(e.partner, e.alice)); n != 0 {
		t.Errorf("%d cards left", n)
	}
}

func TestCreateCardFrameURLSignsForThePartnersBackend(t *testing.T) {
	e := newCardEnv(t)
	q := `mutation($u: ID!, $a: String!, $d: String, $c: String!, $l: String) { createCardFrameUrl(userId: $u, accepturl: $a, declineurl: $d, cssurl: $c, languageurl: $l) {
		url userErrors { field code } } }`
	out := e.gql(e.partner, q, map[string]any{"u": e.alice, "a": acceptURL, "d": declineURL, "c": cssURL, "l": e.lang.URL + "/l.json"})
	var data struct {
		CreateCardFrameURL struct {
			URL *string
		} `json:"createCardFrameUrl"`
	}
	if err := json.Unmarshal(out.Data, &data); err != nil || data.CreateCardFrameURL.URL == nil {
		t.Fatalf("createCardFrameUrl: %s %v", out.Data, out.Errors)
	}
	u := *data.CreateCardFrameURL.URL
	if !strings.HasPrefix(u, "http://localhost:8080/receipt-data/v1/cardframe/url?") || strings.Contains(u, e.p.Salt) {
		t.Fatalf("url %s", u)
	}
	// The URL is the one the partner would sign by hand, and a browser opens it.
	want := frameURL(e.p.Salt, e.p.Username, e.alice, acceptURL, declineURL, cssURL, e.lang.URL+"/l.json")
	if mustQuery(u, "hash") != mustQuery(want, "hash") {
		t.Errorf("hash %s, want %s", mustQuery(u, "hash"), mustQuery(want, "hash"))
	}
	if res := e.get(strings.TrimPrefix(u, "http://localhost:8080")); res.Status != http.StatusOK || !strings.Contains(string(res.Body), "Save card") {
		t.Errorf("open: %d %s", res.Status, res.Body)
	}
	for name, c := range map[string]struct {
		authz string
		vars  map[string]any
		want  string
	}{
		"other partner's user": {e.partner, map[string]any{"u": e.carol, "a": acceptURL, "c": cssURL}, `"code":"NOT_FOUND"`},
		"bad accepturl":        {e.partner, map[string]any{"u": e.alice, "a": "javascript:x", "c": cssURL}, `"field":"accepturl","code":"INVALID"`},
		"bad cssurl":           {e.partner, map[string]any{"u": e.alice, "a": acceptURL, "c": "ftp://x"}, `"field":"cssurl","code":"INVALID"`},
		"bad user id":          {e.partner, map[string]any{"u": "x y", "a": acceptURL, "c": cssURL}, `"field":"userId","code":"INVALID"`},
		"admin":                {e.admin, map[string]any{"u": e.alice, "a": acceptURL, "c": cssURL}, `"FORBIDDEN"`},
		"anonymous":            {"", map[string]any{"u": e.alice, "a": acceptURL, "c": cssURL}, `"UNAUTHENTICATED"`},
	} {
		_, out := testenv.GraphQL(t, e.app.Handler, c.authz, q, c.vars)
		all, _ := json.Marshal(out)
		if !strings.Contains(string(all), c.want) {
			t.Errorf("%s: %s, want %s", name, all, c.want)
		}
	}
	// With SCA on, declineurl is required.
	e.setSCA(true)
	out = e.gql(e.partner, q, map[string]any{"u": e.alice, "a": acceptURL, "c": cssURL})
	if !strings.Contains(string(out.Data), `"field":"declineurl","code":"INVALID"`) {
		t.Errorf("SCA without declineurl: %s", out.Data)
	}
	// Only admins set SCA.
	out = e.gql(e.partner, `mutation($p: String!) { setCardFrameSettings(input: {partnerUsername: $p, scaEnabled: false}) { scaEnabled } }`,
		map[string]any{"p": e.p.Username})
	if len(out.Errors) == 0 || out.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("partner set SCA: %s %v", out.Data, out.Errors)
	}
	out = e.gql(e.admin, `mutation { setCardFrameSettings(input: {partnerUsername: "nope", scaEnabled: false}) { userErrors { field } } }`, nil)
	if !strings.Contains(string(out.Data), `"field":"partnerUsername"`) {
		t.Errorf("unknown partner: %s", out.Data)
	}
}

// Without a 3-D Secure provider (production), SCA cannot complete: the
// frame refuses the card, and the development issuer's page is not served.
func TestCardFrameSCAWithoutAVerifier(t *testing.T) {
	e := newCardEnv(t)
	e.app = testenv.AppWith(t, wire.Options{Now: e.clock.Now})
	e.setSCA(true)
	res := e.submit(e.openFrame(frameURL(e.p.Salt, e.p.Username, e.alice, acceptURL, declineURL, cssURL, "")),
		map[string]string{"CardNumber": visa, "ExpMonth": "12", "ExpYear": "35"})
	if res.Status != http.StatusServiceUnavailable {
		t.Errorf("SCA without a verifier: %d %s", res.Status, res.Body)
	}
	if res := e.get("/receipt-data/v1/cardframe/sca/abc"); res.Status != http.StatusNotFound {
		t.Errorf("issuer page in production: %d", res.Status)
	}
	if res := e.submit(browserForm{action: "/receipt-data/v1/cardframe/sca", values: url.Values{"id": {"abc"}}}, map[string]string{"decision": "approve"}); res.Status != http.StatusNotFound {
		t.Errorf("issuer answer in production: %d", res.Status)
	}
	if n := len(e.cards(e.partner, e.alice)); n != 0 {
		t.Errorf("%d cards stored", n)
	}
}

func TestCardsForEndUsersAndOtherKinds(t *testing.T) {
	e := newCardEnv(t)
	if res := e.submit(e.openFrame(frameURL(e.p.Salt, e.p.Username, e.alice, acceptURL, "", cssURL, "")),
		map[string]string{"CardNumber": visa, "ExpMonth": "12", "ExpYear": "35"}); res.Status != http.StatusSeeOther {
		t.Fatalf("frame card: %d %s", res.Status, res.Body)
	}
	tokens, err := secret.NewUserTokens(testenv.SecretKey, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.Issue(e.alice, "4500000000", e.pID)
	if err != nil {
		t.Fatal(err)
	}
	as := func(method, path string) *testenv.Response {
		return testenv.Do(t, e.app.Handler, method, path, nil, "X-Storebox-user-token", tok)
	}
	res := as("GET", "/receipt-data/v1/users/"+e.alice+"/cards")
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), "411111XXXXXX1111") {
		t.Fatalf("own cards: %d %s", res.Status, res.Body)
	}
	if res := as("GET", "/receipt-data/v1/users/"+e.bob+"/cards"); res.Status != http.StatusNotFound {
		t.Errorf("another user's cards: %d", res.Status)
	}
	if res := as("GET", "/receipt-data/v1/cards/bankaxept/publickey?encryptionProvider=none"); res.Status != http.StatusNotFound {
		t.Errorf("end user public key: %d", res.Status)
	}
	st := testenv.Credential(t, e.app, auth.KindSettlement)
	if res := e.rest(testenv.BasicAuth(st.Username, st.Secret), "GET", "/receipt-data/v1/users/"+e.alice+"/cards", nil); res.Status != http.StatusForbidden {
		t.Errorf("settlement client: %d", res.Status)
	}
	if res := e.rest(e.admin, "GET", "/receipt-data/v1/users/"+e.alice+"/cards", nil); res.Status != http.StatusForbidden {
		t.Errorf("admin: %d", res.Status)
	}
	var id string
	for _, c := range e.cards(e.partner, e.alice) {
		id = c["cardId"].(string)
	}
	if res := as("DELETE", "/receipt-data/v1/users/"+e.alice+"/cards/"+id); res.Status != http.StatusNoContent {
		t.Errorf("own delete: %d %s", res.Status, res.Body)
	}
}

func TestCardFrameRefusesMoreThanFiftyCards(t *testing.T) {
	e := newCardEnv(t)
	st := postgres.NewUserStore(testenv.DB(t), nil, nil)
	for i := range 50 {
		tok := fmt.Sprintf("tok-max-%d", i)
		sealed, _ := e.app.Keys.Seal([]byte(tok))
		if _, err := st.AddCard(context.Background(), e.pID, &user.Card{ID: ids.New(), UserID: e.bob, TruncatedPAN: "457100XXXXXX0001",
			SealedToken: sealed, TokenHash: e.app.Keys.LookupHash([]byte(tok)), CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	res := e.submit(e.openFrame(frameURL(e.p.Salt, e.p.Username, e.bob, acceptURL, "", cssURL, "")),
		map[string]string{"CardNumber": visa, "ExpMonth": "12", "ExpYear": "35"})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), "Du kan ikke tilføje flere kort") {
		t.Errorf("51st card: %d %s", res.Status, res.Body)
	}
}
