package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
)

// Sealer encrypts and decrypts small secrets with the server key
// (secret.Keys does).
type Sealer interface {
	Seal(plain []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

// NotifyStore implements notify.Store, and records delivery attempts for the
// delivery worker.
type NotifyStore struct {
	db     *DB
	sealer Sealer
}

// NewNotifyStore returns the notification store of db; sealer protects the
// endpoints' static headers at rest.
func NewNotifyStore(db *DB, sealer Sealer) *NotifyStore {
	return &NotifyStore{db: db, sealer: sealer}
}

var _ notify.Store = (*NotifyStore)(nil)

// storedHeader is the JSON form of a header inside the sealed blob.
type storedHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func (s *NotifyStore) sealHeaders(headers []notify.Header) ([]byte, error) {
	stored := make([]storedHeader, len(headers))
	for i, h := range headers {
		stored[i] = storedHeader(h)
	}
	plain, err := json.Marshal(stored)
	if err != nil {
		return nil, err
	}
	return s.sealer.Seal(plain)
}

// OpenHeaders decrypts the static headers of an endpoint, as sealed in the
// database and in the delivery jobs.
func (s *NotifyStore) OpenHeaders(sealed []byte) ([]notify.Header, error) {
	plain, err := s.sealer.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("open notification headers: %w", err)
	}
	var stored []storedHeader
	if err := json.Unmarshal(plain, &stored); err != nil {
		return nil, fmt.Errorf("decode notification headers: %w", err)
	}
	out := make([]notify.Header, len(stored))
	for i, h := range stored {
		out[i] = notify.Header(h)
	}
	return out, nil
}

// SetEndpoint creates or replaces the owner's endpoint of e.Type. The
// signing secret e.SigningSecret is sealed and stored only when the endpoint
// has none yet; when the stored one is kept, e.SigningSecret is cleared. It
// does not check permissions.
func (s *NotifyStore) SetEndpoint(ctx context.Context, e *notify.Endpoint) error {
	sealed, err := s.sealHeaders(e.Headers)
	if err != nil {
		return fmt.Errorf("seal notification headers: %w", err)
	}
	var sealedSecret []byte
	if e.SigningSecret != "" {
		if sealedSecret, err = s.sealer.Seal([]byte(e.SigningSecret)); err != nil {
			return fmt.Errorf("seal signing secret: %w", err)
		}
	}
	var ours bool
	err = s.db.Pool.QueryRow(ctx, `
		INSERT INTO notification_endpoints (owner_id, type, url, sealed_headers, sealed_secret, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $6, $5, $5)
		ON CONFLICT (owner_id, type) DO UPDATE
		SET url = EXCLUDED.url, sealed_headers = EXCLUDED.sealed_headers, updated_at = EXCLUDED.updated_at,
		    sealed_secret = COALESCE(notification_endpoints.sealed_secret, EXCLUDED.sealed_secret)
		RETURNING created_at, updated_at, sealed_secret IS NOT DISTINCT FROM $6::bytea`,
		e.OwnerID, string(e.Type), e.URL, sealed, e.UpdatedAt, sealedSecret,
	).Scan(&e.CreatedAt, &e.UpdatedAt, &ours)
	if err != nil {
		return mapError(err, "notification endpoint")
	}
	if !ours {
		e.SigningSecret = ""
	}
	return nil
}

// OpenSecret decrypts an endpoint's sealed signing secret.
func (s *NotifyStore) OpenSecret(sealed []byte) (string, error) {
	plain, err := s.sealer.Open(sealed)
	if err != nil {
		return "", fmt.Errorf("open signing secret: %w", err)
	}
	return string(plain), nil
}

// DeleteEndpoint removes the owner's endpoint of type t. It does not check
// permissions.
func (s *NotifyStore) DeleteEndpoint(ctx context.Context, ownerID int64, t notify.EventType) error {
	tag, err := s.db.Pool.Exec(ctx,
		`DELETE FROM notification_endpoints WHERE owner_id = $1 AND type = $2`, ownerID, string(t))
	if err != nil {
		return mapError(err, "notification endpoint")
	}
	if tag.RowsAffected() == 0 {
		return errs.NotFoundf("notification endpoint not found")
	}
	return nil
}

// ListEndpoints returns the owner's endpoints ordered by type. It does not
// check permissions.
func (s *NotifyStore) ListEndpoints(ctx context.Context, ownerID int64) ([]*notify.Endpoint, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT owner_id, type, url, sealed_headers, created_at, updated_at
		FROM notification_endpoints WHERE owner_id = $1 ORDER BY type`, ownerID)
	if err != nil {
		return nil, mapError(err, "notification endpoints")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*notify.Endpoint, error) {
		var e notify.Endpoint
		var typ string
		var sealed []byte
		if err := r.Scan(&e.OwnerID, &typ, &e.URL, &sealed, &e.CreatedAt, &e.UpdatedAt); err != nil {
			return nil, err
		}
		e.Type = notify.EventType(typ)
		headers, err := s.OpenHeaders(sealed)
		if err != nil {
			return nil, err
		}
		e.Headers = headers
		return &e, nil
	})
	return out, mapError(err, "notification endpoints")
}

const deliveryColumns = `id, event_id, owner_id, type, url, payload, state, attempt, last_status, last_error,
	created_at, updated_at, delivered_at`

// ListDeliveries returns the owner's most recent deliveries, newest first.
// It does not check permissions.
func (s *NotifyStore) ListDeliveries(ctx context.Context, ownerID int64, limit int) ([]*notify.Delivery, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT `+deliveryColumns+`
		FROM notification_deliveries WHERE owner_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, ownerID, limit)
	if err != nil {
		return nil, mapError(err, "notification deliveries")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*notify.Delivery, error) {
		return scanDelivery(r)
	})
	return out, mapError(err, "notification deliveries")
}

// FindDeliveryByEventID returns the delivery of one event. It does not check
// permissions.
func (s *NotifyStore) FindDeliveryByEventID(ctx context.Context, eventID string) (*notify.Delivery, error) {
	d, err := scanDelivery(s.db.Pool.QueryRow(ctx,
		`SELECT `+deliveryColumns+` FROM notification_deliveries WHERE event_id = $1`, eventID))
	return d, mapError(err, "notification delivery")
}

func scanDelivery(row pgx.Row) (*notify.Delivery, error) {
	var d notify.Delivery
	var typ, state string
	var payload *string
	if err := row.Scan(&d.ID, &d.EventID, &d.OwnerID, &typ, &d.URL, &payload, &state, &d.Attempt,
		&d.LastStatus, &d.LastError, &d.CreatedAt, &d.UpdatedAt, &d.DeliveredAt); err != nil {
		return nil, err
	}
	d.Type, d.State = notify.EventType(typ), notify.DeliveryState(state)
	if payload != nil {
		d.Payload = json.RawMessage(*payload)
	}
	return &d, nil
}

// RecordAttempt stores the outcome of one delivery attempt. A delivery that
// has succeeded stays delivered whatever a duplicate attempt reports later.
func (s *NotifyStore) RecordAttempt(ctx context.Context, a notify.Attempt) error {
	if !a.State.Valid() {
		return fmt.Errorf("record attempt: invalid state %q", a.State)
	}
	_, err := s.db.Pool.Exec(ctx, `
		UPDATE notification_deliveries
		SET attempt = GREATEST(attempt, $2), state = $3::text, last_status = $4, last_error = $5,
		    updated_at = $6::timestamptz,
		    delivered_at = CASE WHEN $3::text = 'delivered' THEN $6::timestamptz END
		WHERE event_id = $1 AND state <> 'delivered'`,
		a.EventID, a.Number, string(a.State), a.Status, truncateText(a.Error, 1000), a.At)
	return mapError(err, "notification delivery")
}

// SaveSentMessage records a message that was sent. It does not check
// permissions.
func (s *NotifyStore) SaveSentMessage(ctx context.Context, m *notify.Message) error {
	_, err := s.db.Pool.Exec(ctx,
		`INSERT INTO sent_messages (recipient, channel, body, sent_at) VALUES ($1, $2, $3, $4)`,
		m.To, string(m.Channel), m.Body, m.SentAt)
	return mapError(err, "sent message")
}

// ListSentMessages returns the most recent messages to a recipient, newest
// first. It does not check permissions.
func (s *NotifyStore) ListSentMessages(ctx context.Context, to string, limit int) ([]*notify.Message, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT recipient, channel, body, sent_at FROM sent_messages
		WHERE recipient = $1 ORDER BY sent_at DESC, id DESC LIMIT $2`, to, limit)
	if err != nil {
		return nil, mapError(err, "sent messages")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*notify.Message, error) {
		var m notify.Message
		var channel string
		if err := r.Scan(&m.To, &channel, &m.Body, &m.SentAt); err != nil {
			return nil, err
		}
		m.Channel = notify.Channel(channel)
		return &m, nil
	})
	return out, mapError(err, "sent messages")
}

