package openloyalty_test

import (
	"net/http"
	"strings"
	"testing"

	"loyaltygraph/domain/ids"
)

func uniq(prefix string) string { return prefix + ids.LowerAlnum(8) }

// TestRegisterGetUpdateAsTheSeedDocuments walks a customer through the
// seed: registered with form fields (address, company, labels, dates,
// agreements), read back in the seed's shape, updated with omitted fields
// untouched, present-but-empty fields erased and the address replaced
// whole.
func TestRegisterGetUpdateAsTheSeedDocuments(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staff()
	email := uniq("john3") + "@example.com"
	card := "0000" + ids.LowerAlnum(6)
	id := e.register(admin, "/api/DEFAULT/customer/register",
		"customer[firstName]", "John", "customer[lastName]", "Kowalski", "customer[email]", strings.ToUpper(email),
		"customer[phone]", "+48 234 234 000", "customer[birthDate]", "1990-01-01", "customer[gender]", "male",
		"customer[createdAt]", "2017-01-01 14:15:16",
		"customer[address][street]", "Street", "customer[address][postal]", "00-000", "customer[address][city]", "Wroclaw",
		"customer[address][province]", "Dolnoslaskie", "customer[address][country]", "Poland",
		"customer[company][nip]", "111-222-33-44", "customer[company][name]", "Company name",
		"customer[loyaltyCardNumber]", card, "customer[labels]", "key1:val1;key2:val2",
		"customer[agreement1]", "1", "customer[agreement2]", "1", "customer[agreement3]", "0")

	get := func() map[string]any {
		res := e.do("GET", "/api/DEFAULT/customer/"+id, admin, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("get: %d %s", res.Status, res.Body)
		}
		return res.Object(t)
	}
	c := get()
	for k, want := range map[string]any{"customerId": id, "active": true, "firstName": "John", "lastName": "Kowalski",
		"gender": "male", "email": email, "phone": "+48234234000", "birthDate": "1990-01-01T00:00:00+0000",
		"createdAt": "2017-01-01T14:15:16+0000", "loyaltyCardNumber": card, "agreement1": true, "agreement2": true,
		"agreement3": false, "levelId": "e82c96cf-32a3-43bd-9034-4df343e50000", "levelPercent": "0.00%",
		"transactionsCount": float64(0), "currency": "eur"} {
		if c[k] != want {
			t.Errorf("%s = %v, want %v", k, c[k], want)
		}
	}
	addr, _ := c["address"].(map[string]any)
	if addr["city"] != "Wroclaw" || addr["street"] != "Street" || addr["country"] != "Poland" {
		t.Errorf("address: %v", c["address"])
	}
	if comp, _ := c["company"].(map[string]any); comp["nip"] != "111-222-33-44" || comp["name"] != "Company name" {
		t.Errorf("company: %v", c["company"])
	}
	if labels, _ := c["labels"].([]any); len(labels) != 2 || labels[1].(map[string]any)["key"] != "key2" {
		t.Errorf("labels: %v", c["labels"])
	}
	if st, _ := c["status"].(map[string]any); st["type"] != "active" || st["state"] != "with-card" {
		t.Errorf("status: %v", c["status"])
	}

	// The seed's example: set agreement2, erase phone, keep the rest.
	res := e.do("PUT", "/api/DEFAULT/customer/"+id, admin, form("customer[email]", email, "customer[phone]", "", "customer[agreement3]", "1"))
	if res.Status != http.StatusOK || res.Object(t)["customerId"] != id {
		t.Fatalf("update: %d %s", res.Status, res.Body)
	}
	c = get()
	if _, ok := c["phone"]; ok || c["agreement3"] != true || c["firstName"] != "John" || c["loyaltyCardNumber"] != card {
		t.Fatalf("after update: %v", c)
	}
	if c["address"].(map[string]any)["city"] != "Wroclaw" {
		t.Fatalf("an omitted address changed: %v", c["address"])
	}
	// An address is replaced as a whole.
	if res := e.do("PUT", "/api/DEFAULT/customer/"+id, admin, form("customer[address][city]", "Gdansk")); res.Status != http.StatusOK {
		t.Fatalf("update address: %d %s", res.Status, res.Body)
	}
	if a := get()["address"].(map[string]any); a["city"] != "Gdansk" || a["street"] != nil {
		t.Fatalf("address not replaced whole: %v", a)
	}
	// JSON bodies work too; present-but-empty erases.
	if res := e.do("PUT", "/api/DEFAULT/customer/"+id, admin, map[string]any{"customer": map[string]any{"loyaltyCardNumber": "", "labels": ""}}); res.Status != http.StatusOK {
		t.Fatalf("JSON update: %d %s", res.Status, res.Body)
	}
	if c := get(); c["loyaltyCardNumber"] != nil || len(c["labels"].([]any)) != 0 {
		t.Fatalf("not erased: %v", c)
	}
}

