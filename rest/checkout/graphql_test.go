package checkout_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"loyaltygraph/internal/testenv"
)

// gql posts a query with the session token (when set) and decodes data
// into out; it returns the errors' codes.
func (e *env) gql(token, query string, vars map[string]any, out any) []string {
	e.t.Helper()
	headers := []string{"Accept", "application/graphql-response+json"}
	if token != "" {
		headers = append(headers, "api-token", token)
	}
	resp := testenv.Do(e.t, e.app.Handler, http.MethodPost, "/graphql", map[string]any{"query": query, "variables": vars}, headers...)
	var res testenv.GraphQLResult
	resp.JSON(e.t, &res)
	var codes []string
	for _, er := range res.Errors {
		c, _ := er.Extensions["code"].(string)
		codes = append(codes, c)
	}
	if out != nil && len(res.Data) > 0 && string(res.Data) != "null" {
		if err := json.Unmarshal(res.Data, out); err != nil {
			e.t.Fatalf("data: %v: %s", err, res.Data)
		}
	}
	return codes
}

type gqlSession struct {
	Token    string
	LoggedIn *struct {
		Email, FirstName, City, Country string
		Newsletter                      bool
		Orders                          *struct {
			Orders []struct {
				Order, Date string
				Items       []struct {
					PriceEach           struct{ Formatted, Amount string }
					PriceEachWithoutTax struct{ Formatted, Amount string }
				}
				Totals struct {
					TotalDiscountPrice *struct{ Formatted string }
					TaxDeducted        *struct{ Formatted, Amount string }
				}
				Shipments []struct{ TrackingUrl string }
			}
			OrdersPaging struct{ From, Size, TotalSize int }
		}
	}
	Selection []struct {
		Item     string
		Quantity int
	}
}

type gqlPayload struct {
	Session    *gqlSession
	UserErrors []struct{ Field, Code, Message string }
}

const sessionFields = `token loggedIn { email firstName city country newsletter } selection { item quantity }`

func TestGraphQLSessions(t *testing.T) {
	e := newEnv(t)
	var data struct{ A, B gqlSession }
	if codes := e.gql("", `{ a: checkoutSession { token } b: checkoutSession { token } }`, nil, &data); codes != nil {
		t.Fatalf("checkoutSession: %v", codes)
	}
	if len(data.A.Token) != 26 || data.A.Token != data.B.Token {
		t.Fatalf("two fields of one request made sessions %q and %q, want one", data.A.Token, data.B.Token)
	}
	tok := data.A.Token
	var again struct{ CheckoutSession gqlSession }
	e.gql(tok, `{ checkoutSession { token loggedIn { email } } }`, nil, &again)
	if again.CheckoutSession.Token != tok || again.CheckoutSession.LoggedIn != nil {
		t.Fatalf("the API-Token header's session: %+v", again.CheckoutSession)
	}
	// The REST door sees the same session.
	if r := e.do("GET", "/selection", tok, nil); r.token() != tok {
		t.Fatalf("REST answered with token %q for %q", r.token(), tok)
	}
}

