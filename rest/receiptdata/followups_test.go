package receiptdata_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/internal/testenv"
)

// receiptDelivery is one RECEIPT notification written to the outbox.
type receiptDelivery struct {
	owner   int64
	payload map[string]any
	raw     string
}

// receiptDeliveries returns the RECEIPT notifications of receipt id, in
// the order they were written.
func (e *env) receiptDeliveries(receiptID string) []receiptDelivery {
	e.t.Helper()
	rows, err := e.db.Pool.Query(context.Background(), `SELECT owner_id, payload FROM notification_deliveries
		WHERE type = 'RECEIPT' AND payload::jsonb ->> 'receiptId' = $1 ORDER BY id`, receiptID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []receiptDelivery
	for rows.Next() {
		var d receiptDelivery
		if err := rows.Scan(&d.owner, &d.raw); err != nil {
			e.t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(d.raw))
		dec.UseNumber()
		if err := dec.Decode(&d.payload); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// setReceiptEndpoint sets the RECEIPT endpoint of the partner authz.
func (e *env) setReceiptEndpoint(authz, u string) {
	e.t.Helper()
	var out struct {
		SetNotificationEndpoint struct {
			UserErrors []struct{ Field, Message string }
		}
	}
	e.gql(authz, `mutation($in: SetNotificationEndpointInput!) { setNotificationEndpoint(input: $in) { userErrors { field message } } }`,
		map[string]any{"in": map[string]any{"type": "RECEIPT", "url": u}}, &out)
	if len(out.SetNotificationEndpoint.UserErrors) > 0 {
		e.t.Fatalf("set RECEIPT endpoint: %+v", out.SetNotificationEndpoint.UserErrors)
	}
}

// TestReceiptNotificationPerMatchedUserToItsPartner: a posted receipt
// notifies each matched user's partner once, with the seed's fields, our
// receipt id and the till's external id; a re-post notifies UPDATED once
// more; no card token or full card number is in any payload.
func TestReceiptNotificationPerMatchedUserToItsPartner(t *testing.T) {
	e := newEnv(t)
	e.setReceiptEndpoint(e.partner, "https://hooks.example/partner")
	e.setReceiptEndpoint(e.other, "https://hooks.example/other")
	// Users of both partners with a card of a token of this test only.
	tok := "tok-n-" + ids.LowerAlnum(8)
	alice, aliceCard := e.newUser(e.partnerID, tok)
	carolID, _ := e.newUser(e.providerOf(e.carol), tok)
	withToken := func(b map[string]any) map[string]any {
		b["payments"].([]any)[0].(map[string]any)["cardToken"] = tok
		return b
	}
	id := e.post(withToken(receiptBody("N1")))

	ds := e.receiptDeliveries(id)
	if len(ds) != 2 {
		t.Fatalf("%d RECEIPT notifications, want one per matched user (alice, carol)", len(ds))
	}
	byUser := map[string]receiptDelivery{}
	for _, d := range ds {
		byUser[d.payload["userId"].(string)] = d
	}
	aliceN, carol := byUser[alice], byUser[carolID]
	if aliceN.owner != e.partnerID || carol.payload == nil || carol.owner == e.partnerID {
		t.Fatalf("notifications went to the wrong partners: %+v", ds)
	}
	p := aliceN.payload
	want := map[string]any{"merchantId": e.merchant, "purchaseDateTime": "2026-11-01T10:34:23.000+02:00", "receiptId": id,
		"storeId": "s1", "storeName": "Ærø Bageri Nørrebro", "totalOrderPrice": json.Number("34.5"), "currency": "DKK",
		"userId": alice, "status": "CREATED", "externalReceiptId": "N1", "externalReceiptIdType": "till"}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %#v, want %#v", k, p[k], v)
		}
	}
	if cards, _ := p["cardIds"].([]any); len(cards) != 1 || cards[0] != aliceCard {
		t.Errorf("cardIds = %v, want [%s]", p["cardIds"], aliceCard)
	}
	txs, _ := p["transactions"].([]any)
	if len(txs) != 1 {
		t.Fatalf("transactions = %v", p["transactions"])
	}
	if tx := txs[0].(map[string]any); tx["truncatedCardNumber"] != "457100XXXXXX0001" || tx["transactionId"] != "300001116910" {
		t.Errorf("transaction = %v", tx)
	}
	for _, d := range ds {
		if strings.Contains(d.raw, tok) || strings.Contains(d.raw, pan) {
			t.Fatalf("a card token or number in a notification: %s", d.raw)
		}
	}
	// The other partner's notification names its own user and card only.
	if carol.payload["userId"] != carolID || strings.Contains(carol.raw, alice) || strings.Contains(carol.raw, aliceCard) {
		t.Fatalf("carol's notification: %s", carol.raw)
	}

	// The same receipt again: one UPDATED per user, nothing repeated.
	body := withToken(receiptBody("N1"))
	body["storeName"] = "Ærø Bageri Vesterbro"
	if res := e.do(e.pos, "POST", receiver, body); res.Status != http.StatusOK && res.Status != http.StatusCreated {
		t.Fatalf("repost: %d %s", res.Status, res.Body)
	}
	ds = e.receiptDeliveries(id)
	if len(ds) != 4 || ds[2].payload["status"] != "UPDATED" || ds[3].payload["status"] != "UPDATED" ||
		ds[2].payload["storeName"] != "Ærø Bageri Vesterbro" {
		t.Fatalf("after the update: %d notifications %+v", len(ds), ds)
	}

	// A receipt no user's card paid for notifies no one.
	nobody := receiptBody("N2")
	nobody["payments"] = []any{map[string]any{"type": "CASH", "amount": "34.50"}}
	if ds := e.receiptDeliveries(e.post(nobody)); len(ds) != 0 {
		t.Fatalf("unmatched receipt notified: %+v", ds)
	}
}

// providerOf returns the partner of a user.
func (e *env) providerOf(userID string) int64 {
	e.t.Helper()
	var id int64
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT provider_id FROM users WHERE user_id = $1`, userID).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// phoneOf returns a user's phone number.
func (e *env) phoneOf(userID string) string {
	e.t.Helper()
	var phone string
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT phone FROM users WHERE user_id = $1`, userID).Scan(&phone); err != nil {
		e.t.Fatal(err)
	}
	return phone
}

