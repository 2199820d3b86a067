package telemetry

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	goredis "github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"loyaltygraph/domain/otp"
)

// WatchPostgres exposes the statistics of pool (pgxpool.Stat) at every
// scrape. Watching a second pool under the same metrics is ignored.
func (m *Metrics) WatchPostgres(pool *pgxpool.Pool) {
	_ = m.Registry.Register(poolCollector{pool})
}

var (
	pgConns = prometheus.NewDesc("lg_db_pool_connections",
		"PostgreSQL pool connections by state: acquired, idle, constructing.", []string{"state"}, nil)
	pgMax      = prometheus.NewDesc("lg_db_pool_max_connections", "PostgreSQL pool size limit.", nil, nil)
	pgAcquires = prometheus.NewDesc("lg_db_pool_acquires_total", "Connections acquired from the PostgreSQL pool.", nil, nil)
	pgWait     = prometheus.NewDesc("lg_db_pool_acquire_wait_seconds_total",
		"Time spent acquiring PostgreSQL connections.", nil, nil)
	pgEmpty = prometheus.NewDesc("lg_db_pool_empty_acquires_total",
		"Acquires that waited because the PostgreSQL pool had no idle connection.", nil, nil)
	pgCanceled = prometheus.NewDesc("lg_db_pool_canceled_acquires_total",
		"Acquires cancelled by their context before a PostgreSQL connection was free.", nil, nil)
)

