// Package embedded serves a page and the assets it loads from files
// embedded in the binary, under one mount path: the page at Path and
// Path+"/", the assets at Path+"/assets/{name}?v={hash}". GraphiQL
// (web/graphiql) and the REST reference (web/docs) are such pages.
package embedded

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// asset is one embedded file, with what is needed to serve it.
type asset struct {
	body        []byte
	contentType string
	hash        string // first 16 hex digits of the SHA-256 of body

	gzipOnce sync.Once
	gzipped  []byte // nil when compression does not pay off
}

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

// Assets are the files of a folder "assets" of an embedded file system,
// served under Path+"/assets/".
type Assets struct {
	// Path is the mount path.
	Path   string
	pkg    string
	byName map[string]*asset
}

// Load reads the assets of files; pkg names the package in panics (a
// missing asset is a build mistake: its fetch.sh was not run).
func Load(pkg string, files fs.FS, mount string) *Assets {
	entries, err := fs.ReadDir(files, "assets")
	if err != nil {
		panic(pkg + ": reading embedded assets: " + err.Error())
	}
	a := &Assets{Path: mount, pkg: pkg, byName: make(map[string]*asset, len(entries))}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := fs.ReadFile(files, "assets/"+e.Name())
		if err != nil {
			panic(pkg + ": reading embedded asset: " + err.Error())
		}
		sum := sha256.Sum256(body)
		a.byName[e.Name()] = &asset{body: body, contentType: contentType(e.Name()), hash: hex.EncodeToString(sum[:8])}
	}
	return a
}

// URL is the address of the asset name, which changes with its content.
func (a *Assets) URL(name string) string {
	x, ok := a.byName[name]
	if !ok {
		panic(a.pkg + ": missing embedded asset " + name + " (run web/" + a.pkg + "/fetch.sh)")
	}
	return a.Path + "/assets/" + name + "?v=" + x.hash
}

// Names returns the names of the assets.
func (a *Assets) Names() []string {
	names := make([]string, 0, len(a.byName))
	for name := range a.byName {
		names = append(names, name)
	}
	return names
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

// Handler serves page (HTML, with the Content-Security-Policy csp) at the
// mount path and the assets under it.
func (a *Assets) Handler(page []byte, csp string) http.Handler {
	sum := sha256.Sum256(page)
	return &handler{assets: a, page: page, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, csp: csp}
}

type handler struct {
	assets *Assets
	page   []byte
	etag   string
	csp    string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p, mount := r.URL.Path, h.assets.Path
	switch {
	case p == mount || p == mount+"/":
		h.servePage(w, r)
	case strings.HasPrefix(p, mount+"/assets/"):
		h.serveAsset(w, r, strings.TrimPrefix(p, mount+"/assets/"))
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
	hdr.Set("ETag", h.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.page))
}

func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := h.assets.byName[name]
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
