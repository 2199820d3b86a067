package outage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/postgres"
)

// upload posts a body that write produces, as a client streaming it does
// (no Content-Length), and returns the answer.
func (s *service) upload(path, contentType, authorization string, write func(w io.Writer) error, meanwhile func()) answer {
	s.t.Helper()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw)) }()
	done := make(chan struct{})
	go func() { defer close(done); meanwhile() }()
	defer func() { <-done }()
	req, err := http.NewRequest("POST", s.url+path, pr)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", authorization)
	res, err := http.DefaultClient.Do(req)
	pr.Close()
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, header: res.Header, body: string(b)}
}

// count counts rows of table once PostgreSQL answers again.
func count(t *testing.T, db *postgres.DB, table string) int {
	t.Helper()
	var n int
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n)
		if err == nil {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("count %s: %v", table, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// expectUnavailable checks an outage answer of the Storebox families.
func expectUnavailable(t *testing.T, what string, a answer) {
	t.Helper()
	if !storeboxDown(a) || a.header.Get("Retry-After") == "" {
		t.Fatalf("%s: %d %v %s, want 503 with Retry-After", what, a.status, a.header, a.body)
	}
	for _, bad := range driverText {
		if strings.Contains(a.body, bad) {
			t.Fatalf("%s: the answer carries driver text %q: %s", what, bad, a.body)
		}
	}
}

// TestPostgresOutageDuringALargeBatchStoresNothing: PostgreSQL stops while
// a large transaction batch is being stored; the batch answers 503 and
// none of it is kept.
func TestPostgresOutageDuringALargeBatchStoresNothing(t *testing.T) {
	pg := testenv.StartPostgres(t)
	db, err := postgres.Open(context.Background(), pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	s := newService(t, db, testenv.Redis(t))
	c := testenv.Credential(t, s.app, auth.KindSettlement)
	basic := testenv.BasicAuth(c.Username, c.Secret)

	const before, total = 100_000, 1_000_000
	halfway := make(chan struct{})
	resume := make(chan struct{})
	a := s.upload("/api/v1/transactions/batches", "text/csv", basic, func(w io.Writer) error {
		if _, err := io.WriteString(w, "transactionId,amount,currency,transactionDateTime\n"); err != nil {
			return err
		}
		var b strings.Builder
		for i := range total {
			if i == before {
				close(halfway)
				<-resume
			}
			fmt.Fprintf(&b, "outage-%07d,1.00,DKK,2024-05-18T10:00:00Z\n", i)
			if b.Len() > 32<<10 {
				if _, err := io.WriteString(w, b.String()); err != nil {
					return nil // the server answered and stopped reading
				}
				b.Reset()
			}
		}
		_, err := io.WriteString(w, b.String())
		if err != nil {
			return nil
		}
		return nil
	}, func() {
		<-halfway
		// Let the server store what it read so far, in its transaction.
		time.Sleep(500 * time.Millisecond)
		pg.Stop(t)
		close(resume)
	})
	expectUnavailable(t, "batch cut by the outage", a)

	pg.Start(t)
	if n := count(t, db, "transactions"); n != 0 {
		t.Fatalf("%d transactions of the failed batch were stored", n)
	}
	if n := count(t, db, "transaction_batches"); n != 0 {
		t.Fatalf("%d batches were stored", n)
	}
}

// TestPostgresOutageDuringAReceiptUploadStoresNothing: PostgreSQL stops
// while a POS uploads a receipt; it answers 503, the receipt is not kept,
// and the same receipt is stored once PostgreSQL is back.
func TestPostgresOutageDuringAReceiptUploadStoresNothing(t *testing.T) {
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	s := newService(t, db, testenv.Redis(t))
	if _, err := db.Pool.Exec(ctx, `INSERT INTO merchants (merchant_id, name) VALUES ('moutage', 'Outage Bakery')`); err != nil {
		t.Fatal(err)
	}
	pos, err := s.app.Auth.CreatePOSCredential(ctx, "till", "moutage")
	if err != nil {
		t.Fatal(err)
	}
	basic := testenv.BasicAuth(pos.Username, pos.Secret)
	var lines []any
	for i := range 1000 {
		lines = append(lines, map[string]any{"lineNumber": i + 1, "name": fmt.Sprintf("Bread %d", i), "count": 1,
			"itemPrice": "1.00", "totalPrice": "1.00", "vatRate": 25})
	}
	body, err := json.Marshal(map[string]any{
		"externalReceiptId": "outage-1", "externalReceiptIdType": "till", "purchaseDateTime": "2026-11-01T10:34:23+02:00",
		"storeId": "s1", "storeName": "Outage Bakery",
		"totalOrderPrice": map[string]any{"amount": "1000.00", "currency": "DKK", "vatRates": []any{map[string]any{"rate": 25, "value": "200.00"}}},
		"receiptLines":    lines,
		"payments":        []any{map[string]any{"type": "CASH", "amount": "1000.00"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The credential is checked (and remembered) before the outage.
	if a := s.do("GET", "/api/v1/merchants", "", "Authorization", basic); a.status == http.StatusServiceUnavailable {
		t.Fatalf("warm-up: %d %s", a.status, a.body)
	}
	halfway := make(chan struct{})
	resume := make(chan struct{})
	a := s.upload("/api/receipt-receiver/v2/receipts", "application/json", basic, func(w io.Writer) error {
		if _, err := w.Write(body[:len(body)/2]); err != nil {
			return err
		}
		close(halfway)
		<-resume
		_, err := w.Write(body[len(body)/2:])
		return err
	}, func() {
		<-halfway
		time.Sleep(100 * time.Millisecond)
		pg.Stop(t)
		close(resume)
	})
	expectUnavailable(t, "receipt cut by the outage", a)

	pg.Start(t)
	if n := count(t, db, "receipts"); n != 0 {
		t.Fatalf("%d receipts were stored", n)
	}
	a = s.upload("/api/receipt-receiver/v2/receipts", "application/json", basic, func(w io.Writer) error {
		_, err := w.Write(body)
		return err
	}, func() {})
	if a.status != http.StatusCreated {
		t.Fatalf("the receipt after the outage: %d %s", a.status, a.body)
	}
	if n := count(t, db, "receipts"); n != 1 {
		t.Fatalf("%d receipts stored, want 1", n)
	}
}
