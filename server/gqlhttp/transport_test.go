package gqlhttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// doneExecutor answers like gqlgen once the request's context is done: no
// response at all.
type doneExecutor struct{}

func (doneExecutor) CreateOperationContext(context.Context, *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: ast.Query}}, nil
}

func (doneExecutor) DispatchOperation(ctx context.Context, _ *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	return func(context.Context) *graphql.Response { return nil }, ctx
}

func (doneExecutor) DispatchError(context.Context, gqlerror.List) *graphql.Response { return nil }

func TestTransportAnswersWhenTheRequestIsCutShort(t *testing.T) {
	r := httptest.NewRequest("POST", "/graphql", strings.NewReader(`{"query": "{ __typename }"}`))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	Transport{}.Do(w, r, doneExecutor{})
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"code":"UNAVAILABLE"`) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}
