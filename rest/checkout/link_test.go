package checkout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// endUser is an app user of a partner (User API) with its access token.
type endUser struct {
	id, token string
	// partner is its partner's Basic authorization.
	partner string
}

// newPartner creates a partner and returns its Basic authorization and id.
func (e *env) newPartner() (string, int64) {
	e.t.Helper()
	c := testenv.Credential(e.t, e.app, auth.KindPartner)
	p, err := e.app.Auth.AuthenticateBasic(context.Background(), c.Username, c.Secret)
	if err != nil {
		e.t.Fatal(err)
	}
	return testenv.BasicAuth(c.Username, c.Secret), p.CredentialID
}

// newEndUser stores a user of the partner and issues its access token.
func (e *env) newEndUser(partner string, partnerID int64) endUser {
	e.t.Helper()
	now := time.Now().UTC()
	u := &user.User{ID: ids.New(), Provider: user.Provider{ID: partnerID}, Phone: fmt.Sprintf("4520%06d", time.Now().UnixNano()%1_000_000),
		PhoneVerified: true, MemberID: ids.LowerAlnum(8), CreatedAt: now, UpdatedAt: now}
	if err := postgres.NewUserStore(testenv.DB(e.t), nil, nil).CreateUser(context.Background(), u, nil, nil); err != nil {
		e.t.Fatal(err)
	}
	tokens, err := secret.NewUserTokens(testenv.SecretKey, time.Now)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := tokens.Issue(u.ID, u.Phone, partnerID)
	if err != nil {
		e.t.Fatal(err)
	}
	return endUser{id: u.ID, token: tok, partner: partner}
}

// gqlAs posts a query with headers and decodes data into out; it returns
// the errors' codes and the raw data.
func (e *env) gqlAs(query string, vars map[string]any, out any, headers ...string) ([]string, []byte) {
	e.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		e.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	if e.remote != "" {
		req.RemoteAddr = e.remote
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	var res testenv.GraphQLResult
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		e.t.Fatalf("answer %d is no GraphQL result: %s", rec.Code, rec.Body)
	}
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
	return codes, res.Data
}

func (u endUser) headers() []string { return []string{"X-Storebox-user-token", u.token} }

type userError struct{ Field, Code, Message string }

type linkResult struct {
	LinkCheckoutAccount *struct {
		CheckoutAccount *struct{ Email string }
		UserErrors      []userError
	}
}

const linkMutation = `mutation($e: String!, $p: String!) { linkCheckoutAccount(email: $e, password: $p) {
  checkoutAccount { email } userErrors { field code message } } }`

// link links the account of email to u with password.
func (e *env) link(u endUser, email, password string) (linkResult, []string, []byte) {
	e.t.Helper()
	var out linkResult
	codes, raw := e.gqlAs(linkMutation, map[string]any{"e": email, "p": password}, &out, u.headers()...)
	return out, codes, raw
}

// linked is the account email of u's viewer.checkoutAccount ("" when
// null).
func (e *env) linked(u endUser) string {
	e.t.Helper()
	var out struct {
		Viewer struct{ CheckoutAccount *struct{ Email string } }
	}
	if codes, raw := e.gqlAs(`{ viewer { checkoutAccount { email } } }`, nil, &out, u.headers()...); len(codes) > 0 {
		e.t.Fatalf("viewer: %v %s", codes, raw)
	}
	if out.Viewer.CheckoutAccount == nil {
		return ""
	}
	return out.Viewer.CheckoutAccount.Email
}

type orderConnection struct {
	TotalCount int
	Nodes      []struct{ Order string }
	Edges      []struct {
		Cursor string
		Node   struct{ Order string }
	}
	PageInfo     struct{ HasNextPage, HasPreviousPage bool }
	Orders       []struct{ Order string }
	OrdersPaging struct{ From, Size, TotalSize int }
}

