package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMetricsAddrAndOTLPExport: with METRICS_ADDR the metrics are served
// there without credentials (and still only to admins on the main
// listener); with OTEL_EXPORTER_OTLP_ENDPOINT the spans go to that
// collector over OTLP/HTTP, flushed at shutdown.
func TestMetricsAddrAndOTLPExport(t *testing.T) {
	var mu sync.Mutex
	var posts []string
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type")+" "+string(body))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()

	s := startServer(t, testEnv(t).with("METRICS_ADDR", "127.0.0.1:0", "OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL))
	wantStatus(t, "GET /healthz", s.do(t, http.MethodGet, "/healthz", nil), http.StatusOK)
	wantStatus(t, "anonymous GET /metrics on the main listener", s.do(t, http.MethodGet, "/metrics", nil), http.StatusUnauthorized)

	line := findLog(s.logs.String(), "metrics listening")
	addr, _ := line["addr"].(string)
	if addr == "" {
		t.Fatalf("no metrics listening line; logs:\n%s", s.logs.String())
	}
	resp, err := s.client.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `lg_http_requests_total{code="200",method="GET",route="GET /healthz"} 1`) {
		t.Fatalf("GET METRICS_ADDR/metrics: %d\n%.2000s", resp.StatusCode, body)
	}
	if r, err := s.client.Get("http://" + addr + "/graphql"); err == nil {
		r.Body.Close()
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("METRICS_ADDR serves /graphql: %d", r.StatusCode)
		}
	}

	s.stop(t)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		got := strings.Join(posts, "\n")
		mu.Unlock()
		if strings.Contains(got, "POST /v1/traces application/x-protobuf") && strings.Contains(got, "GET /healthz") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the collector received no span of GET /healthz: %q", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTelemetrySettingsAreChecked: a bad METRICS_ADDR or an OTLP protocol
// other than http/protobuf stops serve with the setting's name.
func TestTelemetrySettingsAreChecked(t *testing.T) {
	e := testEnv(t)
	for _, c := range []struct {
		setting string
		env     env
	}{
		{"METRICS_ADDR", e.with("METRICS_ADDR", "nowhere")},
		{"OTEL_EXPORTER_OTLP_PROTOCOL", e.with("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", e.with("OTEL_EXPORTER_OTLP_ENDPOINT", "127.0.0.1:4318")},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := run(ctx, []string{"serve"}, c.env.getenv, io.Discard, io.Discard)
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.setting) {
			t.Errorf("%s: %v", c.setting, err)
		}
	}
}
