package openapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/shopspring/decimal"

	"loyaltygraph/rest/openapi"
)

type address struct {
	Street string `json:"street"`
}

type inner struct {
	Note string `json:"note,omitempty"`
}

type sample struct {
	inner
	Name     string          `json:"name" doc:"The name." openapi:"minLength=1;maxLength=64"`
	Kind     string          `json:"kind" openapi:"enum=a|b"`
	Count    int             `json:"count"`
	Ratio    float64         `json:"ratio,omitempty"`
	Ok       bool            `json:"ok"`
	Amount   decimal.Decimal `json:"amount"`
	At       time.Time       `json:"at"`
	Maybe    *string         `json:"maybe"`
	Home     *address        `json:"home,omitempty"`
	Tags     []string        `json:"tags" openapi:"nullable"`
	Attrs    map[string]int  `json:"attrs,omitempty"`
	Raw      json.RawMessage `json:"raw,omitempty"`
	Any      any             `json:"any,omitempty"`
	ID       int64           `json:"id,string"`
	Skipped  string          `json:"-"`
	private  string          //nolint:unused
	Self     *sample         `json:"self,omitempty"`
	Untagged string
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func family() openapi.Family {
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	return openapi.Family{
		Key: "sample", Title: "Sample API", Version: "1.0", Description: "A **sample**.",
		Ops: []openapi.Op{{
			Method: "POST", Path: "/api/things/{thingId}", ID: "createThing", Summary: "Create a thing",
			Security: [][]openapi.Scheme{{openapi.PartnerBasic}, {openapi.PartnerJWT, openapi.StoreboxUserToken}},
			Params: []openapi.Param{
				{Name: "thingId", In: "path", Description: "The thing."},
				{Name: "limit", In: "query", Type: 0},
				{Name: "sort", In: "query", Enum: []string{"asc", "desc"}},
			},
			Body: &openapi.Body{Type: sample{}, Required: true},
			Responses: []openapi.Response{
				{Status: 200, Type: sample{}},
				{Status: 400, Type: errorBody{}, Description: "Invalid input"},
				{Status: 429, Type: errorBody{}, Headers: []string{"Retry-After"}},
			},
			Handler: ok,
		}, {
			Method: "GET", Path: "/api/things/{thingId}/page", ID: "thingPage",
			Responses: []openapi.Response{{Status: 200, ContentType: "text/html"}, {Status: 200, ContentType: "application/pdf"}},
			Handler:   ok,
		}},
	}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func dig(m any, path ...string) any {
	for _, p := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}

// validate fails t unless doc is a valid OpenAPI 3.1 document, checked
// against the 3.1 schema by libopenapi-validator.
func validate(t *testing.T, doc []byte) {
	t.Helper()
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("%s: %s", e.Message, e.Reason)
			for _, s := range e.SchemaValidationErrors {
				t.Errorf("\t%s: %s", s.FieldPath, s.Reason)
			}
		}
	}
}

func TestDocumentIsValidOpenAPI31(t *testing.T) {
	b, err := openapi.Document(family())
	if err != nil {
		t.Fatal(err)
	}
	validate(t, b)
	m := decode(t, b)
	if m["openapi"] != "3.1.0" || dig(m, "info", "title") != "Sample API" || dig(m, "info", "version") != "1.0" {
		t.Errorf("info: %v %v", m["openapi"], m["info"])
	}
	other := family()
	other.Key, other.Title = "other", "Other API"
	for i := range other.Ops {
		other.Ops[i].ID += "Other"
		other.Ops[i].Path = "/other" + other.Ops[i].Path
	}
	combined, err := openapi.Document(family(), other)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, combined)
	c := decode(t, combined)
	if dig(c, "info", "title") != openapi.CombinedTitle {
		t.Errorf("combined title: %v", dig(c, "info", "title"))
	}
	if one := decode(t, openapi.MustCombined(family())); dig(one, "info", "title") != openapi.CombinedTitle {
		t.Errorf("combined document of one family: %v", dig(one, "info", "title"))
	}
	groups, _ := c["x-tagGroups"].([]any)
	if len(groups) != 2 || dig(groups[1], "name") != "Other API" {
		t.Errorf("tag groups: %v", groups)
	}
}

