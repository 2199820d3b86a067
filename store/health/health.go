// Package health tracks whether a dependency of the service (PostgreSQL,
// Redis) answers: the stores report failures that mean "down" as they meet
// them, a background probe finds out when the dependency is back, and each
// change of state is logged once, as a warning, instead of one error per
// request.
package health

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultProbeInterval is how often a dependency known to be down is
// probed.
const DefaultProbeInterval = 250 * time.Millisecond

// probeTimeout bounds one probe.
const probeTimeout = time.Second

// Monitor is the state of one dependency; build one with New. A nil
// Monitor knows nothing and says the dependency is up (a pool built
// without Open).
type Monitor struct {
	name     string
	probe    func(ctx context.Context) error
	interval time.Duration

	down atomic.Bool
	log  atomic.Pointer[slog.Logger]

	mu      sync.Mutex
	since   time.Time
	probing bool
	closed  bool
	stop    chan struct{}
}

// New returns the monitor of the dependency called name (it names it in
// the log), which probe checks; a zero interval means DefaultProbeInterval.
func New(name string, probe func(ctx context.Context) error, interval time.Duration) *Monitor {
	if interval <= 0 {
		interval = DefaultProbeInterval
	}
	m := &Monitor{name: name, probe: probe, interval: interval, stop: make(chan struct{})}
	m.log.Store(slog.Default())
	return m
}

// SetLogger sends the state changes to log.
func (m *Monitor) SetLogger(log *slog.Logger) {
	if m != nil && log != nil {
		m.log.Store(log)
	}
}

// Down reports whether the dependency is known to be down.
func (m *Monitor) Down() bool { return m != nil && m.down.Load() }

// MarkDown records that the dependency failed with cause, a failure that
// means it cannot be reached or is shutting down. The first report of an
// outage is logged and starts the probe; later ones change nothing.
func (m *Monitor) MarkDown(cause error) {
	if m == nil || m.down.Load() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || m.down.Load() {
		return
	}
	m.down.Store(true)
	m.since = time.Now()
	attrs := []any{"dependency", m.name}
	if cause != nil {
		// The driver's text goes to the log only, never to a caller.
		attrs = append(attrs, "err", cause.Error())
	}
	m.log.Load().Warn(m.name+" is unavailable", attrs...)
	if !m.probing {
		m.probing = true
		go m.probeUntilUp()
	}
}

// MarkUp records that the dependency answered again; it logs the end of
// an outage once.
func (m *Monitor) MarkUp() {
	if m == nil || !m.down.Load() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.markUpLocked()
}

func (m *Monitor) markUpLocked() {
	if !m.down.Load() {
		return
	}
	m.down.Store(false)
	m.log.Load().Warn(m.name+" is available again", "dependency", m.name,
		"down_for", time.Since(m.since).Round(time.Millisecond).String())
}

// Close stops the probe.
func (m *Monitor) Close() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.closed {
		m.closed = true
		close(m.stop)
	}
}

// probeUntilUp probes the dependency every interval until it answers.
func (m *Monitor) probeUntilUp() {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		err := m.probe(ctx)
		cancel()
		if err != nil {
			continue
		}
		m.mu.Lock()
		m.probing = false
		m.markUpLocked()
		m.mu.Unlock()
		return
	}
}
