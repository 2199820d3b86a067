package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/checkout"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/graph"
	"loyaltygraph/resolvers"
	"loyaltygraph/rest/storebox"
	"loyaltygraph/server/gqlhttp"
)

// GraphQL limits.
const (
	queryCacheSize = 1000
	// complexityLimit bounds a document's cost: about one per value of
	// the answer, with every list's items counted first times (so
	// 100 merchants with 12 stores of 5 fields each, about 6,400, fit;
	// 100 settlement batches of 100 settlements each, or 100 merchants
	// with 100 stores each, do not).
	complexityLimit  = 10000
	parserTokenLimit = 15000
	graphqlBodyLimit = 1 << 20
	// graphqlUploadLimit caps a multipart request (GraphQL multipart
	// request spec): its operations, map and files together.
	graphqlUploadLimit = 3 << 20
	// graphqlFileLimit caps one uploaded file and graphqlMaxFiles their
	// number; the operations check their own smaller limits (1 MiB images).
	graphqlFileLimit = 2 << 20
	graphqlMaxFiles  = 2
	// graphqlTimeout bounds one GraphQL request, below the server's write
	// timeout so that the caller still reads why it was cut short.
	graphqlTimeout = 30 * time.Second
	// rootFieldCost is the complexity every top-level query or mutation
	// field adds to its own: each runs at least one SQL statement, however
	// small its selection, so a thousand aliases of a cheap list no longer
	// fit the complexity limit.
	rootFieldCost = 20
	// maxErrors caps the errors of one response; the rest are summed up in
	// one last error.
	maxErrors = 20
)

// documentLimits are checked on the document as written, before gqlgen
// validates it or computes its complexity (both of which expand fragments);
// validated is the query cache, whose documents passed them already.
func documentLimits(validated graphql.Cache[*ast.QueryDocument]) gqlhttp.Limits {
	return gqlhttp.Limits{
		Selections:      2000,
		FragmentSpreads: 250,
		Aliases:         100,
		Directives:      100,
		RootFields:      30,
		MutationFields:  10,
		// GraphiQL's introspection query nests 13 deep; the deepest
		// screens of the graph (a user's receipts' merchants' logos
		// through a connection) about 8.
		Depth:           15,
		OncePerDocument: sensitiveFields,
		TokenLimit:      parserTokenLimit,
		Validated:       validated,
	}
}

// sensitiveFields are the mutations a document may select once: each
// checks a one-time password, a link code or a password, or sends a code,
// so many of them in one request would be many guesses in one. Names of
// fields that do not exist yet (checkout logins) are harmless here.
var sensitiveFields = []string{
	"validateOtp", "verifyUserToken", "requestUserToken", "validateStoreboxUserLink", "verifyLinkCode",
	"loyaltyLogin", "refreshLoyaltyToken", "checkoutLogin", "linkCheckoutAccount",
}

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
func newGraphQL(res *resolvers.Resolver, apq graphql.Cache[string], dev bool, log *slog.Logger, live gqlhttp.Live, streams *gqlhttp.Streams, observe ...graphql.HandlerExtension) http.Handler {
	srv := handler.New(executableSchema(res))
	// Metrics and traces first: outermost, they see every operation,
	// those answered by a plan too.
	for _, ext := range observe {
		srv.Use(ext)
	}
	srv.AddTransport(transport.Options{})
	// Subscriptions: WebSocket (graphql-transport-ws) and Server-Sent
	// Events, the latter before the plain POST transport that would
	// otherwise take its requests.
	srv.AddTransport(live.Websocket())
	srv.AddTransport(live.SSE())
	// GET and POST with GraphQL-over-HTTP status codes and media types.
	srv.AddTransport(gqlhttp.Transport{MaxBodyBytes: graphqlBodyLimit,
		Uploads: gqlhttp.Uploads{MaxBodyBytes: graphqlUploadLimit, MaxFileBytes: graphqlFileLimit, MaxFiles: graphqlMaxFiles}})
	cache := lru.New[*ast.QueryDocument](queryCacheSize)
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(parserTokenLimit)
	srv.SetDisableSuggestion(!dev)
	if apq != nil {
		srv.Use(extension.AutomaticPersistedQuery{Cache: registeredByCallers{apq}})
	}
	// After the persisted query is known and before anything walks it
	// with its fragments expanded.
	srv.Use(documentLimits(cache))
	srv.Use(introspectionGate{dev: dev})
	srv.Use(gqlhttp.TextInputs{})
	srv.Use(extension.FixedComplexityLimit(complexityLimit))
	// Hot queries of a known shape run as a whole (resolvers.PlannedOperations),
	// after every limit and check above; the rest, and their errors, run
	// field by field.
	srv.AroundOperations(res.PlannedOperations)
	// Subscriptions on a WebSocket: credentials again, and the
	// connection's limit.
	srv.AroundOperations(live.Subscriptions)
	// Each operation gets its own dataloaders, so relationship fields
	// batch within it and cache nothing beyond it.
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(res.WithLoaders(ctx))
	})
	srv.AroundFields(markResolverErrors)
	srv.AroundResponses(capErrors)
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "graphql panic", "panic", v, "request_id", RequestID(ctx))
		return errs.E(errs.Internal, "internal error")
	})
	guarded := guardGraphQL(refuseBadCredentials(srv), graphqlTimeout)
	// Streams are not cut short by the request timeout (nor buffered by
	// it); keep-alives watch them, and shutdown ends them.
	streamed := withStreamAddr(streams.Handle(refuseBadCredentials(srv)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gqlhttp.IsStream(r) {
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			streamed.ServeHTTP(w, r)
			return
		}
		guarded.ServeHTTP(w, r)
	})
}

