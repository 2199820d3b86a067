package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/resolvers"
	"loyaltygraph/store/postgres"
)

// statementCounter counts the SQL statements run on behalf of the requests
// whose context carries it.
type statementCounter struct{ n atomic.Int64 }

type counterKey struct{}

// countingTracer counts every query and batched query of a counted context.
type countingTracer struct{}

func (countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if c, ok := ctx.Value(counterKey{}).(*statementCounter); ok {
		c.n.Add(1)
	}
	return ctx
}
func (countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (countingTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}
func (countingTracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchQueryData) {
	if c, ok := ctx.Value(counterKey{}).(*statementCounter); ok {
		c.n.Add(1)
	}
}
func (countingTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// planWorld is an app on a traced pool with 100 merchants of one
// settlement client, each with stores, companies, categories with
// products, and settlements.
type planWorld struct {
	app   http.Handler
	authz string
}

var (
	planOnce   sync.Once
	planWorldV *planWorld
)

func getPlanWorld(t *testing.T) *planWorld {
	t.Helper()
	planOnce.Do(func() { planWorldV = newPlanWorld(t) })
	if planWorldV == nil {
		t.Fatal("plan world: set-up failed earlier")
	}
	return planWorldV
}

func newPlanWorld(t *testing.T) *planWorld {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.DatabaseURL(t), func(c *pgxpool.Config) { c.ConnConfig.Tracer = countingTracer{} })
	if err != nil {
		t.Fatal(err)
	}
	a := testenv.AppOn(t, db, wire.Options{})
	cred := testenv.Credential(t, a, auth.KindSettlement)
	w := &planWorld{app: a.Handler, authz: testenv.BasicAuth(cred.Username, cred.Secret)}
	var ids []string
	for i := range 100 {
		status := "active"
		if i%10 == 9 {
			status = "disabled"
		}
		r := testenv.Do(t, w.app, http.MethodPost, "/api/v1/merchants",
			map[string]any{"merchantName": fmt.Sprintf("Plan \"Merchant\" <%03d> \\ é", i), "merchantStatus": status},
			"Authorization", w.authz)
		if r.Status != http.StatusCreated {
			t.Fatalf("create merchant: %d %s", r.Status, r.Body)
		}
		var m struct{ MerchantID string }
		r.JSON(t, &m)
		ids = append(ids, m.MerchantID)
	}
	// Merchants 0, 50 and 99 have no stores; the others up to 12, with
	// shares of every scale.
	_, err = db.Pool.Exec(ctx, `
INSERT INTO stores (store_id, merchant_id, store_number, name, user_share, user_share_type,
                    provider_share, provider_share_type, source, created_at, updated_at)
SELECT md5(m || '/' || i), m, 'P' || substr(md5(m || '#' || i), 1, 12), E'Store\t' || i || ' "q"',
       ((i * 7.37)::numeric % 100)::numeric(5, 2), CASE WHEN i % 3 = 0 THEN 'fixed_amount' ELSE 'percentage' END,
       (i * 0.05)::numeric(5, 2), CASE WHEN i % 4 = 1 THEN 'derived' ELSE 'percentage' END,
       CASE WHEN i % 5 = 0 THEN 'receipt' ELSE 'transaction' END, now() - i * interval '1 day', now()
FROM unnest($1::text[]) WITH ORDINALITY AS t(m, k), generate_series(0, (k % 13)::int - 1) i
WHERE k NOT IN (1, 51, 100)`, ids)
	if err != nil {
		t.Fatalf("seed stores: %v", err)
	}
	_, err = db.Pool.Exec(ctx, `
INSERT INTO companies (company_id, merchant_id, name, registration_number, user_share, user_share_type,
                       provider_share, provider_share_type, created_at, updated_at)
SELECT md5('c' || m || i), m, 'Company ' || i, lpad((k * 10 + i)::text, 8, '0'), 1.5, 'percentage', 2, 'percentage', now(), now()
FROM unnest($1::text[]) WITH ORDINALITY AS t(m, k), generate_series(0, 1) i`, ids)
	if err != nil {
		t.Fatalf("seed companies: %v", err)
	}
	_, err = db.Pool.Exec(ctx, `
INSERT INTO settlements (settlement_id, merchant_id, source, transaction_id, transaction_at, processed_at,
                         amount, currency, user_share, provider_share, user_share_type, provider_share_type, user_id)
SELECT md5('s' || m || i), m, 'transaction', md5('t' || m || i), now(), now(), 100, 'DKK', 1, 2, 'percentage', 'percentage', 'u1'
FROM unnest($1::text[]) AS t(m), generate_series(0, 2) i`, ids)
	if err != nil {
		t.Fatalf("seed settlements: %v", err)
	}
	return w
}

// post runs query (with vars) as authz and returns status, body and the
// number of SQL statements it ran.
func (w *planWorld) post(t *testing.T, authz, query string, vars map[string]any, general bool) (int, []byte, int64) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	c := &statementCounter{}
	ctx := context.WithValue(req.Context(), counterKey{}, c)
	if general {
		ctx = resolvers.WithoutPlans(ctx)
	}
	rec := httptest.NewRecorder()
	w.app.ServeHTTP(rec, req.WithContext(ctx))
	return rec.Code, rec.Body.Bytes(), c.n.Load()
}

