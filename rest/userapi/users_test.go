package userapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/secret"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is one app with a partner, a second partner and an admin.
type env struct {
	t       *testing.T
	app     *wire.App
	partner string // Authorization header values
	other   string
	admin   string
	// partnerCred and otherCred are the two partners' credentials.
	partnerCred, otherCred *auth.NewCredential
}

func newEnv(t *testing.T) *env {
	a := testenv.App(t)
	p := testenv.Credential(t, a, auth.KindPartner)
	o := testenv.Credential(t, a, auth.KindPartner)
	ad := testenv.Credential(t, a, auth.KindAdmin)
	return &env{t: t, app: a,
		partner:     testenv.BasicAuth(p.Username, p.Secret),
		other:       testenv.BasicAuth(o.Username, o.Secret),
		admin:       testenv.BasicAuth(ad.Username, ad.Secret),
		partnerCred: p, otherCred: o}
}

func (e *env) do(authz, method, path string, body any, headers ...string) *testenv.Response {
	e.t.Helper()
	if authz != "" {
		headers = append(headers, "Authorization", authz)
	}
	return testenv.Do(e.t, e.app.Handler, method, path, body, headers...)
}

// sms returns the messages sent to phone, newest first, read as an admin
// through GraphQL.
func (e *env) sms(phone string) []string {
	e.t.Helper()
	testenv.WaitMessages(e.t) // messages go out through the outbox
	_, res := testenv.GraphQL(e.t, e.app.Handler, e.admin, `query($to: String!) { sentMessages(to: $to) { nodes { to channel body } } }`, map[string]any{"to": phone})
	if len(res.Errors) > 0 {
		e.t.Fatalf("sentMessages: %+v", res.Errors)
	}
	var data struct {
		SentMessages testenv.Nodes[struct{ To, Channel, Body string }]
	}
	if err := json.Unmarshal(res.Data, &data); err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, m := range data.SentMessages {
		out = append(out, m.Body)
	}
	return out
}

var (
	linkCodeRe = regexp.MustCompile(`linkCode=([0-9a-z]+)`)
	otpRe      = regexp.MustCompile(`is (\d{4,12})$`)
)

func (e *env) lastMatch(phone string, re *regexp.Regexp) string {
	e.t.Helper()
	msgs := e.sms(phone)
	if len(msgs) == 0 {
		e.t.Fatalf("no SMS to %s", phone)
	}
	m := re.FindStringSubmatch(msgs[0])
	if m == nil {
		e.t.Fatalf("SMS %q has no %s", msgs[0], re)
	}
	return m[1]
}

func wantError(t *testing.T, r *testenv.Response, status int, field string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	body := r.Object(t)
	if body["message"] == "" || (field != "" && body["field"] != field) {
		t.Fatalf("error body %s, want field %q", r.Body, field)
	}
}

func cardSignup(phone, token string) map[string]any {
	return map[string]any{"phonenumber": phone, "truncatedPan": "457100XXXXXX0001", "token": token, "payment": true, "storeId": "SB-10001"}
}

