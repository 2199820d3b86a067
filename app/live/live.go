// Package live is the application layer of subscriptions: a user's new
// receipts and cards, and a settlement client's new settlement batches and
// settle runs, as they happen. Each subscription is authorized when it
// starts by its rule here, and each object it delivers is read through the
// operation that serves it to the same caller (receipts.Get, users.Card,
// settlements.Batches, settlements.Invoices), whose own rule is checked
// again, so a subscription never delivers what its caller could not read.
package live

import (
	"context"
	"fmt"

	"loyaltygraph/app/authz"
	"loyaltygraph/app/receipts"
	"loyaltygraph/app/settlements"
	"loyaltygraph/app/users"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/domain/user"
)

// Ops are the subscription operations.
type Ops struct {
	feed        notify.Feed
	users       *users.Ops
	receipts    *receipts.Ops
	settlements *settlements.Ops
}

// New returns the subscription operations over feed; the other operations
// read what the events name.
func New(feed notify.Feed, u *users.Ops, r *receipts.Ops, s *settlements.Ops) *Ops {
	return &Ops{feed: feed, users: u, receipts: r, settlements: s}
}

var (
	// userOwners hear of a partner's users, or of the end user itself.
	userOwners = authz.Allow(authz.ScopeOwnUsers, auth.KindPartner, auth.KindUser)
	// clients hear of their own batches and runs; admins of all.
	clients = authz.Allow(authz.ScopeOwnMerchants, auth.KindSettlement, auth.KindAdmin)
)

var policy = authz.NewPolicy("live", map[string]authz.Rule{
	"ReceiptAdded": userOwners, "CardAdded": userOwners,
	"SettlementBatchCreated": clients, "MerchantsSettled": clients,
})

// Policy returns the rules of the subscription operations.
func Policy() *authz.Policy { return policy }

// Holder names the principal whose subscriptions are counted together
// (notify.Feed's holder).
func Holder(p *auth.Principal) string {
	return fmt.Sprintf("%s:%d:%s:%s", p.Kind, p.CredentialID, p.UserID, p.CustomerID)
}

// userScope checks op's rule and returns the partner that owns the user
// the caller subscribes to, and that user's id: userID, or (empty) the
// user of the caller's access token.
// SECURITY: a partner reaches only its own users (checked through
// users.Get, which answers not found for anyone else's), an end user
// only itself.
func (o *Ops) userScope(ctx context.Context, op, userID string) (*auth.Principal, int64, string, error) {
	p, err := policy.Authorize(ctx, op)
	if err != nil {
		return nil, 0, "", err
	}
	if userID == "" {
		userID = p.UserID
	}
	if userID == "" {
		return nil, 0, "", errs.InvalidField("userId", "userId is required without a user token")
	}
	if p.UserID != "" && p.UserID != userID {
		return nil, 0, "", errs.NotFoundf("user not found")
	}
	u, err := o.users.Get(ctx, userID)
	if err != nil {
		return nil, 0, "", err
	}
	return p, u.Provider.ID, u.ID, nil
}

// ReceiptAdded delivers each receipt added to a user (userID, or the user
// of the caller's token when empty) until ctx is done.
func (o *Ops) ReceiptAdded(ctx context.Context, userID string) (<-chan *receipt.Receipt, error) {
	p, owner, uid, err := o.userScope(ctx, "ReceiptAdded", userID)
	if err != nil {
		return nil, err
	}
	return follow(ctx, o.feed, p, userEvents(notify.EventReceipt, owner, uid), func(ev notify.LiveEvent) (*receipt.Receipt, error) {
		return o.receipts.Get(ctx, uid, ev.ID)
	})
}

// CardAdded delivers each card added to a user (userID, or the user of the
// caller's token when empty) until ctx is done.
func (o *Ops) CardAdded(ctx context.Context, userID string) (<-chan *user.Card, error) {
	p, owner, uid, err := o.userScope(ctx, "CardAdded", userID)
	if err != nil {
		return nil, err
	}
	return follow(ctx, o.feed, p, userEvents(notify.EventCardCreated, owner, uid), func(ev notify.LiveEvent) (*user.Card, error) {
		return o.users.Card(ctx, ev.ID)
	})
}

func userEvents(t notify.EventType, owner int64, userID string) func(notify.LiveEvent) bool {
	return func(ev notify.LiveEvent) bool { return ev.Type == t && ev.OwnerID == owner && ev.UserID == userID }
}

// tenantEvents matches the events of type t that tenant sees: its own, or
// every one for an admin (tenant 0).
func tenantEvents(t notify.EventType, p *auth.Principal) func(notify.LiveEvent) bool {
	tenant := p.CredentialID
	if p.Kind == auth.KindAdmin {
		tenant = 0
	}
	return func(ev notify.LiveEvent) bool { return ev.Type == t && (tenant == 0 || ev.OwnerID == tenant) }
}

// SettlementBatchCreated delivers each settlement batch of the caller's
// (every batch for an admin) until ctx is done.
func (o *Ops) SettlementBatchCreated(ctx context.Context) (<-chan *settlement.SettlementBatch, error) {
	p, err := policy.Authorize(ctx, "SettlementBatchCreated")
	if err != nil {
		return nil, err
	}
	return follow(ctx, o.feed, p, tenantEvents(notify.EventNewSettlementBatch, p), func(ev notify.LiveEvent) (*settlement.SettlementBatch, error) {
		list, _, err := o.settlements.Batches(ctx, settlement.BatchFilter{IDs: []string{ev.ID}, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, errs.NotFoundf("settlement batch not found")
		}
		return list[0], nil
	})
}

// SettleRun is one run of settling merchants, with its invoices.
type SettleRun struct {
	ID       string
	Invoices []*settlement.Invoice
}

// MerchantsSettled delivers each settle run of the caller's (every run for
// an admin) with its invoices until ctx is done.
func (o *Ops) MerchantsSettled(ctx context.Context) (<-chan *SettleRun, error) {
	p, err := policy.Authorize(ctx, "MerchantsSettled")
	if err != nil {
		return nil, err
	}
	return follow(ctx, o.feed, p, tenantEvents(notify.EventMerchantsSettled, p), func(ev notify.LiveEvent) (*SettleRun, error) {
		invoices, err := o.settlements.Invoices(ctx, ev.ID, "")
		if err != nil {
			return nil, err
		}
		return &SettleRun{ID: ev.ID, Invoices: invoices}, nil
	})
}

// follow subscribes to the events that match and delivers what read
// returns for each; an event whose object the caller cannot read (gone, or
// not its own) is skipped.
func follow[T any](ctx context.Context, feed notify.Feed, p *auth.Principal, match func(notify.LiveEvent) bool,
	read func(notify.LiveEvent) (*T, error)) (<-chan *T, error) {
	events, err := feed.Subscribe(ctx, Holder(p), match)
	if err != nil {
		return nil, err
	}
	out := make(chan *T, 1)
	go func() {
		defer close(out)
		for ev := range events {
			v, err := read(ev)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				continue
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
