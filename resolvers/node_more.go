package resolvers

import (
	"context"
	"strconv"
	"time"

	"loyaltygraph/app/notifications"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/user"
	"loyaltygraph/resolvers/gqltypes"
)

// Node types of the notification, Storebox account and terms contexts.
// Their native ids name the owner where the object belongs to one, so that
// the same id never means another caller's object.
const (
	typeNotificationEndpoint = "NotificationEndpoint" // ownerId/type
	typeNotificationDelivery = "NotificationDelivery" // ownerId/deliveryId
	typeStoreboxAccount      = "StoreboxAccount"
	typeTerms                = "Terms" // lang/validFrom (YYYY-MM-DD)
)

func endpointNativeID(e *notify.Endpoint) string {
	return strconv.FormatInt(e.OwnerID, 10) + "/" + string(e.Type)
}

func deliveryNativeID(d *notify.Delivery) string {
	return strconv.FormatInt(d.OwnerID, 10) + "/" + strconv.FormatInt(d.ID, 10)
}

func termsNativeID(t *merchant.Terms) string {
	return t.Lang + "/" + t.ValidFrom.UTC().Format(time.DateOnly)
}

// moreNodeFinder returns the lookups of the node types of this file; nil
// for others.
func (r *Resolver) moreNodeFinder(typ string) func(context.Context, []string) (map[string]gqltypes.Node, error) {
	switch typ {
	case typeNotificationEndpoint:
		// SECURITY: the caller's own endpoints, as notificationEndpoints
		// lists them; another owner's id matches none of them.
		return func(ctx context.Context, _ []string) (map[string]gqltypes.Node, error) {
			list, err := r.NotifyOps.Endpoints(ctx)
			return keyed(list, err, endpointNativeID)
		}
	case typeNotificationDelivery:
		// SECURITY: the caller's own deliveries that notificationDeliveries
		// shows (the most recent MaxDeliveries), and no others.
		return func(ctx context.Context, _ []string) (map[string]gqltypes.Node, error) {
			list, err := r.NotifyOps.Deliveries(ctx, notifications.MaxDeliveries)
			return keyed(list, err, deliveryNativeID)
		}
	case typeStoreboxAccount:
		return eachNode(func(ctx context.Context, id string) (*user.Account, error) {
			return r.UserOps.StoreboxAccount(ctx, user.AccountRef{AccountID: id})
		})
	case typeTerms:
		return eachNode(r.termsByNativeID)
	}
	return nil
}

// termsByNativeID finds the terms of one language published for one day
// through the ordinary terms lookup; terms of another day or language
// (the lookup's fallbacks) are not these.
func (r *Resolver) termsByNativeID(ctx context.Context, id string) (*merchant.Terms, error) {
	parts, ok := splitNativeID(id, 2)
	if !ok {
		return nil, nil
	}
	day, err := time.Parse(time.DateOnly, parts[1])
	if err != nil {
		return nil, nil
	}
	t, err := r.TermsOps.Find(ctx, parts[0], &day)
	if err != nil || t == nil || t.Lang != parts[0] || termsNativeID(t) != id {
		return nil, err
	}
	return t, nil
}
