package bench

// The receipt list (seed 001) of a user with 1,000 receipts, served three
// ways side by side as the merchant list is: GraphQL and the Receipt Data
// REST family through the whole service handler, and a minimal net/http
// handler that runs the store's list SQL on the same pool and encodes the
// REST JSON shape. And free-text search over 1,000,000 receipts with its
// latency percentiles and the query plan. See README.md.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/store/postgres"
)

const (
	// receiptCount is how many receipts the listing user holds.
	receiptCount = 1000
	// receiptPage is the page every target lists (the REST default).
	receiptPage = 50

	receiptGraphQL = `query($u: ID!) { user(userId: $u) { receipts(first: 50, orderBy: {field: DATE, direction: DESC}) {
  totalCount nodes { receiptId purchaseDateTime storeName grandTotal { amount currency vat } merchant { merchantId merchantName } } } } }`

	// receiptListSQL is the query of store/postgres ReceiptStore.FindUserReceipts
	// for a user's page by date, descending, without filters.
	receiptListSQL = `WITH ru AS (
		SELECT ru.user_id, ru.receipt_id, ru.purchased_at, COUNT(*) OVER () AS total FROM receipt_users ru
		WHERE ru.user_id = $1 ORDER BY ru.purchased_at DESC, ru.receipt_id DESC OFFSET $2 LIMIT $3)
	SELECT ru.user_id, r.receipt_id, r.merchant_id, m.name, r.purchased_at, r.purchase_offset, r.store_name,
		r.grand_total, r.currency, r.body, ru.total
	FROM ru JOIN receipts r ON r.receipt_id = ru.receipt_id JOIN merchants m ON m.merchant_id = r.merchant_id
	ORDER BY ru.purchased_at DESC, ru.receipt_id DESC`
)

// receiptFixture is one app with a merchant, its till, a partner and a user
// holding receiptCount receipts ingested through the till's REST door.
type receiptFixture struct {
	app     *wire.App
	pool    *pgxpool.Pool
	partner string // Authorization header value
	userID  string
	ids     []string // the first page's receipt ids, newest first
	targets []target
}

var (
	receiptOnce sync.Once
	receiptFix  *receiptFixture
)

func getReceiptFixture(tb testing.TB) *receiptFixture {
	tb.Helper()
	receiptOnce.Do(func() { receiptFix = newReceiptFixture(tb) })
	if receiptFix == nil {
		tb.Fatal("receipt fixture: set-up failed earlier in this run")
	}
	return receiptFix
}

// benchUser stores a user of provider with a card of token tok, as the User
// API's signup stores it.
func benchUser(tb testing.TB, a *wire.App, db *postgres.DB, provider int64, seq int, tok string) string {
	tb.Helper()
	now := time.Now().UTC()
	u := &user.User{ID: ids.New(), Provider: user.Provider{ID: provider}, Phone: fmt.Sprintf("4599%06d", seq),
		MemberID: ids.LowerAlnum(8), CreatedAt: now, UpdatedAt: now}
	var card *user.Card
	if tok != "" {
		sealed, err := a.Keys.Seal([]byte(tok))
		if err != nil {
			tb.Fatal(err)
		}
		card = &user.Card{ID: ids.New(), TruncatedPAN: "457100XXXXXX0001", SealedToken: sealed,
			TokenHash: a.Keys.LookupHash([]byte(tok)), CreatedAt: now}
	}
	if err := postgres.NewUserStore(db, nil, nil).CreateUser(context.Background(), u, card, nil); err != nil {
		tb.Fatal(err)
	}
	return u.ID
}

