// Package postgres implements the domain stores on PostgreSQL with pgx.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"loyaltygraph/domain/errs"
	"loyaltygraph/store/health"
)

// DB is the PostgreSQL system of record.
type DB struct {
	Pool *pgxpool.Pool
	// health knows whether PostgreSQL answers: every statement, connect
	// and acquire reports to it (see watchTracer), a probe finds out when
	// it is back, and each change is logged once.
	health *health.Monitor
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
	db := &DB{}
	watch := &watchTracer{db: db}
	if cfg.ConnConfig.Tracer != nil {
		cfg.ConnConfig.Tracer = multitracer.New(cfg.ConnConfig.Tracer, watch)
	} else {
		cfg.ConnConfig.Tracer = multitracer.New(watch)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	db.Pool = pool
	db.health = health.New("postgres", db.Pool.Ping, 0)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return db, nil
}

// Close releases the pool.
func (db *DB) Close() {
	db.health.Close()
	db.Pool.Close()
}

// SetLogger sends the changes of PostgreSQL's state (down, up again) to
// log: one warning each.
func (db *DB) SetLogger(log *slog.Logger) { db.health.SetLogger(log) }

// Down reports whether PostgreSQL is known to be unreachable right now.
func (db *DB) Down() bool { return db.health.Down() }

// watchTracer tells the health monitor of every connection-level failure
// and every success, whatever statement or store method met it.
type watchTracer struct{ db *DB }

func (w *watchTracer) observe(err error) {
	if err == nil {
		w.db.health.MarkUp()
		return
	}
	if unreachable(err) {
		w.db.health.MarkDown(err)
	}
}

func (w *watchTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (w *watchTracer) TraceQueryEnd(_ context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	w.observe(data.Err)
}

func (w *watchTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (w *watchTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (w *watchTracer) TraceBatchEnd(_ context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	w.observe(data.Err)
}

func (w *watchTracer) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromStartData) context.Context {
	return ctx
}

func (w *watchTracer) TraceCopyFromEnd(_ context.Context, _ *pgx.Conn, data pgx.TraceCopyFromEndData) {
	w.observe(data.Err)
}

func (w *watchTracer) TraceConnectStart(ctx context.Context, _ pgx.TraceConnectStartData) context.Context {
	return ctx
}

func (w *watchTracer) TraceConnectEnd(_ context.Context, data pgx.TraceConnectEndData) {
	w.observe(data.Err)
}

func (w *watchTracer) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	return ctx
}

func (w *watchTracer) TraceAcquireEnd(_ context.Context, _ *pgxpool.Pool, data pgxpool.TraceAcquireEndData) {
	if data.Err != nil { // a good acquire says nothing new: the connect or statement does
		w.observe(data.Err)
	}
}

// unreachable reports whether err means PostgreSQL cannot be reached or
// will not serve now: a failed connect or network error, a connection the
// server closed, or the SQLSTATEs of a server that is shutting down,
// starting or full. A cancelled or timed-out request says nothing about
// the server and is not one.
func unreachable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", // admin_shutdown
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now (starting up, shutting down, recovering)
			"53300", // too_many_connections
			"53400": // configuration_limit_exceeded (per-role or per-database connection limits)
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection_exception
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// errUnavailable is what callers read when PostgreSQL is down; the
// driver's text goes to the health log only.
var errUnavailable = &errs.Error{Code: errs.Unavailable, Message: "the database is unavailable; try again later",
	RetryAfter: errs.UnavailableRetryAfter}

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
	if unreachable(err) {
		return errUnavailable
	}
	if errors.Is(err, context.Canceled) {
		// The caller left; the edge logs it as a client disconnect.
		return fmt.Errorf("%w: %w", errs.E(errs.Unavailable, "the request was cancelled"), err)
	}
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		// Also a pool whose connections are all busy until the deadline.
		return fmt.Errorf("%w: %w", errs.E(errs.Unavailable, "database did not answer in time"), err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