// TestLateCardMatchesRecentReceiptsAndNotifies: receipts that no card
// matched are kept; a card registered later (here through the User API's
// signup with card, which adds it to the existing user) gets those of
// the last 30 days by purchase time, with a RECEIPT notification each,
// once.
func TestLateCardMatchesRecentReceiptsAndNotifies(t *testing.T) {
	e := newEnv(t)
	e.setReceiptEndpoint(e.partner, "https://hooks.example/partner")
	tok := "tok-late-" + ids.LowerAlnum(8)
	at := func(ago time.Duration) string { return time.Now().Add(-ago).UTC().Format(time.RFC3339) }
	post := func(ext string, ago time.Duration) string {
		b := receiptBody(ext)
		b["purchaseDateTime"] = at(ago)
		b["payments"] = []any{map[string]any{"type": "CARD", "amount": "34.50", "cardToken": tok,
			"truncatedCardNumber": "457100XXXXXX0001", "transactionId": "77"}}
		return e.post(b)
	}
	recent, old := post("L1", 48*time.Hour), post("L2", 31*24*time.Hour)
	list := func(userID string) []string {
		res := e.do(e.partner, "GET", "/receipt-data/v1/users/"+userID+"/receipts?orderBy=date&direction=asc", nil)
		var page struct{ Receipts []struct{ ReceiptID string } }
		res.JSON(t, &page)
		var out []string
		for _, r := range page.Receipts {
			out = append(out, r.ReceiptID)
		}
		return out
	}
	if got := list(e.bob); len(got) != 0 {
		t.Fatalf("bob has receipts before his card: %v", got)
	}

	signup := map[string]any{"phonenumber": e.phoneOf(e.bob), "truncatedPan": "457100XXXXXX0001", "token": tok}
	res := e.do(e.partner, "POST", "/api/v1/signup/card", signup)
	if res.Status/100 != 2 {
		t.Fatalf("signup with card: %d %s", res.Status, res.Body)
	}
	if got := list(e.bob); len(got) != 1 || got[0] != recent {
		t.Fatalf("bob's receipts after his card: %v, want only the recent %s (not %s)", got, recent, old)
	}
	ds := e.receiptDeliveries(recent)
	if len(ds) != 1 || ds[0].owner != e.partnerID || ds[0].payload["userId"] != e.bob || ds[0].payload["status"] != "CREATED" {
		t.Fatalf("late-match notifications: %+v", ds)
	}
	if cards, _ := ds[0].payload["cardIds"].([]any); len(cards) != 1 || strings.Contains(ds[0].raw, tok) {
		t.Fatalf("late-match payload: %s", ds[0].raw)
	}
	if len(e.receiptDeliveries(old)) != 0 {
		t.Fatal("a receipt older than 30 days was matched")
	}
	// The same card again changes nothing and notifies no one again.
	if res := e.do(e.partner, "POST", "/api/v1/signup/card", signup); res.Status/100 != 2 {
		t.Fatalf("second signup: %d %s", res.Status, res.Body)
	}
	if len(e.receiptDeliveries(recent)) != 1 || len(list(e.bob)) != 1 {
		t.Fatal("re-adding the card matched again")
	}
	// A receipt paid with the card after it was registered matches at
	// once, as before.
	if ds := e.receiptDeliveries(post("L3", time.Hour)); len(ds) != 1 || ds[0].payload["userId"] != e.bob {
		t.Fatalf("receipt after the card: %+v", ds)
	}
}

