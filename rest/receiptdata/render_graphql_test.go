package receiptdata_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"loyaltygraph/internal/testenv"
)

// localPath is the path of a URL that the test app (public base URL
// http://localhost:8080) answers.
func localPath(t *testing.T, u string) string {
	t.Helper()
	p, ok := strings.CutPrefix(u, "http://localhost:8080")
	if !ok || !strings.HasPrefix(p, "/receipt-data/v1/") {
		t.Fatalf("URL %q is not on the public base URL", u)
	}
	return p
}

func TestGraphQLPDFSessionAndPDFURLDownloadLikeREST(t *testing.T) {
	e := newEnv(t)
	id := e.post(receiptBody("GQL-PDF"))
	var m struct {
		CreatePdfSession struct {
			SessionID, URL *string
			ExpiresAt      *time.Time
			UserErrors     []struct{ Field, Code, Message string }
		}
	}
	e.gql(e.partner, `mutation($r: ID!, $u: ID) { createPdfSession(receiptId: $r, userId: $u) {
		sessionId url expiresAt userErrors { field code message } } }`, map[string]any{"r": id, "u": e.alice}, &m)
	p := m.CreatePdfSession
	if len(p.UserErrors) != 0 || p.SessionID == nil || !sessionIDShape.MatchString(*p.SessionID) || p.URL == nil {
		t.Fatalf("createPdfSession: %+v", p)
	}
	if want := "/receipt-data/v1/users/" + e.alice + "/receipts/" + id + "/pdf/" + *p.SessionID; localPath(t, *p.URL) != want {
		t.Errorf("url %s, want …%s", *p.URL, want)
	}
	if left := time.Until(*p.ExpiresAt); left < 14*time.Minute || left > 15*time.Minute+time.Second {
		t.Errorf("expires in %s", left)
	}
	res := testenv.Do(t, e.app.Handler, "GET", localPath(t, *p.URL)+"?lang=fi", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("download: %d %s", res.Status, res.Body)
	}
	if txt := testenv.PDFText(t, res.Body); !strings.Contains(txt, "Yhteensä") || !strings.Contains(txt, "Smørrebrød med æg") {
		t.Errorf("PDF:\n%s", txt)
	}

	// Receipt.pdfUrl is a fresh session's URL each time.
	var q struct{ Receipt *struct{ PdfURL string } }
	e.gql(e.partner, `query($r: ID!, $u: ID) { receipt(receiptId: $r, userId: $u) { pdfUrl } }`,
		map[string]any{"r": id, "u": e.alice}, &q)
	if q.Receipt == nil {
		t.Fatal("receipt not found")
	}
	if res := testenv.Do(t, e.app.Handler, "GET", localPath(t, q.Receipt.PdfURL), nil); res.Status != http.StatusOK {
		t.Errorf("pdfUrl download: %d %s", res.Status, res.Body)
	}
	if strings.HasSuffix(q.Receipt.PdfURL, *p.SessionID) {
		t.Error("pdfUrl reuses the mutation's session")
	}

	// Someone else's receipt is a NOT_FOUND userError, like REST's 404.
	m.CreatePdfSession.SessionID = nil
	e.gql(e.other, `mutation($r: ID!, $u: ID) { createPdfSession(receiptId: $r, userId: $u) {
		sessionId url userErrors { field code message } } }`, map[string]any{"r": id, "u": e.alice}, &m)
	if p := m.CreatePdfSession; p.SessionID != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != "NOT_FOUND" {
		t.Errorf("other partner's createPdfSession: %+v", p)
	}
	// Without credentials: a top-level error, no session.
	_, gr := testenv.GraphQL(t, e.app.Handler, "", `mutation($r: ID!, $u: ID) { createPdfSession(receiptId: $r, userId: $u) { sessionId } }`,
		map[string]any{"r": id, "u": e.alice})
	if len(gr.Errors) == 0 || gr.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Errorf("anonymous createPdfSession: %+v %s", gr.Errors, gr.Data)
	}
}

func TestGraphQLReceiptHTMLIsTheEscapedPageWithItsPolicy(t *testing.T) {
	e := newEnv(t)
	body := receiptBody("GQL-HTML", "<script>alert(1)</script>Smørrebrød med æg")
	body["storeName"] = "<script>alert(2)</script>"
	id := e.post(body)
	var q struct{ Receipt *struct{ HTML string } }
	e.gql(e.partner, `query($r: ID!, $u: ID) { receipt(receiptId: $r, userId: $u) { html } }`,
		map[string]any{"r": id, "u": e.alice}, &q)
	if q.Receipt == nil {
		t.Fatal("receipt not found")
	}
	page := q.Receipt.HTML
	if strings.Contains(strings.ToLower(page), "<script") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;Smørrebrød med æg") ||
		!strings.Contains(page, "&lt;script&gt;alert(2)&lt;/script&gt;") {
		t.Errorf("page:\n%s", page)
	}
	// The same page as the view by external id, policy included.
	res := e.view(e.partner, "GQL-HTML", "till", sign(e.partnerSecret, "GQL-HTML", "till"))
	if res.Status != http.StatusOK || string(res.Body) != page {
		t.Errorf("REST page differs from Receipt.html (%d)", res.Status)
	}
	m := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
	if csp := res.Header.Get("Content-Security-Policy"); m == nil || html.UnescapeString(m[1]) != csp {
		t.Errorf("the page does not carry its policy %q:\n%.600s", csp, page)
	}
}