const planStoreFields = `id storeId merchantId storeNumber name userShare userShareType providerShare providerShareType source createdAt updatedAt __typename`

// TestPlannedMatchesGeneralPath runs every query shape that the merchant
// list's plan compiles, planned and down the general path, and requires
// the same status and the same bytes; and checks that shapes it does not
// compile, and callers it does not serve, still get the general path's
// answer.
func TestPlannedMatchesGeneralPath(t *testing.T) {
	w := getPlanWorld(t)
	planned := []struct {
		query string
		vars  map[string]any
	}{
		{`{ merchants(first: 100) { nodes { merchantId merchantName merchantStatus stores(first: 12) { nodes { storeId storeNumber name userShare providerShare } } } } }`, nil},
		{`{ merchants { nodes { merchantId } } }`, nil},
		{`{ merchants(first: 12) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename } __typename nodes { id merchantId merchantName merchantStatus createdAt updatedAt __typename stores { __typename totalCount nodes { ` + planStoreFields + ` } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } } }`, nil},
		{`query Q($f: Int, $a: String) { merchants(first: 30) { nodes { merchantId stores(first: $f, after: $a) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { storeId } } } } }`,
			map[string]any{"f": 3, "a": resolvers.OffsetCursor(1)}},
		{`query Q($n: Int, $a: String) { list: merchants(first: $n, after: $a) { count: totalCount items: nodes { mid: merchantId s: stores { nodes { a: storeId b: userShare c: providerShare } } } pageInfo { endCursor hasNextPage } } }`,
			map[string]any{"n": 7, "a": resolvers.OffsetCursor(44)}},
		{`query Q($n: Int) { merchants(first: $n) { nodes { merchantId stores { nodes { storeId } } } pageInfo { startCursor } } }`, map[string]any{"n": 0}},
		{`query Q($a: String) { merchants(first: 100, after: $a) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { merchantId } } }`,
			map[string]any{"a": resolvers.OffsetCursor(98)}},
		{`query Q($a: String) { merchants(first: 5, after: $a) { totalCount pageInfo { hasNextPage startCursor } nodes { merchantId } } }`,
			map[string]any{"a": resolvers.OffsetCursor(500)}},
	}
	for _, q := range planned {
		before := resolvers.PlannedRuns()
		st1, got, _ := w.post(t, w.authz, q.query, q.vars, false)
		if resolvers.PlannedRuns() != before+1 {
			t.Errorf("not planned: %s", q.query)
		}
		st2, want, _ := w.post(t, w.authz, q.query, q.vars, true)
		if st1 != st2 || !bytes.Equal(got, want) {
			t.Errorf("%s\nplanned %d %.600s\ngeneral %d %.600s", q.query, st1, got, st2, want)
		}
	}
	// Shapes the plan leaves to the general path, and callers it cannot
	// serve (errors come from the general path): the same answer either way.
	general := []struct {
		authz, query string
		vars         map[string]any
	}{
		{w.authz, `{ merchants { edges { node { merchantId } } } }`, nil},
		{w.authz, `{ merchants { nodes { ... on Merchant { merchantId } } } }`, nil},
		{w.authz, `{ merchants { nodes { merchantId @include(if: true) } } }`, nil},
		{w.authz, `{ merchants { nodes { merchantId companies { nodes { companyId } } } } }`, nil},
		{w.authz, `{ a: merchants { totalCount } b: merchants { totalCount } }`, nil},
		{w.authz, `{ merchants(first: 101) { nodes { merchantId } } }`, nil},
		{w.authz, `{ merchants(first: 1) { nodes { merchantId stores(first: 101) { nodes { storeId } } } } }`, nil},
		{w.authz, `{ merchants(first: 1) { nodes { merchantId stores(after: "nonsense") { nodes { storeId } } } } }`, nil},
		{w.authz, `{ merchants(first: 5) { nodes { a: stores(first: 1) { nodes { storeId } } b: stores(first: 2) { nodes { storeId } } } } }`, nil},
		{w.authz, `{ merchants(first: 5) { nodes { stores { edges { cursor node { storeId } } } } } }`, nil},
		{w.authz, `{ merchants(after: "nonsense") { nodes { merchantId } } }`, nil},
		{"", `{ merchants { nodes { merchantId stores { nodes { storeId } } } } }`, nil},
		{testenv.BasicAuth("nobody", "wrong"), `{ merchants { nodes { merchantId } } }`, nil},
	}
	for _, q := range general {
		before := resolvers.PlannedRuns()
		st1, got, _ := w.post(t, q.authz, q.query, q.vars, false)
		if resolvers.PlannedRuns() != before {
			t.Errorf("planned, but should not be: %s", q.query)
		}
		st2, want, _ := w.post(t, q.authz, q.query, q.vars, true)
		if st1 != st2 || !bytes.Equal(got, want) {
			t.Errorf("%s\nwith plans %d %.600s\ngeneral    %d %.600s", q.query, st1, got, st2, want)
		}
	}
}

