package settlement_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/notify"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
)

// worldSeq makes every world's ids, numbers and phone unique.
var worldSeq int

// world is a merchant with a company and a store, and a user of a partner
// with a registered card.
type world struct {
	a       *wire.App
	c       client
	partner string
	prefix  string // makes ids and numbers unique per test
}

func newWorld(t *testing.T) *world {
	a := testenv.App(t)
	s := testenv.Credential(t, a, auth.KindSettlement)
	p := testenv.Credential(t, a, auth.KindPartner)
	ad := testenv.Credential(t, a, auth.KindAdmin)
	worldSeq++
	w := &world{a: a, c: client{t: t, h: a.Handler, auth: testenv.BasicAuth(s.Username, s.Secret)},
		partner: testenv.BasicAuth(p.Username, p.Secret), prefix: fmt.Sprintf("w%d", worldSeq)}
	w.must("POST", "/api/v1/merchants", map[string]any{"merchantId": w.id("m1"), "merchantName": "Merchant one"}, 201)
	w.must("POST", "/api/v1/companies", map[string]any{"companyId": w.id("c1"), "merchantId": w.id("m1"), "name": "Company",
		"companyRegistrationNumber": w.num("1"), "userShare": 7.5, "userShareType": "percentage", "providerShare": 2.5, "providerShareType": "percentage"}, 201)
	w.must("POST", "/api/v1/stores", map[string]any{"storeId": w.id("s1"), "merchantId": w.id("m1"), "storeNumber": w.num("2"), "name": "Store",
		"userShare": 10, "userShareType": "percentage", "providerShare": 5, "providerShareType": "percentage"}, 201)
	// A user with card token "card-<prefix>", through the User API.
	phone := fmt.Sprintf("452%07d", 4000+worldSeq)
	r := testenv.Do(t, a.Handler, "POST", "/api/v1/signup/card", map[string]any{"phonenumber": phone, "truncatedPan": "457100XXXXXX0001", "token": w.card()}, "Authorization", w.partner)
	if r.Status != http.StatusAccepted {
		t.Fatalf("signup: %d %s", r.Status, r.Body)
	}
	testenv.WaitMessages(t) // the SMS goes out through the outbox
	_, res := testenv.GraphQL(t, a.Handler, testenv.BasicAuth(ad.Username, ad.Secret), `query($to: String!) { sentMessages(to: $to) { nodes { body } } }`, map[string]any{"to": phone})
	code := regexp.MustCompile(`linkCode=([0-9a-z]+)`).FindStringSubmatch(string(res.Data))
	if code == nil {
		t.Fatalf("no link code: %s", res.Data)
	}
	if r := testenv.Do(t, a.Handler, "POST", "/api/v1/linkcode/"+code[1]+"/verify", map[string]any{}, "Authorization", w.partner); r.Status != 200 {
		t.Fatalf("verify: %d %s", r.Status, r.Body)
	}
	return w
}

func (w *world) id(s string) string  { return w.prefix + "-" + s }
func (w *world) num(s string) string { return "9" + strings.TrimPrefix(w.prefix, "w") + "0" + s }
func (w *world) card() string        { return "card-" + w.prefix }

func (w *world) must(method, path string, body any, status int) *testenv.Response {
	w.c.t.Helper()
	r := w.c.do(method, path, body)
	if r.Status != status {
		w.c.t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
	}
	return r
}

func (w *world) tx(id, amount, store, company, card string) map[string]any {
	return map[string]any{"transactionId": w.id(id), "amount": json.Number(amount), "currency": "DKK",
		"transactionDateTime": "2024-05-18T10:00:00+02:00", "cardAcceptorId": store, "companyRegistrationNumber": company,
		"cardToken": card, "truncatedCardNumber": "457100XXXXXX0001", "cardType": "VISA"}
}

