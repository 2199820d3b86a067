package delivery

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"loyaltygraph/domain/notify"
	"loyaltygraph/store/postgres"
)

// WebhookArgs is the outbox job that the webhook worker performs.
type WebhookArgs = postgres.WebhookArgs

// Defaults of Config.
const (
	DefaultWorkers     = 10
	DefaultTimeout     = 15 * time.Second
	DefaultRetryBase   = 10 * time.Second
	DefaultRetryCap    = 6 * time.Hour
	DefaultMaxAttempts = 23 // about 3 days with the default base and cap; see the package doc
	DefaultRescueAfter = 2 * time.Minute
	DefaultRetention   = 30 * 24 * time.Hour
)

// Store is what the delivery worker needs from storage
// (postgres.NotifyStore).
type Store interface {
	// OpenHeaders decrypts an endpoint's sealed static headers.
	OpenHeaders(sealed []byte) ([]notify.Header, error)
	// OpenSecret decrypts an endpoint's sealed signing secret.
	OpenSecret(sealed []byte) (string, error)
	// RecordAttempt stores the outcome of one attempt.
	RecordAttempt(ctx context.Context, a notify.Attempt) error
	// PurgeBefore removes deliveries and sent messages older than before.
	PurgeBefore(ctx context.Context, before time.Time) (int64, error)
}

var (
	_ Store        = (*postgres.NotifyStore)(nil)
	_ MessageStore = (*postgres.NotifyStore)(nil)
)

// Config configures the River client and its webhook worker. Zero values
// take the defaults.
type Config struct {
	// Store records attempts and opens headers; required.
	Store Store
	// AllowPrivate lets deliveries reach loopback and private addresses
	// (NOTIFY_ALLOW_PRIVATE=true; development and tests only).
	AllowPrivate bool
	Log          *slog.Logger
	// Workers is how many deliveries one process makes at once.
	Workers int
	// Timeout bounds one attempt, from dialling to the end of the answer.
	Timeout time.Duration
	// RetryBase is the wait after the first failed attempt; it doubles
	// after each further failure, up to RetryCap.
	RetryBase time.Duration
	RetryCap  time.Duration
	// MaxAttempts counts the first attempt and every retry.
	MaxAttempts int
	// RescueAfter is how long a job may stay running (its process killed)
	// before another client makes it available again. It must exceed
	// Timeout.
	RescueAfter time.Duration
	// Retention is how long deliveries and sent messages are kept; a
	// negative value keeps them for ever.
	Retention time.Duration
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Sender sends the queued messages to people (SMS, e-mail); with
	// Messages, which opens their sealed bodies. Without them no message
	// worker runs, and messages cannot be queued through this client.
	Sender   notify.Sender
	Messages MessageOpener
	// Live publishes the outbox's live events to subscriptions (Redis
	// pub/sub); without it the live queue is not worked.
	Live Publisher
	// Middleware wraps every job's work (the service's metrics count
	// delivery outcomes with one).
	Middleware []rivertype.Middleware
}

func (c Config) withDefaults() Config {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.RetryBase <= 0 {
		c.RetryBase = DefaultRetryBase
	}
	if c.RetryCap <= 0 {
		c.RetryCap = DefaultRetryCap
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = max(DefaultRescueAfter, 2*c.jobTimeout())
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// jobTimeout is how long River lets one attempt run: the HTTP timeout plus
// time to record the outcome.
func (c Config) jobTimeout() time.Duration { return c.Timeout + 2*time.Second }

// NewRiverClient returns the River client that works the outbox on pool.
// The app inserts through it without starting it (postgres.NewOutbox);
// `serve` calls Start to deliver, and Stop on shutdown. Any number of
// processes may run a started client on the same database.
func NewRiverClient(pool *pgxpool.Pool, cfg Config) (*river.Client[pgx.Tx], error) {
	if cfg.Store == nil {
		return nil, errors.New("delivery: Config.Store is required")
	}
	cfg = cfg.withDefaults()
	if cfg.RescueAfter <= cfg.jobTimeout() {
		return nil, errors.New("delivery: RescueAfter must exceed Timeout by more than 2s")
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, newWebhookWorker(cfg))
	if cfg.Sender != nil && cfg.Messages != nil {
		river.AddWorker(workers, newMessageWorker(cfg))
	}
	river.AddWorker(workers, &liveWorker{pub: cfg.Live})
	river.AddWorker(workers, &purgeWorker{store: cfg.Store, retention: cfg.Retention, now: cfg.Now, log: cfg.Log})
	var periodic []*river.PeriodicJob
	if cfg.Retention > 0 {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
			&river.PeriodicJobOpts{ID: "notify_purge", RunOnStart: true}))
	}
	queues := map[string]river.QueueConfig{postgres.NotifyQueue: {MaxWorkers: cfg.Workers}}
	if cfg.Live != nil {
		queues[postgres.LiveQueue] = river.QueueConfig{MaxWorkers: DefaultLiveWorkers}
	}
	return river.NewClient(riverpgxv5.New(pool), &river.Config{
		// A job is fetched as soon as its insert is announced (LISTEN);
		// the poll is the fallback when an announcement is missed, and
		// bounds how late a live event can be.
		FetchCooldown:     50 * time.Millisecond,
		FetchPollInterval: 500 * time.Millisecond,
		// River reports each failed attempt at info level; the worker logs
		// its own line, so River speaks only of its own trouble.
		Logger:               slog.New(minLevel{cfg.Log.Handler(), slog.LevelWarn}),
		Queues:               queues,
		Workers:              workers,
		MaxAttempts:          cfg.MaxAttempts,
		JobTimeout:           cfg.jobTimeout(),
		RescueStuckJobsAfter: cfg.RescueAfter,
		PeriodicJobs:         periodic,
		Middleware:           cfg.Middleware,
	})
}

// Backoff is the wait after the n-th failed attempt (n ≥ 1):
// base·2^(n-1), capped at ceiling, times jitter, a factor that should lie in
// [0.8, 1.2).
func Backoff(n int, base, ceiling time.Duration, jitter float64) time.Duration {
	d := base
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return time.Duration(float64(d) * jitter)
}

// jitter returns a random factor in [0.8, 1.2), so that receivers that
// failed together are not retried together.
func jitter() float64 { return 0.8 + 0.4*rand.Float64() }

// minLevel drops records below a level.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.level}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level}
}

// PurgeArgs is the periodic job that removes old deliveries and sent
// messages.
type PurgeArgs struct{}

// Kind is the River job kind of the purge.
func (PurgeArgs) Kind() string { return "notify_purge" }

// InsertOpts runs the purge in the notify queue.
func (PurgeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: postgres.NotifyQueue, MaxAttempts: 3}
}

type purgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	store     Store
	retention time.Duration
	now       func() time.Time
	log       *slog.Logger
}

func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	if w.retention <= 0 {
		return nil
	}
	n, err := w.store.PurgeBefore(ctx, w.now().Add(-w.retention))
	if err != nil {
		return err
	}
	if n > 0 {
		w.log.InfoContext(ctx, "purged old notifications", "rows", n)
	}
	return nil
}
