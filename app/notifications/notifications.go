// Package notifications is the application layer of outbound
// notifications: each credential's webhook endpoints and their deliveries,
// and, for admins, the messages sent to people in development.
package notifications

import (
	"context"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/notify"
)

// MaxDeliveries is the most deliveries one list returns.
const MaxDeliveries = 100

// Ops are the notification operations.
type Ops struct {
	svc *notify.Service
}

// New returns the notification operations.
func New(svc *notify.Service) *Ops { return &Ops{svc: svc} }

// owners: endpoints belong to the credential that sets them.
var owners = authz.Allow(authz.ScopeOwnCredential, auth.KindPartner, auth.KindSettlement, auth.KindAdmin)

var policy = authz.NewPolicy("notifications", map[string]authz.Rule{
	"SetEndpoint": owners, "DeleteEndpoint": owners, "Endpoints": owners, "Deliveries": owners,
	// SECURITY: messages carry one-time passwords: admins only.
	"SentMessages": authz.Allow(authz.ScopeAll, auth.KindAdmin),
})

// Policy returns the rules of the notification operations.
func Policy() *authz.Policy { return policy }

// owner checks op's rule and returns the credential whose endpoints the
// caller reaches: its own.
func owner(ctx context.Context, op string) (int64, error) {
	p, err := policy.Authorize(ctx, op)
	if err != nil {
		return 0, err
	}
	return p.CredentialID, nil
}

// SetEndpoint sets the caller's endpoint for one type.
func (o *Ops) SetEndpoint(ctx context.Context, t notify.EventType, url string, headers []notify.Header) (*notify.Endpoint, error) {
	id, err := owner(ctx, "SetEndpoint")
	if err != nil {
		return nil, err
	}
	return o.svc.SetEndpoint(ctx, id, t, url, headers)
}

// DeleteEndpoint removes the caller's endpoint for one type.
func (o *Ops) DeleteEndpoint(ctx context.Context, t notify.EventType) error {
	id, err := owner(ctx, "DeleteEndpoint")
	if err != nil {
		return err
	}
	return o.svc.DeleteEndpoint(ctx, id, t)
}

// Endpoints lists the caller's endpoints.
func (o *Ops) Endpoints(ctx context.Context) ([]*notify.Endpoint, error) {
	id, err := owner(ctx, "Endpoints")
	if err != nil {
		return nil, err
	}
	return o.svc.ListEndpoints(ctx, id)
}

// Deliveries lists the caller's most recent deliveries, at most limit.
func (o *Ops) Deliveries(ctx context.Context, limit int) ([]*notify.Delivery, error) {
	id, err := owner(ctx, "Deliveries")
	if err != nil {
		return nil, err
	}
	if limit < 0 || limit > MaxDeliveries {
		return nil, errs.InvalidField("first", "first must be between 0 and %d", MaxDeliveries)
	}
	return o.svc.ListDeliveries(ctx, id, limit)
}

// SentMessages lists the messages sent to a recipient.
func (o *Ops) SentMessages(ctx context.Context, to string) ([]*notify.Message, error) {
	if _, err := policy.Authorize(ctx, "SentMessages"); err != nil {
		return nil, err
	}
	return o.svc.SentMessages(ctx, to)
}