func TestSignupWithCardLinkCodeAndVerify(t *testing.T) {
	e := newEnv(t)
	r := e.do(e.partner, "POST", "/api/v1/signup/card", cardSignup("4520000001", "tok-a1"))
	if r.Status != http.StatusAccepted || r.Object(t)["result"] != "VERIFICATION_SENT" {
		t.Fatalf("signup: %d %s", r.Status, r.Body)
	}
	code := e.lastMatch("4520000001", linkCodeRe)
	if len(code) != 10 {
		t.Fatalf("link code %q", code)
	}

	r = e.do(e.partner, "GET", "/api/v1/linkcode/"+code, nil)
	if r.Status != 200 {
		t.Fatalf("exists: %d %s", r.Status, r.Body)
	}
	var lc map[string]json.RawMessage
	r.JSON(t, &lc)
	if string(lc["phoneNumber"]) != "4520000001" || string(lc["linkCode"]) != `"`+code+`"` || string(lc["storeId"]) != `"SB-10001"` {
		t.Fatalf("link code body %s (phoneNumber must be a JSON number)", r.Body)
	}
	for _, k := range []string{"provider", "created"} {
		if _, ok := lc[k]; !ok {
			t.Fatalf("link code body lacks %s: %s", k, r.Body)
		}
	}
	// Another partner's link code is unknown to it.
	wantError(t, e.do(e.other, "GET", "/api/v1/linkcode/"+code, nil), http.StatusNotFound, "")
	wantError(t, e.do(e.other, "POST", "/api/v1/linkcode/"+code+"/verify", map[string]any{}), http.StatusNotFound, "")

	wantError(t, e.do(e.partner, "POST", "/api/v1/linkcode/"+code+"/verify", map[string]any{"memberId": "abc"}), http.StatusBadRequest, "memberId")
	r = e.do(e.partner, "POST", "/api/v1/linkcode/"+code+"/verify", map[string]any{"memberId": "member-0001"})
	if r.Status != 200 || string(r.Body) != "{\"state\":0}\n" {
		t.Fatalf("verify: %d %s", r.Status, r.Body)
	}
	// Single use: a used code is not found, like an unknown one (issue 8 point 5).
	wantError(t, e.do(e.partner, "GET", "/api/v1/linkcode/"+code, nil), http.StatusNotFound, "linkCode")
	wantError(t, e.do(e.partner, "POST", "/api/v1/linkcode/"+code+"/verify", map[string]any{}), http.StatusNotFound, "linkCode")
	wantError(t, e.do(e.partner, "GET", "/api/v1/linkcode/zzzzzzzzzz", nil), http.StatusNotFound, "")

	// The user exists now with its card: a second signup adds the card to it.
	r = e.do(e.partner, "POST", "/api/v1/signup/card", cardSignup("+45 20 00 00 01", "tok-a2"))
	if r.Status != 200 || r.Object(t)["result"] != "CARD_ADDED" {
		t.Fatalf("second signup: %d %s", r.Status, r.Body)
	}
	userID := r.Object(t)["userId"].(string)
	u := e.do(e.partner, "GET", "/api/v1/users/"+userID, nil).Object(t)
	if u["phoneNumber"] != "4520000001" || u["userId"] != userID || u["memberId"] != "member-0001" {
		t.Fatalf("user %v", u)
	}
	if parms, ok := u["parms"].([]any); !ok || len(parms) != 0 {
		t.Fatalf("parms %v", u["parms"])
	}
	// Token by phone gives the newest card's token.
	r = e.do(e.partner, "POST", "/api/v1/users/token", map[string]any{"phonenumber": "4520000001"})
	if r.Status != 200 || r.Object(t)["token"] != "tok-a2" {
		t.Fatalf("token by phone: %d %s", r.Status, r.Body)
	}
	wantError(t, e.do(e.partner, "POST", "/api/v1/users/token", map[string]any{"phonenumber": "4520009999"}), http.StatusNotFound, "")
	wantError(t, e.do(e.other, "POST", "/api/v1/users/token", map[string]any{"phonenumber": "4520000001"}), http.StatusNotFound, "")
}

func TestSignupRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		path  string
		body  any
		field string
	}{
		{"/api/v1/signup/card", cardSignup("12", "t"), "phonenumber"},
		{"/api/v1/signup/card", cardSignup("not a phone", "t"), "phonenumber"},
		{"/api/v1/signup/card", map[string]any{"truncatedPan": "457100XXXXXX0001", "token": "t"}, "phonenumber"},
		{"/api/v1/signup/card", map[string]any{"phonenumber": "4520000002", "token": "t"}, "truncatedPan"},
		{"/api/v1/signup/card", map[string]any{"phonenumber": "4520000002", "truncatedPan": "457100XXXXXX0001"}, "token"},
		{"/api/v1/signup/card", map[string]any{"phonenumber": "4520000002", "truncatedPan": "4571000000000001", "token": "t"}, "truncatedPan"},
		{"/api/v1/signup/card", map[string]any{"phonenumber": "4520000002", "truncatedPan": "457100XXXXXX0001", "token": "4571000000000001"}, "token"},
		{"/api/v1/signup/card", map[string]any{"phonenumber": "4520000002", "truncatedPan": "457100XXXXXX0001", "token": "t", "payment": "yes"}, "payment"},
		{"/api/v1/signup/token", map[string]any{"phonenumber": "4520000002", "token": "t"}, "tokenType"},
		{"/api/v1/signup/token", map[string]any{"phonenumber": "4520000002", "token": "t", "tokenType": "bad type!"}, "tokenType"},
		{"/api/v1/signup", map[string]any{"memberId": "abcd"}, "phonenumber"},
		{"/api/v1/signup", map[string]any{"phonenumber": "4520000002", "smsType": 7}, "smsType"},
		{"/api/v1/signup", map[string]any{"phonenumber": "4520000002", "memberId": "ab"}, "memberId"},
		{"/api/v1/otp/validate", map[string]any{"phonenumber": "4520000002"}, "otp"},
		{"/api/v1/authenticate/verify", map[string]any{"otp": "123456"}, "phonenumber"},
		{"/api/v1/users/token", map[string]any{}, "phonenumber"},
	}
	for _, tc := range cases {
		t.Run(tc.path+"/"+tc.field, func(t *testing.T) {
			e.t = t
			wantError(t, e.do(e.partner, "POST", tc.path, tc.body), http.StatusBadRequest, tc.field)
		})
	}
	e.t = t
	if msgs := e.sms("4520000002"); len(msgs) != 0 {
		t.Fatalf("refused signups sent SMS: %v", msgs)
	}
	wantError(t, e.do(e.partner, "POST", "/api/v1/signup/card", "{"), http.StatusBadRequest, "")
	wantError(t, e.do("", "POST", "/api/v1/signup/card", cardSignup("4520000002", "t")), http.StatusUnauthorized, "")
	wantError(t, e.do(e.admin, "POST", "/api/v1/signup/card", cardSignup("4520000002", "t")), http.StatusForbidden, "")
}

func TestSignupWithoutCardKeepsMemberID(t *testing.T) {
	e := newEnv(t)
	r := e.do(e.partner, "POST", "/api/v1/signup", map[string]any{"phonenumber": "4520000003", "memberId": "xy4zj61clts8x00k"})
	if r.Status != http.StatusAccepted {
		t.Fatalf("signup: %d %s", r.Status, r.Body)
	}
	code := e.lastMatch("4520000003", otpRe)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	wantError(t, e.do(e.partner, "POST", "/api/v1/otp/validate", map[string]any{"phonenumber": "4520000003", "otp": wrong}), http.StatusBadRequest, "otp")
	r = e.do(e.partner, "POST", "/api/v1/otp/validate", map[string]any{"phonenumber": "4520000003", "otp": code})
	if r.Status != 200 {
		t.Fatalf("validate: %d %s", r.Status, r.Body)
	}
	userID := r.Object(t)["userId"].(string)
	if u := e.do(e.partner, "GET", "/api/v1/users/"+userID, nil).Object(t); u["memberId"] != "xy4zj61clts8x00k" {
		t.Fatalf("memberId not kept: %v", u)
	}
	// Single use.
	wantError(t, e.do(e.partner, "POST", "/api/v1/otp/validate", map[string]any{"phonenumber": "4520000003", "otp": code}), http.StatusBadRequest, "otp")
	// The send throttle answers 429 with Retry-After.
	r = e.do(e.partner, "POST", "/api/v1/signup", map[string]any{"phonenumber": "4520000003"})
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("throttle: %d %v %s", r.Status, r.Header, r.Body)
	}
}

