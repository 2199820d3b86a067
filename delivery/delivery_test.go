package delivery_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"loyaltygraph/delivery"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/secret"
	"loyaltygraph/store/postgres"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is one test's view of the package database: a roomy pool, the
// notification store, an outbox and an owner.
type env struct {
	url    string
	db     *postgres.DB
	store  *postgres.NotifyStore
	outbox *postgres.Outbox
	owner  int64
}

// poolURL asks for enough connections for River and the test together.
func poolURL(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "20")
	u.RawQuery = q.Encode()
	return u.String()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{url: poolURL(t)}
	db, err := postgres.Open(ctx, e.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	e.db = db
	// Tests share the package database one after the other; no job of an
	// earlier test may be picked up by a later one.
	if _, err := db.Pool.Exec(ctx, `DELETE FROM river_job`); err != nil {
		t.Fatal(err)
	}
	keys, err := secret.NewKeys(testenv.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	e.store = postgres.NewNotifyStore(db, keys)
	inserter, err := delivery.NewRiverClient(db.Pool, delivery.Config{Store: e.store})
	if err != nil {
		t.Fatal(err)
	}
	e.outbox = postgres.NewOutbox(inserter)
	if err := db.Pool.QueryRow(ctx, `
		INSERT INTO credentials (kind, name, username, secret_hash) VALUES ('settlement', 'owner', $1, 'x')
		RETURNING id`, "s"+ids.LowerAlnum(12)).Scan(&e.owner); err != nil {
		t.Fatal(err)
	}
	return e
}

// setEndpoint stores an endpoint directly, as the service would after
// validation (tests deliver to 127.0.0.1).
func (e *env) setEndpoint(t *testing.T, typ notify.EventType, rawURL string, headers ...notify.Header) {
	t.Helper()
	if err := e.store.SetEndpoint(context.Background(), &notify.Endpoint{
		OwnerID: e.owner, Type: typ, URL: rawURL, Headers: headers, UpdatedAt: time.Now(),
	}); err != nil {
		t.Fatal(err)
	}
}

// enqueue writes events in one committed transaction.
func (e *env) enqueue(t *testing.T, events ...notify.Event) {
	t.Helper()
	ctx := context.Background()
	if err := pgx.BeginFunc(ctx, e.db.Pool, func(tx pgx.Tx) error { return e.outbox.Enqueue(ctx, tx, events...) }); err != nil {
		t.Fatal(err)
	}
}

func (e *env) userCreated(memberID string) notify.Event {
	return notify.Event{Type: notify.EventUserCreated, OwnerID: e.owner, Payload: map[string]string{
		"memberId": memberID, "phoneNumber": "4511111111", "provider": "storebox",
	}}
}

// startWorker starts a delivering River client, which the outbox then
// inserts through (a job's MaxAttempts is fixed by the inserting client); it
// stops when the test ends.
func (e *env) startWorker(t *testing.T, cfg delivery.Config) *river.Client[pgx.Tx] {
	t.Helper()
	cfg.Store = e.store
	if cfg.Log == nil {
		cfg.Log = testenv.Logger()
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase = 10 * time.Millisecond
	}
	c, err := delivery.NewRiverClient(e.db.Pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.outbox = postgres.NewOutbox(c)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.StopAndCancel(ctx)
	})
	return c
}