func TestGraphQLRegisterLoginLogout(t *testing.T) {
	e := newEnv(t)
	var reg struct{ CheckoutRegister gqlPayload }
	codes := e.gql("", `mutation($in: CheckoutRegisterInput!) { checkoutRegister(input: $in) { session { `+sessionFields+` } userErrors { field code message } } }`,
		map[string]any{"in": map[string]any{"email": "G@example.com", "password": "correct horse battery",
			"address": map[string]any{"firstName": "Gee", "city": "Oslo", "country": "no", "newsletter": true}}}, &reg)
	s := reg.CheckoutRegister.Session
	if codes != nil || s == nil || s.LoggedIn == nil || s.LoggedIn.Email != "g@example.com" || s.LoggedIn.Country != "NO" || !s.LoggedIn.Newsletter {
		t.Fatalf("register: %v %+v", codes, reg)
	}
	tok := s.Token

	// The REST door sees the same stored account.
	r := e.do("GET", "/selection", tok, nil)
	if li := r.loggedIn(); li["email"] != "g@example.com" || li["firstName"] != "Gee" || li["city"] != "Oslo" {
		t.Fatalf("REST sees %s", r.raw)
	}

	var dup struct{ CheckoutRegister gqlPayload }
	e.gql("", `mutation { checkoutRegister(input: {email: "g@example.com", password: "another good one"}) { session { token } userErrors { field code message } } }`, nil, &dup)
	if ue := dup.CheckoutRegister.UserErrors; len(ue) != 1 || ue[0].Field != "email" || ue[0].Code != "CONFLICT" || ue[0].Message != "already registered" {
		t.Fatalf("register a taken e-mail: %+v", dup)
	}
	var weak struct{ CheckoutRegister gqlPayload }
	e.gql("", `mutation { checkoutRegister(input: {email: "w@example.com", password: "short"}) { userErrors { field code message } } }`, nil, &weak)
	if ue := weak.CheckoutRegister.UserErrors; len(ue) != 1 || ue[0].Field != "password" || ue[0].Message != "not valid" {
		t.Fatalf("register with a weak password: %+v", weak)
	}

	var out struct{ CheckoutLogout gqlPayload }
	e.gql(tok, `mutation { checkoutLogout { session { `+sessionFields+` } userErrors { field } } }`, nil, &out)
	if s := out.CheckoutLogout.Session; s == nil || s.Token != tok || s.LoggedIn != nil {
		t.Fatalf("logout: %+v", out)
	}

	login := func(email, password string) gqlPayload {
		var p struct{ CheckoutLogin gqlPayload }
		e.gql(tok, `mutation($in: CheckoutLoginInput!) { checkoutLogin(input: $in) { session { `+sessionFields+` } userErrors { field code message } } }`,
			map[string]any{"in": map[string]any{"email": email, "password": password}}, &p)
		return p.CheckoutLogin
	}
	wrong, unknown := login("g@example.com", "wrong password"), login("nobody@example.com", "wrong password")
	wj, _ := json.Marshal(wrong)
	uj, _ := json.Marshal(unknown)
	if string(wj) != string(uj) || len(wrong.UserErrors) != 1 || wrong.UserErrors[0].Field != "password" || wrong.UserErrors[0].Message != "incorrect" {
		t.Fatalf("wrong password and unknown e-mail differ or are not {password: incorrect}:\n%s\n%s", wj, uj)
	}
	if p := login("g@example.com", "correct horse battery"); p.Session == nil || p.Session.LoggedIn == nil || len(p.UserErrors) != 0 {
		t.Fatalf("login: %+v", p)
	}
}

