package notify

import "context"

// LiveEvent is what a subscription is told of a change: the outbox turns
// each event into one, which reaches every replica (through Redis pub/sub),
// where the subscriptions that match it read what it names.
type LiveEvent struct {
	Type EventType `json:"type"`
	// OwnerID is the credential the change belongs to: the partner that
	// owns the user, or the settlement client that made a batch or a
	// settle run (0: an admin, for every client).
	OwnerID int64 `json:"ownerId"`
	// UserID is the user the event concerns, "" for settlement events.
	UserID string `json:"userId,omitempty"`
	// ID names what the event announces: a receipt, a card, a batch or a
	// settle run.
	ID string `json:"id"`
}

// LiveEventOf returns the live event of an outbox event. Query carries
// the id of settlement events (batchId, settlementId).
func LiveEventOf(ev Event) LiveEvent {
	id := ev.ObjectID
	if id == "" {
		id = ev.Query["batchId"] + ev.Query["settlementId"]
	}
	return LiveEvent{Type: ev.Type, OwnerID: ev.OwnerID, UserID: ev.UserID, ID: id}
}

// Feed hands live events to subscriptions.
type Feed interface {
	// Subscribe returns the events that match, from now until ctx is done
	// (then the channel is closed). holder names the principal whose
	// subscriptions are counted together; a holder with as many open
	// subscriptions as the limit allows is refused with a rate-limited
	// error. Events a subscriber is too slow to read are dropped.
	Subscribe(ctx context.Context, holder string, match func(LiveEvent) bool) (<-chan LiveEvent, error)
}
