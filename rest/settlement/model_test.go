package settlement_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/internal/testenv"
)

// Tests of one package share a database: every id and number here is
// unique to its test.
var modelSeq atomic.Int64

// uniqueNumber returns a registration or store number no other test uses.
func uniqueNumber() string { return fmt.Sprintf("9%07d", modelSeq.Add(1)) }

func uniqueID(prefix string) string { return prefix + ids.LowerAlnum(10) }

// exact decodes a JSON object keeping numbers as written (json.Number), so
// that a test sees whether the API answered a number or a string.
func exact(t *testing.T, r *testenv.Response) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("response is not a JSON object (%v): %s", err, r.Body)
	}
	return m
}

func exactList(t *testing.T, r *testenv.Response) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var list []map[string]any
	if err := dec.Decode(&list); err != nil {
		t.Fatalf("response is not a JSON array of objects (%v): %s", err, r.Body)
	}
	return list
}

func (c client) must(method, path string, body any, status int) *testenv.Response {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.Status != status {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, status, r.Body)
	}
	return r
}

// wantFields fails unless got holds every member of want with the same
// JSON type and value (numbers compared as written).
func wantFields(t *testing.T, got, want map[string]any) {
	t.Helper()
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			t.Fatalf("member %s missing: %v", k, got)
		}
		if fmt.Sprintf("%T %v", g, g) != fmt.Sprintf("%T %v", v, v) {
			t.Fatalf("member %s = %T %v, want %T %v", k, g, g, v, v)
		}
	}
}

func newMerchant(t *testing.T, c client) string {
	t.Helper()
	id := uniqueID("mm")
	c.must("POST", "/api/v1/merchants", map[string]any{"merchantId": id, "merchantName": "Model merchant"}, http.StatusCreated)
	return id
}

// raw is a request body written exactly as given (numbers included).
type raw = string

func companyBody(merchantID, number string) string {
	return fmt.Sprintf(`{"merchantId": %q, "name": "Test Company", "companyRegistrationNumber": %s,
		"userShare": 7.5, "userShareType": "percentage", "providerShare": 2.5, "providerShareType": "percentage"}`, merchantID, number)
}

func TestCompanySeedSampleAndLifecycle(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	m := newMerchant(t, c)
	number := uniqueNumber()
	id := uniqueID("c")
	body := fmt.Sprintf(`{"companyId": %q, "merchantId": %q, "name": "Test Company", "companyRegistrationNumber": %s,
		"userShare": 7.5, "userShareType": "percentage", "providerShare": 2.5, "providerShareType": "percentage"}`, id, m, number)
	r := c.must("POST", "/api/v1/companies", raw(body), http.StatusCreated)
	want := map[string]any{"companyId": id, "merchantId": m, "name": "Test Company",
		"companyRegistrationNumber": json.Number(number), "userShare": json.Number("7.5"), "userShareType": "percentage",
		"providerShare": json.Number("2.5"), "providerShareType": "percentage"}
	wantFields(t, exact(t, r), want)
	if got := r.Header.Get("Location"); got != "/api/v1/companies/"+id {
		t.Fatalf("Location %q", got)
	}
	wantFields(t, exact(t, c.must("GET", "/api/v1/companies/"+id, nil, http.StatusOK)), want)

	// PATCH and PUT change only the fields present.
	r = c.must("PATCH", "/api/v1/companies/"+id, map[string]any{"name": "Renamed"}, http.StatusOK)
	want["name"] = "Renamed"
	wantFields(t, exact(t, r), want)
	r = c.must("PUT", "/api/v1/companies/"+id, raw(`{"userShare": 10, "providerShareType": "fixed_amount", "merchantId": "`+m+`", "companyId": "`+id+`"}`), http.StatusOK)
	want["userShare"], want["providerShareType"] = json.Number("10"), "fixed_amount"
	wantFields(t, exact(t, r), want)
	wantFields(t, exact(t, c.must("GET", "/api/v1/companies/"+id, nil, http.StatusOK)), want)

	// A registration number given as a string that is not plain digits
	// stays a string.
	r = c.must("PATCH", "/api/v1/companies/"+id, map[string]any{"companyRegistrationNumber": "DK-" + number}, http.StatusOK)
	want["companyRegistrationNumber"] = "DK-" + number
	wantFields(t, exact(t, r), want)

	list := exactList(t, c.must("GET", "/api/v1/merchants/"+m+"/companies", nil, http.StatusOK))
	if len(list) != 1 {
		t.Fatalf("merchant companies: %v", list)
	}
	wantFields(t, list[0], want)

	c.must("DELETE", "/api/v1/companies/"+id, nil, http.StatusNoContent)
	wantError(t, c.do("GET", "/api/v1/companies/"+id, nil), http.StatusNotFound, "not_found", "")
	wantError(t, c.do("DELETE", "/api/v1/companies/"+id, nil), http.StatusNotFound, "not_found", "")
	if list := exactList(t, c.must("GET", "/api/v1/merchants/"+m+"/companies", nil, http.StatusOK)); len(list) != 0 {
		t.Fatalf("deleted company still listed: %v", list)
	}
}

func TestCompanyGeneratesIDAndAcceptsStringNumber(t *testing.T) {
	c := newClient(t, auth.KindAdmin)
	m := newMerchant(t, c)
	number := uniqueNumber()
	r := c.must("POST", "/api/v1/companies", raw(companyBody(m, `"`+number+`"`)), http.StatusCreated)
	got := exact(t, r)
	if id, _ := got["companyId"].(string); len(id) != 32 || !ids.IsLowerAlnum(id) {
		t.Fatalf("generated companyId %q", got["companyId"])
	}
	// Answered as the seed shows it: a number.
	wantFields(t, got, map[string]any{"companyRegistrationNumber": json.Number(number)})
}

