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
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"loyaltygraph/web/embedded"
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

var (
	loadOnce sync.Once
	assets   *embedded.Assets
	pageTmpl *template.Template
)

func load() {
	loadOnce.Do(func() {
		assets = embedded.Load("graphiql", files, Path)
		pageTmpl = template.Must(template.ParseFS(files, "index.html"))
	})
}

// Assets returns the names of the embedded assets, for tests and diagnostics.
func Assets() []string {
	load()
	return assets.Names()
}

// Handler returns the handler for the GraphiQL page and its assets. endpoint is
// the GraphQL endpoint the page talks to, normally a same-origin path such as
// "/graphql". See the package documentation for how to mount it.
func Handler(endpoint string) http.Handler {
	load()
	data := struct {
		Title, Endpoint, CSS, React, ReactDOM, GraphiQL, Init string
	}{
		Title:    Title,
		Endpoint: endpoint,
		CSS:      assets.URL("graphiql.min.css"),
		React:    assets.URL("react.production.min.js"),
		ReactDOM: assets.URL("react-dom.production.min.js"),
		GraphiQL: assets.URL("graphiql.min.js"),
		Init:     assets.URL("graphiql-init.js"),
	}
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, data); err != nil {
		panic("graphiql: rendering index.html: " + err.Error())
	}
	return assets.Handler(buf.Bytes(), contentSecurityPolicy(endpoint))
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
