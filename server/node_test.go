package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"loyaltygraph/graph"
	"loyaltygraph/internal/testenv"
)

// firstID is the first "id" in a GraphQL answer's data, depth first in
// document order.
func firstID(raw json.RawMessage) string {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if k, ok := tok.(string); ok && k == "id" {
			var v any
			if dec.Decode(&v) == nil {
				if s, ok := v.(string); ok {
					return s
				}
			}
		}
	}
}

// TestEveryNodeTypeResolvesThroughNode walks the types that implement Node
// in the schema (so a new one without a case here fails): for each, one
// object read through its ordinary field gives its id, node(id) gives the
// same object back, and a principal who may not read it gets null.
func TestEveryNodeTypeResolvesThroughNode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	demo, err := f.app.LoadDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	creds := map[string]string{}
	for _, c := range demo.Credentials {
		creds[c.Username] = testenv.BasicAuth(c.Username, c.Secret)
	}
	settle, partner := creds["demo-settlement"], creds["demo-partner"]
	must := func(authz, query string, vars map[string]any) json.RawMessage {
		t.Helper()
		_, res := f.gql(t, authz, query, vars)
		if len(res.Errors) > 0 || strings.Contains(string(res.Data), `"userErrors":[{`) {
			t.Fatalf("%s: %s %+v", query, res.Data, res.Errors)
		}
		return res.Data
	}

	// What the demo does not make: a category with a product, a blocked
	// product, a loyalty customer, a notification endpoint with a delivery,
	// and a Storebox account.
	cat := firstID(must(settle, `mutation { createCategory(input: {merchantId: "demo-netto", name: "Dairy", userShare: "1", providerShare: "0.5"}) { category { categoryId id } userErrors { field } } }`, nil))
	var catID string
	{
		var d struct{ Node struct{ CategoryID string } }
		_ = json.Unmarshal(must(settle, `query($id: ID!) { node(id: $id) { ... on Category { categoryId } } }`, map[string]any{"id": cat}), &d)
		catID = d.Node.CategoryID
	}
	must(settle, `mutation($c: ID!) { addProducts(categoryId: $c, products: [{productNumber: "5701234"}]) { userErrors { field } } }`, map[string]any{"c": catID})
	must(f.admin, `mutation { createBlockedProducts(blockedProducts: [{productNumber: "5709999", name: "Tobacco"}]) { userErrors { field } } }`, nil)
	reg := must(f.admin, `mutation { registerCustomer(input: {storeCode: "DEFAULT", customer: {firstName: "Nora", lastName: "Node", email: "node@example.com", agreement1: true}}) { customer { customerId } userErrors { field } } }`, nil)
	var customer struct {
		RegisterCustomer struct{ Customer struct{ CustomerID string } }
	}
	_ = json.Unmarshal(reg, &customer)
	hooks := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(hooks.Close)
	must(partner, `mutation($u: String!) { setNotificationEndpoint(input: {type: USER_UPDATED, url: $u}) { userErrors { field } } }`, map[string]any{"u": hooks.URL})
	must(partner, `mutation($u: ID!) { updateUser(userId: $u, input: {parms: [{name: "node", value: "1"}]}) { userErrors { field } } }`, map[string]any{"u": demo.UserID})
	must(partner, `mutation { createStoreboxUser(input: {firstName: "Sto", lastName: "Rebox", email: {value: "node-account@example.com", validated: true}}) { userErrors { field } } }`, nil)

	type nodeCase struct {
		authz, query string
		vars         map[string]any
		// other may not read the object; "" for public objects, which
		// everyone reads alike.
		other string
		// wait polls until the object exists (deliveries are recorded by
		// the outbox worker).
		wait bool
	}
	merchantList := func(field string) string {
		return `{ merchant(merchantId: "demo-netto") { ` + field + `(first: 1) { nodes { id } } } }`
	}
	cases := map[string]nodeCase{
		"User":                  {partner, `query($u: ID!) { user(userId: $u) { id } }`, map[string]any{"u": demo.UserID}, f.partner, false},
		"Card":                  {partner, `query($u: ID!) { user(userId: $u) { cards(first: 1) { nodes { id } } } }`, map[string]any{"u": demo.UserID}, f.partner, false},
		"Receipt":               {partner, `query($u: ID!) { user(userId: $u) { receipts(first: 1) { nodes { id } } } }`, map[string]any{"u": demo.UserID}, f.partner, false},
		"Merchant":              {settle, `{ merchant(merchantId: "demo-netto") { id } }`, nil, f.settlement, false},
		"Company":               {settle, merchantList("companies"), nil, f.settlement, false},
		"Store":                 {settle, merchantList("stores"), nil, f.settlement, false},
		"Category":              {settle, merchantList("categories"), nil, f.settlement, false},
		"Product":               {settle, `{ merchant(merchantId: "demo-netto") { categories(first: 1) { nodes { products(first: 1) { nodes { id } } } } } }`, nil, f.settlement, false},
		"Campaign":              {settle, merchantList("campaigns"), nil, f.settlement, false},
		"DerivedShare":          {settle, merchantList("derivedShares"), nil, f.settlement, false},
		"Invoice":               {settle, merchantList("invoices"), nil, f.settlement, false},
		"SettlementSourceState": {settle, merchantList("settlementSourceStates"), nil, f.settlement, false},
		"Settlement":            {settle, `{ settlements(first: 1) { nodes { id } } }`, nil, f.settlement, false},
		"SettlementBatch":       {settle, `{ settlementBatches(first: 1) { nodes { id } } }`, nil, f.settlement, false},
		"TransactionBatch":      {settle, `{ transactionBatches(first: 1) { nodes { id } } }`, nil, f.settlement, false},
		"SettleRun":             {settle, `query($r: ID!) { settleRun(settlementId: $r) { id } }`, map[string]any{"r": demo.Settlement.SettleRunID}, f.settlement, false},
		// Blocked products are one list that every settlement client reads.
		"BlockedProduct":       {f.admin, `{ blockedProducts(first: 1) { nodes { id } } }`, nil, f.partner, false},
		"Customer":             {f.admin, `query($c: ID!) { customer(storeCode: "DEFAULT", customerId: $c) { id } }`, map[string]any{"c": customer.RegisterCustomer.Customer.CustomerID}, f.partner, false},
		"Terms":                {"", `{ terms(lang: "da", date: "2026-06-01") { id } }`, nil, "", false},
		"NotificationEndpoint": {partner, `{ notificationEndpoints(first: 1) { nodes { id } } }`, nil, f.partner, false},
		"NotificationDelivery": {partner, `{ notificationDeliveries(first: 1) { nodes { id } } }`, nil, f.partner, true},
		"StoreboxAccount":      {f.admin, `{ storeboxAccount(email: "node-account@example.com") { id } }`, nil, f.partner, false},
	}

	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	types := schema.GetPossibleTypes(schema.Types["Node"])
	if len(types) < len(cases) {
		t.Fatalf("Node has %d types, the test %d cases", len(types), len(cases))
	}
	const nodeQ = `query($id: ID!) { node(id: $id) { __typename id } nodes(ids: [$id]) { __typename id } }`
	for _, typ := range types {
		t.Run(typ.Name, func(t *testing.T) {
			c, ok := cases[typ.Name]
			if !ok {
				t.Fatalf("%s implements Node, but this test does not fetch one: add a case", typ.Name)
			}
			var id string
			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				if id = firstID(must(c.authz, c.query, c.vars)); id != "" || !c.wait || time.Now().After(deadline) {
					break
				}
			}
			if id == "" {
				t.Fatalf("no %s to read: %s", typ.Name, c.query)
			}
			if _, err := base64.RawURLEncoding.DecodeString(id); err != nil || strings.Contains(id, typ.Name) {
				t.Fatalf("id %q is not opaque base64url", id)
			}
			var got struct {
				Node  *struct{ Typename, ID string } `json:"node"`
				Nodes []*struct {
					Typename string `json:"__typename"`
					ID       string
				} `json:"nodes"`
			}
			raw := must(c.authz, nodeQ, map[string]any{"id": id})
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			var typename struct {
				Node *struct {
					Typename string `json:"__typename"`
				}
			}
			_ = json.Unmarshal(raw, &typename)
			if got.Node == nil || got.Node.ID != id || typename.Node == nil || typename.Node.Typename != typ.Name ||
				len(got.Nodes) != 1 || got.Nodes[0] == nil || got.Nodes[0].ID != id {
				t.Fatalf("node(%s): %s", id, raw)
			}
			if c.other == "" {
				// Public: anyone reads it alike.
				if again := must(f.partner, nodeQ, map[string]any{"id": id}); string(again) != string(raw) {
					t.Fatalf("public %s reads %s for another caller, %s for the first", typ.Name, again, raw)
				}
				return
			}
			if typ.Name == "SettleRun" {
				// As settleRun(settlementId) shows it: another settlement
				// client learns the run exists (its id is random) and sees
				// none of its invoices.
				q := `query($id: ID!) { node(id: $id) { ... on SettleRun { invoices { totalCount } } } }`
				if other := must(c.other, q, map[string]any{"id": id}); string(other) != `{"node":{"invoices":{"totalCount":0}}}` {
					t.Fatalf("another principal reads the run's invoices: %s", other)
				}
				return
			}
			if other := must(c.other, nodeQ, map[string]any{"id": id}); string(other) != `{"node":null,"nodes":[null]}` {
				t.Fatalf("another principal reads %s: %s", typ.Name, other)
			}
		})
	}
}