func TestCompanyRejectsBadInput(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	m := newMerchant(t, c)
	valid := func(change map[string]any) string {
		body := map[string]any{"merchantId": m, "name": "Test Company", "companyRegistrationNumber": json.Number(uniqueNumber()),
			"userShare": json.Number("7.5"), "userShareType": "percentage", "providerShare": json.Number("2.5"), "providerShareType": "percentage"}
		for k, v := range change {
			if v == nil {
				delete(body, k)
			} else {
				body[k] = v
			}
		}
		b, _ := json.Marshal(body)
		return string(b)
	}
	cases := []struct {
		name  string
		body  string
		field string
	}{
		{"three decimals", valid(map[string]any{"userShare": json.Number("7.555")}), "userShare"},
		{"over 100", valid(map[string]any{"providerShare": json.Number("100.01")}), "providerShare"},
		{"negative", valid(map[string]any{"userShare": json.Number("-1")}), "userShare"},
		{"share as string", valid(map[string]any{"userShare": "7.5"}), "userShare"},
		{"share null", `{"merchantId":"` + m + `","name":"x","companyRegistrationNumber":1,"userShare":null,"providerShare":1}`, "userShare"},
		{"unknown share type", valid(map[string]any{"userShareType": "percent"}), "userShareType"},
		{"share type not a string", valid(map[string]any{"providerShareType": 1}), "providerShareType"},
		{"both derived", valid(map[string]any{"userShareType": "derived", "providerShareType": "derived"}), "providerShareType"},
		{"missing merchantId", valid(map[string]any{"merchantId": nil}), "merchantId"},
		{"missing name", valid(map[string]any{"name": nil}), "name"},
		{"missing registration number", valid(map[string]any{"companyRegistrationNumber": nil}), "companyRegistrationNumber"},
		{"missing userShare", valid(map[string]any{"userShare": nil}), "userShare"},
		{"missing providerShare", valid(map[string]any{"providerShare": nil}), "providerShare"},
		{"unknown merchant", valid(map[string]any{"merchantId": "no-such-merchant"}), "merchantId"},
		{"merchantId not a string", valid(map[string]any{"merchantId": 42}), "merchantId"},
		{"name not a string", valid(map[string]any{"name": 42}), "name"},
		{"empty name", valid(map[string]any{"name": ""}), "name"},
		{"name too long", valid(map[string]any{"name": strings.Repeat("n", 129)}), "name"},
		{"registration number a fraction", valid(map[string]any{"companyRegistrationNumber": json.Number("1.5")}), "companyRegistrationNumber"},
		{"registration number a boolean", valid(map[string]any{"companyRegistrationNumber": true}), "companyRegistrationNumber"},
		{"registration number too long", valid(map[string]any{"companyRegistrationNumber": strings.Repeat("1", 129)}), "companyRegistrationNumber"},
		{"id too long", valid(map[string]any{"companyId": strings.Repeat("a", 33)}), "companyId"},
		{"array body", `[]`, ""},
		{"not JSON", `{"name": `, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			wantError(t, c.do("POST", "/api/v1/companies", raw(tc.body)), http.StatusBadRequest, "invalid", tc.field)
		})
	}
	c.t = t
	if list := exactList(t, c.must("GET", "/api/v1/merchants/"+m+"/companies", nil, http.StatusOK)); len(list) != 0 {
		t.Fatalf("refused creates stored companies: %v", list)
	}
	wantError(t, c.do("GET", "/api/v1/merchants/no-such-merchant/companies", nil), http.StatusNotFound, "not_found", "")
}

func TestDuplicatesAreConflicts(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	m, other := newMerchant(t, c), newMerchant(t, c)
	number := uniqueNumber()
	id := uniqueID("c")
	c.must("POST", "/api/v1/companies", raw(`{"companyId":"`+id+`",`+companyBody(m, number)[1:]), http.StatusCreated)
	wantError(t, c.do("POST", "/api/v1/companies", raw(`{"companyId":"`+id+`",`+companyBody(m, uniqueNumber())[1:])),
		http.StatusConflict, "conflict", "companyId")
	// One registration number, one merchant: a transaction must find one.
	wantError(t, c.do("POST", "/api/v1/companies", raw(companyBody(other, number))), http.StatusConflict, "conflict", "companyRegistrationNumber")

	// Transaction store numbers are global; receipt store numbers are per
	// merchant.
	store := uniqueNumber()
	storeBody := func(merchantID, source string) map[string]any {
		return map[string]any{"merchantId": merchantID, "storeNumber": store, "name": "Store", "userShare": 1, "providerShare": 1, "source": source}
	}
	c.must("POST", "/api/v1/stores", storeBody(m, "transaction"), http.StatusCreated)
	wantError(t, c.do("POST", "/api/v1/stores", storeBody(other, "transaction")), http.StatusConflict, "conflict", "storeNumber")
	c.must("POST", "/api/v1/stores", storeBody(m, "receipt"), http.StatusCreated)
	c.must("POST", "/api/v1/stores", storeBody(other, "receipt"), http.StatusCreated)
	wantError(t, c.do("POST", "/api/v1/stores", storeBody(other, "receipt")), http.StatusConflict, "conflict", "storeNumber")
}

