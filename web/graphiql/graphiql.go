// Package graphiql serves a GraphiQL 3 IDE that works fully offline: the page,
// GraphiQL 3.8.2 and React 18.3.1 are embedded in the binary and nothing is
// loaded from a CDN.
//
// Mounting (Go 1.22+ ServeMux patterns):
//
//	h := graphiql.Handler("/graphql")
//	mux.Handle("GET /graphiql", h)  // the page
//	mux.Handle("GET /graphiql/", h) // the page again, and /graphiql/assets/{name}
//
// The page has a headers editor (persisted in the browser's localStorage) in
// which the user sets e.g. {"Authorization": "Basic <base64 user:password>"}.
package graphiql

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
)

// Path is the mount path the handler expects: the page is served at Path and
// Path+"/", the assets at Path+"/assets/{name}".
const Path = "/graphiql"

// Title is the page title.
const Title = "loyaltygraph — GraphiQL"

// Versions of the vendored bundles (see fetch.sh and README.md).
const (
	GraphiQLVersion = "3.8.2"
	ReactVersion    = "18.3.1"
)

//go:embed assets/* index.html
var files embed.FS

// asset is one embedded file, with what is needed to serve it.
type asset struct {
	name        string
	body        []byte
	contentType string
	hash        string // first 16 hex digits of the SHA-256 of body

	gzipOnce sync.Once
	gzipped  []byte // nil when compression does not pay off
}

func (a *asset) url() string { return Path + "/assets/" + a.name + "?v=" + a.hash }

func (a *asset) gz() []byte {
	a.gzipOnce.Do(func() {
		if len(a.body) < 1024 {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(a.body)
		_ = zw.Close()
		if buf.Len() < len(a.body) {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

var (
	assetsOnce sync.Once
	assetsByID map[string]*asset
	pageTmpl   *template.Template
)

func loadAssets() {
	assetsOnce.Do(func() {
		entries, err := fs.ReadDir(files, "assets")
		if err != nil {
			panic("graphiql: reading embedded assets: " + err.Error())
		}
		assetsByID = make(map[string]*asset, len(entries))
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			body, err := files.ReadFile("assets/" + e.Name())
			if err != nil {
				panic("graphiql: reading embedded asset: " + err.Error())
			}
			sum := sha256.Sum256(body)
			assetsByID[e.Name()] = &asset{
				name:        e.Name(),
				body:        body,
				contentType: contentType(e.Name()),
				hash:        hex.EncodeToString(sum[:8]),
			}
		}
		pageTmpl = template.Must(template.ParseFS(files, "index.html"))
	})
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".html":
		return "text/html; charset=utf-8"
	default: // LICENSE.* and anything else textual
		return "text/plain; charset=utf-8"
	}
}

// Assets returns the names of the embedded assets, for tests and diagnostics.
func Assets() []string {
	loadAssets()
	names := make([]string, 0, len(assetsByID))
	for name := range assetsByID {
		names = append(names, name)
	}
	return names
}

type handler struct {
	page     []byte
	pageETag string
	csp      string
}

// Handler returns the handler for the GraphiQL page and its assets. endpoint is
// the GraphQL endpoint the page talks to, normally a same-origin path such as
// "/graphql". See the package documentation for how to mount it.
func Handler(endpoint string) http.Handler {
	loadAssets()
	asset := func(name string) string {
		a, ok := assetsByID[name]
		if !ok {
			panic("graphiql: missing embedded asset " + name + " (run web/graphiql/fetch.sh)")
		}
		return a.url()
	}
	data := struct {
		Title, Endpoint, CSS, React, ReactDOM, GraphiQL, Init string
	}{
		Title:    Title,
		Endpoint: endpoint,
		CSS:      asset("graphiql.min.css"),
		React:    asset("react.production.min.js"),
		ReactDOM: asset("react-dom.production.min.js"),
		GraphiQL: asset("graphiql.min.js"),
		Init:     asset("graphiql-init.js"),
	}
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, data); err != nil {
		panic("graphiql: rendering index.html: " + err.Error())
	}
	sum := sha256.Sum256(buf.Bytes())
	return &handler{
		page:     buf.Bytes(),
		pageETag: `"` + hex.EncodeToString(sum[:8]) + `"`,
		csp:      contentSecurityPolicy(endpoint),
	}
}

// contentSecurityPolicy allows only same-origin scripts (no inline script: the
// bootstrap is the graphiql-init.js asset), same-origin fetches (plus the
// endpoint's origin when it is an absolute URL), and inline styles, which
// GraphiQL 3 and CodeMirror 5 set at run time. Fonts are data: URIs in the CSS.
func contentSecurityPolicy(endpoint string) string {
	connect := "'self'"
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == Path || p == Path+"/":
		h.servePage(w, r)
	case strings.HasPrefix(p, Path+"/assets/"):
		serveAsset(w, r, strings.TrimPrefix(p, Path+"/assets/"))
	default:
		http.NotFound(w, r)
	}
}

func setCommonHeaders(hdr http.Header) {
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	setCommonHeaders(hdr)
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", h.csp)
	hdr.Set("X-Frame-Options", "DENY")
	// The page names the assets by content hash, so it must be revalidated
	// (cheaply, by ETag) to pick up new assets after a deploy.
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", h.pageETag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.page))
}

func serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := assetsByID[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	setCommonHeaders(hdr)
	hdr.Set("Content-Type", a.contentType)
	if r.URL.Query().Get("v") == a.hash {
		// The URL changes whenever the content does: cache it for good.
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	body, etag := a.body, `"`+a.hash+`"`
	if gz := a.gz(); gz != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			hdr.Set("Content-Encoding", "gzip")
			body, etag = gz, `"`+a.hash+`-gz"`
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: an
// explicit "gzip" coding decides by its q-value, otherwise "*" does.
func acceptsGzip(values []string) bool {
	gzip, star := -1, -1 // -1 absent, 0 refused (q=0), 1 accepted
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			ok := 1
			if q, found := strings.CutPrefix(strings.ReplaceAll(strings.ToLower(params), " ", ""), "q="); found &&
				strings.Trim(q, "0.") == "" {
				ok = 0
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzip = ok
			case "*":
				star = ok
			}
		}
	}
	if gzip >= 0 {
		return gzip == 1
	}
	return star == 1
}
