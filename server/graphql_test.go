package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type fixture struct {
	app        *wire.App
	settlement string // Authorization header values
	admin      string
	partner    string
	partnerNC  *auth.NewCredential
}

func newFixture(t *testing.T) *fixture {
	a := testenv.App(t)
	s := testenv.Credential(t, a, auth.KindSettlement)
	ad := testenv.Credential(t, a, auth.KindAdmin)
	p := testenv.Credential(t, a, auth.KindPartner)
	return &fixture{
		app:        a,
		settlement: testenv.BasicAuth(s.Username, s.Secret),
		admin:      testenv.BasicAuth(ad.Username, ad.Secret),
		partner:    testenv.BasicAuth(p.Username, p.Secret),
		partnerNC:  p,
	}
}

func (f *fixture) gql(t *testing.T, authz, query string, vars map[string]any) (*testenv.Response, *testenv.GraphQLResult) {
	t.Helper()
	return testenv.GraphQL(t, f.app.Handler, authz, query, vars)
}

const createMerchant = `mutation($input: CreateMerchantInput!) {
  createMerchant(input: $input) {
    merchant { id merchantId merchantName merchantStatus }
    userErrors { field code message }
  }
}`

type payload struct {
	Merchant *struct {
		ID             string `json:"id"`
		MerchantID     string `json:"merchantId"`
		MerchantName   string `json:"merchantName"`
		MerchantStatus string `json:"merchantStatus"`
	} `json:"merchant"`
	UserErrors []struct {
		Field   *string `json:"field"`
		Code    string  `json:"code"`
		Message string  `json:"message"`
	} `json:"userErrors"`
}

func decodeData(t *testing.T, res *testenv.GraphQLResult, v any) {
	t.Helper()
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	if err := json.Unmarshal(res.Data, v); err != nil {
		t.Fatalf("data %s: %v", res.Data, err)
	}
}

func TestCreateMerchantThroughGraphQLReadsThroughREST(t *testing.T) {
	f := newFixture(t)
	_, res := f.gql(t, f.settlement, createMerchant, map[string]any{"input": map[string]any{"merchantId": "gql-1", "merchantName": "Via GraphQL", "merchantStatus": "DISABLED"}})
	var data struct{ CreateMerchant payload }
	decodeData(t, res, &data)
	p := data.CreateMerchant
	if p.Merchant == nil || len(p.UserErrors) != 0 || p.Merchant.MerchantStatus != "DISABLED" || p.Merchant.ID == "" {
		t.Fatalf("payload %+v", p)
	}

	r := testenv.Do(t, f.app.Handler, "GET", "/api/v1/merchants/gql-1", nil, "Authorization", f.settlement)
	if r.Status != 200 {
		t.Fatalf("REST read: %d %s", r.Status, r.Body)
	}
	m := r.Object(t)
	if m["merchantName"] != "Via GraphQL" || m["merchantStatus"] != "disabled" {
		t.Fatalf("REST sees %s", r.Body)
	}
}

func TestCreateMerchantThroughRESTReadsThroughGraphQL(t *testing.T) {
	f := newFixture(t)
	r := testenv.Do(t, f.app.Handler, "POST", "/api/v1/merchants", map[string]any{"merchantId": "rest-1", "merchantName": "Via REST"}, "Authorization", f.settlement)
	if r.Status != http.StatusCreated {
		t.Fatalf("REST create: %d %s", r.Status, r.Body)
	}
	_, res := f.gql(t, f.settlement, `query($id: ID!) { merchant(merchantId: $id) { id merchantId merchantName merchantStatus createdAt } }`, map[string]any{"id": "rest-1"})
	var data struct {
		Merchant struct {
			ID, MerchantID, MerchantName, MerchantStatus, CreatedAt string
		}
	}
	decodeData(t, res, &data)
	if data.Merchant.MerchantName != "Via REST" || data.Merchant.MerchantStatus != "ACTIVE" {
		t.Fatalf("GraphQL sees %+v", data.Merchant)
	}
	if _, err := time.Parse(time.RFC3339, data.Merchant.CreatedAt); err != nil {
		t.Fatalf("createdAt %q: %v", data.Merchant.CreatedAt, err)
	}

	// The global id resolves through node.
	_, res = f.gql(t, f.settlement, `query($id: ID!) { node(id: $id) { id ... on Merchant { merchantId } } }`, map[string]any{"id": data.Merchant.ID})
	var node struct {
		Node struct{ ID, MerchantID string }
	}
	decodeData(t, res, &node)
	if node.Node.MerchantID != "rest-1" || node.Node.ID != data.Merchant.ID {
		t.Fatalf("node: %+v", node)
	}

	// Unknown merchants are null, not errors.
	_, res = f.gql(t, f.settlement, `{ merchant(merchantId: "nope") { merchantId } }`, nil)
	if len(res.Errors) != 0 || string(res.Data) != `{"merchant":null}` {
		t.Fatalf("unknown merchant: %s %+v", res.Data, res.Errors)
	}
}

