package server_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/secret"
)

// keyClaims returns the claims of a fresh, well-formed partner key for
// POST /graphql.
func keyClaims(iss string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"iss": iss, "sub": "/graphql", "method": "POST",
		"iat": now.Unix(), "exp": now.Add(4 * time.Minute).Unix(), "jti": ids.New()}
}

func sign(t *testing.T, secretValue string, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secretValue))
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + s
}

const merchantsQuery = `{ merchants { totalCount } }`

// wantAccepted checks that the key authenticated the partner: FORBIDDEN
// (partners may not list merchants), not UNAUTHENTICATED.
func wantAccepted(t *testing.T, f *fixture, authz string) {
	t.Helper()
	resp, res := f.gql(t, authz, merchantsQuery, nil)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("key refused: %d %s", resp.Status, resp.Body)
	}
}

func wantUnauthenticated(t *testing.T, f *fixture, authz string) {
	t.Helper()
	resp, _ := f.gql(t, authz, merchantsQuery, nil)
	if resp.Status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401: %s", resp.Status, resp.Body)
	}
}

func TestPartnerKeyIsGoodForOneRequest(t *testing.T) {
	f := newFixture(t)
	p := f.partnerNC
	key := sign(t, p.Secret, keyClaims(p.Username))
	wantAccepted(t, f, key)
	wantUnauthenticated(t, f, key) // replayed
	// Another key with its own jti is fine.
	wantAccepted(t, f, sign(t, p.Secret, keyClaims(p.Username)))
}

func TestPartnerKeyClaimsAreRequired(t *testing.T) {
	f := newFixture(t)
	p := f.partnerNC
	now := time.Now()
	cases := map[string]func(jwt.MapClaims){
		"no iat":       func(c jwt.MapClaims) { delete(c, "iat") },
		"no jti":       func(c jwt.MapClaims) { delete(c, "jti") },
		"iat too old":  func(c jwt.MapClaims) { c["iat"] = now.Add(-2 * time.Minute).Unix() }, // exp − iat = 6 minutes
		"iat ahead":    func(c jwt.MapClaims) { c["iat"] = now.Add(10 * time.Minute).Unix() },
		"long-lived":   func(c jwt.MapClaims) { c["exp"] = now.Add(10 * time.Minute).Unix() },
		"no exp":       func(c jwt.MapClaims) { delete(c, "exp") },
		"empty jti":    func(c jwt.MapClaims) { c["jti"] = "" },
		"jti too long": func(c jwt.MapClaims) { c["jti"] = strings.Repeat("j", 300) },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			c := keyClaims(p.Username)
			change(c)
			wantUnauthenticated(t, f, sign(t, p.Secret, c))
		})
	}
}

func TestPartnerKeyLifetimeIsConfigurable(t *testing.T) {
	a := testenv.AppWith(t, wire.Options{PartnerKeyMaxLifetime: time.Minute})
	p := testenv.Credential(t, a, auth.KindPartner)
	f := &fixture{app: a, partnerNC: p}
	wantUnauthenticated(t, f, sign(t, p.Secret, keyClaims(p.Username))) // 4 minutes
	c := keyClaims(p.Username)
	c["exp"] = time.Now().Add(50 * time.Second).Unix()
	wantAccepted(t, f, sign(t, p.Secret, c))
}

// TestUserTokenWithBadPartnerCredentials: partner credentials sent with a
// user token are checked, not ignored.
func TestUserTokenWithBadPartnerCredentials(t *testing.T) {
	f := newFixture(t)
	other := testenv.Credential(t, f.app, auth.KindPartner)
	partner, err := f.app.Auth.FindPartner(t.Context(), f.partnerNC.Username)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := secret.NewUserTokens(testenv.SecretKey, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	token, err := tokens.Issue(ids.New(), "4520001234", partner.ProviderID)
	if err != nil {
		t.Fatal(err)
	}
	query := map[string]any{"query": `{ viewer { id } }`}
	do := func(authz string) int {
		headers := []string{"X-Storebox-user-token", token}
		if authz != "" {
			headers = append(headers, "Authorization", authz)
		}
		return testenv.Do(t, f.app.Handler, "POST", "/graphql", query, headers...).Status
	}
	if s := do(""); s != http.StatusOK {
		t.Fatalf("token alone: %d", s)
	}
	if s := do(f.partner); s != http.StatusOK {
		t.Fatalf("token with its partner's credentials: %d", s)
	}
	for name, authz := range map[string]string{
		"wrong secret":    testenv.BasicAuth(f.partnerNC.Username, f.partnerNC.Secret+"x"),
		"unknown user":    testenv.BasicAuth("partner-nobody", "x"),
		"another partner": testenv.BasicAuth(other.Username, other.Secret),
		"garbage":         "Bearer not.a.jwt",
	} {
		if s := do(authz); s != http.StatusUnauthorized {
			t.Errorf("token with %s: %d, want 401", name, s)
		}
	}
}

// TestFailedLoginsAreThrottled: the 33rd bad login of a username within a
// minute answers 429 with Retry-After, on both doors, while the owner of
// the credential, known from an earlier login, still gets in.
func TestFailedLoginsAreThrottled(t *testing.T) {
	f := newFixture(t)
	s := testenv.Credential(t, f.app, auth.KindSettlement)
	good := testenv.BasicAuth(s.Username, s.Secret)
	bad := testenv.BasicAuth(s.Username, "wrong")
	get := func(authz, addr string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/api/v1/merchants", nil)
		r.Header.Set("Authorization", authz)
		r.RemoteAddr = addr + ":4711"
		w := httptest.NewRecorder()
		f.app.Handler.ServeHTTP(w, r)
		return w
	}
	if w := get(good, "198.51.100.1"); w.Code != http.StatusOK {
		t.Fatalf("first good login: %d %s", w.Code, w.Body)
	}
	for i := range 32 {
		// From many addresses, so that only the username's counter fills.
		if w := get(bad, "203.0.113."+strconv.Itoa(i+1)); w.Code != http.StatusUnauthorized {
			t.Fatalf("bad login %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	w := get(bad, "203.0.113.200")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("33rd bad login: %d %v %s", w.Code, w.Header(), w.Body)
	}
	resp, _ := f.gql(t, bad, merchantsQuery, nil)
	if resp.Status != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("GraphQL after the 32 bad logins: %d %s", resp.Status, resp.Body)
	}
	// The owner, known good on this replica, is not locked out.
	if w := get(good, "198.51.100.1"); w.Code != http.StatusOK {
		t.Fatalf("good login while throttled: %d %s", w.Code, w.Body)
	}
}
