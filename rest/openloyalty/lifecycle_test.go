package openloyalty_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestCustomerLogsInAndSeesOnlyItself: a customer with a password logs in
// with its e-mail, phone or loyalty card number (also under its store's
// path), reads and updates itself, and is refused (403) another customer,
// lists and staff paths; deactivated, it cannot log in or refresh.
func TestCustomerLogsInAndSeesOnlyItself(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staff()
	email := uniq("self") + "@example.com"
	me := e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "Me", "customer[lastName]", "Self",
		"customer[email]", email, "customer[phone]", "+4522334455", "customer[loyaltyCardNumber]", "LC-"+uniq(""),
		"customer[agreement1]", "1", "customer[plainPassword]", "correct horse")
	other := e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "Other", "customer[lastName]", "One",
		"customer[email]", uniq("other")+"@example.com", "customer[agreement1]", "1")

	tok, refresh := e.login("/api/customer/login_check", email, "correct horse")
	if c := claims(t, tok); c["id"] != me || c["roles"].([]any)[0] != "ROLE_PARTICIPANT" {
		t.Fatalf("customer claims: %v", c)
	}
	e.login("/api/DEFAULT/customer/login_check", "+45 22 33 44 55", "correct horse")
	if res := e.do("POST", "/api/customer/login_check", "", form("_username", email, "_password", "wrong horse")); res.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d %s", res.Status, res.Body)
	}
	if res := e.do("POST", "/api/NOSUCH/customer/login_check", "", form("_username", email, "_password", "correct horse")); res.Status != http.StatusUnauthorized {
		t.Fatalf("other store: %d %s", res.Status, res.Body)
	}

	if res := e.do("GET", "/api/DEFAULT/customer/"+me, tok, nil); res.Status != http.StatusOK {
		t.Fatalf("self: %d %s", res.Status, res.Body)
	}
	if res := e.do("PUT", "/api/DEFAULT/customer/"+me, tok, form("customer[firstName]", "Myself", "customer[posId]", "00000000-0000-474c-1111-b0dd880c07e3")); res.Status != http.StatusOK {
		t.Fatalf("self update: %d %s", res.Status, res.Body)
	}
	if c := e.do("GET", "/api/DEFAULT/customer/"+me, admin, nil).Object(t); c["firstName"] != "Myself" || c["posId"] != nil {
		t.Fatalf("self update applied wrongly (a customer may not set its POS): %v", c)
	}
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/DEFAULT/customer/" + other, ""},
		{"PUT", "/api/DEFAULT/customer/" + other, form("customer[firstName]", "Hacked")},
		{"GET", "/api/DEFAULT/customer", ""},
		{"GET", "/api/DEFAULT/admin/customer", ""},
		{"POST", "/api/DEFAULT/customer/register", form("customer[firstName]", "X")},
		{"DELETE", "/api/DEFAULT/customer/" + me, ""},
		{"POST", "/api/DEFAULT/pos/search/customer", form("search[firstName]", "Other")},
	} {
		var body any
		if r.body != "" {
			body = r.body
		}
		if res := e.do(r.method, r.path, tok, body); res.Status != http.StatusForbidden {
			t.Errorf("customer %s %s: %d %s", r.method, r.path, res.Status, res.Body)
		}
	}

	if res := e.do("POST", "/api/DEFAULT/admin/customer/"+me+"/deactivate", admin, nil); res.Status != http.StatusOK {
		t.Fatalf("deactivate: %d %s", res.Status, res.Body)
	}
	if res := e.do("POST", "/api/customer/login_check", "", form("_username", email, "_password", "correct horse")); res.Status != http.StatusUnauthorized {
		t.Fatalf("inactive login: %d %s", res.Status, res.Body)
	}
	if res := e.do("POST", "/api/token/refresh", "", form("refresh_token", refresh)); res.Status != http.StatusUnauthorized {
		t.Fatalf("inactive refresh: %d %s", res.Status, res.Body)
	}
}

