package receiptdata_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/secret"
	"loyaltygraph/store/postgres"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const pan = "4571000000000001" // passes Luhn

// env is one app with a merchant and its till, two partners, and users:
// alice (card token tok-a) and bob of the first partner, carol (also card
// token tok-a, at the other partner) and dave of the other partner.
type env struct {
	t                   *testing.T
	app                 *wire.App
	db                  *postgres.DB
	merchant            string
	pos, partner, other string // Authorization header values
	alice, bob, carol   string
	aliceCard           string
	partnerID           int64
	seq                 int
	// The partners' secrets (they sign views by external id) and the
	// other partner's credential id.
	partnerSecret, otherSecret string
	otherID                    int64
}

func newEnv(t *testing.T) *env { return newEnvWith(t, wire.Options{}) }

// newEnvWith is newEnv on an app built with opts.
func newEnvWith(t *testing.T, opts wire.Options) *env {
	ctx := context.Background()
	a := testenv.AppWith(t, opts)
	e := &env{t: t, app: a, db: testenv.DB(t), merchant: "m" + ids.LowerAlnum(10)}
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO merchants (merchant_id, name) VALUES ($1, 'Ærø Bageri')`, e.merchant); err != nil {
		t.Fatal(err)
	}
	pos, err := a.Auth.CreatePOSCredential(ctx, "till 1", e.merchant)
	if err != nil {
		t.Fatal(err)
	}
	p := testenv.Credential(t, a, auth.KindPartner)
	o := testenv.Credential(t, a, auth.KindPartner)
	e.pos, e.partner, e.other = testenv.BasicAuth(pos.Username, pos.Secret), testenv.BasicAuth(p.Username, p.Secret),
		testenv.BasicAuth(o.Username, o.Secret)
	pp, err := a.Auth.AuthenticateBasic(ctx, p.Username, p.Secret)
	if err != nil {
		t.Fatal(err)
	}
	op, err := a.Auth.AuthenticateBasic(ctx, o.Username, o.Secret)
	if err != nil {
		t.Fatal(err)
	}
	e.partnerID, e.otherID = pp.CredentialID, op.CredentialID
	e.partnerSecret, e.otherSecret = p.Secret, o.Secret
	e.alice, e.aliceCard = e.newUser(pp.CredentialID, "tok-a")
	e.bob, _ = e.newUser(pp.CredentialID, "")
	e.carol, _ = e.newUser(op.CredentialID, "tok-a")
	return e
}

// newUser stores a user of provider with a card of token tok (none when
// empty), its token found by the server's keyed hash as signups store it.
func (e *env) newUser(provider int64, tok string) (userID, cardID string) {
	e.t.Helper()
	e.seq++
	now := time.Now().UTC()
	u := &user.User{ID: ids.New(), Provider: user.Provider{ID: provider}, Phone: fmt.Sprintf("45%08d", e.seq*7919+int(provider)),
		MemberID: ids.LowerAlnum(8), CreatedAt: now, UpdatedAt: now}
	var card *user.Card
	if tok != "" {
		sealed, err := e.app.Keys.Seal([]byte(tok))
		if err != nil {
			e.t.Fatal(err)
		}
		card = &user.Card{ID: ids.New(), TruncatedPAN: "457100XXXXXX0001", SealedToken: sealed,
			TokenHash: e.app.Keys.LookupHash([]byte(tok)), CreatedAt: now}
		cardID = card.ID
	}
	if err := postgres.NewUserStore(e.db, nil, nil).CreateUser(context.Background(), u, card, nil); err != nil {
		e.t.Fatal(err)
	}
	return u.ID, cardID
}

func (e *env) do(authz, method, path string, body any) *testenv.Response {
	e.t.Helper()
	return testenv.Do(e.t, e.app.Handler, method, path, body, "Authorization", authz)
}

// receiptBody is a valid posted receipt with external id ext.
func receiptBody(ext string, lines ...string) map[string]any {
	if len(lines) == 0 {
		lines = []string{"Smørrebrød med æg"}
	}
	var ls []any
	for i, l := range lines {
		ls = append(ls, map[string]any{"lineNumber": i + 1, "name": l, "count": 2, "itemPrice": "17.25", "totalPrice": 34.5, "vatRate": 25})
	}
	return map[string]any{
		"externalReceiptId": ext, "externalReceiptIdType": "till", "purchaseDateTime": "2026-11-01T10:34:23+02:00",
		"storeId": "s1", "storeName": "Ærø Bageri Nørrebro", "orderNumber": "42", "headerText": []string{"Velkommen"},
		"totalOrderPrice": map[string]any{"amount": 34.5, "currency": "DKK", "vatRates": []any{map[string]any{"rate": 25, "value": 6.9}}},
		"receiptLines":    ls,
		"payments": []any{map[string]any{"type": "CARD", "amount": "34.50", "cardToken": "tok-a",
			"truncatedCardNumber": "457100XXXXXX0001", "transactionId": "300001116910"}},
		"barcode": map[string]any{"type": "code128", "value": "R" + ext},
	}
}

const receiver = "/api/receipt-receiver/v2/receipts"

func (e *env) post(body map[string]any) string {
	e.t.Helper()
	res := e.do(e.pos, "POST", receiver, body)
	if res.Status != http.StatusCreated {
		e.t.Fatalf("post receipt: %d %s", res.Status, res.Body)
	}
	return res.Object(e.t)["receiptId"].(string)
}

func (e *env) countReceipts() int {
	e.t.Helper()
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM receipts WHERE merchant_id = $1`, e.merchant).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestIngestCreatesThenUpdatesAndMatchesByCardToken(t *testing.T) {
	e := newEnv(t)
	res := e.do(e.pos, "POST", receiver, receiptBody("R1"))
	if res.Status != http.StatusCreated {
		t.Fatalf("first post: %d %s", res.Status, res.Body)
	}
	first := res.Object(t)
	id, _ := first["receiptId"].(string)
	if first["status"] != "CREATED" || len(id) != 32 || !ids.IsLowerAlnum(id) {
		t.Fatalf("first post answered %v", first)
	}
	res = e.do(e.pos, "POST", receiver, receiptBody("R1", "Rugbrød", "Kaffe"))
	if res.Status != http.StatusOK {
		t.Fatalf("re-post: %d %s", res.Status, res.Body)
	}
	if again := res.Object(t); again["status"] != "UPDATED" || again["receiptId"] != id {
		t.Fatalf("re-post answered %v, want UPDATED %s", again, id)
	}
	if n := e.countReceipts(); n != 1 {
		t.Fatalf("%d receipts stored, want 1", n)
	}
	// Alice's and carol's cards carry the token; each partner sees its own.
	for _, who := range []struct{ authz, user string }{{e.partner, e.alice}, {e.other, e.carol}} {
		res := e.do(who.authz, "GET", "/receipt-data/v1/users/"+who.user+"/receipts/"+id, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("details for %s: %d %s", who.user, res.Status, res.Body)
		}
		if strings.Contains(string(res.Body), "tok-a") {
			t.Errorf("details hold the card token: %s", res.Body)
		}
	}
	var d struct {
		ReceiptID    string
		ReceiptLines []struct{ Name string }
		Payments     []struct {
			Type  string
			Price struct{ Amount float64 }
			Card  struct{ TruncatedCardNumber, CardID string }
		}
		MatchedCards []struct{ CardID, TruncatedCardNumber string }
		Optionals    struct{ ExternalReceiptID, ExternalReceiptIDType string }
		GrandTotal   struct {
			Amount   float64
			Currency string
			VAT      float64
		}
		PurchaseDateTime string
	}
	e.do(e.partner, "GET", "/receipt-data/v1/users/"+e.alice+"/receipts/"+id, nil).JSON(t, &d)
	if len(d.ReceiptLines) != 2 || d.ReceiptLines[0].Name != "Rugbrød" {
		t.Errorf("re-post did not replace the lines: %+v", d.ReceiptLines)
	}
	if len(d.MatchedCards) != 1 || d.MatchedCards[0].CardID != e.aliceCard || d.Payments[0].Card.CardID != e.aliceCard ||
		d.Payments[0].Card.TruncatedCardNumber != "457100XXXXXX0001" {
		t.Errorf("matched cards %+v, payment %+v", d.MatchedCards, d.Payments)
	}
	if d.GrandTotal.Amount != 34.5 || d.GrandTotal.VAT != 6.9 || d.GrandTotal.Currency != "DKK" || d.Payments[0].Price.Amount != 34.5 {
		t.Errorf("money: %+v %+v", d.GrandTotal, d.Payments)
	}
	if d.PurchaseDateTime != "2026-11-01T10:34:23+02:00" || d.Optionals.ExternalReceiptID != "R1" {
		t.Errorf("purchase time %q, optionals %+v", d.PurchaseDateTime, d.Optionals)
	}
	// Bob has no card of the token: he does not have the receipt.
	if res := e.do(e.partner, "GET", "/receipt-data/v1/users/"+e.bob+"/receipts/"+id, nil); res.Status != http.StatusNotFound {
		t.Errorf("bob's details: %d", res.Status)
	}
}

