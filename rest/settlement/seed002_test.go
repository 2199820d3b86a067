package settlement_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/rest/settlement"
)

// Tests of issue 8, points 8–14: the Loyalty Settlement API answers as seed
// 002 documents, for the seed's own request shapes.

// TestUpdatesOmitEmptyValues: "Empty values will be omitted" on every
// update; null or "" leaves the field (and a limit) unchanged, never a 400.
func TestUpdatesOmitEmptyValues(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	m := newMerchant(t, c)
	empties := func(empty any, fields []string) map[string]any {
		b := map[string]any{}
		for _, f := range fields {
			b[f] = empty
		}
		return b
	}
	shares := []string{"userShare", "userShareType", "providerShare", "providerShareType"}
	cases := []struct {
		name, create, path string
		body               map[string]any
		fields             []string
	}{
		{"company", "/api/v1/companies", "/api/v1/companies/",
			map[string]any{"merchantId": m, "name": "Test Company", "companyRegistrationNumber": uniqueNumber(), "userShare": 7.5,
				"userShareType": "percentage", "providerShare": 2.5, "providerShareType": "percentage"},
			append([]string{"companyId", "merchantId", "name", "companyRegistrationNumber"}, shares...)},
		{"store", "/api/v1/stores", "/api/v1/stores/",
			map[string]any{"merchantId": m, "storeNumber": uniqueNumber(), "name": "Test Store", "userShare": 7.5,
				"userShareType": "percentage", "providerShare": 2.5, "providerShareType": "percentage", "source": "transaction"},
			append([]string{"storeId", "merchantId", "storeNumber", "name", "source"}, shares...)},
		{"category", "/api/v1/categories", "/api/v1/categories/",
			map[string]any{"merchantId": m, "name": "Magazines", "userShare": 7.5, "userShareType": "percentage",
				"providerShare": 2.5, "providerShareType": "percentage", "storeNumber": uniqueNumber()},
			append([]string{"categoryId", "merchantId", "name", "storeNumber"}, shares...)},
		{"campaign", "/api/v1/campaigns", "/api/v1/campaigns/",
			map[string]any{"merchantId": m, "name": "Cola", "campaignStart": "2030-11-08T17:32:28Z", "campaignEnd": "2030-11-10T17:32:28Z",
				"userShare": 7.5, "userShareType": "percentage", "providerShare": 2.5, "providerShareType": "percentage",
				"storeNumber": "100", "productNumber": "1000"},
			append([]string{"campaignId", "merchantId", "name", "campaignStart", "campaignEnd", "storeNumber", "categoryId", "productNumber"}, shares...)},
		{"derived share", "/api/v1/derivedshares", "/api/v1/derivedshares/",
			map[string]any{"merchantId": m, "share": 5, "derivedShare": 2.5, "derivedShareType": "percentage"},
			[]string{"derivedShareId", "merchantId", "share", "derivedShare", "derivedShareType"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			before := exact(t, c.must("POST", tc.create, tc.body, http.StatusCreated))
			id := before[tc.fields[0]].(string)
			for _, method := range []string{"PATCH", "PUT"} {
				// Every member null, then every member "".
				for _, empty := range []any{nil, ""} {
					body := empties(empty, tc.fields)
					got := exact(t, c.must(method, tc.path+id, body, http.StatusOK))
					wantFields(t, got, before)
					if len(got) != len(before) {
						t.Fatalf("%s changed the members: %v, was %v", method, got, before)
					}
				}
			}
			wantFields(t, exact(t, c.must("GET", tc.path+id, nil, http.StatusOK)), before)
		})
	}
	c.t = t
	// The merchant, too.
	c.must("PATCH", "/api/v1/merchants/"+m, map[string]any{"merchantName": "", "merchantStatus": nil}, http.StatusOK)
	got := exact(t, c.must("PUT", "/api/v1/merchants/"+m, map[string]any{"merchantId": "", "merchantName": nil, "merchantStatus": ""}, http.StatusOK))
	if got["merchantStatus"] != "active" || got["merchantName"] == "" || got["merchantName"] == nil {
		t.Fatalf("empty values changed the merchant: %v", got)
	}
	// A value that is not empty is still checked.
	wantError(t, c.do("PATCH", "/api/v1/merchants/"+m, map[string]any{"merchantStatus": "gone"}), http.StatusBadRequest, "invalid", "merchantStatus")
}

