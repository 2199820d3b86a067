package resolvers

import (
	"context"

	"loyaltygraph/domain/merchant"
)

// MerchantModelOps are the operations on a merchant's settlement model —
// companies, stores, categories and products, campaigns, derived shares —
// and on blocked products, shared by GraphQL and the Loyalty Settlement
// REST family. Every operation is for settlement clients and admins only
// (authorizeMerchantAdmin).
type MerchantModelOps struct {
	svc *merchant.Service
}

// SECURITY: each operation below starts with authorizeMerchantAdmin: the
// settlement model is administered by settlement clients and admins, never
// by partners or end users.

// Authorize reports whether the principal may administer the settlement
// model, so that an edge can refuse before it reads a request body.
func (o *MerchantModelOps) Authorize(ctx context.Context) error {
	// SECURITY: the same check as every operation below.
	return authorizeMerchantAdmin(ctx)
}

// Page is an offset and limit of a list.
type Page struct {
	Offset int
	Limit  int
}

func ofMerchant(merchantID string, p *Page) merchant.ListFilter {
	f := merchant.ListFilter{MerchantIDs: []string{merchantID}, RequireParent: true}
	if p != nil {
		f.Offset, f.Limit = p.Offset, &p.Limit
	}
	return f
}

// CreateCompany adds a company.
func (o *MerchantModelOps) CreateCompany(ctx context.Context, in merchant.CompanyCreate) (*merchant.Company, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.CreateCompany(ctx, in)
}

// Company returns one company, or a not-found error.
func (o *MerchantModelOps) Company(ctx context.Context, id string) (*merchant.Company, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindCompanyByID(ctx, id)
}

// MerchantCompanies returns the companies of one merchant (all, when p is
// nil); an unknown merchant is not found.
func (o *MerchantModelOps) MerchantCompanies(ctx context.Context, merchantID string, p *Page) ([]*merchant.Company, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindCompanies(ctx, ofMerchant(merchantID, p))
}

// CompaniesOf returns the companies of many merchants, for lists and
// dataloaders.
func (o *MerchantModelOps) CompaniesOf(ctx context.Context, merchantIDs []string) ([]*merchant.Company, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindCompanies(ctx, merchant.ListFilter{MerchantIDs: merchantIDs})
}

// UpdateCompany changes the fields present in upd.
func (o *MerchantModelOps) UpdateCompany(ctx context.Context, id string, upd merchant.CompanyUpdate) (*merchant.Company, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.UpdateCompany(ctx, id, upd)
}

// DeleteCompany removes a company.
func (o *MerchantModelOps) DeleteCompany(ctx context.Context, id string) error {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return err
	}
	return o.svc.DeleteCompany(ctx, id)
}

// CreateStore adds a store.
func (o *MerchantModelOps) CreateStore(ctx context.Context, in merchant.ShopCreate) (*merchant.Shop, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.CreateShop(ctx, in)
}

// Store returns one store, or a not-found error.
func (o *MerchantModelOps) Store(ctx context.Context, id string) (*merchant.Shop, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindShopByID(ctx, id)
}

// MerchantStores returns the stores of one merchant (all, when p is nil);
// an unknown merchant is not found.
func (o *MerchantModelOps) MerchantStores(ctx context.Context, merchantID string, p *Page) ([]*merchant.Shop, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindShops(ctx, ofMerchant(merchantID, p))
}

// StoresOf returns the stores of many merchants.
func (o *MerchantModelOps) StoresOf(ctx context.Context, merchantIDs []string) ([]*merchant.Shop, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindShops(ctx, merchant.ListFilter{MerchantIDs: merchantIDs})
}

// UpdateStore changes the fields present in upd.
func (o *MerchantModelOps) UpdateStore(ctx context.Context, id string, upd merchant.ShopUpdate) (*merchant.Shop, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.UpdateShop(ctx, id, upd)
}

