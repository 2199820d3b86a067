// Package metrics is the application layer of the service's own metrics
// (issue 12): who may read them. The metrics themselves are about the edges
// (HTTP routes, GraphQL operations, connection pools, the outbox) and are
// gathered and encoded there; this package holds the one rule that decides
// who reads them on the main listener.
package metrics

import (
	"context"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
)

// Ops are the metrics operations.
type Ops struct{}

// New returns the metrics operations.
func New() *Ops { return &Ops{} }

var policy = authz.NewPolicy("metrics", map[string]authz.Rule{
	// SECURITY: metrics tell traffic, routes, operation names and pool
	// sizes; on the main listener only admins read them. A separate
	// listener (METRICS_ADDR) is the operator's choice to expose them to
	// whoever reaches that address.
	"Read": authz.Allow(authz.ScopeAll, auth.KindAdmin),
})

// Policy returns the rules of the metrics operations.
func Policy() *authz.Policy { return policy }

// Read authorizes reading the service's metrics; the edge then writes them.
func (o *Ops) Read(ctx context.Context) error {
	_, err := policy.Authorize(ctx, "Read")
	return err
}