// TestActivateAnonymizeDeleteAndCheck: staff activate and deactivate; an
// admin anonymizes (names and contacts gone, check no longer finds them)
// and deletes (204, then 404).
func TestActivateAnonymizeDeleteAndCheck(t *testing.T) {
	e := newEnv(t)
	admin, seller := e.staff()
	email := uniq("life") + "@example.com"
	id := e.register(seller, "/api/DEFAULT/seller/customer/register", "customer[firstName]", "Lady", "customer[lastName]", "Mini",
		"customer[email]", email, "customer[gender]", "female", "customer[phone]", "+4533445566", "customer[agreement1]", "1")
	active := func() any { return e.do("GET", "/api/DEFAULT/customer/"+id, admin, nil).Object(t)["active"] }
	if c := e.do("GET", "/api/DEFAULT/customer/"+id, seller, nil).Object(t); c["sellerId"] == nil {
		t.Errorf("a seller's registration keeps the seller: %v", c)
	}
	for _, p := range []struct {
		path, token string
		want        bool
	}{
		{"/api/DEFAULT/seller/customer/" + id + "/deactivate", seller, false},
		{"/api/DEFAULT/seller/customer/" + id + "/activate", seller, true},
		{"/api/DEFAULT/admin/customer/" + id + "/deactivate", admin, false},
		{"/api/DEFAULT/admin/customer/" + id + "/activate", admin, true},
	} {
		if res := e.do("POST", p.path, p.token, nil); res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", p.path, res.Status, res.Body)
		}
		if got := active(); got != p.want {
			t.Fatalf("%s: active %v", p.path, got)
		}
	}
	check := func(v string) float64 {
		res := e.do("GET", "/api/DEFAULT/customer/check?emailOrPhone="+v, seller, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("check %s: %d %s", v, res.Status, res.Body)
		}
		n, _ := res.Object(t)["total"].(float64)
		return n
	}
	if check(strings.ToUpper(email)) != 1 || check("%2B4533445566") != 1 || check("4533445566") != 1 || check("nobody@example.com") != 0 {
		t.Fatal("check does not count by e-mail or phone")
	}
	if res := e.do("GET", "/api/DEFAULT/customer/check", seller, nil); res.Status != http.StatusBadRequest {
		t.Fatalf("check without emailOrPhone: %d %s", res.Status, res.Body)
	}

	if res := e.do("POST", "/api/DEFAULT/admin/customer/"+id+"/anonymize", admin, nil); res.Status != http.StatusNoContent {
		t.Fatalf("anonymize: %d %s", res.Status, res.Body)
	}
	c := e.do("GET", "/api/DEFAULT/customer/"+id, admin, nil).Object(t)
	if c["firstName"] == "Lady" || c["phone"] != nil || c["email"] == email || c["active"] != false ||
		c["status"].(map[string]any)["type"] != "deleted" {
		t.Fatalf("anonymized: %v", c)
	}
	if check(email) != 0 {
		t.Fatal("an anonymized customer is still found by its e-mail")
	}
	if res := e.do("DELETE", "/api/DEFAULT/customer/"+id, admin, nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if res := e.do("GET", "/api/DEFAULT/customer/"+id, admin, nil); res.Status != http.StatusNotFound {
		t.Fatalf("after delete: %d %s", res.Status, res.Body)
	}
	if res := e.do("DELETE", "/api/DEFAULT/customer/"+id, admin, nil); res.Status != http.StatusNotFound {
		t.Fatalf("delete again: %d %s", res.Status, res.Body)
	}
}

// TestListsFilterSortAndPage: the documented filters, strict, labels,
// page/perPage (default 10), sort/direction and {customers, total}; POS
// search for sellers.
func TestListsFilterSortAndPage(t *testing.T) {
	e := newEnv(t)
	admin, seller := e.staff()
	tag := uniq("")
	for i, n := range []string{"Anna", "Berta", "Carla", "Dora", "Erna", "Frida", "Greta", "Hanna", "Ida", "Jana", "Karla", "Lena"} {
		e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", n, "customer[lastName]", "L"+tag,
			"customer[email]", strings.ToLower(n)+tag+"@example.com", "customer[agreement1]", "1",
			"customer[labels]", "tier:"+[]string{"gold", "silver"}[i%2], "customer[address][city]", "City"+tag,
			"customer[address][postal]", "00-"+tag)
	}
	list := func(token, q string) (names []string, total float64) {
		t.Helper()
		res := e.do("GET", "/api/DEFAULT/customer?lastName=L"+tag+"&"+q, token, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("list %s: %d %s", q, res.Status, res.Body)
		}
		var out struct {
			Customers []struct{ FirstName string }
			Total     float64
		}
		res.JSON(t, &out)
		for _, c := range out.Customers {
			names = append(names, c.FirstName)
		}
		return names, out.Total
	}
	names, total := list(admin, "sort=firstName&direction=asc")
	if total != 12 || len(names) != 10 || names[0] != "Anna" || names[9] != "Jana" {
		t.Fatalf("default page: %v %v", names, total)
	}
	if names, total = list(seller, "sort=firstName&direction=DESC&page=2&perPage=5"); total != 12 || strings.Join(names, ",") != "Greta,Frida,Erna,Dora,Carla" {
		t.Fatalf("page 2 desc: %v %v", names, total)
	}
	if names, _ = list(admin, "email=NNA"+tag+"&strict=0&sort=firstName"); strings.Join(names, ",") != "Anna,Hanna" {
		t.Fatalf("like email: %v", names)
	}
	if names, _ = list(admin, "email=nna"+tag+"@example.com&strict=1"); len(names) != 0 {
		t.Fatalf("strict email matched a part: %v", names)
	}
	if names, _ = list(admin, "email=anna"+tag+"@example.com&strict=1"); strings.Join(names, ",") != "Anna" {
		t.Fatalf("strict email: %v", names)
	}
	if _, total = list(admin, "labels[0][key]=tier&labels[0][value]=gold"); total != 6 {
		t.Fatalf("labels: %v", total)
	}
	if _, total = list(admin, "transactionsCountFrom=1"); total != 0 {
		t.Fatalf("transactionsCountFrom: %v", total)
	}
	if _, total = list(admin, "transactionsAmountTo=0&hoursFromLastUpdateTo=1"); total != 12 {
		t.Fatalf("amount and update filters: %v", total)
	}
	// The seed's curl sends GET filters as a form body.
	res := e.do("GET", "/api/DEFAULT/admin/customer", admin, form("lastName", "L"+tag, "perPage", "2", "sort", "customerId", "direction", "asc"))
	var out struct {
		Customers []map[string]any
		Total     float64
	}
	res.JSON(t, &out)
	if res.Status != http.StatusOK || len(out.Customers) != 2 || out.Total != 12 || out.Customers[0]["customerId"].(string) > out.Customers[1]["customerId"].(string) {
		t.Fatalf("admin list with form body: %d %s", res.Status, res.Body)
	}

	// POS search (seller).
	res = e.do("POST", "/api/DEFAULT/pos/search/customer", seller, form("search[firstName]", "greta", "search[city]", "City"+tag))
	if res.Status != http.StatusOK {
		t.Fatalf("pos search: %d %s", res.Status, res.Body)
	}
	var found struct{ Customers []map[string]any }
	res.JSON(t, &found)
	if len(found.Customers) != 1 || found.Customers[0]["firstName"] != "Greta" {
		t.Fatalf("pos search: %s", res.Body)
	}
	if res := e.do("POST", "/api/DEFAULT/pos/search/customer", seller, form("search[postcode]", "00-"+tag)); res.Status != http.StatusOK || strings.Count(string(res.Body), `"customerId"`) != 12 {
		t.Fatalf("pos search by postcode: %d", res.Status)
	}
	if res := e.do("POST", "/api/DEFAULT/pos/search/customer", seller, form()); res.Status != http.StatusBadRequest {
		t.Fatalf("empty pos search: %d %s", res.Status, res.Body)
	}
}

