package openloyalty_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
)

func (e *env) gql(token, query string, vars map[string]any, out any) *testenv.GraphQLResult {
	e.t.Helper()
	authz := ""
	if token != "" {
		authz = "Bearer " + token
	}
	_, res := testenv.GraphQL(e.t, e.app.Handler, authz, query, vars)
	if out != nil && res.Data != nil {
		if err := json.Unmarshal(res.Data, out); err != nil {
			e.t.Fatalf("data: %v", err)
		}
	}
	return res
}

// TestGraphQLDoorMatchesREST: login, register, update, list, check, POS
// search, activate and delete through GraphQL reach the same customers as
// REST, with userErrors naming fields and the same role rules.
func TestGraphQLDoorMatchesREST(t *testing.T) {
	e := newEnv(t)
	a := testenv.Credential(t, e.app, auth.KindAdmin)
	s := testenv.Credential(t, e.app, auth.KindSeller)
	var login struct {
		LoyaltyLogin struct {
			Token, RefreshToken *string
			UserErrors          []struct{ Field, Code string }
		}
	}
	const loginQ = `mutation($in: LoyaltyLoginInput!) { loyaltyLogin(input: $in) { token refreshToken userErrors { field code } } }`
	e.gql("", loginQ, map[string]any{"in": map[string]any{"role": "ADMIN", "username": a.Username, "password": a.Secret}}, &login)
	if login.LoyaltyLogin.Token == nil {
		t.Fatalf("admin login: %+v", login)
	}
	admin := *login.LoyaltyLogin.Token
	if res := e.gql("", loginQ, map[string]any{"in": map[string]any{"role": "SELLER", "username": a.Username, "password": a.Secret}}, nil); len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("admin as seller: %+v", res)
	}
	e.gql("", loginQ, map[string]any{"in": map[string]any{"role": "SELLER", "username": s.Username, "password": s.Secret}}, &login)
	seller := *login.LoyaltyLogin.Token

	const registerQ = `mutation($in: RegisterCustomerInput!) { registerCustomer(input: $in) {
		customer { id customerId email phone gender level { name reward } labels { key value } address { city } }
		userErrors { field code message } } }`
	var reg struct {
		RegisterCustomer struct {
			Customer *struct {
				ID, CustomerID, Email, Phone, Gender string
				Level                                struct{ Name, Reward string }
				Labels                               []struct{ Key, Value string }
				Address                              struct{ City string }
			}
			UserErrors []struct{ Field, Code, Message string }
		}
	}
	email := uniq("gql") + "@example.com"
	e.gql(seller, registerQ, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customer": map[string]any{
		"firstName": "Gina", "lastName": "Graph", "email": email, "phone": "+48 456 456 000", "gender": "female",
		"agreement1": true, "labels": "a:b", "address": map[string]any{"city": "Oslo"}, "plainPassword": "graph-pass-1"}}}, &reg)
	c := reg.RegisterCustomer.Customer
	if c == nil || c.Email != email || c.Phone != "+48456456000" || c.Gender != "FEMALE" || c.Level.Name != "level0" ||
		c.Level.Reward != "0.00%" || len(c.Labels) != 1 || c.Address.City != "Oslo" {
		t.Fatalf("register: %+v", reg)
	}
	e.gql(seller, registerQ, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customer": map[string]any{
		"firstName": "Gina", "lastName": "Graph", "email": email, "agreement1": true}}}, &reg)
	if ue := reg.RegisterCustomer.UserErrors; len(ue) != 1 || ue[0].Field != "email" || ue[0].Code != "CONFLICT" {
		t.Fatalf("duplicate: %+v", reg)
	}
	e.gql(seller, registerQ, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customer": map[string]any{
		"firstName": "G", "lastName": "G", "email": uniq("p") + "@example.com", "phone": "+440000000", "agreement1": true}}}, &reg)
	if ue := reg.RegisterCustomer.UserErrors; len(ue) != 1 || ue[0].Field != "phone" || ue[0].Message != "This value is not a valid phone number." {
		t.Fatalf("bad phone: %+v", reg)
	}

	// The same customer over REST.
	if res := e.do("GET", "/api/DEFAULT/customer/"+c.CustomerID, admin, nil); res.Status != http.StatusOK || res.Object(t)["email"] != email {
		t.Fatalf("REST get: %d %s", res.Status, res.Body)
	}
	// node(id) finds it.
	var node struct{ Node *struct{ CustomerID string } }
	e.gql(admin, `query($id: ID!) { node(id: $id) { ... on Customer { customerId } } }`, map[string]any{"id": c.ID}, &node)
	if node.Node == nil || node.Node.CustomerID != c.CustomerID {
		t.Fatalf("node: %+v", node)
	}

	// Update: erase phone, keep the rest.
	var upd struct {
		UpdateCustomer struct {
			Customer *struct {
				Phone     *string
				FirstName string
			}
		}
	}
	e.gql(admin, `mutation($in: UpdateCustomerInput!) { updateCustomer(input: $in) { customer { phone firstName } userErrors { field } } }`,
		map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": c.CustomerID, "customer": map[string]any{"phone": ""}}}, &upd)
	if upd.UpdateCustomer.Customer == nil || upd.UpdateCustomer.Customer.Phone != nil || upd.UpdateCustomer.Customer.FirstName != "Gina" {
		t.Fatalf("update: %+v", upd)
	}

	var list struct {
		Customers struct {
			Customers []struct{ Email string }
			Total     int
		}
		CustomerCheck     int
		PosCustomerSearch testenv.Nodes[struct{ CustomerID string }]
	}
	e.gql(seller, `query($email: String!) {
		customers(storeCode: "DEFAULT", filter: {email: $email, strict: true}, perPage: 5) { customers { email } total }
		customerCheck(storeCode: "DEFAULT", emailOrPhone: $email)
		posCustomerSearch(storeCode: "DEFAULT", search: {email: $email}) { nodes { customerId } } }`, map[string]any{"email": email}, &list)
	if list.Customers.Total != 1 || list.CustomerCheck != 1 || len(list.PosCustomerSearch) != 1 {
		t.Fatalf("lists: %+v", list)
	}

	// The customer logs in through GraphQL and reads only itself.
	e.gql("", loginQ, map[string]any{"in": map[string]any{"role": "CUSTOMER", "username": email, "password": "graph-pass-1"}}, &login)
	if login.LoyaltyLogin.Token == nil {
		t.Fatalf("customer login: %+v", login)
	}
	customer := *login.LoyaltyLogin.Token
	var self struct{ Customer *struct{ Email string } }
	e.gql(customer, `query($id: ID!) { customer(storeCode: "DEFAULT", customerId: $id) { email } }`, map[string]any{"id": c.CustomerID}, &self)
	if self.Customer == nil || self.Customer.Email != email {
		t.Fatalf("self: %+v", self)
	}
	if res := e.gql(customer, `{ customers(storeCode: "DEFAULT") { total } }`, nil, nil); len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("customer listing: %+v", res)
	}
	if res := e.gql("", `{ customers(storeCode: "DEFAULT") { total } }`, nil, nil); len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("anonymous listing: %+v", res)
	}

	for _, m := range []string{"deactivateCustomer", "activateCustomer"} {
		res := e.gql(seller, `mutation($in: `+map[string]string{"deactivateCustomer": "DeactivateCustomerInput!", "activateCustomer": "ActivateCustomerInput!"}[m]+`) { `+m+`(input: $in) { customer { active } userErrors { field } } }`,
			map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": c.CustomerID}}, nil)
		if len(res.Errors) > 0 {
			t.Fatalf("%s: %+v", m, res.Errors)
		}
	}
	if res := e.gql(seller, `mutation($in: DeleteCustomerInput!) { deleteCustomer(input: $in) { deletedCustomerId } }`,
		map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": c.CustomerID}}, nil); len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("seller delete: %+v", res)
	}
	var del struct {
		DeleteCustomer struct{ DeletedCustomerID *string }
	}
	e.gql(admin, `mutation($in: DeleteCustomerInput!) { deleteCustomer(input: $in) { deletedCustomerId } }`,
		map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": c.CustomerID}}, &del)
	if del.DeleteCustomer.DeletedCustomerID == nil {
		t.Fatalf("delete: %+v", del)
	}
}

// TestGraphQLExtras: POS assignment, pushy tokens and registrations
// through GraphQL, with the rules of REST.
func TestGraphQLExtras(t *testing.T) {
	e := newEnv(t)
	admin, seller := e.staff()
	id := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "X", "customer[lastName]", "X",
		"customer[email]", uniq("gx")+"@example.com", "customer[agreement1]", "1")
	var pos struct {
		AssignCustomerPos struct {
			Customer *struct {
				PosID       *string
				PushyTokens []string
			}
			UserErrors []struct{ Field string }
		}
	}
	e.gql(seller, `mutation($in: AssignCustomerPosInput!) { assignCustomerPos(input: $in) { customer { posId } userErrors { field } } }`,
		map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": id, "posId": "00000000-0000-474c-1111-b0dd880c07e3"}}, &pos)
	if pos.AssignCustomerPos.Customer == nil || pos.AssignCustomerPos.Customer.PosID == nil {
		t.Fatalf("pos: %+v", pos)
	}
	var push struct {
		AddCustomerPushyToken struct {
			Customer *struct{ PushyTokens []string }
		}
	}
	e.gql(admin, `mutation($in: AddCustomerPushyTokenInput!) { addCustomerPushyToken(input: $in) { customer { pushyTokens } } }`,
		map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": id, "pushyToken": "tok_1"}}, &push)
	if push.AddCustomerPushyToken.Customer == nil || len(push.AddCustomerPushyToken.Customer.PushyTokens) != 1 {
		t.Fatalf("pushy: %+v", push)
	}
	if res := e.gql(seller, `mutation($in: AddCustomerPushyTokenInput!) { addCustomerPushyToken(input: $in) { userErrors { field } } }`,
		map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": id, "pushyToken": "tok_2"}}, nil); len(res.Errors) == 0 {
		t.Fatalf("seller added a pushy token")
	}
	var reg struct {
		CustomerRegistrations []struct {
			Period string
			Count  int
		}
	}
	e.gql(admin, `{ customerRegistrations(storeCode: "DEFAULT", interval: DAY, lastDays: 3) { period count } }`, nil, &reg)
	if len(reg.CustomerRegistrations) != 3 || reg.CustomerRegistrations[2].Count < 1 {
		t.Fatalf("registrations: %+v", reg)
	}
}
