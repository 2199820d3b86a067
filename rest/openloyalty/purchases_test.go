package openloyalty_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/postgres"
)

// appUser stores a user of a new partner with a verified phone (MSISDN
// digits) and a card of token tok, as signups store them.
func (e *env) appUser(phone, tok string) string {
	e.t.Helper()
	p := testenv.Credential(e.t, e.app, auth.KindPartner)
	pp, err := e.app.Auth.AuthenticateBasic(context.Background(), p.Username, p.Secret)
	if err != nil {
		e.t.Fatal(err)
	}
	now := time.Now().UTC()
	u := &user.User{ID: ids.New(), Provider: user.Provider{ID: pp.CredentialID}, Phone: phone, PhoneVerified: true,
		MemberID: ids.LowerAlnum(8), CreatedAt: now, UpdatedAt: now}
	sealed, err := e.app.Keys.Seal([]byte(tok))
	if err != nil {
		e.t.Fatal(err)
	}
	card := &user.Card{ID: ids.New(), TruncatedPAN: "457100XXXXXX0001", SealedToken: sealed,
		TokenHash: e.app.Keys.LookupHash([]byte(tok)), CreatedAt: now}
	if err := postgres.NewUserStore(testenv.DB(e.t), nil, nil).CreateUser(context.Background(), u, card, nil); err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

type purchaseStatus struct {
	Points             float64 `json:"points"`
	TransactionsCount  int     `json:"transactionsCount"`
	TransactionsAmount float64 `json:"transactionsAmount"`
	LevelName          string  `json:"levelName"`
}

func (e *env) purchaseStatus(admin, id string) purchaseStatus {
	e.t.Helper()
	res := e.do("GET", "/api/DEFAULT/admin/customer/"+id+"/status", admin, nil)
	if res.Status != http.StatusOK {
		e.t.Fatalf("status: %d %s", res.Status, res.Body)
	}
	var s purchaseStatus
	res.JSON(e.t, &s)
	return s
}

// TestPurchasesOfTheLinkedUserEarnPoints: a receipt and a settled
// transaction paid with the card of an app user earn points (rate 1) for
// the customer whose verified phone is the user's verified phone, and
// count in its status and level; a replayed receipt or transaction earns
// nothing more; a customer whose phone is not verified earns nothing.
func TestPurchasesOfTheLinkedUserEarnPoints(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin, _ := e.staff()
	phone, tok := uniqPhone(), "tok-"+ids.LowerAlnum(12)
	e.appUser(strings.TrimPrefix(phone, "+"), tok)
	id := e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "Buy", "customer[lastName]", "Er",
		"customer[email]", uniq("buy")+"@example.com", "customer[phone]", phone, "customer[agreement1]", "1")
	// Another pair whose customer never verifies its phone.
	phone2, tok2 := uniqPhone(), "tok-"+ids.LowerAlnum(12)
	e.appUser(strings.TrimPrefix(phone2, "+"), tok2)
	unverified := e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "Not", "customer[lastName]", "Verified",
		"customer[email]", uniq("buy2")+"@example.com", "customer[phone]", phone2, "customer[agreement1]", "1")

	// The merchant, its till and a settlement client's store.
	sc := testenv.Credential(t, e.app, auth.KindSettlement)
	settlement := testenv.BasicAuth(sc.Username, sc.Secret)
	merchant, storeNumber := "m"+ids.LowerAlnum(10), fmt.Sprintf("97%08d", rand.IntN(100_000_000))
	for _, r := range []struct {
		path string
		body map[string]any
	}{
		{"/api/v1/merchants", map[string]any{"merchantId": merchant, "merchantName": "Points Shop"}},
		{"/api/v1/stores", map[string]any{"storeId": merchant + "-s", "merchantId": merchant, "storeNumber": storeNumber, "name": "Store",
			"userShare": 10, "userShareType": "percentage", "providerShare": 5, "providerShareType": "percentage"}},
	} {
		if res := testenv.Do(t, e.app.Handler, "POST", r.path, r.body, "Authorization", settlement); res.Status != http.StatusCreated {
			t.Fatalf("%s: %d %s", r.path, res.Status, res.Body)
		}
	}
	pos, err := e.app.Auth.CreatePOSCredential(ctx, "points till", merchant)
	if err != nil {
		t.Fatal(err)
	}
	till := testenv.BasicAuth(pos.Username, pos.Secret)
	receipt := func(ext, card string) map[string]any {
		return map[string]any{"externalReceiptId": ext, "externalReceiptIdType": "till", "purchaseDateTime": time.Now().Add(-time.Hour).Format(time.RFC3339),
			"totalOrderPrice": map[string]any{"amount": 34.5, "currency": "DKK"},
			"receiptLines":    []any{map[string]any{"name": "Smørrebrød", "totalPrice": 34.5}},
			"payments":        []any{map[string]any{"type": "CARD", "amount": 34.5, "cardToken": card, "truncatedCardNumber": "457100XXXXXX0001"}}}
	}
	post := func(body map[string]any) {
		t.Helper()
		res := testenv.Do(t, e.app.Handler, "POST", "/api/receipt-receiver/v2/receipts", body, "Authorization", till)
		if res.Status != http.StatusCreated && res.Status != http.StatusOK {
			t.Fatalf("post receipt: %d %s", res.Status, res.Body)
		}
	}

	// Before the customer proves its phone, its user's purchases are not
	// linked.
	post(receipt("early-"+ids.LowerAlnum(6), tok))
	if s := e.purchaseStatus(admin, id); s.TransactionsCount != 0 || s.Points != 0 {
		t.Fatalf("an unverified customer earned: %+v", s)
	}
	e.do("POST", "/api/DEFAULT/admin/customer/"+id+"/send-sms-code", admin, nil)
	if res := e.postFrom(client(), "/api/DEFAULT/customer/activate-sms/"+e.smsCode(phone), ""); res.Status != http.StatusNoContent {
		t.Fatalf("activate-sms: %d %s", res.Status, res.Body)
	}

	// A receipt earns once, replayed or not.
	ext := "buy-" + ids.LowerAlnum(6)
	post(receipt(ext, tok))
	post(receipt(ext, tok))
	if s := e.purchaseStatus(admin, id); s.TransactionsCount != 1 || s.TransactionsAmount != 34.5 || s.Points != 34.5 || s.LevelName != "level1" {
		t.Fatalf("after a receipt posted twice: %+v", s)
	}
	var n int
	if err := testenv.DB(t).Pool.QueryRow(ctx, `SELECT count(*) FROM ol_purchases WHERE customer_id = $1`, id).Scan(&n); err != nil || n != 1 {
		t.Fatalf("purchases recorded: %d %v", n, err)
	}

	// A settled transaction earns once; the batch posted again earns
	// nothing.
	batch := map[string]any{"transactions": []any{map[string]any{"transactionId": "tx-" + ids.LowerAlnum(10), "amount": json.Number("200.00"),
		"currency": "DKK", "transactionDateTime": time.Now().Add(-time.Hour).Format(time.RFC3339), "cardAcceptorId": storeNumber,
		"cardToken": tok, "truncatedCardNumber": "457100XXXXXX0001", "cardType": "VISA"}}}
	for i := 0; i < 2; i++ {
		if res := testenv.Do(t, e.app.Handler, "POST", "/api/v1/transactions/batches", batch, "Authorization", settlement); res.Status != http.StatusCreated {
			t.Fatalf("batch: %d %s", res.Status, res.Body)
		}
	}
	if s := e.purchaseStatus(admin, id); s.TransactionsCount != 2 || s.TransactionsAmount != 234.5 || s.Points != 234.5 || s.LevelName != "level2" {
		t.Fatalf("after a settled transaction posted twice: %+v", s)
	}

	// A batch of several of the user's transactions earns each of them
	// once (recorded together, summed per customer).
	var several []any
	for _, amount := range []string{"50.00", "25.25", "10.00"} {
		several = append(several, map[string]any{"transactionId": "tx-" + ids.LowerAlnum(10), "amount": json.Number(amount),
			"currency": "DKK", "transactionDateTime": time.Now().Add(-time.Hour).Format(time.RFC3339), "cardAcceptorId": storeNumber,
			"cardToken": tok, "truncatedCardNumber": "457100XXXXXX0001", "cardType": "VISA"})
	}
	if res := testenv.Do(t, e.app.Handler, "POST", "/api/v1/transactions/batches", map[string]any{"transactions": several},
		"Authorization", settlement); res.Status != http.StatusCreated {
		t.Fatalf("batch of three: %d %s", res.Status, res.Body)
	}
	if s := e.purchaseStatus(admin, id); s.TransactionsCount != 5 || s.TransactionsAmount != 319.75 || s.Points != 319.75 || s.LevelName != "level2" {
		t.Fatalf("after a batch of three settled transactions: %+v", s)
	}

	// The unverified customer's user bought too: nothing earned.
	post(receipt("other-"+ids.LowerAlnum(6), tok2))
	if s := e.purchaseStatus(admin, unverified); s.TransactionsCount != 0 || s.Points != 0 {
		t.Fatalf("an unverified customer earned: %+v", s)
	}
}