// deliveries returns the owner's deliveries by event id.
func (e *env) deliveries(t *testing.T) map[string]*notify.Delivery {
	t.Helper()
	list, err := e.store.ListDeliveries(context.Background(), e.owner, notify.MaxDeliveries)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*notify.Delivery{}
	for _, d := range list {
		out[d.EventID] = d
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type hit struct {
	id     string
	method string
	header http.Header
	body   []byte
}

// receiver is an HTTP endpoint on 127.0.0.1 that records every request and
// answers with the status respond gives for the n-th request (from 1).
type receiver struct {
	mu      sync.Mutex
	hits    []hit
	respond func(n int, r *http.Request) int
	srv     *httptest.Server
	// location, when set, is sent as the Location header.
	location string
}

func newReceiver(t *testing.T, respond func(n int, r *http.Request) int) *receiver {
	t.Helper()
	rc := &receiver{respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.hits = append(rc.hits, hit{id: r.Header.Get("webhook-id"), method: r.Method, header: r.Header.Clone(), body: body})
		n := len(rc.hits)
		location := rc.location
		rc.mu.Unlock()
		status := http.StatusOK
		if rc.respond != nil {
			status = rc.respond(n, r)
		}
		if location != "" {
			w.Header().Set("Location", location)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) snapshot() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hit(nil), rc.hits...)
}

func (rc *receiver) count() int { return len(rc.snapshot()) }

func TestNotificationArrivesWithStaticHeaders(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t, nil)
	e.setEndpoint(t, notify.EventUserCreated, rc.srv.URL+"/hooks/created?tenant=7",
		notify.Header{Name: "Authorization", Value: "Bearer receiver-secret"},
		notify.Header{Name: "X-Tenant", Value: "acme"})
	e.startWorker(t, delivery.Config{AllowPrivate: true})

	before := time.Now().Unix()
	e.enqueue(t, e.userCreated("member1"))
	waitFor(t, 10*time.Second, "the notification", func() bool { return rc.count() == 1 })

	h := rc.snapshot()[0]
	if h.method != http.MethodPost {
		t.Errorf("method = %s, want POST", h.method)
	}
	for name, want := range map[string]string{
		"Authorization": "Bearer receiver-secret",
		"X-Tenant":      "acme",
		"Content-Type":  "application/json",
	} {
		if got := h.header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if want := `{"memberId":"member1","phoneNumber":"4511111111","provider":"storebox"}`; string(h.body) != want {
		t.Errorf("body = %s, want %s", h.body, want)
	}
	ts, err := strconv.ParseInt(h.header.Get("webhook-timestamp"), 10, 64)
	if err != nil || ts < before-1 || ts > time.Now().Unix()+1 {
		t.Errorf("webhook-timestamp = %q", h.header.Get("webhook-timestamp"))
	}
	var d *notify.Delivery
	waitFor(t, 5*time.Second, "the delivery to be recorded", func() bool {
		for _, x := range e.deliveries(t) {
			d = x
		}
		return d != nil && d.State == notify.DeliveryDelivered
	})
	if d.EventID != h.id || len(h.id) != 32 || d.Attempt != 1 || d.LastStatus != 200 || d.DeliveredAt == nil ||
		d.URL != rc.srv.URL+"/hooks/created?tenant=7" {
		t.Fatalf("delivery = %+v, webhook-id %q", d, h.id)
	}

	// A change that rolls back announces nothing.
	ctx := context.Background()
	_ = pgx.BeginFunc(ctx, e.db.Pool, func(tx pgx.Tx) error {
		if err := e.outbox.Enqueue(ctx, tx, e.userCreated("member2")); err != nil {
			t.Fatal(err)
		}
		return fmt.Errorf("roll back")
	})
	// And a committed one after it still arrives, alone.
	e.enqueue(t, e.userCreated("member3"))
	waitFor(t, 10*time.Second, "the next notification", func() bool { return rc.count() >= 2 })
	time.Sleep(300 * time.Millisecond)
	hits := rc.snapshot()
	if len(hits) != 2 || !strings.Contains(string(hits[1].body), "member3") {
		t.Fatalf("receiver got %d requests; the second %s", len(hits), hits[len(hits)-1].body)
	}
	if n := len(e.deliveries(t)); n != 2 {
		t.Fatalf("%d deliveries recorded, want 2", n)
	}
}

func TestRetriedAfterReceiverFails(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t, func(n int, _ *http.Request) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	e.setEndpoint(t, notify.EventUserDeleted, rc.srv.URL, notify.Header{Name: "X-Key", Value: "k"})
	e.startWorker(t, delivery.Config{AllowPrivate: true, RetryBase: 20 * time.Millisecond})
	e.enqueue(t, notify.Event{Type: notify.EventUserDeleted, OwnerID: e.owner, Payload: map[string]string{"memberId": "m", "provider": "storebox"}})

	waitFor(t, 15*time.Second, "three attempts", func() bool { return rc.count() >= 3 })
	var d *notify.Delivery
	waitFor(t, 5*time.Second, "the delivery to be recorded", func() bool {
		for _, x := range e.deliveries(t) {
			d = x
		}
		return d != nil && d.State == notify.DeliveryDelivered
	})
	time.Sleep(200 * time.Millisecond)
	hits := rc.snapshot()
	if len(hits) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(hits))
	}
	for i, h := range hits {
		if h.id != d.EventID || h.header.Get("X-Key") != "k" || string(h.body) != string(hits[0].body) {
			t.Errorf("attempt %d: webhook-id %q, X-Key %q, body %s; want id %q and the same request", i+1, h.id, h.header.Get("X-Key"), h.body, d.EventID)
		}
	}
	if d.Attempt != 3 || d.LastStatus != http.StatusNoContent || d.LastError != "" {
		t.Fatalf("delivery = %+v", d)
	}
}