// TestStatementsPerRequestDoNotGrowWithTheList counts the SQL statements of
// one request through a pgx tracer: the merchant list with its stores
// (planned and general), the merchant model nested under it, and
// settlements with their merchants' model, for pages of 10 and 100.
func TestStatementsPerRequestDoNotGrowWithTheList(t *testing.T) {
	w := getPlanWorld(t)
	queries := []struct {
		name, query string
		general     bool
		max         int64
	}{
		{"merchants with stores (planned)", `query Q($n: Int) { merchants(first: $n) { nodes { merchantId merchantName merchantStatus stores(first: 12) { nodes { storeId storeNumber name userShare providerShare } } } } }`, false, 2},
		{"merchants with stores (general path)", `query Q($n: Int) { merchants(first: $n) { nodes { merchantId merchantName merchantStatus stores(first: 12) { nodes { storeId storeNumber name userShare providerShare } } } } }`, true, 2},
		{"merchant model", `query Q($n: Int) { merchants(first: $n) { totalCount nodes { id merchantId companies(first: 3) { nodes { companyId } } stores(first: 3) { nodes { storeId } } categories(first: 3) { nodes { categoryId products(first: 3) { nodes { productId } } } } campaigns(first: 3) { nodes { campaignId } } derivedShares(first: 3) { nodes { derivedShareId } } } } }`, false, 7},
		{"settlements with their merchants", `query Q($n: Int) { settlements(first: $n) { nodes { settlementId merchant { merchantId merchantName stores { nodes { storeId } } companies { nodes { companyId } } } } } }`, false, 5},
	}
	for _, q := range queries {
		var counts []int64
		for _, n := range []int{10, 100} {
			status, body, c := w.post(t, w.authz, q.query, map[string]any{"n": n}, q.general)
			if status != http.StatusOK || bytes.Contains(body, []byte(`"errors"`)) {
				t.Fatalf("%s (first %d): %d %.500s", q.name, n, status, body)
			}
			counts = append(counts, c)
		}
		t.Logf("%s: %d statements for 10, %d for 100", q.name, counts[0], counts[1])
		if counts[0] != counts[1] {
			t.Errorf("%s: %d statements for a page of 10, %d for 100", q.name, counts[0], counts[1])
		}
		if counts[1] == 0 || counts[1] > q.max {
			t.Errorf("%s: %d statements, want 1 to %d", q.name, counts[1], q.max)
		}
	}
}
