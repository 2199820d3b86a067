package delivery_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/delivery"
	"loyaltygraph/domain/notify"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/secret"
	"loyaltygraph/store/postgres"
)

// helperDBEnv names the database the helper process delivers from; it is
// set only in that process.
const helperDBEnv = "LG_DELIVERY_HELPER_DB"

// helperScheduleEnv, when set, is the helper's WEBHOOK_RETRY_SCHEDULE.
const helperScheduleEnv = "LG_DELIVERY_HELPER_SCHEDULE"

// TestDeliveryHelperProcess is not a test: TestNoneLostWhenKilled runs the
// test binary again with only this function, as the delivering process
// that it kills.
func TestDeliveryHelperProcess(t *testing.T) {
	dbURL := os.Getenv(helperDBEnv)
	if dbURL == "" {
		t.Skip("helper process of TestNoneLostWhenKilled")
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.NewKeys(testenv.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewNotifyStore(db, keys)
	cfg := delivery.Config{
		Store:        store,
		AllowPrivate: true,
		Workers:      10,
		Timeout:      time.Minute,
		Log:          slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if s := os.Getenv(helperScheduleEnv); s != "" {
		// As serve runs it: a retry schedule, fewer workers, the runner.
		if cfg.RetrySchedule, err = delivery.ParseRetrySchedule(s); err != nil {
			t.Fatal(err)
		}
		cfg.Workers, cfg.Timeout = 5, 10*time.Second
	}
	c, err := delivery.NewRiverClient(db.Pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := delivery.NewRunner(c, store, cfg.Log).Start(ctx); err != nil {
		t.Fatal(err)
	}
	fmt.Println("delivering")
	// Wait to be killed, but never outlive a forgotten parent for long.
	time.Sleep(2 * time.Minute)
}

func TestNoneLostWhenKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for River's leadership to pass from the killed process (about 20 s)")
	}
	e := newEnv(t)

	// While the first process runs, the receiver holds every request
	// without answering; after it is killed, it answers 200.
	var answering atomic.Bool
	var inFlight sync.Map // webhook-id → true, requests held while the process lives
	rc := newReceiver(t, func(_ int, r *http.Request) int {
		if answering.Load() {
			return http.StatusOK
		}
		inFlight.Store(r.Header.Get("webhook-id"), true)
		<-r.Context().Done() // the killed process drops the connection
		return http.StatusServiceUnavailable
	})
	e.setEndpoint(t, notify.EventUserCreated, rc.srv.URL, notify.Header{Name: "X-Key", Value: "k"})

	// Five events are written while no process delivers.
	for i := range 5 {
		e.enqueue(t, e.userCreated(fmt.Sprintf("before-%d", i)))
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestDeliveryHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), helperDBEnv+"="+e.url)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "delivering") {
				close(started)
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the delivering process did not start")
	}
	waitFor(t, 30*time.Second, "the first process to take all five events", func() bool {
		n := 0
		inFlight.Range(func(any, any) bool { n++; return true })
		return n == 5
	})

	// Kill it mid-delivery: its five jobs stay "running" in the database.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed = true

	// Three more are written while no process delivers.
	for i := range 3 {
		e.enqueue(t, e.userCreated(fmt.Sprintf("after-%d", i)))
	}
	answering.Store(true)

	// A new process delivers everything: the new events at once, the five
	// interrupted ones once it has rescued them.
	e.startWorker(t, delivery.Config{AllowPrivate: true, Timeout: time.Second, RescueAfter: 4 * time.Second})
	waitFor(t, 90*time.Second, "all eight notifications to be delivered", func() bool {
		ds := e.deliveries(t)
		done := 0
		for _, d := range ds {
			if d.State == notify.DeliveryDelivered {
				done++
			}
		}
		return done == 8
	})

	// At least once: every event arrived, each with its own stable id.
	delivered := map[string]bool{}
	for _, h := range rc.snapshot() {
		if h.header.Get("X-Key") != "k" {
			t.Errorf("a request came without its static header")
		}
		delivered[h.id] = true
	}
	for id, d := range e.deliveries(t) {
		if !delivered[id] {
			t.Errorf("event %s (%s) never reached the receiver", id, d.Payload)
		}
		if _, wasInFlight := inFlight.Load(id); wasInFlight && d.Attempt < 2 {
			t.Errorf("interrupted event %s delivered on attempt %d; want a retry", id, d.Attempt)
		}
	}
	if len(delivered) != 8 {
		t.Fatalf("%d distinct events arrived, want 8", len(delivered))
	}
}

