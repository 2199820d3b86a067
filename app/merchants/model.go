package merchants

import (
	"context"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
)

// The model's entity kinds, over one merchant service.
type (
	companies     = entity[*merchant.Company, merchant.CompanyCreate, merchant.CompanyUpdate]
	stores        = entity[*merchant.Shop, merchant.ShopCreate, merchant.ShopUpdate]
	categories    = entity[*merchant.Category, merchant.CategoryCreate, merchant.CategoryUpdate]
	campaigns     = entity[*merchant.Campaign, merchant.CampaignCreate, merchant.CampaignUpdate]
	derivedShares = entity[*merchant.DerivedShare, merchant.DerivedShareCreate, merchant.DerivedShareUpdate]
)

// model is the settlement model's entity kinds.
type model struct {
	companies     *companies
	stores        *stores
	categories    *categories
	campaigns     *campaigns
	derivedShares *derivedShares
}

func newModel(svc *merchant.Service) model {
	return model{
		companies: &companies{what: "company", create: svc.CreateCompany, find: svc.FindCompanyByID,
			list: svc.FindCompanies, update: svc.UpdateCompany, remove: svc.DeleteCompany,
			merchantOf: func(c *merchant.Company) string { return c.MerchantID },
			createdFor: func(c merchant.CompanyCreate) string { return c.MerchantID }},
		stores: &stores{what: "store", create: svc.CreateShop, find: svc.FindShopByID,
			list: svc.FindShops, update: svc.UpdateShop, remove: svc.DeleteShop,
			merchantOf: func(s *merchant.Shop) string { return s.MerchantID },
			createdFor: func(s merchant.ShopCreate) string { return s.MerchantID }},
		categories: &categories{what: "category", create: svc.CreateCategory, find: svc.FindCategoryByID,
			list: svc.FindCategories, update: svc.UpdateCategory, remove: svc.DeleteCategory,
			merchantOf: func(c *merchant.Category) string { return c.MerchantID },
			createdFor: func(c merchant.CategoryCreate) string { return c.MerchantID }},
		campaigns: &campaigns{what: "campaign", create: svc.CreateCampaign, find: svc.FindCampaignByID,
			list: svc.FindCampaigns, update: svc.UpdateCampaign, remove: svc.DeleteCampaign,
			merchantOf: func(c *merchant.Campaign) string { return c.MerchantID },
			createdFor: func(c merchant.CampaignCreate) string { return c.MerchantID }},
		derivedShares: &derivedShares{what: "derived share", create: svc.CreateDerivedShare,
			find: svc.FindDerivedShareByID, list: svc.FindDerivedShares, update: svc.UpdateDerivedShare,
			remove:     svc.DeleteDerivedShare,
			merchantOf: func(d *merchant.DerivedShare) string { return d.MerchantID },
			createdFor: func(d merchant.DerivedShareCreate) string { return d.MerchantID }},
	}
}

// --- companies ---

// CreateCompany adds a company.
func (o *Ops) CreateCompany(ctx context.Context, in merchant.CompanyCreate) (*merchant.Company, error) {
	return create(ctx, o, "CreateCompany", o.companies, in)
}

// Company returns one company, or a not-found error.
func (o *Ops) Company(ctx context.Context, id string) (*merchant.Company, error) {
	return findOne(ctx, o, "Company", o.companies, id)
}

// MerchantCompanies returns the companies of one merchant (all, when p is
// nil); an unknown merchant is not found.
func (o *Ops) MerchantCompanies(ctx context.Context, merchantID string, p *Page) ([]*merchant.Company, error) {
	return ofOne(ctx, o, "MerchantCompanies", o.companies, merchantID, p)
}

// CompaniesOf returns the companies of many merchants, for dataloaders.
func (o *Ops) CompaniesOf(ctx context.Context, merchantIDs []string) ([]*merchant.Company, error) {
	return ofMany(ctx, o, "CompaniesOf", o.companies, merchantIDs)
}

// UpdateCompany changes the fields present in upd.
func (o *Ops) UpdateCompany(ctx context.Context, id string, upd merchant.CompanyUpdate) (*merchant.Company, error) {
	return update(ctx, o, "UpdateCompany", o.companies, id, upd)
}