// PurgeBefore removes the deliveries and sent messages older than before,
// and returns how many rows went.
func (s *NotifyStore) PurgeBefore(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		for _, sql := range []string{
			`DELETE FROM notification_deliveries WHERE created_at < $1`,
			`DELETE FROM sent_messages WHERE sent_at < $1`,
		} {
			tag, err := tx.Exec(ctx, sql, before)
			if err != nil {
				return err
			}
			n += tag.RowsAffected()
		}
		return nil
	})
	return n, mapError(err, "purge notifications")
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}

// NotifyQueue is the River queue that webhook deliveries run in.
const NotifyQueue = "notify"

// WebhookArgs is one notification in the outbox: a River job that the
// delivery worker (package delivery) performs. It carries a snapshot of the
// endpoint taken when the event was written, so a delivery goes where the
// owner's settings said at that moment, with the same headers on every retry.
type WebhookArgs struct {
	// EventID is stable across retries; it is sent as the webhook-id header.
	EventID string           `json:"event_id"`
	OwnerID int64            `json:"owner_id"`
	Type    notify.EventType `json:"type"`
	URL     string           `json:"url"`
	// SealedHeaders are the static headers, sealed with the server key as in
	// notification_endpoints (NotifyStore.OpenHeaders opens them).
	SealedHeaders []byte `json:"sealed_headers"`
	// SealedSecret is the endpoint's signing secret, sealed
	// (NotifyStore.OpenSecret opens it); nil for an endpoint set before
	// secrets existed, whose deliveries go out unsigned.
	SealedSecret []byte `json:"sealed_secret,omitempty"`
	// Payload is the JSON body, "" for an empty body. It is kept as a
	// string so that the receiver gets the bytes encoded at enqueue time
	// (River stores args as jsonb, which would reorder keys).
	Payload string `json:"payload,omitempty"`
}