// DeleteStore removes a store.
func (o *MerchantModelOps) DeleteStore(ctx context.Context, id string) error {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return err
	}
	return o.svc.DeleteShop(ctx, id)
}

// CreateCategory adds a category.
func (o *MerchantModelOps) CreateCategory(ctx context.Context, in merchant.CategoryCreate) (*merchant.Category, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.CreateCategory(ctx, in)
}

// Category returns one category, or a not-found error.
func (o *MerchantModelOps) Category(ctx context.Context, id string) (*merchant.Category, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindCategoryByID(ctx, id)
}

// MerchantCategories returns the categories of one merchant (all, when p
// is nil); an unknown merchant is not found.
func (o *MerchantModelOps) MerchantCategories(ctx context.Context, merchantID string, p *Page) ([]*merchant.Category, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindCategories(ctx, ofMerchant(merchantID, p))
}

// CategoriesOf returns the categories of many merchants.
func (o *MerchantModelOps) CategoriesOf(ctx context.Context, merchantIDs []string) ([]*merchant.Category, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindCategories(ctx, merchant.ListFilter{MerchantIDs: merchantIDs})
}

// UpdateCategory changes the fields present in upd.
func (o *MerchantModelOps) UpdateCategory(ctx context.Context, id string, upd merchant.CategoryUpdate) (*merchant.Category, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.UpdateCategory(ctx, id, upd)
}

// DeleteCategory removes a category and its products.
func (o *MerchantModelOps) DeleteCategory(ctx context.Context, id string) error {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return err
	}
	return o.svc.DeleteCategory(ctx, id)
}

// CategoryProducts returns the products of one category (all, when p is
// nil); an unknown category is not found.
func (o *MerchantModelOps) CategoryProducts(ctx context.Context, categoryID string, p *Page) ([]*merchant.Product, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	f := merchant.ListFilter{CategoryIDs: []string{categoryID}, RequireParent: true}
	if p != nil {
		f.Offset, f.Limit = p.Offset, &p.Limit
	}
	return o.svc.FindProducts(ctx, f)
}

// ProductsOf returns the products of many categories.
func (o *MerchantModelOps) ProductsOf(ctx context.Context, categoryIDs []string) ([]*merchant.Product, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindProducts(ctx, merchant.ListFilter{CategoryIDs: categoryIDs})
}

// AddProducts adds products to a category, all or none.
func (o *MerchantModelOps) AddProducts(ctx context.Context, categoryID string, in []merchant.ProductCreate) ([]*merchant.Product, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.AddProducts(ctx, categoryID, in)
}

// CreateProduct adds one product to the category it names.
func (o *MerchantModelOps) CreateProduct(ctx context.Context, in merchant.ProductCreate) (*merchant.Product, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.CreateProduct(ctx, in)
}

// DeleteProduct removes a product.
func (o *MerchantModelOps) DeleteProduct(ctx context.Context, id string) error {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return err
	}
	return o.svc.DeleteProduct(ctx, id)
}

// CreateCampaign adds a campaign.
func (o *MerchantModelOps) CreateCampaign(ctx context.Context, in merchant.CampaignCreate) (*merchant.Campaign, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.CreateCampaign(ctx, in)
}

// Campaign returns one campaign, or a not-found error.
func (o *MerchantModelOps) Campaign(ctx context.Context, id string) (*merchant.Campaign, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindCampaignByID(ctx, id)
}

// CurrentCampaigns returns a page of the active and future campaigns of
// every merchant.
func (o *MerchantModelOps) CurrentCampaigns(ctx context.Context, p Page) ([]*merchant.Campaign, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindCurrentCampaigns(ctx, p.Offset, p.Limit)
}

// MerchantCampaigns returns the campaigns of one merchant (all, when p is
// nil); an unknown merchant is not found.
func (o *MerchantModelOps) MerchantCampaigns(ctx context.Context, merchantID string, p *Page) ([]*merchant.Campaign, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindCampaigns(ctx, ofMerchant(merchantID, p))
}

