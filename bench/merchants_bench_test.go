// Package bench compares three ways of serving the same list of 100
// merchants over HTTP: GraphQL and the Loyalty Settlement REST family through
// the whole service handler (middleware, auth, resolvers, store), and a
// minimal hand-written net/http handler that runs the store's SQL on the same
// pool and encodes the REST JSON shape: the floor. See README.md.
//
// Run with `make bench` (or BENCH=MerchantList BENCH_COUNT=5 make bench).
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/server"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// listSize is how many merchants are seeded and listed.
const listSize = 100

const (
	graphqlQuery = `{ merchants(first: 100) { nodes { merchantId merchantName merchantStatus } } }`
	restPath     = "/api/v1/merchants?limit=100"
	minimalPath  = "/merchants?limit=100"

	// minimalSQL is the query of store/postgres MerchantStore.FindMerchants.
	minimalSQL = `SELECT merchant_id, name, status, created_at, updated_at, count(*) OVER () FROM merchants ORDER BY merchant_id OFFSET $1 LIMIT $2`
	// minimalMaxLimit mirrors merchant.MaxPageSize (the REST default and cap).
	minimalMaxLimit = 1000
)

var graphqlBody = func() []byte {
	b, err := json.Marshal(map[string]string{"query": graphqlQuery})
	if err != nil {
		panic(err)
	}
	return b
}()

// target is one way of serving the list.
type target struct {
	name    string
	method  string
	path    string
	body    []byte   // nil for GET
	headers []string // name, value pairs
	handler http.Handler
	authed  bool // sends the settlement credential
	// ids extracts the merchant ids, in order, from a 200 response body.
	ids func(body []byte) ([]string, error)
}

// fixture is the shared, seeded service. It is built once per test binary.
type fixture struct {
	app     http.Handler
	authz   string // Basic credentials of a settlement client
	pool    *pgxpool.Pool
	ids     []string // seeded merchant ids in merchant_id order
	targets []target // graphql, rest, minimal
}

var (
	fixOnce sync.Once
	fix     *fixture
)