func TestIngestBadInputNamesTheFieldAndStoresNothing(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name  string
		edit  func(b map[string]any)
		field string
	}{
		{"no external id", func(b map[string]any) { delete(b, "externalReceiptId") }, "externalReceiptId"},
		{"no id type", func(b map[string]any) { b["externalReceiptIdType"] = "" }, "externalReceiptIdType"},
		{"no purchase time", func(b map[string]any) { delete(b, "purchaseDateTime") }, "purchaseDateTime"},
		{"time without offset", func(b map[string]any) { b["purchaseDateTime"] = "2026-11-01T10:34:23" }, "purchaseDateTime"},
		{"no total", func(b map[string]any) { delete(b, "totalOrderPrice") }, "totalOrderPrice"},
		{"no amount", func(b map[string]any) { b["totalOrderPrice"] = map[string]any{"currency": "DKK"} }, "totalOrderPrice.amount"},
		{"bad amount", func(b map[string]any) { b["totalOrderPrice"] = map[string]any{"amount": "ten", "currency": "DKK"} }, "totalOrderPrice.amount"},
		{"huge exponent", func(b map[string]any) {
			b["totalOrderPrice"] = map[string]any{"amount": "1e999999999", "currency": "DKK"}
		}, "totalOrderPrice.amount"},
		{"no currency", func(b map[string]any) { b["totalOrderPrice"] = map[string]any{"amount": 1} }, "totalOrderPrice.currency"},
		{"line without total", func(b map[string]any) {
			b["receiptLines"] = []any{map[string]any{"name": "a", "totalPrice": 1}, map[string]any{"name": "b"}}
		}, "receiptLines[1].totalPrice"},
		{"line without name", func(b map[string]any) { b["receiptLines"] = []any{map[string]any{"totalPrice": 1}} }, "receiptLines[0].name"},
		{"payment without type", func(b map[string]any) { b["payments"] = []any{map[string]any{"amount": 1}} }, "payments[0].type"},
		{"bad masked number", func(b map[string]any) {
			b["payments"] = []any{map[string]any{"type": "CARD", "amount": 1, "truncatedCardNumber": "4571XXXXXXXXXXXX"}}
		}, "payments[0].truncatedCardNumber"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := receiptBody("BAD-" + ids.LowerAlnum(6))
			tc.edit(b)
			res := e.do(e.pos, "POST", receiver, b)
			if res.Status != http.StatusBadRequest || res.Object(t)["field"] != tc.field {
				t.Fatalf("%d %s, want 400 naming %s", res.Status, res.Body, tc.field)
			}
		})
	}
	if n := e.countReceipts(); n != 0 {
		t.Fatalf("%d receipts stored from bad input", n)
	}
}

