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
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/postgres"
)

// wholeViewerQuery is the one query of an app's home screen with
// everything the person has: cards, receipts with merchants and logos,
// the merchants, loyalty status and checkout orders.
const wholeViewerQuery = `query($n: Int!) { viewer { userId
  cards(first: $n) { totalCount nodes { cardId truncatedPan } }
  receipts(first: $n) { totalCount nodes { receiptId merchant { merchantId logo { url } } } }
  merchants { nodes { merchantId logo { url version } } }
  loyalty { customerId status { points level { name } } }
  checkoutAccount { email orders(first: $n) { totalCount nodes { order date totals { grandTotalPrice { formatted amount } } } } } } }`

type wholeViewer struct {
	Viewer *struct {
		UserID string
		Cards  struct {
			Nodes []struct{ CardID, TruncatedPan string }
		}
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
		Merchants struct {
			Nodes []struct {
				MerchantID string
				Logo       *struct{ URL, Version string }
			}
		}
		Loyalty *struct {
			CustomerID string
			Status     struct{ Points string }
		}
		CheckoutAccount *struct {
			Email  string
			Orders struct {
				TotalCount int
				Nodes      []struct {
					Order, Date string
					Totals      struct {
						GrandTotalPrice struct{ Formatted, Amount string }
					}
				}
			}
		}
	}
}

// gqlWith posts query as the holder of headers and decodes data into out.
func gqlWith(t *testing.T, h http.Handler, query string, vars map[string]any, out any, headers ...string) *testenv.GraphQLResult {
	t.Helper()
	resp := testenv.Do(t, h, "POST", "/graphql", map[string]any{"query": query, "variables": vars},
		append([]string{"Accept", "application/graphql-response+json"}, headers...)...)
	var res testenv.GraphQLResult
	resp.JSON(t, &res)
	if out != nil && len(res.Data) > 0 && string(res.Data) != "null" {
		if err := jsonUnmarshal(res.Data, out); err != nil {
			t.Fatal(err)
		}
	}
	return &res
}

