package testenv

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

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
	a := AppOn(t, &postgres.DB{Pool: pool}, wire.Options{})
	// The River client polls its queues on the same pool in the
	// background; those statements are no request's. Stopped, it still
	// inserts the outbox's jobs.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Jobs.Stop(ctx); err != nil {
		t.Fatalf("stop jobs: %v", err)
	}
	return a, counter
}