func TestOTPSucceedsOnceAmongConcurrentSubmissions(t *testing.T) {
	e := newEnv(t)
	e.do(e.partner, "POST", "/api/v1/signup", map[string]any{"phonenumber": "4520000004"})
	code := e.lastMatch("4520000004", otpRe)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := testenv.Do(t, e.app.Handler, "POST", "/api/v1/otp/validate",
				map[string]any{"phonenumber": "4520000004", "otp": code}, "Authorization", e.partner)
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[200] != 1 || statuses[400] != 49 {
		t.Fatalf("statuses %v, want one 200 and 49 400", statuses)
	}
}

func TestAliasedBruteForceBurnsTries(t *testing.T) {
	e := newEnv(t)
	e.do(e.partner, "POST", "/api/v1/signup", map[string]any{"phonenumber": "4520000005"})
	code := e.lastMatch("4520000005", otpRe)
	var guesses []string
	for i := 0; len(guesses) < 10; i++ {
		if guess := strings.Repeat(string(rune('0'+i%10)), 6); guess != code {
			guesses = append(guesses, guess)
		}
	}
	// Many guesses aliased into one document are refused before any runs
	// (validateOtp at most once per document).
	var b strings.Builder
	b.WriteString("mutation {")
	for i, guess := range guesses {
		b.WriteString(" a" + string(rune('a'+i)) + `: validateOtp(phonenumber: "4520000005", otp: "` + guess + `") { userId userErrors { code } }`)
	}
	b.WriteString(" }")
	resp, res := testenv.GraphQL(t, e.app.Handler, e.partner, b.String(), nil)
	if resp.Status != http.StatusBadRequest || strings.Contains(string(res.Data), `"userId":"`) ||
		!strings.Contains(string(resp.Body), "once per request") {
		t.Fatalf("aliased guesses: %d %s", resp.Status, resp.Body)
	}
	// One guess per request: every try counts, and five wrong ones void
	// the code, so the right one fails now.
	for _, guess := range guesses[:5] {
		_, res := testenv.GraphQL(t, e.app.Handler, e.partner,
			`mutation { validateOtp(phonenumber: "4520000005", otp: "`+guess+`") { userId userErrors { code } } }`, nil)
		if strings.Contains(string(res.Data), `"userId":"`) {
			t.Fatalf("a guess succeeded: %s", res.Data)
		}
	}
	wantError(t, e.do(e.partner, "POST", "/api/v1/otp/validate", map[string]any{"phonenumber": "4520000005", "otp": code}), http.StatusBadRequest, "otp")
}

// linkedUser signs phone up with a card and verifies the link code, as a
// till and the partner's landing page would, and returns the user id.
func (e *env) linkedUser(phone, token string) string {
	e.t.Helper()
	e.do(e.partner, "POST", "/api/v1/signup/card", cardSignup(phone, token))
	code := e.lastMatch(phone, linkCodeRe)
	if r := e.do(e.partner, "POST", "/api/v1/linkcode/"+code+"/verify", map[string]any{}); r.Status != 200 {
		e.t.Fatalf("verify: %d %s", r.Status, r.Body)
	}
	r := e.do(e.partner, "POST", "/api/v1/signup/card", cardSignup(phone, token))
	return r.Object(e.t)["userId"].(string)
}

