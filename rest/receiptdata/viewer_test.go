package receiptdata_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/phone"
	"loyaltygraph/secret"
	"loyaltygraph/store/postgres"
)

// viewerQuery is the one query of an app's home screen.
const viewerQuery = `query($n: Int!) { viewer { userId
  cards { nodes { cardId truncatedPan } }
  receipts(first: $n) { totalCount nodes { receiptId merchant { merchantId logo { url } } } }
  merchants { nodes { merchantId logo { url version } } }
  loyalty { customerId phone level { name } status { points pointsExpiringNextMonth level { name } } } } }`

type viewerResult struct {
	Viewer *struct {
		UserID   string
		Cards    testenv.Nodes[struct{ CardID, TruncatedPan string }]
		Receipts struct {
			TotalCount int
			Nodes      []struct {
				ReceiptID string
				Merchant  struct {
					MerchantID string
					Logo       *struct{ URL string }
				}
			}
		}
		Merchants testenv.Nodes[struct {
			MerchantID string
			Logo       *struct{ URL, Version string }
		}]
		Loyalty *struct {
			CustomerID string
			Phone      string
			Level      *struct{ Name string }
			Status     struct {
				Points                  string
				PointsExpiringNextMonth string
				Level                   *struct{ Name string }
			}
		}
	}
}

// randomPhone is a valid Danish MSISDN nobody else in the test has (most
// likely): Open Loyalty checks phones against the numbering plan.
func randomPhone() string {
	for {
		p := fmt.Sprintf("4520%06d", rand.IntN(1_000_000))
		if _, err := (phone.Strict{}).Normalize("phone", "+"+p); err == nil {
			return p
		}
	}
}

// verifiedUser creates a user of the partner with a verified phone number
// and a card with token tok, and returns its id, phone and access token.
func (e *env) verifiedUser(tok string) (userID, phone, accessToken string) {
	e.t.Helper()
	now := time.Now().UTC()
	phone = randomPhone()
	u := &user.User{ID: ids.New(), Provider: user.Provider{ID: e.partnerID}, Phone: phone, PhoneVerified: true,
		MemberID: ids.LowerAlnum(8), CreatedAt: now, UpdatedAt: now}
	sealed, err := e.app.Keys.Seal([]byte(tok))
	if err != nil {
		e.t.Fatal(err)
	}
	card := &user.Card{ID: ids.New(), TruncatedPAN: "457100XXXXXX0001", SealedToken: sealed,
		TokenHash: e.app.Keys.LookupHash([]byte(tok)), CreatedAt: now}
	if err := postgres.NewUserStore(e.db, nil, nil).CreateUser(context.Background(), u, card, nil); err != nil {
		e.t.Fatal(err)
	}
	tokens, err := secret.NewUserTokens(testenv.SecretKey, time.Now)
	if err != nil {
		e.t.Fatal(err)
	}
	accessToken, err = tokens.Issue(u.ID, phone, e.partnerID)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID, phone, accessToken
}

// loyaltyCustomer registers a customer of DEFAULT with phone (MSISDN) and
// gives it points, as an admin.
func (e *env) loyaltyCustomer(phone, points string) string {
	e.t.Helper()
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Kind: auth.KindAdmin, Name: "admin"})
	str, yes := func(s string) *string { return &s }, true
	c, err := e.app.Ops.Loyalty.Register(ctx, "DEFAULT", loyalty.Fields{FirstName: str("Vera"), LastName: str("Viewer"),
		Email: str(ids.LowerAlnum(10) + "@example.com"), Phone: str("+" + phone), Agreement1: &yes})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.app.Ops.Loyalty.RecordPoints(ctx, "DEFAULT", c.ID, loyalty.PointsInput{Kind: loyalty.TransferAdd,
		Points: decimal.RequireFromString(points)}); err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// viewer asks viewerQuery with the user's access token.
func viewer(t *testing.T, e *env, h http.Handler, token string, n int) (viewerResult, *testenv.GraphQLResult) {
	t.Helper()
	resp := testenv.Do(t, h, "POST", "/graphql", map[string]any{"query": viewerQuery, "variables": map[string]any{"n": n}},
		"Accept", "application/graphql-response+json", "X-Storebox-user-token", token)
	var res testenv.GraphQLResult
	resp.JSON(t, &res)
	var out viewerResult
	if len(res.Data) > 0 && string(res.Data) != "null" {
		if err := jsonUnmarshal(res.Data, &out); err != nil {
			t.Fatal(err)
		}
	}
	return out, &res
}

