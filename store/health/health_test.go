package health_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"loyaltygraph/store/health"
)

type buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestOneLinePerChangeAndTheProbeHeals: many failures during an outage
// log one warning; the probe finds the dependency back and logs one more.
func TestOneLinePerChangeAndTheProbeHeals(t *testing.T) {
	var up atomic.Bool
	var probes atomic.Int64
	m := health.New("thing", func(context.Context) error {
		probes.Add(1)
		if up.Load() {
			return nil
		}
		return errors.New("dial tcp 127.0.0.1:1: connection refused")
	}, 5*time.Millisecond)
	defer m.Close()
	var logs buffer
	m.SetLogger(slog.New(slog.NewJSONHandler(&logs, nil)))

	m.MarkUp() // up already: nothing to say
	if m.Down() || logs.String() != "" {
		t.Fatalf("a healthy dependency: down %v, log %q", m.Down(), logs.String())
	}
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() { defer wg.Done(); m.MarkDown(errors.New("connection refused")) }()
	}
	wg.Wait()
	if !m.Down() {
		t.Fatal("not down after failures")
	}
	time.Sleep(30 * time.Millisecond)
	if n := strings.Count(logs.String(), "thing is unavailable"); n != 1 {
		t.Fatalf("%d lines for one outage:\n%s", n, logs.String())
	}
	if probes.Load() == 0 {
		t.Fatal("a dependency known down is not probed")
	}
	up.Store(true)
	deadline := time.Now().Add(time.Second)
	for m.Down() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if m.Down() {
		t.Fatal("the probe did not find the dependency back")
	}
	n := probes.Load()
	time.Sleep(30 * time.Millisecond)
	if probes.Load() != n {
		t.Fatal("a healthy dependency is still probed")
	}
	if c := strings.Count(logs.String(), "thing is available again"); c != 1 || !strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Fatalf("%d lines for the return:\n%s", c, logs.String())
	}
}
