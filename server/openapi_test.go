package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"loyaltygraph/internal/testenv"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/server"
	"loyaltygraph/web/docs"
)

// validOpenAPI31 fails t unless body is a valid OpenAPI 3.1 document, as
// libopenapi-validator checks it against the 3.1 schema.
func validOpenAPI31(t *testing.T, name string, body []byte) map[string]any {
	t.Helper()
	doc, err := libopenapi.NewDocument(body)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Errorf("%s: version %q", name, v)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", name, errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("%s: %s: %s", name, e.Message, e.Reason)
			for _, s := range e.SchemaValidationErrors {
				t.Errorf("\t%s: %s", s.FieldPath, s.Reason)
			}
		}
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOpenAPIDocuments: /openapi.json and every family's
// /openapi/{key}.json are public, valid OpenAPI 3.1, and describe the
// families' routes.
func TestOpenAPIDocuments(t *testing.T) {
	a := testenv.App(t)
	resp := testenv.Do(t, a.Handler, "GET", "/openapi.json", nil)
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("/openapi.json: %d %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	combined := validOpenAPI31(t, "/openapi.json", resp.Body)
	if title := combined["info"].(map[string]any)["title"]; title != openapi.CombinedTitle {
		t.Errorf("title %v", title)
	}
	paths, _ := combined["paths"].(map[string]any)
	keys := map[string]bool{}
	for _, f := range server.OpenAPIFamilies("") {
		if keys[f.Key] {
			t.Errorf("family key %q twice", f.Key)
		}
		keys[f.Key] = true
		if f.Description == "" || f.Version == "" {
			t.Errorf("family %s has no description or version", f.Key)
		}
		r := testenv.Do(t, a.Handler, "GET", "/openapi/"+f.Key+".json", nil)
		if r.Status != http.StatusOK {
			t.Errorf("/openapi/%s.json: %d", f.Key, r.Status)
			continue
		}
		own := validOpenAPI31(t, f.Key, r.Body)
		if own["info"].(map[string]any)["title"] != f.Title {
			t.Errorf("%s: title %v", f.Key, own["info"])
		}
		for _, op := range f.Ops {
			item, _ := paths[openapi.TemplatePath(op.Path)].(map[string]any)
			if item[strings.ToLower(op.Method)] == nil {
				t.Errorf("%s %s is not in /openapi.json", op.Method, op.Path)
			}
		}
	}
	if r := testenv.Do(t, a.Handler, "GET", "/openapi/nope.json", nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown document: %d", r.Status)
	}
	// Revalidation by ETag.
	if r := testenv.Do(t, a.Handler, "GET", "/openapi.json", nil, "If-None-Match", resp.Header.Get("ETag")); r.Status != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", r.Status)
	}
}

// TestDocsPage: /docs is the Redoc page of /openapi.json, public, with a
// CSP that lets nothing leave the host, and its bundle is embedded.
func TestDocsPage(t *testing.T) {
	a := testenv.App(t)
	resp := testenv.Do(t, a.Handler, "GET", "/docs", nil)
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs: %d %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	page := string(resp.Body)
	if !strings.Contains(page, "<title>loyaltygraph REST API</title>") || !strings.Contains(page, `data-spec-url="/openapi.json"`) {
		t.Errorf("page: %s", page)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "font-src 'self' data:"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(page) {
		t.Errorf("the page loads something from elsewhere: %s", page)
	}
	scripts := regexp.MustCompile(`<script src="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(scripts) != 2 {
		t.Fatalf("scripts: %v", scripts)
	}
	for _, s := range scripts {
		r := testenv.Do(t, a.Handler, "GET", s[1], nil)
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("%s: %d %s", s[1], r.Status, r.Header.Get("Content-Type"))
		}
		if strings.Contains(string(r.Body), "fonts.googleapis.com") {
			t.Errorf("%s fetches Google's fonts", s[1])
		}
	}
	if r := testenv.Do(t, a.Handler, "GET", docs.Path+"/assets/nope.js", nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown asset: %d", r.Status)
	}
}

// allowedOutsideTables are the routes registered without a family table:
// they are not REST families (GraphQL, its IDE, health, metrics, the
// documents themselves and the root redirect).
var allowedOutsideTables = []string{`"GET /healthz"`, `"GET /readyz"`, `"/graphql"`, `"GET /graphiql"`, `"GET /graphiql/"`,
	`"GET /{$}"`, `metricsPath`, `OpenAPIPath`, `"GET /openapi/{file}"`, `docs.Path`, `mux.Handle("/", notFound(mux))`}

// pendingFamilies still register routes outside a table; each family's
// conversion removes its line (the test fails while a listed family has
// no such route left).
var pendingFamilies = map[string]bool{}

// TestEveryRESTRouteIsInATable: no REST route is registered but through
// openapi.Register, so none is missing from the documents.
func TestEveryRESTRouteIsInATable(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	handle := regexp.MustCompile(`\bmux\.Handle(Func)?\(`)
	outside := map[string][]string{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == "graph" || strings.HasPrefix(rel, ".") && rel != "." || rel == "web" || rel == "bench" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || rel == filepath.Join("rest", "openapi", "op.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			if !handle.MatchString(line) || strings.HasPrefix(strings.TrimSpace(line), "//") {
				continue
			}
			// A family's sub-mux mounted on the main mux: the routes on
			// it come from the family's table.
			if strings.Contains(line, "// openapi:sub-mux") {
				continue
			}
			if strings.HasPrefix(rel, "server"+string(filepath.Separator)) {
				ok := false
				for _, a := range allowedOutsideTables {
					ok = ok || strings.Contains(line, a)
				}
				if ok {
					continue
				}
			}
			if !strings.HasPrefix(rel, "rest"+string(filepath.Separator)) && !strings.HasPrefix(rel, "server"+string(filepath.Separator)) {
				continue // commands and tools serve their own muxes (metrics address)
			}
			outside[rel] = append(outside[rel], rel+":"+itoa(i+1)+": "+strings.TrimSpace(line))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for rel, lines := range outside {
		parts := strings.Split(rel, string(filepath.Separator))
		if len(parts) >= 2 && parts[0] == "rest" && pendingFamilies[parts[1]] {
			seen[parts[1]] = true
			continue
		}
		for _, l := range lines {
			t.Errorf("a route registered outside its family's openapi table: %s", l)
		}
	}
	for fam := range pendingFamilies {
		if !seen[fam] {
			t.Errorf("rest/%s registers every route through its table: remove it from pendingFamilies", fam)
		}
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