// benchReceipt is a till's receipt number i: three lines, one card payment.
func benchReceipt(i int, tok string) map[string]any {
	day := time.Date(2024, 1, 1, 9, 0, 0, 0, time.FixedZone("", 3600)).Add(time.Duration(i) * 7 * time.Hour)
	lines := []any{}
	total := decimal.Zero
	for l := range 3 {
		price := decimal.New(int64(1000+(i*37+l*11)%9000), -2)
		total = total.Add(price)
		lines = append(lines, map[string]any{"lineNumber": l + 1, "name": vocabulary[(i*3+l)%len(vocabulary)],
			"count": 1, "itemPrice": price.String(), "totalPrice": price.String(), "vatRate": 25})
	}
	vat := total.Mul(decimal.NewFromFloat(0.2)).Round(2)
	return map[string]any{
		"externalReceiptId": fmt.Sprintf("bench-%06d", i), "externalReceiptIdType": "till",
		"purchaseDateTime": day.Format(time.RFC3339), "storeId": "s1", "storeName": "Ærø Bageri Nørrebro",
		"totalOrderPrice": map[string]any{"amount": total.String(), "currency": "DKK",
			"vatRates": []any{map[string]any{"rate": 25, "value": vat.String()}}},
		"receiptLines": lines,
		"payments": []any{map[string]any{"type": "CARD", "amount": total.String(), "cardToken": tok,
			"truncatedCardNumber": "457100XXXXXX0001", "transactionId": strconv.Itoa(300000000 + i)}},
	}
}

func newReceiptFixture(tb testing.TB) *receiptFixture {
	tb.Helper()
	ctx := context.Background()
	a := testenv.App(tb)
	db := testenv.DB(tb)
	f := &receiptFixture{app: a, pool: db.Pool}
	merchantID := "m" + ids.LowerAlnum(10)
	if _, err := db.Pool.Exec(ctx, `INSERT INTO merchants (merchant_id, name) VALUES ($1, 'Ærø Bageri')`, merchantID); err != nil {
		tb.Fatal(err)
	}
	pos, err := a.Auth.CreatePOSCredential(ctx, "bench till", merchantID)
	if err != nil {
		tb.Fatal(err)
	}
	p := testenv.Credential(tb, a, auth.KindPartner)
	pp, err := a.Auth.AuthenticateBasic(ctx, p.Username, p.Secret)
	if err != nil {
		tb.Fatal(err)
	}
	f.partner = testenv.BasicAuth(p.Username, p.Secret)
	tok := "tok-bench-" + ids.LowerAlnum(6)
	f.userID = benchUser(tb, a, db, pp.CredentialID, 1, tok)
	till := testenv.BasicAuth(pos.Username, pos.Secret)
	for i := range receiptCount {
		r := testenv.Do(tb, a.Handler, http.MethodPost, "/api/receipt-receiver/v2/receipts", benchReceipt(i, tok), "Authorization", till)
		if r.Status != http.StatusCreated {
			tb.Fatalf("ingest receipt %d: %d %s", i, r.Status, r.Body)
		}
	}
	rows, err := db.Pool.Query(ctx, `SELECT receipt_id FROM receipt_users WHERE user_id = $1
		ORDER BY purchased_at DESC, receipt_id DESC LIMIT $2`, f.userID, receiptPage)
	if err != nil {
		tb.Fatal(err)
	}
	if f.ids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		tb.Fatal(err)
	}
	gqlBody, err := json.Marshal(map[string]any{"query": receiptGraphQL, "variables": map[string]any{"u": f.userID}})
	if err != nil {
		tb.Fatal(err)
	}
	restPath := "/receipt-data/v1/users/" + f.userID + "/receipts?orderBy=date&direction=desc&limit=50"
	f.targets = []target{
		{
			name: "graphql", method: http.MethodPost, path: "/graphql", body: gqlBody,
			headers: []string{"Content-Type", "application/json", "Accept", "application/graphql-response+json",
				"Authorization", f.partner},
			handler: a.Handler, authed: true, ids: graphqlReceiptIDs,
		},
		{
			name: "rest", method: http.MethodGet, path: restPath,
			headers: []string{"Accept", "application/json", "Authorization", f.partner},
			handler: a.Handler, authed: true, ids: restReceiptIDs,
		},
		{
			name: "minimal", method: http.MethodGet, path: "/receipts?user=" + f.userID + "&limit=50",
			headers: []string{"Accept", "application/json"},
			handler: minimalReceiptHandler(db.Pool), ids: restReceiptIDs,
		},
	}
	return f
}

type listedReceipt struct {
	ReceiptID string `json:"receiptId"`
}