func TestUpdatesKeepIDsAndChangeNothingWhenRefused(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	m, other := newMerchant(t, c), newMerchant(t, c)
	r := c.must("POST", "/api/v1/companies", raw(companyBody(m, uniqueNumber())), http.StatusCreated)
	before := exact(t, r)
	path := "/api/v1/companies/" + before["companyId"].(string)
	for _, method := range []string{"PATCH", "PUT"} {
		t.Run(method, func(t *testing.T) {
			c.t = t
			wantError(t, c.do(method, path, map[string]any{"companyId": "another"}), http.StatusBadRequest, "invalid", "companyId")
			wantError(t, c.do(method, path, map[string]any{"merchantId": other}), http.StatusBadRequest, "invalid", "merchantId")
			wantError(t, c.do(method, path, raw(`{"userShare": 7.555}`)), http.StatusBadRequest, "invalid", "userShare")
			wantError(t, c.do(method, path, raw(`{"providerShare": 101}`)), http.StatusBadRequest, "invalid", "providerShare")
			wantError(t, c.do(method, path, raw(`{"userShareType": "derived", "providerShareType": "derived"}`)), http.StatusBadRequest, "invalid", "providerShareType")
			// Empty values are omitted (seed 002): null and "" change nothing.
			c.must(method, path, raw(`{"name": null, "companyRegistrationNumber": ""}`), http.StatusOK)
			wantError(t, c.do(method, "/api/v1/companies/missing", map[string]any{"name": "x"}), http.StatusNotFound, "not_found", "")
		})
	}
	c.t = t
	// One side derived, then the other: the combination is checked with
	// the stored value.
	c.must("PATCH", path, map[string]any{"userShareType": "derived"}, http.StatusOK)
	wantError(t, c.do("PATCH", path, map[string]any{"providerShareType": "derived"}), http.StatusBadRequest, "invalid", "providerShareType")
	after := exact(t, c.must("GET", path, nil, http.StatusOK))
	before["userShareType"] = "derived"
	wantFields(t, after, before)
}

func TestStoreSeedSampleAndLifecycle(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	m := newMerchant(t, c)
	number := uniqueNumber()
	id := uniqueID("s")
	body := fmt.Sprintf(`{"storeId": %q, "merchantId": %q, "storeNumber": %q, "name": "Test store", "userShare": 7.5,
		"userShareType": "percentage", "providerShare": 2.5, "providerShareType": "percentage", "source": "transaction"}`, id, m, number)
	want := map[string]any{"storeId": id, "merchantId": m, "storeNumber": number, "name": "Test store",
		"userShare": json.Number("7.5"), "userShareType": "percentage", "providerShare": json.Number("2.5"),
		"providerShareType": "percentage", "source": "transaction"}
	r := c.must("POST", "/api/v1/stores", raw(body), http.StatusCreated)
	wantFields(t, exact(t, r), want)
	if r.Header.Get("Location") != "/api/v1/stores/"+id {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}
	wantFields(t, exact(t, c.must("GET", "/api/v1/stores/"+id, nil, http.StatusOK)), want)
	r = c.must("PATCH", "/api/v1/stores/"+id, map[string]any{"source": "receipt"}, http.StatusOK)
	want["source"] = "receipt"
	wantFields(t, exact(t, r), want)
	list := exactList(t, c.must("GET", "/api/v1/merchants/"+m+"/stores", nil, http.StatusOK))
	if len(list) != 1 {
		t.Fatalf("merchant stores: %v", list)
	}
	wantFields(t, list[0], want)

	// Defaults: a generated id, percentage shares, source transaction; a
	// store number may come as a JSON number.
	number2 := uniqueNumber()
	r = c.must("POST", "/api/v1/stores", raw(`{"merchantId":"`+m+`","storeNumber":`+number2+`,"name":"Second","userShare":0,"providerShare":0}`), http.StatusCreated)
	wantFields(t, exact(t, r), map[string]any{"storeNumber": number2, "userShareType": "percentage", "source": "transaction", "userShare": json.Number("0")})

	bad := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"bad source", map[string]any{"merchantId": m, "storeNumber": uniqueNumber(), "name": "x", "userShare": 1, "providerShare": 1, "source": "pos"}, "source"},
		{"missing store number", map[string]any{"merchantId": m, "name": "x", "userShare": 1, "providerShare": 1}, "storeNumber"},
		{"store number a boolean", map[string]any{"merchantId": m, "storeNumber": false, "name": "x", "userShare": 1, "providerShare": 1}, "storeNumber"},
		{"missing name", map[string]any{"merchantId": m, "storeNumber": uniqueNumber(), "userShare": 1, "providerShare": 1}, "name"},
		{"unknown merchant", map[string]any{"merchantId": "nobody", "storeNumber": uniqueNumber(), "name": "x", "userShare": 1, "providerShare": 1}, "merchantId"},
		{"unknown share type", map[string]any{"merchantId": m, "storeNumber": uniqueNumber(), "name": "x", "userShare": 1, "providerShare": 1, "providerShareType": "half"}, "providerShareType"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			wantError(t, c.do("POST", "/api/v1/stores", tc.body), http.StatusBadRequest, "invalid", tc.field)
		})
	}
	c.t = t
	c.must("DELETE", "/api/v1/stores/"+id, nil, http.StatusNoContent)
	wantError(t, c.do("GET", "/api/v1/stores/"+id, nil), http.StatusNotFound, "not_found", "")
	wantError(t, c.do("DELETE", "/api/v1/stores/"+id, nil), http.StatusNotFound, "not_found", "")
}

