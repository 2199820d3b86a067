package delivery

import (
	"context"

	"github.com/riverqueue/river"

	"loyaltygraph/domain/notify"
	"loyaltygraph/store/postgres"
)

// LiveArgs is the outbox job that the live worker publishes.
type LiveArgs = postgres.LiveArgs

// Publisher hands a live event to every replica's subscriptions
// (redis.LiveFeed).
type Publisher interface {
	Publish(ctx context.Context, ev notify.LiveEvent) error
}

// DefaultLiveWorkers is how many live events one process publishes at once.
const DefaultLiveWorkers = 5

// liveWorker publishes the live events of the outbox, each once per
// attempt whichever replica's client takes it.
type liveWorker struct {
	river.WorkerDefaults[LiveArgs]
	pub Publisher
}

func (w *liveWorker) Work(ctx context.Context, job *river.Job[LiveArgs]) error {
	if w.pub == nil {
		return nil // a client without Redis (commands) does not work the queue
	}
	return w.pub.Publish(ctx, job.Args.Event)
}
