package delivery

import (
	"bytes"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRiverSpeaksAtDebugDuringAnOutage: River's own errors (its producer,
// notifier and elector retry every poll) are WARN/ERROR normally, and debug
// while the database is known down, so that an outage is one log line where
// it is detected, not one ERROR per poll (issue 10 point 1).
func TestRiverSpeaksAtDebugDuringAnOutage(t *testing.T) {
	var out bytes.Buffer
	var down atomic.Bool
	log := slog.New(minLevel{slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}), slog.LevelWarn, down.Load}).
		With("component", "river")

	log.Info("job completed")
	log.Error("producer: error fetching jobs", "err", "connection refused")
	if s := out.String(); strings.Contains(s, "job completed") || !strings.Contains(s, `"level":"ERROR"`) {
		t.Fatalf("normal logging: %s", s)
	}

	out.Reset()
	down.Store(true)
	for range 20 {
		log.Error("producer: error fetching jobs", "err", "failed to connect to `user=postgres`")
	}
	if out.Len() != 0 {
		t.Fatalf("River logged during a known outage at info level: %s", out.String())
	}

	var debug bytes.Buffer
	dlog := slog.New(minLevel{slog.NewJSONHandler(&debug, &slog.HandlerOptions{Level: slog.LevelDebug}), slog.LevelWarn, down.Load})
	dlog.Error("notifier: error", "err", "x")
	if !strings.Contains(debug.String(), `"level":"DEBUG"`) {
		t.Fatalf("with debug logging, River's lines during an outage show at debug: %s", debug.String())
	}
}