// TestRoleMatrix: every path with no token (401), and with each role:
// allowed roles pass the gate, the others get 403.
func TestRoleMatrix(t *testing.T) {
	e := newEnv(t)
	admin, seller := e.staff()
	email := uniq("matrix") + "@example.com"
	id := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "M", "customer[lastName]", "X",
		"customer[email]", email, "customer[agreement1]", "1", "customer[plainPassword]", "matrix-pass")
	customer, _ := e.login("/api/customer/login_check", email, "matrix-pass")
	tokens := map[string]string{"admin": admin, "seller": seller, "customer": customer}
	reg := form("customer[firstName]", "R", "customer[lastName]", "R", "customer[agreement1]", "1")
	for _, r := range []struct {
		method, path, body string
		allowed            string
	}{
		{"GET", "/api/DEFAULT/admin/customer", "", "admin"},
		{"GET", "/api/DEFAULT/customer", "", "admin seller"},
		{"POST", "/api/DEFAULT/admin/customer/register", reg, "admin"},
		{"POST", "/api/DEFAULT/seller/customer/register", reg, "seller"},
		{"POST", "/api/DEFAULT/customer/register", reg, "admin seller"},
		{"GET", "/api/DEFAULT/customer/check?emailOrPhone=x@example.com", "", "admin seller"},
		{"GET", "/api/DEFAULT/customer/" + id, "", "admin seller customer"},
		{"PUT", "/api/DEFAULT/customer/" + id, form("customer[lastName]", "Y"), "admin customer"},
		{"POST", "/api/DEFAULT/admin/customer/" + id + "/activate", "", "admin"},
		{"POST", "/api/DEFAULT/admin/customer/" + id + "/deactivate", "", "admin"},
		{"POST", "/api/DEFAULT/seller/customer/" + id + "/activate", "", "seller"},
		{"POST", "/api/DEFAULT/seller/customer/" + id + "/deactivate", "", "seller"},
		{"POST", "/api/DEFAULT/admin/customer/" + id + "/anonymize", "", "admin"},
		{"POST", "/api/DEFAULT/pos/search/customer", form("search[firstName]", "M"), "seller"},
		{"DELETE", "/api/DEFAULT/customer/00000000-0000-4000-8000-00000000dead", "", "admin"},
	} {
		var body any
		if r.body != "" {
			body = r.body
		}
		if res := e.do(r.method, r.path, "", body); res.Status != http.StatusUnauthorized {
			t.Errorf("%s %s without token: %d", r.method, r.path, res.Status)
		}
		for _, role := range []string{"admin", "seller", "customer"} {
			res := e.do(r.method, r.path, tokens[role], body)
			allowed := strings.Contains(r.allowed, role)
			if allowed && (res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden) {
				t.Errorf("%s %s as %s: %d %s", r.method, r.path, role, res.Status, res.Body)
			}
			if !allowed && res.Status != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d, want 403", r.method, r.path, role, res.Status)
			}
		}
	}
}
