package outage_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
)

// TestCancelledGraphQLRequestsPanicNothing: clients that give up on
// GraphQL requests mid-flight (here: while the database holds their
// statements behind a lock, and at random moments of fast ones) leave no
// panic and no error in the log; each is logged at debug as 499.
func TestCancelledGraphQLRequestsPanicNothing(t *testing.T) {
	db := testenv.DB(t)
	s := newService(t, db, testenv.Redis(t))
	c := testenv.Credential(t, s.app, auth.KindSettlement)
	basic := testenv.BasicAuth(c.Username, c.Secret)
	queries := []string{
		`{ merchants(first: 5) { totalCount nodes { merchantId merchantName } } }`,
		`{ a: merchants(first: 1) { totalCount } b: merchants(first: 2) { nodes { merchantId } } }`,
		`mutation { createMerchant(input: {merchantName: "Cancelled"}) { merchant { merchantId } userErrors { code } } }`,
	}
	send := func(ctx context.Context, q string) {
		body, _ := json.Marshal(map[string]any{"query": q})
		req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", basic)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}
	send(context.Background(), queries[0]) // the credential is checked once

	// Statements wait behind a lock until their clients give up.
	tx, err := db.Pool.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(context.Background(), `LOCK TABLE merchants IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			send(ctx, queries[i%len(queries)])
		}()
	}
	wg.Wait()
	if err := tx.Rollback(context.Background()); err != nil {
		t.Fatal(err)
	}
	// And at any moment of requests that run.
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%12)*time.Millisecond)
			defer cancel()
			send(ctx, queries[i%len(queries)])
		}()
	}
	wg.Wait()
	time.Sleep(500 * time.Millisecond) // the server finishes the requests its clients left

	var cancelled int
	for _, r := range s.records() {
		if r.Level == "ERROR" || r.Level == "WARN" || strings.Contains(r.raw, "panic") {
			t.Errorf("logged: %s", r.raw)
		}
		if strings.Contains(r.raw, `"status":499`) {
			cancelled++
			if r.Level != "DEBUG" {
				t.Errorf("a client disconnect logged at %s: %s", r.Level, r.raw)
			}
		}
	}
	if cancelled < 24 {
		t.Errorf("%d requests logged as 499, want at least the 24 held by the lock", cancelled)
	}
}