func TestCreateMerchantUserErrors(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name  string
		input map[string]any
		field string
		code  string
	}{
		{"empty name", map[string]any{"merchantName": ""}, "merchantName", "INVALID"},
		{"long name", map[string]any{"merchantName": strings.Repeat("n", 129)}, "merchantName", "INVALID"},
		{"long id", map[string]any{"merchantId": strings.Repeat("i", 33), "merchantName": "x"}, "merchantId", "INVALID"},
		{"duplicate id", map[string]any{"merchantId": "dup", "merchantName": "x"}, "merchantId", "CONFLICT"},
	}
	_, res := f.gql(t, f.admin, createMerchant, map[string]any{"input": map[string]any{"merchantId": "dup", "merchantName": "first"}})
	decodeData(t, res, &struct{}{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, res := f.gql(t, f.settlement, createMerchant, map[string]any{"input": tc.input})
			var data struct{ CreateMerchant payload }
			decodeData(t, res, &data)
			p := data.CreateMerchant
			if p.Merchant != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != tc.code ||
				p.UserErrors[0].Field == nil || *p.UserErrors[0].Field != tc.field || p.UserErrors[0].Message == "" {
				t.Fatalf("payload %+v", p)
			}
		})
	}
}

func TestUpdateAndDeleteMerchant(t *testing.T) {
	f := newFixture(t)
	f.gql(t, f.settlement, createMerchant, map[string]any{"input": map[string]any{"merchantId": "upd", "merchantName": "Old"}})
	_, res := f.gql(t, f.settlement, `mutation { updateMerchant(merchantId: "upd", input: {merchantStatus: DISABLED}) { merchant { merchantName merchantStatus } userErrors { code } } }`, nil)
	var up struct {
		UpdateMerchant struct {
			Merchant   struct{ MerchantName, MerchantStatus string }
			UserErrors []any
		}
	}
	decodeData(t, res, &up)
	if up.UpdateMerchant.Merchant.MerchantName != "Old" || up.UpdateMerchant.Merchant.MerchantStatus != "DISABLED" {
		t.Fatalf("update: %s", res.Data)
	}
	_, res = f.gql(t, f.settlement, `mutation { updateMerchant(merchantId: "missing", input: {merchantName: "x"}) { merchant { merchantId } userErrors { code } } }`, nil)
	if !strings.Contains(string(res.Data), `"code":"NOT_FOUND"`) {
		t.Fatalf("update missing: %s", res.Data)
	}
	_, res = f.gql(t, f.settlement, `mutation { deleteMerchant(merchantId: "upd") { deletedMerchantId userErrors { code } } }`, nil)
	if string(res.Data) != `{"deleteMerchant":{"deletedMerchantId":"upd","userErrors":[]}}` {
		t.Fatalf("delete: %s", res.Data)
	}
	r := testenv.Do(t, f.app.Handler, "GET", "/api/v1/merchants/upd", nil, "Authorization", f.settlement)
	if r.Status != http.StatusNotFound {
		t.Fatalf("deleted merchant still readable over REST: %d", r.Status)
	}
}

func TestMerchantsConnectionPages(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"pg-a", "pg-b", "pg-c"} {
		f.gql(t, f.settlement, createMerchant, map[string]any{"input": map[string]any{"merchantId": id, "merchantName": id}})
	}
	type conn struct {
		Merchants struct {
			TotalCount int
			Edges      []struct{ Cursor string }
			Nodes      []struct{ MerchantID string }
			PageInfo   struct {
				HasNextPage, HasPreviousPage bool
				EndCursor                    *string
			}
		}
	}
	var seen []string
	var after any
	for range 10 {
		_, res := f.gql(t, f.settlement, `query($after: String) { merchants(first: 2, after: $after) { totalCount edges { cursor } nodes { merchantId } pageInfo { hasNextPage hasPreviousPage endCursor } } }`, map[string]any{"after": after})
		var c conn
		decodeData(t, res, &c)
		for _, n := range c.Merchants.Nodes {
			seen = append(seen, n.MerchantID)
		}
		if c.Merchants.TotalCount < 3 {
			t.Fatalf("totalCount %d", c.Merchants.TotalCount)
		}
		if !c.Merchants.PageInfo.HasNextPage {
			break
		}
		after = *c.Merchants.PageInfo.EndCursor
	}
	joined := strings.Join(seen, ",")
	if !strings.Contains(joined, "pg-a,pg-b,pg-c") {
		t.Fatalf("paged through %v", seen)
	}
	_, res := f.gql(t, f.settlement, `{ merchants(first: 101) { totalCount } }`, nil)
	if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Fatalf("first: 101 accepted: %+v", res)
	}
	_, res = f.gql(t, f.settlement, `{ merchants(after: "garbage") { totalCount } }`, nil)
	if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Fatalf("bad cursor accepted: %+v", res)
	}
}