// gatedReceiver answers each notification after serviceTime (500 to the
// first request of each event when failFirst, else 200). While paused it
// holds new requests unanswered; a held request whose connection the
// killed process drops is recorded as interrupted and never answered.
type gatedReceiver struct {
	failFirst   bool
	serviceTime time.Duration

	mu          sync.Mutex
	paused      bool
	resume      chan struct{}
	held        int
	arrivals    map[string][]time.Time // webhook-id → each request's arrival
	answered    map[string]int         // webhook-id → 2xx answers given
	interrupted map[string]time.Time   // webhook-id → when its request was cut
	srv         *httptest.Server
}

func newGatedReceiver(t *testing.T, failFirst bool) *gatedReceiver {
	g := &gatedReceiver{failFirst: failFirst, serviceTime: 30 * time.Millisecond, resume: make(chan struct{}),
		arrivals: map[string][]time.Time{}, answered: map[string]int{}, interrupted: map[string]time.Time{}}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gatedReceiver) serve(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("webhook-id")
	_, _ = io.Copy(io.Discard, r.Body)
	g.mu.Lock()
	g.arrivals[id] = append(g.arrivals[id], time.Now())
	first := len(g.arrivals[id]) == 1
	paused, resume := g.paused, g.resume
	if paused {
		g.held++
	}
	g.mu.Unlock()
	cut := func() {
		g.mu.Lock()
		g.interrupted[id] = time.Now()
		g.mu.Unlock()
	}
	if paused {
		select {
		case <-resume:
			g.mu.Lock()
			g.held--
			g.mu.Unlock()
		case <-r.Context().Done():
			g.mu.Lock()
			g.held--
			g.mu.Unlock()
			cut()
			return
		}
	}
	select {
	case <-time.After(g.serviceTime):
	case <-r.Context().Done():
		cut()
		return
	}
	status := http.StatusOK
	if g.failFirst && first {
		status = http.StatusInternalServerError
	} else {
		g.mu.Lock()
		g.answered[id]++
		g.mu.Unlock()
	}
	w.WriteHeader(status)
}

func (g *gatedReceiver) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.paused = true
}

func (g *gatedReceiver) unpause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.paused = false
	close(g.resume)
	g.resume = make(chan struct{})
}

// state returns copies of what the receiver saw.
func (g *gatedReceiver) state() (held int, answered map[string]int, arrivals map[string][]time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	answered = make(map[string]int, len(g.answered))
	for k, v := range g.answered {
		answered[k] = v
	}
	arrivals = make(map[string][]time.Time, len(g.arrivals))
	for k, v := range g.arrivals {
		arrivals[k] = append([]time.Time(nil), v...)
	}
	return g.held, answered, arrivals
}