func TestCategoriesAndProducts(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	m, other := newMerchant(t, c), newMerchant(t, c)
	cat := uniqueID("cat")
	body := fmt.Sprintf(`{"categoryId": %q, "merchantId": %q, "name": "Magazines", "userShare": 7.5, "userShareType": "percentage",
		"providerShare": 2.5, "providerShareType": "percentage", "storeNumber": "39898634"}`, cat, m)
	want := map[string]any{"categoryId": cat, "merchantId": m, "name": "Magazines", "userShare": json.Number("7.5"),
		"userShareType": "percentage", "providerShare": json.Number("2.5"), "providerShareType": "percentage", "storeNumber": "39898634"}
	r := c.must("POST", "/api/v1/categories", raw(body), http.StatusCreated)
	wantFields(t, exact(t, r), want)
	wantFields(t, exact(t, c.must("GET", "/api/v1/categories/"+cat, nil, http.StatusOK)), want)
	r = c.must("PUT", "/api/v1/categories/"+cat, map[string]any{"providerShare": 3}, http.StatusOK)
	want["providerShare"] = json.Number("3")
	wantFields(t, exact(t, r), want)
	// Empty values are omitted (seed 002): null or "" keeps the store.
	got := exact(t, c.must("PATCH", "/api/v1/categories/"+cat, raw(`{"storeNumber": null, "name": ""}`), http.StatusOK))
	if got["storeNumber"] != "39898634" || got["name"] != "Magazines" {
		t.Fatalf("empty values changed the category: %v", got)
	}
	list := exactList(t, c.must("GET", "/api/v1/merchants/"+m+"/categories", nil, http.StatusOK))
	if len(list) != 1 || list[0]["categoryId"] != cat {
		t.Fatalf("merchant categories: %v", list)
	}
	wantError(t, c.do("POST", "/api/v1/categories", map[string]any{"merchantId": m, "userShare": 1, "providerShare": 1}), http.StatusBadRequest, "invalid", "name")
	wantError(t, c.do("POST", "/api/v1/categories", map[string]any{"merchantId": m, "name": "x", "userShare": 1, "providerShare": 1, "userShareType": "bonus"}), http.StatusBadRequest, "invalid", "userShareType")

	// Products: one by one (seed sample), and a list into the category.
	pid := uniqueID("p")
	r = c.must("POST", "/api/v1/products", raw(fmt.Sprintf(`{"productId": %q, "categoryId": %q, "name": "Milk", "productNumber": "1000"}`, pid, cat)), http.StatusCreated)
	wantFields(t, exact(t, r), map[string]any{"productId": pid, "categoryId": cat, "name": "Milk", "productNumber": "1000"})
	r = c.must("POST", "/api/v1/categories/"+cat+"/products", []map[string]any{
		{"name": "Bread", "productNumber": "2000"}, {"productNumber": "3000", "categoryId": cat},
	}, http.StatusCreated)
	added := exactList(t, r)
	if len(added) != 2 || added[0]["categoryId"] != cat || added[1]["name"] != "" || len(added[1]["productId"].(string)) != 32 {
		t.Fatalf("added products: %v", added)
	}
	products := exactList(t, c.must("GET", "/api/v1/categories/"+cat+"/products", nil, http.StatusOK))
	if len(products) != 3 {
		t.Fatalf("category products: %v", products)
	}
	// All or nothing: a product number the category has, or a bad item,
	// stores none of the list.
	wantError(t, c.do("POST", "/api/v1/categories/"+cat+"/products", []map[string]any{{"productNumber": "4000"}, {"productNumber": "1000"}}),
		http.StatusConflict, "conflict", "[1].productNumber")
	wantError(t, c.do("POST", "/api/v1/categories/"+cat+"/products", []map[string]any{{"productNumber": "4000"}, {"name": "no number"}}),
		http.StatusBadRequest, "invalid", "[1].productNumber")
	wantError(t, c.do("POST", "/api/v1/categories/"+cat+"/products", []map[string]any{{"productNumber": "4000", "categoryId": "other"}}),
		http.StatusBadRequest, "invalid", "[0].categoryId")
	wantError(t, c.do("POST", "/api/v1/categories/"+cat+"/products", map[string]any{"productNumber": "4000"}), http.StatusBadRequest, "invalid", "")
	if n := len(exactList(t, c.must("GET", "/api/v1/categories/"+cat+"/products", nil, http.StatusOK))); n != 3 {
		t.Fatalf("refused lists stored products: %d", n)
	}
	wantError(t, c.do("POST", "/api/v1/categories/nocat/products", []map[string]any{{"productNumber": "1"}}), http.StatusNotFound, "not_found", "")
	wantError(t, c.do("GET", "/api/v1/categories/nocat/products", nil), http.StatusNotFound, "not_found", "")
	wantError(t, c.do("POST", "/api/v1/products", map[string]any{"categoryId": "nocat", "productNumber": "1"}), http.StatusBadRequest, "invalid", "categoryId")
	wantError(t, c.do("POST", "/api/v1/products", map[string]any{"productNumber": "1"}), http.StatusBadRequest, "invalid", "categoryId")
	wantError(t, c.do("POST", "/api/v1/products", map[string]any{"categoryId": cat}), http.StatusBadRequest, "invalid", "productNumber")
	c.must("DELETE", "/api/v1/products/"+pid, nil, http.StatusNoContent)
	wantError(t, c.do("DELETE", "/api/v1/products/"+pid, nil), http.StatusNotFound, "not_found", "")

	// A campaign names the category: the category stays until it goes; a
	// category of another merchant cannot be named.
	camp := exact(t, c.must("POST", "/api/v1/campaigns", map[string]any{"merchantId": m, "campaignStart": "2030-01-01T00:00:00Z",
		"campaignEnd": "2030-02-01T00:00:00Z", "userShare": 1, "providerShare": 1, "categoryId": cat}, http.StatusCreated))
	wantError(t, c.do("POST", "/api/v1/campaigns", map[string]any{"merchantId": other, "campaignStart": "2030-01-01T00:00:00Z",
		"campaignEnd": "2030-02-01T00:00:00Z", "userShare": 1, "providerShare": 1, "categoryId": cat}), http.StatusBadRequest, "invalid", "categoryId")
	wantError(t, c.do("DELETE", "/api/v1/categories/"+cat, nil), http.StatusConflict, "conflict", "categoryId")
	c.must("DELETE", "/api/v1/campaigns/"+camp["campaignId"].(string), nil, http.StatusNoContent)
	c.must("DELETE", "/api/v1/categories/"+cat, nil, http.StatusNoContent)
	wantError(t, c.do("GET", "/api/v1/categories/"+cat, nil), http.StatusNotFound, "not_found", "")
}

