package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/graph"
	"loyaltygraph/resolvers"
	"loyaltygraph/server/gqlhttp"
)

// GraphQL limits.
const (
	queryCacheSize   = 1000
	complexityLimit  = 2000
	parserTokenLimit = 15000
	graphqlBodyLimit = 1 << 20
)

// gqlCodes maps domain error codes to GraphQL extensions.code.
var gqlCodes = map[errs.Code]string{
	errs.Invalid:         "BAD_USER_INPUT",
	errs.Unauthenticated: "UNAUTHENTICATED",
	errs.Forbidden:       "FORBIDDEN",
	errs.NotFound:        "NOT_FOUND",
	errs.Conflict:        "CONFLICT",
	errs.Unavailable:     "UNAVAILABLE",
	errs.Internal:        "INTERNAL_SERVER_ERROR",
	errs.RateLimited:     "RATE_LIMITED",
	errs.Gone:            "GONE",
}

// newGraphQL builds the GraphQL server: explicit transports, query cache,
// persisted queries, limits, gated introspection, and error presentation.
func newGraphQL(res *resolvers.Resolver, apq graphql.Cache[string], dev bool, log *slog.Logger) http.Handler {
	cfg := graph.Config{Resolvers: res}
	// A list costs its page size times its children, so a deep query over
	// long pages is refused before it runs.
	cfg.Complexity.Query.Merchants = func(child int, first *int, _ *string) int { return listCost(child, first, 20) }
	// Settlement pages: see pageCost and listCost.
	cfg.Complexity.Query.Settlements = func(child int, _ *settlement.SettlementFilter, first *int, _ *string) int {
		return pageCost(child, first, 20)
	}
	cfg.Complexity.SettlementBatch.Settlements = func(child int, _ []string, first *int, _ *string) int {
		return pageCost(child, first, 20)
	}
	cfg.Complexity.Query.Transactions = func(child int, _ string, first *int, _ *string) int { return pageCost(child, first, 20) }
	cfg.Complexity.TransactionBatch.Transactions = func(child int, first *int, _ *string) int { return pageCost(child, first, 20) }
	cfg.Complexity.Query.Campaigns = func(child int, first *int, _ *string) int { return pageCost(child, first, 20) }
	cfg.Complexity.Query.BlockedProducts = func(child int, first *int, _ *string) int { return pageCost(child, first, 20) }
	cfg.Complexity.Query.SettlementBatches = func(child int, first *int, _ *string) int { return listCost(child, first, 20) }
	cfg.Complexity.Query.TransactionBatches = func(child int, first *int, _ *string) int { return listCost(child, first, 20) }
	// A merchant's invoices and source states are read one merchant at a
	// time (no batch reader), so each costs like a small page of its own.
	cfg.Complexity.Merchant.Invoices = func(child int) int { return perMerchantReadCost + child }
	cfg.Complexity.Merchant.SettlementSourceStates = func(child int) int { return perMerchantReadCost + child }

	srv := handler.New(graph.NewExecutableSchema(cfg))
	srv.AddTransport(transport.Options{})
	// GET and POST with GraphQL-over-HTTP status codes and media types.
	srv.AddTransport(gqlhttp.Transport{MaxBodyBytes: graphqlBodyLimit})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	srv.SetParserTokenLimit(parserTokenLimit)
	srv.SetDisableSuggestion(!dev)
	srv.Use(introspectionGate{dev: dev})
	if apq != nil {
		srv.Use(extension.AutomaticPersistedQuery{Cache: apq})
	}
	srv.Use(extension.FixedComplexityLimit(complexityLimit))
	// Each operation gets its own dataloaders, so relationship fields
	// batch within it and cache nothing beyond it.
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(res.WithLoaders(ctx))
	})
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "graphql panic", "panic", v, "request_id", RequestID(ctx))
		return errs.E(errs.Internal, "internal error")
	})
	return refuseBadCredentials(srv)
}

// perMerchantReadCost is the complexity of a field that reads once per
// merchant it is selected on.
const perMerchantReadCost = 20

// pageCost is the cost of a page of rows that one statement reads and
// whose fields read nothing more per row (relationships go through
// dataloaders): one per row, plus the selection once. A list whose items
// read again per item costs listCost instead.
func pageCost(child int, first *int, def int) int {
	n := def
	if first != nil && *first > 0 {
		n = *first
	}
	return 1 + n + child
}

func listCost(child int, first *int, def int) int {
	n := def
	if first != nil && *first > 0 {
		n = *first
	}
	return 1 + child*n
}

// presentError sets extensions.code on every error. Domain errors keep
// their message and field; gqlgen's own errors (parsing, validation, input
// coercion) are the caller's fault; anything else is internal and its detail
// goes to the log only.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var domainErr *errs.Error
		if errors.As(err, &domainErr) {
			gqlErr := gqlerror.WrapPath(graphql.GetPath(ctx), domainErr)
			var wrapped *gqlerror.Error
			if errors.As(err, &wrapped) && len(wrapped.Path) > 0 {
				gqlErr.Path = wrapped.Path
			}
			gqlErr.Message = domainErr.Message
			gqlErr.Extensions = map[string]any{"code": gqlCodes[domainErr.Code]}
			if domainErr.Field != "" {
				gqlErr.Extensions["field"] = resolvers.FieldName(domainErr.Field)
			}
			if domainErr.RetryAfter > 0 {
				gqlErr.Extensions["retryAfterSeconds"] = int((domainErr.RetryAfter + time.Second - 1) / time.Second)
			}
			return gqlErr
		}
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) {
			if gqlErr.Extensions == nil {
				gqlErr.Extensions = map[string]any{}
			}
			if _, ok := gqlErr.Extensions["code"]; !ok {
				gqlErr.Extensions["code"] = "BAD_USER_INPUT"
			}
			return gqlErr
		}
		log.ErrorContext(ctx, "graphql resolver failed", "err", err, "request_id", RequestID(ctx))
		out := gqlerror.WrapPath(graphql.GetPath(ctx), errors.New("internal error"))
		out.Extensions = map[string]any{"code": "INTERNAL_SERVER_ERROR"}
		return out
	}
}

// introspectionGate allows introspection to admins only, and to everyone in
// development.
type introspectionGate struct{ dev bool }

func (introspectionGate) ExtensionName() string                   { return "IntrospectionGate" }
func (introspectionGate) Validate(graphql.ExecutableSchema) error { return nil }
func (g introspectionGate) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	oc.DisableIntrospection = !(g.dev || auth.FromContext(ctx).IsAdmin())
	return nil
}

// refuseBadCredentials answers a GraphQL request whose credentials were
// refused with 401 (or 503 when they could not be checked) and a GraphQL
// error body, instead of running it anonymously.
func refuseBadCredentials(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := auth.RefusalFrom(r.Context())
		if err == nil {
			next.ServeHTTP(w, r)
			return
		}
		e := errs.As(err)
		status := http.StatusUnauthorized
		switch e.Code {
		case errs.Unauthenticated:
		case errs.RateLimited: // too many failed logins
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
		case errs.Internal:
			status = http.StatusInternalServerError
		default:
			status = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"errors": []map[string]any{{"message": e.Message, "extensions": map[string]any{"code": gqlCodes[e.Code]}}},
		})
	})
}
