package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"loyaltygraph/rest/openloyalty"
	"loyaltygraph/server/gqlhttp"
)

// Overload bounds the work in progress of one instance: at most
// MaxInFlight requests run at once, at most MaxQueued more wait up to
// QueueWait for a slot, and every other request is answered 503 with
// Retry-After at once, before authentication, hashing or any database
// work. /healthz, /readyz and subscriptions are never refused.
type Overload struct {
	// MaxInFlight is how many requests run at once; 0 means
	// DefaultMaxInFlight, a negative number turns the limit off.
	MaxInFlight int
	// MaxQueued is how many requests may wait for a slot; 0 means
	// MaxInFlight/2 (at least 1), a negative number none.
	MaxQueued int
	// QueueWait is how long a request waits for a slot; 0 means
	// DefaultQueueWait.
	QueueWait time.Duration
	// RetryAfter is sent with the 503; 0 means one second.
	RetryAfter time.Duration
}

// Defaults of Overload. DefaultMaxInFlight is the knee measured by the load
// benchmark (bench/overload_test.go, bench/README.md "Overload") on one
// CPU, times the CPUs the Go scheduler uses; see defaultMaxInFlight.
const (
	kneePerCPU       = 2
	DefaultQueueWait = 50 * time.Millisecond
)

// DefaultMaxInFlight is the limit of an instance whose Go scheduler uses
// procs CPUs: the measured knee per CPU times procs.
func DefaultMaxInFlight(procs int) int {
	return kneePerCPU * max(1, procs)
}

// busyMessage is what a refused request is told.
const busyMessage = "the server is busy; try again shortly"

// Bodies of the 503, one per API family, encoded once.
var (
	busyGraphQL = []byte(`{"errors":[{"message":"` + busyMessage + `","extensions":{"code":"UNAVAILABLE"}}]}` + "\n")
	// Open Loyalty answers errors other than form errors as {code, message}.
	busyOpenLoyalty = []byte(`{"code":503,"message":"` + busyMessage + `"}` + "\n")
	// Centra's checkout shape, {"errors": {field: message}}.
	busyCheckout = []byte(`{"errors":{"request":"` + busyMessage + `"}}` + "\n")
	// The Storebox shape, which every other REST family shares.
	busyStorebox = []byte(`{"code":"unavailable","message":"` + busyMessage + `"}` + "\n")
)

// limiter is the admission control of Overload.
type limiter struct {
	slots      chan struct{}
	queued     atomic.Int64
	maxQueued  int64
	wait       time.Duration
	retryAfter string
	log        *slog.Logger
	// checkoutPrefix is where the checkout family is served.
	checkoutPrefix string
	// shed counts refused requests since the last log line, lastLog is when
	// that line was written (unix nanoseconds).
	shed    atomic.Int64
	lastLog atomic.Int64
}

// shedLogEvery spaces the warnings about refused requests.
const shedLogEvery = 10 * time.Second

func newLimiter(o Overload, procs int, log *slog.Logger) *limiter {
	if o.MaxInFlight < 0 {
		return nil
	}
	if o.MaxInFlight == 0 {
		o.MaxInFlight = DefaultMaxInFlight(procs)
	}
	switch {
	case o.MaxQueued == 0:
		o.MaxQueued = max(1, o.MaxInFlight/2)
	case o.MaxQueued < 0:
		o.MaxQueued = 0
	}
	if o.QueueWait <= 0 {
		o.QueueWait = DefaultQueueWait
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &limiter{
		slots: make(chan struct{}, o.MaxInFlight), maxQueued: int64(o.MaxQueued), wait: o.QueueWait,
		retryAfter: strconv.Itoa(int((o.RetryAfter + time.Second - 1) / time.Second)), log: log,
	}
}

// acquire takes a slot, waiting in the queue when there is room in it, and
// reports whether it got one.
func (l *limiter) acquire(ctx context.Context) bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
	}
	if l.queued.Add(1) > l.maxQueued {
		l.queued.Add(-1)
		return false
	}
	defer l.queued.Add(-1)
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (l *limiter) release() { <-l.slots }

// forCheckout tells the limiter where the checkout family is served, so
// that its refusals take that family's shape.
func (l *limiter) forCheckout(prefix string) *limiter {
	if l != nil {
		l.checkoutPrefix = strings.TrimRight(prefix, "/")
	}
	return l
}

// middleware admits requests through the limiter.
func (l *limiter) middleware(next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Health checks are never refused. Subscriptions (WebSocket, SSE)
		// live as long as their client: they would hold a slot for hours,
		// and have their own limits per connection and per principal.
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || (r.URL.Path == "/graphql" && gqlhttp.IsStream(r)) {
			next.ServeHTTP(w, r)
			return
		}
		if !l.acquire(r.Context()) {
			l.refuse(w, r)
			return
		}
		defer l.release()
		next.ServeHTTP(w, r)
	})
}

// refuse answers 503 in the family's shape and, at most every
// shedLogEvery, logs how many requests were refused.
func (l *limiter) refuse(w http.ResponseWriter, r *http.Request) {
	n := l.shed.Add(1)
	now := time.Now().UnixNano()
	if last := l.lastLog.Load(); now-last >= int64(shedLogEvery) && l.lastLog.CompareAndSwap(last, now) {
		l.shed.Add(-n)
		l.log.Warn("overloaded: refusing requests with 503", "refused", n, "max_in_flight", cap(l.slots),
			"max_queued", l.maxQueued)
	}
	body := busyStorebox
	switch {
	case r.URL.Path == "/graphql":
		body = busyGraphQL
	case openloyalty.IsPath(r.URL.Path):
		body = busyOpenLoyalty
	case l.checkoutPrefix != "" && (r.URL.Path == l.checkoutPrefix || strings.HasPrefix(r.URL.Path, l.checkoutPrefix+"/")):
		body = busyCheckout
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Retry-After", l.retryAfter)
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write(body)
}

// Drain tells the HTTP surface that the process is shutting down: once
// begun, /readyz answers 503 so that load balancers stop sending, and every
// response closes its connection, so that kept-alive connections end
// cleanly after an answer instead of being cut while idle.
type Drain struct{ on atomic.Bool }

// Begin starts the drain.
func (d *Drain) Begin() { d.on.Store(true) }

// Draining reports whether the drain has begun.
func (d *Drain) Draining() bool { return d != nil && d.on.Load() }

// closeWhenDraining asks for the connection to be closed after each
// response while d drains.
func closeWhenDraining(d *Drain) middleware {
	return func(next http.Handler) http.Handler {
		if d == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if d.Draining() {
				w.Header().Set("Connection", "close")
			}
			next.ServeHTTP(w, r)
		})
	}
}
