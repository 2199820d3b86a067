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
	"embed"
	"html/template"
	"net/http"
	"sync"

	"loyaltygraph/web/embedded"
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

var (
	loadOnce sync.Once
	assets   *embedded.Assets
	page     *template.Template
)

func load() {
	loadOnce.Do(func() {
		assets = embedded.Load("docs", files, Path)
		page = template.Must(template.ParseFS(files, "index.html"))
	})
}

// Assets returns the names of the embedded assets.
func Assets() []string {
	load()
	return assets.Names()
}

// Handler returns the handler of the page and its assets; specURL is the
// document the page renders, a same-origin path such as /openapi.json.
func Handler(specURL string) http.Handler {
	load()
	var buf bytes.Buffer
	err := page.Execute(&buf, struct{ Title, SpecURL, Redoc, Init string }{
		Title: Title, SpecURL: specURL, Redoc: assets.URL("redoc.standalone.js"), Init: assets.URL("docs-init.js"),
	})
	if err != nil {
		panic("docs: rendering index.html: " + err.Error())
	}
	return assets.Handler(buf.Bytes(), ContentSecurityPolicy)
}

// ContentSecurityPolicy allows same-origin scripts and fetches only (the
// bootstrap is an asset, not inline), the inline styles Redoc's
// styled-components write, and the blob: worker of its search. Fonts are
// the system's.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
