package settlement_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type client struct {
	t    *testing.T
	h    http.Handler
	auth string
}

func (c client) do(method, path string, body any) *testenv.Response {
	c.t.Helper()
	return testenv.Do(c.t, c.h, method, path, body, "Authorization", c.auth)
}

func newClient(t *testing.T, kind auth.Kind) client {
	a := testenv.App(t)
	cred := testenv.Credential(t, a, kind)
	return client{t: t, h: a.Handler, auth: testenv.BasicAuth(cred.Username, cred.Secret)}
}

func wantError(t *testing.T, r *testenv.Response, status int, code, field string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	body := r.Object(t)
	if body["code"] != code || (field != "" && body["field"] != field) || body["message"] == "" {
		t.Fatalf("error body %s, want code %q field %q", r.Body, code, field)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q", ct)
	}
}

func TestCreateMerchantGeneratesIDAndShowsSeedShape(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	r := c.do("POST", "/api/v1/merchants", map[string]any{"merchantName": "Test Merchant"})
	if r.Status != http.StatusCreated {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	m := r.Object(t)
	id, _ := m["merchantId"].(string)
	if len(id) != 32 || !ids.IsLowerAlnum(id) {
		t.Fatalf("generated merchantId %q is not 32 of [0-9a-z]", id)
	}
	if m["merchantName"] != "Test Merchant" || m["merchantStatus"] != "active" {
		t.Fatalf("body %s", r.Body)
	}
	for _, list := range []string{"companies", "campaigns"} {
		if v, ok := m[list].([]any); !ok || len(v) != 0 {
			t.Fatalf("%s = %v, want empty list", list, m[list])
		}
	}
	if got := r.Header.Get("Location"); got != "/api/v1/merchants/"+id {
		t.Fatalf("Location %q", got)
	}

	r = c.do("GET", "/api/v1/merchants/"+id, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("get: %d %s", r.Status, r.Body)
	}
	m = r.Object(t)
	for _, list := range []string{"companies", "campaigns", "stores", "categories", "derivedShares"} {
		if _, ok := m[list].([]any); !ok {
			t.Fatalf("get-one lacks list %s: %s", list, r.Body)
		}
	}
}

func TestCreateMerchantWithIDAndDuplicateIsConflict(t *testing.T) {
	c := newClient(t, auth.KindAdmin)
	body := map[string]any{"merchantId": "mdo9afaoaoy2u7tomdy9y1mzcpftvdpk", "merchantName": "Test Merchant"}
	if r := c.do("POST", "/api/v1/merchants", body); r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	wantError(t, c.do("POST", "/api/v1/merchants", body), http.StatusConflict, "conflict", "merchantId")
}

func TestCreateMerchantRejectsBadInput(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	var before []any
	c.do("GET", "/api/v1/merchants", nil).JSON(t, &before)
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"missing name", map[string]any{"merchantId": "abc"}, "merchantName"},
		{"empty name", map[string]any{"merchantName": ""}, "merchantName"},
		{"blank name", map[string]any{"merchantName": "   "}, "merchantName"},
		{"name too long", map[string]any{"merchantName": strings.Repeat("x", 129)}, "merchantName"},
		{"name not a string", map[string]any{"merchantName": 42}, "merchantName"},
		{"name null", `{"merchantName": null}`, "merchantName"},
		{"name with control characters", map[string]any{"merchantName": "a\u0000b"}, "merchantName"},
		{"empty id", map[string]any{"merchantId": "", "merchantName": "x"}, "merchantId"},
		{"id too long", map[string]any{"merchantId": strings.Repeat("a", 33), "merchantName": "x"}, "merchantId"},
		{"id with slash", map[string]any{"merchantId": "a/b", "merchantName": "x"}, "merchantId"},
		{"id not a string", map[string]any{"merchantId": []int{1}, "merchantName": "x"}, "merchantId"},
		{"bad status", map[string]any{"merchantName": "x", "merchantStatus": "closed"}, "merchantStatus"},
		{"not JSON", `{"merchantName": `, ""},
		{"array body", `[]`, ""},
		{"two values", `{"merchantName":"a"} {}`, ""},
		{"empty body", ``, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			wantError(t, c.do("POST", "/api/v1/merchants", tc.body), http.StatusBadRequest, "invalid", tc.field)
		})
	}
	// Nothing of the refused requests was stored.
	c.t = t
	var list []any
	c.do("GET", "/api/v1/merchants", nil).JSON(t, &list)
	if len(list) != len(before) {
		t.Fatalf("refused creates stored %d merchants", len(list)-len(before))
	}
}

