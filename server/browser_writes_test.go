package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"loyaltygraph/internal/testenv"
)

// raw sends a request with exactly the given body and headers (no default
// Content-Type).
func raw(t *testing.T, h http.Handler, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func wantStoreboxError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	var body struct{ Code, Message, Field string }
	if rec.Code != status || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Code != code || body.Message == "" {
		t.Fatalf("got %d %s, want %d with code %s", rec.Code, rec.Body, status, code)
	}
}

// TestWritesNeedJSONBodies: a REST write with a body must declare
// application/json (or CSV / form where the route documents it); HTML forms
// of other sites cannot post to the API.
func TestWritesNeedJSONBodies(t *testing.T) {
	f := newFixture(t)
	h := f.app.Handler
	merchant := `{"merchantId":"m-ct","merchantName":"Shop","merchantStatus":"active","country":"DK"}`
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/csv"} {
		rec := raw(t, h, "POST", "/api/v1/merchants", merchant, "Authorization", f.settlement, "Content-Type", ct)
		wantStoreboxError(t, rec, http.StatusUnsupportedMediaType, "unsupported_media_type")
		if strings.Contains(rec.Body.String(), "m-ct") {
			t.Fatalf("refused body echoed: %s", rec.Body)
		}
	}
	// Unauthenticated callers get 415 too: the media type is checked first.
	wantStoreboxError(t, raw(t, h, "PUT", "/api/v1/users/abc", `{}`, "Content-Type", "text/plain"),
		http.StatusUnsupportedMediaType, "unsupported_media_type")
	wantStoreboxError(t, raw(t, h, "PATCH", "/api/v1/merchants/m-ct", `{}`, "Authorization", f.settlement),
		http.StatusUnsupportedMediaType, "unsupported_media_type")
	wantStoreboxError(t, raw(t, h, "DELETE", "/api/v1/merchants/m-ct", `{}`, "Authorization", f.settlement, "Content-Type", "text/plain"),
		http.StatusUnsupportedMediaType, "unsupported_media_type")
	// The terms form type is allowed on the terms route only.
	wantStoreboxError(t, raw(t, h, "POST", "/api/v1/signup", "phonenumber=4520000001", "Authorization", f.partner,
		"Content-Type", "application/x-www-form-urlencoded"), http.StatusUnsupportedMediaType, "unsupported_media_type")

	if rec := raw(t, h, "POST", "/api/v1/merchants", merchant, "Authorization", f.settlement, "Content-Type", "application/json; charset=utf-8"); rec.Code != http.StatusCreated {
		t.Fatalf("JSON create: %d %s", rec.Code, rec.Body)
	}
	// CSV is documented for transaction ingestion.
	csv := "transactionId,amount,currency,transactionDateTime,cardAcceptorId\nct-1,10.00,DKK,2024-05-18T08:00:00Z,S1\n"
	if rec := raw(t, h, "POST", "/api/v1/transactions/batches", csv, "Authorization", f.settlement, "Content-Type", "text/csv"); rec.Code != http.StatusCreated {
		t.Fatalf("CSV ingestion: %d %s", rec.Code, rec.Body)
	}
	wantStoreboxError(t, raw(t, h, "POST", "/api/v1/transactions/batches", csv, "Authorization", f.settlement),
		http.StatusUnsupportedMediaType, "unsupported_media_type")
	// The documented body-less POSTs need no Content-Type.
	if rec := raw(t, h, "POST", "/api/v1/settlements/batches", "", "Authorization", f.settlement); rec.Code != http.StatusCreated {
		t.Fatalf("create settlement batch: %d %s", rec.Code, rec.Body)
	}
	if rec := raw(t, h, "POST", "/api/v1/merchants/settle", "", "Authorization", f.settlement); rec.Code != http.StatusOK && rec.Code != http.StatusCreated {
		t.Fatalf("settle merchants: %d %s", rec.Code, rec.Body)
	}
	if rec := raw(t, h, "DELETE", "/api/v1/merchants/m-ct", "", "Authorization", f.settlement); rec.Code >= 400 {
		t.Fatalf("body-less delete: %d %s", rec.Code, rec.Body)
	}
}

