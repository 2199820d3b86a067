package resolvers

import (
	"context"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/notify"
)

// NotifyOps are the notification and message operations.
type NotifyOps struct {
	svc *notify.Service
}

// SECURITY: endpoints belong to the credential that sets them: a partner, a
// settlement client or an admin.
func endpointOwner(ctx context.Context) (int64, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return 0, errs.ErrUnauthenticated
	}
	if !p.Is(auth.KindPartner, auth.KindSettlement, auth.KindAdmin) {
		return 0, errs.ErrForbidden
	}
	return p.CredentialID, nil
}

// SetEndpoint sets the caller's endpoint for one type.
func (o *NotifyOps) SetEndpoint(ctx context.Context, t notify.EventType, url string, headers []notify.Header) (*notify.Endpoint, error) {
	owner, err := endpointOwner(ctx)
	if err != nil {
		return nil, err
	}
	return o.svc.SetEndpoint(ctx, owner, t, url, headers)
}

// DeleteEndpoint removes the caller's endpoint for one type.
func (o *NotifyOps) DeleteEndpoint(ctx context.Context, t notify.EventType) error {
	owner, err := endpointOwner(ctx)
	if err != nil {
		return err
	}
	return o.svc.DeleteEndpoint(ctx, owner, t)
}

// Endpoints lists the caller's endpoints.
func (o *NotifyOps) Endpoints(ctx context.Context) ([]*notify.Endpoint, error) {
	owner, err := endpointOwner(ctx)
	if err != nil {
		return nil, err
	}
	return o.svc.ListEndpoints(ctx, owner)
}

// Deliveries lists the caller's recent deliveries.
func (o *NotifyOps) Deliveries(ctx context.Context, limit int) ([]*notify.Delivery, error) {
	owner, err := endpointOwner(ctx)
	if err != nil {
		return nil, err
	}
	if limit < 0 || limit > MaxFirst {
		return nil, errs.InvalidField("first", "first must be between 0 and %d", MaxFirst)
	}
	return o.svc.ListDeliveries(ctx, owner, limit)
}

// SentMessages lists the messages sent to a recipient.
// SECURITY: admins only; messages carry one-time passwords.
func (o *NotifyOps) SentMessages(ctx context.Context, to string) ([]*notify.Message, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, errs.ErrUnauthenticated
	}
	if !p.IsAdmin() {
		return nil, errs.ErrForbidden
	}
	return o.svc.SentMessages(ctx, to)
}