func TestCampaignSeedSampleAndPeriod(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	m := newMerchant(t, c)
	cat := exact(t, c.must("POST", "/api/v1/categories", map[string]any{"merchantId": m, "name": "Soda", "userShare": 1, "providerShare": 1}, http.StatusCreated))["categoryId"].(string)
	id := uniqueID("camp")
	body := fmt.Sprintf(`{"campaignId": %q, "merchantId": %q, "name": "Soda", "campaignStart": "2018-11-08T17:32:28Z",
		"campaignEnd": "2018-11-10T17:32:28Z", "userShare": 7.5, "userShareType": "percentage", "providerShare": 2.5,
		"providerShareType": "percentage", "storeNumber": "100", "categoryId": %q, "productNumber": "1000"}`, id, m, cat)
	want := map[string]any{"campaignId": id, "merchantId": m, "name": "Soda", "campaignStart": "2018-11-08T17:32:28Z",
		"campaignEnd": "2018-11-10T17:32:28Z", "userShare": json.Number("7.5"), "userShareType": "percentage",
		"providerShare": json.Number("2.5"), "providerShareType": "percentage", "storeNumber": "100", "categoryId": cat, "productNumber": "1000"}
	r := c.must("POST", "/api/v1/campaigns", raw(body), http.StatusCreated)
	wantFields(t, exact(t, r), want)
	wantFields(t, exact(t, c.must("GET", "/api/v1/campaigns/"+id, nil, http.StatusOK)), want)

	// Another zone is the same instant, answered in UTC.
	r = c.must("PATCH", "/api/v1/campaigns/"+id, map[string]any{"campaignEnd": "2018-11-10T19:32:28+02:00"}, http.StatusOK)
	wantFields(t, exact(t, r), want)
	// The period is checked as a whole: an end before the stored start, or
	// equal to it, is refused.
	wantError(t, c.do("PATCH", "/api/v1/campaigns/"+id, map[string]any{"campaignEnd": "2018-11-08T17:32:28Z"}), http.StatusBadRequest, "invalid", "campaignEnd")
	wantError(t, c.do("PUT", "/api/v1/campaigns/"+id, map[string]any{"campaignStart": "2018-11-11T00:00:00Z"}), http.StatusBadRequest, "invalid", "campaignEnd")
	// Empty values are omitted (seed 002): null or "" keeps the limit.
	r = c.must("PUT", "/api/v1/campaigns/"+id, raw(`{"name": "Cola", "storeNumber": null, "categoryId": "", "campaignEnd": null}`), http.StatusOK)
	got := exact(t, r)
	if got["storeNumber"] != "100" || got["categoryId"] != cat || got["name"] != "Cola" || got["productNumber"] != "1000" || got["campaignStart"] != "2018-11-08T17:32:28Z" {
		t.Fatalf("after PUT: %v", got)
	}

	valid := func(change map[string]any) map[string]any {
		b := map[string]any{"merchantId": m, "campaignStart": "2030-01-01T00:00:00Z", "campaignEnd": "2030-02-01T00:00:00Z",
			"userShare": 1, "providerShare": 1}
		for k, v := range change {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	bad := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"start after end", valid(map[string]any{"campaignStart": "2030-03-01T00:00:00Z"}), "campaignEnd"},
		{"start equals end", valid(map[string]any{"campaignEnd": "2030-01-01T00:00:00Z"}), "campaignEnd"},
		{"missing start", valid(map[string]any{"campaignStart": nil}), "campaignStart"},
		{"missing end", valid(map[string]any{"campaignEnd": nil}), "campaignEnd"},
		{"date without time", valid(map[string]any{"campaignStart": "2030-01-01"}), "campaignStart"},
		{"time without zone", valid(map[string]any{"campaignStart": "2030-01-01T00:00:00"}), "campaignStart"},
		{"time a number", valid(map[string]any{"campaignEnd": 1700000000}), "campaignEnd"},
		{"name too long", valid(map[string]any{"name": strings.Repeat("n", 65)}), "name"},
		{"three decimals", valid(map[string]any{"userShare": json.Number("0.125")}), "userShare"},
		{"unknown merchant", valid(map[string]any{"merchantId": "nobody"}), "merchantId"},
		{"unknown category", valid(map[string]any{"categoryId": "nocat"}), "categoryId"},
		{"missing userShare", valid(map[string]any{"userShare": nil}), "userShare"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			wantError(t, c.do("POST", "/api/v1/campaigns", tc.body), http.StatusBadRequest, "invalid", tc.field)
		})
	}
	c.t = t

	// GET /campaigns: active and future campaigns of every merchant, not
	// past ones.
	now := time.Now().UTC()
	active := exact(t, c.must("POST", "/api/v1/campaigns", valid(map[string]any{"campaignStart": now.Add(-time.Hour).Format(time.RFC3339),
		"campaignEnd": now.Add(time.Hour).Format(time.RFC3339)}), http.StatusCreated))["campaignId"]
	future := exact(t, c.must("POST", "/api/v1/campaigns", valid(nil), http.StatusCreated))["campaignId"]
	seen := map[any]bool{}
	for _, camp := range exactList(t, c.must("GET", "/api/v1/campaigns", nil, http.StatusOK)) {
		seen[camp["campaignId"]] = true
	}
	if !seen[active] || !seen[future] || seen[id] {
		t.Fatalf("current campaigns: active %v future %v past %v", seen[active], seen[future], seen[id])
	}
	if n := len(exactList(t, c.must("GET", "/api/v1/merchants/"+m+"/campaigns", nil, http.StatusOK))); n != 3 {
		t.Fatalf("merchant campaigns: %d, want 3", n)
	}
	wantError(t, c.do("GET", "/api/v1/campaigns?limit=1001", nil), http.StatusBadRequest, "invalid", "limit")
	c.must("DELETE", "/api/v1/campaigns/"+id, nil, http.StatusNoContent)
	wantError(t, c.do("GET", "/api/v1/campaigns/"+id, nil), http.StatusNotFound, "not_found", "")
}