func TestUserTokensAndUserAccess(t *testing.T) {
	e := newEnv(t)
	u1 := e.linkedUser("4520000010", "tok-u1")
	u2 := e.linkedUser("4520000011", "tok-u2")

	// Partner isolation.
	wantError(t, e.do(e.other, "GET", "/api/v1/users/"+u1, nil), http.StatusNotFound, "")
	wantError(t, e.do(e.other, "PUT", "/api/v1/users/"+u1, map[string]any{"parms": []any{}}), http.StatusNotFound, "")
	wantError(t, e.do(e.other, "DELETE", "/api/v1/users/"+u1, nil), http.StatusNotFound, "")

	// An unknown phone is answered alike, without an SMS.
	if r := e.do(e.partner, "POST", "/api/v1/authenticate", map[string]any{"phonenumber": "4520000019"}); r.Status != http.StatusAccepted {
		t.Fatalf("authenticate unknown phone: %d %s", r.Status, r.Body)
	}
	if msgs := e.sms("4520000019"); len(msgs) != 0 {
		t.Fatalf("unknown phone got an SMS: %v", msgs)
	}

	if r := e.do(e.partner, "POST", "/api/v1/authenticate", map[string]any{"phonenumber": "4520000010"}); r.Status != http.StatusAccepted {
		t.Fatalf("authenticate: %d %s", r.Status, r.Body)
	}
	code := e.lastMatch("4520000010", otpRe)
	r := e.do(e.partner, "POST", "/api/v1/authenticate/verify", map[string]any{"phonenumber": "4520000010", "otp": code})
	if r.Status != 200 {
		t.Fatalf("verify: %d %s", r.Status, r.Body)
	}
	token := r.Object(t)["accessToken"].(string)

	// The end user acts on itself only.
	if r := e.do("", "GET", "/api/v1/users/"+u1, nil, "X-Storebox-user-token", token); r.Status != 200 || r.Object(t)["userId"] != u1 {
		t.Fatalf("own user: %d %s", r.Status, r.Body)
	}
	wantError(t, e.do("", "GET", "/api/v1/users/"+u2, nil, "X-Storebox-user-token", token), http.StatusNotFound, "")
	wantError(t, e.do("", "POST", "/api/v1/signup/card", cardSignup("4520000012", "x"), "X-Storebox-user-token", token), http.StatusForbidden, "")
	for name, bad := range map[string]string{
		"tampered": token[:len(token)-2] + "xx",
		"alg none": noneToken(t, token),
		"garbage":  "not-a-token",
		"expired":  expiredToken(t, u1),
	} {
		// "Invalid security token": 403, the seeds' status table.
		r := e.do("", "GET", "/api/v1/users/"+u1, nil, "X-Storebox-user-token", bad)
		if r.Status != http.StatusForbidden || r.Object(t)["message"] != "Invalid security token" {
			t.Fatalf("%s token: %d %s", name, r.Status, r.Body)
		}
	}

	// GraphQL viewer, by header and by bearer.
	for _, h := range [][2]string{{"X-Storebox-user-token", token}, {"Authorization", "Bearer " + token}} {
		resp := testenv.Do(t, e.app.Handler, "POST", "/graphql", map[string]any{"query": `{ viewer { userId phoneNumber cards { nodes { truncatedPan } } } }`}, h[0], h[1])
		if !strings.Contains(string(resp.Body), `"userId":"`+u1+`"`) || !strings.Contains(string(resp.Body), "457100XXXXXX0001") {
			t.Fatalf("viewer via %s: %s", h[0], resp.Body)
		}
	}

	// Update: parms replace the set; a new phone waits for its OTP.
	r = e.do("", "PUT", "/api/v1/users/"+u1, map[string]any{"parms": []map[string]string{{"name": "age", "value": "42"}}}, "X-Storebox-user-token", token)
	if r.Status != 200 || len(r.Object(t)["parms"].([]any)) != 1 {
		t.Fatalf("update parms: %d %s", r.Status, r.Body)
	}
	r = e.do(e.partner, "PUT", "/api/v1/users/"+u1, map[string]any{"parms": []map[string]string{{"name": "gender", "value": "x"}}, "phonenumber": "4520000013", "phonenumberValid": false})
	u := r.Object(t)
	if r.Status != 200 || u["phoneNumber"] != "4520000010" || len(u["parms"].([]any)) != 1 || u["parms"].([]any)[0].(map[string]any)["name"] != "gender" {
		t.Fatalf("update phone: %d %s", r.Status, r.Body)
	}
	code = e.lastMatch("4520000013", otpRe)
	if r := e.do(e.partner, "POST", "/api/v1/otp/validate", map[string]any{"phonenumber": "4520000013", "otp": code}); r.Status != 200 || r.Object(t)["userId"] != u1 {
		t.Fatalf("validate new phone: %d %s", r.Status, r.Body)
	}
	if u := e.do(e.partner, "GET", "/api/v1/users/"+u1, nil).Object(t); u["phoneNumber"] != "4520000013" {
		t.Fatalf("phone not moved: %v", u)
	}
	wantError(t, e.do(e.partner, "PUT", "/api/v1/users/"+u1, map[string]any{"phonenumber": "12"}), http.StatusBadRequest, "phonenumber")
	wantError(t, e.do(e.partner, "PUT", "/api/v1/users/"+u1, map[string]any{"parms": "x"}), http.StatusBadRequest, "parms")
	// Moving onto another user's phone is a conflict.
	wantError(t, e.do(e.partner, "PUT", "/api/v1/users/"+u1, map[string]any{"phonenumber": "4520000011", "phonenumberValid": true}), http.StatusConflict, "phonenumber")

	// Delete.
	if r := e.do("", "DELETE", "/api/v1/users/"+u1, nil, "X-Storebox-user-token", token); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	wantError(t, e.do(e.partner, "GET", "/api/v1/users/"+u1, nil), http.StatusNotFound, "")
}

