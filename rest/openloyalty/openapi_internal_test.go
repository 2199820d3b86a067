package openloyalty

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"loyaltygraph/domain/loyalty"
)

// TestNamedBodiesKeepTheWireBytes: the named types the table documents
// encode exactly as the maps the handlers wrote before them (a map's keys
// sorted; the form's empty children as {}).
func TestNamedBodiesKeepTheWireBytes(t *testing.T) {
	enc := func(v any) string {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// The body of the seed, as the map-based formBody wrote it.
	children := func(phone, city string) string {
		return `{"address":{"children":{"address1":{},"address2":{},"city":{` + city + `},"country":{},"postal":{},"province":{},"street":{}}},` +
			`"birthDate":{},"company":{"children":{"name":{},"nip":{}}},"email":{},"firstName":{},"gender":{},"labels":{},` +
			`"lastName":{},"loyaltyCardNumber":{},"phone":{` + phone + `},"posId":{},"sellerId":{}}`
	}
	for _, c := range []struct {
		got, want string
	}{
		{enc(formBody("phone", "This value is not a valid phone number.")),
			`{"errors":[],"form":{"children":` + children(`"errors":["This value is not a valid phone number."]`, "") + `}}`},
		{enc(formBody("address.city", "too long")),
			`{"errors":[],"form":{"children":` + children("", `"errors":["too long"]`) + `}}`},
		{enc(formBody("", "At least one search field is required.")),
			`{"errors":["At least one search field is required."],"form":{"children":` + children("", "") + `}}`},
		{enc(formBody("agreement1.x", "m")), `"agreement1":{"children":{"x":{"errors":["m"]}}}`},
		{enc(formBody("address", "m")), `"address":{"errors":["m"]}`},
		{enc(updatedBody{CustomerID: "a"}), `{"customerId":"a"}`},
		{enc(checkBody{Total: 2}), `{"total":2}`},
		{enc(searchBody{Customers: []customerBody{}}), `{"customers":[]}`},
		{enc(emptyBody{}), `[]`},
		{enc(registrationsBody{"2018-02-02": 5}), `{"2018-02-02":5}`},
		{enc(pushyTokensBody{Tokens: []string{"t"}}), `{"tokens":["t"]}`},
		{enc(pushyTokensBody{}), `{"tokens":null}`},
		{enc(importBody{Items: []importItemBody{{Status: "success", ProcessImportResult: &importResult{Object: "c"}, Identifier: "i"},
			{Status: "error", Message: "bad", Identifier: "j"}}, TotalProcessed: 2, TotalSuccess: 1, TotalFailed: 1}),
			`{"items":[{"status":"success","processImportResult":{"object":"c"},"identifier":"i"},` +
				`{"status":"error","message":"bad","identifier":"j"}],"totalFailed":1,"totalProcessed":2,"totalSuccess":1}`},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("encoded\n%s\nwant (in it)\n%s", c.got, c.want)
		}
	}
}

// TestEveryDocumentedFormMemberIsRead: each member of the customer form
// the table documents is one customerFields reads, so the document cannot
// name a member the handlers ignore.
func TestEveryDocumentedFormMemberIsRead(t *testing.T) {
	for _, f := range customerForm {
		v := values{}
		if err := put(v, bracketPath(f.name), "1"); err != nil {
			t.Fatal(err)
		}
		got, err := customerFields(v)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if reflect.DeepEqual(got, loyalty.Fields{}) {
			t.Errorf("%s is documented but not read", f.name)
		}
	}
}

// TestTableRoutesEveryOperation: Register serves each operation of the
// table on its path (a nil operations value is never reached: every
// request is refused by the gate or names no customer), and the document's
// operations are exactly the registered ones.
func TestTableRoutesEveryOperation(t *testing.T) {
	ops := operations(nil)
	if len(ops) != len(OpenAPI().Ops) {
		t.Fatalf("the document has %d operations, the table %d", len(OpenAPI().Ops), len(ops))
	}
	mux := http.NewServeMux()
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	Register(mux, nil, nil, fallback)
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op.ID] {
			t.Errorf("operationId %s twice", op.ID)
		}
		seen[op.ID] = true
		if op.Handler == nil || len(op.Responses) == 0 || op.Summary == "" {
			t.Errorf("%s: handler, responses and summary are required", op.ID)
		}
		p := strings.NewReplacer("{storeCode}", "DEFAULT", "{customer}", "00000000-0000-4000-8000-000000000001",
			"{token}", "x").Replace(op.Path)
		req, _ := http.NewRequest(op.Method, p, nil)
		h, pattern := mux.Handler(req)
		if pattern == "" || h == nil {
			t.Errorf("%s %s is not routed", op.Method, p)
		}
		// The route reached is the op's, not a catch-all: no
		// credentials (and no operations) give a refusal, not "No
		// route found".
		if op.Security != nil {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s %s without a token: %d %s, want 401", op.Method, p, rec.Code, rec.Body.String())
			}
		}
	}
	// A code action that does not exist, and a path of no route, are
	// the family's 404; another family's path goes to the fallback.
	for p, want := range map[string]int{"/api/DEFAULT/customer/nope/x": 404, "/api/DEFAULT/nope": 404, "/api/v1/nope": http.StatusTeapot} {
		req, _ := http.NewRequest(http.MethodPost, p, nil)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != want || (want == 404 && !strings.Contains(rec.Body.String(), "No route found for POST "+p)) {
			t.Errorf("POST %s: %d %s, want %d", p, rec.Code, rec.Body.String(), want)
		}
	}
}
