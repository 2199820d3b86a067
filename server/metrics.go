package server

import (
	"log/slog"
	"net/http"

	appmetrics "loyaltygraph/app/metrics"
	"loyaltygraph/internal/telemetry"
	"loyaltygraph/rest/storebox"
)

// metricsPath is where admins read the service's Prometheus metrics on the
// main listener.
const metricsPath = "GET /metrics"

// metricsHandler serves the metrics to whoever the application layer lets
// read them (admins); others get the Storebox error body with 401 or 403.
func metricsHandler(ops *appmetrics.Ops, metrics http.Handler, log *slog.Logger) http.Handler {
	return storebox.Require(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := ops.Read(r.Context()); err != nil {
			storebox.WriteError(w, r, log, err)
			return
		}
		metrics.ServeHTTP(w, r)
	}))
}

// instrument returns the middleware that measures and traces every
// request, and mux wrapped so that it tells that middleware its route.
// Without metrics and tracing both are no-ops.
func instrument(mux *http.ServeMux, d Deps) (middleware, http.Handler) {
	if d.Metrics == nil && d.Tracing == nil {
		return func(h http.Handler) http.Handler { return h }, mux
	}
	outer, inner := telemetry.HTTP(mux, d.Metrics, d.Tracing)
	return outer, inner
}