// formErrors returns the errors of the form child at path ("phone",
// "address.city") of a 400 body, failing when the body is not the form.
func formErrors(t *testing.T, res *testenvResponse, path string) []any {
	t.Helper()
	if res.Status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", res.Status, res.Body)
	}
	o := res.Object(t)
	node, _ := o["form"].(map[string]any)
	for _, seg := range strings.Split(path, ".") {
		children, _ := node["children"].(map[string]any)
		node, _ = children[seg].(map[string]any)
	}
	errs, _ := node["errors"].([]any)
	if len(errs) == 0 {
		t.Fatalf("no errors at %s: %s", path, res.Body)
	}
	return errs
}

// TestInvalidInputAnswersTheSymfonyForm: each bad field answers 400 with
// the seed's form body naming it; nothing is stored.
func TestInvalidInputAnswersTheSymfonyForm(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staff()
	base := func(kv ...string) string {
		all := []string{"customer[firstName]", "A", "customer[lastName]", "B", "customer[email]", uniq("x") + "@example.com", "customer[agreement1]", "1"}
		return form(append(all, kv...)...)
	}
	for _, c := range []struct{ body, field, msg string }{
		{base("customer[phone]", "+440000000"), "phone", "This value is not a valid phone number."},
		{base("customer[gender]", "other"), "gender", ""},
		{base("customer[email]", "not-an-email"), "email", "This value is not a valid email address."},
		{base("customer[birthDate]", "05/10/2017"), "birthDate", ""},
		{base("customer[createdAt]", "yesterday"), "createdAt", ""},
		{base("customer[labels]", "novalue"), "labels", ""},
		{base("customer[agreement2]", "maybe"), "agreement2", ""},
		{base("customer[company][name]", "Only a name"), "company.nip", ""},
		{base("customer[address][city]", "a\x01b"), "address.city", ""},
		{base("customer[firstName]", "x\x00y"), "firstName", ""},
		{base("customer[firstName]", strings.Repeat("x", 300)), "firstName", ""},
		{base("customer[loyaltyCardNumber]", "4111111111111111"), "loyaltyCardNumber", ""},
		{form("customer[lastName]", "B", "customer[email]", "y@example.com", "customer[agreement1]", "1"), "firstName", "This value should not be blank."},
		{form("customer[firstName]", "A", "customer[lastName]", "B", "customer[agreement1]", "1"), "email", "This value should not be blank."},
	} {
		res := e.do("POST", "/api/DEFAULT/customer/register", admin, c.body)
		got := formErrors(t, (*testenvResponse)(res), c.field)
		if c.msg != "" && got[0] != c.msg {
			t.Errorf("%s: %v, want %q", c.field, got, c.msg)
		}
		if strings.Contains(string(res.Body), "4111111111111111") {
			t.Errorf("a card number was echoed: %s", res.Body)
		}
	}
	// The seed's 400 lists every child of the form.
	res := e.do("POST", "/api/DEFAULT/customer/register", admin, base("customer[phone]", "+440000000"))
	children := res.Object(t)["form"].(map[string]any)["children"].(map[string]any)
	for _, k := range []string{"firstName", "lastName", "gender", "email", "phone", "birthDate", "address", "company", "loyaltyCardNumber", "posId", "sellerId"} {
		if _, ok := children[k]; !ok {
			t.Errorf("form child %s missing: %s", k, res.Body)
		}
	}
	// Taken e-mail (any case), phone and card number in the same store.
	email := uniq("taken") + "@example.com"
	e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "A", "customer[lastName]", "B",
		"customer[email]", email, "customer[phone]", "+4520304050", "customer[loyaltyCardNumber]", "CARD-1", "customer[agreement1]", "1")
	for _, c := range []struct{ body, field string }{
		{base("customer[email]", strings.ToUpper(email)), "email"},
		{base("customer[phone]", "4520304050"), "phone"},
		{base("customer[loyaltyCardNumber]", "CARD-1"), "loyaltyCardNumber"},
	} {
		got := formErrors(t, (*testenvResponse)(e.do("POST", "/api/DEFAULT/customer/register", admin, c.body)), c.field)
		if got[0] != "This value is already used." {
			t.Errorf("%s: %v", c.field, got)
		}
	}
	// An unknown store is 404; a malformed id is 404, not 500.
	if res := e.do("POST", "/api/NOSUCH/customer/register", admin, base()); res.Status != http.StatusNotFound {
		t.Errorf("unknown store: %d %s", res.Status, res.Body)
	}
	for _, p := range []string{"/api/DEFAULT/customer/not-a-uuid", "/api/DEFAULT/customer/00000000-0000-4000-8000-000000000000"} {
		if res := e.do("GET", p, admin, nil); res.Status != http.StatusNotFound {
			t.Errorf("%s: %d %s", p, res.Status, res.Body)
		}
	}
	if res := e.do("GET", "/api/DEFAULT/customer?perPage=abc", admin, nil); res.Status != http.StatusBadRequest {
		t.Errorf("bad perPage: %d %s", res.Status, res.Body)
	}
	if res := e.do("GET", "/api/DEFAULT/customer?sort=password", admin, nil); res.Status != http.StatusBadRequest {
		t.Errorf("bad sort: %d %s", res.Status, res.Body)
	}
}