// getFixture builds the fixture on first use: the app, one settlement
// credential, and exactly listSize merchants (created through the REST API,
// so ids are generated like in production).
func getFixture(tb testing.TB) *fixture {
	tb.Helper()
	fixOnce.Do(func() { fix = newFixture(tb) })
	if fix == nil {
		tb.Fatal("bench fixture: set-up failed earlier in this run")
	}
	return fix
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	// Without the overload limiter: these benchmarks compare the cost of
	// handlers, and the load test drives 32 connections into one CPU on
	// purpose; the limiter has its own load test (overload_test.go).
	a := testenv.AppWith(tb, wire.Options{Overload: server.Overload{MaxInFlight: -1}})
	cred := testenv.Credential(tb, a, auth.KindSettlement)
	f := &fixture{
		app:   a.Handler,
		authz: testenv.BasicAuth(cred.Username, cred.Secret),
		pool:  testenv.DB(tb).Pool,
	}
	ctx := context.Background()
	var existing int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM merchants`).Scan(&existing); err != nil {
		tb.Fatalf("count merchants: %v", err)
	}
	for i := existing; i < listSize; i++ {
		status := "active"
		if i%10 == 9 {
			status = "disabled"
		}
		body := map[string]any{"merchantName": fmt.Sprintf("Bench Merchant %03d", i), "merchantStatus": status}
		r := testenv.Do(tb, f.app, http.MethodPost, "/api/v1/merchants", body, "Authorization", f.authz)
		if r.Status != http.StatusCreated {
			tb.Fatalf("seed merchant %d: status %d: %s", i, r.Status, r.Body)
		}
	}
	rows, err := f.pool.Query(ctx, `SELECT merchant_id FROM merchants ORDER BY merchant_id`)
	if err != nil {
		tb.Fatalf("list seeded merchants: %v", err)
	}
	if f.ids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		tb.Fatalf("list seeded merchants: %v", err)
	}
	if len(f.ids) != listSize {
		tb.Fatalf("database holds %d merchants, want exactly %d", len(f.ids), listSize)
	}

	f.targets = []target{
		{
			name: "graphql", method: http.MethodPost, path: "/graphql", body: graphqlBody,
			headers: []string{
				"Content-Type", "application/json",
				"Accept", "application/graphql-response+json",
				"Authorization", f.authz,
			},
			handler: f.app, authed: true, ids: graphqlIDs,
		},
		{
			name: "rest", method: http.MethodGet, path: restPath,
			headers: []string{"Accept", "application/json", "Authorization", f.authz},
			handler: f.app, authed: true, ids: restIDs,
		},
		{
			name: "minimal", method: http.MethodGet, path: minimalPath,
			headers: []string{"Accept", "application/json"},
			handler: minimalHandler(f.pool), ids: restIDs,
		},
	}
	return f
}

// minimalMerchant is the REST list item shape (rest/settlement merchantJSON).
type minimalMerchant struct {
	MerchantID     string `json:"merchantId"`
	MerchantName   string `json:"merchantName"`
	MerchantStatus string `json:"merchantStatus"`
	Companies      []any  `json:"companies"`
	Campaigns      []any  `json:"campaigns"`
}

// minimalHandler is the floor: the store's SQL on the same pool, the REST
// JSON shape with encoding/json, and nothing else (no auth, no middleware,
// no domain layer).
func minimalHandler(pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		offset, limit := 0, minimalMaxLimit
		var err error
		if s := q.Get("offset"); s != "" {
			if offset, err = strconv.Atoi(s); err != nil || offset < 0 {
				http.Error(w, "bad offset", http.StatusBadRequest)
				return
			}
		}
		if s := q.Get("limit"); s != "" {
			if limit, err = strconv.Atoi(s); err != nil || limit < 0 || limit > minimalMaxLimit {
				http.Error(w, "bad limit", http.StatusBadRequest)
				return
			}
		}
		rows, err := pool.Query(r.Context(), minimalSQL, offset, limit)
		if err != nil {
			http.Error(w, "query failed", http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		out := make([]minimalMerchant, 0, limit)
		var createdAt, updatedAt time.Time
		var total int
		for rows.Next() {
			var m minimalMerchant
			if err := rows.Scan(&m.MerchantID, &m.MerchantName, &m.MerchantStatus, &createdAt, &updatedAt, &total); err != nil {
				http.Error(w, "scan failed", http.StatusInternalServerError)
				return
			}
			m.Companies, m.Campaigns = []any{}, []any{}
			out = append(out, m)
		}
		if rows.Err() != nil {
			http.Error(w, "query failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(out)
	})
}

// listedMerchant is a list item as both edges show it.
type listedMerchant struct {
	MerchantID     string `json:"merchantId"`
	MerchantName   string `json:"merchantName"`
	MerchantStatus string `json:"merchantStatus"`
}

func graphqlItems(body []byte) ([]listedMerchant, error) {
	var out struct {
		Data struct {
			Merchants struct {
				Nodes []listedMerchant `json:"nodes"`
			} `json:"merchants"`
		} `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("graphql response is not JSON: %v", err)
	}
	if len(out.Errors) > 0 {
		return nil, fmt.Errorf("graphql errors: %s", body)
	}
	return out.Data.Merchants.Nodes, nil
}

func restItems(body []byte) ([]listedMerchant, error) {
	var out []listedMerchant
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("REST response is not a JSON array: %v", err)
	}
	return out, nil
}

func idsOf(items []listedMerchant, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(items))
	for i, m := range items {
		ids[i] = m.MerchantID
	}
	return ids, nil
}

func graphqlIDs(body []byte) ([]string, error) { return idsOf(graphqlItems(body)) }
func restIDs(body []byte) ([]string, error)    { return idsOf(restItems(body)) }

