// Package app wires the stores, services, resolvers and HTTP surface of
// loyaltygraph together. The binary (cmd/loyaltygraph) and the tests build
// the service through it, so both run the same graph of objects.
package app

import (
	"log/slog"
	"net/http"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/resolvers"
	"loyaltygraph/secret"
	"loyaltygraph/server"
	"loyaltygraph/store/postgres"
	"loyaltygraph/store/redis"
)

// Options are the settings the wiring needs.
type Options struct {
	SecretKey []byte
	Dev       bool
	Log       *slog.Logger
	Now       func() time.Time
	// Argon2 overrides the cost of new secret hashes (tests use a cheap one).
	Argon2 *secret.Argon2Params
}

// App is the assembled service.
type App struct {
	Handler  http.Handler
	Auth     *auth.Service
	Resolver *resolvers.Resolver
	Keys     *secret.Keys

	secretKey []byte
	merchants *merchant.Service
}

// New builds the service on db and rc.
func New(opts Options, db *postgres.DB, rc *redis.Client) (*App, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	keys, err := secret.NewKeys(opts.SecretKey)
	if err != nil {
		return nil, err
	}
	params := secret.DefaultArgon2Params
	if opts.Argon2 != nil {
		params = *opts.Argon2
	}
	authSvc := auth.NewService(postgres.NewCredentialStore(db), secret.NewArgon2(params, 0), keys, opts.Now)
	merchants := merchant.NewService(postgres.NewMerchantStore(db), opts.Now)
	res := resolvers.New(resolvers.Services{Merchant: merchants})
	h := server.New(server.Deps{
		Log:      opts.Log,
		Resolver: res,
		Auth:     authSvc,
		APQ:      redis.NewPersistedQueries(rc, opts.Log),
		Postgres: db,
		Redis:    rc,
		Dev:      opts.Dev,
		Now:      opts.Now,
	})
	return &App{Handler: h, Auth: authSvc, Resolver: res, Keys: keys, secretKey: opts.SecretKey, merchants: merchants}, nil
}
