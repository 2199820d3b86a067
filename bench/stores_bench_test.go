package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"loyaltygraph/resolvers"
)

// The merchant list with its stores (issue 13): 100 merchants with 10
// stores each, one GraphQL query for all of them (a 129 KB answer), next to
// a hand-written net/http handler that serves the same bytes from one join.

// storesPerMerchant is how many stores each seeded merchant gets.
const storesPerMerchant = 10

const (
	storesQuery = `{ merchants(first: 100) { nodes { merchantId merchantName merchantStatus stores(first: 10) { nodes { storeId storeNumber name userShare providerShare } } } } }`
	// handStoresPath serves handStoresSQL as the GraphQL answer's bytes.
	handStoresPath = "/hand/merchant-stores"
	// handStoresSQL is what a hand-written handler runs: one join.
	handStoresSQL = `SELECT m.merchant_id, m.name, m.status, s.store_id, s.store_number, s.name, s.user_share, s.provider_share
FROM (SELECT merchant_id, name, status FROM merchants ORDER BY merchant_id LIMIT $1) m
LEFT JOIN stores s ON s.merchant_id = m.merchant_id
ORDER BY m.merchant_id, s.store_id`
	// handRESTPath serves the REST merchant list's shape (merchants with
	// their companies and campaigns) like GET /api/v1/merchants?limit=100.
	handRESTPath = "/hand/merchants"
)

var storesBody = func() []byte {
	b, err := json.Marshal(map[string]string{"query": storesQuery})
	if err != nil {
		panic(err)
	}
	return b
}()

var storesOnce sync.Once

