package testenv

import (
	"context"
	"sync/atomic"
	"testing"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"loyaltygraph/internal/wire"
	"loyaltygraph/store/postgres"
)

// Statements counts the SQL statements sent on a pool: queries and the
// queries of batches.
type Statements struct{ n atomic.Int64 }

// Count returns the statements sent so far.
func (c *Statements) Count() int64 { return c.n.Load() }

// Reset starts counting again from zero.
func (c *Statements) Reset() { c.n.Store(0) }

func (c *Statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *Statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *Statements) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}
func (c *Statements) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) { c.n.Add(1) }
func (c *Statements) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// CountingApp builds the service (as App does) on a pool of the package's
// database whose statements are counted, for tests that hold the number
// of statements per request constant.
func CountingApp(t testing.TB) (*wire.App, *Statements) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	counter := &Statements{}
	cfg.ConnConfig.Tracer = counter
	cfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		pgxdecimal.Register(conn.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return AppOn(t, &postgres.DB{Pool: pool}, wire.Options{}), counter
}