// request builds one request for tg against base ("" for in-process).
func (tg *target) request(tb testing.TB, base string) *http.Request {
	var body io.Reader
	if tg.body != nil {
		body = bytes.NewReader(tg.body)
	}
	url := base + tg.path
	if base == "" {
		url = "http://bench.test" + tg.path
	}
	req, err := http.NewRequest(tg.method, url, body)
	if err != nil {
		tb.Fatalf("%s: build request: %v", tg.name, err)
	}
	for i := 0; i+1 < len(tg.headers); i += 2 {
		req.Header.Set(tg.headers[i], tg.headers[i+1])
	}
	return req
}

// serveInProcess runs one request through tg.handler and returns the status
// and body.
func (tg *target) serveInProcess(tb testing.TB) (int, []byte) {
	rec := httptest.NewRecorder()
	tg.handler.ServeHTTP(rec, tg.request(tb, ""))
	return rec.Code, rec.Body.Bytes()
}

// serveTCP runs one request over client to srv and returns status and body.
func (tg *target) serveTCP(tb testing.TB, client *http.Client, base string) (int, []byte) {
	resp, err := client.Do(tg.request(tb, base))
	if err != nil {
		tb.Fatalf("%s: %v", tg.name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s: read body: %v", tg.name, err)
	}
	return resp.StatusCode, body
}

// verify fails tb unless the response is 200 and lists exactly the seeded
// merchants in order, so that a broken path cannot benchmark fast.
func (tg *target) verify(tb testing.TB, f *fixture, status int, body []byte) {
	tb.Helper()
	if status != http.StatusOK {
		tb.Fatalf("%s: status %d, want 200: %.500s", tg.name, status, body)
	}
	ids, err := tg.ids(body)
	if err != nil {
		tb.Fatalf("%s: %v", tg.name, err)
	}
	if len(ids) != listSize {
		tb.Fatalf("%s: %d merchants, want %d: %.500s", tg.name, len(ids), listSize, body)
	}
	if !slices.Equal(ids, f.ids) {
		tb.Fatalf("%s: merchant ids differ from the database order", tg.name)
	}
}

// argonBytes is what one argon2 hash allocates with the test parameters; a
// request that allocates that much is re-hashing the Basic secret.
var argonBytes = uint64(testenv.CheapArgon2.Memory) * 1024

func totalAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// checkNotHashing fails tb when the authenticated paths allocate as much per
// request as an argon2 hash: the verified-secret cache should make the
// steady state hash-free.
func checkNotHashing(tb testing.TB, tg *target, bytesPerOp uint64) {
	tb.Helper()
	if tg.authed && bytesPerOp >= argonBytes {
		tb.Errorf("%s: %d B/op is at least one argon2 hash (%d B): is the verified-secret cache working?",
			tg.name, bytesPerOp, argonBytes)
	}
}

// measure brackets a benchmark loop: it reports cpu-ns/op (process CPU
// time, all goroutines, per request: steadier than ns/op on a noisy machine,
// and it counts work that gqlgen spreads over goroutines) and checks that
// the authenticated paths do not re-hash the secret.
type measure struct {
	alloc uint64
	cpu   time.Duration
	cpuOK bool
}

// startMeasure must be called right before the b.Loop loop, after the
// response was verified.
func startMeasure() measure {
	cpu, ok := processCPU()
	return measure{alloc: totalAlloc(), cpu: cpu, cpuOK: ok}
}

func (m measure) stop(b *testing.B, tg *target) {
	b.Helper()
	b.StopTimer()
	if cpu, ok := processCPU(); ok && m.cpuOK {
		b.ReportMetric(float64(cpu-m.cpu)/float64(b.N), "cpu-ns/op")
	}
	checkNotHashing(b, tg, (totalAlloc()-m.alloc)/uint64(b.N))
}

// BenchmarkMerchantList serves the list in-process (httptest.NewRecorder +
// ServeHTTP), so the numbers compare handler cost, not TCP.
func BenchmarkMerchantList(b *testing.B) {
	f := getFixture(b)
	for i := range f.targets {
		tg := &f.targets[i]
		b.Run(tg.name, func(b *testing.B) {
			status, body := tg.serveInProcess(b) // also warms caches
			tg.verify(b, f, status, body)
			b.ReportAllocs()
			b.ResetTimer() // b.Loop resets it too; set-up and checks stay untimed
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

// newClient returns an HTTP client that keeps its connection alive.
func newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns:        8,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}}
}

// BenchmarkMerchantListTCP serves the list over real loopback TCP
// (httptest.NewServer) through one keep-alive client. ns/op and allocs/op
// include the client and the net/http server on both sides.
func BenchmarkMerchantListTCP(b *testing.B) {
	f := getFixture(b)
	client := newClient()
	defer client.CloseIdleConnections()
	for i := range f.targets {
		tg := &f.targets[i]
		b.Run(tg.name, func(b *testing.B) {
			srv := httptest.NewServer(tg.handler)
			defer srv.Close()
			status, body := tg.serveTCP(b, client, srv.URL)
			tg.verify(b, f, status, body)
			b.ReportAllocs()
			b.ResetTimer() // b.Loop resets it too; set-up and checks stay untimed
			m := startMeasure()
			for b.Loop() {
				resp, err := client.Do(tg.request(b, srv.URL))
				if err != nil {
					b.Fatalf("%s: %v", tg.name, err)
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: status %d, read error %v", tg.name, resp.StatusCode, err)
				}
			}
			m.stop(b, tg)
		})
	}
}

// TestBenchPathsAgree checks that the three paths serve the same 100
// merchants in the same order, in-process and over TCP, that the minimal
// handler's body is byte-for-byte the REST body, and that authenticated
// requests do not re-hash the secret in the steady state.
func TestBenchPathsAgree(t *testing.T) {
	f := getFixture(t)
	bodies := map[string][]byte{}
	for i := range f.targets {
		tg := &f.targets[i]
		status, body := tg.serveInProcess(t)
		tg.verify(t, f, status, body)
		bodies[tg.name] = body
	}

	gql, err := graphqlItems(bodies["graphql"])
	if err != nil {
		t.Fatal(err)
	}
	rest, err := restItems(bodies["rest"])
	if err != nil {
		t.Fatal(err)
	}
	for i := range rest {
		g := gql[i]
		g.MerchantStatus = strings.ToLower(g.MerchantStatus) // GraphQL enum ACTIVE vs REST "active"
		if g != rest[i] {
			t.Fatalf("merchant %d: graphql %+v, rest %+v", i, gql[i], rest[i])
		}
	}
	if !bytes.Equal(bodies["minimal"], bodies["rest"]) {
		t.Fatalf("minimal body differs from the REST body:\nminimal %.300s\nrest    %.300s", bodies["minimal"], bodies["rest"])
	}

	client := newClient()
	defer client.CloseIdleConnections()
	for i := range f.targets {
		tg := &f.targets[i]
		srv := httptest.NewServer(tg.handler)
		status, body := tg.serveTCP(t, client, srv.URL)
		srv.Close()
		tg.verify(t, f, status, body)
	}

	// Steady state: the secret was verified above, so these requests must
	// hit the verified-secret cache instead of running argon2 again.
	for i := range f.targets {
		tg := &f.targets[i]
		if !tg.authed {
			continue
		}
		const n = 20
		before := totalAlloc()
		for range n {
			if status, body := tg.serveInProcess(t); status != http.StatusOK {
				t.Fatalf("%s: status %d: %.300s", tg.name, status, body)
			}
		}
		checkNotHashing(t, tg, (totalAlloc()-before)/n)
	}
}