// TestDeliveredOnceAcrossKills kills the delivering process three times
// while it delivers to a receiver that answers 200 and one that answers
// 500 to each event's first request: every event arrives, none is answered
// 200 twice (the worker reads the delivery record before sending: River
// completes jobs in batches, so a job whose notification went out may be
// given back after a kill), and the requests cut by each kill are retried
// within 10 s of it (dead processes' jobs are given back by the runner's
// heartbeats, not River's rescuer).
func TestDeliveredOnceAcrossKills(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a delivering process three times (about 30 s)")
	}
	e := newEnv(t)
	ctx := context.Background()
	ok, flaky := newGatedReceiver(t, false), newGatedReceiver(t, true)
	e.setEndpoint(t, notify.EventUserCreated, ok.srv.URL)
	e.setEndpoint(t, notify.EventUserUpdated, flaky.srv.URL)
	const perWave = 25
	wave := func(n int) {
		var events []notify.Event
		for i := range perWave {
			events = append(events, e.userCreated(fmt.Sprintf("w%d-%d", n, i)))
			u := e.userCreated(fmt.Sprintf("w%d-%d", n, i))
			u.Type = notify.EventUserUpdated
			events = append(events, u)
		}
		e.enqueue(t, events...)
	}

	var cmd *exec.Cmd
	logs := helperLog(t)
	start := func() {
		t.Helper()
		cmd = exec.Command(os.Args[0], "-test.run=^TestDeliveryHelperProcess$", "-test.v")
		cmd.Env = append(os.Environ(), helperDBEnv+"="+e.url, helperScheduleEnv+"=1s")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "delivering") {
					close(started)
				}
			}
		}()
		select {
		case <-started:
		case <-time.After(30 * time.Second):
			t.Fatal("the delivering process did not start")
		}
	}
	t.Cleanup(func() {
		if cmd != nil && cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	answeredTotal := func() int {
		n := 0
		for _, g := range []*gatedReceiver{ok, flaky} {
			_, a, _ := g.state()
			for _, c := range a {
				n += c
			}
		}
		return n
	}
	recordedDelivered := func() map[string]bool {
		rows, err := e.db.Pool.Query(ctx, `SELECT event_id FROM notification_deliveries WHERE owner_id = $1 AND state = 'delivered'`, e.owner)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, id := range ids {
			out[id] = true
		}
		return out
	}

	wave(0)
	start()
	var worstRetry time.Duration
	cutTotal := 0
	for kill := 1; kill <= 3; kill++ {
		// A new wave for the running process, killed while it delivers.
		before := answeredTotal()
		wave(kill)
		waitFor(t, 30*time.Second, "deliveries to progress", func() bool { return answeredTotal() >= before+10 })

		// Hold new requests, let every 200 given be recorded, and kill the
		// process while it waits on held requests: what it had delivered
		// may not be completed in River yet.
		ok.pause()
		flaky.pause()
		waitFor(t, 10*time.Second, "every answered notification to be recorded", func() bool {
			rec := recordedDelivered()
			for _, g := range []*gatedReceiver{ok, flaky} {
				_, a, _ := g.state()
				for id := range a {
					if !rec[id] {
						return false
					}
				}
			}
			return true
		})
		deadline := time.Now().Add(3 * time.Second)
		for time.Now().Before(deadline) {
			h1, _, _ := ok.state()
			h2, _, _ := flaky.state()
			if h1+h2 > 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		var running int
		if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state = 'running'`).Scan(&running); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		killedAt := time.Now()
		waitFor(t, 10*time.Second, "the held requests to be cut", func() bool {
			h1, _, _ := ok.state()
			h2, _, _ := flaky.state()
			return h1+h2 == 0
		})
		// Which requests did this kill cut?
		cut := map[*gatedReceiver][]string{}
		for _, g := range []*gatedReceiver{ok, flaky} {
			g.mu.Lock()
			for id, at := range g.interrupted {
				if !at.Before(killedAt.Add(-time.Second)) {
					cut[g] = append(cut[g], id)
				}
			}
			g.mu.Unlock()
		}
		t.Logf("kill %d: %d jobs running, %d requests cut", kill, running, len(cut[ok])+len(cut[flaky]))
		ok.unpause()
		flaky.unpause()
		start()

		// Each cut request comes again within 10 s of the kill.
		for g, ids := range cut {
			for _, id := range ids {
				cutTotal++
				waitFor(t, 30*time.Second, "a cut request to be retried", func() bool {
					_, _, arr := g.state()
					for _, at := range arr[id] {
						if at.After(killedAt) {
							return true
						}
					}
					return false
				})
				_, _, arr := g.state()
				for _, at := range arr[id] {
					if at.After(killedAt) {
						worstRetry = max(worstRetry, at.Sub(killedAt))
						break
					}
				}
			}
		}
	}
	if cutTotal == 0 {
		t.Fatal("no kill cut a request in flight; the test proves nothing about retries")
	}
	t.Logf("slowest first retry after a kill: %v (%d cut requests)", worstRetry.Round(time.Millisecond), cutTotal)
	if worstRetry > 10*time.Second {
		t.Errorf("a request cut by a kill was retried %v after it, want within 10 s", worstRetry)
	}

	total := 4 * perWave * 2
	waitFor(t, 60*time.Second, "every notification to be delivered", func() bool { return len(recordedDelivered()) == total })
	for name, g := range map[string]*gatedReceiver{"200-receiver": ok, "500-first receiver": flaky} {
		_, answered, _ := g.state()
		if len(answered) != total/2 {
			t.Errorf("the %s answered 200 to %d events, want %d", name, len(answered), total/2)
		}
		for id, n := range answered {
			if n > 1 {
				t.Errorf("the %s got event %s %d times after answering 200", name, id, n)
			}
		}
	}
}

// helperLog is where the helper processes' logs go: a file kept with the
// test's temporary directory, named in the test log on failure.
func helperLog(t *testing.T) io.Writer {
	f, err := os.OpenFile(t.TempDir()+"/helper.log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(f.Name())
			if len(b) > 20000 {
				b = b[len(b)-20000:]
			}
			t.Logf("helper log (tail):\n%s", b)
		}
		_ = f.Close()
	})
	return f
}
