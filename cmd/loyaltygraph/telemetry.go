package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"loyaltygraph/internal/telemetry"
	httpserver "loyaltygraph/server"
)

// startTracing sets cfg.Tracing from the OTEL_* settings (off without an
// OTLP endpoint) and returns what flushes and stops it.
func startTracing(ctx context.Context, cfg *config, getenv func(string) string, log *slog.Logger) (func(), error) {
	t, err := telemetry.StartTracing(ctx, getenv, httpserver.RequestID)
	if err != nil {
		return nil, fmt.Errorf("configuration:\n  %w", err)
	}
	cfg.Tracing = t
	if t == nil {
		return func() {}, nil
	}
	log.Info("tracing", "exporter", "otlp http/protobuf")
	return func() {
		flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := t.Shutdown(flushCtx); err != nil {
			log.Warn("flush traces", "err", err)
		}
	}, nil
}

// serveMetrics serves GET /metrics, without credentials, on addr (none when
// addr is empty) until the returned function is called.
//
// SECURITY: whoever reaches addr reads the metrics; bind it to an address
// only the monitoring network reaches (for example 127.0.0.1:9090).
func serveMetrics(addr string, metrics http.Handler, log *slog.Logger) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on METRICS_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("metrics listening", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
