package userapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"loyaltygraph/domain/ids"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/secret"
)

// key mints a partner's JWT-wrapped key for one request, as an app would:
// HS256 with the partner's secret, iss, sub (the path), method, iat, a
// 5-minute exp and a fresh jti.
func (e *env) key(secretKey, username, method, path string) string {
	e.t.Helper()
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": username, "sub": path, "method": method,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": ids.New()})
	s, err := tok.SignedString([]byte(secretKey))
	if err != nil {
		e.t.Fatal(err)
	}
	return "Bearer " + s
}

// userToken issues an end user's access token of the first partner.
func (e *env) userToken(userID, phone string) string {
	e.t.Helper()
	p, err := e.app.Auth.FindPartner(e.t.Context(), e.partnerCred.Username)
	if err != nil {
		e.t.Fatal(err)
	}
	tokens, err := secret.NewUserTokens(testenv.SecretKey, time.Now)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := tokens.Issue(userID, phone, p.ProviderID)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// TestSeed000UserEndpointsWithJWTWrappedKeys: issue 8 points 1-4. With a
// partner's JWT-wrapped key, /api/v1/users/{userId} needs the user's
// X-Storebox-user-token (403 without, 404 for another user); Basic reaches
// every user of the partner as before; bad partner credentials are 401
// whatever token comes with them; an invalid or expired user token is 403
// "Invalid security token"; POST /api/v1/users/token works with or without
// a user token.
func TestSeed000UserEndpointsWithJWTWrappedKeys(t *testing.T) {
	e := newEnv(t)
	u1 := e.linkedUser("4520000030", "tok-s1")
	u2 := e.linkedUser("4520000031", "tok-s2")
	tok1 := e.userToken(u1, "4520000030")
	p := e.partnerCred
	path := "/api/v1/users/" + u1
	key := func(method, path string) string { return e.key(p.Secret, p.Username, method, path) }
	update := map[string]any{"parms": []map[string]string{{"name": "age", "value": "42"}}}

	// Point 1: a JWT-wrapped key alone reaches no user.
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		var body any
		if m == "PUT" {
			body = update
		}
		r := e.do(key(m, path), m, path, body)
		if r.Status != http.StatusForbidden || !strings.Contains(r.Object(t)["message"].(string), "X-Storebox-user-token") {
			t.Fatalf("%s with a key and no user token: %d %s", m, r.Status, r.Body)
		}
	}
	// With the user's token it reaches that user, and only that user.
	if r := e.do(key("GET", path), "GET", path, nil, "X-Storebox-user-token", tok1); r.Status != 200 || r.Object(t)["userId"] != u1 || r.Object(t)["phoneNumber"] != "4520000030" {
		t.Fatalf("GET with key and user token: %d %s", r.Status, r.Body)
	}
	if r := e.do(key("PUT", path), "PUT", path, update, "X-Storebox-user-token", tok1); r.Status != 200 || len(r.Object(t)["parms"].([]any)) != 1 {
		t.Fatalf("PUT with key and user token: %d %s", r.Status, r.Body)
	}
	wantError(t, e.do(key("GET", "/api/v1/users/"+u2), "GET", "/api/v1/users/"+u2, nil, "X-Storebox-user-token", tok1), http.StatusNotFound, "")
	// Basic (server to server) stays as it is: every user of the partner.
	if r := e.do(e.partner, "GET", "/api/v1/users/"+u2, nil); r.Status != 200 {
		t.Fatalf("Basic: %d %s", r.Status, r.Body)
	}

	// Point 2: bad partner credentials with a good user token are 401.
	for name, authz := range map[string]string{
		"key with a wrong secret": e.key(p.Secret+"x", p.Username, "GET", path),
		"key for another path":    key("GET", "/api/v1/users/"+u2),
		"wrong Basic secret":      testenv.BasicAuth(p.Username, p.Secret+"x"),
		"another partner's key":   e.key(e.otherCred.Secret, e.otherCred.Username, "GET", path),
	} {
		r := e.do(authz, "GET", path, nil, "X-Storebox-user-token", tok1)
		if r.Status != http.StatusUnauthorized {
			t.Errorf("%s with a good user token: %d %s", name, r.Status, r.Body)
		}
	}
	// A replayed key is refused too.
	k := key("GET", path)
	if r := e.do(k, "GET", path, nil, "X-Storebox-user-token", tok1); r.Status != 200 {
		t.Fatalf("first use of a key: %d %s", r.Status, r.Body)
	}
	wantError(t, e.do(k, "GET", path, nil, "X-Storebox-user-token", tok1), http.StatusUnauthorized, "")

	// Point 3: an invalid or expired user token is 403 "Invalid security
	// token", with a good key; with a bad key, 401 wins.
	for name, bad := range map[string]string{"expired": expiredToken(t, u1), "tampered": tok1[:len(tok1)-2] + "xx", "garbage": "x"} {
		r := e.do(key("GET", path), "GET", path, nil, "X-Storebox-user-token", bad)
		if r.Status != http.StatusForbidden || r.Object(t)["message"] != "Invalid security token" {
			t.Errorf("%s user token: %d %s", name, r.Status, r.Body)
		}
	}
	wantError(t, e.do(e.key(p.Secret+"x", p.Username, "GET", path), "GET", path, nil, "X-Storebox-user-token", "x"), http.StatusUnauthorized, "")

	// Point 4: POST /api/v1/users/token works with or without a user token.
	for _, headers := range [][]string{nil, {"X-Storebox-user-token", tok1}} {
		r := e.do(key("POST", "/api/v1/users/token"), "POST", "/api/v1/users/token", map[string]any{"phonenumber": "4520000030"}, headers...)
		if r.Status != 200 || r.Object(t)["token"] != "tok-s1" {
			t.Fatalf("users/token with %v: %d %s", headers, r.Status, r.Body)
		}
		r = e.do(e.partner, "POST", "/api/v1/users/token", map[string]any{"phonenumber": "4520000030"}, headers...)
		if r.Status != 200 || r.Object(t)["token"] != "tok-s1" {
			t.Fatalf("users/token by Basic with %v: %d %s", headers, r.Status, r.Body)
		}
	}

	// DELETE with the key and the user token.
	if r := e.do(key("DELETE", path), "DELETE", path, nil, "X-Storebox-user-token", tok1); r.Status != http.StatusNoContent {
		t.Fatalf("DELETE with key and user token: %d %s", r.Status, r.Body)
	}
}