// CampaignsOf returns the campaigns of many merchants.
func (o *MerchantModelOps) CampaignsOf(ctx context.Context, merchantIDs []string) ([]*merchant.Campaign, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindCampaigns(ctx, merchant.ListFilter{MerchantIDs: merchantIDs})
}

// UpdateCampaign changes the fields present in upd.
func (o *MerchantModelOps) UpdateCampaign(ctx context.Context, id string, upd merchant.CampaignUpdate) (*merchant.Campaign, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.UpdateCampaign(ctx, id, upd)
}

// DeleteCampaign removes a campaign.
func (o *MerchantModelOps) DeleteCampaign(ctx context.Context, id string) error {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return err
	}
	return o.svc.DeleteCampaign(ctx, id)
}

// CreateDerivedShare adds a derived share.
func (o *MerchantModelOps) CreateDerivedShare(ctx context.Context, in merchant.DerivedShareCreate) (*merchant.DerivedShare, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.CreateDerivedShare(ctx, in)
}

// DerivedShare returns one derived share, or a not-found error.
func (o *MerchantModelOps) DerivedShare(ctx context.Context, id string) (*merchant.DerivedShare, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindDerivedShareByID(ctx, id)
}

// MerchantDerivedShares returns the derived shares of one merchant (all,
// when p is nil); an unknown merchant is not found.
func (o *MerchantModelOps) MerchantDerivedShares(ctx context.Context, merchantID string, p *Page) ([]*merchant.DerivedShare, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindDerivedShares(ctx, ofMerchant(merchantID, p))
}

// DerivedSharesOf returns the derived shares of many merchants.
func (o *MerchantModelOps) DerivedSharesOf(ctx context.Context, merchantIDs []string) ([]*merchant.DerivedShare, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindDerivedShares(ctx, merchant.ListFilter{MerchantIDs: merchantIDs})
}

// UpdateDerivedShare changes the fields present in upd.
func (o *MerchantModelOps) UpdateDerivedShare(ctx context.Context, id string, upd merchant.DerivedShareUpdate) (*merchant.DerivedShare, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.UpdateDerivedShare(ctx, id, upd)
}

// DeleteDerivedShare removes a derived share.
func (o *MerchantModelOps) DeleteDerivedShare(ctx context.Context, id string) error {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return err
	}
	return o.svc.DeleteDerivedShare(ctx, id)
}

// ReplaceDerivedShares makes in the merchant's whole set of derived shares,
// atomically.
func (o *MerchantModelOps) ReplaceDerivedShares(ctx context.Context, merchantID string, in []merchant.DerivedShareCreate) ([]*merchant.DerivedShare, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.ReplaceDerivedShares(ctx, merchantID, in)
}

// BlockedProducts returns a page of blocked products.
func (o *MerchantModelOps) BlockedProducts(ctx context.Context, p Page) ([]*merchant.BlockedProduct, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.FindBlockedProducts(ctx, merchant.ListFilter{Offset: p.Offset, Limit: &p.Limit})
}

// CreateBlockedProduct blocks one product number.
func (o *MerchantModelOps) CreateBlockedProduct(ctx context.Context, in merchant.BlockedProductCreate) (*merchant.BlockedProduct, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.CreateBlockedProduct(ctx, in)
}

// CreateBlockedProducts blocks many product numbers, all or none.
func (o *MerchantModelOps) CreateBlockedProducts(ctx context.Context, in []merchant.BlockedProductCreate) ([]*merchant.BlockedProduct, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.CreateBlockedProducts(ctx, in)
}

// DeleteBlockedProduct unblocks a product number.
func (o *MerchantModelOps) DeleteBlockedProduct(ctx context.Context, id string) error {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return err
	}
	return o.svc.DeleteBlockedProduct(ctx, id)
}
