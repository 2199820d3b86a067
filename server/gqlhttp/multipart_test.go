package gqlhttp

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// multipartRequest builds a request of the multipart request spec with the
// parts given in order (name, body).
func multipartRequest(t *testing.T, preflight bool, parts ...[2]string) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		create := func() (io.Writer, error) { return mw.CreateFormFile(p[0], p[0]+".bin") }
		if p[0] == "operations" || p[0] == "map" {
			create = func() (io.Writer, error) { return mw.CreateFormField(p[0]) }
		}
		w, err := create()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(p[1]))
	}
	_ = mw.Close()
	r := httptest.NewRequest("POST", "/graphql", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	if preflight {
		r.Header.Set(PreflightHeader, "1")
	}
	return r
}

var testUploads = Transport{Uploads: Uploads{MaxBodyBytes: 1 << 16, MaxFileBytes: 100, MaxFiles: 2}}

func TestMultipartPlacesFilesAtTheirPaths(t *testing.T) {
	ops := `{"query":"mutation($a: Upload!, $in: In!) { x }","variables":{"a":null,"in":{"list":[null,{"f":null}]}}}`
	r := multipartRequest(t, true, [2]string{"operations", ops},
		[2]string{"map", `{"0":["variables.a","variables.in.list.0"],"1":["variables.in.list.1.f"]}`},
		[2]string{"0", "first"}, [2]string{"1", "second"})
	p, status, err := testUploads.readParams(httptest.NewRecorder(), r)
	if err != nil {
		t.Fatalf("%d %v", status, err)
	}
	read := func(v any) string {
		u, ok := v.(graphql.Upload)
		if !ok {
			t.Fatalf("%T is not an upload", v)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(u.File)
		_, _ = u.File.Seek(0, 0)
		return b.String()
	}
	in := p.Variables["in"].(map[string]any)
	list := in["list"].([]any)
	if read(p.Variables["a"]) != "first" || read(list[0]) != "first" || read(list[1].(map[string]any)["f"]) != "second" {
		t.Fatalf("variables %+v", p.Variables)
	}
}

func TestMultipartRefusals(t *testing.T) {
	ops := `{"query":"mutation($a: Upload) { x }","variables":{"a":null}}`
	m := `{"0":["variables.a"]}`
	for _, c := range []struct {
		name      string
		preflight bool
		parts     [][2]string
		status    int
	}{
		{"no preflight header", false, [][2]string{{"operations", ops}, {"map", m}, {"0", "x"}}, 400},
		{"map first", true, [][2]string{{"map", m}, {"operations", ops}, {"0", "x"}}, 400},
		{"batched", true, [][2]string{{"operations", "[" + ops + "]"}, {"map", m}, {"0", "x"}}, 400},
		{"file missing", true, [][2]string{{"operations", ops}, {"map", m}}, 400},
		{"file not in the map", true, [][2]string{{"operations", ops}, {"map", m}, {"0", "x"}, {"1", "y"}}, 400},
		{"path outside variables", true, [][2]string{{"operations", ops}, {"map", `{"0":["query"]}`}, {"0", "x"}}, 400},
		{"path to a non-null value", true, [][2]string{{"operations", strings.Replace(ops, "null", `"s"`, 1)}, {"map", m}, {"0", "x"}}, 400},
		{"file too large", true, [][2]string{{"operations", ops}, {"map", m}, {"0", strings.Repeat("x", 101)}}, 413},
		{"too many files", true, [][2]string{{"operations", ops}, {"map", `{"0":["variables.a"],"1":["variables.a"],"2":["variables.a"]}`}}, 413},
		{"body too large", true, [][2]string{{"operations", ops}, {"map", m}, {"0", strings.Repeat("x", 1<<17)}}, 413},
	} {
		r := multipartRequest(t, c.preflight, c.parts...)
		_, status, err := testUploads.readParams(httptest.NewRecorder(), r)
		if err == nil || status != c.status {
			t.Errorf("%s: %d %v, want %d", c.name, status, err, c.status)
		}
	}
	// Without upload limits, multipart is not accepted at all.
	r := multipartRequest(t, true, [2]string{"operations", ops}, [2]string{"map", m}, [2]string{"0", "x"})
	if _, status, _ := (Transport{}).readParams(httptest.NewRecorder(), r); status != http.StatusUnsupportedMediaType {
		t.Errorf("uploads disabled: %d", status)
	}
}
