package settlement_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
)

// limitClient is a settlement client of an app built with opts.
func limitClient(t *testing.T, opts wire.Options) client {
	a := testenv.AppWith(t, opts)
	cred := testenv.Credential(t, a, auth.KindSettlement)
	return client{t: t, h: a.Handler, auth: testenv.BasicAuth(cred.Username, cred.Secret)}
}

// batchCount is the number of transaction batches stored.
func batchCount(c client) int {
	c.t.Helper()
	var list []map[string]any
	c.must("GET", "/api/v1/transactions/batches", nil, 200).JSON(c.t, &list)
	return len(list)
}

// csvRows is a CSV batch of n unmatched transactions with ids prefix-i.
func csvRows(prefix string, n int) string {
	var b strings.Builder
	b.WriteString("transactionId,amount,currency,transactionDateTime\n")
	for i := range n {
		fmt.Fprintf(&b, "%s-%07d,1.00,DKK,2024-05-18T10:00:00Z\n", prefix, i)
	}
	return b.String()
}

// postBatch posts body to the ingest route; streamed hides its length, as a
// client sending chunks does.
func postBatch(c client, body, contentType string, streamed bool) *testenv.Response {
	c.t.Helper()
	var rd io.Reader = strings.NewReader(body)
	if streamed {
		rd = io.MultiReader(rd) // no Content-Length
	}
	req := httptest.NewRequest("POST", "/api/v1/transactions/batches", rd)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", c.auth)
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	return &testenv.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// A transaction batch over the configured limit answers 413 in the
// Storebox error shape and stores nothing, whether its length is declared
// or only found while reading it: more than one chunk of it had been
// written in the batch's database transaction when the limit was reached.
func TestIngestOverTheBodyLimitIs413AndStoresNothing(t *testing.T) {
	const limit = 512 << 10
	c := limitClient(t, wire.Options{IngestMaxBytes: limit})
	before := batchCount(c)
	body := csvRows("over", 20000) // ~ 750 KiB: 14,000 rows fit under the limit
	if len(body) <= limit {
		t.Fatalf("body of %d bytes is not over the limit", len(body))
	}
	for _, streamed := range []bool{false, true} {
		r := postBatch(c, body, "text/csv", streamed)
		wantError(t, r, http.StatusRequestEntityTooLarge, "too_large", "")
		if !strings.Contains(r.Object(t)["message"].(string), fmt.Sprint(limit)) {
			t.Fatalf("message does not give the limit: %s", r.Body)
		}
	}
	// JSON too, with the limit reached inside a transaction.
	var js strings.Builder
	js.WriteString(`{"transactions":[`)
	for i := range 12000 {
		if i > 0 {
			js.WriteString(",")
		}
		fmt.Fprintf(&js, `{"transactionId":"overjs-%07d","amount":1,"currency":"DKK","transactionDateTime":"2024-05-18T10:00:00Z"}`, i)
	}
	js.WriteString("]}")
	wantError(t, postBatch(c, js.String(), "application/json", true), http.StatusRequestEntityTooLarge, "too_large", "")
	if after := batchCount(c); after != before {
		t.Fatalf("an oversized batch was stored: %d batches → %d", before, after)
	}
	// Under the limit the same route stores the batch.
	r := postBatch(c, csvRows("under", 100), "text/csv", true)
	if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"transactions":100`) {
		t.Fatalf("batch under the limit: %d %s", r.Status, r.Body)
	}
}

// The ingest route takes bodies beyond the 4 MiB that caps every other
// route, which still refuses them.
func TestOnlyTheIngestRouteTakesLargeBodies(t *testing.T) {
	c := limitClient(t, wire.Options{})
	padding := strings.Repeat("x", 5<<20)
	body := `{"padding":"` + padding + `","transactions":[{"transactionId":"large-1","amount":"1.00","currency":"DKK","transactionDateTime":"2024-05-18T10:00:00Z"}]}`
	r := postBatch(c, body, "application/json", true)
	if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"transactions":1`) {
		t.Fatalf("5 MiB batch: %d %.300s", r.Status, r.Body)
	}
	for _, path := range []string{"/api/v1/merchants", "/api/v1/companies"} {
		r := testenv.Do(t, c.h, "POST", path, `{"merchantName":"`+padding+`"}`, "Authorization", c.auth)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "larger than") {
			t.Fatalf("POST %s with 5 MiB: %d %.300s", path, r.Status, r.Body)
		}
	}
}