// TestGlobalIDs: ids are unpadded base64url of the type and native id,
// the same for the same object in another process (nothing random or
// keyed goes in), and garbage in node(id) is BAD_USER_INPUT naming id.
func TestGlobalIDs(t *testing.T) {
	f := newFixture(t)
	_, res := f.gql(t, f.settlement, `mutation { createMerchant(input: {merchantId: "gid-stable", merchantName: "Stable"}) { merchant { id } } }`, nil)
	want := base64.RawURLEncoding.EncodeToString([]byte("Merchant:gid-stable"))
	if !strings.Contains(string(res.Data), `"id":"`+want+`"`) {
		t.Fatalf("merchant id: %s, want %s", res.Data, want)
	}
	// A second app on the same database (another replica, or the service
	// after a restart) gives the same id for the same object.
	other := testenv.App(t)
	if _, res := testenv.GraphQL(t, other.Handler, f.settlement, `{ merchant(merchantId: "gid-stable") { id } }`, nil); !strings.Contains(string(res.Data), want) {
		t.Fatalf("another app: %s %+v", res.Data, res.Errors)
	}
	for _, bad := range []string{"not base64!", "====", base64.RawURLEncoding.EncodeToString([]byte("no colon")),
		base64.RawURLEncoding.EncodeToString([]byte(":x")), base64.RawURLEncoding.EncodeToString([]byte("Merchant:")),
		strings.Repeat("QUFB", 200), "a\x00b"} {
		resp, res := f.gql(t, f.settlement, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": bad})
		if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Fatalf("node(%q): %d %s", bad, resp.Status, resp.Body)
		}
		if field := res.Errors[0].Extensions["field"]; field != nil && field != "id" {
			t.Fatalf("node(%q) names %v", bad, field)
		}
	}
	// A well-formed id of an unknown type or object is just not found.
	for _, missing := range []string{base64.RawURLEncoding.EncodeToString([]byte("Nothing:1")), base64.RawURLEncoding.EncodeToString([]byte("Merchant:absent"))} {
		if _, res := f.gql(t, f.settlement, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": missing}); len(res.Errors) > 0 || string(res.Data) != `{"node":null}` {
			t.Fatalf("node(%q): %s %+v", missing, res.Data, res.Errors)
		}
	}
}