func TestGraphQLAuthErrors(t *testing.T) {
	f := newFixture(t)
	resp, res := f.gql(t, "", `{ merchants { totalCount } }`, nil)
	if resp.Status != http.StatusOK || len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("anonymous: %d %s", resp.Status, resp.Body)
	}
	_, res = f.gql(t, "", createMerchant, map[string]any{"input": map[string]any{"merchantName": "x"}})
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("anonymous mutation: %+v", res)
	}
	_, res = f.gql(t, f.partner, `{ merchants { totalCount } }`, nil)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("partner: %+v", res)
	}
	resp, res = f.gql(t, testenv.BasicAuth("nobody", "wrong"), `{ merchants { totalCount } }`, nil)
	if resp.Status != http.StatusUnauthorized || len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("bad credentials: %d %s", resp.Status, resp.Body)
	}
	// A forbidden node is null, as if it did not exist.
	_, res = f.gql(t, f.admin, createMerchant, map[string]any{"input": map[string]any{"merchantId": "hidden", "merchantName": "x"}})
	var data struct{ CreateMerchant payload }
	decodeData(t, res, &data)
	_, res = f.gql(t, f.partner, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": data.CreateMerchant.Merchant.ID})
	if string(res.Data) != `{"node":null}` {
		t.Fatalf("partner sees node: %s", res.Data)
	}
}

func signKey(t *testing.T, secret, iss, path, method string, exp time.Time) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": iss, "sub": path, "method": method,
		"exp": exp.Unix(), "iat": time.Now().Unix(), "jti": ids.New()})
	s, err := tok.SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + s
}

func TestPartnerJWTWrappedKey(t *testing.T) {
	f := newFixture(t)
	p := f.partnerNC
	exp := time.Now().Add(5 * time.Minute)
	query := `{ merchants { totalCount } }`

	// A valid key authenticates the partner (who may not list merchants: FORBIDDEN, not UNAUTHENTICATED).
	_, res := f.gql(t, signKey(t, p.Secret, p.Username, "/graphql", "POST", exp), query, nil)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("valid key: %+v", res)
	}
	bad := map[string]string{
		"wrong secret":   signKey(t, p.Secret+"x", p.Username, "/graphql", "POST", exp),
		"wrong path":     signKey(t, p.Secret, p.Username, "/api/v1/merchants", "POST", exp),
		"wrong method":   signKey(t, p.Secret, p.Username, "/graphql", "GET", exp),
		"expired":        signKey(t, p.Secret, p.Username, "/graphql", "POST", time.Now().Add(-time.Hour)),
		"too long-lived": signKey(t, p.Secret, p.Username, "/graphql", "POST", time.Now().Add(48*time.Hour)),
		"unknown issuer": signKey(t, p.Secret, "partner-nobody", "/graphql", "POST", exp),
		"garbage":        "Bearer not.a.jwt",
	}
	for name, h := range bad {
		t.Run(name, func(t *testing.T) {
			resp, res := f.gql(t, h, query, nil)
			if resp.Status != http.StatusUnauthorized || len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
				t.Fatalf("%d %s", resp.Status, resp.Body)
			}
		})
	}
	// A settlement client's secret cannot sign keys: only partners have one sealed.
	t.Run("none algorithm", func(t *testing.T) {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": p.Username, "sub": "/graphql", "method": "POST", "exp": exp.Unix()})
		s, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		resp, _ := f.gql(t, "Bearer "+s, query, nil)
		if resp.Status != http.StatusUnauthorized {
			t.Fatalf("alg none accepted: %d", resp.Status)
		}
	})
}

func TestIntrospectionIsForAdmins(t *testing.T) {
	f := newFixture(t)
	q := `{ __schema { queryType { name } } }`
	for name, authz := range map[string]string{"anonymous": "", "settlement": f.settlement, "partner": f.partner} {
		_, res := f.gql(t, authz, q, nil)
		if len(res.Errors) == 0 {
			t.Fatalf("%s may introspect: %s", name, res.Data)
		}
	}
	_, res := f.gql(t, f.admin, q, nil)
	decodeData(t, res, &struct{}{})
	if !strings.Contains(string(res.Data), `"Query"`) {
		t.Fatalf("admin introspection: %s", res.Data)
	}
}

func TestNoFieldSuggestionsOutsideDev(t *testing.T) {
	f := newFixture(t)
	_, res := f.gql(t, f.admin, `{ merchnts { totalCount } }`, nil)
	if len(res.Errors) == 0 || strings.Contains(res.Errors[0].Message, "Did you mean") {
		t.Fatalf("suggestion leaked: %+v", res.Errors)
	}
}

