package telemetry

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"loyaltygraph/domain/pan"
)

// GraphQL returns the gqlgen extensions that measure and trace operations:
// add them first (outermost), before any extension that may answer an
// operation itself. With m and t nil it returns none, so that GraphQL
// costs nothing more.
func GraphQL(m *Metrics, t *Tracing) []graphql.HandlerExtension {
	var exts []graphql.HandlerExtension
	if m != nil {
		exts = append(exts, gqlMetrics{m})
	}
	if t != nil {
		exts = append(exts, gqlTracing{t.tracer})
	}
	return exts
}

// operationType is the type of the operation of oc.
func operationType(oc *graphql.OperationContext) string {
	if oc == nil || oc.Operation == nil {
		return "unknown"
	}
	switch oc.Operation.Operation {
	case ast.Mutation:
		return "mutation"
	case ast.Subscription:
		return "subscription"
	}
	return "query"
}

// operationName is the name of the operation oc runs: the one the caller
// chose among the document's, else the operation's own ("" when none).
func operationName(oc *graphql.OperationContext) string {
	if oc == nil {
		return ""
	}
	if oc.Operation != nil && oc.Operation.Name != "" {
		return oc.Operation.Name
	}
	return oc.OperationName
}

// gqlMetrics counts operations by bounded name, type and outcome, and
// times them to their first response.
type gqlMetrics struct{ m *Metrics }

func (gqlMetrics) ExtensionName() string                   { return "Metrics" }
func (gqlMetrics) Validate(graphql.ExecutableSchema) error { return nil }

func (g gqlMetrics) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	name, typ := g.m.operationName(operationName(oc)), operationType(oc)
	start := time.Now()
	responses := next(ctx)
	first := true
	return func(ctx context.Context) *graphql.Response {
		resp := responses(ctx)
		if first {
			first = false
			outcome := "ok"
			if resp == nil || len(resp.Errors) > 0 {
				outcome = "error"
			}
			g.m.gqlOps.WithLabelValues(name, typ, outcome).Inc()
			g.m.gqlDuration.WithLabelValues(name, typ).Observe(time.Since(start).Seconds())
		}
		return resp
	}
}

// gqlTracing makes a span per operation and one per resolver field (not
// per trivial field, which reads a struct and costs nothing worth a span).
// SECURITY: the document and the variables are never recorded; a path's
// aliases are the caller's words, so card numbers in them are masked.
type gqlTracing struct{ tracer trace.Tracer }

func (gqlTracing) ExtensionName() string                   { return "Tracing" }
func (gqlTracing) Validate(graphql.ExecutableSchema) error { return nil }

func (g gqlTracing) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	name, typ := operationName(oc), operationType(oc)
	spanName := typ
	if name != "" {
		spanName += " " + name
	}
	ctx, span := g.tracer.Start(ctx, spanName, trace.WithAttributes(
		attribute.String("graphql.operation.type", typ), attribute.String("graphql.operation.name", name)))
	responses := next(ctx)
	ended := false
	return func(rctx context.Context) *graphql.Response {
		// The executor runs the fields in the context it passes here; they
		// belong to the operation's span.
		resp := responses(trace.ContextWithSpan(rctx, span))
		if !ended && (typ != "subscription" || resp == nil) {
			ended = true
			if resp != nil && len(resp.Errors) > 0 {
				span.SetStatus(codes.Error, "the response has errors")
				span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
			}
			span.End()
		}
		return resp
	}
}

func (g gqlTracing) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver {
		return next(ctx)
	}
	ctx, span := g.tracer.Start(ctx, fc.Object+"."+fc.Field.Name, trace.WithAttributes(
		attribute.String("graphql.field.path", pan.Redact(fc.Path().String()))))
	v, err := next(ctx)
	if err != nil {
		span.SetStatus(codes.Error, "resolver failed")
	}
	span.End()
	return v, err
}
