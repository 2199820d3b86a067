// Package settlement serves the Storebox Loyalty Settlement API (seed 002)
// on its legacy paths. Every handler decodes the legacy request, calls the
// same application-layer operation as GraphQL, and encodes the legacy response.
package settlement

import (
	"context"
	"log/slog"
	"net/http"

	"loyaltygraph/app/merchants"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// Merchants are the merchant operations this family calls (app/merchants).
type Merchants interface {
	AddProducts(ctx context.Context, categoryID string, in []merchant.ProductCreate) ([]*merchant.Product, error)
	Authorize(ctx context.Context) error
	BlockedProducts(ctx context.Context, p merchants.Page) ([]*merchant.BlockedProduct, error)
	Campaign(ctx context.Context, id string) (*merchant.Campaign, error)
	CampaignsOf(ctx context.Context, merchantIDs []string) ([]*merchant.Campaign, error)
	CategoriesOf(ctx context.Context, merchantIDs []string) ([]*merchant.Category, error)
	Category(ctx context.Context, id string) (*merchant.Category, error)
	CategoryProducts(ctx context.Context, categoryID string, p *merchants.Page) ([]*merchant.Product, error)
	CompaniesOf(ctx context.Context, merchantIDs []string) ([]*merchant.Company, error)
	Company(ctx context.Context, id string) (*merchant.Company, error)
	Create(ctx context.Context, in merchant.Create) (*merchant.Merchant, error)
	CreateBlockedProduct(ctx context.Context, in merchant.BlockedProductCreate) (*merchant.BlockedProduct, error)
	CreateBlockedProducts(ctx context.Context, in []merchant.BlockedProductCreate) ([]*merchant.BlockedProduct, error)
	CreateCampaign(ctx context.Context, in merchant.CampaignCreate) (*merchant.Campaign, error)
	CreateCategory(ctx context.Context, in merchant.CategoryCreate) (*merchant.Category, error)
	CreateCompany(ctx context.Context, in merchant.CompanyCreate) (*merchant.Company, error)
	CreateDerivedShare(ctx context.Context, in merchant.DerivedShareCreate) (*merchant.DerivedShare, error)
	CreateProduct(ctx context.Context, in merchant.ProductCreate) (*merchant.Product, error)
	CreateStore(ctx context.Context, in merchant.ShopCreate) (*merchant.Shop, error)
	CurrentCampaigns(ctx context.Context, p merchants.Page) ([]*merchant.Campaign, error)
	Delete(ctx context.Context, id string) error
	DeleteBlockedProduct(ctx context.Context, id string) error
	DeleteCampaign(ctx context.Context, id string) error
	DeleteCategory(ctx context.Context, id string) error
	DeleteCompany(ctx context.Context, id string) error
	DeleteDerivedShare(ctx context.Context, id string) error
	DeleteProduct(ctx context.Context, id string) error
	DeleteStore(ctx context.Context, id string) error
	DerivedShare(ctx context.Context, id string) (*merchant.DerivedShare, error)
	DerivedSharesOf(ctx context.Context, merchantIDs []string) ([]*merchant.DerivedShare, error)
	Get(ctx context.Context, id string) (*merchant.Merchant, error)
	List(ctx context.Context, f merchant.Filter) ([]*merchant.Merchant, int, error)
	Listing(ctx context.Context, f merchant.Filter) (*merchant.Listing, error)
	MerchantCampaigns(ctx context.Context, merchantID string, p *merchants.Page) ([]*merchant.Campaign, error)
	MerchantCategories(ctx context.Context, merchantID string, p *merchants.Page) ([]*merchant.Category, error)
	MerchantCompanies(ctx context.Context, merchantID string, p *merchants.Page) ([]*merchant.Company, error)
	MerchantDerivedShares(ctx context.Context, merchantID string, p *merchants.Page) ([]*merchant.DerivedShare, error)
	MerchantStores(ctx context.Context, merchantID string, p *merchants.Page) ([]*merchant.Shop, error)
	ReplaceDerivedShares(ctx context.Context, merchantID string, in []merchant.DerivedShareCreate) ([]*merchant.DerivedShare, error)
	Store(ctx context.Context, id string) (*merchant.Shop, error)
	StoresOf(ctx context.Context, merchantIDs []string) ([]*merchant.Shop, error)
	Update(ctx context.Context, id string, upd merchant.Update) (*merchant.Merchant, error)
	UpdateCampaign(ctx context.Context, id string, upd merchant.CampaignUpdate) (*merchant.Campaign, error)
	UpdateCategory(ctx context.Context, id string, upd merchant.CategoryUpdate) (*merchant.Category, error)
	UpdateCompany(ctx context.Context, id string, upd merchant.CompanyUpdate) (*merchant.Company, error)
	UpdateDerivedShare(ctx context.Context, id string, upd merchant.DerivedShareUpdate) (*merchant.DerivedShare, error)
	UpdateStore(ctx context.Context, id string, upd merchant.ShopUpdate) (*merchant.Shop, error)
}

// Settlements are the settlement operations this family calls (app/settlements).
type Settlements interface {
	Batches(ctx context.Context, f settlement.BatchFilter) ([]*settlement.SettlementBatch, int, error)
	CreateBatch(ctx context.Context) (*settlement.SettlementBatch, error)
	Ingest(ctx context.Context, r settlement.TransactionReader) (*settlement.TransactionBatch, error)
	Invoices(ctx context.Context, runID, merchantID string) ([]*settlement.Invoice, error)
	Settle(ctx context.Context, merchantID string) (string, error)
	Settlements(ctx context.Context, f settlement.SettlementFilter) ([]*settlement.Settlement, int, error)
	SourceStates(ctx context.Context, merchantID string) ([]*settlement.SourceState, error)
	TransactionBatches(ctx context.Context, f settlement.BatchFilter) ([]*settlement.TransactionBatch, int, error)
	Transactions(ctx context.Context, batchID string, offset, limit int) ([]*settlement.StoredTransaction, int, error)
}

// Handler serves the Loyalty Settlement family.
type Handler struct {
	merchants   Merchants
	settlements Settlements
	log         *slog.Logger
}

// Register adds the whole surface of the family to mux: the routes of its
// table (operations), each for an authenticated principal only. Paths live
// under /api/v1; settlements and invoices also answer under /api (both
// documented).
func Register(mux *http.ServeMux, m Merchants, s Settlements, log *slog.Logger) {
	h := &Handler{merchants: m, settlements: s, log: log}
	openapi.Register(mux, operations(h), func(next http.Handler) http.Handler { return storebox.Require(log, next) })
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	storebox.WriteError(w, r, h.log, err)
}
