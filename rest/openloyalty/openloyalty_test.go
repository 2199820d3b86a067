package openloyalty_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type env struct {
	t   *testing.T
	app *wire.App
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{t: t, app: testenv.App(t)}
}

// do sends a request with a form body (or JSON when body is not a string)
// and the bearer token, when set.
func (e *env) do(method, path, token string, body any) *testenv.Response {
	e.t.Helper()
	var req *http.Request
	switch b := body.(type) {
	case nil:
		req = httptest.NewRequest(method, path, nil)
	case string:
		req = httptest.NewRequest(method, path, strings.NewReader(b))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		buf, _ := json.Marshal(b)
		req = httptest.NewRequest(method, path, strings.NewReader(string(buf)))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	return &testenv.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// login logs in on path and returns the token and refresh token.
func (e *env) login(path, user, pass string) (string, string) {
	e.t.Helper()
	res := e.do("POST", path, "", form("_username", user, "_password", pass))
	if res.Status != http.StatusOK {
		e.t.Fatalf("login %s as %s: %d %s", path, user, res.Status, res.Body)
	}
	var out struct {
		Token        string `json:"token"`
		RefreshToken string `json:"refresh_token"`
	}
	res.JSON(e.t, &out)
	if out.Token == "" || out.RefreshToken == "" {
		e.t.Fatalf("login: %s", res.Body)
	}
	return out.Token, out.RefreshToken
}

// staff logs in a new admin and a new seller.
func (e *env) staff() (admin, seller string) {
	e.t.Helper()
	a := testenv.Credential(e.t, e.app, auth.KindAdmin)
	s := testenv.Credential(e.t, e.app, auth.KindSeller)
	admin, _ = e.login("/api/admin/login_check", a.Username, a.Secret)
	seller, _ = e.login("/api/seller/login_check", s.Username, s.Secret)
	return admin, seller
}

func (e *env) register(token, path string, kv ...string) string {
	e.t.Helper()
	res := e.do("POST", path, token, form(kv...))
	if res.Status != http.StatusOK {
		e.t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	o := res.Object(e.t)
	id, _ := o["customerId"].(string)
	if id == "" {
		e.t.Fatalf("register: %s", res.Body)
	}
	return id
}

func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %s", token)
	}
	head, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if !strings.Contains(string(head), `"RS256"`) {
		t.Fatalf("header %s, want RS256", head)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLoginsIssueRS256TokensPerRole: admins, sellers and customers log in
// on their paths with form or JSON credentials and get an RS256 token with
// roles, id and a 24 h exp, and a refresh token that renews it; wrong
// credentials, a credential of another role and a missing password are 401
// {"message"}; no token is 401 and a token of another role 403.
func TestLoginsIssueRS256TokensPerRole(t *testing.T) {
	e := newEnv(t)
	a := testenv.Credential(t, e.app, auth.KindAdmin)
	s := testenv.Credential(t, e.app, auth.KindSeller)

	admin, refresh := e.login("/api/admin/login_check", a.Username, a.Secret)
	c := claims(t, admin)
	if roles, _ := c["roles"].([]any); len(roles) != 1 || roles[0] != "ROLE_ADMIN" || c["id"] == "" {
		t.Fatalf("admin claims: %v", c)
	}
	if exp, _ := c["exp"].(float64); time.Until(time.Unix(int64(exp), 0)) < 23*time.Hour || time.Until(time.Unix(int64(exp), 0)) > 25*time.Hour {
		t.Fatalf("exp %v is not 24 hours away", c["exp"])
	}
	// JSON credentials work too.
	res := e.do("POST", "/api/seller/login_check", "", map[string]string{"_username": s.Username, "_password": s.Secret})
	if res.Status != http.StatusOK {
		t.Fatalf("seller JSON login: %d %s", res.Status, res.Body)
	}
	var st struct{ Token string }
	res.JSON(t, &st)
	if roles, _ := claims(t, st.Token)["roles"].([]any); len(roles) != 1 || roles[0] != "ROLE_SELLER" {
		t.Fatalf("seller roles: %v", roles)
	}

	for _, c := range []struct{ path, body string }{
		{"/api/admin/login_check", form("_username", a.Username, "_password", "wrong")},
		{"/api/admin/login_check", form("_username", "admin-nobody", "_password", "wrong")},
		{"/api/seller/login_check", form("_username", a.Username, "_password", a.Secret)}, // an admin is no seller
		{"/api/admin/login_check", form("_username", a.Username)},
		{"/api/customer/login_check", form("_username", a.Username, "_password", a.Secret)},
	} {
		res := e.do("POST", c.path, "", c.body)
		if res.Status != http.StatusUnauthorized || res.Object(t)["message"] == nil {
			t.Fatalf("%s %s: %d %s", c.path, c.body, res.Status, res.Body)
		}
	}

	// Refresh: a new token for the same admin; a made-up refresh token is 401.
	res = e.do("POST", "/api/token/refresh", "", form("refresh_token", refresh))
	if res.Status != http.StatusOK {
		t.Fatalf("refresh: %d %s", res.Status, res.Body)
	}
	var renewed struct {
		Token        string `json:"token"`
		RefreshToken string `json:"refresh_token"`
	}
	res.JSON(t, &renewed)
	if claims(t, renewed.Token)["id"] != c["id"] || renewed.RefreshToken != refresh {
		t.Fatalf("renewed: %s", res.Body)
	}
	if res := e.do("POST", "/api/token/refresh", "", form("refresh_token", "nope")); res.Status != http.StatusUnauthorized {
		t.Fatalf("bad refresh: %d %s", res.Status, res.Body)
	}

	// No token 401, a seller on an admin path 403, a forged token 401.
	if res := e.do("GET", "/api/DEFAULT/admin/customer", "", nil); res.Status != http.StatusUnauthorized ||
		res.Object(t)["message"] != "JWT Token not found" {
		t.Fatalf("no token: %d %s", res.Status, res.Body)
	}
	if res := e.do("GET", "/api/DEFAULT/admin/customer", st.Token, nil); res.Status != http.StatusForbidden {
		t.Fatalf("seller on admin path: %d %s", res.Status, res.Body)
	}
	parts := strings.Split(admin, ".")
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"roles":["ROLE_ADMIN"],"id":"1","exp":9999999999}`)) + "." + parts[2]
	if res := e.do("GET", "/api/DEFAULT/admin/customer", forged, nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("forged token: %d %s", res.Status, res.Body)
	}
	if res := e.do("GET", "/api/DEFAULT/admin/customer", admin, nil); res.Status != http.StatusOK {
		t.Fatalf("admin list: %d %s", res.Status, res.Body)
	}
}

// TestSigningKeyIsSharedByReplicas: a second app on the same database (a
// replica) verifies the tokens the first one signed.
func TestSigningKeyIsSharedByReplicas(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staff()
	replica := testenv.App(t)
	req := httptest.NewRequest("GET", "/api/DEFAULT/admin/customer", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	rec := httptest.NewRecorder()
	replica.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("replica: %d %s", rec.Code, rec.Body)
	}
	var sealed []byte
	if err := testenv.DB(t).Pool.QueryRow(context.Background(), `SELECT sealed_private FROM ol_signing_keys LIMIT 1`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "PRIVATE KEY") {
		t.Fatal("the signing key is stored in clear")
	}
	// A server with another SECRET_KEY starts (with its own signing key)
	// and does not accept the first one's tokens.
	other := testenv.AppWith(t, wire.Options{SecretKey: []byte("another-secret-key-0123456789abcdef-012345")})
	rec = httptest.NewRecorder()
	other.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("another SECRET_KEY accepted the token: %d %s", rec.Code, rec.Body)
	}
}

type testenvResponse testenv.Response

func (r *testenvResponse) Object(t *testing.T) map[string]any {
	return (*testenv.Response)(r).Object(t)
}