func TestIngestRefusesCardNumbersAndNeverStoresThem(t *testing.T) {
	e := newEnv(t)
	cases := map[string]func(b map[string]any){
		"payments[0].truncatedCardNumber": func(b map[string]any) {
			b["payments"] = []any{map[string]any{"type": "CARD", "amount": 1, "truncatedCardNumber": pan}}
		},
		"payments[0].cardToken": func(b map[string]any) {
			b["payments"] = []any{map[string]any{"type": "CARD", "amount": 1, "cardToken": pan}}
		},
		"receiptLines[0].name": func(b map[string]any) {
			b["receiptLines"] = []any{map[string]any{"name": "gift card " + pan, "totalPrice": 1}}
		},
		"footerText[0]":     func(b map[string]any) { b["footerText"] = []string{"4571 0000 0000 0001"} },
		"barcode.value":     func(b map[string]any) { b["barcode"] = map[string]any{"value": pan} },
		"customer.cid":      func(b map[string]any) { b["customer"] = map[string]any{"userIdType": "shop", "cid": pan} },
		"externalReceiptId": func(b map[string]any) { b["externalReceiptId"] = pan },
	}
	for field, edit := range cases {
		t.Run(field, func(t *testing.T) {
			b := receiptBody("PAN-" + ids.LowerAlnum(6))
			edit(b)
			res := e.do(e.pos, "POST", receiver, b)
			if res.Status != http.StatusBadRequest || res.Object(t)["field"] != field {
				t.Fatalf("%d %s, want 400 naming %s", res.Status, res.Body, field)
			}
			if strings.Contains(string(res.Body), pan) || strings.Contains(string(res.Body), "4571 0000") {
				t.Errorf("the answer echoes the card number: %s", res.Body)
			}
		})
	}
	var n int
	err := e.db.Pool.QueryRow(context.Background(), `
		SELECT (SELECT count(*) FROM receipts r WHERE r::text LIKE '%4571000000000001%' OR r::text LIKE '%4571 0000%')
			+ (SELECT count(*) FROM receipts WHERE merchant_id = $1)`, e.merchant).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d receipts stored with a card number", n)
	}
}