func TestReflection(t *testing.T) {
	m := decode(t, openapi.MustDocument(family()))
	s := dig(m, "components", "schemas", "openapi_test.sample").(map[string]any)
	props := s["properties"].(map[string]any)
	req := map[string]bool{}
	for _, r := range s["required"].([]any) {
		req[r.(string)] = true
	}
	// omitempty → not required; everything else required.
	for name, want := range map[string]bool{"name": true, "kind": true, "count": true, "ratio": false, "maybe": true,
		"home": false, "tags": true, "attrs": false, "note": false, "id": true, "Untagged": true} {
		if req[name] != want {
			t.Errorf("%s required = %v, want %v", name, req[name], want)
		}
	}
	for _, gone := range []string{"Skipped", "private", "-"} {
		if props[gone] != nil {
			t.Errorf("%s is a property", gone)
		}
	}
	check := func(name, want string) {
		t.Helper()
		got, _ := json.Marshal(props[name])
		if string(got) != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	check("name", `{"description":"The name.","maxLength":64,"minLength":1,"type":"string"}`)
	check("kind", `{"enum":["a","b"],"type":"string"}`)
	check("count", `{"format":"int64","type":"integer"}`)
	check("ok", `{"type":"boolean"}`)
	check("amount", `{"examples":["12.50"],"pattern":"^-?[0-9]+(\\.[0-9]+)?$","type":"string"}`)
	check("at", `{"format":"date-time","type":"string"}`)
	check("maybe", `{"type":["string","null"]}`)
	check("home", `{"anyOf":[{"$ref":"#/components/schemas/openapi_test.address"},{"type":"null"}]}`)
	check("tags", `{"items":{"type":"string"},"type":["array","null"]}`)
	check("attrs", `{"additionalProperties":{"format":"int64","type":"integer"},"type":"object"}`)
	check("raw", `{}`)
	check("any", `{}`)
	check("id", `{"type":"string"}`)
	check("note", `{"type":"string"}`)
	check("self", `{"anyOf":[{"$ref":"#/components/schemas/openapi_test.sample"},{"type":"null"}]}`)

	op := dig(m, "paths", "/api/things/{thingId}", "post").(map[string]any)
	sec, _ := json.Marshal(op["security"])
	if string(sec) != `[{"partnerBasic":[]},{"partnerJWT":[],"storeboxUserToken":[]}]` {
		t.Errorf("security: %s", sec)
	}
	if dig(m, "components", "securitySchemes", "storeboxUserToken", "name") != "X-Storebox-user-token" {
		t.Errorf("security schemes: %v", dig(m, "components", "securitySchemes"))
	}
	if dig(op, "responses", "429", "headers", "Retry-After", "required") != true {
		t.Errorf("429 headers: %v", dig(op, "responses", "429"))
	}
	if dig(op, "responses", "400", "description") != "Invalid input" {
		t.Errorf("400: %v", dig(op, "responses", "400"))
	}
	page := dig(m, "paths", "/api/things/{thingId}/page", "get", "responses", "200", "content").(map[string]any)
	if page["text/html"] == nil || page["application/pdf"] == nil {
		t.Errorf("page content: %v", page)
	}
	if got := dig(m, "paths", "/api/things/{thingId}/page", "get", "parameters"); got == nil {
		t.Errorf("the undeclared path parameter is not documented")
	}
}

func TestDocumentRefusesInvalidTables(t *testing.T) {
	for name, mutate := range map[string]func(f *openapi.Family){
		"duplicate operationId": func(f *openapi.Family) { f.Ops[1].ID = f.Ops[0].ID },
		"duplicate route":       func(f *openapi.Family) { f.Ops[1].Path, f.Ops[1].Method = f.Ops[0].Path, f.Ops[0].Method },
		"no responses":          func(f *openapi.Family) { f.Ops[0].Responses = nil },
		"unknown path param":    func(f *openapi.Family) { f.Ops[0].Params[0].Name = "nope" },
		"unknown method":        func(f *openapi.Family) { f.Ops[0].Method = "FETCH" },
		"no operationId":        func(f *openapi.Family) { f.Ops[0].ID = "" },
		"no key":                func(f *openapi.Family) { f.Key = "" },
		"duplicate content":     func(f *openapi.Family) { f.Ops[1].Responses[1].ContentType = "text/html" },
	} {
		f := family()
		mutate(&f)
		if _, err := openapi.Document(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestTemplatePath(t *testing.T) {
	for in, want := range map[string]string{
		"/api/{a}/b/{rest...}": "/api/{a}/b/{rest}",
		"/{$}":                 "/",
		"/x/{id}":              "/x/{id}",
	} {
		if got := openapi.TemplatePath(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestRegisterServesTheTable(t *testing.T) {
	mux := http.NewServeMux()
	var wrapped []string
	openapi.Register(mux, family().Ops, func(h http.Handler) http.Handler {
		wrapped = append(wrapped, "x")
		return h
	})
	if len(wrapped) != 2 {
		t.Errorf("wrap called %d times", len(wrapped))
	}
	r, _ := http.NewRequest("POST", "/api/things/1", strings.NewReader("{}"))
	if _, pattern := mux.Handler(r); pattern != "POST /api/things/{thingId}" {
		t.Errorf("pattern %q", pattern)
	}
}
