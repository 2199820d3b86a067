package settlement_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
)

// TestSettlementClientsSeeOnlyTheirOwnMerchants: a second settlement client
// neither sees nor changes the first one's merchant or anything under it,
// through either door; the owner and admins do.
func TestSettlementClientsSeeOnlyTheirOwnMerchants(t *testing.T) {
	a := testenv.App(t)
	as := func(kind auth.Kind) client {
		cred := testenv.Credential(t, a, kind)
		return client{t: t, h: a.Handler, auth: testenv.BasicAuth(cred.Username, cred.Secret)}
	}
	s1, s2, admin := as(auth.KindSettlement), as(auth.KindSettlement), as(auth.KindAdmin)

	if r := s1.do("POST", "/api/v1/merchants", map[string]any{"merchantId": "s1-shop", "merchantName": "S1 shop"}); r.Status != http.StatusCreated {
		t.Fatalf("create merchant: %d %s", r.Status, r.Body)
	}
	r := s1.do("POST", "/api/v1/companies", map[string]any{"companyId": "s1-co", "merchantId": "s1-shop", "name": "S1 A/S",
		"companyRegistrationNumber": "12345678", "userShare": 1, "providerShare": 2})
	if r.Status != http.StatusCreated {
		t.Fatalf("create company: %d %s", r.Status, r.Body)
	}
	if r := s1.do("POST", "/api/v1/stores", map[string]any{"storeId": "s1-st", "merchantId": "s1-shop", "storeNumber": "S1-77",
		"name": "S1 store", "userShare": 1, "providerShare": 2}); r.Status != http.StatusCreated {
		t.Fatalf("create store: %d %s", r.Status, r.Body)
	}

	// The second client: every path to the first client's data is a 404
	// and changes nothing.
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/merchants/s1-shop"},
		{"PATCH", "/api/v1/merchants/s1-shop"},
		{"DELETE", "/api/v1/merchants/s1-shop"},
		{"GET", "/api/v1/merchants/s1-shop/companies"},
		{"GET", "/api/v1/merchants/s1-shop/stores"},
		{"GET", "/api/v1/companies/s1-co"},
		{"PATCH", "/api/v1/companies/s1-co"},
		{"DELETE", "/api/v1/companies/s1-co"},
		{"GET", "/api/v1/stores/s1-st"},
		{"DELETE", "/api/v1/stores/s1-st"},
	} {
		var body any
		if c.method == "PATCH" {
			body = map[string]any{"name": "taken over", "merchantName": "taken over"}
		}
		if r := s2.do(c.method, c.path, body); r.Status != http.StatusNotFound {
			t.Errorf("%s %s as another client: %d %s, want 404", c.method, c.path, r.Status, r.Body)
		}
	}
	if r := s2.do("POST", "/api/v1/categories", map[string]any{"merchantId": "s1-shop", "name": "planted",
		"userShare": 1, "providerShare": 1}); r.Status != http.StatusNotFound {
		t.Errorf("create a category under another client's merchant: %d %s, want 404", r.Status, r.Body)
	}
	if r := s2.do("GET", "/api/v1/merchants", nil); strings.Contains(string(r.Body), "s1-shop") {
		t.Errorf("another client's list shows the merchant: %s", r.Body)
	}
	_, res := testenv.GraphQL(t, a.Handler, s2.auth, `{ merchant(merchantId: "s1-shop") { merchantName }
		merchants(first: 100) { totalCount nodes { merchantId } } company(companyId: "s1-co") { name } }`, nil)
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"merchant":null`) {
		t.Errorf("GraphQL answer: %s %v", res.Data, res.Errors)
	}
	if strings.Contains(string(res.Data), "s1-shop") || strings.Contains(string(res.Data), "S1") {
		t.Errorf("GraphQL shows another client's data: %s", res.Data)
	}
	_, res = testenv.GraphQL(t, a.Handler, s2.auth, `mutation { updateMerchant(merchantId: "s1-shop", input: {merchantName: "taken over"}) { userErrors { code } } }`, nil)
	if !strings.Contains(string(res.Data), "NOT_FOUND") {
		t.Errorf("GraphQL update of another client's merchant: %s %v", res.Data, res.Errors)
	}

	// The owner and an admin still see it, unchanged.
	for who, c := range map[string]client{"owner": s1, "admin": admin} {
		r := c.do("GET", "/api/v1/merchants/s1-shop", nil)
		if r.Status != http.StatusOK || r.Object(t)["merchantName"] != "S1 shop" {
			t.Errorf("%s reads the merchant: %d %s", who, r.Status, r.Body)
		}
		r = c.do("GET", "/api/v1/companies/s1-co", nil)
		if r.Status != http.StatusOK || r.Object(t)["name"] != "S1 A/S" {
			t.Errorf("%s reads the company: %d %s", who, r.Status, r.Body)
		}
	}
}

// TestSettlementClientsKeepTheirTransactionsBatchesAndRuns: a second
// settlement client's ingestion does not settle for the first one's
// merchant, and it neither sees nor batches nor invoices the first one's
// transactions and settlements.
func TestSettlementClientsKeepTheirTransactionsBatchesAndRuns(t *testing.T) {
	w := newWorld(t)
	cred := testenv.Credential(t, w.a, auth.KindSettlement)
	s2 := client{t: t, h: w.a.Handler, auth: testenv.BasicAuth(cred.Username, cred.Secret)}

	var b1, b2 struct{ BatchID string }
	w.must("POST", "/api/v1/transactions/batches", map[string]any{"transactions": []any{
		w.tx("t1", "100.00", w.num("2"), "", w.card())}}, 201).JSON(t, &b1)
	// The same store number and card, posted by the other client: nothing
	// of the first client's matches it.
	r := s2.do("POST", "/api/v1/transactions/batches", map[string]any{"transactions": []any{
		w.tx("t2", "100.00", w.num("2"), "", w.card())}})
	if r.Status != http.StatusCreated {
		t.Fatalf("ingest as another client: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &b2)
	var txs struct{ Results []struct{ State string } }
	s2.do("GET", "/api/v1/transactions/"+b2.BatchID, nil).JSON(t, &txs)
	if len(txs.Results) != 1 || txs.Results[0].State != "unmatched" {
		t.Fatalf("another client's transaction settled for the first one's merchant: %+v", txs)
	}
	if r := s2.do("GET", "/api/v1/transactions/"+b1.BatchID, nil); r.Status != http.StatusNotFound {
		t.Errorf("another client reads the first one's batch: %d %s", r.Status, r.Body)
	}
	if r := s2.do("GET", "/api/v1/transactions/batches", nil); strings.Contains(string(r.Body), b1.BatchID) {
		t.Errorf("another client lists the first one's batch: %s", r.Body)
	}
	// Batching and settling as the other client leaves the first one's
	// settlements alone.
	r = s2.do("POST", "/api/v1/settlements/batches", nil)
	if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"settlements":0`) {
		t.Fatalf("another client's settlement batch: %d %s", r.Status, r.Body)
	}
	r = s2.do("POST", "/api/v1/merchants/settle", nil)
	var run struct{ SettlementID string }
	r.JSON(t, &run)
	if r := s2.do("GET", "/api/v1/invoices/"+run.SettlementID, nil); strings.Contains(string(r.Body), w.id("m1")) {
		t.Errorf("another client's settle run invoiced the first one's merchant: %s", r.Body)
	}
	r = w.must("POST", "/api/v1/settlements/batches", nil, 201)
	if !strings.Contains(string(r.Body), `"settlements":1`) {
		t.Fatalf("the owner's batch: %s", r.Body)
	}
	if r := s2.do("GET", "/api/v1/settlements/batches", nil); strings.Contains(string(r.Body), `"settlements":1`) {
		t.Errorf("another client lists the owner's settlement batch: %s", r.Body)
	}
	w.must("POST", "/api/v1/merchants/settle", nil, 200).JSON(t, &run)
	if r := w.must("GET", "/api/v1/invoices/"+run.SettlementID, nil, 200); !strings.Contains(string(r.Body), w.id("m1")) {
		t.Errorf("the owner's settle run has no invoice of its merchant: %s", r.Body)
	}
}