func TestRedirectsAndTimeoutsAreFailures(t *testing.T) {
	e := newEnv(t)
	target := newReceiver(t, nil)
	redirecting := newReceiver(t, func(_ int, r *http.Request) int { return http.StatusFound })
	redirecting.mu.Lock()
	redirecting.location = target.srv.URL
	redirecting.mu.Unlock()
	release := make(chan struct{})
	defer close(release)
	slow := newReceiver(t, func(_ int, r *http.Request) int {
		select {
		case <-r.Context().Done():
		case <-release:
		}
		return http.StatusOK
	})
	e.setEndpoint(t, notify.EventUserCreated, redirecting.srv.URL)
	e.setEndpoint(t, notify.EventUserDeleted, slow.srv.URL)
	e.startWorker(t, delivery.Config{AllowPrivate: true, Timeout: 300 * time.Millisecond, MaxAttempts: 2, RescueAfter: 10 * time.Second})
	e.enqueue(t, e.userCreated("r"), notify.Event{Type: notify.EventUserDeleted, OwnerID: e.owner, Payload: map[string]string{"memberId": "s"}})

	var redirected, timedOut *notify.Delivery
	waitFor(t, 20*time.Second, "both deliveries to fail", func() bool {
		for _, d := range e.deliveries(t) {
			switch d.Type {
			case notify.EventUserCreated:
				redirected = d
			case notify.EventUserDeleted:
				timedOut = d
			}
		}
		return redirected != nil && timedOut != nil &&
			redirected.State == notify.DeliveryFailed && timedOut.State == notify.DeliveryFailed
	})
	if redirected.Attempt != 2 || redirected.LastStatus != http.StatusFound || !strings.Contains(redirected.LastError, "redirect") {
		t.Errorf("redirected delivery = %+v", redirected)
	}
	if n := target.count(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
	if n := redirecting.count(); n != 2 {
		t.Errorf("redirecting endpoint got %d attempts, want 2", n)
	}
	if timedOut.Attempt != 2 || timedOut.LastStatus != 0 || !strings.Contains(timedOut.LastError, "in time") {
		t.Errorf("timed-out delivery = %+v", timedOut)
	}
}

func TestPrivateAddressesRefusedWhenDelivering(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t, nil)
	port := rc.srv.Listener.Addr().(*net.TCPAddr).Port
	// Both a literal loopback address and a name that resolves to one are
	// refused at connect time, whatever got the endpoint stored.
	e.setEndpoint(t, notify.EventUserCreated, rc.srv.URL)
	e.setEndpoint(t, notify.EventUserDeleted, fmt.Sprintf("http://localhost:%d/", port))
	e.startWorker(t, delivery.Config{AllowPrivate: false})
	e.enqueue(t, e.userCreated("p"), notify.Event{Type: notify.EventUserDeleted, OwnerID: e.owner, Payload: map[string]string{"memberId": "p"}})

	waitFor(t, 10*time.Second, "both deliveries to fail", func() bool {
		ds := e.deliveries(t)
		failed := 0
		for _, d := range ds {
			if d.State == notify.DeliveryFailed {
				failed++
			}
		}
		return failed == 2
	})
	for _, d := range e.deliveries(t) {
		if d.Attempt != 1 || !strings.Contains(d.LastError, "not public") {
			t.Errorf("delivery %s = %+v; want one attempt refused for good", d.Type, d)
		}
	}
	if n := rc.count(); n != 0 {
		t.Fatalf("a private address received %d requests", n)
	}
}