// TestLinkCheckoutAccountProvesTheLogin: an end user links a checkout
// account by its e-mail and password; a wrong password and an unknown
// e-mail answer byte for byte alike; the linked account and its orders
// (a Relay connection, and the seed's paging) are the user's alone;
// another user cannot link it while it is linked, relinking replaces the
// link, unlinking removes it, and a password change voids it.
func TestLinkCheckoutAccountProvesTheLogin(t *testing.T) {
	e := newEnv(t)
	e.register("link-first@example.com")
	e.register("link-second@example.com")
	e.importOrders(e.admin, "["+seedOrder("link-first@example.com", "f-1", "2015-10-20 16:01:34")+","+
		seedOrder("link-first@example.com", "f-2", "2015-10-21 16:01:34")+","+seedOrder("link-first@example.com", "f-3", "2015-10-22 16:01:34")+","+
		seedOrder("link-second@example.com", "s-1", "2016-01-01 10:00:00")+"]")
	partner, partnerID := e.newPartner()
	alice, bob := e.newEndUser(partner, partnerID), e.newEndUser(partner, partnerID)

	// A wrong password and an unknown e-mail look alike.
	_, _, wrong := e.link(alice, "link-first@example.com", "not the password")
	_, _, unknown := e.link(alice, "nobody@example.com", "not the password")
	if !bytes.Equal(wrong, unknown) || !strings.Contains(string(wrong), `"field":"password","code":"INVALID","message":"incorrect"`) {
		t.Fatalf("wrong password %s, unknown e-mail %s: want the same INVALID password: incorrect", wrong, unknown)
	}
	for _, c := range []struct{ email, password, field string }{
		{"", "x", "email"}, {"link-first@example.com", "", "password"},
		{"4111111111111111@example.com", "x", "email"}, {strings.Repeat("a", 300) + "@example.com", "x", "email"},
	} {
		out, codes, raw := e.link(alice, c.email, c.password)
		if len(codes) > 0 || out.LinkCheckoutAccount == nil || len(out.LinkCheckoutAccount.UserErrors) != 1 ||
			out.LinkCheckoutAccount.UserErrors[0].Field != c.field {
			t.Fatalf("link %q/%q: %v %s, want a userError on %s", c.email, c.password, codes, raw, c.field)
		}
	}
	// A NUL byte is refused before any operation, naming the argument.
	if _, codes, raw := e.link(alice, "first\x00@example.com", "correct horse battery"); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" ||
		strings.Contains(string(raw), "checkoutAccount") {
		t.Fatalf("a NUL in the e-mail: %v %s", codes, raw)
	}
	if got := e.linked(alice); got != "" {
		t.Fatalf("after failed links alice has %q linked", got)
	}

	out, codes, raw := e.link(alice, " Link-First@Example.com ", "correct horse battery")
	if len(codes) > 0 || out.LinkCheckoutAccount.CheckoutAccount == nil || out.LinkCheckoutAccount.CheckoutAccount.Email != "link-first@example.com" {
		t.Fatalf("link: %v %s", codes, raw)
	}
	if got := e.linked(alice); got != "link-first@example.com" {
		t.Fatalf("alice's account %q", got)
	}

	// The orders: a Relay page, the next page after its cursor, and the
	// seed's paging.
	var page struct {
		Viewer struct {
			CheckoutAccount struct{ Orders orderConnection }
		}
	}
	ordersQuery := `query($first: Int, $after: String, $from: Int, $size: Int) { viewer { checkoutAccount {
	  orders(first: $first, after: $after, from: $from, size: $size) { totalCount nodes { order } edges { cursor node { order } }
	    pageInfo { hasNextPage hasPreviousPage } orders { order } ordersPaging { from size totalSize } } } } }`
	codes, raw = e.gqlAs(ordersQuery, map[string]any{"first": 2}, &page, alice.headers()...)
	o := page.Viewer.CheckoutAccount.Orders
	if len(codes) > 0 || o.TotalCount != 3 || len(o.Nodes) != 2 || o.Nodes[0].Order != "f-3" || o.Nodes[1].Order != "f-2" ||
		!o.PageInfo.HasNextPage || o.PageInfo.HasPreviousPage || len(o.Edges) != 2 || o.Edges[1].Node.Order != "f-2" ||
		len(o.Orders) != 2 || o.OrdersPaging != (struct{ From, Size, TotalSize int }{0, 2, 3}) {
		t.Fatalf("first page: %v %s", codes, raw)
	}
	codes, raw = e.gqlAs(ordersQuery, map[string]any{"first": 2, "after": o.Edges[1].Cursor}, &page, alice.headers()...)
	o = page.Viewer.CheckoutAccount.Orders
	if len(codes) > 0 || o.TotalCount != 3 || len(o.Nodes) != 1 || o.Nodes[0].Order != "f-1" || o.PageInfo.HasNextPage || !o.PageInfo.HasPreviousPage {
		t.Fatalf("second page: %v %s", codes, raw)
	}
	codes, raw = e.gqlAs(ordersQuery, map[string]any{"from": 1, "size": 1}, &page, alice.headers()...)
	o = page.Viewer.CheckoutAccount.Orders
	if len(codes) > 0 || len(o.Orders) != 1 || o.Orders[0].Order != "f-2" || o.OrdersPaging != (struct{ From, Size, TotalSize int }{1, 1, 3}) {
		t.Fatalf("the seed's paging: %v %s", codes, raw)
	}
	for _, bad := range []map[string]any{{"first": 101}, {"first": -1}, {"after": "bm90IGEgY3Vyc29y"}, {"first": 1, "from": 0},
		{"size": 0}, {"size": 1001}, {"from": -1}} {
		if codes, raw := e.gqlAs(ordersQuery, bad, nil, alice.headers()...); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
			t.Fatalf("orders %v: %v %s, want BAD_USER_INPUT", bad, codes, raw)
		}
	}

	// Nobody else sees it: another user, the partner without the user's
	// token; the partner with alice's token acts as alice.
	if got := e.linked(bob); got != "" {
		t.Fatalf("bob sees %q", got)
	}
	var asPartner struct {
		User *struct{ CheckoutAccount *struct{ Email string } }
	}
	codes, raw = e.gqlAs(`query($u: ID!) { user(userId: $u) { checkoutAccount { email orders { totalCount } } } }`,
		map[string]any{"u": alice.id}, &asPartner, "Authorization", partner)
	if len(codes) > 0 || asPartner.User == nil || asPartner.User.CheckoutAccount != nil {
		t.Fatalf("the partner reads alice's account: %v %s", codes, raw)
	}
	codes, raw = e.gqlAs(`{ viewer { checkoutAccount { email } } }`, nil, nil, "Authorization", partner, "X-Storebox-user-token", alice.token)
	if len(codes) > 0 || !strings.Contains(string(raw), "link-first@example.com") {
		t.Fatalf("the partner with alice's token: %v %s", codes, raw)
	}

	// One user per account: bob cannot take it.
	out, codes, raw = e.link(bob, "link-first@example.com", "correct horse battery")
	if len(codes) > 0 || out.LinkCheckoutAccount == nil || len(out.LinkCheckoutAccount.UserErrors) != 1 ||
		out.LinkCheckoutAccount.UserErrors[0] != (userError{"email", "CONFLICT", "this checkout account is linked to another user"}) {
		t.Fatalf("bob links alice's account: %v %s", codes, raw)
	}
	// One account per user: alice relinks to the second account, and the
	// first is free for bob.
	if out, codes, raw := e.link(alice, "link-second@example.com", "correct horse battery"); len(codes) > 0 || out.LinkCheckoutAccount.CheckoutAccount == nil {
		t.Fatalf("relink: %v %s", codes, raw)
	}
	if out, codes, raw := e.link(bob, "link-first@example.com", "correct horse battery"); len(codes) > 0 || out.LinkCheckoutAccount.CheckoutAccount == nil {
		t.Fatalf("bob links the freed account: %v %s", codes, raw)
	}
	if a, b := e.linked(alice), e.linked(bob); a != "link-second@example.com" || b != "link-first@example.com" {
		t.Fatalf("alice has %q, bob %q", a, b)
	}

	// Unlinking.
	unlink := `mutation { unlinkCheckoutAccount { unlinked userErrors { field } } }`
	var un struct{ UnlinkCheckoutAccount struct{ Unlinked bool } }
	if codes, raw := e.gqlAs(unlink, nil, &un, bob.headers()...); len(codes) > 0 || !un.UnlinkCheckoutAccount.Unlinked {
		t.Fatalf("unlink: %v %s", codes, raw)
	}
	if codes, raw := e.gqlAs(unlink, nil, &un, bob.headers()...); len(codes) > 0 || un.UnlinkCheckoutAccount.Unlinked {
		t.Fatalf("unlink again: %v %s", codes, raw)
	}
	if got := e.linked(bob); got != "" {
		t.Fatalf("bob still has %q", got)
	}

	// A password change voids the link: alice loses the second account,
	// and whoever proves the new password may link it.
	tok := e.do("POST", "/login/link-second@example.com", "", map[string]any{"password": "correct horse battery"}).token()
	e.want("change password", e.do("PUT", "/password", tok, map[string]any{"password": "correct horse battery",
		"newPassword": "a brand new secret"}), http.StatusOK, nil)
	if got := e.linked(alice); got != "" {
		t.Fatalf("after the password change alice still has %q", got)
	}
	if out, codes, raw := e.link(bob, "link-second@example.com", "correct horse battery"); len(codes) > 0 || len(out.LinkCheckoutAccount.UserErrors) != 1 {
		t.Fatalf("bob links with the old password: %v %s", codes, raw)
	}
	if out, codes, raw := e.link(bob, "link-second@example.com", "a brand new secret"); len(codes) > 0 || out.LinkCheckoutAccount.CheckoutAccount == nil {
		t.Fatalf("bob links with the new password over alice's void link: %v %s", codes, raw)
	}
	if got := e.linked(bob); got != "link-second@example.com" {
		t.Fatalf("bob has %q", got)
	}

	// A user deleted while its token still runs links nothing; its link
	// goes with it.
	if _, err := testenv.DB(t).Pool.Exec(context.Background(), `DELETE FROM users WHERE user_id = $1`, bob.id); err != nil {
		t.Fatal(err)
	}
	if _, codes, raw := e.link(bob, "link-first@example.com", "correct horse battery"); len(codes) != 1 || codes[0] != "UNAUTHENTICATED" {
		t.Fatalf("a deleted user links: %v %s", codes, raw)
	}
	if out, codes, raw := e.link(alice, "link-second@example.com", "a brand new secret"); len(codes) > 0 || out.LinkCheckoutAccount.CheckoutAccount == nil {
		t.Fatalf("alice links the account of the deleted user: %v %s", codes, raw)
	}
}

