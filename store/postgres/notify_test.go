package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/secret"
	"loyaltygraph/store/postgres"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func notifyStore(t *testing.T) (*postgres.DB, *postgres.NotifyStore) {
	t.Helper()
	db := testenv.DB(t)
	keys, err := secret.NewKeys(testenv.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	return db, postgres.NewNotifyStore(db, keys)
}

// newOwner inserts a credential to own endpoints and returns its id.
func newOwner(t *testing.T, db *postgres.DB) int64 {
	t.Helper()
	var id int64
	err := db.Pool.QueryRow(context.Background(), `
		INSERT INTO credentials (kind, name, username, secret_hash) VALUES ('admin', 'owner', $1, 'x')
		RETURNING id`, "u"+ids.LowerAlnum(12)).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func setEndpoint(t *testing.T, st *postgres.NotifyStore, owner int64, typ notify.EventType, url string, headers ...notify.Header) {
	t.Helper()
	e := &notify.Endpoint{OwnerID: owner, Type: typ, URL: url, Headers: headers, UpdatedAt: time.Now()}
	if err := st.SetEndpoint(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

func TestNotificationEndpoints(t *testing.T) {
	ctx := context.Background()
	db, st := notifyStore(t)
	owner, other := newOwner(t, db), newOwner(t, db)

	setEndpoint(t, st, owner, notify.EventUserCreated, "https://a.example.com/1", notify.Header{Name: "Authorization", Value: "Bearer s3cret-token"})
	first, err := st.ListEndpoints(ctx, owner)
	if err != nil || len(first) != 1 {
		t.Fatalf("ListEndpoints = %v, %v", first, err)
	}
	time.Sleep(5 * time.Millisecond)
	setEndpoint(t, st, owner, notify.EventUserCreated, "https://b.example.com/2",
		notify.Header{Name: "X-Api-Key", Value: "k1"}, notify.Header{Name: "X-Tenant", Value: "t1"})
	setEndpoint(t, st, owner, notify.EventUserDeleted, "https://c.example.com/3")

	list, err := st.ListEndpoints(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("got %d endpoints, want 2 (one per type)", len(list))
	}
	got := list[0]
	if got.Type != notify.EventUserCreated || got.URL != "https://b.example.com/2" ||
		len(got.Headers) != 2 || got.Headers[0] != (notify.Header{Name: "X-Api-Key", Value: "k1"}) {
		t.Fatalf("replaced endpoint = %+v", got)
	}
	if !got.CreatedAt.Equal(first[0].CreatedAt) || !got.UpdatedAt.After(got.CreatedAt) {
		t.Fatalf("replacing kept created %v and moved updated %v?", got.CreatedAt, got.UpdatedAt)
	}
	if list[1].Type != notify.EventUserDeleted || len(list[1].Headers) != 0 {
		t.Fatalf("second endpoint = %+v", list[1])
	}
	if others, err := st.ListEndpoints(ctx, other); err != nil || len(others) != 0 {
		t.Fatalf("another owner sees %d endpoints (%v)", len(others), err)
	}

	// Header values are secrets: they are not stored in the clear.
	var sealed []byte
	if err := db.Pool.QueryRow(ctx, `SELECT sealed_headers FROM notification_endpoints WHERE owner_id = $1 AND type = 'USER_CREATED'`, owner).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("k1")) || bytes.Contains(sealed, []byte("X-Api-Key")) {
		t.Fatal("headers are stored in the clear")
	}

	if err := st.DeleteEndpoint(ctx, owner, notify.EventUserDeleted); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteEndpoint(ctx, owner, notify.EventUserDeleted); !errs.Is(err, errs.NotFound) {
		t.Fatalf("deleting twice = %v, want not found", err)
	}
	if err := st.DeleteEndpoint(ctx, other, notify.EventUserCreated); !errs.Is(err, errs.NotFound) {
		t.Fatalf("deleting another owner's endpoint = %v, want not found", err)
	}

	// An unknown owner cannot have endpoints; a removed owner's go with it.
	err = st.SetEndpoint(ctx, &notify.Endpoint{OwnerID: -1, Type: notify.EventUserCreated, URL: "https://x.example.com", UpdatedAt: time.Now()})
	if err == nil {
		t.Fatal("endpoint for a missing owner was stored")
	}
	if _, err := db.Pool.Exec(ctx, `DELETE FROM credentials WHERE id = $1`, owner); err != nil {
		t.Fatal(err)
	}
	if left, _ := st.ListEndpoints(ctx, owner); len(left) != 0 {
		t.Fatalf("%d endpoints outlived their owner", len(left))
	}
}

// insertOnlyClient is a River client that only inserts, as the app's is
// outside `serve`.
func insertOnlyClient(t *testing.T, db *postgres.DB) *river.Client[pgx.Tx] {
	t.Helper()
	c, err := river.NewClient(riverpgxv5.New(db.Pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func countJobs(t *testing.T, db *postgres.DB, owner int64) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM river_job WHERE kind = 'notify_webhook' AND (args->>'owner_id')::bigint = $1`, owner).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOutboxEnqueueInTransaction(t *testing.T) {
	ctx := context.Background()
	db, st := notifyStore(t)
	outbox := postgres.NewOutbox(insertOnlyClient(t, db))
	owner, silent := newOwner(t, db), newOwner(t, db)
	setEndpoint(t, st, owner, notify.EventUserCreated, "https://hooks.example.com/created?k=v", notify.Header{Name: "X-Key", Value: "abc"})
	setEndpoint(t, st, owner, notify.EventUserDeleted, "https://hooks.example.com/deleted")

	created := map[string]string{"memberId": "m1", "phoneNumber": "4511111111", "provider": "storebox"}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		return outbox.Enqueue(ctx, tx,
			notify.Event{Type: notify.EventUserCreated, OwnerID: owner, Payload: created},
			notify.Event{Type: notify.EventUserUpdated, OwnerID: owner, Payload: created},  // no endpoint for this type
			notify.Event{Type: notify.EventUserCreated, OwnerID: silent, Payload: created}, // owner without endpoints
			notify.Event{Type: notify.EventUserDeleted, OwnerID: owner, Query: map[string]string{"memberId": "m1"}},
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := countJobs(t, db, owner); n != 2 {
		t.Fatalf("%d jobs written, want 2", n)
	}
	if n := countJobs(t, db, silent); n != 0 {
		t.Fatalf("%d jobs written for an owner without endpoints", n)
	}

	// The job carries a snapshot of the endpoint and the payload.
	var raw []byte
	if err := db.Pool.QueryRow(ctx, `SELECT args FROM river_job WHERE args->>'type' = 'USER_CREATED' AND (args->>'owner_id')::bigint = $1`, owner).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var args postgres.WebhookArgs
	if err := json.Unmarshal(raw, &args); err != nil {
		t.Fatal(err)
	}
	if want := `{"memberId":"m1","phoneNumber":"4511111111","provider":"storebox"}`; args.Payload != want {
		t.Fatalf("job payload = %s, want the bytes encoded at enqueue time %s", args.Payload, want)
	}
	if len(args.EventID) != 32 || args.URL != "https://hooks.example.com/created?k=v" {
		t.Fatalf("job args = %+v", args)
	}
	headers, err := st.OpenHeaders(args.SealedHeaders)
	if err != nil || len(headers) != 1 || headers[0].Value != "abc" {
		t.Fatalf("job headers = %v, %v", headers, err)
	}
	var payload map[string]string
	if err := json.Unmarshal([]byte(args.Payload), &payload); err != nil || payload["phoneNumber"] != "4511111111" {
		t.Fatalf("job payload = %s (%v)", args.Payload, err)
	}

	// Owners see one pending delivery per job, newest first.
	deliveries, err := st.ListDeliveries(ctx, owner, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(deliveries) != 2 {
		t.Fatalf("%d deliveries, want 2", len(deliveries))
	}
	byType := map[notify.EventType]*notify.Delivery{}
	for _, d := range deliveries {
		if d.State != notify.DeliveryPending || d.Attempt != 0 || d.OwnerID != owner {
			t.Fatalf("delivery = %+v", d)
		}
		byType[d.Type] = d
	}
	if d := byType[notify.EventUserCreated]; d == nil || d.EventID != args.EventID || string(d.Payload) != args.Payload {
		t.Fatalf("created delivery = %+v", d)
	}
	if d := byType[notify.EventUserDeleted]; d == nil || d.URL != "https://hooks.example.com/deleted?memberId=m1" || d.Payload != nil {
		t.Fatalf("deleted delivery = %+v (payload %s)", d, d.Payload)
	}
	if other, _ := st.ListDeliveries(ctx, silent, 10); len(other) != 0 {
		t.Fatalf("an owner sees %d deliveries that are not its own", len(other))
	}
}

func TestOutboxRolledBackSendsNothing(t *testing.T) {
	ctx := context.Background()
	db, st := notifyStore(t)
	outbox := postgres.NewOutbox(insertOnlyClient(t, db))
	owner := newOwner(t, db)
	setEndpoint(t, st, owner, notify.EventUserCreated, "https://hooks.example.com/")

	boom := errors.New("the change failed")
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if err := outbox.Enqueue(ctx, tx, notify.Event{Type: notify.EventUserCreated, OwnerID: owner, Payload: map[string]string{"memberId": "x"}}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("transaction = %v", err)
	}
	if n := countJobs(t, db, owner); n != 0 {
		t.Fatalf("%d jobs survived the rollback", n)
	}
	if d, _ := st.ListDeliveries(ctx, owner, 10); len(d) != 0 {
		t.Fatalf("%d deliveries survived the rollback", len(d))
	}

	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		return outbox.Enqueue(ctx, tx, notify.Event{Type: "NOT_A_TYPE", OwnerID: owner})
	})
	if err == nil {
		t.Fatal("an unknown event type was enqueued")
	}
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		return outbox.Enqueue(ctx, tx, notify.Event{Type: notify.EventUserCreated, OwnerID: owner, Payload: func() {}})
	})
	if err == nil {
		t.Fatal("a payload that is not JSON was enqueued")
	}
}

func TestRecordAttemptKeepsDelivered(t *testing.T) {
	ctx := context.Background()
	db, st := notifyStore(t)
	outbox := postgres.NewOutbox(insertOnlyClient(t, db))
	owner := newOwner(t, db)
	setEndpoint(t, st, owner, notify.EventUserDeleted, "https://hooks.example.com/")
	if err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		return outbox.Enqueue(ctx, tx, notify.Event{Type: notify.EventUserDeleted, OwnerID: owner, Payload: map[string]string{"memberId": "m"}})
	}); err != nil {
		t.Fatal(err)
	}
	list, _ := st.ListDeliveries(ctx, owner, 1)
	id := list[0].EventID
	now := time.Now().UTC().Truncate(time.Microsecond)
	steps := []notify.Attempt{
		{EventID: id, Number: 1, State: notify.DeliveryRetrying, Status: 500, Error: "receiver answered 500", At: now},
		{EventID: id, Number: 2, State: notify.DeliveryDelivered, Status: 204, At: now.Add(time.Second)},
		// A duplicate run of an older attempt does not undo the delivery.
		{EventID: id, Number: 2, State: notify.DeliveryRetrying, Status: 0, Error: "late", At: now.Add(2 * time.Second)},
	}
	for _, a := range steps {
		if err := st.RecordAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	d, err := st.FindDeliveryByEventID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != notify.DeliveryDelivered || d.Attempt != 2 || d.LastStatus != 204 || d.LastError != "" ||
		d.DeliveredAt == nil || !d.DeliveredAt.Equal(now.Add(time.Second)) {
		t.Fatalf("delivery = %+v", d)
	}
	if err := st.RecordAttempt(ctx, notify.Attempt{EventID: id, State: "bogus"}); err == nil {
		t.Fatal("an invalid state was recorded")
	}
}

func TestSentMessagesAndPurge(t *testing.T) {
	ctx := context.Background()
	_, st := notifyStore(t)
	base := time.Now().UTC().Truncate(time.Microsecond)
	for i, m := range []notify.Message{
		{To: "4511111111", Channel: notify.ChannelSMS, Body: "old", SentAt: base.Add(-40 * 24 * time.Hour)},
		{To: "4511111111", Channel: notify.ChannelSMS, Body: "first", SentAt: base.Add(-time.Minute)},
		{To: "4511111111", Channel: notify.ChannelSMS, Body: "second", SentAt: base},
		{To: "ann@example.com", Channel: notify.ChannelEmail, Body: "mail", SentAt: base},
	} {
		if err := st.SaveSentMessage(ctx, &m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	got, err := st.ListSentMessages(ctx, "4511111111", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Body != "second" || got[1].Body != "first" || got[0].Channel != notify.ChannelSMS || !got[0].SentAt.Equal(base) {
		t.Fatalf("messages = %+v", got)
	}
	if err := st.SaveSentMessage(ctx, &notify.Message{To: "x", Channel: "pigeon", Body: "b", SentAt: base}); err == nil {
		t.Fatal("an unknown channel was stored")
	}

	n, err := st.PurgeBefore(ctx, base.Add(-30*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PurgeBefore = %d, %v; want 1 row", n, err)
	}
	all, _ := st.ListSentMessages(ctx, "4511111111", 100)
	if len(all) != 2 {
		t.Fatalf("%d messages left, want 2", len(all))
	}
}

func TestMigrateIncludesRiverAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	applied, err := db.Migrate(ctx)
	if err != nil || len(applied) != 0 {
		t.Fatalf("migrating a migrated database applied %v, %v", applied, err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM river_migration`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("River's migrations are not applied: %d, %v", n, err)
	}
}