// noneToken re-signs token's claims with alg none.
func noneToken(t *testing.T, token string) string {
	parts := strings.Split(token, ".")
	return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
}

// expiredToken issues a token with the server key an hour and more ago.
func expiredToken(t *testing.T, userID string) string {
	tokens, err := secret.NewUserTokens(testenv.SecretKey, func() time.Time { return time.Now().Add(-2 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.Issue(userID, "4520000010", 1)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTermsPageCreatesUserAndRedirects(t *testing.T) {
	e := newEnv(t)
	_, res := testenv.GraphQL(t, e.app.Handler, e.partner, `mutation { setPartnerSettings(input: {flow: STOREBOX, termsUrl: "https://partner.example/terms", landingUrl: "https://partner.example/welcome"}) { settings { flow } userErrors { field } } }`, nil)
	if !strings.Contains(string(res.Data), `"flow":"STOREBOX"`) {
		t.Fatalf("settings: %s %+v", res.Data, res.Errors)
	}
	e.do(e.partner, "POST", "/api/v1/signup/card", cardSignup("4520000020", "tok-t"))
	msgs := e.sms("4520000020")
	if len(msgs) == 0 || !strings.Contains(msgs[0], "/api/v1/signup/terms?linkCode=") {
		t.Fatalf("SMS %v has no terms link", msgs)
	}
	code := e.lastMatch("4520000020", linkCodeRe)

	r := testenv.Do(t, e.app.Handler, "GET", "/api/v1/signup/terms?linkCode="+code, nil)
	page := string(r.Body)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(page, `<iframe src="https://partner.example/terms"`) || !strings.Contains(page, `value="`+code+`"`) || !strings.Contains(page, "Accept") {
		t.Fatalf("terms page: %d %s", r.Status, page)
	}
	r = testenv.Do(t, e.app.Handler, "POST", "/api/v1/signup/terms", "linkCode="+code, "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "https://partner.example/welcome?linkCode="+code {
		t.Fatalf("accept: %d %v", r.Status, r.Header)
	}
	if r := e.do(e.partner, "POST", "/api/v1/users/token", map[string]any{"phonenumber": "4520000020"}); r.Status != 200 || r.Object(t)["token"] != "tok-t" {
		t.Fatalf("user not created with its card: %d %s", r.Status, r.Body)
	}
	// The link is single use; unknown codes say so in HTML.
	r = testenv.Do(t, e.app.Handler, "GET", "/api/v1/signup/terms?linkCode="+code, nil)
	if r.Status != http.StatusGone || !strings.Contains(string(r.Body), "already been used") {
		t.Fatalf("used link: %d %s", r.Status, r.Body)
	}
	if r := testenv.Do(t, e.app.Handler, "GET", "/api/v1/signup/terms?linkCode=%3Cscript%3E", nil); r.Status != http.StatusBadRequest || strings.Contains(string(r.Body), "<script>") {
		t.Fatalf("bad link: %d %s", r.Status, r.Body)
	}
}