// DeleteCompany removes a company.
func (o *Ops) DeleteCompany(ctx context.Context, id string) error {
	return remove(ctx, o, "DeleteCompany", o.companies, id)
}

// --- stores ---

// CreateStore adds a store.
func (o *Ops) CreateStore(ctx context.Context, in merchant.ShopCreate) (*merchant.Shop, error) {
	return create(ctx, o, "CreateStore", o.stores, in)
}

// Store returns one store, or a not-found error.
func (o *Ops) Store(ctx context.Context, id string) (*merchant.Shop, error) {
	return findOne(ctx, o, "Store", o.stores, id)
}

// MerchantStores returns the stores of one merchant (all, when p is nil).
func (o *Ops) MerchantStores(ctx context.Context, merchantID string, p *Page) ([]*merchant.Shop, error) {
	return ofOne(ctx, o, "MerchantStores", o.stores, merchantID, p)
}

// StoresOf returns the stores of many merchants.
func (o *Ops) StoresOf(ctx context.Context, merchantIDs []string) ([]*merchant.Shop, error) {
	return ofMany(ctx, o, "StoresOf", o.stores, merchantIDs)
}

// UpdateStore changes the fields present in upd.
func (o *Ops) UpdateStore(ctx context.Context, id string, upd merchant.ShopUpdate) (*merchant.Shop, error) {
	return update(ctx, o, "UpdateStore", o.stores, id, upd)
}

// DeleteStore removes a store.
func (o *Ops) DeleteStore(ctx context.Context, id string) error {
	return remove(ctx, o, "DeleteStore", o.stores, id)
}

// --- categories and products ---

// CreateCategory adds a product category.
func (o *Ops) CreateCategory(ctx context.Context, in merchant.CategoryCreate) (*merchant.Category, error) {
	return create(ctx, o, "CreateCategory", o.categories, in)
}

// Category returns one category, or a not-found error.
func (o *Ops) Category(ctx context.Context, id string) (*merchant.Category, error) {
	return findOne(ctx, o, "Category", o.categories, id)
}

// MerchantCategories returns the categories of one merchant (all, when p
// is nil).
func (o *Ops) MerchantCategories(ctx context.Context, merchantID string, p *Page) ([]*merchant.Category, error) {
	return ofOne(ctx, o, "MerchantCategories", o.categories, merchantID, p)
}

// CategoriesOf returns the categories of many merchants.
func (o *Ops) CategoriesOf(ctx context.Context, merchantIDs []string) ([]*merchant.Category, error) {
	return ofMany(ctx, o, "CategoriesOf", o.categories, merchantIDs)
}

// UpdateCategory changes the fields present in upd.
func (o *Ops) UpdateCategory(ctx context.Context, id string, upd merchant.CategoryUpdate) (*merchant.Category, error) {
	return update(ctx, o, "UpdateCategory", o.categories, id, upd)
}

// DeleteCategory removes a category and its products.
func (o *Ops) DeleteCategory(ctx context.Context, id string) error {
	return remove(ctx, o, "DeleteCategory", o.categories, id)
}

// reachCategory checks that category id is within t's reach; a missing
// category is left to the domain call.
func (o *Ops) reachCategory(ctx context.Context, t tenant, id string) error {
	if t == 0 {
		return nil
	}
	c, err := o.svc.FindCategoryByID(ctx, id)
	if err != nil {
		if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
			return nil
		}
		return err
	}
	return o.reach(ctx, t, c.MerchantID)
}

// CategoryProducts returns the products of one category (all, when p is
// nil); an unknown category is not found.
func (o *Ops) CategoryProducts(ctx context.Context, categoryID string, p *Page) ([]*merchant.Product, error) {
	t, err := authorize(ctx, "CategoryProducts")
	if err != nil {
		return nil, err
	}
	if err := o.reachCategory(ctx, t, categoryID); err != nil {
		return nil, err
	}
	f := merchant.ListFilter{CategoryIDs: []string{categoryID}, RequireParent: true}
	if p != nil {
		f.Offset, f.Limit = p.Offset, &p.Limit
	}
	return o.svc.FindProducts(ctx, f)
}

