package receiptdata

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"loyaltygraph/rest/openapi"
)

// familyMux is the mux of the family's Register functions, as the server
// calls them (with the development issuer).
func familyMux() *http.ServeMux {
	mux := http.NewServeMux()
	merchants := RegisterMerchants(mux, nil, nil, "", nil)
	Register(mux, nil, merchants, nil)
	RegisterTerms(mux, nil, nil)
	RegisterCards(mux, nil, nil, true, nil)
	RegisterUsers(mux, nil, nil)
	return mux
}

var wildcard = regexp.MustCompile(`\{[^}]+\}`)

// TestEveryRouteIsDocumented: every operation of the two documents is
// routed by the mux to its own pattern (the external view and the
// marketing message to their shared one).
func TestEveryRouteIsDocumented(t *testing.T) {
	mux := familyMux()
	ops := append(OpenAPI().Ops, POSOpenAPI().Ops...)
	for _, op := range ops {
		path := wildcard.ReplaceAllString(op.Path, "x1")
		req := httptest.NewRequest(op.Method, path, nil)
		_, pattern := mux.Handler(req)
		want := op.Pattern()
		if op.ID == opViewExternal || op.ID == opGetMessage {
			want = "GET " + viewPath
		}
		if pattern != want {
			t.Errorf("%s %s is routed to %q, want %q", op.Method, path, pattern, want)
		}
	}
}

// TestNoRouteOutsideTheTable: the package adds routes only through
// openapi.Register.
func TestNoRouteOutsideTheTable(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	direct := regexp.MustCompile(`\.(Handle|HandleFunc)\(`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if loc := direct.FindIndex(src); loc != nil {
			t.Errorf("%s adds a route outside the table: %q", f, src[loc[0]:min(len(src), loc[1]+40)])
		}
	}
}

// TestDevIssuerOnlyWhenAsked: without the development issuer, its routes
// are not served.
func TestDevIssuerOnlyWhenAsked(t *testing.T) {
	mux := http.NewServeMux()
	RegisterCards(mux, nil, nil, false, nil)
	for _, p := range []string{SCAPagePath + "x1", SCAAnswerPath} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			if _, pattern := mux.Handler(httptest.NewRequest(m, p, nil)); strings.Contains(pattern, "/sca") {
				t.Errorf("%s %s is routed to %q without the development issuer", m, p, pattern)
			}
		}
	}
}

// TestOperationsAreDescribed: ids unique, a summary, a tag, the family's
// error body on every error status, credentials' failures wherever
// credentials are asked, the browser-write guard's 403 and 415 on every
// write, and Retry-After on 429 and 503.
func TestOperationsAreDescribed(t *testing.T) {
	ids := map[string]bool{}
	for _, fam := range []openapi.Family{OpenAPI(), POSOpenAPI()} {
		if fam.Key == "" || fam.Title == "" || fam.Version == "" || len(fam.Description) < 200 {
			t.Errorf("family %q lacks a key, title, version or description", fam.Key)
		}
		for _, op := range fam.Ops {
			if ids[op.ID] || op.ID == "" {
				t.Errorf("operation id %q is empty or used twice", op.ID)
			}
			ids[op.ID] = true
			if op.Summary == "" || len(op.Tags) == 0 || op.Handler == nil {
				t.Errorf("%s: no summary, tag or handler", op.ID)
			}
			if !strings.HasPrefix(op.Path, "/receipt-data/v1/") && !strings.HasPrefix(op.Path, "/api/receipt-receiver/v2/") {
				t.Errorf("%s: path %s is outside the family", op.ID, op.Path)
			}
			statuses := map[int]openapi.Response{}
			for _, r := range op.Responses {
				if _, dup := statuses[r.Status]; dup {
					t.Errorf("%s: status %d documented twice", op.ID, r.Status)
				}
				statuses[r.Status] = r
				if r.Description == "" {
					t.Errorf("%s %d: no description", op.ID, r.Status)
				}
				if r.Status >= 400 && r.ContentType == "" && r.Type == nil {
					t.Errorf("%s %d: an error without a body", op.ID, r.Status)
				}
				if (r.Status == http.StatusTooManyRequests || r.Status == http.StatusServiceUnavailable) && !slices.Contains(r.Headers, "Retry-After") {
					t.Errorf("%s %d: no Retry-After", op.ID, r.Status)
				}
			}
			want := publicFailures
			if op.Security != nil {
				want = authFailures
			}
			if op.Method != http.MethodGet {
				want = append(slices.Clone(want), http.StatusForbidden, http.StatusUnsupportedMediaType)
			}
			for _, s := range want {
				if _, ok := statuses[s]; !ok {
					t.Errorf("%s: status %d is not documented", op.ID, s)
				}
			}
			for _, p := range op.Params {
				if p.In == "path" && !strings.Contains(op.Path, "{"+p.Name+"}") {
					t.Errorf("%s: path parameter %s is not in %s", op.ID, p.Name, op.Path)
				}
			}
			for _, m := range wildcard.FindAllString(op.Path, -1) {
				name := strings.Trim(m, "{}")
				if !slices.ContainsFunc(op.Params, func(p openapi.Param) bool { return p.In == "path" && p.Name == name }) {
					t.Errorf("%s: path parameter %s is not described", op.ID, name)
				}
			}
		}
	}
}
