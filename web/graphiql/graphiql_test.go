package graphiql

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	h := Handler("/graphql")
	mux.Handle("GET /graphiql", h)
	mux.Handle("GET /graphiql/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	// Use a transport that does not transparently decompress, so the test
	// sees exactly what the handler sends.
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

var assetURLRe = regexp.MustCompile(`(?:src|href)="([^"]+)"`)

func TestPage(t *testing.T) {
	srv := newServer(t)
	for _, p := range []string{"/graphiql", "/graphiql/"} {
		t.Run(p, func(t *testing.T) {
			resp, body := get(t, srv.URL+p, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			page := string(body)
			for _, want := range []string{
				"<title>loyaltygraph — GraphiQL</title>",
				`data-endpoint="/graphql"`,
				"/graphiql/assets/graphiql.min.css?v=",
				"/graphiql/assets/graphiql.min.js?v=",
				"/graphiql/assets/react.production.min.js?v=",
				"/graphiql/assets/react-dom.production.min.js?v=",
				"/graphiql/assets/graphiql-init.js?v=",
			} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, `"//`) {
				t.Errorf("page references an external URL:\n%s", page)
			}
			// No inline script: everything runs from same-origin assets.
			if regexp.MustCompile(`<script>|<script\s+type="[^"]*">`).MatchString(page) {
				t.Errorf("page has an inline script")
			}
			csp := resp.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "http") {
				t.Errorf("CSP too loose: %q", csp)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("page Cache-Control %q", cc)
			}

			// Every referenced asset is served, long-cacheable via its ?v= hash.
			urls := assetURLRe.FindAllStringSubmatch(page, -1)
			n := 0
			for _, m := range urls {
				u := m[1]
				if strings.HasPrefix(u, "data:") {
					continue
				}
				n++
				if !strings.HasPrefix(u, "/graphiql/assets/") || !strings.Contains(u, "?v=") {
					t.Errorf("unexpected asset URL %q", u)
					continue
				}
				resp, _ := get(t, srv.URL+u, nil)
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s: status %d", u, resp.StatusCode)
				}
				if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
					t.Errorf("%s: Cache-Control %q", u, cc)
				}
			}
			if n != 5 {
				t.Errorf("page references %d assets, want 5", n)
			}
		})
	}
}

func TestPageETag(t *testing.T) {
	srv := newServer(t)
	resp, _ := get(t, srv.URL+"/graphiql", nil)
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	resp, _ = get(t, srv.URL+"/graphiql", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: status %d, want 304", resp.StatusCode)
	}
}

func TestAssets(t *testing.T) {
	srv := newServer(t)
	want := map[string]struct {
		ct      string
		minSize int
		marker  string
	}{
		"graphiql.min.js":             {"text/javascript; charset=utf-8", 1 << 20, "window.GraphiQL"},
		"graphiql.min.css":            {"text/css; charset=utf-8", 100 << 10, ".graphiql-container"},
		"react.production.min.js":     {"text/javascript; charset=utf-8", 5 << 10, "react.production.min.js"},
		"react-dom.production.min.js": {"text/javascript; charset=utf-8", 100 << 10, "react-dom.production.min.js"},
		"graphiql-init.js":            {"text/javascript; charset=utf-8", 200, "isHeadersEditorEnabled"},
		"LICENSE.graphiql":            {"text/plain; charset=utf-8", 500, "MIT License"},
		"LICENSE.react":               {"text/plain; charset=utf-8", 500, "MIT License"},
		"LICENSE.react-dom":           {"text/plain; charset=utf-8", 500, "MIT License"},
	}
	got := Assets()
	if len(got) != len(want) {
		t.Errorf("embedded assets %v, want %d of them", got, len(want))
	}
	for _, name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected embedded asset %q", name)
		}
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			resp, body := get(t, srv.URL+"/graphiql/assets/"+name, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != w.ct {
				t.Errorf("Content-Type %q, want %q", ct, w.ct)
			}
			if len(body) < w.minSize {
				t.Errorf("size %d, want >= %d", len(body), w.minSize)
			}
			if !strings.Contains(string(body), w.marker) {
				t.Errorf("body lacks %q", w.marker)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("no nosniff")
			}
			// Without the right ?v= the URL is not content-addressed: no long cache.
			if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("Cache-Control without ?v=: %q", cc)
			}
			resp, _ = get(t, srv.URL+"/graphiql/assets/"+name+"?v=stale", nil)
			if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("Cache-Control with a stale ?v=: %q", cc)
			}
			etag := resp.Header.Get("ETag")
			resp, _ = get(t, srv.URL+"/graphiql/assets/"+name, map[string]string{"If-None-Match": etag})
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("conditional GET: status %d, want 304", resp.StatusCode)
			}
		})
	}
}

func TestAssetGzip(t *testing.T) {
	srv := newServer(t)
	_, plain := get(t, srv.URL+"/graphiql/assets/graphiql.min.js", nil)
	resp, body := get(t, srv.URL+"/graphiql/assets/graphiql.min.js", map[string]string{"Accept-Encoding": "gzip, br"})
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary %q", resp.Header.Get("Vary"))
	}
	if len(body) >= len(plain) {
		t.Errorf("gzip body %d bytes, plain %d", len(body), len(plain))
	}
	zr, err := gzip.NewReader(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	unz, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if string(unz) != string(plain) {
		t.Errorf("gunzipped body differs from the plain one")
	}
	resp, _ = get(t, srv.URL+"/graphiql/assets/graphiql.min.js", map[string]string{"Accept-Encoding": "gzip;q=0, *"})
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
}

func TestNotFound(t *testing.T) {
	srv := newServer(t)
	for _, p := range []string{
		"/graphiql/assets/nope.js",
		"/graphiql/assets/",
		"/graphiql/assets/../index.html",
		"/graphiql/assets/%2e%2e%2findex.html",
		"/graphiql/index.html",
		"/graphiql/other",
	} {
		resp, _ := get(t, srv.URL+p, nil)
		// ServeMux itself redirects a path with ".." to its cleaned form.
		redirected := resp.StatusCode/100 == 3 && strings.Contains(p, "..")
		if resp.StatusCode != http.StatusNotFound && !redirected {
			t.Errorf("%s: status %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	// Called directly, as a mux with "GET" patterns would answer 405 itself.
	rec := httptest.NewRecorder()
	Handler("/graphql").ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphiql", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", rec.Code)
	}
}

func TestHead(t *testing.T) {
	srv := newServer(t)
	resp, err := http.Head(srv.URL + "/graphiql")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("HEAD: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestEndpointEscapingAndCSP(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler(`/graphql?x="><script>alert(1)</script>`).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphiql", nil))
	if strings.Contains(rec.Body.String(), "<script>alert") {
		t.Errorf("endpoint not escaped:\n%s", rec.Body.String())
	}

	rec = httptest.NewRecorder()
	Handler("https://api.example.test/graphql").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphiql", nil))
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https://api.example.test;") {
		t.Errorf("CSP for an absolute endpoint: %q", csp)
	}
}