// ProductsOf returns the products of many categories.
func (o *Ops) ProductsOf(ctx context.Context, categoryIDs []string) ([]*merchant.Product, error) {
	t, err := authorize(ctx, "ProductsOf")
	if err != nil {
		return nil, err
	}
	return o.svc.FindProducts(ctx, merchant.ListFilter{CategoryIDs: categoryIDs, OwnerID: int64(t)})
}

// AddProducts adds products to a category, all or none.
func (o *Ops) AddProducts(ctx context.Context, categoryID string, in []merchant.ProductCreate) ([]*merchant.Product, error) {
	t, err := authorize(ctx, "AddProducts")
	if err != nil {
		return nil, err
	}
	if err := o.reachCategory(ctx, t, categoryID); err != nil {
		return nil, err
	}
	return o.svc.AddProducts(ctx, categoryID, in)
}

// CreateProduct adds one product to its category.
func (o *Ops) CreateProduct(ctx context.Context, in merchant.ProductCreate) (*merchant.Product, error) {
	t, err := authorize(ctx, "CreateProduct")
	if err != nil {
		return nil, err
	}
	if err := o.reachCategory(ctx, t, in.CategoryID); err != nil {
		return nil, err
	}
	return o.svc.CreateProduct(ctx, in)
}

// DeleteProduct removes a product.
func (o *Ops) DeleteProduct(ctx context.Context, id string) error {
	t, err := authorize(ctx, "DeleteProduct")
	if err != nil {
		return err
	}
	if t != 0 {
		list, err := o.svc.FindProducts(ctx, merchant.ListFilter{ProductIDs: []string{id}, OwnerID: int64(t)})
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return errs.NotFoundf("product not found")
		}
	}
	return o.svc.DeleteProduct(ctx, id)
}

// --- campaigns ---

// CreateCampaign adds a campaign.
func (o *Ops) CreateCampaign(ctx context.Context, in merchant.CampaignCreate) (*merchant.Campaign, error) {
	return create(ctx, o, "CreateCampaign", o.campaigns, in)
}

// Campaign returns one campaign, or a not-found error.
func (o *Ops) Campaign(ctx context.Context, id string) (*merchant.Campaign, error) {
	return findOne(ctx, o, "Campaign", o.campaigns, id)
}

// CurrentCampaigns returns a page of the active and future campaigns of the
// merchants within reach.
func (o *Ops) CurrentCampaigns(ctx context.Context, p Page) ([]*merchant.Campaign, error) {
	t, err := authorize(ctx, "CurrentCampaigns")
	if err != nil {
		return nil, err
	}
	return o.svc.FindCurrentCampaigns(ctx, int64(t), p.Offset, p.Limit)
}

// MerchantCampaigns returns the campaigns of one merchant (all, when p is
// nil).
func (o *Ops) MerchantCampaigns(ctx context.Context, merchantID string, p *Page) ([]*merchant.Campaign, error) {
	return ofOne(ctx, o, "MerchantCampaigns", o.campaigns, merchantID, p)
}

// CampaignsOf returns the campaigns of many merchants.
func (o *Ops) CampaignsOf(ctx context.Context, merchantIDs []string) ([]*merchant.Campaign, error) {
	return ofMany(ctx, o, "CampaignsOf", o.campaigns, merchantIDs)
}

// UpdateCampaign changes the fields present in upd.
func (o *Ops) UpdateCampaign(ctx context.Context, id string, upd merchant.CampaignUpdate) (*merchant.Campaign, error) {
	return update(ctx, o, "UpdateCampaign", o.campaigns, id, upd)
}

// DeleteCampaign removes a campaign.
func (o *Ops) DeleteCampaign(ctx context.Context, id string) error {
	return remove(ctx, o, "DeleteCampaign", o.campaigns, id)
}

// --- derived shares ---

// CreateDerivedShare adds a derived share.
func (o *Ops) CreateDerivedShare(ctx context.Context, in merchant.DerivedShareCreate) (*merchant.DerivedShare, error) {
	return create(ctx, o, "CreateDerivedShare", o.derivedShares, in)
}

