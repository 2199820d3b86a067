package panlog

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestLogRedactsCardNumbers(t *testing.T) {
	var buf bytes.Buffer
	log := New(slog.New(slog.NewJSONHandler(&buf, nil)))
	const visa, spaced, long = "4111111111111111", "4111 1111 1111 1111", "4000000000000000006"
	log.With("req", "id-"+visa).WithGroup("g").Info("card "+visa+" seen",
		"path", "/api/v1/users/"+long,
		"err", errors.New("bad value "+spaced),
		"raw", []byte(visa),
		"map", map[string]string{"k": visa},
		slog.Group("inner", "x", visa),
		"count", 3,
	)
	out := buf.String()
	for _, s := range []string{visa, spaced, long} {
		if strings.Contains(out, s) {
			t.Fatalf("log carries %s: %s", s, out)
		}
	}
	for _, s := range []string{"411111XXXXXX1111", "400000XXXXXXXXX0006", `"count":3`, "card 411111XXXXXX1111 seen"} {
		if !strings.Contains(out, s) {
			t.Errorf("log lacks %s: %s", s, out)
		}
	}
	if New(log) != log {
		t.Error("wrapping twice")
	}
}
