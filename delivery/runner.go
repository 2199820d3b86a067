package delivery

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"loyaltygraph/store/postgres"
)

// Workers is what Runner needs from storage (postgres.NotifyStore): the
// heartbeats of delivering processes and the rescue of a dead one's jobs.
type Workers interface {
	// BeatWorker records that the process clientID is alive.
	BeatWorker(ctx context.Context, clientID string) error
	// RetireWorker marks the process clientID stopped.
	RetireWorker(ctx context.Context, clientID string) error
	// RescueDeadWorkers gives back the running jobs of queue whose process
	// has not beaten for deadAfter, and returns how many.
	RescueDeadWorkers(ctx context.Context, queue string, deadAfter time.Duration) (int64, error)
}

var _ Workers = (*postgres.NotifyStore)(nil)

// Defaults of Runner: a process beats every second and is judged dead
// after four seconds without a beat, so the jobs of a killed process run
// again within about six seconds (a beat, the rescue sweep, River's
// one-second poll) instead of after River's rescue horizon (RescueAfter,
// and River's rescuer runs every 30 s, on the leader, which a killed
// leader hands over only after 15 s).
const (
	DefaultBeatEvery = time.Second
	DefaultDeadAfter = 4 * time.Second
)

// Runner works the outbox in this process: it starts and stops the River
// client, beats for it, and gives back the running jobs of delivering
// processes that stopped beating.
type Runner struct {
	client  *river.Client[pgx.Tx]
	workers Workers
	log     *slog.Logger
	// BeatEvery and DeadAfter: see DefaultBeatEvery and DefaultDeadAfter.
	BeatEvery, DeadAfter time.Duration

	stop chan struct{}
	done chan struct{}
}

// NewRunner returns the runner of client (from NewRiverClient).
func NewRunner(client *river.Client[pgx.Tx], workers Workers, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{client: client, workers: workers, log: log, BeatEvery: DefaultBeatEvery, DeadAfter: DefaultDeadAfter}
}

// Client is the River client the runner works.
func (r *Runner) Client() *river.Client[pgx.Tx] { return r.client }

// Start beats once, so the process is known before it takes a job, then
// starts the client and the beats.
func (r *Runner) Start(ctx context.Context) error {
	if r.stop != nil {
		return errors.New("delivery runner already started")
	}
	beatCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err := r.workers.BeatWorker(beatCtx, r.client.ID())
	cancel()
	if err != nil {
		return err
	}
	if err := r.client.Start(ctx); err != nil {
		return err
	}
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	go r.loop(context.WithoutCancel(ctx))
	return nil
}

func (r *Runner) loop(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.BeatEvery)
	defer t.Stop()
	for {
		r.sweep(ctx)
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
	}
}

// sweep beats and rescues; failures are logged and retried at the next
// tick (a database outage stops the beats of every process alike).
func (r *Runner) sweep(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, r.BeatEvery)
	defer cancel()
	if err := r.workers.BeatWorker(ctx, r.client.ID()); err != nil {
		r.log.DebugContext(ctx, "delivery heartbeat failed", "err", err)
		return
	}
	n, err := r.workers.RescueDeadWorkers(ctx, postgres.NotifyQueue, r.DeadAfter)
	if err != nil {
		r.log.DebugContext(ctx, "delivery rescue failed", "err", err)
		return
	}
	if n > 0 {
		r.log.WarnContext(ctx, "gave back the jobs of a stopped delivering process", "jobs", n)
	}
}

// Stop stops taking jobs and waits, until ctx ends, for the running ones;
// then cancels those still running, stops beating and marks the process
// stopped, so that other processes give back at once whatever it left.
func (r *Runner) Stop(ctx context.Context) error {
	err := r.client.Stop(ctx)
	if err != nil {
		cancelCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		_ = r.client.StopAndCancel(cancelCtx)
		cancel()
	}
	if r.stop != nil {
		close(r.stop)
		<-r.done
		retireCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		if rerr := r.workers.RetireWorker(retireCtx, r.client.ID()); rerr != nil {
			r.log.Warn("mark the delivering process stopped", "err", rerr)
		}
		cancel()
	}
	return err
}
