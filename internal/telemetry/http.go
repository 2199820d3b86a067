package telemetry

import (
	"context"
	"net/http"
	"time"

	"github.com/felixge/httpsnoop"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// routeSlot receives the ServeMux pattern that served a request: the mux
// sets it on the request it is handed, which the outer middlewares never
// see (each passes on a copy of its own).
type routeSlot struct{ pattern string }

type routeSlotKey struct{}

// HTTP returns the two halves of the HTTP instrumentation around mux:
// outer goes near the top of the middleware chain (below the request id,
// so that spans carry it) and measures every request, those refused before
// routing included; inner wraps mux itself and tells outer the pattern
// that matched. m or t may be nil (no metrics, no traces).
func HTTP(mux *http.ServeMux, m *Metrics, t *Tracing) (outer func(http.Handler) http.Handler, inner http.Handler) {
	inner = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if slot, ok := r.Context().Value(routeSlotKey{}).(*routeSlot); ok {
			slot.pattern = r.Pattern
		}
	})
	outer = func(next http.Handler) http.Handler {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			slot := &routeSlot{}
			code := 0
			ww := httpsnoop.Wrap(w, httpsnoop.Hooks{
				WriteHeader: func(next httpsnoop.WriteHeaderFunc) httpsnoop.WriteHeaderFunc {
					return func(c int) {
						if code == 0 {
							code = c
						}
						next(c)
					}
				},
				Write: func(next httpsnoop.WriteFunc) httpsnoop.WriteFunc {
					return func(b []byte) (int, error) {
						if code == 0 {
							code = http.StatusOK
						}
						return next(b)
					}
				},
			})
			next.ServeHTTP(ww, r.WithContext(context.WithValue(r.Context(), routeSlotKey{}, slot)))
			if code == 0 {
				code = http.StatusOK
			}
			route := slot.pattern
			if route == "" {
				// Refused before routing (credentials, media type, body
				// size): the pattern the mux would have chosen.
				_, route = mux.Handler(r)
			}
			if route == "" || route == "/" {
				route = RouteUnmatched
			}
			if m != nil {
				m.observeRequest(route, r.Method, code, time.Since(start))
			}
			if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
				// SECURITY: the raw path may carry link codes, session
				// tokens or user ids; the span keeps the route only.
				span.SetName(route)
				span.SetAttributes(attribute.String("http.route", route), attribute.String("url.path", route))
			}
		})
		if t == nil {
			return h
		}
		return otelhttp.NewHandler(h, "http",
			otelhttp.WithTracerProvider(t.provider),
			otelhttp.WithPropagators(propagation.TraceContext{}),
			// The route is known once the request has been served; the
			// span is renamed then.
			otelhttp.WithSpanNameFormatter(func(string, *http.Request) string { return "HTTP" }),
		)
	}
	return outer, inner
}