type poolCollector struct{ pool *pgxpool.Pool }

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{pgConns, pgMax, pgAcquires, pgWait, pgEmpty, pgCanceled} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(pgConns, prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(pgConns, prometheus.GaugeValue, float64(s.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(pgConns, prometheus.GaugeValue, float64(s.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(pgMax, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(pgAcquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(pgWait, prometheus.CounterValue, s.AcquireDuration().Seconds())
	ch <- prometheus.MustNewConstMetric(pgEmpty, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(pgCanceled, prometheus.CounterValue, float64(s.CanceledAcquireCount()))
}

// WatchRedis exposes the pool statistics of rdb (PoolStats) at every
// scrape.
func (m *Metrics) WatchRedis(rdb goredis.UniversalClient) {
	_ = m.Registry.Register(redisCollector{rdb})
}

var (
	rdConns = prometheus.NewDesc("lg_redis_pool_connections",
		"Redis pool connections by state: total, idle, stale (closed as stale, counted since start).", []string{"state"}, nil)
	rdHits     = prometheus.NewDesc("lg_redis_pool_hits_total", "Redis commands that found a free pooled connection.", nil, nil)
	rdMisses   = prometheus.NewDesc("lg_redis_pool_misses_total", "Redis commands that had to open a connection.", nil, nil)
	rdTimeouts = prometheus.NewDesc("lg_redis_pool_timeouts_total", "Redis commands that timed out waiting for a connection.", nil, nil)
)

type redisCollector struct{ rdb goredis.UniversalClient }

func (c redisCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{rdConns, rdHits, rdMisses, rdTimeouts} {
		ch <- d
	}
}

func (c redisCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.rdb.PoolStats()
	ch <- prometheus.MustNewConstMetric(rdConns, prometheus.GaugeValue, float64(s.TotalConns), "total")
	ch <- prometheus.MustNewConstMetric(rdConns, prometheus.GaugeValue, float64(s.IdleConns), "idle")
	ch <- prometheus.MustNewConstMetric(rdConns, prometheus.GaugeValue, float64(s.StaleConns), "stale")
	ch <- prometheus.MustNewConstMetric(rdHits, prometheus.CounterValue, float64(s.Hits))
	ch <- prometheus.MustNewConstMetric(rdMisses, prometheus.CounterValue, float64(s.Misses))
	ch <- prometheus.MustNewConstMetric(rdTimeouts, prometheus.CounterValue, float64(s.Timeouts))
}

// OutboxCount is the number of outbox jobs of one kind in one state.
type OutboxCount struct {
	Kind, State string
	Jobs        int64
}

// OutboxDepth reads the outbox's jobs by kind and state.
type OutboxDepth func(ctx context.Context) ([]OutboxCount, error)

// outboxScrapeTimeout bounds the outbox query of one scrape.
const outboxScrapeTimeout = 2 * time.Second

// WatchOutbox exposes the outbox's depth, read by depth at every scrape.
func (m *Metrics) WatchOutbox(depth OutboxDepth) {
	_ = m.Registry.Register(&outboxCollector{depth: depth})
}

var (
	outboxJobs = prometheus.NewDesc("lg_outbox_jobs",
		"Outbox jobs (River) not yet completed, by job kind and state (available, scheduled, retryable, running, pending, discarded, cancelled).",
		[]string{"kind", "state"}, nil)
	outboxUp = prometheus.NewDesc("lg_outbox_scrape_ok",
		"1 when the outbox depth could be read at this scrape, 0 when PostgreSQL failed or was too slow.", nil, nil)
)

type outboxCollector struct{ depth OutboxDepth }

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxJobs
	ch <- outboxUp
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), outboxScrapeTimeout)
	defer cancel()
	counts, err := c.depth(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(outboxUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(outboxUp, prometheus.GaugeValue, 1)
	for _, oc := range counts {
		ch <- prometheus.MustNewConstMetric(outboxJobs, prometheus.GaugeValue, float64(oc.Jobs), oc.Kind, oc.State)
	}
}

// DeliveryMiddleware returns the River middleware that counts the outcome
// of every attempt of an outbox job (a webhook notification, a message to
// a person), by job kind.
func (m *Metrics) DeliveryMiddleware() rivertype.Middleware {
	return &deliveryMiddleware{m: m}
}

type deliveryMiddleware struct {
	river.MiddlewareDefaults
	m *Metrics
}

func (d deliveryMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	start := time.Now()
	err := doInner(ctx)
	var (
		cancelErr *rivertype.JobCancelError
		snoozeErr *rivertype.JobSnoozeError
	)
	outcome := "delivered"
	switch {
	case err == nil:
	case errors.As(err, &snoozeErr):
		outcome = "snoozed"
	case errors.As(err, &cancelErr):
		outcome = "cancelled"
	case job.Attempt >= job.MaxAttempts:
		outcome = "discarded"
	default:
		outcome = "retry"
	}
	d.m.jobs.WithLabelValues(job.Kind, outcome).Inc()
	d.m.jobDuration.WithLabelValues(job.Kind).Observe(time.Since(start).Seconds())
	return err
}

// OTPStore returns store, counting the codes it saves and checks by
// outcome.
func (m *Metrics) OTPStore(store otp.Store) otp.Store { return otpStore{store, m} }

type otpStore struct {
	otp.Store
	m *Metrics
}

func (s otpStore) SaveCode(ctx context.Context, partner int64, purpose otp.Purpose, phone string, hash []byte, ttl time.Duration, limits otp.SendLimits) (time.Duration, bool, error) {
	wait, budget, err := s.Store.SaveCode(ctx, partner, purpose, phone, hash, ttl, limits)
	outcome := "sent"
	switch {
	case err != nil:
		outcome = "error"
	case wait > 0:
		outcome = "throttled"
	}
	s.m.otpSends.WithLabelValues(outcome).Inc()
	return wait, budget, err
}

func (s otpStore) CheckCode(ctx context.Context, partner int64, purpose otp.Purpose, phone string, hash []byte, maxTries int) (otp.Result, int, error) {
	res, tries, err := s.Store.CheckCode(ctx, partner, purpose, phone, hash, maxTries)
	outcome := "no_code"
	switch {
	case err != nil:
		outcome = "error"
	case res == otp.Matched:
		outcome = "matched"
	case res == otp.Mismatched:
		outcome = "mismatched"
	case res == otp.Voided:
		outcome = "voided"
	}
	s.m.otpChecks.WithLabelValues(outcome).Inc()
	return res, tries, err
}
