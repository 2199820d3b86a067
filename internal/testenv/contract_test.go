package testenv_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"loyaltygraph/internal/testenv"
	"loyaltygraph/rest/openapi"
)

// recorder is a testing.TB that keeps what the contract reports.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

type thing struct {
	ID   string `json:"id"`
	Size int    `json:"size"`
}

type problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// answers is the handler under contract: its answer is chosen per test.
var answers = map[string]struct {
	status int
	ctype  string
	body   string
	header [2]string
}{
	"good":          {200, "application/json; charset=utf-8", `{"id":"t1","size":3}`, [2]string{}},
	"good error":    {404, "application/json", `{"code":"not_found","message":"no such thing"}`, [2]string{}},
	"wrong type":    {200, "application/json", `{"id":"t1","size":"3"}`, [2]string{}},
	"missing field": {200, "application/json", `{"id":"t1"}`, [2]string{}},
	"extra field":   {200, "application/json", `{"id":"t1","size":3,"secret":"x"}`, [2]string{}},
	"undocumented":  {500, "application/json", `{"code":"internal","message":"boom"}`, [2]string{}},
	"wrong ctype":   {200, "text/plain", `hello`, [2]string{}},
	"no retry":      {429, "application/json", `{"code":"busy","message":"later"}`, [2]string{}},
	"retry":         {429, "application/json", `{"code":"busy","message":"later"}`, [2]string{"Retry-After", "3"}},
}

func contractFamily() openapi.Family {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answers[r.Header.Get("X-Case")]
		if a.header[0] != "" {
			w.Header().Set(a.header[0], a.header[1])
		}
		w.Header().Set("Content-Type", a.ctype)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	})
	return openapi.Family{Key: "things", Title: "Things", Ops: []openapi.Op{{
		Method: "GET", Path: "/things/{id}", ID: "getThing", Handler: h,
		Responses: []openapi.Response{
			{Status: 200, Type: thing{}},
			{Status: 404, Type: problem{}},
			{Status: 429, Type: problem{}, Headers: []string{"Retry-After"}},
		},
	}}}
}

// TestContractCatchesMismatches proves that the middleware every app of
// the test suite runs behind reports a response the document does not
// describe (a wrong type, a missing or an undeclared property, an
// undocumented status, content type or missing header), and passes the
// rest, including routes the document does not have.
func TestContractCatchesMismatches(t *testing.T) {
	fam := contractFamily()
	c, err := testenv.NewContract(fam)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	openapi.Register(mux, fam.Ops, nil)
	mux.HandleFunc("GET /graphql", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	for name, wantOK := range map[string]bool{
		"good": true, "good error": true, "retry": true,
		"wrong type": false, "missing field": false, "extra field": false, "undocumented": false,
		"wrong ctype": false, "no retry": false,
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{TB: t}
			h := c.Wrap(rec, mux)
			resp := testenv.Do(t, h, "GET", "/things/t1", nil, "X-Case", name)
			if resp.Status != answers[name].status || string(resp.Body) != answers[name].body {
				t.Errorf("the response was changed: %d %s", resp.Status, resp.Body)
			}
			if wantOK && len(rec.errors) > 0 {
				t.Errorf("reported: %v", rec.errors)
			}
			if !wantOK {
				if len(rec.errors) != 1 {
					t.Fatalf("reported %d times: %v", len(rec.errors), rec.errors)
				}
				if msg := rec.errors[0]; !strings.Contains(msg, "getThing") || !strings.Contains(msg, fmt.Sprint(answers[name].status)) {
					t.Errorf("the report names neither the operation nor the status: %s", msg)
				}
			}
		})
	}
	t.Run("undocumented route", func(t *testing.T) {
		rec := &recorder{TB: t}
		resp := testenv.Do(t, c.Wrap(rec, mux), "GET", "/graphql", nil)
		if resp.Status != http.StatusTeapot || len(rec.errors) > 0 {
			t.Errorf("%d %v", resp.Status, rec.errors)
		}
	})
}
