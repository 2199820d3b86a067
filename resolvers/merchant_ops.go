package resolvers

import (
	"context"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
)

// MerchantOps are the merchant operations shared by GraphQL and the Loyalty
// Settlement REST family.
type MerchantOps struct {
	svc *merchant.Service
}

// SECURITY: merchants are administered by settlement clients and admins.
func authorizeMerchantAdmin(ctx context.Context) error {
	p := auth.FromContext(ctx)
	if p == nil {
		return errs.ErrUnauthenticated
	}
	if !p.Is(auth.KindSettlement, auth.KindAdmin) {
		return errs.ErrForbidden
	}
	return nil
}

// Get returns one merchant, or a not-found error.
func (o *MerchantOps) Get(ctx context.Context, id string) (*merchant.Merchant, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindMerchantByID(ctx, id)
}

// GetMany returns the merchants among ids that exist.
func (o *MerchantOps) GetMany(ctx context.Context, ids []string) ([]*merchant.Merchant, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindMerchantsByIDs(ctx, ids)
}

// List returns a page of merchants and the total count.
func (o *MerchantOps) List(ctx context.Context, f merchant.Filter) ([]*merchant.Merchant, int, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, 0, err
	}
	return o.svc.FindMerchants(ctx, f)
}

// Create adds a merchant.
func (o *MerchantOps) Create(ctx context.Context, in merchant.Create) (*merchant.Merchant, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.CreateMerchant(ctx, in)
}

// Update changes the fields present in upd.
func (o *MerchantOps) Update(ctx context.Context, id string, upd merchant.Update) (*merchant.Merchant, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.UpdateMerchant(ctx, id, upd)
}

// Delete removes a merchant.
func (o *MerchantOps) Delete(ctx context.Context, id string) error {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return err
	}
	return o.svc.DeleteMerchant(ctx, id)
}
