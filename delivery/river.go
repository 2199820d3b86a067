package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"loyaltygraph/domain/ids"
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
	DefaultRetention   = 30 * 24 * time.Hour
	// rescueMargin is how long past its timeout a job may stay running
	// before River's rescuer gives it back: the time to record its outcome
	// after the timeout, and then some.
	rescueMargin = 10 * time.Second
)

// DefaultRetrySchedule is WEBHOOK_RETRY_SCHEDULE's default: the waits of
// Backoff with DefaultRetryBase, DefaultRetryCap and DefaultMaxAttempts,
// 22 retries over about three days (71.4 hours).
const DefaultRetrySchedule = "10s,20s,40s,1m20s,2m40s,5m20s,10m40s,21m20s,42m40s,1h25m20s,2h50m40s,5h41m20s,6h*10"

// maxRetries bounds a retry schedule (River counts attempts in a smallint).
const maxRetries = 1000

// ParseRetrySchedule reads a retry schedule: the waits after the first,
// second, … failed attempt, separated by commas, each a Go duration from
// 1s to 7 days, optionally followed by *N to repeat it N times
// ("10s,1m,5m*3" retries after 10 s, 1 min, then three times after 5 min:
// five attempts in all). The last attempt comes after the last wait.
func ParseRetrySchedule(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		times := 1
		if d, n, ok := strings.Cut(item, "*"); ok {
			var err error
			if times, err = strconv.Atoi(strings.TrimSpace(n)); err != nil || times < 1 || times > maxRetries {
				return nil, fmt.Errorf("retry schedule: %q: the repeat count must be a whole number from 1 to %d", item, maxRetries)
			}
			item = strings.TrimSpace(d)
		}
		d, err := time.ParseDuration(item)
		if err != nil || d < time.Second || d > 7*24*time.Hour {
			return nil, fmt.Errorf("retry schedule: %q is not a duration from 1s to 168h", item)
		}
		if len(out)+times > maxRetries {
			return nil, fmt.Errorf("retry schedule: more than %d retries", maxRetries)
		}
		for range times {
			out = append(out, d)
		}
	}
	return out, nil
}

// Store is what the delivery worker needs from storage
// (postgres.NotifyStore).
type Store interface {
	// OpenHeaders decrypts an endpoint's sealed static headers.
	OpenHeaders(sealed []byte) ([]notify.Header, error)
	// OpenSecret decrypts an endpoint's sealed signing secret.
	OpenSecret(sealed []byte) (string, error)
	// RecordAttempt stores the outcome of one attempt.
	RecordAttempt(ctx context.Context, a notify.Attempt) error
	// Delivered reports whether a notification is recorded as delivered.
	Delivered(ctx context.Context, eventID string) (bool, error)
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
	// Outage, when set, reports that the database is known to be down: River's
	// own complaints are then the outage's, which is logged once where it is
	// detected, so they go to debug instead of one ERROR per poll.
	Outage func() bool
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
	// RetrySchedule, when set, replaces RetryBase, RetryCap and
	// MaxAttempts: the wait after the n-th failed attempt is
	// RetrySchedule[n-1] (with jitter), and there are len(RetrySchedule)
	// retries (WEBHOOK_RETRY_SCHEDULE; see ParseRetrySchedule).
	RetrySchedule []time.Duration
	// RescueAfter is how long a job may stay running before River's rescuer
	// makes it available again; it must exceed Timeout by more than 2s.
	// The default is Timeout + 12 s. Jobs of a process that stops beating
	// are given back sooner, by Runner.
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
	if len(c.RetrySchedule) > 0 {
		c.MaxAttempts = len(c.RetrySchedule) + 1
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = c.jobTimeout() + rescueMargin
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
		// Unique per process: Runner judges processes alive by this id.
		ID: clientID(),
		// River reports each failed attempt at info level; the worker logs
		// its own line, so River speaks only of its own trouble.
		Logger:               slog.New(minLevel{cfg.Log.Handler(), slog.LevelWarn, cfg.Outage}),
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

// clientID names this process's River client: host, process id and a
// random part, so that two processes never share one.
func clientID() string {
	host, _ := os.Hostname()
	if len(host) > 100 {
		host = host[:100]
	}
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), ids.LowerAlnum(8))
}

// jitter returns a random factor in [0.8, 1.2), so that receivers that
// failed together are not retried together.
func jitter() float64 { return 0.8 + 0.4*rand.Float64() }

// minLevel drops records below a level.
type minLevel struct {
	slog.Handler
	level slog.Level
	// outage, when it reports true, sends every record to debug.
	outage func() bool
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	if h.outage != nil && h.outage() {
		return h.Handler.Enabled(ctx, slog.LevelDebug)
	}
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) Handle(ctx context.Context, r slog.Record) error {
	if h.outage != nil && h.outage() {
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.level, h.outage}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level, h.outage}
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
