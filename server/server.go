// Package server assembles the HTTP surface of loyaltygraph: middleware,
// health checks, GraphQL and GraphiQL, and every REST family.
package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"loyaltygraph/app"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/internal/telemetry"
	"loyaltygraph/resolvers"
	"loyaltygraph/rest/checkout"
	"loyaltygraph/rest/openloyalty"
	"loyaltygraph/rest/receiptdata"
	"loyaltygraph/rest/settlement"
	"loyaltygraph/rest/userapi"
	"loyaltygraph/secret"
	"loyaltygraph/server/gqlhttp"
	"loyaltygraph/web/graphiql"
)

// Pinger is a dependency whose health /readyz reports.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are what the HTTP surface needs.
type Deps struct {
	Log *slog.Logger
	// Ops are the application layer's operations, behind both doors.
	Ops  app.Ops
	Auth *auth.Service
	// UserTokens checks end users' access tokens.
	UserTokens *secret.UserTokens
	// LoyaltyTokens checks Open Loyalty's RS256 tokens (seed 003).
	LoyaltyTokens *secret.LoyaltyTokens
	// APQ is the shared cache of automatic persisted queries.
	APQ graphql.Cache[string]
	// Postgres and Redis are checked by /readyz.
	Postgres Pinger
	Redis    Pinger
	// Dev enables introspection and field suggestions for everyone.
	Dev bool
	// Now is the clock.
	Now func() time.Time
	// IngestBodyBytes caps the body of a transaction batch
	// (POST /api/v1/transactions/batches), which is streamed;
	// 0 means DefaultIngestBodyBytes.
	IngestBodyBytes int64
	// PartnerKeyMaxLifetime caps the lifetime of JWT-wrapped keys
	// (DefaultPartnerKeyMaxLifetime when zero).
	PartnerKeyMaxLifetime time.Duration
	// PublicBaseURL is where the service is reached; logo URLs start with it.
	PublicBaseURL string
	// LanguageFiles fetch the card frame's language files.
	LanguageFiles receiptdata.LanguageFiles
	// SCADevIssuer serves the development issuer's page.
	SCADevIssuer bool
	// CheckoutPrefix is where the checkout API (seed 004) is served;
	// empty means checkout.DefaultPrefix.
	CheckoutPrefix string
	// SubscriptionsPerConnection caps the subscriptions of one WebSocket
	// connection, and SubscriptionKeepAlive is the keep-alive interval of
	// subscriptions (gqlhttp defaults when zero).
	SubscriptionsPerConnection int
	SubscriptionKeepAlive      time.Duration
	// Streams are the open subscriptions' connections, ended on shutdown
	// (Streams.Close); nil gives the handler its own.
	Streams *gqlhttp.Streams
	// Metrics are served at GET /metrics to admins and count every
	// request and GraphQL operation; nil measures nothing.
	Metrics *telemetry.Metrics
	// Tracing traces requests and GraphQL operations; nil is off.
	Tracing *telemetry.Tracing
	// Overload bounds the requests in progress (zero: the defaults).
	Overload Overload
	// Drain, when begun, turns /readyz to 503 and closes connections after
	// each answer; nil never drains.
	Drain *Drain
}

// maxBodyBytes caps every request body but a transaction batch's.
const maxBodyBytes = 4 << 20

// DefaultIngestBodyBytes caps a transaction batch's body unless configured:
// 1 GiB, about five million transactions as CSV.
const DefaultIngestBodyBytes = 1 << 30

// ingestPath is the one route whose body may be large: a transaction batch,
// read as a stream and stored in one database transaction.
const ingestPath = "/api/v1/transactions/batches"

