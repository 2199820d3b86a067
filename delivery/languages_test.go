package delivery

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"loyaltygraph/domain/card"
)

func TestLanguageFilesRefuseWhatIsNotAPublicHTTPSFile(t *testing.T) {
	hits := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		_, _ = io.WriteString(w, `{"btn": {"save": "Save"}}`)
	})
	plain := httptest.NewServer(h)
	defer plain.Close()
	tls := httptest.NewTLSServer(h)
	defer tls.Close()
	def := card.DefaultTexts().Btn.Save
	ctx := context.Background()

	prod := NewLanguageFiles(false)
	for _, u := range []string{plain.URL + "/l.json", tls.URL + "/l.json", "file:///etc/passwd", "https://127.0.0.1:1/x", "gopher://x"} {
		if got := prod.Texts(ctx, u).Btn.Save; got != def {
			t.Errorf("%s: %q, want the default", u, got)
		}
	}
	if hits != 0 {
		t.Errorf("a private address was fetched %d times", hits)
	}

	dev := NewLanguageFiles(true)
	if got := dev.Texts(ctx, plain.URL+"/l.json").Btn.Save; got != "Save" {
		t.Errorf("dev fetch: %q", got)
	}
	if got := dev.Texts(ctx, plain.URL+"/l.json").Btn.Save; got != "Save" || hits != 1 {
		t.Errorf("cached fetch: %q after %d hits", got, hits)
	}
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"btn": {"save": "`)
		for range 40 << 10 {
			_, _ = io.WriteString(w, "x")
		}
		_, _ = io.WriteString(w, `"}}`)
	}))
	defer big.Close()
	if got := dev.Texts(ctx, big.URL).Btn.Save; got != def {
		t.Errorf("oversized file: %q", got[:10])
	}
}