// Kind is the River job kind of a webhook delivery.
func (WebhookArgs) Kind() string { return "notify_webhook" }

// InsertOpts puts webhook deliveries in their own queue.
func (WebhookArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: NotifyQueue} }

// LiveQueue is the River queue that hands live events to subscriptions.
const LiveQueue = "live"

// LiveArgs is one live event in the outbox: a River job that the live
// worker (package delivery) publishes to every replica's subscriptions
// (Redis pub/sub). It is written for every event that subscriptions can
// ask for, whether or not a webhook endpoint wants it.
type LiveArgs struct {
	Event notify.LiveEvent `json:"event"`
}

// Kind is the River job kind of a live event.
func (LiveArgs) Kind() string { return "notify_live" }

// InsertOpts puts live events in their own queue, tried a few times only:
// a live event that cannot be published within seconds is stale.
func (LiveArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: LiveQueue, MaxAttempts: 3}
}

// Outbox writes notifications in the caller's transaction, so that they go
// out if and only if the change they announce commits.
type Outbox struct {
	jobs *river.Client[pgx.Tx]
}

// NewOutbox returns an outbox that inserts its jobs through jobs (a River
// client on the same database; it need not be started).
func NewOutbox(jobs *river.Client[pgx.Tx]) *Outbox { return &Outbox{jobs: jobs} }

