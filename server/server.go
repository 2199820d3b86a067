// Package server assembles the HTTP surface of loyaltygraph: middleware,
// health checks, GraphQL and GraphiQL, and every REST family.
package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"loyaltygraph/app"
	"loyaltygraph/domain/auth"
	"loyaltygraph/resolvers"
	"loyaltygraph/rest/settlement"
	"loyaltygraph/rest/userapi"
	"loyaltygraph/secret"
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
	// APQ is the shared cache of automatic persisted queries.
	APQ graphql.Cache[string]
	// Postgres and Redis are checked by /readyz.
	Postgres Pinger
	Redis    Pinger
	// Dev enables introspection and field suggestions for everyone.
	Dev bool
	// Now is the clock.
	Now func() time.Time
	// PartnerKeyMaxLifetime caps the lifetime of JWT-wrapped keys
	// (DefaultPartnerKeyMaxLifetime when zero).
	PartnerKeyMaxLifetime time.Duration
}

// maxBodyBytes caps every request body.
const maxBodyBytes = 4 << 20

// New returns the whole HTTP handler.
func New(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.PartnerKeyMaxLifetime <= 0 {
		d.PartnerKeyMaxLifetime = DefaultPartnerKeyMaxLifetime
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /readyz", readyz(d.Postgres, d.Redis))

	gql := newGraphQL(resolvers.New(d.Ops), d.APQ, d.Dev, d.Log)
	mux.Handle("/graphql", limitBody(graphqlBodyLimit)(gql))
	gi := graphiql.Handler("/graphql")
	mux.Handle("GET /graphiql", gi)
	mux.Handle("GET /graphiql/", gi)

	settlement.Register(mux, d.Ops.Merchants, d.Ops.Settlements, d.Log)
	userapi.Register(mux, d.Ops.Users, d.Log)
	// Unknown paths answer in JSON too, not in the mux's plain text.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "not_found", "message": "no such endpoint"})
	})

	return chain(mux,
		withRequestID,
		accessLog(d.Log),
		recoverPanics(d.Log),
		limitBody(maxBodyBytes),
		authenticate(d.Auth, d.UserTokens, d.Log, d.Now, d.PartnerKeyMaxLifetime),
	)
}

// readyz answers 200 when PostgreSQL and Redis answer, else 503 naming
// what is down.
func readyz(pg, rd Pinger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