// TestViewerIsOneQueryOfConstantCost: one query with the end user's access
// token returns the user's cards, receipts with their merchants and logos,
// the merchants it shops at and its loyalty customer with status; ten
// receipts cost as many SQL statements as two; another user sees only its
// own, and a user without a verified phone's customer has loyalty null.
func TestViewerIsOneQueryOfConstantCost(t *testing.T) {
	e := newEnv(t)
	if res, _ := e.setLogo(e.admin(), e.merchant, file{name: "logo.png", contentType: "image/png", data: pngImage}); res.Status != 200 {
		t.Fatalf("set logo: %d %s", res.Status, res.Body)
	}
	tok := "tok-viewer-" + ids.LowerAlnum(8)
	vera, phone, veraToken := e.verifiedUser(tok)
	customer := e.loyaltyCustomer(phone, "42")
	other, _, otherToken := e.verifiedUser("tok-other-" + ids.LowerAlnum(8))

	a, counter := testenv.CountingApp(t)
	statements := map[int]int64{}
	posted := 0
	for _, n := range []int{2, 10} {
		for ; posted < n; posted++ {
			b := receiptBody(fmt.Sprintf("V%d-%s", posted, tok))
			b["payments"].([]any)[0].(map[string]any)["cardToken"] = tok
			e.post(b)
		}
		viewer(t, e, a.Handler, veraToken, n) // warm credential look-ups and prepared statements
		before := counter.Count()
		out, res := viewer(t, e, a.Handler, veraToken, n)
		statements[n] = counter.Count() - before
		if len(res.Errors) > 0 {
			t.Fatalf("viewer: %+v", res.Errors)
		}
		v := out.Viewer
		if v == nil || v.UserID != vera {
			t.Fatalf("viewer is %+v, want %s", v, vera)
		}
		if len(v.Cards) != 1 || v.Cards[0].TruncatedPan != "457100XXXXXX0001" {
			t.Fatalf("cards %+v", v.Cards)
		}
		if v.Receipts.TotalCount != n || len(v.Receipts.Nodes) != n {
			t.Fatalf("%d receipts of %d, want %d", len(v.Receipts.Nodes), v.Receipts.TotalCount, n)
		}
		for _, r := range v.Receipts.Nodes {
			if r.Merchant.MerchantID != e.merchant || r.Merchant.Logo == nil || r.Merchant.Logo.URL == "" {
				t.Fatalf("receipt %+v has no merchant logo", r)
			}
		}
		if len(v.Merchants) != 1 || v.Merchants[0].MerchantID != e.merchant || v.Merchants[0].Logo == nil {
			t.Fatalf("merchants %+v", v.Merchants)
		}
		l := v.Loyalty
		if l == nil || l.CustomerID != customer || l.Phone != "+"+phone || l.Status.Points != "42" {
			t.Fatalf("loyalty %+v, want customer %s with 42 points", l, customer)
		}
	}
	if statements[10] != statements[2] {
		t.Errorf("SQL statements: 2 receipts %d, 10 receipts %d; want the same", statements[2], statements[10])
	}
	t.Logf("SQL statements of the viewer query: 2 receipts %d, 10 receipts %d", statements[2], statements[10])

	// Another user sees its own (empty) graph, never Vera's.
	out, res := viewer(t, e, a.Handler, otherToken, 10)
	if len(res.Errors) > 0 {
		t.Fatalf("other viewer: %+v", res.Errors)
	}
	if v := out.Viewer; v == nil || v.UserID != other || v.Receipts.TotalCount != 0 || len(v.Merchants) != 0 || v.Loyalty != nil ||
		len(v.Cards) != 1 || v.Cards[0].CardID == "" {
		t.Fatalf("other viewer sees %+v", out.Viewer)
	}
}

// TestUserLoyaltyOnlyForTheUserWithAVerifiedPhone: the customer with a
// user's phone number is not the user's while the phone is unverified, and
// a partner asking for its user without the user's token gets null.
func TestUserLoyaltyOnlyForTheUserWithAVerifiedPhone(t *testing.T) {
	e := newEnv(t)
	vera, phone, _ := e.verifiedUser("tok-v-" + ids.LowerAlnum(8))
	e.loyaltyCustomer(phone, "5")
	unverified := randomPhone()
	if _, err := e.db.Pool.Exec(context.Background(), `UPDATE users SET phone = $1 WHERE user_id = $2`, unverified, e.alice); err != nil {
		t.Fatal(err)
	}
	e.loyaltyCustomer(unverified, "7")
	tokens, err := secret.NewUserTokens(testenv.SecretKey, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	aliceToken, err := tokens.Issue(e.alice, unverified, e.partnerID)
	if err != nil {
		t.Fatal(err)
	}
	out, res := viewer(t, e, e.app.Handler, aliceToken, 1)
	if len(res.Errors) > 0 || out.Viewer == nil || out.Viewer.UserID != e.alice || out.Viewer.Loyalty != nil {
		t.Fatalf("unverified viewer: %+v %+v", out.Viewer, res.Errors)
	}
	var asPartner struct {
		User *struct{ Loyalty *struct{ CustomerID string } }
	}
	_, r := testenv.GraphQL(t, e.app.Handler, e.partner, `query($u: ID!) { user(userId: $u) { loyalty { customerId } } }`,
		map[string]any{"u": vera})
	if len(r.Errors) > 0 {
		t.Fatalf("partner: %+v", r.Errors)
	}
	if err := jsonUnmarshal(r.Data, &asPartner); err != nil || asPartner.User == nil || asPartner.User.Loyalty != nil {
		t.Fatalf("partner reads %s", r.Data)
	}
}