func TestIngestSettlesAndKeepsUnmatched(t *testing.T) {
	w := newWorld(t)
	body := map[string]any{"transactions": []any{
		w.tx("t1", "100.00", w.num("2"), "", w.card()),        // store: 10 % / 5 %
		w.tx("t2", "200.10", "nostore", w.num("1"), w.card()), // company: 7.5 % / 2.5 %
		w.tx("t3", "50", w.num("2"), "", "unknown-card"),      // no user with this card
		w.tx("t4", "50", "nostore", "nocompany", w.card()),    // no store or company
	}}
	r := w.must("POST", "/api/v1/transactions/batches", body, 201)
	var b struct {
		BatchID      string
		Transactions int
	}
	r.JSON(t, &b)
	if b.Transactions != 4 || b.BatchID == "" {
		t.Fatalf("batch: %s", r.Body)
	}
	// Re-ingesting changes nothing.
	r = w.must("POST", "/api/v1/transactions/batches", body, 201)
	if !strings.Contains(string(r.Body), `"transactions":0`) {
		t.Fatalf("re-ingest: %s", r.Body)
	}
	var txs struct {
		TotalSize int
		Results   []struct{ TransactionID, State, Reason string }
	}
	w.must("GET", "/api/v1/transactions/"+b.BatchID, nil, 200).JSON(t, &txs)
	states := map[string]string{}
	for _, x := range txs.Results {
		states[strings.TrimPrefix(x.TransactionID, w.prefix+"-")] = x.State
	}
	if txs.TotalSize != 4 || states["t1"] != "settled" || states["t2"] != "settled" || states["t3"] != "unmatched" || states["t4"] != "unmatched" {
		t.Fatalf("transactions: %+v", txs)
	}

	from, to := time.Now().Add(-time.Hour).Format(time.RFC3339), time.Now().Add(time.Hour).Format(time.RFC3339)
	q := "?startdate=" + urlq(from) + "&enddate=" + urlq(to) + "&merchant=" + w.id("m1")
	r = w.must("GET", "/api/v1/settlements"+q, nil, 200)
	var page struct {
		TotalSize   int
		Settlements []map[string]json.RawMessage
	}
	r.JSON(t, &page)
	if page.TotalSize != 2 {
		t.Fatalf("settlements: %s", r.Body)
	}
	got := map[string][2]string{}
	for _, s := range page.Settlements {
		got[strings.Trim(string(s["transactionId"]), `"`)] = [2]string{string(s["userShare"]), string(s["providerShare"])}
	}
	// 100.00 × 10 % = 10.00, × 5 % = 5.00; 200.10 × 7.5 % = 15.0075 → 15.01, × 2.5 % = 5.0025 → 5.00.
	if got[w.id("t1")] != [2]string{"10", "5"} || got[w.id("t2")] != [2]string{"15.01", "5"} {
		t.Fatalf("shares (JSON numbers): %v", got)
	}
	// Both spellings of the dates; _all_.
	w.must("GET", "/api/v1/settlements?startDate="+urlq(from)+"&endDate="+urlq(to)+"&merchant=_all_", nil, 200)
	w.must("GET", "/api/settlements?startdate="+urlq(from)+"&enddate="+urlq(to), nil, 200)

	// Batch: takes both; a second batch takes none.
	r = w.must("POST", "/api/v1/settlements/batches", nil, 201)
	var sb struct {
		BatchID     string
		Settlements int
	}
	r.JSON(t, &sb)
	if sb.Settlements < 2 {
		t.Fatalf("settlement batch: %s", r.Body)
	}
	r = w.must("GET", "/api/v1/settlements/"+sb.BatchID, nil, 200)
	if !strings.Contains(string(r.Body), w.id("t1")) {
		t.Fatalf("settlements by batch: %s", r.Body)
	}
	// Settle this merchant: one invoice per share type.
	r = w.must("POST", "/api/v1/merchants/settle?externalMerchantId="+w.id("m1"), nil, 200)
	var run struct{ SettlementID string }
	r.JSON(t, &run)
	var invoices []map[string]json.RawMessage
	w.must("GET", "/api/v1/invoices/"+run.SettlementID, nil, 200).JSON(t, &invoices)
	sums := map[string]string{}
	for _, inv := range invoices {
		sums[strings.Trim(string(inv["type"]), `"`)] = string(inv["amount"]) + "/" + string(inv["settlementCount"])
	}
	if sums["userShare"] != "25.01/2" || sums["providerShare"] != "10/2" {
		t.Fatalf("invoices: %v", sums)
	}
	// Settling again invoices nothing twice.
	r = w.must("POST", "/api/v1/merchants/settle?externalMerchantId="+w.id("m1"), nil, 200)
	r.JSON(t, &run)
	if r := w.must("GET", "/api/v1/invoices/"+run.SettlementID, nil, 200); string(r.Body) != "[]\n" {
		t.Fatalf("second run: %s", r.Body)
	}
	w.must("GET", "/api/v1/merchants/"+w.id("m1")+"/invoices", nil, 200)
	r = w.must("GET", "/api/v1/merchants/"+w.id("m1")+"/settlementsourcestates", nil, 200)
	if !strings.Contains(string(r.Body), `"unmatched":1`) {
		t.Fatalf("source states: %s", r.Body)
	}
}