func TestGraphQLAccountChangesOrdersAndReset(t *testing.T) {
	e := newEnv(t)
	// Not logged in: FORBIDDEN.
	codes := e.gql("", `mutation { updateCheckoutAddress(input: {city: "x"}) { userErrors { field } } }`, nil, nil)
	if len(codes) != 1 || codes[0] != "FORBIDDEN" {
		t.Fatalf("updateCheckoutAddress without login: %v", codes)
	}
	codes = e.gql("", `mutation { updateCheckoutPassword(input: {password: "a", newPassword: "b"}) { userErrors { field } } }`, nil, nil)
	if len(codes) != 1 || codes[0] != "FORBIDDEN" {
		t.Fatalf("updateCheckoutPassword without login: %v", codes)
	}

	tok := e.register("gq@example.com")
	var addr struct{ UpdateCheckoutAddress gqlPayload }
	e.gql(tok, `mutation { updateCheckoutAddress(input: {city: "Bergen", country: "NO"}) { session { `+sessionFields+` } userErrors { field message } } }`, nil, &addr)
	if s := addr.UpdateCheckoutAddress.Session; s == nil || s.LoggedIn.City != "Bergen" {
		t.Fatalf("updateCheckoutAddress: %+v", addr)
	}
	if r := e.do("GET", "/selection", tok, nil); r.loggedIn()["city"] != "Bergen" {
		t.Fatalf("REST does not see the GraphQL change: %s", r.raw)
	}
	var bad struct{ UpdateCheckoutAddress gqlPayload }
	e.gql(tok, `mutation { updateCheckoutAddress(input: {address1: "card 4111-1111-1111-1111"}) { userErrors { field code message } } }`, nil, &bad)
	if ue := bad.UpdateCheckoutAddress.UserErrors; len(ue) != 1 || ue[0].Field != "address1" || ue[0].Code != "INVALID" {
		t.Fatalf("a card number in address1: %+v", bad)
	}
	var em struct{ UpdateCheckoutEmail gqlPayload }
	e.gql(tok, `mutation { updateCheckoutEmail(input: {email: "gq2@example.com", password: "wrong password"}) { userErrors { field message } } }`, nil, &em)
	if ue := em.UpdateCheckoutEmail.UserErrors; len(ue) != 1 || ue[0].Field != "password" || ue[0].Message != "incorrect" {
		t.Fatalf("updateCheckoutEmail with a wrong password: %+v", em)
	}

	// Orders through CheckoutAccount.orders.
	e.importOrders(e.admin, "["+seedOrder("gq@example.com", "g-1", "2015-10-20 16:01:34")+","+
		seedOrder("gq@example.com", "g-2", "2015-10-21 16:01:34")+"]")
	var orders struct{ CheckoutSession gqlSession }
	e.gql(tok, `{ checkoutSession { token loggedIn { email orders(from: 1, size: 5) { orders { order date
		items { priceEach { formatted amount } priceEachWithoutTax { formatted amount } }
		totals { totalDiscountPrice { formatted } taxDeducted { formatted amount } } shipments { trackingUrl } }
		ordersPaging { from size totalSize } } } } }`, nil, &orders)
	li := orders.CheckoutSession.LoggedIn
	if li == nil || li.Orders == nil || len(li.Orders.Orders) != 1 || li.Orders.OrdersPaging.TotalSize != 2 || li.Orders.OrdersPaging.From != 1 {
		t.Fatalf("orders through GraphQL: %+v", orders)
	}
	o := li.Orders.Orders[0]
	if o.Order != "g-1" || o.Date != "2015-10-20 16:01:34" || o.Items[0].PriceEach.Formatted != "$\u00a04\u00a0USD" ||
		o.Items[0].PriceEachWithoutTax.Amount != "3.2" || o.Totals.TotalDiscountPrice != nil ||
		o.Totals.TaxDeducted.Formatted != "$\u00a0-21\u00a0USD" || len(o.Shipments) != 1 {
		t.Fatalf("order through GraphQL: %+v", o)
	}

	// Selection.
	var add struct{ AddCheckoutSelectionItem gqlPayload }
	e.gql(tok, `mutation { addCheckoutSelectionItem(input: {item: "2-1", quantity: 2}) { session { selection { item quantity } } userErrors { field } } }`, nil, &add)
	if s := add.AddCheckoutSelectionItem.Session; s == nil || len(s.Selection) != 1 || s.Selection[0].Quantity != 2 {
		t.Fatalf("addCheckoutSelectionItem: %+v", add)
	}
	var rm struct{ RemoveCheckoutSelectionItem gqlPayload }
	e.gql(tok, `mutation { removeCheckoutSelectionItem(item: "2-1") { session { selection { item } } } }`, nil, &rm)
	if s := rm.RemoveCheckoutSelectionItem.Session; s == nil || len(s.Selection) != 0 {
		t.Fatalf("removeCheckoutSelectionItem: %+v", rm)
	}

	// Password reset through GraphQL, the link read in sentMessages.
	var req struct{ RequestCheckoutPasswordReset gqlPayload }
	e.gql("", `mutation { requestCheckoutPasswordReset(input: {email: "gq@example.com", linkUri: "reset"}) { session { token } userErrors { field } } }`, nil, &req)
	if req.RequestCheckoutPasswordReset.Session == nil || len(req.RequestCheckoutPasswordReset.UserErrors) != 0 {
		t.Fatalf("requestCheckoutPasswordReset: %+v", req)
	}
	link := e.resetLink("gq@example.com")
	if !strings.HasPrefix(link.String(), "http://localhost:8080/reset?id=") {
		t.Fatalf("link %s: want the configured base URL (PUBLIC_BASE_URL by default)", link)
	}
	var reset struct{ ResetCheckoutPassword gqlPayload }
	e.gql("", `mutation($in: ResetCheckoutPasswordInput!) { resetCheckoutPassword(input: $in) { session { `+sessionFields+` } userErrors { field message } } }`,
		map[string]any{"in": map[string]any{"newPassword": "brand new secret", "i": link.Query().Get("i"), "id": link.Query().Get("id")}}, &reset)
	if s := reset.ResetCheckoutPassword.Session; s == nil || s.LoggedIn == nil || s.LoggedIn.Email != "gq@example.com" {
		t.Fatalf("resetCheckoutPassword: %+v", reset)
	}
	e.gql("", `mutation($in: ResetCheckoutPasswordInput!) { resetCheckoutPassword(input: $in) { userErrors { field message } } }`,
		map[string]any{"in": map[string]any{"newPassword": "brand new secret", "i": link.Query().Get("i"), "id": link.Query().Get("id")}}, &reset)
	if ue := reset.ResetCheckoutPassword.UserErrors; len(ue) != 1 || ue[0].Field != "i" || ue[0].Message != "not valid" {
		t.Fatalf("the link a second time: %+v", reset)
	}
	if r := e.do("POST", "/login/gq@example.com", "", map[string]any{"password": "brand new secret"}); r.status != http.StatusOK {
		t.Fatalf("REST login with the password set through GraphQL: %d %s", r.status, r.raw)
	}
}