// getStoresFixture is getFixture with storesPerMerchant stores for every
// merchant (inserted with SQL: the REST and GraphQL paths that create
// stores are not what is measured).
func getStoresFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := getFixture(tb)
	storesOnce.Do(func() {
		_, err := f.pool.Exec(context.Background(), `
INSERT INTO stores (store_id, merchant_id, store_number, name, user_share, user_share_type,
                    provider_share, provider_share_type, source, created_at, updated_at)
SELECT md5(m.merchant_id || '/' || i), m.merchant_id, 'B' || substr(md5(m.merchant_id || '#' || i), 1, 12),
       'Bench Store ' || i || ' of ' || m.name, (i * 1.25)::numeric(5, 2), 'percentage',
       (0.5 + i)::numeric(5, 2), 'percentage', 'transaction', now(), now()
FROM merchants m, generate_series(0, $1 - 1) i
ON CONFLICT DO NOTHING`, storesPerMerchant)
		if err != nil {
			tb.Fatalf("seed stores: %v", err)
		}
	})
	var n int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM stores`).Scan(&n); err != nil || n != listSize*storesPerMerchant {
		tb.Fatalf("database holds %d stores (%v), want %d", n, err, listSize*storesPerMerchant)
	}
	return f
}

// storesTargets are the GraphQL query and the hand-written handler.
func storesTargets(f *fixture) []target {
	return []target{
		{
			name: "graphql", method: http.MethodPost, path: "/graphql", body: storesBody,
			headers: []string{"Content-Type", "application/json", "Accept", "application/graphql-response+json", "Authorization", f.authz},
			// authed is false: the general path allocates more than an
			// argon2 hash per request, so B/op cannot tell whether it
			// hashes; TestBenchPathsAgree checks the same credential path.
			handler: f.app, ids: graphqlIDs,
		},
		{
			name: "graphql-general", method: http.MethodPost, path: "/graphql", body: storesBody,
			headers: []string{"Content-Type", "application/json", "Accept", "application/graphql-response+json", "Authorization", f.authz},
			handler: withoutPlans(f.app), ids: graphqlIDs,
		},
		{
			name: "handwritten", method: http.MethodGet, path: handStoresPath,
			headers: []string{"Accept", "application/json"},
			handler: handHandler(f.pool), ids: graphqlIDs,
		},
	}
}

// handHandler serves the hand-written handlers: handStoresPath and
// handRESTPath.
func handHandler(pool *pgxpool.Pool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+handStoresPath, handStores(pool))
	mux.Handle("GET "+handRESTPath, handREST(pool))
	mux.Handle("GET "+minimalPath, minimalHandler(pool))
	return mux
}

type handStore struct {
	StoreID       string `json:"storeId"`
	StoreNumber   string `json:"storeNumber"`
	Name          string `json:"name"`
	UserShare     string `json:"userShare"`
	ProviderShare string `json:"providerShare"`
}

type handMerchant struct {
	MerchantID     string        `json:"merchantId"`
	MerchantName   string        `json:"merchantName"`
	MerchantStatus string        `json:"merchantStatus"`
	Stores         handStorePage `json:"stores"`
}

// handStorePage is a merchant's page of stores, as the StoreConnection's
// nodes.
type handStorePage struct {
	Nodes []handStore `json:"nodes"`
}

// handStores is the floor of the stores query: one join, encoding/json,
// no auth, no middleware, no domain layer.
func handStores(pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := pool.Query(r.Context(), handStoresSQL, listSize)
		if err != nil {
			http.Error(w, "query failed", http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		out := make([]*handMerchant, 0, listSize)
		var (
			id, name, status   string
			sid, number, sname *string
			user, provider     decimal.NullDecimal
		)
		for rows.Next() {
			if err := rows.Scan(&id, &name, &status, &sid, &number, &sname, &user, &provider); err != nil {
				http.Error(w, "scan failed", http.StatusInternalServerError)
				return
			}
			if len(out) == 0 || out[len(out)-1].MerchantID != id {
				out = append(out, &handMerchant{MerchantID: id, MerchantName: name, MerchantStatus: strings.ToUpper(status), Stores: handStorePage{Nodes: []handStore{}}})
			}
			if sid != nil {
				m := out[len(out)-1]
				m.Stores.Nodes = append(m.Stores.Nodes, handStore{StoreID: *sid, StoreNumber: *number, Name: *sname,
					UserShare: user.Decimal.String(), ProviderShare: provider.Decimal.String()})
			}
		}
		if rows.Err() != nil {
			http.Error(w, "query failed", http.StatusInternalServerError)
			return
		}
		var resp struct {
			Data struct {
				Merchants struct {
					Nodes []*handMerchant `json:"nodes"`
				} `json:"merchants"`
			} `json:"data"`
		}
		resp.Data.Merchants.Nodes = out
		w.Header().Set("Content-Type", "application/graphql-response+json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(resp)
	})
}

// handREST is the REST merchant list's shape by hand, as one would write it
// first: the page of merchants, then the companies and the campaigns of the
// page, three statements in three round trips, no owner filter,
// encoding/json. (The REST handler sends its three statements as one batch.)
func handREST(pool *pgxpool.Pool) http.Handler {
	type named struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		rows, err := pool.Query(ctx, minimalSQL, 0, listSize)
		if err != nil {
			http.Error(w, "query failed", http.StatusInternalServerError)
			return
		}
		type item struct {
			MerchantID     string  `json:"merchantId"`
			MerchantName   string  `json:"merchantName"`
			MerchantStatus string  `json:"merchantStatus"`
			Companies      []named `json:"companies"`
			Campaigns      []named `json:"campaigns"`
		}
		out := make([]*item, 0, listSize)
		byID := make(map[string]*item, listSize)
		ids := make([]string, 0, listSize)
		var created, updated any
		var total int
		for rows.Next() {
			m := &item{Companies: []named{}, Campaigns: []named{}}
			if err := rows.Scan(&m.MerchantID, &m.MerchantName, &m.MerchantStatus, &created, &updated, &total); err != nil {
				rows.Close()
				http.Error(w, "scan failed", http.StatusInternalServerError)
				return
			}
			out = append(out, m)
			byID[m.MerchantID] = m
			ids = append(ids, m.MerchantID)
		}
		rows.Close()
		if rows.Err() != nil {
			http.Error(w, "query failed", http.StatusInternalServerError)
			return
		}
		for _, q := range []struct {
			sql  string
			list func(*item) *[]named
		}{
			{`SELECT merchant_id, company_id, name FROM companies WHERE merchant_id = ANY($1) ORDER BY merchant_id, company_id`, func(m *item) *[]named { return &m.Companies }},
			{`SELECT merchant_id, campaign_id, name FROM campaigns WHERE merchant_id = ANY($1) ORDER BY merchant_id, campaign_start`, func(m *item) *[]named { return &m.Campaigns }},
		} {
			rows, err := pool.Query(ctx, q.sql, ids)
			if err != nil {
				http.Error(w, "query failed", http.StatusInternalServerError)
				return
			}
			for rows.Next() {
				var mid string
				var n named
				if err := rows.Scan(&mid, &n.ID, &n.Name); err != nil {
					rows.Close()
					http.Error(w, "scan failed", http.StatusInternalServerError)
					return
				}
				if m := byID[mid]; m != nil {
					*q.list(m) = append(*q.list(m), n)
				}
			}
			rows.Close()
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(out)
	})
}

// BenchmarkMerchantStores serves the stores query in-process: GraphQL
// through the whole service handler, and the hand-written join.
func BenchmarkMerchantStores(b *testing.B) {
	f := getStoresFixture(b)
	targets := storesTargets(f)
	for i := range targets {
		tg := &targets[i]
		b.Run(tg.name, func(b *testing.B) {
			status, body := tg.serveInProcess(b)
			tg.verify(b, f, status, body)
			b.ReportAllocs()
			b.ResetTimer()
			m := startMeasure()
			for b.Loop() {
				rec := httptest.NewRecorder()
				tg.handler.ServeHTTP(rec, tg.request(b, ""))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: status %d: %.500s", tg.name, rec.Code, rec.Body.Bytes())
				}
			}
			m.stop(b, tg)
		})
	}
}

// TestStoresPathsAgree checks that the hand-written handler serves the
// GraphQL answer's bytes, so the benchmark compares equal work, and that the
// hand-written REST shape is the REST list's bytes.
func TestStoresPathsAgree(t *testing.T) {
	f := getStoresFixture(t)
	targets := storesTargets(f)
	var bodies [][]byte
	for i := range targets {
		status, body := targets[i].serveInProcess(t)
		targets[i].verify(t, f, status, body)
		bodies = append(bodies, bytes.TrimSpace(body))
	}
	for i := 1; i < len(bodies); i++ {
		if !bytes.Equal(bodies[0], bodies[i]) {
			t.Fatalf("%s body differs from %s:\n%.400s\n%.400s", targets[i].name, targets[0].name, bodies[0], bodies[i])
		}
	}
	if n := bytes.Count(bodies[0], []byte(`"storeId"`)); n != listSize*storesPerMerchant {
		t.Fatalf("%d stores in the answer, want %d", n, listSize*storesPerMerchant)
	}
	rest := testRequest(t, f.app, restPath, "Authorization", f.authz)
	hand := testRequest(t, handHandler(f.pool), handRESTPath)
	if !bytes.Equal(rest, hand) {
		t.Fatalf("hand-written REST differs:\nrest %.300s\nhand %.300s", rest, hand)
	}
}

// withoutPlans runs every GraphQL operation down the general path.
func withoutPlans(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(resolvers.WithoutPlans(r.Context())))
	})
}

func testRequest(t *testing.T, h http.Handler, path string, headers ...string) []byte {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d: %.300s", path, rec.Code, rec.Body.Bytes())
	}
	return rec.Body.Bytes()
}

// BenchmarkMerchantListREST compares GET /api/v1/merchants?limit=100 with
// its hand-written twin (handREST), the pair of the load test, in-process.
func BenchmarkMerchantListREST(b *testing.B) {
	f := getStoresFixture(b)
	targets := []target{
		{name: "rest", method: http.MethodGet, path: restPath, headers: []string{"Accept", "application/json", "Authorization", f.authz},
			handler: f.app, authed: true, ids: restIDs},
		{name: "handwritten", method: http.MethodGet, path: handRESTPath, headers: []string{"Accept", "application/json"},
			handler: handHandler(f.pool), ids: restIDs},
	}
	for i := range targets {
		tg := &targets[i]
		b.Run(tg.name, func(b *testing.B) {
			status, body := tg.serveInProcess(b)
			tg.verify(b, f, status, body)
			b.ReportAllocs()
			b.ResetTimer()
			m := startMeasure()
			for b.Loop() {
				rec := httptest.NewRecorder()
				tg.handler.ServeHTTP(rec, tg.request(b, ""))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: status %d: %.500s", tg.name, rec.Code, rec.Body.Bytes())
				}
			}
			m.stop(b, tg)
		})
	}
}