func urlq(s string) string { return strings.ReplaceAll(s, "+", "%2B") }

func TestIngestCSV(t *testing.T) {
	w := newWorld(t)
	csv := "transactionId,amount,currency,transactionDateTime,cardAcceptorId,cardToken\n" +
		w.id("c1") + ",10.05,DKK,2024-05-18T10:00:00Z," + w.num("2") + "," + w.card() + "\n"
	r := testenv.Do(t, w.c.h, "POST", "/api/v1/transactions/batches", csv, "Authorization", w.c.auth, "Content-Type", "text/csv")
	if r.Status != 201 || !strings.Contains(string(r.Body), `"transactions":1`) {
		t.Fatalf("csv: %d %s", r.Status, r.Body)
	}
	bad := "transactionId,amount,currency,transactionDateTime,bogus\nx,1,DKK,2024-05-18T10:00:00Z,1\n"
	r = testenv.Do(t, w.c.h, "POST", "/api/v1/transactions/batches", bad, "Authorization", w.c.auth, "Content-Type", "text/csv")
	wantError(t, r, 400, "invalid", "bogus")
}

func TestIngestRejectsBadInputAndStoresNothing(t *testing.T) {
	w := newWorld(t)
	before := w.must("GET", "/api/v1/transactions/batches", nil, 200)
	good := w.tx("g1", "10", w.num("2"), "", w.card())
	cases := []struct {
		name  string
		tx    map[string]any
		field string
	}{
		{"missing amount", map[string]any{"transactionId": "x", "currency": "DKK", "transactionDateTime": "2024-05-18T10:00:00Z"}, "transactions[1].amount"},
		{"bad amount", map[string]any{"transactionId": "x", "amount": "ten", "currency": "DKK", "transactionDateTime": "2024-05-18T10:00:00Z"}, "transactions[1].amount"},
		{"bad currency", map[string]any{"transactionId": "x", "amount": 1, "currency": "kroner", "transactionDateTime": "2024-05-18T10:00:00Z"}, "transactions[1].currency"},
		{"bad date", map[string]any{"transactionId": "x", "amount": 1, "currency": "DKK", "transactionDateTime": "yesterday"}, "transactions[1].transactionDateTime"},
		{"missing id", map[string]any{"amount": 1, "currency": "DKK", "transactionDateTime": "2024-05-18T10:00:00Z"}, "transactions[1].transactionId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w.c.t = t
			wantError(t, w.c.do("POST", "/api/v1/transactions/batches", map[string]any{"transactions": []any{good, tc.tx}}), 400, "invalid", tc.field)
		})
	}
	w.c.t = t
	wantError(t, w.c.do("POST", "/api/v1/transactions/batches", `{"transactions": 5}`), 400, "invalid", "transactions")
	wantError(t, w.c.do("POST", "/api/v1/transactions/batches", `{"transactions": [`), 400, "invalid", "")
	after := w.must("GET", "/api/v1/transactions/batches", nil, 200)
	if string(after.Body) != string(before.Body) {
		t.Fatalf("refused batches were stored: %s", after.Body)
	}
	wantError(t, w.c.do("GET", "/api/v1/settlements?enddate=2024-05-18T10:00:00Z", nil), 400, "invalid", "startdate")
	wantError(t, w.c.do("GET", "/api/v1/settlements?startdate=nope&enddate=2024-05-18T10:00:00Z", nil), 400, "invalid", "startdate")
	wantError(t, w.c.do("GET", "/api/v1/settlements?startdate=2024-05-18T10:00:00Z&enddate=2024-05-18T10:00:00Z&limit=1001", nil), 400, "invalid", "limit")
	wantError(t, w.c.do("POST", "/api/v1/merchants/settle?externalMerchantId=nope", nil), 404, "not_found", "externalMerchantId")
	wantError(t, w.c.do("GET", "/api/v1/invoices/nope", nil), 404, "not_found", "")
	wantError(t, w.c.do("GET", "/api/v1/transactions/nope", nil), 404, "not_found", "")
}

