// Package postgres implements the domain stores on PostgreSQL with pgx.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"loyaltygraph/domain/errs"
)

// DB is the PostgreSQL system of record.
type DB struct {
	Pool *pgxpool.Pool
}

// Open connects a pool to the database at url and checks that it answers;
// configure adjusts the pool's configuration (tests add a query tracer).
func Open(ctx context.Context, url string, configure ...func(*pgxpool.Config)) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}

	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		// Money is decimal end to end: NUMERIC maps to shopspring/decimal.
		pgxdecimal.Register(conn.TypeMap())
		return nil
	}
	if !strings.Contains(url, "pool_max_conns") {
		// River listens on one connection and fetches on others; the
		// default of max(4, CPUs) starves requests on small machines.
		cfg.MaxConns = 20
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	for _, c := range configure {
		c(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &DB{Pool: pool}, nil
}

// Close releases the pool.
func (db *DB) Close() { db.Pool.Close() }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

// constraintFields names the API field behind each unique constraint, so a
// duplicate becomes a conflict on that field.
var constraintFields = map[string]string{
	"merchants_pkey":            "merchantId",
	"credentials_username_key":  "username",
	"users_provider_phone_key":  "phonenumber",
	"users_provider_member_key": "memberId",
	"cards_provider_token_key":  "token",
	"cards_pkey":                "cardId",
	"signups_pkey":              "linkCode",
}

// mapError turns driver errors into domain errors: no rows is not found, a
// unique violation is a conflict, a check violation is invalid input. The
// what argument names the resource for the message.
func mapError(err error, what string) error {
	if err == nil {
		return nil
	}
	var domainErr *errs.Error
	if errors.As(err, &domainErr) {
		return domainErr
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.NotFoundf("%s not found", what)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return errs.Conflictf(constraintFields[pgErr.ConstraintName], "%s already exists", what)
		case "23503": // foreign_key_violation
			if c, ok := restrictConflicts[pgErr.ConstraintName]; ok {
				return errs.Conflictf(c.field, "%s", c.message)
			}
			if pgErr.ConstraintName == "settlements_merchant_id_fkey" {
				return errs.Conflictf("merchantId", "merchant has settlements; it cannot be deleted")
			}
			return errs.Conflictf("", "%s is referenced or refers to something missing", what)
		case "23514", "22001", "22P02": // check_violation, string_data_right_truncation, invalid_text_representation
			return errs.E(errs.Invalid, "%s is not valid", what)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return errs.E(errs.Unavailable, "database did not answer in time")
	}
	return fmt.Errorf("%s: %w", what, err)
}