func TestIngestOnlyForTills(t *testing.T) {
	e := newEnv(t)
	if res := testenv.Do(t, e.app.Handler, "POST", receiver, receiptBody("X1")); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", res.Status)
	}
	if res := e.do(e.partner, "POST", receiver, receiptBody("X1")); res.Status != http.StatusForbidden {
		t.Errorf("partner: %d %s", res.Status, res.Body)
	}
	if n := e.countReceipts(); n != 0 {
		t.Fatalf("%d receipts stored", n)
	}
}

func TestListSearchPagesAndFilters(t *testing.T) {
	e := newEnv(t)
	a := e.post(receiptBody("L1", "Smørrebrød med æg"))
	b2 := receiptBody("L2", "Kaffe")
	b2["purchaseDateTime"] = "2026-10-01T08:00:00Z"
	b2["totalOrderPrice"] = map[string]any{"amount": 120, "currency": "DKK"}
	b := e.post(b2)
	base := "/receipt-data/v1/users/" + e.alice + "/receipts"

	type page struct {
		TotalSize int
		Receipts  []struct {
			ReceiptID, MerchantID, PurchaseDateTime, StoreName string
			GrandTotal                                         struct {
				Amount   float64
				Currency string
				VAT      float64
			}
			Merchant struct{ MerchantID, Name string }
		}
		Previous, Next *string
	}
	get := func(q string) page {
		t.Helper()
		res := e.do(e.partner, "GET", base+"?"+q, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", q, res.Status, res.Body)
		}
		var p page
		res.JSON(t, &p)
		return p
	}
	idsOf := func(p page) []string {
		var out []string
		for _, r := range p.Receipts {
			out = append(out, r.ReceiptID)
		}
		return out
	}
	all := get("orderBy=date&direction=desc")
	if all.TotalSize != 2 || all.Receipts[0].ReceiptID != a || all.Previous != nil || all.Next != nil {
		t.Fatalf("whole list: %+v", all)
	}
	if r := all.Receipts[0]; r.Merchant.Name != "Ærø Bageri" || r.MerchantID != e.merchant || r.GrandTotal.Amount != 34.5 ||
		r.GrandTotal.VAT != 6.9 || r.StoreName != "Ærø Bageri Nørrebro" || r.PurchaseDateTime != "2026-11-01T10:34:23+02:00" {
		t.Errorf("summary %+v", r)
	}
	if got := idsOf(get("orderBy=total&direction=desc")); got[0] != b {
		t.Errorf("by total desc: %v", got)
	}
	for _, term := range []string{"sm%C3%B8rrebr%C3%B8d", "SM%C3%98RREBR%C3%98D"} {
		if p := get("orderBy=date&direction=asc&search=" + term); p.TotalSize != 1 || p.Receipts[0].ReceiptID != a {
			t.Errorf("search %s: %v", term, idsOf(p))
		}
	}
	if p := get("orderBy=date&direction=asc&startGrandTotal=120&endGrandTotal=120"); p.TotalSize != 1 || p.Receipts[0].ReceiptID != b {
		t.Errorf("inclusive total range: %v", idsOf(p))
	}
	if p := get("orderBy=date&direction=asc&startDate=2026-10-01T08:00:00Z&endDate=2026-10-01T08:00:00Z"); p.TotalSize != 1 {
		t.Errorf("inclusive date range: %v", idsOf(p))
	}
	// The seed's example offset, with its "+" unescaped.
	if p := get("orderBy=date&direction=asc&startDate=2026-11-01T10:34:23+02:00"); p.TotalSize != 1 || p.Receipts[0].ReceiptID != a {
		t.Errorf("startDate with an unescaped offset: %v", idsOf(p))
	}
	first := get("orderBy=date&direction=asc&limit=1")
	if first.TotalSize != 2 || len(first.Receipts) != 1 || first.Previous != nil || first.Next == nil {
		t.Fatalf("first page: %+v", first)
	}
	res := e.do(e.partner, "GET", *first.Next, nil)
	var second page
	res.JSON(t, &second)
	if len(second.Receipts) != 1 || second.Receipts[0].ReceiptID != a || second.Next != nil || second.Previous == nil {
		t.Fatalf("second page (%s): %s", *first.Next, res.Body)
	}

	for q, field := range map[string]string{
		"direction=asc":                                  "orderBy",
		"orderBy=price&direction=asc":                    "orderBy",
		"orderBy=date":                                   "direction",
		"orderBy=date&direction=sideways":                "direction",
		"orderBy=date&direction=asc&limit=x":             "limit",
		"orderBy=date&direction=asc&startDate=yesterday": "startDate",
		"orderBy=date&direction=asc&endGrandTotal=lots":  "endGrandTotal",
	} {
		res := e.do(e.partner, "GET", base+"?"+q, nil)
		if res.Status != http.StatusBadRequest || res.Object(t)["field"] != field {
			t.Errorf("%s: %d %s, want 400 naming %s", q, res.Status, res.Body, field)
		}
	}
}