// TestCrossSiteWritesAreRefused: whatever the credentials and media type, a
// write a browser marks cross-site is refused; reads and same-origin writes
// are not.
func TestCrossSiteWritesAreRefused(t *testing.T) {
	f := newFixture(t)
	h := f.app.Handler
	merchant := `{"merchantId":"m-cs","merchantName":"Shop","merchantStatus":"active","country":"DK"}`
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		path := "/api/v1/merchants/m-cs"
		if m == "POST" {
			path = "/api/v1/merchants"
		}
		wantStoreboxError(t, raw(t, h, m, path, merchant, "Authorization", f.settlement, "Content-Type", "application/json",
			"Sec-Fetch-Site", "cross-site"), http.StatusForbidden, "forbidden")
	}
	wantStoreboxError(t, raw(t, h, "POST", "/api/v1/settlements/batches", "", "Authorization", f.settlement, "Sec-Fetch-Site", "cross-site"),
		http.StatusForbidden, "forbidden")
	wantStoreboxError(t, raw(t, h, "POST", "/api/v1/signup/terms", "linkCode=abc", "Content-Type", "application/x-www-form-urlencoded",
		"Sec-Fetch-Site", "cross-site"), http.StatusForbidden, "forbidden")
	rec := raw(t, h, "POST", "/graphql", `{"query":"mutation { deleteMerchant(merchantId: \"x\") { deletedMerchantId } }"}`,
		"Authorization", f.settlement, "Content-Type", "application/json", "Sec-Fetch-Site", "cross-site")
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), `"FORBIDDEN"`) {
		t.Fatalf("cross-site GraphQL write: %d %s", rec.Code, rec.Body)
	}
	// Reads, and writes from our own pages or from non-browsers, pass.
	if rec := raw(t, h, "GET", "/api/v1/merchants", "", "Authorization", f.settlement, "Sec-Fetch-Site", "cross-site"); rec.Code != http.StatusOK {
		t.Fatalf("cross-site read: %d %s", rec.Code, rec.Body)
	}
	for _, site := range []string{"same-origin", "same-site", "none", ""} {
		resp := testenv.Do(t, h, "POST", "/api/v1/merchants", json.RawMessage(strings.Replace(merchant, "m-cs", "m-cs-"+site, 1)),
			"Authorization", f.settlement, "Sec-Fetch-Site", site)
		if resp.Status != http.StatusCreated {
			t.Fatalf("Sec-Fetch-Site %q: %d %s", site, resp.Status, resp.Body)
		}
	}
}

// TestUnauthorizedSendsNoBasicChallenge: a 401 must not make browsers
// prompt for, cache and replay Basic credentials.
func TestUnauthorizedSendsNoBasicChallenge(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/api/v1/merchants", "/api/v1/users/abc", "/api/v1/settlements?startdate=2024-01-01&enddate=2024-01-02"} {
		for _, authz := range []string{"", testenv.BasicAuth("nobody", "wrong")} {
			rec := raw(t, f.app.Handler, "GET", path, "", "Authorization", authz)
			if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") != "" {
				t.Fatalf("%s: %d WWW-Authenticate %q", path, rec.Code, rec.Header().Get("WWW-Authenticate"))
			}
		}
	}
}

// TestBodyOfUnknownLength: a chunked body is judged by its bytes; an empty
// one needs no Content-Type, a JSON one still arrives whole.
func TestBodyOfUnknownLength(t *testing.T) {
	f := newFixture(t)
	chunked := func(body, ct string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/v1/settlements/batches", strings.NewReader(body))
		if body == "" {
			req = httptest.NewRequest("POST", "/api/v1/merchants", io.NopCloser(strings.NewReader("")))
		}
		req.ContentLength = -1
		req.Header.Set("Authorization", f.settlement)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		f.app.Handler.ServeHTTP(rec, req)
		return rec
	}
	// An empty body of unknown length is no body: the merchant create
	// answers its own 400 (no JSON), not 415.
	if rec := chunked("", ""); rec.Code != http.StatusBadRequest {
		t.Fatalf("empty chunked body: %d %s", rec.Code, rec.Body)
	}
	wantStoreboxError(t, chunked(`{"x":1}`, ""), http.StatusUnsupportedMediaType, "unsupported_media_type")
	req := httptest.NewRequest("POST", "/api/v1/merchants", io.NopCloser(strings.NewReader(`{"merchantId":"m-chunk","merchantName":"Chunked"}`)))
	req.ContentLength = -1
	req.Header.Set("Authorization", f.settlement)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	f.app.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), "m-chunk") {
		t.Fatalf("chunked JSON create: %d %s", rec.Code, rec.Body)
	}
}