// executableSchema is the schema with the cost of each field for the
// complexity limit.
func executableSchema(res *resolvers.Resolver) graphql.ExecutableSchema {
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
	cfg.Complexity.Merchant.Invoices = func(child int, first *int, _ *string) int {
		return perMerchantReadCost + listCost(child, first, defaultFirst)
	}
	cfg.Complexity.Merchant.SettlementSourceStates = func(child int, first *int, _ *string) int {
		return perMerchantReadCost + listCost(child, first, defaultFirst)
	}
	// A user's merchants are read once per user (receipts' marketing
	// messages go through a dataloader).
	cfg.Complexity.User.Merchants = func(child int, first *int, _ *string) int {
		return perMerchantReadCost + listCost(child, first, defaultFirst)
	}
	// A checkout account's orders: a Relay page costs first × item like
	// every connection; the seed's page (size up to 1000) is one statement
	// whose orders read nothing more, so it costs a row each (pageCost).
	cfg.Complexity.CheckoutAccount.Orders = func(child int, first *int, _ *string, from *int, size *int) int {
		if size != nil || from != nil {
			return pageCost(child, size, checkout.MaxOrdersPage)
		}
		return listCost(child, first, defaultFirst)
	}
	// Every other connection costs listCost (see rootCost.Complexity).
	return rootCost{graph.NewExecutableSchema(cfg)}
}

// guardGraphQL sets the headers of every /graphql answer and bounds the
// time next may take: past timeout its context is cancelled and the caller
// gets a 503 with a GraphQL error body.
func guardGraphQL(next http.Handler, timeout time.Duration) http.Handler {
	body := `{"errors":[{"message":"the request timed out","extensions":{"code":"UNAVAILABLE"}}]}`
	timed := http.TimeoutHandler(next, timeout, body)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// Answers depend on the caller's credentials: no cache may keep
		// them, and no browser may read them as anything but JSON.
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		// The timeout answer's type; an answer in time sets its own.
		h.Set("Content-Type", "application/json; charset=utf-8")
		timed.ServeHTTP(w, r)
	})
}

// rootCost adds rootFieldCost to the complexity of every top-level query
// and mutation field, and costs every connection without a cost of its own
// as listCost: its page size times the cost of one item.
type rootCost struct{ graphql.ExecutableSchema }

// Complexity is the schema's complexity, listCost for connections that
// set none, plus rootFieldCost for root fields.
func (s rootCost) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	c, ok := s.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
	if first, isList := args["first"]; !ok && isList {
		c, ok = listCost(child, intArg(first), defaultFirst), true
	}
	if (typeName != "Query" && typeName != "Mutation") || strings.HasPrefix(field, "__") {
		return c, ok
	}
	if !ok || c < 1 {
		c = child + 1
	}
	return c + rootFieldCost, true
}

// registeredByCallers is the persisted-query cache as anonymous callers
// see it: they may run a persisted query, or send a new one with its hash
// (which runs), but only an authenticated caller's query is stored.
type registeredByCallers struct{ graphql.Cache[string] }

// Add stores query under key when the caller is authenticated.
func (c registeredByCallers) Add(ctx context.Context, key, query string) {
	// SECURITY: persisted queries are shared by every caller and stored in
	// Redis; an anonymous caller must not fill that store.
	if auth.FromContext(ctx) == nil {
		return
	}
	c.Cache.Add(ctx, key, query)
}

// resolverFault marks an error a resolver returned that is not a domain
// error: a fault of the server, not of the request.
type resolverFault struct{ err error }