// TestComplexityLimit: a list costs its page size times the cost of one
// item, so lists of lists cost the product of their pages. Refused
// documents run nothing (no resolver, no SQL): gqlgen checks the cost
// before it executes.
func TestComplexityLimit(t *testing.T) {
	f := newFixture(t)
	refused := func(t *testing.T, query string, vars map[string]any) {
		t.Helper()
		resp, res := f.gql(t, f.admin, query, vars)
		if resp.Status != http.StatusBadRequest || len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Message, "complexity") {
			t.Fatalf("over-complex query ran: %d %.300s", resp.Status, resp.Body)
		}
	}
	ran := func(t *testing.T, query string, vars map[string]any) {
		t.Helper()
		resp, res := f.gql(t, f.admin, query, vars)
		if resp.Status != http.StatusOK || len(res.Errors) > 0 {
			t.Fatalf("query refused: %d %.300s", resp.Status, resp.Body)
		}
	}
	// 100 × 100 stores, inline or through variables: refused.
	nested := `query($m: Int, $s: Int) { merchants(first: $m) { nodes { merchantId stores(first: $s) { nodes { storeId name } } } } }`
	refused(t, `{ merchants(first: 100) { nodes { merchantId stores(first: 100) { nodes { storeId name } } } } }`, nil)
	refused(t, nested, map[string]any{"m": 100, "s": 100})
	// Three levels of small pages multiply too: 20 × 20 × 20 products.
	refused(t, `{ merchants(first: 20) { nodes { categories(first: 20) { nodes { products(first: 20) { nodes { productId } } } } } } }`, nil)
	// The same shapes with small pages run.
	ran(t, `{ merchants(first: 100) { nodes { merchantId stores(first: 5) { nodes { storeId name } } } } }`, nil)
	ran(t, nested, map[string]any{"m": 10, "s": 10})
	ran(t, `{ merchants(first: 5) { nodes { categories(first: 5) { nodes { products(first: 5) { nodes { productId } } } } } } }`, nil)
	// Full flat pages side by side add up.
	var b strings.Builder
	b.WriteString("{")
	for i := range 20 {
		b.WriteString(" m" + string(rune('a'+i)) + `: merchants(first: 100) { nodes { merchantId merchantName merchantStatus createdAt updatedAt } }`)
	}
	b.WriteString(" }")
	refused(t, b.String(), nil)
}

func TestParserTokenLimit(t *testing.T) {
	f := newFixture(t)
	q := "{ " + strings.Repeat("__typename ", 20000) + "}"
	resp, res := f.gql(t, f.admin, q, nil)
	if resp.Status != http.StatusBadRequest || len(res.Errors) == 0 {
		t.Fatalf("huge query parsed: %d", resp.Status)
	}
}

func TestAutomaticPersistedQueryLivesInRedis(t *testing.T) {
	f := newFixture(t)
	query := `{ merchants(first: 1) { totalCount } }`
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}

	r := testenv.Do(t, f.app.Handler, "POST", "/graphql", map[string]any{"extensions": ext}, "Authorization", f.settlement)
	if !strings.Contains(string(r.Body), "PersistedQueryNotFound") {
		t.Fatalf("unknown hash: %s", r.Body)
	}
	r = testenv.Do(t, f.app.Handler, "POST", "/graphql", map[string]any{"query": query, "extensions": ext}, "Authorization", f.settlement)
	if r.Status != 200 || !strings.Contains(string(r.Body), "totalCount") {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	rc := testenv.Redis(t)
	if got, err := rc.Redis().Get(t.Context(), rc.Key("apq", hash)).Result(); err != nil || got != query {
		t.Fatalf("query not in Redis: %q %v", got, err)
	}
	// A second app (another replica) knows the query through Redis.
	other := testenv.App(t)
	r = testenv.Do(t, other.Handler, "GET", "/graphql?extensions="+urlEncode(ext), nil, "Authorization", f.settlement)
	if r.Status != 200 || !strings.Contains(string(r.Body), "totalCount") {
		t.Fatalf("hash only via GET on another replica: %d %s", r.Status, r.Body)
	}
}

func urlEncode(v any) string {
	b, _ := json.Marshal(v)
	return strings.NewReplacer("{", "%7B", "}", "%7D", `"`, "%22", ":", "%3A", ",", "%2C").Replace(string(b))
}

func TestGraphQLGetRefusesMutations(t *testing.T) {
	f := newFixture(t)
	r := testenv.Do(t, f.app.Handler, "GET", `/graphql?query=mutation%7BdeleteMerchant(merchantId:%22x%22)%7BdeletedMerchantId%7D%7D`, nil, "Authorization", f.settlement)
	if r.Status != http.StatusMethodNotAllowed {
		t.Fatalf("GET mutation: %d %s", r.Status, r.Body)
	}
}