// checkoutAccount registers a checkout account (GraphQL, as a shop
// session) and links it to the user of userToken (linkCheckoutAccount).
func (e *env) checkoutAccount(userToken string) string {
	e.t.Helper()
	email, password := ids.LowerAlnum(10)+"@example.com", "correct horse battery"
	res := gqlWith(e.t, e.app.Handler, `mutation($e: String!, $p: String!) { checkoutRegister(input: {email: $e, password: $p}) {
	  session { loggedIn { email } } userErrors { field message } } }`, map[string]any{"e": email, "p": password}, nil)
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), email) {
		e.t.Fatalf("checkoutRegister: %+v %s", res.Errors, res.Data)
	}
	res = gqlWith(e.t, e.app.Handler, `mutation($e: String!, $p: String!) { linkCheckoutAccount(email: $e, password: $p) {
	  checkoutAccount { email } userErrors { field message } } }`, map[string]any{"e": email, "p": password}, nil,
		"X-Storebox-user-token", userToken)
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"checkoutAccount":{"email"`) {
		e.t.Fatalf("linkCheckoutAccount: %+v %s", res.Errors, res.Data)
	}
	return email
}

// checkoutOrders imports orders first..last-1 of the account of email, as
// an admin.
func (e *env) checkoutOrders(email string, first, last int) {
	e.t.Helper()
	var list []string
	for i := first; i < last; i++ {
		list = append(list, fmt.Sprintf(`{"email": %q, "order": "%s-%d", "date": "2026-12-%02d 10:00:00", "currency": "SEK",
		  "items": [{"item": "7-1", "quantity": 2, "priceEach": 99.5, "totalPrice": 199}], "totals": {"grandTotalPrice": 199},
		  "currencyFormat": {"suffix": " kr", "decimalPoint": ",", "decimalDigits": 2}}`, email, email[:10], i, i+1))
	}
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Kind: auth.KindAdmin, Name: "admin"})
	if _, err := e.app.Ops.Checkout.ImportOrders(ctx, strings.NewReader("["+strings.Join(list, ",")+"]")); err != nil {
		e.t.Fatal(err)
	}
}

// addCards gives the user n more cards.
func (e *env) addCards(userID string, n int) {
	e.t.Helper()
	store := postgres.NewUserStore(e.db, nil, nil)
	for range n {
		tok := "tok-more-" + ids.LowerAlnum(12)
		sealed, err := e.app.Keys.Seal([]byte(tok))
		if err != nil {
			e.t.Fatal(err)
		}
		card := &user.Card{ID: ids.New(), UserID: userID, TruncatedPAN: "457100XXXXXX0002", SealedToken: sealed,
			TokenHash: e.app.Keys.LookupHash([]byte(tok)), CreatedAt: time.Now().UTC()}
		if _, err := store.AddCard(context.Background(), e.partnerID, card); err != nil {
			e.t.Fatal(err)
		}
	}
}

// TestViewerWithCheckoutOrdersIsOneQueryOfConstantCost (issue 11, "Done
// when"): ONE query with the end user's access token returns its cards,
// its receipts with their merchants and logos, the merchants it shops at,
// its loyalty status and its linked checkout account's orders; with 6
// receipts, cards and orders it costs as many SQL statements as with 1.
func TestViewerWithCheckoutOrdersIsOneQueryOfConstantCost(t *testing.T) {
	e := newEnv(t)
	if res, _ := e.setLogo(e.admin(), e.merchant, file{name: "logo.png", contentType: "image/png", data: pngImage}); res.Status != 200 {
		t.Fatalf("set logo: %d %s", res.Status, res.Body)
	}
	tok := "tok-whole-" + ids.LowerAlnum(8)
	vera, phone, veraToken := e.verifiedUser(tok)
	customer := e.loyaltyCustomer(phone, "42")
	email := e.checkoutAccount(veraToken)

	a, counter := testenv.CountingApp(t)
	statements := map[int]int64{}
	have := 1 // receipts, cards and orders
	for _, n := range []int{1, 6} {
		for ; have <= n; have++ {
			b := receiptBody(fmt.Sprintf("W%d-%s", have, tok))
			b["payments"].([]any)[0].(map[string]any)["cardToken"] = tok
			e.post(b)
			e.checkoutOrders(email, have, have+1)
			if have > 1 {
				e.addCards(vera, 1)
			}
		}
		vars := map[string]any{"n": n}
		gqlWith(t, a.Handler, wholeViewerQuery, vars, nil, "X-Storebox-user-token", veraToken) // warm up
		before := counter.Count()
		var out wholeViewer
		res := gqlWith(t, a.Handler, wholeViewerQuery, vars, &out, "X-Storebox-user-token", veraToken)
		statements[n] = counter.Count() - before
		if len(res.Errors) > 0 {
			t.Fatalf("viewer: %+v", res.Errors)
		}
		v := out.Viewer
		if v == nil || v.UserID != vera || len(v.Cards.Nodes) != n {
			t.Fatalf("n=%d: viewer %s", n, res.Data)
		}
		if v.Receipts.TotalCount != n || len(v.Receipts.Nodes) != n {
			t.Fatalf("n=%d: %d receipts of %d", n, len(v.Receipts.Nodes), v.Receipts.TotalCount)
		}
		for _, r := range v.Receipts.Nodes {
			if r.Merchant.MerchantID != e.merchant || r.Merchant.Logo == nil || r.Merchant.Logo.URL == "" {
				t.Fatalf("receipt %+v has no merchant logo", r)
			}
		}
		if len(v.Merchants.Nodes) != 1 || v.Merchants.Nodes[0].Logo == nil || v.Merchants.Nodes[0].Logo.URL == "" {
			t.Fatalf("merchants %+v", v.Merchants)
		}
		if v.Loyalty == nil || v.Loyalty.CustomerID != customer || v.Loyalty.Status.Points != "42" {
			t.Fatalf("loyalty %+v", v.Loyalty)
		}
		c := v.CheckoutAccount
		if c == nil || c.Email != email || c.Orders.TotalCount != n || len(c.Orders.Nodes) != n ||
			c.Orders.Nodes[0].Totals.GrandTotalPrice.Formatted != "199,00\u00a0kr" || c.Orders.Nodes[0].Totals.GrandTotalPrice.Amount != "199" {
			t.Fatalf("n=%d: checkout account %s", n, res.Data)
		}
	}
	if statements[6] != statements[1] {
		t.Errorf("SQL statements: 1 of each %d, 6 of each %d; want the same", statements[1], statements[6])
	}
	t.Logf("SQL statements of the whole viewer query: 1 of each %d, 6 of each %d", statements[1], statements[6])

	// Another user of the same partner sees its own graph, none of Vera's.
	other, _, otherToken := e.verifiedUser("tok-other-" + ids.LowerAlnum(8))
	var out wholeViewer
	res := gqlWith(t, e.app.Handler, wholeViewerQuery, map[string]any{"n": 10}, &out, "X-Storebox-user-token", otherToken)
	if v := out.Viewer; len(res.Errors) > 0 || v == nil || v.UserID != other || v.Receipts.TotalCount != 0 || v.Loyalty != nil ||
		v.CheckoutAccount != nil || strings.Contains(string(res.Data), email) || strings.Contains(string(res.Data), customer) {
		t.Fatalf("other viewer: %+v %s", res.Errors, res.Data)
	}
}

// TestMeOfALoyaltyCustomer: an Open Loyalty customer token is a viewer
// that sees its own customer and status, as its REST door does, and
// nothing of the app user with the same phone (no user, no cards or
// receipts, no checkout account); Query.viewer refuses it. The user's own
// token sees its user, its customer and its linked account.
func TestMeOfALoyaltyCustomer(t *testing.T) {
	e := newEnv(t)
	tok := "tok-me-" + ids.LowerAlnum(8)
	vera, phone, veraToken := e.verifiedUser(tok)
	b := receiptBody("ME-" + tok)
	b["payments"].([]any)[0].(map[string]any)["cardToken"] = tok
	receipt := e.post(b)
	email := e.checkoutAccount(veraToken)
	admin := auth.WithPrincipal(context.Background(), &auth.Principal{Kind: auth.KindAdmin, Name: "admin"})
	str, yes := func(s string) *string { return &s }, true
	customerEmail := ids.LowerAlnum(10) + "@example.com"
	c, err := e.app.Ops.Loyalty.Register(admin, "DEFAULT", loyalty.Fields{FirstName: str("Vera"), LastName: str("Viewer"),
		Email: str(customerEmail), Phone: str("+" + phone), Agreement1: &yes, PlainPassword: str("customer secret 1")})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := e.app.Ops.Loyalty.Login(context.Background(), loyalty.RoleCustomer, "DEFAULT", "", customerEmail, "customer secret 1")
	if err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + tokens.Token

	const meQuery = `{ me { credential user { userId cards { nodes { cardId } } receipts { totalCount } } loyalty { customerId phone status { points } }
	  checkoutAccount { email orders { totalCount } } } }`
	var out struct {
		Me *struct {
			Credential      string
			User            *struct{ UserID string }
			Loyalty         *struct{ CustomerID, Phone string }
			CheckoutAccount *struct{ Email string }
		}
	}
	res := gqlWith(t, e.app.Handler, meQuery, nil, &out, "Authorization", bearer)
	if m := out.Me; len(res.Errors) > 0 || m == nil || m.Credential != "CUSTOMER_TOKEN" || m.User != nil || m.CheckoutAccount != nil ||
		m.Loyalty == nil || m.Loyalty.CustomerID != c.ID || m.Loyalty.Phone != "+"+phone {
		t.Fatalf("me of the customer: %+v %s", res.Errors, res.Data)
	}
	for _, secret := range []string{vera, receipt, email, "457100"} {
		if strings.Contains(string(res.Data), secret) {
			t.Fatalf("the customer token reads %q: %s", secret, res.Data)
		}
	}
	// Query.viewer is the User API user: not for a customer token.
	res = gqlWith(t, e.app.Handler, `{ viewer { userId cards { nodes { cardId } } } }`, nil, nil, "Authorization", bearer)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "FORBIDDEN" || strings.Contains(string(res.Data), vera) {
		t.Fatalf("viewer of a customer token: %+v %s", res.Errors, res.Data)
	}

	// The user's own token: its user, its customer, its account.
	res = gqlWith(t, e.app.Handler, meQuery, nil, &out, "X-Storebox-user-token", veraToken)
	if m := out.Me; len(res.Errors) > 0 || m == nil || m.Credential != "USER_TOKEN" || m.User == nil || m.User.UserID != vera ||
		m.Loyalty == nil || m.Loyalty.CustomerID != c.ID || m.CheckoutAccount == nil || m.CheckoutAccount.Email != email {
		t.Fatalf("me of the user: %+v %s", res.Errors, res.Data)
	}

	// Another customer's token sees its own customer only.
	_, otherPhone, _ := e.verifiedUser("tok-o-" + ids.LowerAlnum(8))
	otherEmail := ids.LowerAlnum(10) + "@example.com"
	oc, err := e.app.Ops.Loyalty.Register(admin, "DEFAULT", loyalty.Fields{FirstName: str("Otto"), LastName: str("Other"),
		Email: str(otherEmail), Phone: str("+" + otherPhone), Agreement1: &yes, PlainPassword: str("customer secret 2")})
	if err != nil {
		t.Fatal(err)
	}
	otherTokens, err := e.app.Ops.Loyalty.Login(context.Background(), loyalty.RoleCustomer, "DEFAULT", "", otherEmail, "customer secret 2")
	if err != nil {
		t.Fatal(err)
	}
	res = gqlWith(t, e.app.Handler, meQuery, nil, &out, "Authorization", "Bearer "+otherTokens.Token)
	if m := out.Me; len(res.Errors) > 0 || m == nil || m.Loyalty == nil || m.Loyalty.CustomerID != oc.ID || strings.Contains(string(res.Data), c.ID) {
		t.Fatalf("me of another customer: %+v %s", res.Errors, res.Data)
	}
}