func (f *resolverFault) Error() string { return f.err.Error() }
func (f *resolverFault) Unwrap() error { return f.err }

// markResolverErrors tells the error presenter which errors come from
// resolvers: gqlgen wraps them in a *gqlerror.Error like its own request
// errors, which are the caller's.
func markResolverErrors(ctx context.Context, next graphql.Resolver) (any, error) {
	v, err := next(ctx)
	if err != nil {
		var domainErr *errs.Error
		if !errors.As(err, &domainErr) {
			err = &resolverFault{err}
		}
	}
	return v, err
}

// capErrors keeps the first maxErrors errors of a response and replaces the
// rest with one error that counts them.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) <= maxErrors {
		return resp
	}
	more := len(resp.Errors) - maxErrors
	resp.Errors = append(resp.Errors[:maxErrors:maxErrors], &gqlerror.Error{
		Message:    fmt.Sprintf("too many errors: %d more not shown", more),
		Extensions: map[string]any{"code": "TOO_MANY_ERRORS"},
	})
	return resp
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

// defaultFirst is the page size of a connection whose first is absent.
const defaultFirst = 20

// intArg is an Int argument as the generated argument parsers give it.
func intArg(v any) *int {
	// The generated parsers give *int; gqlgen's complexity walk gives the
	// document's own values (int64 literals, variables as decoded).
	var n int
	switch v := v.(type) {
	case *int:
		return v
	case int:
		n = v
	case int64:
		n = int(v)
	case float64:
		n = int(v)
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return nil
		}
		n = int(i)
	default:
		return nil
	}
	return &n
}

// listCost is the cost of a page whose items each cost child: the page
// size times child, so that lists of lists cost the product of their
// pages.
func listCost(child int, first *int, def int) int {
	n := def
	if first != nil && *first > 0 {
		n = *first
	}
	return 1 + child*n
}

// presentError sets extensions.code on every error. Domain errors keep
// their message and field, however deeply gqlgen wrapped them; gqlgen's own
// errors (parsing, validation, limits, input coercion) are the caller's
// fault; anything else — above all an error a resolver returned that is not
// a domain error, such as a PostgreSQL one — is internal: the caller reads a
// fixed message and the detail goes to the log with the request id.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		path := graphql.GetPath(ctx)
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && len(gqlErr.Path) > 0 {
			path = gqlErr.Path
		}
		var domainErr *errs.Error
		if errors.As(err, &domainErr) {
			out := gqlerror.WrapPath(path, domainErr)
			out.Message = domainErr.Message
			out.Extensions = map[string]any{"code": gqlCodes[domainErr.Code]}
			if domainErr.Field != "" {
				out.Extensions["field"] = resolvers.FieldName(domainErr.Field)
			}
			if s := domainErr.RetryAfterSeconds(); s > 0 {
				out.Extensions["retryAfterSeconds"] = s
			}
			return out
		}
		var fault *resolverFault
		if gqlErr != nil && !errors.As(err, &fault) {
			if gqlErr.Extensions == nil {
				gqlErr.Extensions = map[string]any{}
			}
			if _, ok := gqlErr.Extensions["code"]; !ok {
				gqlErr.Extensions["code"] = "BAD_USER_INPUT"
			}
			return gqlErr
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			level := slog.LevelWarn
			if errors.Is(err, context.Canceled) {
				level = slog.LevelDebug // the client left; nobody reads the answer
			}
			log.Log(ctx, level, "graphql resolver cut short", "err", err, "request_id", RequestID(ctx))
			out := gqlerror.WrapPath(path, errors.New("the request timed out or was cancelled"))
			out.Extensions = map[string]any{"code": "UNAVAILABLE"}
			return out
		}
		log.ErrorContext(ctx, "graphql resolver failed", "err", err, "request_id", RequestID(ctx))
		out := gqlerror.WrapPath(path, errors.New("internal error"))
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
// refused with the status the REST doors give the same refusal (401, 403
// for an invalid user token, 429, 503 when they could not be checked) and
// a GraphQL error body, instead of running it anonymously.
func refuseBadCredentials(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := auth.RefusalFrom(r.Context())
		if err == nil {
			next.ServeHTTP(w, r)
			return
		}
		e := errs.As(err)
		status := storebox.Status(e.Code)
		if s := e.RetryAfterSeconds(); s > 0 { // 429 and 503
			w.Header().Set("Retry-After", strconv.Itoa(s))
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"errors": []map[string]any{{"message": e.Message, "extensions": map[string]any{"code": gqlCodes[e.Code]}}},
		})
	})
}
