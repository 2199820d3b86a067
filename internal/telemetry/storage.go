package telemetry

import (
	"context"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// ConfigurePool adds the SQL tracer to a pool's configuration, beside any
// tracer already set (tests count statements with one). It is a no-op when
// tracing is off; pass it to postgres.Open.
func (t *Tracing) ConfigurePool(cfg *pgxpool.Config) {
	if t == nil {
		return
	}
	var tracer pgx.QueryTracer = &sqlTracer{tracer: t.tracer}
	if prev := cfg.ConnConfig.Tracer; prev != nil {
		tracer = multitracer.New(prev, tracer)
	}
	cfg.ConnConfig.Tracer = tracer
}

// sqlTracer makes one span per statement, and one per batch with its
// statements as events. It records the SQL text (written by hand, every
// value a bound parameter) and never the arguments.
type sqlTracer struct{ tracer trace.Tracer }

var dbSystem = attribute.String("db.system", "postgresql")

func (s *sqlTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if !inSpan(ctx) {
		return ctx
	}
	ctx, _ = s.tracer.Start(ctx, sqlSpanName(data.SQL), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(dbSystem, attribute.String("db.statement", data.SQL)))
	return ctx
}

func (s *sqlTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	endSpan(span, data.Err, data.CommandTag.String())
}

func (s *sqlTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	if !inSpan(ctx) {
		return ctx
	}
	ctx, _ = s.tracer.Start(ctx, "BATCH", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(dbSystem))
	return ctx
}

func (s *sqlTracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	attrs := []attribute.KeyValue{attribute.String("db.statement", data.SQL)}
	if data.Err != nil {
		attrs = append(attrs, attribute.Bool("error", true))
	}
	span.AddEvent("query", trace.WithAttributes(attrs...))
}

func (s *sqlTracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	endSpan(span, data.Err, "")
}

// endSpan ends a statement's span with its outcome. An error is recorded
// by its class only: PostgreSQL's messages may quote values.
func endSpan(span trace.Span, err error, tag string) {
	if err != nil {
		span.SetStatus(codes.Error, "statement failed")
	} else if tag != "" {
		span.SetAttributes(attribute.String("db.response.command_tag", tag))
	}
	span.End()
}

// sqlSpanName names a statement's span by its first keyword (SELECT,
// INSERT, WITH…), so that span names stay few.
func sqlSpanName(sql string) string {
	sql = strings.TrimSpace(sql)
	for strings.HasPrefix(sql, "--") { // a leading comment line
		_, rest, ok := strings.Cut(sql, "\n")
		if !ok {
			return "SQL"
		}
		sql = strings.TrimSpace(rest)
	}
	word, _, _ := strings.Cut(sql, " ")
	word, _, _ = strings.Cut(word, "\n")
	word = strings.ToUpper(strings.TrimSpace(word))
	if word == "" || len(word) > 16 {
		return "SQL"
	}
	return word
}

// RedisHook returns the go-redis hook that makes one span per command or
// pipeline, named by the command; keys and values are never recorded (keys
// name phone numbers). Nil when tracing is off.
func (t *Tracing) RedisHook() goredis.Hook {
	if t == nil {
		return nil
	}
	return redisHook{t.tracer}
}

type redisHook struct{ tracer trace.Tracer }

var redisSystem = attribute.String("db.system", "redis")

func (h redisHook) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (h redisHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if !inSpan(ctx) {
			return next(ctx, cmd)
		}
		name := strings.ToUpper(cmd.Name())
		ctx, span := h.tracer.Start(ctx, "redis "+name, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(redisSystem, attribute.String("db.operation", name)))
		err := next(ctx, cmd)
		if err != nil && err != goredis.Nil {
			span.SetStatus(codes.Error, "command failed")
		}
		span.End()
		return err
	}
}

func (h redisHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if !inSpan(ctx) {
			return next(ctx, cmds)
		}
		ctx, span := h.tracer.Start(ctx, "redis pipeline", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(redisSystem, attribute.Int("db.redis.commands", len(cmds))))
		err := next(ctx, cmds)
		if err != nil && err != goredis.Nil {
			span.SetStatus(codes.Error, "pipeline failed")
		}
		span.End()
		return err
	}
}