func TestDerivedShares(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	m, other := newMerchant(t, c), newMerchant(t, c)
	id := uniqueID("d")
	r := c.must("POST", "/api/v1/derivedshares", raw(fmt.Sprintf(`{"derivedShareId": %q, "merchantId": %q, "share": 2.5,
		"derivedShare": 0.5, "derivedShareType": "percentage"}`, id, m)), http.StatusCreated)
	want := map[string]any{"derivedShareId": id, "merchantId": m, "share": json.Number("2.5"), "derivedShare": json.Number("0.5"), "derivedShareType": "percentage"}
	wantFields(t, exact(t, r), want)
	wantFields(t, exact(t, c.must("GET", "/api/v1/derivedshares/"+id, nil, http.StatusOK)), want)
	r = c.must("PATCH", "/api/v1/derivedshares/"+id, raw(`{"derivedShare": 0.75}`), http.StatusOK)
	want["derivedShare"] = json.Number("0.75")
	wantFields(t, exact(t, r), want)

	wantError(t, c.do("POST", "/api/v1/derivedshares", map[string]any{"merchantId": m, "share": 3, "derivedShare": 1, "derivedShareType": "derived"}),
		http.StatusBadRequest, "invalid", "derivedShareType")
	wantError(t, c.do("PATCH", "/api/v1/derivedshares/"+id, map[string]any{"derivedShareType": "derived"}), http.StatusBadRequest, "invalid", "derivedShareType")
	wantError(t, c.do("POST", "/api/v1/derivedshares", raw(`{"merchantId": "`+m+`", "share": 3.001, "derivedShare": 1}`)), http.StatusBadRequest, "invalid", "share")
	wantError(t, c.do("POST", "/api/v1/derivedshares", map[string]any{"merchantId": m, "share": 3}), http.StatusBadRequest, "invalid", "derivedShare")
	wantError(t, c.do("POST", "/api/v1/derivedshares", map[string]any{"merchantId": "nobody", "share": 3, "derivedShare": 1}), http.StatusBadRequest, "invalid", "merchantId")
	// One derived share per share value and merchant.
	wantError(t, c.do("POST", "/api/v1/derivedshares", raw(`{"merchantId": "`+m+`", "share": 2.50, "derivedShare": 1}`)), http.StatusConflict, "conflict", "share")
	wantError(t, c.do("POST", "/api/v1/derivedshares", map[string]any{"derivedShareId": id, "merchantId": m, "share": 9, "derivedShare": 1}), http.StatusConflict, "conflict", "derivedShareId")

	// Replace all, in one transaction.
	path := "/api/v1/merchants/" + m + "/derivedshares"
	set := exactList(t, c.must("PUT", path, raw(`{"derivedShares": [
		{"share": 1, "derivedShare": 0.25},
		{"share": 2, "derivedShare": 5, "derivedShareType": "fixed_amount", "merchantId": "`+m+`"}]}`), http.StatusOK))
	if len(set) != 2 || set[1]["derivedShareType"] != "fixed_amount" || set[0]["merchantId"] != m {
		t.Fatalf("replaced set: %v", set)
	}
	wantFields(t, set[0], map[string]any{"share": json.Number("1"), "derivedShare": json.Number("0.25"), "derivedShareType": "percentage"})
	wantError(t, c.do("GET", "/api/v1/derivedshares/"+id, nil), http.StatusNotFound, "not_found", "")

	otherID := exact(t, c.must("POST", "/api/v1/derivedshares", map[string]any{"merchantId": other, "share": 1, "derivedShare": 1}, http.StatusCreated))["derivedShareId"].(string)
	refused := []struct {
		name   string
		body   string
		status int
		code   string
		field  string
	}{
		{"three decimals", `{"derivedShares": [{"share": 4, "derivedShare": 1}, {"share": 7.555, "derivedShare": 1}]}`, 400, "invalid", "derivedShares[1].share"},
		{"derived type", `{"derivedShares": [{"share": 4, "derivedShare": 1, "derivedShareType": "derived"}]}`, 400, "invalid", "derivedShares[0].derivedShareType"},
		{"over 100", `{"derivedShares": [{"share": 4, "derivedShare": 100.5}]}`, 400, "invalid", "derivedShares[0].derivedShare"},
		{"missing share", `{"derivedShares": [{"derivedShare": 1}]}`, 400, "invalid", "derivedShares[0].share"},
		{"share a string", `{"derivedShares": [{"share": "4", "derivedShare": 1}]}`, 400, "invalid", "derivedShares[0].share"},
		{"same share twice", `{"derivedShares": [{"share": 4, "derivedShare": 1}, {"share": 4.00, "derivedShare": 2}]}`, 400, "invalid", "derivedShares[1].share"},
		{"other merchant", `{"derivedShares": [{"share": 4, "derivedShare": 1, "merchantId": "` + other + `"}]}`, 400, "invalid", "derivedShares[0].merchantId"},
		{"id of another merchant", `{"derivedShares": [{"share": 4, "derivedShare": 1}, {"derivedShareId": "` + otherID + `", "share": 5, "derivedShare": 1}]}`, 409, "conflict", "derivedShares[1].derivedShareId"},
		{"item not an object", `{"derivedShares": [1]}`, 400, "invalid", "derivedShares[0]"},
		{"not a list", `{"derivedShares": {}}`, 400, "invalid", "derivedShares"},
		{"missing list", `{}`, 400, "invalid", "derivedShares"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			wantError(t, c.do("PUT", path, raw(tc.body)), tc.status, tc.code, tc.field)
		})
	}
	c.t = t
	// Every refused replace left the old set as it was.
	after := exactList(t, c.must("GET", path, nil, http.StatusOK))
	if len(after) != 2 || after[0]["derivedShareId"] != set[0]["derivedShareId"] || after[1]["derivedShareId"] != set[1]["derivedShareId"] {
		t.Fatalf("set after refused replaces: %v, want %v", after, set)
	}
	wantError(t, c.do("PUT", "/api/v1/merchants/nobody/derivedshares", raw(`{"derivedShares": []}`)), http.StatusNotFound, "not_found", "")
	wantError(t, c.do("GET", "/api/v1/merchants/nobody/derivedshares", nil), http.StatusNotFound, "not_found", "")
	// An empty list empties the set.
	if list := exactList(t, c.must("PUT", path, raw(`{"derivedShares": []}`), http.StatusOK)); len(list) != 0 {
		t.Fatalf("emptied set: %v", list)
	}
	c.must("DELETE", "/api/v1/derivedshares/"+otherID, nil, http.StatusNoContent)
	wantError(t, c.do("DELETE", "/api/v1/derivedshares/"+otherID, nil), http.StatusNotFound, "not_found", "")
}