// TestReceiptSettledLineByLine is a golden case of seed 002's receipt
// settlement: a receipt from a store whose source is receipt is settled
// per line by its product's category, a product campaign overrides the
// category, blocked, unknown and negative lines are not settled, shares
// round half up to 2 decimals; the settlements show among the merchant's
// settlements and are invoiced; an UPDATED receipt does not settle again.
func TestReceiptSettledLineByLine(t *testing.T) {
	e := newEnv(t)
	adm := testenv.Credential(t, e.app, auth.KindAdmin)
	admin := testenv.BasicAuth(adm.Username, adm.Secret)
	must := func(method, path string, body any) map[string]any {
		t.Helper()
		res := e.do(admin, method, path, body)
		if res.Status/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
		}
		var out map[string]any
		_ = json.Unmarshal(res.Body, &out)
		return out
	}
	store := "rs-" + ids.LowerAlnum(8)
	p1, p2, blocked, unknown := "P1"+ids.LowerAlnum(8), "P2"+ids.LowerAlnum(8), "B"+ids.LowerAlnum(8), "U"+ids.LowerAlnum(8)
	must("POST", "/api/v1/stores", map[string]any{"merchantId": e.merchant, "storeNumber": store, "name": "Receipt store",
		"userShare": 50, "providerShare": 50, "source": "receipt"})
	cat := must("POST", "/api/v1/categories", map[string]any{"merchantId": e.merchant, "name": "Bread",
		"userShare": 10, "providerShare": 2.5})["categoryId"].(string)
	must("POST", "/api/v1/categories/"+cat+"/products", []map[string]any{{"productNumber": p1, "name": "Rye"}, {"productNumber": p2, "name": "Bun"},
		{"productNumber": blocked, "name": "Tobacco"}})
	must("POST", "/api/v1/blockedproducts", map[string]any{"productNumber": blocked, "name": "Tobacco"})
	campaign := must("POST", "/api/v1/campaigns", map[string]any{"merchantId": e.merchant, "campaignStart": "2026-01-01T00:00:00Z",
		"campaignEnd": "2027-01-01T00:00:00Z", "userShare": 20, "providerShare": 5, "productNumber": p2})["campaignId"].(string)

	line := func(product, total string) map[string]any {
		return map[string]any{"productNumber": product, "name": "Item", "totalPrice": total}
	}
	tok := "tok-s-" + ids.LowerAlnum(8)
	payer, _ := e.newUser(e.partnerID, tok)
	body := receiptBody("S1")
	body["payments"].([]any)[0].(map[string]any)["cardToken"] = tok
	body["storeId"] = store
	body["receiptLines"] = []any{line(p1, "100.00"), line(p2, "33.33"), line(blocked, "50.00"), line(unknown, "10.00"),
		line(p1, "-5.00"), line(p1, "0.05")}
	id := e.post(body)

	from := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	to := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	settlements := func() []map[string]any {
		var page struct{ Settlements []map[string]any }
		res := e.do(admin, "GET", "/api/v1/settlements?startdate="+url.QueryEscape(from)+"&enddate="+url.QueryEscape(to)+"&merchant="+e.merchant, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("settlements: %d %s", res.Status, res.Body)
		}
		dec := json.NewDecoder(strings.NewReader(string(res.Body)))
		dec.UseNumber()
		if err := dec.Decode(&page); err != nil {
			t.Fatal(err)
		}
		return page.Settlements
	}
	got := settlements()
	golden := []struct{ amount, user, provider, campaign string }{
		{"100", "10", "2.5", ""},            // category: 10 % and 2.5 %
		{"33.33", "6.67", "1.67", campaign}, // product campaign: 20 % of 33.33 = 6.666, 5 % = 1.6665, half up
		{"0.05", "0.01", "0", ""},           // 0.005 rounds up, 0.00125 down
	}
	if len(got) != len(golden) {
		t.Fatalf("%d settlements, want %d: %v", len(got), len(golden), got)
	}
	// Settlements list in processing order; match them by amount.
	byAmount := map[string]map[string]any{}
	for _, s := range got {
		byAmount[string(s["amount"].(json.Number))] = s
	}
	for _, g := range golden {
		s := byAmount[g.amount]
		if s == nil {
			t.Fatalf("no settlement of %s: %v", g.amount, got)
		}
		u, _ := s["userShare"].(json.Number)
		p, _ := s["providerShare"].(json.Number)
		if !numEq(u, g.user) || !numEq(p, g.provider) || s["source"] != "receipt" || s["transactionId"] != id ||
			s["userId"] != payer || s["merchantId"] != e.merchant || s["currency"] != "DKK" ||
			(s["campaignId"] != nil && s["campaignId"] != g.campaign) || (g.campaign != "" && s["campaignId"] != g.campaign) ||
			s["truncatedCardNumber"] != "457100XXXXXX0001" {
			t.Errorf("line %s: %v", g.amount, s)
		}
	}

	// An update of the receipt does not settle it again.
	body["receiptLines"] = []any{line(p1, "1000.00")}
	e.do(e.pos, "POST", receiver, body)
	if again := settlements(); len(again) != len(golden) {
		t.Fatalf("after the update: %d settlements, want %d", len(again), len(golden))
	}

	// Settling the merchant invoices the receipt's settlements.
	must("POST", "/api/v1/merchants/settle?externalMerchantId="+e.merchant, nil)
	var n int
	var sum string
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT settlement_count, amount::text FROM invoices
		WHERE merchant_id = $1 AND type = 'userShare'`, e.merchant).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 3 || !numEq(json.Number(sum), "16.68") {
		t.Fatalf("invoice: %d settlements, %s user share", n, sum)
	}
}

// numEq compares decimal text by value ("2.50" equals "2.5").
func numEq(a json.Number, b string) bool {
	trim := func(s string) string {
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		return s
	}
	return trim(string(a)) == trim(b)
}