// Enqueue writes the events inside tx: each one whose owner has an endpoint
// for its type becomes a delivery job and a pending delivery row; the
// others are dropped. Call it from a store method that owns tx, after the
// change the events announce.
func (o *Outbox) Enqueue(ctx context.Context, tx pgx.Tx, events ...notify.Event) error {
	if len(events) == 0 {
		return nil
	}
	// Events about a user (receipts, cards) are also live events.
	var live []notify.Event
	for _, ev := range events {
		if ev.UserID != "" && ev.ObjectID != "" {
			live = append(live, ev)
		}
	}
	if err := o.Live(ctx, tx, live...); err != nil {
		return err
	}
	owners := make([]int64, len(events))
	types := make([]string, len(events))
	for i, ev := range events {
		if !ev.Type.Valid() {
			return fmt.Errorf("enqueue notification: unknown type %q", ev.Type)
		}
		owners[i], types[i] = ev.OwnerID, string(ev.Type)
	}
	type endpointKey struct {
		owner int64
		typ   string
	}
	type endpoint struct {
		url    string
		sealed []byte
		secret []byte
	}
	endpoints := map[endpointKey]endpoint{}
	rows, err := tx.Query(ctx, `
		SELECT owner_id, type, url, sealed_headers, sealed_secret FROM notification_endpoints
		WHERE (owner_id, type) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))`, owners, types)
	if err != nil {
		return fmt.Errorf("enqueue notification: %w", err)
	}
	for rows.Next() {
		var k endpointKey
		var e endpoint
		if err := rows.Scan(&k.owner, &k.typ, &e.url, &e.sealed, &e.secret); err != nil {
			rows.Close()
			return fmt.Errorf("enqueue notification: %w", err)
		}
		endpoints[k] = e
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("enqueue notification: %w", err)
	}

	var (
		params                 []river.InsertManyParams
		eventIDs, urls, dTypes []string
		dOwners                []int64
		payloads               []*string
	)
	for _, ev := range events {
		e, ok := endpoints[endpointKey{ev.OwnerID, string(ev.Type)}]
		if !ok {
			continue
		}
		args := WebhookArgs{EventID: ids.New(), OwnerID: ev.OwnerID, Type: ev.Type, URL: e.url, SealedHeaders: e.sealed,
			SealedSecret: e.secret}
		if len(ev.Query) > 0 {
			if args.URL, err = withQuery(e.url, ev.Query); err != nil {
				return fmt.Errorf("enqueue notification: %w", err)
			}
		}
		var payload *string
		if ev.Payload != nil {
			body, err := json.Marshal(ev.Payload)
			if err != nil {
				return fmt.Errorf("enqueue notification: encode %s payload: %w", ev.Type, err)
			}
			args.Payload = string(body)
			payload = &args.Payload
		}
		params = append(params, river.InsertManyParams{Args: args})
		eventIDs = append(eventIDs, args.EventID)
		dOwners = append(dOwners, ev.OwnerID)
		dTypes = append(dTypes, string(ev.Type))
		urls = append(urls, args.URL)
		payloads = append(payloads, payload)
	}
	if len(params) == 0 {
		return nil
	}
	if _, err := o.jobs.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue notification: %w", err)
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO notification_deliveries (event_id, owner_id, type, url, payload)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[])`,
		eventIDs, dOwners, dTypes, urls, payloads); err != nil {
		return fmt.Errorf("enqueue notification: %w", err)
	}
	return nil
}

// Live writes the live events of events inside tx: each becomes a job of
// the live queue, published to subscriptions once the transaction commits.
func (o *Outbox) Live(ctx context.Context, tx pgx.Tx, events ...notify.Event) error {
	if len(events) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(events))
	for i, ev := range events {
		params[i] = river.InsertManyParams{Args: LiveArgs{Event: notify.LiveEventOf(ev)}}
	}
	if _, err := o.jobs.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue live event: %w", err)
	}
	return nil
}

// withQuery adds query parameters to an endpoint URL.
func withQuery(raw string, query map[string]string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("stored endpoint url does not parse")
	}
	q := u.Query()
	for k, v := range query {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