// TestConcurrentBatchesAndSettleRuns: two concurrent batch creations never
// put one settlement in two batches; two concurrent settle runs never
// invoice one settlement twice.
func TestConcurrentBatchesAndSettleRuns(t *testing.T) {
	w := newWorld(t)
	var txs []any
	for i := range 200 {
		txs = append(txs, w.tx(fmt.Sprintf("cc%d", i), "10", w.num("2"), "", w.card()))
	}
	w.must("POST", "/api/v1/transactions/batches", map[string]any{"transactions": txs}, 201)
	var batchIDs []string
	var mu sync.Mutex
	for range 3 {
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := testenv.Do(t, w.c.h, "POST", "/api/v1/settlements/batches", nil, "Authorization", w.c.auth)
				var b struct{ BatchID string }
				_ = json.Unmarshal(r.Body, &b)
				mu.Lock()
				batchIDs = append(batchIDs, b.BatchID)
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	seen := map[string]int{}
	for _, id := range batchIDs {
		var page struct {
			Settlements []struct{ TransactionID string }
		}
		w.must("GET", "/api/v1/settlements/"+id+"?merchant="+w.id("m1"), nil, 200).JSON(t, &page)
		for _, st := range page.Settlements {
			seen[st.TransactionID]++
		}
	}
	if len(seen) != 200 {
		t.Fatalf("%d of 200 settlements batched", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("settlement of %s is in %d batches", id, n)
		}
	}
	var wg sync.WaitGroup
	runs := make([]string, 4)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := testenv.Do(t, w.c.h, "POST", "/api/v1/merchants/settle?externalMerchantId="+w.id("m1"), nil, "Authorization", w.c.auth)
			var run struct{ SettlementID string }
			_ = json.Unmarshal(r.Body, &run)
			runs[i] = run.SettlementID
		}()
	}
	wg.Wait()
	invoiced := 0
	for _, id := range runs {
		var invoices []struct {
			Type            string
			SettlementCount int
		}
		w.must("GET", "/api/v1/invoices/"+id, nil, 200).JSON(t, &invoices)
		for _, inv := range invoices {
			if inv.Type == "userShare" {
				invoiced += inv.SettlementCount
			}
		}
	}
	if invoiced != 200 {
		t.Fatalf("concurrent settle runs invoiced %d settlements, want 200", invoiced)
	}
}

// TestBatchAndSettleNotifications: creating a settlement batch and settling
// merchants notify the settlement client's endpoints, with the id in the
// query string.
func TestBatchAndSettleNotifications(t *testing.T) {
	a := testenv.App(t)
	cred := testenv.Credential(t, a, auth.KindSettlement)
	authz := testenv.BasicAuth(cred.Username, cred.Secret)
	var mu sync.Mutex
	got := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got[r.URL.Path] = r.URL.RawQuery + " " + r.Header.Get("X-Key")
	}))
	t.Cleanup(srv.Close)
	p, err := a.Auth.AuthenticateBasic(t.Context(), cred.Username, cred.Secret)
	if err != nil {
		t.Fatal(err)
	}
	ctx := auth.WithPrincipal(t.Context(), p)
	for _, typ := range []notify.EventType{notify.EventNewSettlementBatch, notify.EventMerchantsSettled} {
		if _, err := a.Ops.Notifications.SetEndpoint(ctx, typ, srv.URL+"/"+string(typ), []notify.Header{{Name: "X-Key", Value: "k1"}}); err != nil {
			t.Fatal(err)
		}
	}
	r := testenv.Do(t, a.Handler, "POST", "/api/v1/settlements/batches", nil, "Authorization", authz)
	var b struct{ BatchID string }
	r.JSON(t, &b)
	r = testenv.Do(t, a.Handler, "POST", "/api/v1/merchants/settle", nil, "Authorization", authz)
	var run struct{ SettlementID string }
	r.JSON(t, &run)
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if got["/NEW_SETTLEMENT_BATCH"] != "batchId="+b.BatchID+" k1" || got["/MERCHANTS_SETTLED"] != "settlementId="+run.SettlementID+" k1" {
		t.Fatalf("notifications: %v (batch %s, run %s)", got, b.BatchID, run.SettlementID)
	}
}
