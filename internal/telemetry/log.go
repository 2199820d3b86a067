package telemetry

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// LogHandler returns h adding, to every record logged with a request's
// context, the request id (unless the record names it already) and, when
// the request is traced, its trace and span ids, so that a log line leads
// to its trace.
func LogHandler(h slog.Handler, requestID RequestIDFunc) slog.Handler {
	return &logHandler{Handler: h, requestID: requestID}
}

type logHandler struct {
	slog.Handler
	requestID RequestIDFunc
	// named: the handler's own attributes name the request id already.
	named bool
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if id := h.requestID(ctx); id != "" && !h.named && !hasAttr(r, "request_id") {
			r.AddAttrs(slog.String("request_id", id))
		}
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	named := h.named
	for _, a := range attrs {
		if a.Key == "request_id" {
			named = true
		}
	}
	return &logHandler{Handler: h.Handler.WithAttrs(attrs), requestID: h.requestID, named: named}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{Handler: h.Handler.WithGroup(name), requestID: h.requestID, named: h.named}
}

func hasAttr(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			found = true
			return false
		}
		return true
	})
	return found
}
