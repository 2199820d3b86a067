package server_test

import (
	"net/http"
	"testing"

	"loyaltygraph/internal/testenv"
)

// TestWrongMethodAnswers405: issue 8 point 15. A known path of either
// family asked with a method it does not serve answers 405 with Allow and
// the Storebox JSON error body; an unknown path stays a JSON 404.
func TestWrongMethodAnswers405(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		method, path, allow string
	}{
		{"POST", "/api/v1/users/u1", "GET, HEAD, PUT, DELETE"}, // User API
		{"GET", "/api/v1/signup/card", "POST"},                 // User API
		{"PATCH", "/api/v1/linkcode/abc", "GET, HEAD"},         // User API
		{"DELETE", "/api/v1/merchants", "GET, HEAD, POST"},     // Loyalty Settlement API
		{"PUT", "/api/v1/settlements/b1", "GET, HEAD"},         // Loyalty Settlement API
		{"POST", "/healthz", "GET, HEAD"},
	} {
		r := testenv.Do(t, f.app.Handler, c.method, c.path, nil, "Authorization", f.partner)
		body := r.Object(t)
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != c.allow ||
			body["code"] != "method_not_allowed" || body["message"] == "" {
			t.Errorf("%s %s: %d Allow %q %s, want 405 Allow %q", c.method, c.path, r.Status, r.Header.Get("Allow"), r.Body, c.allow)
		}
	}
	for _, m := range []string{"GET", "POST"} {
		r := testenv.Do(t, f.app.Handler, m, "/api/v1/nothing/here", nil)
		if r.Status != http.StatusNotFound || r.Header.Get("Allow") != "" || r.Object(t)["code"] != "not_found" {
			t.Errorf("%s unknown path: %d %v %s", m, r.Status, r.Header, r.Body)
		}
	}
}

// TestRootRedirectsToGraphiQL: issue 12 point 5. A person who opens the
// service's address lands on GraphiQL; only the root redirects, and other
// methods on it are still 405s.
func TestRootRedirectsToGraphiQL(t *testing.T) {
	f := newFixture(t)
	r := testenv.Do(t, f.app.Handler, "GET", "/", nil)
	if r.Status != http.StatusFound || r.Header.Get("Location") != "/graphiql" {
		t.Fatalf("GET /: %d Location %q, want 302 to /graphiql", r.Status, r.Header.Get("Location"))
	}
	if r := testenv.Do(t, f.app.Handler, "GET", "/nothing", nil); r.Status != http.StatusNotFound {
		t.Errorf("GET /nothing: %d, want 404", r.Status)
	}
	if r := testenv.Do(t, f.app.Handler, "POST", "/", nil); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", r.Status)
	}
}