// TestOnlyTheEndUserLinks: linking and unlinking need the User API access
// token alone: anonymous callers are unauthenticated; partners (with or
// without the user's token), admins, Open Loyalty customers and checkout
// sessions are refused and nothing is linked.
func TestOnlyTheEndUserLinks(t *testing.T) {
	e := newEnv(t)
	tok := e.register("link-mine@example.com")
	partner, partnerID := e.newPartner()
	alice := e.newEndUser(partner, partnerID)
	vars := map[string]any{"e": "link-mine@example.com", "p": "correct horse battery"}
	for _, c := range []struct {
		who     string
		want    string
		headers []string
	}{
		{"anonymous", "UNAUTHENTICATED", nil},
		{"a checkout session", "UNAUTHENTICATED", []string{"API-Token", tok}},
		{"the partner", "FORBIDDEN", []string{"Authorization", partner}},
		{"the partner with the user's token", "FORBIDDEN", []string{"Authorization", partner, "X-Storebox-user-token", alice.token}},
		{"an admin", "FORBIDDEN", []string{"Authorization", e.admin}},
	} {
		for _, q := range []string{linkMutation, `mutation { unlinkCheckoutAccount { unlinked } }`} {
			if codes, raw := e.gqlAs(q, vars, nil, c.headers...); len(codes) != 1 || codes[0] != c.want {
				t.Errorf("%s: %v %s, want %s", c.who, codes, raw, c.want)
			}
		}
	}
	if got := e.linked(alice); got != "" {
		t.Fatalf("alice has %q linked by someone else", got)
	}
	// A login is one guess per document: two links in one are refused.
	codes, raw := e.gqlAs(`mutation { a: linkCheckoutAccount(email: "link-mine@example.com", password: "x") { userErrors { field } }
	  b: linkCheckoutAccount(email: "link-mine@example.com", password: "y") { userErrors { field } } }`, nil, nil, alice.headers()...)
	if len(codes) != 1 || codes[0] == "" || strings.Contains(string(raw), "userErrors") {
		t.Fatalf("two links in one document: %v %s", codes, raw)
	}
}