func TestAnotherPartnersUserIsNotFound(t *testing.T) {
	e := newEnv(t)
	id := e.post(receiptBody("P1"))
	for _, req := range []struct{ method, path string }{
		{"GET", "/receipt-data/v1/users/" + e.alice + "/receipts?orderBy=date&direction=asc"},
		{"GET", "/receipt-data/v1/users/" + e.alice + "/receipts/" + id},
		{"DELETE", "/receipt-data/v1/users/" + e.alice + "/receipts/" + id},
		{"POST", "/receipt-data/v1/users/" + e.alice + "/receipts/" + id + "/copy"},
	} {
		if res := e.do(e.other, req.method, req.path, nil); res.Status != http.StatusNotFound {
			t.Errorf("other partner %s %s: %d %s", req.method, req.path, res.Status, res.Body)
		}
	}
	if res := e.do(e.pos, "GET", "/receipt-data/v1/users/"+e.alice+"/receipts/"+id, nil); res.Status != http.StatusForbidden {
		t.Errorf("till reading a user's receipt: %d", res.Status)
	}
	// An end user sees its own receipts and no one else's.
	tokens, err := secret.NewUserTokens(testenv.SecretKey, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.Issue(e.alice, "4500000000", e.partnerID)
	if err != nil {
		t.Fatal(err)
	}
	own := testenv.Do(t, e.app.Handler, "GET", "/receipt-data/v1/users/"+e.alice+"/receipts/"+id, nil, "X-Storebox-user-token", tok)
	if own.Status != http.StatusOK {
		t.Errorf("end user's own receipt: %d %s", own.Status, own.Body)
	}
	bob := testenv.Do(t, e.app.Handler, "GET", "/receipt-data/v1/users/"+e.bob+"/receipts?orderBy=date&direction=asc", nil, "X-Storebox-user-token", tok)
	if bob.Status != http.StatusNotFound {
		t.Errorf("end user reading another user's list: %d", bob.Status)
	}
}

func TestDeleteThenNotFoundAndCopyWithHistory(t *testing.T) {
	e := newEnv(t)
	id := e.post(receiptBody("C1"))
	path := "/receipt-data/v1/users/" + e.alice + "/receipts/" + id

	res := e.do(e.partner, "POST", path+"/copy", map[string]any{"toUserId": e.carol})
	if res.Status != http.StatusNotFound || res.Object(t)["field"] != "toUserId" {
		t.Errorf("copy to another partner's user: %d %s", res.Status, res.Body)
	}
	res = e.do(e.partner, "POST", path+"/copy", map[string]any{"toUserId": e.bob})
	if res.Status != http.StatusCreated {
		t.Fatalf("copy: %d %s", res.Status, res.Body)
	}
	copyID := res.Object(t)["receiptId"].(string)
	type hist struct {
		ReceiptCopyHistory []struct{ FromUserID, ToUserID, CopiedAt string }
		ReceiptLines       []struct{ Name string }
	}
	var orig, cp hist
	e.do(e.partner, "GET", path, nil).JSON(t, &orig)
	e.do(e.partner, "GET", "/receipt-data/v1/users/"+e.bob+"/receipts/"+copyID, nil).JSON(t, &cp)
	for _, h := range []hist{orig, cp} {
		if len(h.ReceiptCopyHistory) != 1 || h.ReceiptCopyHistory[0].FromUserID != e.alice || h.ReceiptCopyHistory[0].ToUserID != e.bob {
			t.Errorf("copy history %+v", h.ReceiptCopyHistory)
		}
	}
	if len(cp.ReceiptLines) != 1 || cp.ReceiptLines[0].Name != "Smørrebrød med æg" {
		t.Errorf("copy's lines %+v", cp.ReceiptLines)
	}
	// No body: a copy for the same user.
	if res := e.do(e.partner, "POST", path+"/copy", nil); res.Status != http.StatusCreated {
		t.Errorf("copy to self: %d %s", res.Status, res.Body)
	}

	if res := e.do(e.partner, "DELETE", path, nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if res := e.do(e.partner, m, path, nil); res.Status != http.StatusNotFound {
			t.Errorf("%s after delete: %d", m, res.Status)
		}
	}
	if res := e.do(e.partner, "GET", "/receipt-data/v1/users/"+e.bob+"/receipts/"+copyID, nil); res.Status != http.StatusOK {
		t.Errorf("bob's copy after alice's delete: %d", res.Status)
	}
	if res := e.do(e.partner, "GET", "/receipt-data/v1/users/"+e.alice+"/receipts/nosuchreceipt", nil); res.Status != http.StatusNotFound {
		t.Errorf("malformed receipt id: %d", res.Status)
	}
}