func TestMerchantsNeedSettlementOrAdminCredentials(t *testing.T) {
	a := testenv.App(t)
	settlement := testenv.Credential(t, a, auth.KindSettlement)
	partner := testenv.Credential(t, a, auth.KindPartner)

	r := testenv.Do(t, a.Handler, "GET", "/api/v1/merchants", nil)
	wantError(t, r, http.StatusUnauthorized, "unauthenticated", "")
	// No Basic challenge: browsers must not cache and replay credentials.
	if h := r.Header.Get("WWW-Authenticate"); h != "" {
		t.Fatalf("401 with WWW-Authenticate %q", h)
	}
	r = testenv.Do(t, a.Handler, "GET", "/api/v1/merchants", nil, "Authorization", testenv.BasicAuth(settlement.Username, settlement.Secret+"x"))
	wantError(t, r, http.StatusUnauthorized, "unauthenticated", "")
	r = testenv.Do(t, a.Handler, "GET", "/api/v1/merchants", nil, "Authorization", testenv.BasicAuth("nobody", "secret"))
	wantError(t, r, http.StatusUnauthorized, "unauthenticated", "")
	r = testenv.Do(t, a.Handler, "GET", "/api/v1/merchants", nil, "Authorization", "Basic !!!")
	wantError(t, r, http.StatusUnauthorized, "unauthenticated", "")
	r = testenv.Do(t, a.Handler, "POST", "/api/v1/merchants", map[string]any{"merchantName": "x"},
		"Authorization", testenv.BasicAuth(partner.Username, partner.Secret))
	wantError(t, r, http.StatusForbidden, "forbidden", "")
	r = testenv.Do(t, a.Handler, "GET", "/api/v1/merchants", nil, "Authorization", testenv.BasicAuth(settlement.Username, settlement.Secret))
	if r.Status != http.StatusOK {
		t.Fatalf("settlement client: %d %s", r.Status, r.Body)
	}
}

func TestGetUnknownMerchantIs404(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	wantError(t, c.do("GET", "/api/v1/merchants/nope", nil), http.StatusNotFound, "not_found", "")
	wantError(t, c.do("GET", "/api/v1/merchants/"+strings.Repeat("a", 33), nil), http.StatusBadRequest, "invalid", "merchantId")
}

func TestUpdateMerchantChangesOnlyFieldsPresent(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	c.do("POST", "/api/v1/merchants", map[string]any{"merchantId": "m1", "merchantName": "Before"})

	name := "Before"
	for _, method := range []string{"PATCH", "PUT"} {
		t.Run(method, func(t *testing.T) {
			c.t = t
			r := c.do(method, "/api/v1/merchants/m1", map[string]any{"merchantStatus": "disabled"})
			if r.Status != http.StatusOK {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			m := r.Object(t)
			if m["merchantName"] != name || m["merchantStatus"] != "disabled" {
				t.Fatalf("after status update: %s", r.Body)
			}
			r = c.do(method, "/api/v1/merchants/m1", map[string]any{"merchantName": "After " + method})
			m = r.Object(t)
			if m["merchantName"] != "After "+method || m["merchantStatus"] != "disabled" {
				t.Fatalf("after name update: %s", r.Body)
			}
			if _, ok := m["derivedShares"]; !ok {
				t.Fatalf("update answers the merchant as get does: %s", r.Body)
			}
			name = "After " + method
			c.do(method, "/api/v1/merchants/m1", map[string]any{"merchantStatus": "active"})
		})
	}
	c.t = t
	wantError(t, c.do("PATCH", "/api/v1/merchants/m1", map[string]any{"merchantId": "m2"}), http.StatusBadRequest, "invalid", "merchantId")
	// Empty values are omitted (seed 002): "" and null change nothing.
	c.must("PATCH", "/api/v1/merchants/m1", map[string]any{"merchantName": "", "merchantStatus": nil}, http.StatusOK)
	wantError(t, c.do("PATCH", "/api/v1/merchants/m1", map[string]any{"merchantStatus": "gone"}), http.StatusBadRequest, "invalid", "merchantStatus")
	wantError(t, c.do("PATCH", "/api/v1/merchants/missing", map[string]any{"merchantName": "x"}), http.StatusNotFound, "not_found", "")
	// The refused updates changed nothing.
	m := c.do("GET", "/api/v1/merchants/m1", nil).Object(t)
	if m["merchantName"] != "After PUT" || m["merchantStatus"] != "active" {
		t.Fatalf("refused update changed the merchant: %v", m)
	}
}

func TestDeleteMerchant(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	c.do("POST", "/api/v1/merchants", map[string]any{"merchantId": "gone", "merchantName": "Gone"})
	if r := c.do("DELETE", "/api/v1/merchants/gone", nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	wantError(t, c.do("GET", "/api/v1/merchants/gone", nil), http.StatusNotFound, "not_found", "")
	wantError(t, c.do("DELETE", "/api/v1/merchants/gone", nil), http.StatusNotFound, "not_found", "")
}

func TestListMerchantsPages(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	for _, id := range []string{"l3", "l1", "l2"} {
		c.do("POST", "/api/v1/merchants", map[string]any{"merchantId": id, "merchantName": "Name " + id})
	}
	var all []map[string]any
	c.do("GET", "/api/v1/merchants", nil).JSON(t, &all)
	at := -1
	for i, m := range all {
		if i > 0 && m["merchantId"].(string) <= all[i-1]["merchantId"].(string) {
			t.Fatalf("list not ordered by merchantId: %v", all)
		}
		if m["merchantId"] == "l1" {
			at = i
		}
	}
	if at < 0 || at+2 >= len(all) || all[at+1]["merchantId"] != "l2" {
		t.Fatalf("list: %v", all)
	}
	var list []map[string]any
	c.do("GET", fmt.Sprintf("/api/v1/merchants?offset=%d&limit=1", at+1), nil).JSON(t, &list)
	if len(list) != 1 || list[0]["merchantId"] != "l2" {
		t.Fatalf("page: %v", list)
	}
	wantError(t, c.do("GET", "/api/v1/merchants?limit=1001", nil), http.StatusBadRequest, "invalid", "limit")
	wantError(t, c.do("GET", "/api/v1/merchants?offset=-1", nil), http.StatusBadRequest, "invalid", "offset")
	wantError(t, c.do("GET", "/api/v1/merchants?limit=abc", nil), http.StatusBadRequest, "invalid", "limit")
}