// TestLinkCheckoutAccountSharesTheLoginThrottle: failed links count as
// failed logins of the address (and client): past the limit both the link
// and the checkout login are refused (429) before any password check,
// even with the right password.
func TestLinkCheckoutAccountSharesTheLoginThrottle(t *testing.T) {
	e := newEnvWith(t, wire.Options{LoginFailuresPerMinute: 3})
	e.remote = "198.51.100.9:4000"
	e.register("link-throttled@example.com")
	partner, partnerID := e.newPartner()
	alice := e.newEndUser(partner, partnerID)
	for i := range 3 {
		if out, codes, raw := e.link(alice, "link-throttled@example.com", fmt.Sprintf("wrong password %d", i)); len(codes) > 0 ||
			len(out.LinkCheckoutAccount.UserErrors) != 1 {
			t.Fatalf("try %d: %v %s", i, codes, raw)
		}
	}
	if _, codes, raw := e.link(alice, "link-throttled@example.com", "correct horse battery"); len(codes) != 1 || codes[0] != "RATE_LIMITED" {
		t.Fatalf("the 4th try: %v %s, want RATE_LIMITED", codes, raw)
	}
	if r := e.do("POST", "/login/link-throttled@example.com", "", map[string]any{"password": "correct horse battery"}); r.status != http.StatusTooManyRequests {
		t.Fatalf("the checkout login after failed links: %d %s", r.status, r.raw)
	}
	if got := e.linked(alice); got != "" {
		t.Fatalf("linked %q", got)
	}
}

