// Package testenv gives tests real PostgreSQL and Redis: each test package
// (one test binary) gets its own database, cloned from a migrated template,
// and its own Redis key prefix, and both are removed when the package's
// tests end. `make test` provisions the servers and sets TEST_DATABASE_URL
// (an admin connection) and TEST_REDIS_URL.
package testenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/internal/wire"
	"loyaltygraph/secret"
	"loyaltygraph/server"
	"loyaltygraph/store/postgres"
	"loyaltygraph/store/redis"
)

// SecretKey is the server key of every test app.
var SecretKey = []byte("test-secret-key-0123456789abcdef-0123456789")

// CheapArgon2 keeps hashing fast in tests; production uses the defaults.
var CheapArgon2 = secret.Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

var (
	mu        sync.Mutex
	dbURL     string
	dbName    string
	db        *postgres.DB
	rc        *redis.Client
	setupErr  error
	cleanups  []func()
	adminURL  = os.Getenv("TEST_DATABASE_URL")
	redisURL  = os.Getenv("TEST_REDIS_URL")
	setupOnce sync.Once
)

// Main runs the package's tests and then removes its database and keys.
// Use it as: func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	mu.Unlock()
	os.Exit(code)
}

// DatabaseURL returns the URL of this package's own migrated database.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	setup(t)
	return dbURL
}

// DB returns a pool on this package's own migrated database.
func DB(t testing.TB) *postgres.DB {
	t.Helper()
	setup(t)
	return db
}

// Redis returns a client whose keys live under this package's own prefix.
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	setup(t)
	return rc
}

// RedisURL returns the URL of the test Redis server.
func RedisURL(t testing.TB) string {
	t.Helper()
	setup(t)
	return redisURL
}

func setup(t testing.TB) {
	t.Helper()
	setupOnce.Do(func() { setupErr = doSetup() })
	if setupErr != nil {
		t.Fatalf("test environment: %v", setupErr)
	}
}

func doSetup() error {
	if adminURL == "" || redisURL == "" {
		return fmt.Errorf("TEST_DATABASE_URL and TEST_REDIS_URL are not set: run the tests with `make test`")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tmpl, err := ensureTemplate(ctx)
	if err != nil {
		return err
	}
	dbName = "lg_test_" + ids.LowerAlnum(12)
	if err := adminExec(ctx, `CREATE DATABASE `+pgx.Identifier{dbName}.Sanitize()+` TEMPLATE `+pgx.Identifier{tmpl}.Sanitize()); err != nil {
		return fmt.Errorf("create test database: %w", err)
	}
	dbURL = withDatabase(adminURL, dbName)
	cleanups = append(cleanups, func() {
		if db != nil {
			db.Close()
		}
		_ = adminExec(context.Background(), `DROP DATABASE IF EXISTS `+pgx.Identifier{dbName}.Sanitize()+` WITH (FORCE)`)
	})
	if db, err = postgres.Open(ctx, dbURL); err != nil {
		return err
	}
	if rc, err = redis.Open(ctx, redisURL, "lgtest:"+ids.LowerAlnum(10)+":"); err != nil {
		return err
	}
	cleanups = append(cleanups, func() {
		_ = rc.DeletePrefix(context.Background())
		_ = rc.Close()
	})
	return nil
}

// ensureTemplate creates, once per migration set, a migrated template
// database that the test databases are cloned from.
func ensureTemplate(ctx context.Context) (string, error) {
	migrations, err := postgres.Migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range migrations {
		h.Write([]byte(m.Name))
		h.Write([]byte(m.SQL))
	}
	name := "lg_template_" + hex.EncodeToString(h.Sum(nil))[:16]

	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", fmt.Errorf("connect TEST_DATABASE_URL: %w", err)
	}
	defer conn.Close(context.Background())
	// Serialise template creation across test binaries running in parallel.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7463)`); err != nil {
		return "", err
	}
	defer func() { _, _ = conn.Exec(context.Background(), `SELECT pg_advisory_unlock(7463)`) }()
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	_, _ = conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{building}.Sanitize())
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{building}.Sanitize()); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	tdb, err := postgres.Open(ctx, withDatabase(adminURL, building))
	if err != nil {
		return "", err
	}
	_, err = tdb.Migrate(ctx)
	tdb.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{building}.Sanitize()+` RENAME TO `+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("rename template: %w", err)
	}
	return name, nil
}

func adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var lastErr error
	for range 20 {
		// A template still being accessed (55006) clears within moments.
		if _, lastErr = conn.Exec(ctx, sql); lastErr == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return lastErr
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

// Logger discards logs unless TEST_LOG is set.
func Logger() *slog.Logger {
	if os.Getenv("TEST_LOG") != "" {
		return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewJSONHandler(io.Discard, nil))
}

// App builds the whole service on this package's database and Redis.
func App(t testing.TB) *wire.App {
	t.Helper()
	return AppWith(t, wire.Options{})
}

// AppWith builds the service with opts; test defaults fill what is unset,
// and its notification worker runs until the test ends.
func AppWith(t testing.TB, opts wire.Options) *wire.App {
	t.Helper()
	return AppOn(t, DB(t), opts)
}

// AppOn is AppWith on db, such as a pool of this package's database with a
// query tracer.
func AppOn(t testing.TB, db *postgres.DB, opts wire.Options) *wire.App {
	t.Helper()
	if opts.SecretKey == nil {
		opts.SecretKey = SecretKey
	}
	if opts.Log == nil {
		opts.Log = Logger()
	}
	if opts.Argon2 == nil {
		opts.Argon2 = &CheapArgon2
	}
	if opts.PublicBaseURL == "" {
		opts.PublicBaseURL = "http://localhost:8080"
	}
	opts.NotifyAllowPrivate = true
	if opts.Overload == (server.Overload{}) {
		// Tests send bursts of requests on a busy machine; the limiter
		// has its own tests (server, bench) and is off unless asked for.
		opts.Overload.MaxInFlight = -1
	}
	if opts.Delivery.RetryBase == 0 {
		opts.Delivery.RetryBase = 50 * time.Millisecond
	}
	rc := Redis(t)
	a, err := wire.New(opts, db, rc)
	if err != nil {
		t.Fatalf("build app: %v", err)
	}
	// Every response of a documented REST route is checked against the
	// OpenAPI document (contract.go).
	a.Handler = ContractFor(t, opts.CheckoutPrefix).Wrap(t, a.Handler)
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Jobs.Start(ctx); err != nil {
		t.Fatalf("start jobs: %v", err)
	}
	t.Cleanup(func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		_ = a.Jobs.Stop(stopCtx)
		cancel()
		a.Streams.Close()
		if a.Live != nil {
			_ = a.Live.Close()
		}
	})
	return a
}

// WaitMessages waits until the outbox holds no message to people that is
// waiting for or in its first attempt, so that a test reads sentMessages
// after the messages of the requests it made went out.
func WaitMessages(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		err := DB(t).Pool.QueryRow(context.Background(), `
			SELECT count(*) FROM river_job
			WHERE kind = 'notify_message' AND state IN ('available', 'running', 'pending') AND attempt <= 1`).Scan(&n)
		if err != nil {
			t.Fatalf("wait for messages: %v", err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("wait for messages: %d still queued after 10s", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Credential creates a credential of kind and returns it.
func Credential(t testing.TB, a *wire.App, kind auth.Kind) *auth.NewCredential {
	t.Helper()
	nc, err := a.Auth.CreateCredential(context.Background(), kind, "test "+string(kind))
	if err != nil {
		t.Fatalf("create %s credential: %v", kind, err)
	}
	return nc
}
