// Package panlog keeps full card numbers out of the log: its slog handler
// masks every card number (package pan: a Luhn-valid run of 13 to 19
// digits) in the message and in every attribute before the wrapped handler
// sees them.
package panlog

import (
	"context"
	"fmt"
	"log/slog"

	"loyaltygraph/domain/pan"
)

// Handler is a slog.Handler that redacts card numbers, then hands the
// record to the handler it wraps.
type Handler struct {
	inner slog.Handler
}

// Wrap returns h wrapped in a redacting Handler (h itself when it is one).
func Wrap(h slog.Handler) slog.Handler {
	if _, ok := h.(*Handler); ok {
		return h
	}
	return &Handler{inner: h}
}

// New returns a logger whose output goes through a redacting Handler.
func New(l *slog.Logger) *slog.Logger {
	if _, ok := l.Handler().(*Handler); ok {
		return l
	}
	return slog.New(Wrap(l.Handler()))
}

// Enabled reports whether the wrapped handler handles level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle redacts the record's message and attributes and passes it on.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, pan.Redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

// WithAttrs redacts attrs and returns a handler that adds them.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = redactAttr(a)
	}
	return &Handler{inner: h.inner.WithAttrs(red)}
}

// WithGroup returns a handler that nests the following attributes in name.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(pan.Redact(name))}
}

func redactAttr(a slog.Attr) slog.Attr {
	a.Key = pan.Redact(a.Key)
	a.Value = redactValue(a.Value.Resolve())
	return a
}

func redactValue(v slog.Value) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); pan.Contains(s) {
			return slog.StringValue(pan.Redact(s))
		}
	case slog.KindGroup:
		attrs := v.Group()
		red := make([]slog.Attr, len(attrs))
		for i, a := range attrs {
			red[i] = redactAttr(a)
		}
		return slog.GroupValue(red...)
	case slog.KindAny:
		var s string
		switch x := v.Any().(type) {
		case error:
			s = x.Error()
		case fmt.Stringer:
			s = x.String()
		case []byte:
			s = string(x)
		default:
			s = fmt.Sprintf("%+v", x)
		}
		if pan.Contains(s) {
			return slog.StringValue(pan.Redact(s))
		}
	}
	return v
}