// DerivedShare returns one derived share, or a not-found error.
func (o *Ops) DerivedShare(ctx context.Context, id string) (*merchant.DerivedShare, error) {
	return findOne(ctx, o, "DerivedShare", o.derivedShares, id)
}

// MerchantDerivedShares returns the derived shares of one merchant (all,
// when p is nil).
func (o *Ops) MerchantDerivedShares(ctx context.Context, merchantID string, p *Page) ([]*merchant.DerivedShare, error) {
	return ofOne(ctx, o, "MerchantDerivedShares", o.derivedShares, merchantID, p)
}

// DerivedSharesOf returns the derived shares of many merchants.
func (o *Ops) DerivedSharesOf(ctx context.Context, merchantIDs []string) ([]*merchant.DerivedShare, error) {
	return ofMany(ctx, o, "DerivedSharesOf", o.derivedShares, merchantIDs)
}

// UpdateDerivedShare changes the fields present in upd.
func (o *Ops) UpdateDerivedShare(ctx context.Context, id string, upd merchant.DerivedShareUpdate) (*merchant.DerivedShare, error) {
	return update(ctx, o, "UpdateDerivedShare", o.derivedShares, id, upd)
}

// DeleteDerivedShare removes a derived share.
func (o *Ops) DeleteDerivedShare(ctx context.Context, id string) error {
	return remove(ctx, o, "DeleteDerivedShare", o.derivedShares, id)
}

// ReplaceDerivedShares replaces every derived share of a merchant at once.
func (o *Ops) ReplaceDerivedShares(ctx context.Context, merchantID string, in []merchant.DerivedShareCreate) ([]*merchant.DerivedShare, error) {
	t, err := authorize(ctx, "ReplaceDerivedShares")
	if err != nil {
		return nil, err
	}
	if err := o.reach(ctx, t, merchantID); err != nil {
		return nil, err
	}
	return o.svc.ReplaceDerivedShares(ctx, merchantID, in)
}

// --- blocked products ---
// Blocked products hold across merchants (seed 002: "will ensure across
// merchants that these products will never be matched for settlement"), so
// they belong to no tenant.

// BlockedProducts returns a page of the blocked products.
func (o *Ops) BlockedProducts(ctx context.Context, p Page) ([]*merchant.BlockedProduct, error) {
	if _, err := authorize(ctx, "BlockedProducts"); err != nil {
		return nil, err
	}
	return o.svc.FindBlockedProducts(ctx, merchant.ListFilter{Offset: p.Offset, Limit: &p.Limit})
}

// BlockedProductsByID returns the blocked products among ids.
func (o *Ops) BlockedProductsByID(ctx context.Context, ids []string) ([]*merchant.BlockedProduct, error) {
	if _, err := authorize(ctx, "BlockedProductsByID"); err != nil {
		return nil, err
	}
	limit := len(ids)
	return o.svc.FindBlockedProducts(ctx, merchant.ListFilter{ProductIDs: ids, Limit: &limit})
}

// CreateBlockedProduct blocks one product number.
func (o *Ops) CreateBlockedProduct(ctx context.Context, in merchant.BlockedProductCreate) (*merchant.BlockedProduct, error) {
	if _, err := authorize(ctx, "CreateBlockedProduct"); err != nil {
		return nil, err
	}
	return o.svc.CreateBlockedProduct(ctx, in)
}

// CreateBlockedProducts blocks many product numbers, all or none.
func (o *Ops) CreateBlockedProducts(ctx context.Context, in []merchant.BlockedProductCreate) ([]*merchant.BlockedProduct, error) {
	if _, err := authorize(ctx, "CreateBlockedProducts"); err != nil {
		return nil, err
	}
	return o.svc.CreateBlockedProducts(ctx, in)
}

// DeleteBlockedProduct unblocks a product.
func (o *Ops) DeleteBlockedProduct(ctx context.Context, id string) error {
	if _, err := authorize(ctx, "DeleteBlockedProduct"); err != nil {
		return err
	}
	return o.svc.DeleteBlockedProduct(ctx, id)
}