// TestReplaceDerivedSharesTakesTheSchemaAndTheSample: the body schema is a
// bare array, the sample {"derivedShares": [...]}; both replace.
func TestReplaceDerivedSharesTakesTheSchemaAndTheSample(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	m := newMerchant(t, c)
	path := "/api/v1/merchants/" + m + "/derivedshares"
	list := exactList(t, c.must("PUT", path, raw(`[{"share": 5, "derivedShare": 2.5, "derivedShareType": "percentage"}, {"share": 10, "derivedShare": 4}]`), http.StatusOK))
	if len(list) != 2 || list[0]["merchantId"] != m {
		t.Fatalf("bare array: %v", list)
	}
	list = exactList(t, c.must("PUT", path, raw(`{"derivedShares": [{"share": 7, "derivedShare": 3, "derivedShareType": "fixed_amount"}]}`), http.StatusOK))
	if len(list) != 1 || list[0]["derivedShareType"] != "fixed_amount" {
		t.Fatalf("sample: %v", list)
	}
	if got := exactList(t, c.must("GET", path, nil, http.StatusOK)); len(got) != 1 {
		t.Fatalf("after replace: %v", got)
	}
	wantError(t, c.do("PUT", path, raw(`[{"derivedShare": 3}]`)), http.StatusBadRequest, "invalid", "[0].share")
	wantError(t, c.do("PUT", path, raw(`{"derivedShares": [{"derivedShare": 3}]}`)), http.StatusBadRequest, "invalid", "derivedShares[0].share")
	wantError(t, c.do("PUT", path, raw(`{}`)), http.StatusBadRequest, "invalid", "derivedShares")
	wantError(t, c.do("PUT", path, raw(`"x"`)), http.StatusBadRequest, "invalid", "")
	wantError(t, c.do("PUT", "/api/v1/merchants/nope/derivedshares", raw(`[]`)), http.StatusNotFound, "not_found", "")
}

// TestSettleUnknownMerchantIsNotFound: like every other unknown id.
func TestSettleUnknownMerchantIsNotFound(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	wantError(t, c.do("POST", "/api/v1/merchants/settle?externalMerchantId=nope", nil), http.StatusNotFound, "not_found", "externalMerchantId")
	m := newMerchant(t, c)
	r := c.must("POST", "/api/v1/merchants/settle?externalMerchantId="+m, nil, http.StatusOK)
	if _, ok := exact(t, r)["settlementId"]; !ok {
		t.Fatalf("settle: %s", r.Body)
	}
	// Another client's merchant answers alike.
	other := newClient(t, auth.KindSettlement)
	wantError(t, other.do("POST", "/api/v1/merchants/settle?externalMerchantId="+m, nil), http.StatusNotFound, "not_found", "externalMerchantId")
}

// TestGetAllListsHaveNoSilentCap: a list the seed documents whole is
// returned whole, across internal pages; offset and limit still page.
func TestGetAllListsHaveNoSilentCap(t *testing.T) {
	defer settlement.SetListPageSize(2)()
	c := newClient(t, auth.KindSettlement)
	m := newMerchant(t, c)
	for range 5 {
		c.must("POST", "/api/v1/stores", map[string]any{"merchantId": m, "storeNumber": uniqueNumber(), "name": "S",
			"userShare": 1, "providerShare": 1}, http.StatusCreated)
		c.must("POST", "/api/v1/derivedshares", map[string]any{"merchantId": m, "share": modelSeq.Add(1), "derivedShare": 1}, http.StatusCreated)
	}
	cat := exact(t, c.must("POST", "/api/v1/categories", map[string]any{"merchantId": m, "name": "C", "userShare": 1, "providerShare": 1}, http.StatusCreated))
	products := `[{"productNumber": "` + uniqueNumber() + `"}, {"productNumber": "` + uniqueNumber() + `"}, {"productNumber": "` + uniqueNumber() + `"}]`
	c.must("POST", "/api/v1/categories/"+cat["categoryId"].(string)+"/products", raw(products), http.StatusCreated)
	for path, want := range map[string]int{
		"/api/v1/merchants/" + m + "/stores":                             5,
		"/api/v1/merchants/" + m + "/derivedshares":                      5,
		"/api/v1/categories/" + cat["categoryId"].(string) + "/products": 3,
		"/api/v1/merchants/" + m + "/stores?limit=2&offset=4":            1,
		"/api/v1/merchants/" + m + "/stores?limit=3":                     3,
	} {
		if got := exactList(t, c.must("GET", path, nil, http.StatusOK)); len(got) != want {
			t.Fatalf("%s: %d items, want %d", path, len(got), want)
		}
	}
	for range 3 {
		newMerchant(t, c)
	}
	if got := exactList(t, c.must("GET", "/api/v1/merchants", nil, http.StatusOK)); len(got) < 4 {
		t.Fatalf("merchants: %d", len(got))
	}
	wantError(t, c.do("GET", "/api/v1/merchants/"+m+"/stores?limit=1001", nil), http.StatusBadRequest, "invalid", "limit")
}

// TestUnknownBatchIDsAreNotFound: settlements and transactions of an
// unknown batch both answer 404.
func TestUnknownBatchIDsAreNotFound(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	for _, path := range []string{"/api/v1/settlements/nope", "/api/settlements/nope", "/api/v1/transactions/nope"} {
		wantError(t, c.do("GET", path, nil), http.StatusNotFound, "not_found", "")
	}
	// A known, empty batch is a 200 with an empty page.
	b := exact(t, c.must("POST", "/api/v1/settlements/batches", nil, http.StatusCreated))
	page := exact(t, c.must("GET", "/api/v1/settlements/"+b["batchId"].(string), nil, http.StatusOK))
	if page["totalSize"] != json.Number("0") {
		t.Fatalf("empty batch: %v", page)
	}
	// Another client's batch answers like an unknown one.
	other := newClient(t, auth.KindSettlement)
	wantError(t, other.do("GET", "/api/v1/settlements/"+b["batchId"].(string), nil), http.StatusNotFound, "not_found", "")
}