func graphqlReceiptIDs(body []byte) ([]string, error) {
	var out struct {
		Data struct {
			User struct {
				Receipts struct {
					TotalCount int             `json:"totalCount"`
					Nodes      []listedReceipt `json:"nodes"`
				} `json:"receipts"`
			} `json:"user"`
		} `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("graphql response is not JSON: %v", err)
	}
	if len(out.Errors) > 0 {
		return nil, fmt.Errorf("graphql errors: %.500s", body)
	}
	if out.Data.User.Receipts.TotalCount != receiptCount {
		return nil, fmt.Errorf("totalCount %d, want %d", out.Data.User.Receipts.TotalCount, receiptCount)
	}
	return receiptIDsOf(out.Data.User.Receipts.Nodes), nil
}

func restReceiptIDs(body []byte) ([]string, error) {
	var out struct {
		TotalSize int             `json:"totalSize"`
		Receipts  []listedReceipt `json:"receipts"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("REST response is not JSON: %v", err)
	}
	if out.TotalSize != receiptCount {
		return nil, fmt.Errorf("totalSize %d, want %d", out.TotalSize, receiptCount)
	}
	return receiptIDsOf(out.Receipts), nil
}

func receiptIDsOf(rs []listedReceipt) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ReceiptID
	}
	return out
}

// The REST list's JSON shape (rest/receiptdata summary).
type minimalGrandTotal struct {
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
	VAT      json.Number `json:"vat"`
}

type minimalReceipt struct {
	ReceiptID        string            `json:"receiptId"`
	MerchantID       string            `json:"merchantId"`
	PurchaseDateTime string            `json:"purchaseDateTime"`
	GrandTotal       minimalGrandTotal `json:"grandTotal"`
	StoreName        string            `json:"storeName,omitempty"`
	Merchant         struct {
		MerchantID string `json:"merchantId"`
		Name       string `json:"name"`
	} `json:"merchant"`
}