// TestMeOfACheckoutSession: a checkout session logged in to an account
// (API-Token) is a viewer that sees its account and orders, as its REST
// door does, and nothing of the user who linked the account; a session
// that is not logged in, an unknown token and no token are no viewer; a
// user token's viewer is its user with its linked account.
func TestMeOfACheckoutSession(t *testing.T) {
	e := newEnv(t)
	tok := e.register("link-session@example.com")
	e.importOrders(e.admin, "["+seedOrder("link-session@example.com", "o-1", "2015-10-20 16:01:34")+","+
		seedOrder("link-session@example.com", "o-2", "2015-10-21 16:01:34")+"]")
	partner, partnerID := e.newPartner()
	alice := e.newEndUser(partner, partnerID)
	if out, codes, raw := e.link(alice, "link-session@example.com", "correct horse battery"); len(codes) > 0 || out.LinkCheckoutAccount.CheckoutAccount == nil {
		t.Fatalf("link: %v %s", codes, raw)
	}
	const meQuery = `{ me { credential user { userId parms { name } cards { nodes { cardId } } } loyalty { customerId }
	  checkoutAccount { email orders(first: 1) { totalCount nodes { order } } } } }`
	type meResult struct {
		Me *struct {
			Credential string
			User       *struct{ UserID string }
			Loyalty    *struct{ CustomerID string }
			Account    *struct {
				Email  string
				Orders orderConnection
			} `json:"checkoutAccount"`
		}
	}
	var out meResult
	codes, raw := e.gqlAs(meQuery, nil, &out, "API-Token", tok)
	if len(codes) > 0 || out.Me == nil || out.Me.Credential != "CHECKOUT_SESSION" || out.Me.User != nil || out.Me.Loyalty != nil ||
		out.Me.Account == nil || out.Me.Account.Email != "link-session@example.com" || out.Me.Account.Orders.TotalCount != 2 ||
		len(out.Me.Account.Orders.Nodes) != 1 || out.Me.Account.Orders.Nodes[0].Order != "o-2" {
		t.Fatalf("me of the session: %v %s", codes, raw)
	}
	if strings.Contains(string(raw), alice.id) {
		t.Fatalf("the session sees the linked user: %s", raw)
	}
	// The session is no User API user.
	if codes, raw := e.gqlAs(`{ viewer { userId } }`, nil, nil, "API-Token", tok); len(codes) != 1 || codes[0] != "UNAUTHENTICATED" ||
		strings.Contains(string(raw), alice.id) {
		t.Fatalf("viewer of a session: %v %s", codes, raw)
	}
	// The session's own orders path and the checkoutSession field agree.
	var sess struct {
		CheckoutSession struct {
			LoggedIn struct{ Orders orderConnection }
		}
	}
	codes, raw = e.gqlAs(`{ checkoutSession { loggedIn { orders(first: 5) { totalCount nodes { order } ordersPaging { from size totalSize } } } } }`,
		nil, &sess, "API-Token", tok)
	if o := sess.CheckoutSession.LoggedIn.Orders; len(codes) > 0 || o.TotalCount != 2 || len(o.Nodes) != 2 || o.OrdersPaging.Size != 5 {
		t.Fatalf("checkoutSession orders: %v %s", codes, raw)
	}

	// Not logged in, unknown, malformed or no token: no viewer, and no
	// new session for it.
	e.want("logout", e.do("POST", "/logout", tok, nil), http.StatusOK, nil)
	rc := testenv.Redis(t)
	sessions := func() int {
		keys, err := rc.Redis().Keys(context.Background(), rc.Key("checkout", "session", "*")).Result()
		if err != nil {
			t.Fatal(err)
		}
		return len(keys)
	}
	before := sessions()
	for _, h := range [][]string{{"API-Token", tok}, {"API-Token", "aaaaaaaaaaaaaaaaaaaaaaaaaa"}, {"API-Token", "x\x00y"}, nil} {
		out = meResult{}
		if codes, raw := e.gqlAs(meQuery, nil, &out, h...); len(codes) > 0 || out.Me != nil {
			t.Fatalf("me with %q: %v %s, want null", h, codes, raw)
		}
	}
	if after := sessions(); after != before {
		t.Fatalf("me opened %d sessions", after-before)
	}

	// The user token: its user and its linked account.
	codes, raw = e.gqlAs(meQuery, nil, &out, alice.headers()...)
	if len(codes) > 0 || out.Me == nil || out.Me.Credential != "USER_TOKEN" || out.Me.User == nil || out.Me.User.UserID != alice.id ||
		out.Me.Account == nil || out.Me.Account.Email != "link-session@example.com" || out.Me.Account.Orders.TotalCount != 2 {
		t.Fatalf("me of the user: %v %s", codes, raw)
	}
	// A user token wins over a session sent with it.
	other := e.register("link-other@example.com")
	codes, raw = e.gqlAs(meQuery, nil, &out, append(alice.headers(), "API-Token", other)...)
	if len(codes) > 0 || out.Me == nil || out.Me.Credential != "USER_TOKEN" || out.Me.Account.Email != "link-session@example.com" {
		t.Fatalf("me of the user with another session: %v %s", codes, raw)
	}
	// The partner alone is no end user.
	if codes, raw := e.gqlAs(meQuery, nil, &out, "Authorization", partner); len(codes) > 0 || !strings.Contains(string(raw), `"me":null`) {
		t.Fatalf("me of the partner: %v %s", codes, raw)
	}
}
