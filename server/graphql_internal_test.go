package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// cost is the complexity of query under the server's cost model.
func cost(t *testing.T, query string) int {
	t.Helper()
	es := executableSchema(nil)
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		t.Fatal(err)
	}
	if errs := validator.Validate(es.Schema(), doc); len(errs) > 0 {
		t.Fatal(errs)
	}
	return complexity.Calculate(context.Background(), es, doc.Operations[0], nil)
}

func TestRootListsCostTheirQuery(t *testing.T) {
	one := cost(t, `{ merchants(first: 1) { totalCount } }`)
	if one < rootFieldCost {
		t.Fatalf("merchants(first: 1) { totalCount } costs %d; want at least %d", one, rootFieldCost)
	}
	// 1,000 aliases of it (2,000 SQL round trips) no longer fit the
	// complexity limit, even without the alias cap.
	var b strings.Builder
	b.WriteString("{")
	for i := range 1000 {
		fmt.Fprintf(&b, " m%d: merchants(first: 1) { totalCount }", i)
	}
	b.WriteString(" }")
	if c := cost(t, b.String()); c <= complexityLimit {
		t.Fatalf("1,000 aliases cost %d, within the limit %d", c, complexityLimit)
	}
	// Mutations and single lookups pay it too.
	if c := cost(t, `mutation { deleteMerchant(merchantId: "x") { deletedMerchantId } }`); c < rootFieldCost {
		t.Fatalf("mutation costs %d", c)
	}
	// The page size still multiplies the children of a list.
	if small, big := cost(t, `{ merchants(first: 1) { nodes { merchantId } } }`), cost(t, `{ merchants(first: 100) { nodes { merchantId } } }`); big < small+99 {
		t.Fatalf("first: 100 costs %d, first: 1 %d", big, small)
	}
}

func TestGraphQLTimeout(t *testing.T) {
	deadlines := make(chan time.Time, 1)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := r.Context().Deadline()
		deadlines <- d
		<-r.Context().Done() // a resolver waiting on a cancelled query
	})
	rec := httptest.NewRecorder()
	start := time.Now()
	guardGraphQL(slow, 50*time.Millisecond).ServeHTTP(rec, httptest.NewRequest("POST", "/graphql", nil))
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("answered after %v", took)
	}
	if deadline := <-deadlines; deadline.IsZero() {
		t.Fatal("the handler's context has no deadline")
	}
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"code":"UNAVAILABLE"`) ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if graphqlTimeout <= 0 || graphqlTimeout >= 60*time.Second {
		t.Fatalf("graphqlTimeout %v must be set and below the server's write timeout", graphqlTimeout)
	}
}
