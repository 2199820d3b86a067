package delivery

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"loyaltygraph/domain/notify"
	"loyaltygraph/store/postgres"
)

// MessageArgs is the outbox job of one message to a person.
type MessageArgs = postgres.MessageArgs

// Defaults of the message retries: a code lives minutes, so messages retry
// soon and give up within about ten minutes (postgres.MessageMaxAttempts).
const (
	DefaultMessageRetryBase = 2 * time.Second
	DefaultMessageRetryCap  = time.Minute
)

// MessageOpener decrypts the sealed body of a queued message with the
// server key (secret.Keys), as postgres.MessageQueue sealed it.
type MessageOpener interface {
	Open(sealed []byte) ([]byte, error)
}

// messageWorker hands queued messages to the sender; a failed send is
// retried with backoff.
type messageWorker struct {
	river.WorkerDefaults[MessageArgs]
	sender notify.Sender
	opener MessageOpener
	base   time.Duration
	cap    time.Duration
	log    interface {
		InfoContext(ctx context.Context, msg string, args ...any)
		WarnContext(ctx context.Context, msg string, args ...any)
	}
}

func newMessageWorker(cfg Config) *messageWorker {
	return &messageWorker{sender: cfg.Sender, opener: cfg.Messages, log: cfg.Log,
		base: min(cfg.RetryBase, DefaultMessageRetryBase), cap: DefaultMessageRetryCap}
}

// NextRetry backs off exponentially with jitter, sooner than webhooks.
func (w *messageWorker) NextRetry(job *river.Job[MessageArgs]) time.Time {
	return time.Now().Add(Backoff(job.Attempt, w.base, w.cap, jitter()))
}

// Work opens the body and sends the message. The log names the recipient's
// channel and the attempt, never the body.
func (w *messageWorker) Work(ctx context.Context, job *river.Job[MessageArgs]) error {
	body, err := w.opener.Open(job.Args.SealedBody)
	if err != nil {
		err = errors.New("open message body: sealed with another key or damaged")
		w.log.WarnContext(ctx, "message dropped", "job_id", job.ID, "err", err)
		return river.JobCancel(err)
	}
	// The same key on every retry lets a gateway drop duplicates.
	ctx = withIdempotencyKey(ctx, "message-"+strconv.FormatInt(job.ID, 10))
	err = w.sender.Send(ctx, notify.Message{To: job.Args.To, Channel: job.Args.Channel, Body: string(body)})
	if err != nil {
		if job.Attempt >= job.MaxAttempts {
			w.log.WarnContext(ctx, "message failed for good", "job_id", job.ID, "channel", job.Args.Channel,
				"attempt", job.Attempt, "err", err)
		} else {
			w.log.InfoContext(ctx, "message attempt failed; will retry", "job_id", job.ID,
				"channel", job.Args.Channel, "attempt", job.Attempt, "err", err)
		}
		return err
	}
	return nil
}

type idempotencyKey struct{}

// withIdempotencyKey gives the senders a key that stays the same across the
// retries of one message.
func withIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, key)
}

// idempotencyKeyFrom returns the key of withIdempotencyKey, or "".
func idempotencyKeyFrom(ctx context.Context) string {
	k, _ := ctx.Value(idempotencyKey{}).(string)
	return k
}
