package server_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
)

// TestGraphQLRefusesABadUserTokenWith403: an invalid end-user token is the
// caller's mistake, answered as the REST doors answer it (403 "Invalid
// security token", FORBIDDEN), not as an outage (503 with Retry-After), and
// logged as no error of ours.
func TestGraphQLRefusesABadUserTokenWith403(t *testing.T) {
	var logs testenv.LogBuffer
	a := testenv.AppWith(t, wire.Options{Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	body := map[string]any{"query": "{ viewer { userId } }"}
	for _, h := range [][]string{
		{"X-Storebox-user-token", "garbage"},
		{"Authorization", "Bearer garbage.garbage.garbage"},
	} {
		r := testenv.Do(t, a.Handler, http.MethodPost, "/graphql", body, h...)
		if r.Status == http.StatusServiceUnavailable || r.Header.Get("Retry-After") != "" {
			t.Errorf("%s: %d with Retry-After %q, want no outage answer: %s", h[0], r.Status, r.Header.Get("Retry-After"), r.Body)
		}
		if r.Status != http.StatusForbidden && r.Status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 403 or 401: %s", h[0], r.Status, r.Body)
		}
		if !strings.Contains(string(r.Body), `"FORBIDDEN"`) && !strings.Contains(string(r.Body), `"UNAUTHENTICATED"`) {
			t.Errorf("%s: body %s, want FORBIDDEN or UNAUTHENTICATED", h[0], r.Body)
		}
	}
	r := testenv.Do(t, a.Handler, http.MethodPost, "/graphql", body, "X-Storebox-user-token", "garbage")
	if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "Invalid security token") {
		t.Errorf("a bad user token: %d %s, want 403 Invalid security token", r.Status, r.Body)
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("a refused token was logged as an error:\n%s", logs.String())
	}
}
