// Package merchants is the application layer of the merchant context: the
// operations on merchants and their settlement model (companies, stores,
// categories and products, campaigns, derived shares, blocked products)
// that both doors call. Each operation authorizes the principal by its rule
// in policy, keeps a settlement client to its own merchants, and makes the
// domain call.
package merchants

import (
	"context"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
)

// Ops are the merchant operations.
type Ops struct {
	svc *merchant.Service
	model
}

// New returns the merchant operations over svc.
func New(svc *merchant.Service) *Ops { return &Ops{svc: svc, model: newModel(svc)} }

// Page is an offset and a limit of a list.
type Page struct {
	Offset int
	Limit  int
}

// admins is the rule of every merchant operation: settlement clients reach
// the merchants they created and everything under them, admins reach all.
var admins = authz.Allow(authz.ScopeOwnMerchants, auth.KindSettlement, auth.KindAdmin)

// policy holds the rule of each operation.
var policy = authz.NewPolicy("merchants", map[string]authz.Rule{
	"Authorize": admins,
	"Get":       admins, "GetMany": admins, "List": admins, "Listing": admins, "Create": admins, "Update": admins, "Delete": admins,
	"CreateCompany": admins, "Company": admins, "MerchantCompanies": admins, "CompaniesOf": admins,
	"UpdateCompany": admins, "DeleteCompany": admins,
	"CreateStore": admins, "Store": admins, "MerchantStores": admins, "StoresOf": admins,
	"UpdateStore": admins, "DeleteStore": admins,
	"CreateCategory": admins, "Category": admins, "MerchantCategories": admins, "CategoriesOf": admins,
	"UpdateCategory": admins, "DeleteCategory": admins,
	"CategoryProducts": admins, "ProductsOf": admins, "AddProducts": admins, "CreateProduct": admins,
	"DeleteProduct":  admins,
	"CreateCampaign": admins, "Campaign": admins, "CurrentCampaigns": admins, "MerchantCampaigns": admins,
	"CampaignsOf": admins, "UpdateCampaign": admins, "DeleteCampaign": admins,
	"CreateDerivedShare": admins, "DerivedShare": admins, "MerchantDerivedShares": admins,
	"DerivedSharesOf": admins, "UpdateDerivedShare": admins, "DeleteDerivedShare": admins,
	"ReplaceDerivedShares": admins,
	"BlockedProducts":      admins, "BlockedProductsByID": admins, "CreateBlockedProduct": admins, "CreateBlockedProducts": admins,
	"DeleteBlockedProduct": admins,
})

// Policy returns the rules of the merchant operations.
func Policy() *authz.Policy { return policy }

// tenant is the settlement client whose merchants a principal reaches; 0
// for admins, who reach every merchant.
type tenant int64

// authorize checks op's rule and returns the caller's tenant.
func authorize(ctx context.Context, op string) (tenant, error) {
	p, err := policy.Authorize(ctx, op)
	if err != nil {
		return 0, err
	}
	if p.Kind == auth.KindAdmin {
		return 0, nil
	}
	return tenant(p.CredentialID), nil
}

// Authorize reports whether the principal may administer merchants at all,
// so that an edge can refuse before it reads a request body.
func (o *Ops) Authorize(ctx context.Context) error {
	_, err := authorize(ctx, "Authorize")
	return err
}

// reach checks that merchant id is within t's reach.
// SECURITY: another settlement client's merchant answers as a missing one,
// so that ids reveal nothing; a missing merchant is left to the domain call,
// which reports it in its own words.
func (o *Ops) reach(ctx context.Context, t tenant, id string) error {
	if t == 0 {
		return nil
	}
	m, err := o.svc.FindMerchantByID(ctx, id)
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.OwnerID != int64(t) {
		return errs.NotFoundf("merchant not found")
	}
	return nil
}

// within returns v when its merchant is within t's reach, and a not-found
// error naming what otherwise.
func within[T any](ctx context.Context, o *Ops, t tenant, what string, v T, err error, merchantOf func(T) string) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	if t == 0 {
		return v, nil
	}
	m, err := o.svc.FindMerchantByID(ctx, merchantOf(v))
	if err != nil && !errs.Is(err, errs.NotFound) {
		return zero, err
	}
	if m == nil || m.OwnerID != int64(t) {
		return zero, errs.NotFoundf("%s not found", what)
	}
	return v, nil
}

// ofMerchant selects the page p (all, when nil) of one merchant's list.
func ofMerchant(merchantID string, p *Page) merchant.ListFilter {
	f := merchant.ListFilter{MerchantIDs: []string{merchantID}, RequireParent: true}
	if p != nil {
		f.Offset, f.Limit = p.Offset, &p.Limit
	}
	return f
}

// --- merchants ---

// Get returns one merchant, or a not-found error.
func (o *Ops) Get(ctx context.Context, id string) (*merchant.Merchant, error) {
	t, err := authorize(ctx, "Get")
	if err != nil {
		return nil, err
	}
	m, err := o.svc.FindMerchantByID(ctx, id)
	return within(ctx, o, t, "merchant", m, err, merchantID)
}

// GetMany returns the merchants among ids that exist and are within reach.
func (o *Ops) GetMany(ctx context.Context, ids []string) ([]*merchant.Merchant, error) {
	t, err := authorize(ctx, "GetMany")
	if err != nil {
		return nil, err
	}
	list, err := o.svc.FindMerchantsByIDs(ctx, ids)
	if err != nil || t == 0 {
		return list, err
	}
	out := list[:0]
	for _, m := range list {
		if m.OwnerID == int64(t) {
			out = append(out, m)
		}
	}
	return out, nil
}

// List returns a page of the merchants within reach and their total count.
func (o *Ops) List(ctx context.Context, f merchant.Filter) ([]*merchant.Merchant, int, error) {
	t, err := authorize(ctx, "List")
	if err != nil {
		return nil, 0, err
	}
	f.OwnerID = int64(t)
	return o.svc.FindMerchants(ctx, f)
}

// Listing returns a page of the merchants the caller reaches with their
// companies and campaigns, read together.
func (o *Ops) Listing(ctx context.Context, f merchant.Filter) (*merchant.Listing, error) {
	t, err := authorize(ctx, "Listing")
	if err != nil {
		return nil, err
	}
	f.OwnerID = int64(t)
	return o.svc.FindListing(ctx, f)
}

// Create adds a merchant, owned by the settlement client that creates it.
func (o *Ops) Create(ctx context.Context, in merchant.Create) (*merchant.Merchant, error) {
	t, err := authorize(ctx, "Create")
	if err != nil {
		return nil, err
	}
	in.OwnerID = int64(t)
	return o.svc.CreateMerchant(ctx, in)
}

// Update changes the fields present in upd.
func (o *Ops) Update(ctx context.Context, id string, upd merchant.Update) (*merchant.Merchant, error) {
	t, err := authorize(ctx, "Update")
	if err != nil {
		return nil, err
	}
	if err := o.reach(ctx, t, id); err != nil {
		return nil, err
	}
	return o.svc.UpdateMerchant(ctx, id, upd)
}

// Delete removes a merchant.
func (o *Ops) Delete(ctx context.Context, id string) error {
	t, err := authorize(ctx, "Delete")
	if err != nil {
		return err
	}
	if err := o.reach(ctx, t, id); err != nil {
		return err
	}
	return o.svc.DeleteMerchant(ctx, id)
}

func merchantID(m *merchant.Merchant) string { return m.ID }
