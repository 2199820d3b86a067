package delivery_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"loyaltygraph/delivery"
	"loyaltygraph/domain/notify"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/secret"
	"loyaltygraph/store/postgres"
)

// helperDBEnv names the database the helper process delivers from; it is
// set only in that process.
const helperDBEnv = "LG_DELIVERY_HELPER_DB"

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
	c, err := delivery.NewRiverClient(db.Pool, delivery.Config{
		Store:        postgres.NewNotifyStore(db, keys),
		AllowPrivate: true,
		Workers:      10,
		Timeout:      time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
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
