package merchants

import (
	"context"

	"loyaltygraph/domain/merchant"
)

// entity is one kind of the settlement model — companies, stores,
// categories, campaigns, derived shares — as the generic operations below
// see it: how to create, find, list, update and delete it, and which
// merchant an instance or an input belongs to.
type entity[T, C, U any] struct {
	what       string
	create     func(context.Context, C) (T, error)
	find       func(context.Context, string) (T, error)
	list       func(context.Context, merchant.ListFilter) ([]T, error)
	update     func(context.Context, string, U) (T, error)
	remove     func(context.Context, string) error
	merchantOf func(T) string
	createdFor func(C) string
}

// create authorizes op and creates in under a merchant within reach.
func create[T, C, U any](ctx context.Context, o *Ops, op string, e *entity[T, C, U], in C) (T, error) {
	var zero T
	t, err := authorize(ctx, op)
	if err != nil {
		return zero, err
	}
	if err := o.reach(ctx, t, e.createdFor(in)); err != nil {
		return zero, err
	}
	return e.create(ctx, in)
}

// findOne authorizes op and returns one instance within reach.
func findOne[T, C, U any](ctx context.Context, o *Ops, op string, e *entity[T, C, U], id string) (T, error) {
	t, err := authorize(ctx, op)
	if err != nil {
		var zero T
		return zero, err
	}
	return reachable(ctx, o, t, e, id)
}

// reachable returns instance id when its merchant is within t's reach.
func reachable[T, C, U any](ctx context.Context, o *Ops, t tenant, e *entity[T, C, U], id string) (T, error) {
	v, err := e.find(ctx, id)
	return within(ctx, o, t, e.what, v, err, e.merchantOf)
}

// ofOne authorizes op and returns a page (all, when p is nil) of one
// merchant's instances.
func ofOne[T, C, U any](ctx context.Context, o *Ops, op string, e *entity[T, C, U], merchantID string, p *Page) ([]T, error) {
	t, err := authorize(ctx, op)
	if err != nil {
		return nil, err
	}
	if err := o.reach(ctx, t, merchantID); err != nil {
		return nil, err
	}
	return e.list(ctx, ofMerchant(merchantID, p))
}

// ofMany authorizes op and returns the instances of the merchants among
// merchantIDs within reach, for lists and dataloaders.
func ofMany[T, C, U any](ctx context.Context, o *Ops, op string, e *entity[T, C, U], merchantIDs []string) ([]T, error) {
	t, err := authorize(ctx, op)
	if err != nil {
		return nil, err
	}
	return e.list(ctx, merchant.ListFilter{MerchantIDs: merchantIDs, OwnerID: int64(t)})
}

// update authorizes op and changes the fields present in upd of an
// instance within reach.
func update[T, C, U any](ctx context.Context, o *Ops, op string, e *entity[T, C, U], id string, upd U) (T, error) {
	t, err := authorize(ctx, op)
	if err != nil {
		var zero T
		return zero, err
	}
	if t != 0 {
		if v, err := reachable(ctx, o, t, e, id); err != nil {
			return v, err
		}
	}
	return e.update(ctx, id, upd)
}

// remove authorizes op and deletes an instance within reach.
func remove[T, C, U any](ctx context.Context, o *Ops, op string, e *entity[T, C, U], id string) error {
	t, err := authorize(ctx, op)
	if err != nil {
		return err
	}
	if t != 0 {
		if _, err := reachable(ctx, o, t, e, id); err != nil {
			return err
		}
	}
	return e.remove(ctx, id)
}
