package userapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"loyaltygraph/internal/testenv"
)

const canaryPAN, canaryPAN19 = "4111111111111111", "4000000000000000006"

func wantNoEcho(t *testing.T, r *testenv.Response) {
	t.Helper()
	if strings.Contains(string(r.Body), "1111111111") || strings.Contains(string(r.Body), "0000000000") {
		t.Fatalf("the card number is echoed: %s", r.Body)
	}
}

// TestCardNumbersAreRefusedNamingTheField: full card numbers in the card
// fields and in free text are 400s naming the field, without echo.
func TestCardNumbersAreRefusedNamingTheField(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		path  string
		body  map[string]any
		field string
	}{
		{"/api/v1/signup/card", map[string]any{"phonenumber": "4520000301", "truncatedPan": canaryPAN, "token": "t1"}, "truncatedPan"},
		{"/api/v1/signup/card", map[string]any{"phonenumber": "4520000301", "truncatedPan": canaryPAN19, "token": "t1"}, "truncatedPan"},
		{"/api/v1/signup/card", map[string]any{"phonenumber": "4520000301", "truncatedPan": "4111 1111 1111 1111", "token": "t1"}, "truncatedPan"},
		{"/api/v1/signup/card", map[string]any{"phonenumber": "4520000301", "truncatedPan": "457100XXXXXX0001", "token": "t1", "storeId": "S " + canaryPAN}, "storeId"},
		{"/api/v1/signup/token", map[string]any{"phonenumber": "4520000301", "token": "t1", "tokenType": canaryPAN}, "tokenType"},
		{"/api/v1/signup/token", map[string]any{"phonenumber": "4520000301", "token": "t1", "tokenType": "VISA", "truncatedPan": canaryPAN}, "truncatedPan"},
		{"/api/v1/signup", map[string]any{"phonenumber": "4520000301", "memberId": canaryPAN}, "memberId"},
		{"/api/v1/linkcode/abcdefghij/verify", map[string]any{"memberId": "m-" + canaryPAN19}, "memberId"},
	}
	for _, c := range cases {
		r := e.do(e.partner, "POST", c.path, c.body)
		wantError(t, r, http.StatusBadRequest, c.field)
		wantNoEcho(t, r)
	}
}

// TestParmsRefuseNULBadUTF8AndCardNumbers: parms reach PostgreSQL only as
// valid UTF-8 without NUL and without card numbers; each refusal is a 400
// naming the parm, never a 500.
func TestParmsRefuseNULBadUTF8AndCardNumbers(t *testing.T) {
	e := newEnv(t)
	u := e.linkedUser("4520000310", "tok-parms")
	path := "/api/v1/users/" + u
	for _, c := range []struct{ body, field string }{
		{`{"parms":[{"name":"a","value":"x\u0000y"}]}`, "parms[0].value"},
		{`{"parms":[{"name":"ok","value":"1"},{"name":"b\u0000","value":"x"}]}`, "parms[1].name"},
		{`{"parms":[{"name":"card","value":"` + canaryPAN + `"}]}`, "parms[0].value"},
		{`{"parms":[{"name":"card","value":"my card: 4111-1111-1111-1111"}]}`, "parms[0].value"},
		{`{"parms":[{"name":"` + canaryPAN19 + `","value":"x"}]}`, "parms[0].name"},
	} {
		r := e.do(e.partner, "PUT", path, c.body)
		wantError(t, r, http.StatusBadRequest, c.field)
		wantNoEcho(t, r)
	}
	// Invalid UTF-8 bytes in a JSON body are refused by the Storebox
	// decoder, naming the field: never a 500, never stored.
	r := e.do(e.partner, "PUT", path, "{\"parms\":[{\"name\":\"a\",\"value\":\"x\xff\xfey\"}]}")
	wantError(t, r, http.StatusBadRequest, "parms[0].value")
	// The same through GraphQL: the same domain rule.
	_, res := testenv.GraphQL(t, e.app.Handler, e.partner, `mutation($u: ID!, $v: String!) { updateUser(userId: $u, input: {parms: [{name: "a", value: $v}]}) { userErrors { field code } } }`,
		map[string]any{"u": u, "v": "x\x00y"})
	// The GraphQL door refuses a NUL in any text input before the
	// operation runs, naming the variable.
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "v" {
		t.Fatalf("GraphQL NUL parm: %s %+v", res.Data, res.Errors)
	}
	// A card number in a parm passes the door and is refused by the
	// domain rule, naming the parm.
	_, res = testenv.GraphQL(t, e.app.Handler, e.partner, `mutation($u: ID!, $v: String!) { updateUser(userId: $u, input: {parms: [{name: "a", value: $v}]}) { userErrors { field code } } }`,
		map[string]any{"u": u, "v": canaryPAN})
	if !strings.Contains(string(res.Data), `parms[0].value`) {
		t.Fatalf("GraphQL card number parm: %s %+v", res.Data, res.Errors)
	}
}

// TestTermsURLMustBeAPlainHTTPSHost: a termsUrl that would smuggle a
// directive into the terms page's Content-Security-Policy is refused when
// set, and one stored before the check is not framed.
func TestTermsURLMustBeAPlainHTTPSHost(t *testing.T) {
	e := newEnv(t)
	for _, bad := range []string{"https://evil.example;sandbox", "https://evil.example;script-src *", "http://partner.example/terms", "https://a.example,b.example/"} {
		_, res := testenv.GraphQL(t, e.app.Handler, e.partner, `mutation($u: String!) { setPartnerSettings(input: {flow: STOREBOX, termsUrl: $u}) { userErrors { field code } } }`, map[string]any{"u": bad})
		if !strings.Contains(string(res.Data), `"field":"termsUrl"`) {
			t.Fatalf("termsUrl %q accepted: %s %+v", bad, res.Data, res.Errors)
		}
	}
	// A bad termsUrl stored before the check: the page shows no frame and
	// its policy names no frame source.
	_, res := testenv.GraphQL(t, e.app.Handler, e.partner, `mutation { setPartnerSettings(input: {flow: STOREBOX, termsUrl: "https://partner.example/terms"}) { userErrors { field } } }`, nil)
	if strings.Contains(string(res.Data), `"field"`) {
		t.Fatalf("good termsUrl refused: %s", res.Data)
	}
	if _, err := testenv.DB(t).Pool.Exec(context.Background(), `UPDATE partner_settings SET terms_url = 'https://evil.example;sandbox' WHERE terms_url = 'https://partner.example/terms'`); err != nil {
		t.Fatal(err)
	}
	e.do(e.partner, "POST", "/api/v1/signup/card", cardSignup("4520000320", "tok-terms"))
	code := e.lastMatch("4520000320", linkCodeRe)
	r := testenv.Do(t, e.app.Handler, "GET", "/api/v1/signup/terms?linkCode="+code, nil)
	csp := r.Header.Get("Content-Security-Policy")
	if r.Status != http.StatusOK || strings.Contains(csp, "evil") || strings.Contains(csp, "sandbox") || strings.Contains(csp, "frame-src") ||
		strings.Contains(string(r.Body), "evil.example") {
		t.Fatalf("terms page: %d CSP %q\n%s", r.Status, csp, r.Body)
	}
	// The page's own Accept form still posts, as a same-origin form.
	r = testenv.Do(t, e.app.Handler, "POST", "/api/v1/signup/terms", "linkCode="+code,
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin")
	if r.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
}
