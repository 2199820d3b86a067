package telemetry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// tracerName names the instrumentation in every span.
const tracerName = "loyaltygraph"

// Tracing makes the service's spans. A nil *Tracing is off: nothing is
// instrumented, so it costs nothing.
type Tracing struct {
	provider trace.TracerProvider
	tracer   trace.Tracer
	sdk      *sdktrace.TracerProvider
}

// RequestIDFunc returns the request id a context carries, "" when none.
type RequestIDFunc func(context.Context) string

// NewTracing returns tracing that sends every span to exporter, each
// carrying the request id of its context (tests use an in-memory exporter,
// the binary StartTracing). The spans are exported synchronously when sync
// is set, else in batches.
func NewTracing(exporter sdktrace.SpanExporter, requestID RequestIDFunc, sync bool, opts ...sdktrace.TracerProviderOption) *Tracing {
	export := sdktrace.WithBatcher(exporter)
	if sync {
		export = sdktrace.WithSyncer(exporter)
	}
	opts = append([]sdktrace.TracerProviderOption{
		sdktrace.WithSpanProcessor(requestIDProcessor{requestID}),
		export,
	}, opts...)
	tp := sdktrace.NewTracerProvider(opts...)
	return &Tracing{provider: tp, tracer: tp.Tracer(tracerName), sdk: tp}
}

// StartTracing returns tracing that exports over OTLP (HTTP/protobuf) when
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set,
// and nil (off) otherwise or when OTEL_SDK_DISABLED is true. The exporter
// reads the other OTEL_EXPORTER_OTLP_* settings (headers, timeout,
// compression, certificates) itself; the SDK reads OTEL_TRACES_SAMPLER and
// OTEL_RESOURCE_ATTRIBUTES; OTEL_SERVICE_NAME defaults to loyaltygraph.
func StartTracing(ctx context.Context, getenv func(string) string, requestID RequestIDFunc) (*Tracing, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return nil, nil
	}
	endpoint := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
	if endpoint == "" {
		base := strings.TrimRight(strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")), "/")
		if base == "" {
			return nil, nil
		}
		endpoint = base + "/v1/traces"
	}
	proto := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
	if proto == "" {
		proto = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
	}
	if proto != "" && proto != "http/protobuf" {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf, got %q", proto)
	}
	if !strings.HasPrefix(endpoint, "http://") && !strings.HasPrefix(endpoint, "https://") {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got %q", endpoint)
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	name := strings.TrimSpace(getenv("OTEL_SERVICE_NAME"))
	if name == "" {
		name = "loyaltygraph"
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName(name)))
	if err != nil && !errors.Is(err, resource.ErrPartialResource) && !errors.Is(err, resource.ErrSchemaURLConflict) {
		return nil, fmt.Errorf("OpenTelemetry resource: %w", err)
	}
	return NewTracing(exp, requestID, false, sdktrace.WithResource(res)), nil
}

// Shutdown exports the spans still queued and stops exporting.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil || t.sdk == nil {
		return nil
	}
	return t.sdk.Shutdown(ctx)
}

// Provider returns the tracer provider (nil when off).
func (t *Tracing) Provider() trace.TracerProvider {
	if t == nil {
		return nil
	}
	return t.provider
}

// requestIDProcessor puts the request id of a span's context on the span.
type requestIDProcessor struct{ requestID RequestIDFunc }

func (p requestIDProcessor) OnStart(ctx context.Context, s sdktrace.ReadWriteSpan) {
	if p.requestID == nil {
		return
	}
	if id := p.requestID(ctx); id != "" {
		s.SetAttributes(attribute.String("request_id", id))
	}
}
func (requestIDProcessor) OnEnd(sdktrace.ReadOnlySpan)      {}
func (requestIDProcessor) Shutdown(context.Context) error   { return nil }
func (requestIDProcessor) ForceFlush(context.Context) error { return nil }

// inSpan reports whether ctx carries a span being recorded: statements
// and commands are traced only as children of one, so that background
// polling (River) does not start a trace of its own every second.
func inSpan(ctx context.Context) bool {
	return trace.SpanFromContext(ctx).IsRecording()
}
