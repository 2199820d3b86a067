// Package docs serves the REST API reference at /docs: a Redoc page,
// embedded in the binary with its bundle (web/docs/fetch.sh), that renders
// the OpenAPI document of the service and loads nothing from elsewhere.
//
// Mounting (Go 1.22+ ServeMux patterns):
//
//	h := docs.Handler("/openapi.json")
//	mux.Handle("GET /docs", h)  // the page
//	mux.Handle("GET /docs/", h) // the page again, and /docs/assets/{name}
package docs

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// Path is the mount path: the page at Path and Path+"/", the assets at
// Path+"/assets/{name}".
const Path = "/docs"

// Title is the page title.
const Title = "loyaltygraph REST API"

// RedocVersion is the version of the vendored bundle (fetch.sh).
const RedocVersion = "2.5.2"

//go:embed assets/* index.html
var files embed.FS

type asset struct {
	body        []byte
	contentType string
	hash        string
	gzipped     []byte
}

var (
	loadOnce sync.Once
	assets   map[string]*asset
	page     *template.Template
)

func load() {
	loadOnce.Do(func() {
		entries, err := fs.ReadDir(files, "assets")
		if err != nil {
			panic("docs: reading embedded assets: " + err.Error())
		}
		assets = map[string]*asset{}
		for _, e := range entries {
			body, err := files.ReadFile("assets/" + e.Name())
			if err != nil {
				panic("docs: reading embedded asset: " + err.Error())
			}
			sum := sha256.Sum256(body)
			a := &asset{body: body, contentType: contentType(e.Name()), hash: hex.EncodeToString(sum[:8])}
			if len(body) >= 1024 {
				var buf bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
				_, _ = zw.Write(body)
				_ = zw.Close()
				if buf.Len() < len(body) {
					a.gzipped = buf.Bytes()
				}
			}
			assets[e.Name()] = a
		}
		page = template.Must(template.ParseFS(files, "index.html"))
	})
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	default:
		return "text/plain; charset=utf-8"
	}
}

// Assets returns the names of the embedded assets.
func Assets() []string {
	load()
	var names []string
	for n := range assets {
		names = append(names, n)
	}
	return names
}

type handler struct {
	page []byte
	etag string
}

// Handler returns the handler of the page and its assets; specURL is the
// document the page renders, a same-origin path such as /openapi.json.
func Handler(specURL string) http.Handler {
	load()
	url := func(name string) string {
		a, ok := assets[name]
		if !ok {
			panic("docs: missing embedded asset " + name + " (run web/docs/fetch.sh)")
		}
		return Path + "/assets/" + name + "?v=" + a.hash
	}
	var buf bytes.Buffer
	err := page.Execute(&buf, struct{ Title, SpecURL, Redoc, Init string }{
		Title: Title, SpecURL: specURL, Redoc: url("redoc.standalone.js"), Init: url("docs-init.js"),
	})
	if err != nil {
		panic("docs: rendering index.html: " + err.Error())
	}
	sum := sha256.Sum256(buf.Bytes())
	return &handler{page: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// ContentSecurityPolicy allows same-origin scripts and fetches only (the
// bootstrap is an asset, not inline), the inline styles Redoc's
// styled-components write, and the blob: worker of its search. Fonts are
// the system's.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
	p := r.URL.Path
	switch {
	case p == Path || p == Path+"/":
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("Cache-Control", "no-cache")
		hdr.Set("ETag", h.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.page))
	case strings.HasPrefix(p, Path+"/assets/"):
		a, ok := assets[strings.TrimPrefix(p, Path+"/assets/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		hdr.Set("Content-Type", a.contentType)
		if r.URL.Query().Get("v") == a.hash {
			hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			hdr.Set("Cache-Control", "no-cache")
		}
		body, etag := a.body, `"`+a.hash+`"`
		if a.gzipped != nil {
			hdr.Add("Vary", "Accept-Encoding")
			if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				hdr.Set("Content-Encoding", "gzip")
				body, etag = a.gzipped, `"`+a.hash+`-gz"`
			}
		}
		hdr.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	default:
		http.NotFound(w, r)
	}
}