// TestMerchantListShowsEachMerchantsOwnCompaniesAndCampaigns: the list
// (one round trip per page) puts every company and campaign under its own
// merchant, pages them with their merchants, and shows a client only its
// own merchants' companies and campaigns; an admin sees both clients'.
func TestMerchantListShowsEachMerchantsOwnCompaniesAndCampaigns(t *testing.T) {
	a := testenv.App(t)
	as := func(kind auth.Kind) client {
		cred := testenv.Credential(t, a, kind)
		return client{t: t, h: a.Handler, auth: testenv.BasicAuth(cred.Username, cred.Secret)}
	}
	s1, s2, admin := as(auth.KindSettlement), as(auth.KindSettlement), as(auth.KindAdmin)
	reg := 10000000
	add := func(c client, merchantID string, companies, campaigns int) {
		c.must("POST", "/api/v1/merchants", map[string]any{"merchantId": merchantID, "merchantName": "Shop " + merchantID}, http.StatusCreated)
		for i := range companies {
			c.must("POST", "/api/v1/companies", map[string]any{"companyId": fmt.Sprintf("%s-co%d", merchantID, i), "merchantId": merchantID,
				"name": "Co " + merchantID, "companyRegistrationNumber": strconv.Itoa(reg), "userShare": 1, "providerShare": 2}, http.StatusCreated)
			reg++
		}
		for i := range campaigns {
			c.must("POST", "/api/v1/campaigns", map[string]any{"merchantId": merchantID, "name": fmt.Sprintf("%s-camp%d", merchantID, i),
				"campaignStart": fmt.Sprintf("2030-0%d-01T00:00:00Z", i+1), "campaignEnd": "2030-12-01T00:00:00Z",
				"userShare": 1, "providerShare": 1}, http.StatusCreated)
		}
	}
	add(s1, "ls-a", 2, 1)
	add(s1, "ls-b", 0, 2)
	add(s1, "ls-c", 1, 0)
	add(s2, "ls-x", 1, 1) // between ls-c and ls-z by id, and another client's
	add(s1, "ls-z", 0, 0)

	// shape: merchantId → companyIds and campaign names, in list order.
	shape := func(c client, path string) map[string][2][]string {
		var list []struct {
			MerchantID string `json:"merchantId"`
			Companies  []struct {
				CompanyID  string `json:"companyId"`
				MerchantID string `json:"merchantId"`
			} `json:"companies"`
			Campaigns []struct {
				Name       string `json:"name"`
				MerchantID string `json:"merchantId"`
			} `json:"campaigns"`
		}
		c.must("GET", path, nil, http.StatusOK).JSON(t, &list)
		out := map[string][2][]string{}
		for _, m := range list {
			if !strings.HasPrefix(m.MerchantID, "ls-") {
				continue
			}
			var got [2][]string
			for _, co := range m.Companies {
				if co.MerchantID != m.MerchantID {
					t.Errorf("%s: company %s of %s under %s", path, co.CompanyID, co.MerchantID, m.MerchantID)
				}
				got[0] = append(got[0], co.CompanyID)
			}
			for _, ca := range m.Campaigns {
				if ca.MerchantID != m.MerchantID {
					t.Errorf("%s: campaign %s of %s under %s", path, ca.Name, ca.MerchantID, m.MerchantID)
				}
				got[1] = append(got[1], ca.Name)
			}
			out[m.MerchantID] = got
		}
		return out
	}
	want := map[string][2][]string{
		"ls-a": {{"ls-a-co0", "ls-a-co1"}, {"ls-a-camp0"}},
		"ls-b": {nil, {"ls-b-camp0", "ls-b-camp1"}},
		"ls-c": {{"ls-c-co0"}, nil},
		"ls-x": {{"ls-x-co0"}, {"ls-x-camp0"}},
		"ls-z": {nil, nil},
	}
	only := func(ids ...string) map[string][2][]string {
		out := map[string][2][]string{}
		for _, id := range ids {
			out[id] = want[id]
		}
		return out
	}
	for _, c := range []struct {
		who  client
		path string
		want map[string][2][]string
	}{
		{s1, "/api/v1/merchants", only("ls-a", "ls-b", "ls-c", "ls-z")},
		{s1, "/api/v1/merchants?limit=2", only("ls-a", "ls-b")},
		{s1, "/api/v1/merchants?offset=2&limit=2", only("ls-c", "ls-z")},
		{s2, "/api/v1/merchants", only("ls-x")},
		{admin, "/api/v1/merchants", want},
	} {
		if got := shape(c.who, c.path); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.path, got, c.want)
		}
	}
}