// New returns the whole HTTP handler.
func New(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.IngestBodyBytes <= 0 {
		d.IngestBodyBytes = DefaultIngestBodyBytes
	}
	if d.PartnerKeyMaxLifetime <= 0 {
		d.PartnerKeyMaxLifetime = DefaultPartnerKeyMaxLifetime
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /readyz", readyz(d.Postgres, d.Redis, d.Drain))

	res := resolvers.New(d.Ops)
	res.PublicBaseURL = d.PublicBaseURL
	authn := authenticate(d.Auth, d.UserTokens, d.Log, d.Now, d.PartnerKeyMaxLifetime, d.LoyaltyTokens)
	live := gqlhttp.Live{
		Authenticate:  streamCredentials(authn),
		PerConnection: d.SubscriptionsPerConnection,
		KeepAlive:     d.SubscriptionKeepAlive,
	}
	if d.Streams == nil {
		d.Streams = gqlhttp.NewStreams()
	}
	gql := newGraphQL(res, d.APQ, d.Dev, d.Log, live, d.Streams, telemetry.GraphQL(d.Metrics, d.Tracing)...)
	// The transport caps JSON bodies at graphqlBodyLimit itself; multipart
	// requests (uploads) may be larger.
	mux.Handle("/graphql", limitBody(graphqlUploadLimit)(withClientAddress(withCheckoutToken(gql))))
	gi := graphiql.Handler("/graphql")
	mux.Handle("GET /graphiql", gi)
	mux.Handle("GET /graphiql/", gi)
	// The root is where a person lands first: the GraphiQL page.
	mux.Handle("GET /{$}", http.RedirectHandler("/graphiql", http.StatusFound))

	settlement.Register(mux, d.Ops.Merchants, d.Ops.Settlements, d.Log)
	userapi.Register(mux, d.Ops.Users, d.Log)
	merchants := receiptdata.RegisterMerchants(mux, d.Ops.MerchantProfiles, d.Ops.Receipts, d.PublicBaseURL, d.Log)
	receiptdata.Register(mux, d.Ops.Receipts, merchants, d.Log)
	receiptdata.RegisterTerms(mux, d.Ops.Terms, d.Log)
	receiptdata.RegisterCards(mux, d.Ops.Cards, d.LanguageFiles, d.SCADevIssuer, d.Log)
	receiptdata.RegisterUsers(mux, d.Ops.Users, d.Log)
	openloyalty.Register(mux, d.Ops.Loyalty, d.Log, notFound(mux))
	checkout.Register(mux, d.CheckoutPrefix, d.Ops.Checkout, d.Log)
	registerOpenAPI(mux, d.CheckoutPrefix)
	if d.Metrics != nil {
		mux.Handle(metricsPath, metricsHandler(d.Ops.Metrics, d.Metrics.Handler(), d.Log))
	}
	// Unknown paths answer in JSON too, not in the mux's plain text, and a
	// known path asked with another method answers 405.
	mux.Handle("/", notFound(mux))

	checkoutPrefix := d.CheckoutPrefix
	if checkoutPrefix == "" {
		checkoutPrefix = checkout.DefaultPrefix
	}
	measure, routed := instrument(mux, d)
	return chain(routed,
		withRequestID,
		// Refusals for overload are measured too.
		measure,
		closeWhenDraining(d.Drain),
		// Before the access log (a refusal is logged once per interval,
		// not per request), authentication and everything else.
		newLimiter(d.Overload, runtime.GOMAXPROCS(0), d.Log).forCheckout(checkoutPrefix).middleware,
		accessLog(d.Log),
		recoverPanics(d.Log),
		refuseBrowserWrites,
		limitBodies(maxBodyBytes, d.IngestBodyBytes),
		authn,
	)
}

// probeMethods are the methods tried to tell a wrong method on a known
// path from an unknown path.
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions}

// notFound is the catch-all route: it answers 405 with Allow, in the
// Storebox JSON shape, when the path is routed for other methods, and 404
// otherwise. The catch-all takes every request no other pattern matches,
// which hides the mux's own 405, so the mux is asked which methods match.
func notFound(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range probeMethods {
			if m == r.Method {
				continue
			}
			probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
			// Open Loyalty's store routes sit behind one wildcard pattern
			// that matches any /api/x/y; it tells nothing about the path.
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" && pattern != openloyalty.StorePattern {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"code": "method_not_allowed",
				"message": fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", "))})
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "not_found", "message": "no such endpoint"})
	})
}

// limitBodies caps request bodies: a transaction batch's at ingest bytes,
// every other at small. A batch whose declared length is over its limit is
// refused with 413 before it is read; one that turns out longer is refused
// by its reader (see rest/settlement's ingest).
func limitBodies(small, ingest int64) middleware {
	return func(next http.Handler) http.Handler {
		smallNext, ingestNext := limitBody(small)(next), limitBody(ingest)(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || r.URL.Path != ingestPath {
				smallNext.ServeHTTP(w, r)
				return
			}
			if r.ContentLength > ingest {
				writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"code": string(errs.TooLarge),
					"message": fmt.Sprintf("request body is larger than %d bytes", ingest)})
				return
			}
			ingestNext.ServeHTTP(w, r)
		})
	}
}

// readyz answers 200 when PostgreSQL and Redis answer, else 503 naming
// what is down; 503 {"status":"draining"} once the drain has begun.
func readyz(pg, rd Pinger, drain *Drain) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if drain.Draining() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "draining"})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		down := []string{}
		if err := pg.Ping(ctx); err != nil {
			down = append(down, "postgres")
		}
		if err := rd.Ping(ctx); err != nil {
			down = append(down, "redis")
		}
		if len(down) > 0 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "down": down})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// withClientAddress puts the request's peer address into the context, so
// that GraphQL logins count failures per client address as REST does.
func withClientAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(resolvers.WithClientAddress(r.Context(), clientAddr(r))))
	})
}

// withCheckoutToken puts the request's checkout session token (API-Token)
// into the context, for the checkout fields of GraphQL (seed 004).
func withCheckoutToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimSpace(r.Header.Get(checkout.TokenHeader))
		next.ServeHTTP(w, r.WithContext(resolvers.WithCheckoutToken(r.Context(), tok)))
	})
}