// seedTimeFormat is the seed's date-time: seconds and Z.
var seedTimeFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// TestBatchTimesReadTheSame: a batch's created is the same string when
// created and when listed, in the seed's format.
func TestBatchTimesReadTheSame(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	created := exact(t, c.must("POST", "/api/v1/settlements/batches", nil, http.StatusCreated))
	at, _ := created["created"].(string)
	if !seedTimeFormat.MatchString(at) {
		t.Fatalf("created %q is not in the seed's format", at)
	}
	found := false
	for _, b := range exactList(t, c.must("GET", "/api/v1/settlements/batches", nil, http.StatusOK)) {
		if b["batchId"] == created["batchId"] {
			found = true
			if b["created"] != at {
				t.Fatalf("listed created %v, created %q", b["created"], at)
			}
		}
	}
	if !found {
		t.Fatalf("batch not listed")
	}
}

// TestDeleteMerchantWithSettlementsIsConflict: settlements and invoices are
// financial records; while any exists the merchant and its model stay.
func TestDeleteMerchantWithSettlementsIsConflict(t *testing.T) {
	w := newWorld(t)
	w.must("POST", "/api/v1/transactions/batches", map[string]any{"transactions": []any{w.tx("t1", "100.00", w.num("2"), "", w.card())}}, 201)
	wantError(t, w.c.do("DELETE", "/api/v1/merchants/"+w.id("m1"), nil), http.StatusConflict, "conflict", "merchantId")
	// Invoiced, the settlements still hold it.
	w.must("POST", "/api/v1/merchants/settle?externalMerchantId="+w.id("m1"), nil, http.StatusOK)
	wantError(t, w.c.do("DELETE", "/api/v1/merchants/"+w.id("m1"), nil), http.StatusConflict, "conflict", "merchantId")
	w.must("GET", "/api/v1/merchants/"+w.id("m1"), nil, http.StatusOK)
	w.must("GET", "/api/v1/stores/"+w.id("s1"), nil, http.StatusOK)
	w.must("GET", "/api/v1/companies/"+w.id("c1"), nil, http.StatusOK)
}

// TestGraphQLClearsLimitsExplicitly: REST updates never clear a limit
// (empty values are omitted); GraphQL has the explicit clear input.
func TestGraphQLClearsLimitsExplicitly(t *testing.T) {
	w := newWorld(t)
	cat := exact(t, w.must("POST", "/api/v1/categories", map[string]any{"merchantId": w.id("m1"), "name": "C", "userShare": 1,
		"providerShare": 1, "storeNumber": w.num("2")}, http.StatusCreated))
	path := "/api/v1/categories/" + cat["categoryId"].(string)
	w.must("PATCH", path, raw(`{"storeNumber": null}`), http.StatusOK)
	w.must("PATCH", path, raw(`{"storeNumber": ""}`), http.StatusOK)
	if got := exact(t, w.must("GET", path, nil, http.StatusOK)); got["storeNumber"] != w.num("2") {
		t.Fatalf("REST cleared the limit: %v", got)
	}
	const update = `mutation($c: ID!, $in: UpdateCategoryInput!) { updateCategory(categoryId: $c, input: $in) { category { storeNumber } userErrors { field code } } }`
	_, res := testenv.GraphQL(t, w.c.h, w.c.auth, update, map[string]any{"c": cat["categoryId"], "in": map[string]any{"storeNumber": "1", "clear": []string{"STORE_NUMBER"}}})
	if len(res.Errors) == 0 || !strings.Contains(string(res.Errors[0].Message), "clear") {
		t.Fatalf("value and clear of one limit: %+v %s", res.Errors, res.Data)
	}
	_, res = testenv.GraphQL(t, w.c.h, w.c.auth, update, map[string]any{"c": cat["categoryId"], "in": map[string]any{"clear": []string{"CATEGORY_ID"}}})
	if len(res.Errors) == 0 {
		t.Fatalf("a limit the category does not have: %s", res.Data)
	}
	var out struct {
		UpdateCategory struct{ Category struct{ StoreNumber *string } }
	}
	w.gql(update, map[string]any{"c": cat["categoryId"], "in": map[string]any{"name": "D", "clear": []string{"STORE_NUMBER"}}}, &out)
	if out.UpdateCategory.Category.StoreNumber != nil {
		t.Fatalf("clear: %+v", out)
	}
	if got := exact(t, w.must("GET", path, nil, http.StatusOK)); got["storeNumber"] != nil || got["name"] != "D" {
		t.Fatalf("after clear: %v", got)
	}
}