func TestBackoffSpansAboutThreeDays(t *testing.T) {
	var total time.Duration
	prev := time.Duration(0)
	// Attempts 1..22 fail; the 23rd is the last.
	for n := 1; n < delivery.DefaultMaxAttempts; n++ {
		d := delivery.Backoff(n, delivery.DefaultRetryBase, delivery.DefaultRetryCap, 1)
		if d < prev || d > delivery.DefaultRetryCap {
			t.Fatalf("wait after attempt %d = %v (previous %v)", n, d, prev)
		}
		prev = d
		total += d
	}
	if total < 70*time.Hour || total > 74*time.Hour {
		t.Fatalf("the last attempt comes %v after the first, want about 3 days", total)
	}
	if d := delivery.Backoff(1, 10*time.Second, time.Hour, 0.8); d != 8*time.Second {
		t.Fatalf("jitter 0.8 on the first wait = %v", d)
	}
	if d := delivery.Backoff(100, 10*time.Second, time.Hour, 1.2); d != 72*time.Minute {
		t.Fatalf("capped wait with jitter = %v", d)
	}
}

func TestRetrySchedule(t *testing.T) {
	// The default schedule is the default exponential backoff: 22 retries
	// over about three days.
	s, err := delivery.ParseRetrySchedule(delivery.DefaultRetrySchedule)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != delivery.DefaultMaxAttempts-1 {
		t.Fatalf("default schedule has %d retries, want %d", len(s), delivery.DefaultMaxAttempts-1)
	}
	var total time.Duration
	for i, d := range s {
		if want := delivery.Backoff(i+1, delivery.DefaultRetryBase, delivery.DefaultRetryCap, 1); d != want {
			t.Errorf("wait %d = %v, want %v", i+1, d, want)
		}
		total += d
	}
	if total < 70*time.Hour || total > 72*time.Hour {
		t.Errorf("default schedule spans %v, want about three days", total)
	}
	s, err = delivery.ParseRetrySchedule(" 10s, 1m ,5m*3")
	if err != nil || len(s) != 5 || s[0] != 10*time.Second || s[1] != time.Minute || s[4] != 5*time.Minute {
		t.Fatalf("10s,1m,5m*3 = %v, %v", s, err)
	}
	for _, bad := range []string{"", "10", "500ms", "1s,,2s", "1s*0", "1s*x", "200h", "-1s", "1s*1001", "1s*600,1s*600", "1s\x00"} {
		if _, err := delivery.ParseRetrySchedule(bad); err == nil {
			t.Errorf("schedule %q accepted", bad)
		}
	}
}

func TestRetryScheduleIsFollowed(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var at []time.Time
	rc := newReceiver(t, func(n int, _ *http.Request) int {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		if n < 3 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	e.setEndpoint(t, notify.EventUserCreated, rc.srv.URL)
	// The job's attempts are fixed by its inserting client: the worker.
	e.startWorker(t, delivery.Config{AllowPrivate: true, RetrySchedule: []time.Duration{time.Second, 2 * time.Second}})
	e.enqueue(t, e.userCreated("m1"))
	waitFor(t, 20*time.Second, "three attempts", func() bool { return rc.count() == 3 })
	mu.Lock()
	first, second := at[1].Sub(at[0]), at[2].Sub(at[1])
	mu.Unlock()
	// The schedule's waits with jitter of ±20%, plus River's fetch poll.
	if first < 800*time.Millisecond || first > 3*time.Second || second < 1600*time.Millisecond || second > 4*time.Second {
		t.Fatalf("waits %v and %v, want about 1s and 2s", first, second)
	}
	waitFor(t, 5*time.Second, "the delivery to be recorded", func() bool {
		for _, d := range e.deliveries(t) {
			return d.State == notify.DeliveryDelivered && d.Attempt == 3
		}
		return false
	})
}
