package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"loyaltygraph/domain/notify"
)

// MessageArgs is one message to a person (an SMS or an e-mail) in the
// outbox: a River job that the message worker (package delivery) hands to
// the notify.Sender. The body (codes, links) is sealed with the server key,
// so the job table never holds it in clear.
type MessageArgs struct {
	To         string         `json:"to"`
	Channel    notify.Channel `json:"channel"`
	SealedBody []byte         `json:"sealed_body"`
}

// Kind is the River job kind of a message.
func (MessageArgs) Kind() string { return "notify_message" }

// MessageMaxAttempts bounds the attempts at one message: codes live minutes,
// so a message that cannot go out within about ten minutes is dropped.
const MessageMaxAttempts = 12

// InsertOpts puts messages in the notify queue, with their own attempt
// budget.
func (MessageArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: NotifyQueue, MaxAttempts: MessageMaxAttempts}
}

// MessageQueue writes messages to people into the outbox: inside the
// caller's transaction (EnqueueMessages), or in one of their own
// (QueueMessages) when no stored change goes with them, as for one-time
// passwords.
type MessageQueue struct {
	db     *DB
	jobs   *river.Client[pgx.Tx]
	sealer Sealer
}

// NewMessageQueue returns the message outbox on db; jobs inserts the River
// jobs (it need not be started) and sealer seals the bodies.
func NewMessageQueue(db *DB, jobs *river.Client[pgx.Tx], sealer Sealer) *MessageQueue {
	return &MessageQueue{db: db, jobs: jobs, sealer: sealer}
}

// EnqueueMessages writes msgs inside tx.
func (q *MessageQueue) EnqueueMessages(ctx context.Context, tx pgx.Tx, msgs ...notify.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, 0, len(msgs))
	for _, m := range msgs {
		if !m.Channel.Valid() {
			return fmt.Errorf("enqueue message: unknown channel %q", m.Channel)
		}
		sealed, err := q.sealer.Seal([]byte(m.Body))
		if err != nil {
			return fmt.Errorf("enqueue message: %w", err)
		}
		params = append(params, river.InsertManyParams{Args: MessageArgs{
			To: notify.NormalizeRecipient(m.To), Channel: m.Channel, SealedBody: sealed}})
	}
	if _, err := q.jobs.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue message: %w", err)
	}
	return nil
}

// QueueMessages writes msgs in a transaction of their own.
func (q *MessageQueue) QueueMessages(ctx context.Context, msgs ...notify.Message) error {
	err := pgx.BeginFunc(ctx, q.db.Pool, func(tx pgx.Tx) error { return q.EnqueueMessages(ctx, tx, msgs...) })
	return mapError(err, "message")
}