// TestConnectionArgumentsAreChecked: on every connection, first outside 0
// to 100 and an after that is no cursor are BAD_USER_INPUT naming the
// argument; a page's totalCount counts the whole list.
func TestConnectionArgumentsAreChecked(t *testing.T) {
	f := newFixture(t)
	if _, res := f.gql(t, f.settlement, createMerchant, map[string]any{"input": map[string]any{"merchantId": "args-m", "merchantName": "Args"}}); len(res.Errors) > 0 {
		t.Fatalf("create merchant: %+v", res.Errors)
	}
	for _, id := range []string{"args-1", "args-2", "args-3"} {
		if _, res := f.gql(t, f.settlement, `mutation($in: CreateStoreInput!) { createStore(input: $in) { userErrors { field } } }`,
			map[string]any{"in": map[string]any{"storeId": id, "merchantId": "args-m", "storeNumber": id, "name": id, "userShare": "1", "providerShare": "1"}}); len(res.Errors) > 0 {
			t.Fatalf("create store: %+v", res.Errors)
		}
	}
	for _, bad := range []struct{ args, field string }{
		{`first: 101`, "first"}, {`first: -1`, "first"}, {`after: "nonsense"`, "after"}, {`after: "b2Zmc2V0Oi0x"`, "after"},
	} {
		_, res := f.gql(t, f.settlement, `{ merchant(merchantId: "args-m") { stores(`+bad.args+`) { totalCount } } }`, nil)
		if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != bad.field {
			t.Fatalf("stores(%s): %s %+v", bad.args, res.Data, res.Errors)
		}
	}
	var page struct {
		Merchant struct {
			Stores struct {
				TotalCount int
				Nodes      []struct{ StoreID string }
				PageInfo   struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
	}
	_, res := f.gql(t, f.settlement, `{ merchant(merchantId: "args-m") { stores(first: 2) { totalCount nodes { storeId } pageInfo { hasNextPage endCursor } } } }`, nil)
	decodeData(t, res, &page)
	s := page.Merchant.Stores
	if s.TotalCount != 3 || len(s.Nodes) != 2 || !s.PageInfo.HasNextPage {
		t.Fatalf("first page: %+v", s)
	}
	firstIDs := s.Nodes[0].StoreID + " " + s.Nodes[1].StoreID
	_, res = f.gql(t, f.settlement, `query($a: String) { merchant(merchantId: "args-m") { stores(first: 2, after: $a) { totalCount nodes { storeId } pageInfo { hasNextPage endCursor } } } }`,
		map[string]any{"a": s.PageInfo.EndCursor})
	page.Merchant.Stores.Nodes = nil
	decodeData(t, res, &page)
	if s2 := page.Merchant.Stores; s2.TotalCount != 3 || len(s2.Nodes) != 1 || s2.PageInfo.HasNextPage || strings.Contains(firstIDs, s2.Nodes[0].StoreID) {
		t.Fatalf("second page: %+v", s2)
	}
}
