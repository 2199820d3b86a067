// Package telemetry measures and traces the service (issue 12): Prometheus
// metrics of HTTP routes, GraphQL operations, connection pools, the outbox,
// notification delivery and one-time passwords; and OpenTelemetry traces of
// requests, GraphQL operations and resolvers, SQL statements and Redis
// commands, exported over OTLP when configured and off otherwise.
//
// SECURITY: no label and no span attribute carries a raw path, a query
// document, query variables, SQL arguments, Redis keys or values, card
// numbers, secrets or tokens: routes are ServeMux patterns, operations are
// bounded names, statements are the hand-written SQL with bound parameters.
package telemetry

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultMaxOperationNames caps the distinct GraphQL operation names that
// get their own series; later names are counted as "other".
const DefaultMaxOperationNames = 200

// maxOperationNameLength is the longest operation name kept as a label.
const maxOperationNameLength = 100

// Label values shared by several metrics.
const (
	// RouteUnmatched is the route of every request no pattern but the
	// catch-all matches: unknown paths share one series.
	RouteUnmatched = "unmatched"
	// OperationAnonymous is the name of GraphQL operations without one.
	OperationAnonymous = "anonymous"
	// OperationOther is the name of operations beyond the cap.
	OperationOther = "other"
)

// Metrics are the service's Prometheus metrics, on a registry of their own
// (no global state).
type Metrics struct {
	// Registry holds every metric of the service.
	Registry *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	gqlOps       *prometheus.CounterVec
	gqlDuration  *prometheus.HistogramVec
	jobs         *prometheus.CounterVec
	jobDuration  *prometheus.HistogramVec
	otpSends     *prometheus.CounterVec
	otpChecks    *prometheus.CounterVec

	maxNames int
	namesMu  sync.RWMutex
	names    map[string]struct{}
}

// NewMetrics returns the service's metrics with the Go runtime's and the
// process's own.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lg_http_requests_total",
			Help: "HTTP requests by route (the ServeMux pattern; unknown paths are \"unmatched\"), method and status code.",
		}, []string{"route", "method", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lg_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
		gqlOps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lg_graphql_operations_total",
			Help: "GraphQL operations by operation name (bounded; \"anonymous\" without one, \"other\" beyond the cap), type and outcome (ok, or error when the response has errors).",
		}, []string{"operation", "type", "outcome"}),
		gqlDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lg_graphql_operation_duration_seconds",
			Help:    "Time to the first response of GraphQL operations, by operation name and type.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation", "type"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lg_delivery_attempts_total",
			Help: "Outbox job attempts (webhook notifications, messages to people, purges) by job kind and outcome: delivered, retry, discarded (last attempt failed), snoozed, cancelled.",
		}, []string{"kind", "outcome"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lg_delivery_attempt_duration_seconds",
			Help:    "Time of outbox job attempts by job kind.",
			Buckets: prometheus.DefBuckets,
		}, []string{"kind"}),
		otpSends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lg_otp_sends_total",
			Help: "One-time passwords issued for sending, by outcome: sent, throttled (a send limit or the partner's budget refused it), error (Redis failed).",
		}, []string{"outcome"}),
		otpChecks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lg_otp_verifications_total",
			Help: "One-time password checks by outcome: matched, mismatched, voided (the last try failed), no_code, error.",
		}, []string{"outcome"}),
		maxNames: DefaultMaxOperationNames,
		names:    map[string]struct{}{},
	}
	reg.MustRegister(m.httpRequests, m.httpDuration, m.gqlOps, m.gqlDuration, m.jobs, m.jobDuration,
		m.otpSends, m.otpChecks,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// SetMaxOperationNames changes the cap on distinct GraphQL operation names
// (tests).
func (m *Metrics) SetMaxOperationNames(n int) {
	m.namesMu.Lock()
	m.maxNames = n
	m.namesMu.Unlock()
}

// Handler serves the metrics in the Prometheus exposition formats, to
// whoever reaches it: the caller decides who does.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// operationName returns the label of a GraphQL operation named name: the
// name while fewer than the cap of names have been seen, else "other".
func (m *Metrics) operationName(name string) string {
	if name == "" {
		return OperationAnonymous
	}
	if len(name) > maxOperationNameLength {
		return OperationOther
	}
	m.namesMu.RLock()
	_, ok := m.names[name]
	m.namesMu.RUnlock()
	if ok {
		return name
	}
	m.namesMu.Lock()
	defer m.namesMu.Unlock()
	if _, ok := m.names[name]; ok {
		return name
	}
	if len(m.names) >= m.maxNames {
		return OperationOther
	}
	m.names[name] = struct{}{}
	return name
}

// observeRequest counts one answered HTTP request.
func (m *Metrics) observeRequest(route, method string, code int, d time.Duration) {
	method = boundedMethod(method)
	m.httpRequests.WithLabelValues(route, method, statusLabel(code)).Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(d.Seconds())
}

// boundedMethod keeps the label set of methods finite: a made-up method is
// "other".
func boundedMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// statusCodes are the labels of status codes, made once.
var statusCodes = func() [600]string {
	var s [600]string
	for i := 100; i < 600; i++ {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func statusLabel(code int) string {
	if code < 100 || code >= 600 {
		return "other"
	}
	return statusCodes[code]
}