// minimalReceiptHandler is the floor: the store's list SQL on the same pool,
// the VAT summed from the body, the REST JSON shape with encoding/json, and
// nothing else (no auth, no middleware, no domain layer).
func minimalReceiptHandler(pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil || limit < 1 || limit > 1000 {
			http.Error(w, "bad limit", http.StatusBadRequest)
			return
		}
		rows, err := pool.Query(r.Context(), receiptListSQL, q.Get("user"), 0, limit)
		if err != nil {
			http.Error(w, "query failed", http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		out := struct {
			TotalSize int              `json:"totalSize"`
			Receipts  []minimalReceipt `json:"receipts"`
		}{Receipts: make([]minimalReceipt, 0, limit)}
		for rows.Next() {
			var m minimalReceipt
			var userID string
			var at time.Time
			var offset int
			var total decimal.Decimal
			var body struct {
				VATRates []struct {
					Value decimal.Decimal `json:"value"`
				} `json:"vatRates"`
			}
			var raw []byte
			if err := rows.Scan(&userID, &m.ReceiptID, &m.MerchantID, &m.Merchant.Name, &at, &offset, &m.StoreName,
				&total, &m.GrandTotal.Currency, &raw, &out.TotalSize); err != nil {
				http.Error(w, "scan failed", http.StatusInternalServerError)
				return
			}
			if err := json.Unmarshal(raw, &body); err != nil {
				http.Error(w, "bad body", http.StatusInternalServerError)
				return
			}
			vat := decimal.Zero
			for _, v := range body.VATRates {
				vat = vat.Add(v.Value)
			}
			m.Merchant.MerchantID = m.MerchantID
			m.PurchaseDateTime = at.In(time.FixedZone("", offset)).Format("2006-01-02T15:04:05-07:00")
			m.GrandTotal.Amount, m.GrandTotal.VAT = json.Number(total.String()), json.Number(vat.String())
			out.Receipts = append(out.Receipts, m)
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

// verifyReceipts fails tb unless the response is 200 and lists the user's
// newest page in order.
func (f *receiptFixture) verify(tb testing.TB, tg *target, status int, body []byte) {
	tb.Helper()
	if status != http.StatusOK {
		tb.Fatalf("%s: status %d, want 200: %.500s", tg.name, status, body)
	}
	got, err := tg.ids(body)
	if err != nil {
		tb.Fatalf("%s: %v", tg.name, err)
	}
	if !slices.Equal(got, f.ids) {
		tb.Fatalf("%s: receipt ids differ from the database order:\n got %v\nwant %v", tg.name, got, f.ids)
	}
}

// BenchmarkReceiptList serves one page (50) of a user's 1,000 receipts
// in-process through GraphQL, REST and the minimal handler.
func BenchmarkReceiptList(b *testing.B) {
	f := getReceiptFixture(b)
	type cost struct{ ns, cpu, allocs float64 }
	costs := map[string]cost{}
	for i := range f.targets {
		tg := &f.targets[i]
		b.Run(tg.name, func(b *testing.B) {
			status, body := tg.serveInProcess(b)
			f.verify(b, tg, status, body)
			b.ReportAllocs()
			b.ResetTimer()
			m := startMeasure()
			mallocs := totalMallocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				tg.handler.ServeHTTP(rec, tg.request(b, ""))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: status %d: %.500s", tg.name, rec.Code, rec.Body.Bytes())
				}
			}
			n := float64(b.N)
			c := cost{ns: float64(b.Elapsed().Nanoseconds()) / n, allocs: float64(totalMallocs()-mallocs) / n}
			if cpu, ok := processCPU(); ok && m.cpuOK {
				c.cpu = float64(cpu-m.cpu) / n
			}
			costs[tg.name] = c
			m.stop(b, tg)
		})
	}
	// The ratios to the minimal handler, side by side in this run.
	if floor, ok := costs["minimal"]; ok && floor.ns > 0 {
		for _, name := range []string{"graphql", "rest"} {
			if c, ok := costs[name]; ok {
				b.Logf("receipt list, %-7s vs minimal: %.2f× time, %.2f× CPU, %.2f× allocations: %.2f× the minimal handler's speed",
					name, c.ns/floor.ns, c.cpu/max(floor.cpu, 1), c.allocs/max(floor.allocs, 1), floor.ns/c.ns)
			}
		}
	}
}

func totalMallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// vocabulary is what receipt lines are named from: Nordic groceries, so
// that search meets every language's letters.
var vocabulary = func() []string {
	nouns := []string{"smørrebrød", "rugbrød", "kaffe", "æble", "pølse", "ost", "mælk", "smør", "kanelsnegl", "wienerbrød",
		"rødgrød", "flødeboller", "leverpostej", "sild", "laks", "kartofler", "gulerødder", "løg", "æg", "øl",
		"juice", "te", "chokolade", "lakrids", "rugknækbrød", "hindbærsnitte", "frikadeller", "remoulade", "agurk", "tomat",
		"pålæg", "skinke", "kylling", "hakket oksekød", "havregryn", "müsli", "yoghurt", "skyr", "fløde", "kærnemælk"}
	adjs := []string{"økologisk", "friskbagt", "grov", "lys", "mørk", "røget", "gammeldags", "dansk", "norsk", "svensk",
		"finsk", "hjemmelavet", "stor", "lille", "ekstra", "klassisk", "sød", "stærk", "mild", "fed"}
	out := make([]string, 0, len(nouns)*len(adjs))
	for _, a := range adjs {
		for _, n := range nouns {
			out = append(out, a+" "+n)
		}
	}
	return out
}()

// searchSetup is the 1,000,000-receipt database of the search benchmark.
type searchSetup struct {
	app      *wire.App
	pool     *pgxpool.Pool
	partner  string
	userID   string // holds receipts/users of the receipts
	receipts int
	users    int
}

var (
	searchOnce sync.Once
	searchFix  *searchSetup
)

// searchReceipts is how many receipts the search benchmark stores
// (LG_BENCH_SEARCH_RECEIPTS, default 1,000,000).
func searchReceipts() int {
	if s := os.Getenv("LG_BENCH_SEARCH_RECEIPTS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 1_000_000
}

// searchUsers is how many users share them; each holds receipts/users.
const searchUsers = 100

// getSearchFixture generates the receipts in SQL (what ingestion would
// store: body, search text, the user links), not through the till's door,
// which would take an hour for a million; the list and search read them
// through the service like any other.
func getSearchFixture(tb testing.TB) *searchSetup {
	tb.Helper()
	searchOnce.Do(func() { searchFix = newSearchFixture(tb) })
	if searchFix == nil {
		tb.Fatal("search fixture: set-up failed earlier in this run")
	}
	return searchFix
}

func newSearchFixture(tb testing.TB) *searchSetup {
	tb.Helper()
	ctx := context.Background()
	a := testenv.App(tb)
	db := testenv.DB(tb)
	s := &searchSetup{app: a, pool: db.Pool, receipts: searchReceipts(), users: searchUsers}
	p := testenv.Credential(tb, a, auth.KindPartner)
	pp, err := a.Auth.AuthenticateBasic(ctx, p.Username, p.Secret)
	if err != nil {
		tb.Fatal(err)
	}
	s.partner = testenv.BasicAuth(p.Username, p.Secret)
	userIDs := make([]string, s.users)
	for i := range userIDs {
		userIDs[i] = benchUser(tb, a, db, pp.CredentialID, 1000+i, "")
	}
	s.userID = userIDs[0]
	start := time.Now()
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Release()
	steps := []struct {
		sql  string
		args []any
	}{
		{sql: `SET maintenance_work_mem = '512MB'`},
		{sql: `SET synchronous_commit = off`},
		// 200 merchants with Nordic names.
		{sql: `INSERT INTO merchants (merchant_id, name, created_at, updated_at)
			SELECT 'bm' || lpad(g::text, 4, '0'), (ARRAY['Ærø','Nørre','Østergade','Åbyhøj','Søndergade','Hygge','Bageriet','Købmand','Fiskehuset','Slagter'])[1 + g % 10]
				|| ' ' || (ARRAY['Bageri','Kaffebar','Super','Delikatesse','Marked'])[1 + (g / 10) % 5] || ' ' || g, now(), now()
			FROM generate_series(1, 200) g ON CONFLICT DO NOTHING`},
		{sql: `DROP INDEX IF EXISTS receipt_users_search_idx`},
		{sql: `CREATE TEMP TABLE vocab (i int PRIMARY KEY, name text)`},
		{sql: `INSERT INTO vocab SELECT ord - 1, name FROM unnest($1::text[]) WITH ORDINALITY AS v(name, ord)`, args: []any{vocabulary}},
		// Each receipt: a merchant and three lines from the vocabulary
		// picked by hashes of its number, a card payment, a total; bodies as
		// store/postgres writes them.
		{sql: `INSERT INTO receipts (receipt_id, merchant_id, external_id_type, external_id, purchased_at, purchase_offset,
				store_id, store_name, grand_total, currency, vat_total, body, search_text, created_at, updated_at)
			SELECT md5('bench' || g), m.merchant_id, 'bench', g::text,
				timestamptz '2024-01-01 08:00+00' + (g * 63) * interval '1 second', 3600, 's1', '',
				t.total, 'DKK', round(t.total * 0.2, 2),
				jsonb_build_object('vatRates', jsonb_build_array(jsonb_build_object('rate', 25, 'value', round(t.total * 0.2, 2))),
					'lines', jsonb_build_array(
						jsonb_build_object('lineNumber', 1, 'name', v1.name, 'totalPrice', 10),
						jsonb_build_object('lineNumber', 2, 'name', v2.name, 'totalPrice', 10),
						jsonb_build_object('lineNumber', 3, 'name', v3.name, 'totalPrice', t.total - 20)),
					'payments', jsonb_build_array(jsonb_build_object('type', 'CARD', 'amount', t.total, 'currency', 'DKK',
						'truncatedCardNumber', '457100XXXXXX0001')),
					'optionals', jsonb_build_object()),
				lower(translate(m.name, 'ÆØÅ', 'æøå') || ' ' || v1.name || ' ' || v2.name || ' ' || v3.name), now(), now()
			FROM generate_series(1, $1::int) g
				CROSS JOIN LATERAL (SELECT 20 + (abs(hashint4(g # 7)) % 50000) / 100.0 AS total,
					abs(hashint4(g)) % 800 AS l1, abs(hashint4(-g)) % 800 AS l2, abs(hashint4(g # 123457)) % 800 AS l3,
					'bm' || lpad((1 + abs(hashint4(g # 99991)) % 200)::text, 4, '0') AS mid) t
				JOIN vocab v1 ON v1.i = t.l1
				JOIN vocab v2 ON v2.i = t.l2
				JOIN vocab v3 ON v3.i = t.l3
				JOIN merchants m ON m.merchant_id = t.mid`, args: []any{s.receipts}},
		{sql: `INSERT INTO receipt_users (user_id, receipt_id, merchant_id, purchased_at, grand_total, store_name, created_at)
			SELECT ($1::text[])[1 + (r.external_id::int % $2::int)], r.receipt_id, r.merchant_id, r.purchased_at,
				r.grand_total, lower(m.name), now()
			FROM receipts r JOIN merchants m ON m.merchant_id = r.merchant_id
			WHERE r.external_id_type = 'bench'`,
			args: []any{userIDs, s.users}},
		{sql: `CREATE INDEX receipt_users_search_idx ON receipt_users USING gin (user_id, search_text gin_trgm_ops)`},
		{sql: `VACUUM ANALYZE receipts`},
		{sql: `VACUUM ANALYZE receipt_users`},
	}
	for _, st := range steps {
		if _, err := conn.Exec(ctx, st.sql, st.args...); err != nil {
			tb.Fatalf("search fixture: %v\n%s", err, st.sql)
		}
	}
	tb.Logf("search fixture: %d receipts over %d users stored and indexed in %s", s.receipts, s.users,
		time.Since(start).Round(time.Second))
	return s
}

// searchTerms are what users type: rare and common product words, a
// merchant's name, letters outside ASCII, a short word, and a miss.
var searchTerms = []string{"smørrebrød", "Kaffe", "hindbærsnitte", "økologisk rugbrød", "Ærø", "fiskehuset",
	"røget laks", "øl", "müsli", "FLØDEBOLLER", "nothing-matches-this", "kanelsnegl", "søndergade marked", "skyr"}

// BenchmarkReceiptSearch1M searches one user's receipts among 1,000,000
// (100 users × 10,000) through the REST door, newest first, 50 a page with
// the total, and reports the latency percentiles. The plan of each term is
// logged with -v (EXPLAIN ANALYZE of the store's query).
func BenchmarkReceiptSearch1M(b *testing.B) {
	s := getSearchFixture(b)
	paths := make([]string, len(searchTerms))
	for i, term := range searchTerms {
		paths[i] = "/receipt-data/v1/users/" + s.userID + "/receipts?orderBy=date&direction=desc&limit=50&search=" +
			strings.ReplaceAll(term, " ", "%20")
	}
	do := func(path string) (int, []byte) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", s.partner)
		rec := httptest.NewRecorder()
		s.app.Handler.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}
	for i, p := range paths { // warm up and check
		code, body := do(p)
		if code != http.StatusOK {
			b.Fatalf("search %q: %d %.300s", searchTerms[i], code, body)
		}
		var out struct{ TotalSize int }
		_ = json.Unmarshal(body, &out)
		b.Logf("search %-24q totalSize %d", searchTerms[i], out.TotalSize)
	}
	if testing.Verbose() {
		logSearchPlans(b, s)
	}
	var lat []time.Duration
	b.ResetTimer()
	i := 0
	for b.Loop() {
		t0 := time.Now()
		code, body := do(paths[i%len(paths)])
		lat = append(lat, time.Since(t0))
		if code != http.StatusOK {
			b.Fatalf("status %d: %.300s", code, body)
		}
		i++
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/float64(time.Millisecond), "max-ms")
}

// logSearchPlans logs the plan of the store's search query for a rare and
// a common term.
func logSearchPlans(b *testing.B, s *searchSetup) {
	for _, term := range []string{"hindbærsnitte", "kaffe", "øl"} {
		rows, err := s.pool.Query(context.Background(), `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
			WITH ru AS (
				SELECT ru.user_id, ru.receipt_id, ru.purchased_at, COUNT(*) OVER () AS total FROM receipt_users ru
				WHERE ru.user_id = $1 AND ru.search_text LIKE $2
				ORDER BY ru.purchased_at DESC, ru.receipt_id DESC OFFSET 0 LIMIT 50)
			SELECT r.receipt_id, r.body, ru.total FROM ru JOIN receipts r ON r.receipt_id = ru.receipt_id
				JOIN merchants m ON m.merchant_id = r.merchant_id
			ORDER BY ru.purchased_at DESC, ru.receipt_id DESC`, s.userID, "%"+term+"%")
		if err != nil {
			b.Fatal(err)
		}
		plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("plan for %q:\n%s", term, strings.Join(plan, "\n"))
	}
}