func TestBlockedProducts(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	id := uniqueID("b")
	number := uniqueNumber()
	r := c.must("POST", "/api/v1/blockedproducts", map[string]any{"productId": id, "name": "Milk", "productNumber": number}, http.StatusCreated)
	wantFields(t, exact(t, r), map[string]any{"productId": id, "name": "Milk", "productNumber": number})
	n1, n2 := uniqueNumber(), uniqueNumber()
	bulk := exactList(t, c.must("POST", "/api/v1/blockedproducts/bulk", []map[string]any{{"productNumber": n1, "name": "Tobacco"}, {"productNumber": n2}}, http.StatusCreated))
	if len(bulk) != 2 || bulk[0]["productNumber"] != n1 || len(bulk[1]["productId"].(string)) != 32 {
		t.Fatalf("bulk: %v", bulk)
	}
	n3 := uniqueNumber()
	// All or nothing: a number already blocked refuses the whole list.
	wantError(t, c.do("POST", "/api/v1/blockedproducts/bulk", []map[string]any{{"productNumber": n3}, {"productNumber": number}}), http.StatusConflict, "conflict", "[1].productNumber")
	wantError(t, c.do("POST", "/api/v1/blockedproducts/bulk", []map[string]any{{"productNumber": n3}, {"productNumber": n3}}), http.StatusBadRequest, "invalid", "[1].productNumber")
	wantError(t, c.do("POST", "/api/v1/blockedproducts/bulk", []map[string]any{{"productNumber": n3}, {"name": "x"}}), http.StatusBadRequest, "invalid", "[1].productNumber")
	wantError(t, c.do("POST", "/api/v1/blockedproducts/bulk", map[string]any{"productNumber": n3}), http.StatusBadRequest, "invalid", "")
	wantError(t, c.do("POST", "/api/v1/blockedproducts", map[string]any{"productNumber": number}), http.StatusConflict, "conflict", "productNumber")
	wantError(t, c.do("POST", "/api/v1/blockedproducts", map[string]any{"name": "x"}), http.StatusBadRequest, "invalid", "productNumber")
	wantError(t, c.do("POST", "/api/v1/blockedproducts", map[string]any{"productNumber": "1", "name": strings.Repeat("n", 129)}), http.StatusBadRequest, "invalid", "name")

	blocked := map[any]bool{}
	for _, b := range exactList(t, c.must("GET", "/api/v1/blockedproducts", nil, http.StatusOK)) {
		blocked[b["productNumber"]] = true
	}
	if !blocked[number] || !blocked[n1] || !blocked[n2] || blocked[n3] {
		t.Fatalf("blocked products: %v", blocked)
	}
	c.must("DELETE", "/api/v1/blockedproducts/"+id, nil, http.StatusNoContent)
	wantError(t, c.do("DELETE", "/api/v1/blockedproducts/"+id, nil), http.StatusNotFound, "not_found", "")
	c.must("POST", "/api/v1/blockedproducts", map[string]any{"productNumber": number}, http.StatusCreated)
}