// TestSeed000ParmsAreNotValidated: issue 8 point 6. The seed's update body
// with repeated and empty names is stored as sent; only the generous
// limits and the card number, NUL and UTF-8 rules refuse.
func TestSeed000ParmsAreNotValidated(t *testing.T) {
	e := newEnv(t)
	u := e.linkedUser("4520000040", "tok-p1")
	parms := []map[string]string{{"name": "string", "value": "string"}, {"name": "string", "value": "other"}, {"name": "", "value": ""},
		{"name": strings.Repeat("n", 256), "value": strings.Repeat("v", 4096)}}
	r := e.do(e.partner, "PUT", "/api/v1/users/"+u, map[string]any{"phonenumber": "4520000040", "phonenumberValid": true, "parms": parms})
	if r.Status != 200 || len(r.Object(t)["parms"].([]any)) != 4 {
		t.Fatalf("seed parms: %d %s", r.Status, r.Body)
	}
	many := make([]map[string]string, 101)
	for i := range many {
		many[i] = map[string]string{"name": "n", "value": "v"}
	}
	wantError(t, e.do(e.partner, "PUT", "/api/v1/users/"+u, map[string]any{"parms": many}), http.StatusBadRequest, "parms")
	wantError(t, e.do(e.partner, "PUT", "/api/v1/users/"+u, map[string]any{"parms": []map[string]string{{"name": "a", "value": strings.Repeat("v", 4097)}}}), http.StatusBadRequest, "parms[0].value")
	wantError(t, e.do(e.partner, "PUT", "/api/v1/users/"+u, map[string]any{"parms": []map[string]string{{"name": "card", "value": "4111111111111111"}}}), http.StatusBadRequest, "parms[0].value")
}

// TestSeed000CardsShowTheTokenWithoutTruncatedPan: issue 8 point 7. A card
// signed up with the seed's "signup with card token" body without a
// truncatedPan shows its token when the user's cards are read; one with a
// truncatedPan shows the masked number and no token.
func TestSeed000CardsShowTheTokenWithoutTruncatedPan(t *testing.T) {
	e := newEnv(t)
	const phone = "4520000050"
	r := e.do(e.partner, "POST", "/api/v1/signup/token", map[string]any{"phonenumber": phone,
		"token": "2797aa22047e89e0b39c1626b1be53cf246051b4927f2be7108bf5476edf4937", "tokenType": "viking_nordic"})
	if r.Status >= 300 {
		t.Fatalf("signup/token: %d %s", r.Status, r.Body)
	}
	code := e.lastMatch(phone, linkCodeRe)
	if r := e.do(e.partner, "POST", "/api/v1/linkcode/"+code+"/verify", map[string]any{}); r.Status != 200 {
		t.Fatalf("verify: %d %s", r.Status, r.Body)
	}
	// A second card, with its truncatedPan.
	r = e.do(e.partner, "POST", "/api/v1/signup/token", map[string]any{"phonenumber": phone, "token": "tok-second",
		"tokenType": "viking_nordic", "truncatedPan": "457100XXXXXX0000"})
	userID, _ := r.Object(t)["userId"].(string)
	if r.Status != 200 || userID == "" {
		t.Fatalf("second card: %d %s", r.Status, r.Body)
	}
	_, res := testenv.GraphQL(t, e.app.Handler, e.partner, `query($id: ID!) { user(userId: $id) { cards { nodes { truncatedPan token tokenType } } } }`, map[string]any{"id": userID})
	want := `{"user":{"cards":{"nodes":[{"truncatedPan":"457100XXXXXX0000","token":null,"tokenType":"viking_nordic"},` +
		`{"truncatedPan":null,"token":"2797aa22047e89e0b39c1626b1be53cf246051b4927f2be7108bf5476edf4937","tokenType":"viking_nordic"}]}}}`
	if len(res.Errors) > 0 || string(res.Data) != want {
		t.Fatalf("cards: %s %+v\nwant %s", res.Data, res.Errors, want)
	}
}