func TestMerchantShowsItsModel(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	m := newMerchant(t, c)
	number := uniqueNumber()
	company := exact(t, c.must("POST", "/api/v1/companies", raw(companyBody(m, number)), http.StatusCreated))
	store := exact(t, c.must("POST", "/api/v1/stores", map[string]any{"merchantId": m, "storeNumber": uniqueNumber(), "name": "S", "userShare": 1, "providerShare": 2}, http.StatusCreated))
	category := exact(t, c.must("POST", "/api/v1/categories", map[string]any{"merchantId": m, "name": "C", "userShare": 1, "providerShare": 2}, http.StatusCreated))
	campaign := exact(t, c.must("POST", "/api/v1/campaigns", map[string]any{"merchantId": m, "campaignStart": "2030-01-01T00:00:00Z", "campaignEnd": "2030-02-01T00:00:00Z", "userShare": 1, "providerShare": 2}, http.StatusCreated))
	derived := exact(t, c.must("POST", "/api/v1/derivedshares", map[string]any{"merchantId": m, "share": 1, "derivedShare": 2}, http.StatusCreated))

	one := func(t *testing.T, got map[string]any, list string, want map[string]any) {
		t.Helper()
		items, ok := got[list].([]any)
		if !ok || len(items) != 1 {
			t.Fatalf("%s = %v, want one item", list, got[list])
		}
		wantFields(t, items[0].(map[string]any), want)
	}
	got := exact(t, c.must("GET", "/api/v1/merchants/"+m, nil, http.StatusOK))
	one(t, got, "companies", company)
	one(t, got, "stores", store)
	one(t, got, "categories", category)
	one(t, got, "campaigns", campaign)
	one(t, got, "derivedShares", derived)
	got = exact(t, c.must("PATCH", "/api/v1/merchants/"+m, map[string]any{"merchantName": "Renamed"}, http.StatusOK))
	one(t, got, "companies", company)

	r := c.must("GET", "/api/v1/merchants", nil, http.StatusOK)
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var list []map[string]any
	if err := dec.Decode(&list); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, item := range list {
		if item["merchantId"] != m {
			if cs, _ := item["companies"].([]any); cs == nil {
				t.Fatalf("merchant %v without a companies list", item["merchantId"])
			}
			continue
		}
		found = true
		one(t, item, "companies", company)
		one(t, item, "campaigns", campaign)
	}
	if !found {
		t.Fatalf("merchant %s not listed", m)
	}
}

// TestDeleteMerchantDeletesItsModel: the seed sets no precondition, so a
// merchant goes with its companies, stores, categories and products,
// campaigns and derived shares; blocked products are global and stay.
func TestDeleteMerchantDeletesItsModel(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	m := newMerchant(t, c)
	company := exact(t, c.must("POST", "/api/v1/companies", raw(companyBody(m, uniqueNumber())), http.StatusCreated))
	store := exact(t, c.must("POST", "/api/v1/stores", map[string]any{"merchantId": m, "storeNumber": uniqueNumber(), "name": "S",
		"userShare": 1, "providerShare": 1}, http.StatusCreated))
	cat := exact(t, c.must("POST", "/api/v1/categories", map[string]any{"merchantId": m, "name": "C", "userShare": 1, "providerShare": 1}, http.StatusCreated))
	catID := cat["categoryId"].(string)
	product := exactList(t, c.must("POST", "/api/v1/categories/"+catID+"/products", raw(`[{"name": "P", "productNumber": "`+uniqueNumber()+`"}]`), http.StatusCreated))
	campaign := exact(t, c.must("POST", "/api/v1/campaigns", map[string]any{"merchantId": m, "campaignStart": "2030-01-01T00:00:00Z",
		"campaignEnd": "2030-02-01T00:00:00Z", "userShare": 1, "providerShare": 1, "categoryId": catID}, http.StatusCreated))
	share := exact(t, c.must("POST", "/api/v1/derivedshares", map[string]any{"merchantId": m, "share": 1, "derivedShare": 2}, http.StatusCreated))
	blocked := exact(t, c.must("POST", "/api/v1/blockedproducts", map[string]any{"productNumber": uniqueNumber()}, http.StatusCreated))

	c.must("DELETE", "/api/v1/merchants/"+m, nil, http.StatusNoContent)
	wantError(t, c.do("GET", "/api/v1/merchants/"+m, nil), http.StatusNotFound, "not_found", "")
	for _, path := range []string{"/api/v1/companies/" + company["companyId"].(string), "/api/v1/stores/" + store["storeId"].(string),
		"/api/v1/categories/" + catID, "/api/v1/categories/" + catID + "/products",
		"/api/v1/campaigns/" + campaign["campaignId"].(string), "/api/v1/derivedshares/" + share["derivedShareId"].(string)} {
		wantError(t, c.do("GET", path, nil), http.StatusNotFound, "not_found", "")
	}
	wantError(t, c.do("DELETE", "/api/v1/products/"+product[0]["productId"].(string), nil), http.StatusNotFound, "not_found", "")
	found := false
	for _, b := range exactList(t, c.must("GET", "/api/v1/blockedproducts", nil, http.StatusOK)) {
		found = found || b["productId"] == blocked["productId"]
	}
	if !found {
		t.Fatalf("the blocked product went with the merchant")
	}
	// A merchant with the same id starts with an empty model.
	c.must("POST", "/api/v1/merchants", map[string]any{"merchantId": m, "merchantName": "Again"}, http.StatusCreated)
	if list := exactList(t, c.must("GET", "/api/v1/merchants/"+m+"/companies", nil, http.StatusOK)); len(list) != 0 {
		t.Fatalf("companies of the new merchant: %v", list)
	}
}

func TestModelNeedsSettlementOrAdminCredentials(t *testing.T) {
	a := testenv.App(t)
	partner := testenv.Credential(t, a, auth.KindPartner)
	for _, req := range []struct{ method, path string }{
		{"POST", "/api/v1/companies"}, {"GET", "/api/v1/companies/x"}, {"POST", "/api/v1/stores"},
		{"GET", "/api/v1/merchants/x/categories"}, {"POST", "/api/v1/products"}, {"GET", "/api/v1/campaigns"},
		{"PUT", "/api/v1/merchants/x/derivedshares"}, {"POST", "/api/v1/blockedproducts/bulk"}, {"DELETE", "/api/v1/blockedproducts/x"},
	} {
		r := testenv.Do(t, a.Handler, req.method, req.path, map[string]any{})
		wantError(t, r, http.StatusUnauthorized, "unauthenticated", "")
		r = testenv.Do(t, a.Handler, req.method, req.path, map[string]any{}, "Authorization", testenv.BasicAuth(partner.Username, partner.Secret))
		wantError(t, r, http.StatusForbidden, "forbidden", "")
	}
}
