package merchant

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
)

// This file holds the settlement model of a merchant (Loyalty Settlement
// API, seed 002): the companies, stores, product categories and products,
// campaigns and derived shares that decide a settlement's shares, and the
// blocked products that are never settled.

// Source is the data that a store's settlements are matched from.
type Source string

// The store sources of the Loyalty Settlement API.
const (
	// SourceTransaction: card transactions from the acquirer, matched by
	// store number (cardAcceptorId).
	SourceTransaction Source = "transaction"
	// SourceReceipt: receipts from the store's POS, settled line by line by
	// product category.
	SourceReceipt Source = "receipt"
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool { return s == SourceTransaction || s == SourceReceipt }

// Field limits of the settlement model.
const (
	// MaxTextLength bounds names, registration, store and product numbers.
	MaxTextLength = 128
	// MaxCampaignNameLength bounds a campaign's name.
	MaxCampaignNameLength = 64
	// MaxBatchSize is the most items one bulk request may carry.
	MaxBatchSize = 1000
)

// Shares are the user and provider shares that a company, store, category
// or campaign grants.
type Shares struct {
	UserShare         decimal.Decimal
	UserShareType     ShareType
	ProviderShare     decimal.Decimal
	ProviderShareType ShareType
}

// User returns the user share.
func (s Shares) User() Share { return Share{Value: s.UserShare, Type: s.UserShareType} }

// Provider returns the provider share.
func (s Shares) Provider() Share { return Share{Value: s.ProviderShare, Type: s.ProviderShareType} }

// IsZero reports whether both share values are zero; such a company matches
// transactions only through its stores.
func (s Shares) IsZero() bool { return s.UserShare.IsZero() && s.ProviderShare.IsZero() }

// Validate checks both shares and that they are not both derived, since
// each would be looked up by the value of the other.
func (s Shares) Validate() error {
	if err := ValidateShare("userShare", s.User(), true); err != nil {
		return err
	}
	if err := ValidateShare("providerShare", s.Provider(), true); err != nil {
		return err
	}
	if s.UserShareType == ShareDerived && s.ProviderShareType == ShareDerived {
		return errs.InvalidField("providerShareType", "userShareType and providerShareType cannot both be derived")
	}
	return nil
}

// SharesCreate is the shares part of a create input; a nil type is
// percentage.
type SharesCreate struct {
	UserShare         decimal.Decimal
	UserShareType     *ShareType
	ProviderShare     decimal.Decimal
	ProviderShareType *ShareType
}

func (in SharesCreate) shares() Shares {
	s := Shares{UserShare: in.UserShare, UserShareType: SharePercentage, ProviderShare: in.ProviderShare, ProviderShareType: SharePercentage}
	if in.UserShareType != nil {
		s.UserShareType = *in.UserShareType
	}
	if in.ProviderShareType != nil {
		s.ProviderShareType = *in.ProviderShareType
	}
	return s
}

// SharesUpdate changes the shares that are not nil.
type SharesUpdate struct {
	UserShare         *decimal.Decimal
	UserShareType     *ShareType
	ProviderShare     *decimal.Decimal
	ProviderShareType *ShareType
}

func (u SharesUpdate) apply(s *Shares) {
	if u.UserShare != nil {
		s.UserShare = *u.UserShare
	}
	if u.UserShareType != nil {
		s.UserShareType = *u.UserShareType
	}
	if u.ProviderShare != nil {
		s.ProviderShare = *u.ProviderShare
	}
	if u.ProviderShareType != nil {
		s.ProviderShareType = *u.ProviderShareType
	}
}

// validate checks the fields present on their own; the combination is
// checked once applied.
func (u SharesUpdate) validate() error {
	if u.UserShare != nil {
		if err := ValidateShareValue("userShare", *u.UserShare); err != nil {
			return err
		}
	}
	if u.UserShareType != nil && !u.UserShareType.Valid() {
		return errs.InvalidField("userShareType", "userShareType must be percentage, fixed_amount or derived")
	}
	if u.ProviderShare != nil {
		if err := ValidateShareValue("providerShare", *u.ProviderShare); err != nil {
			return err
		}
	}
	if u.ProviderShareType != nil && !u.ProviderShareType.Valid() {
		return errs.InvalidField("providerShareType", "providerShareType must be percentage, fixed_amount or derived")
	}
	return nil
}

// Company enables the transactions of one company registration number (in
// Denmark the CVR number) for a merchant.
type Company struct {
	ID                 string
	MerchantID         string
	Name               string
	RegistrationNumber string
	Shares
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CompanyCreate is the input to create a company. A nil ID asks for a
// generated one.
type CompanyCreate struct {
	ID                 *string
	MerchantID         string
	Name               string
	RegistrationNumber string
	SharesCreate
}

// CompanyUpdate changes the fields that are not nil. MerchantID, when set,
// must be the company's merchant: it cannot change.
type CompanyUpdate struct {
	MerchantID         *string
	Name               *string
	RegistrationNumber *string
	SharesUpdate
}

// Shop is a store of the Loyalty Settlement API: a store number with its
// own shares, overriding its company's. (Store is the name of this
// package's persistence port, hence Shop.)
type Shop struct {
	ID          string
	MerchantID  string
	StoreNumber string
	Name        string
	Shares
	Source    Source
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ShopCreate is the input to create a store. A nil ID asks for a generated
// one; a nil Source is transaction.
type ShopCreate struct {
	ID          *string
	MerchantID  string
	StoreNumber string
	Name        string
	SharesCreate
	Source *Source
}

// ShopUpdate changes the fields that are not nil. MerchantID, when set, must
// be the store's merchant: it cannot change.
type ShopUpdate struct {
	MerchantID  *string
	StoreNumber *string
	Name        *string
	SharesUpdate
	Source *Source
}

// Category is a product category with its own shares, for merchants that
// send receipts; it may be limited to one store.
type Category struct {
	ID         string
	MerchantID string
	Name       string
	Shares
	// StoreNumber limits the category to one store; nil means every store.
	StoreNumber *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CategoryCreate is the input to create a category. A nil ID asks for a
// generated one; a nil or empty StoreNumber means every store.
type CategoryCreate struct {
	ID          *string
	MerchantID  string
	Name        string
	StoreNumber *string
	SharesCreate
}

// CategoryUpdate changes the fields that are not nil; an empty StoreNumber
// makes the category apply in every store. MerchantID, when set, must be the
// category's merchant: it cannot change.
type CategoryUpdate struct {
	MerchantID  *string
	Name        *string
	StoreNumber *string
	SharesUpdate
}

// Product is a product number (such as an EAN) in a category.
type Product struct {
	ID            string
	CategoryID    string
	Name          string
	ProductNumber string
	CreatedAt     time.Time
}

// ProductCreate is the input to add a product to a category. A nil ID asks
// for a generated one.
type ProductCreate struct {
	ID            *string
	CategoryID    string
	Name          string
	ProductNumber string
}

// Campaign overrides a merchant's shares during a period, optionally only
// for one store number, category or product number.
type Campaign struct {
	ID         string
	MerchantID string
	Name       string
	// Start is the first instant of the campaign; End the first instant
	// after it.
	Start time.Time
	End   time.Time
	Shares
	StoreNumber   *string
	CategoryID    *string
	ProductNumber *string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ActiveAt reports whether the campaign runs at t: Start ≤ t < End.
func (c *Campaign) ActiveAt(t time.Time) bool { return !t.Before(c.Start) && t.Before(c.End) }

// CampaignCreate is the input to create a campaign. A nil ID asks for a
// generated one; a nil or empty scope field means no limit.
type CampaignCreate struct {
	ID            *string
	MerchantID    string
	Name          string
	Start         time.Time
	End           time.Time
	StoreNumber   *string
	CategoryID    *string
	ProductNumber *string
	SharesCreate
}

// CampaignUpdate changes the fields that are not nil; an empty scope field
// removes that limit. MerchantID, when set, must be the campaign's merchant:
// it cannot change.
type CampaignUpdate struct {
	MerchantID    *string
	Name          *string
	Start         *time.Time
	End           *time.Time
	StoreNumber   *string
	CategoryID    *string
	ProductNumber *string
	SharesUpdate
}

// DerivedShare maps a share value to the value of the other share, for the
// merchant's rules whose other share type is derived.
type DerivedShare struct {
	ID         string
	MerchantID string
	// Share is the value looked up.
	Share decimal.Decimal
	// DerivedShare is the value found, read as DerivedShareType.
	DerivedShare     decimal.Decimal
	DerivedShareType ShareType
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// DerivedShareCreate is the input to create a derived share. A nil ID asks
// for a generated one; a nil type is percentage.
type DerivedShareCreate struct {
	ID               *string
	MerchantID       string
	Share            decimal.Decimal
	DerivedShare     decimal.Decimal
	DerivedShareType *ShareType
}

// DerivedShareUpdate changes the fields that are not nil. MerchantID, when
// set, must be the derived share's merchant: it cannot change.
type DerivedShareUpdate struct {
	MerchantID       *string
	Share            *decimal.Decimal
	DerivedShare     *decimal.Decimal
	DerivedShareType *ShareType
}

// BlockedProduct is a product number that is never settled, whichever
// merchant sells it.
type BlockedProduct struct {
	ID            string
	Name          string
	ProductNumber string
	CreatedAt     time.Time
}

// BlockedProductCreate is the input to block a product number. A nil ID
// asks for a generated one.
type BlockedProductCreate struct {
	ID            *string
	Name          string
	ProductNumber string
}

// Rules is one merchant's whole settlement model, read in one snapshot, for
// the settlement engine.
type Rules struct {
	Merchant      *Merchant
	Companies     []*Company
	Shops         []*Shop
	Categories    []*Category
	Products      []*Product
	Campaigns     []*Campaign
	DerivedShares []*DerivedShare
	// Blocked are the blocked products of every merchant.
	Blocked []*BlockedProduct
}

// ListFilter selects entities of the settlement model. Fields that do not
// apply to an entity are ignored.
type ListFilter struct {
	// MerchantIDs limits companies, stores, categories, campaigns and
	// derived shares to these merchants; nil means every merchant.
	MerchantIDs []string
	// CategoryIDs limits products to these categories; nil means every
	// category.
	CategoryIDs []string
	// ProductIDs limits products to these ids; nil means every product.
	ProductIDs []string
	// OwnerID limits every list to the merchants of one settlement client;
	// 0 means every merchant.
	OwnerID int64
	// EndAfter limits campaigns to those that end after it: the active and
	// future ones.
	EndAfter *time.Time
	Offset   int
	// Limit caps the page; nil means no limit.
	Limit *int
	// RequireParent makes an empty list of exactly one merchant (or, for
	// products, one category) that does not exist a not-found error.
	RequireParent bool
}

// ModelStore persists the settlement model. Its methods do not check
// permissions. Lists are ordered by merchant, then id (campaigns by start,
// then id; products by category, then id). Creates and updates name
// a missing merchant or category as an invalid merchantId or categoryId, a
// taken id or unique number as a conflict on that field. An update loads
// the row under lock, calls apply on it and stores the result, all in one
// transaction; apply's error aborts it.
type ModelStore interface {
	CreateCompany(ctx context.Context, c *Company) error
	FindCompanyByID(ctx context.Context, id string) (*Company, error)
	FindCompanies(ctx context.Context, f ListFilter) ([]*Company, error)
	UpdateCompany(ctx context.Context, id string, apply func(*Company) error) (*Company, error)
	DeleteCompany(ctx context.Context, id string) error

	CreateShop(ctx context.Context, s *Shop) error
	FindShopByID(ctx context.Context, id string) (*Shop, error)
	FindShops(ctx context.Context, f ListFilter) ([]*Shop, error)
	UpdateShop(ctx context.Context, id string, apply func(*Shop) error) (*Shop, error)
	DeleteShop(ctx context.Context, id string) error

	CreateCategory(ctx context.Context, c *Category) error
	FindCategoryByID(ctx context.Context, id string) (*Category, error)
	FindCategories(ctx context.Context, f ListFilter) ([]*Category, error)
	UpdateCategory(ctx context.Context, id string, apply func(*Category) error) (*Category, error)
	// DeleteCategory removes the category and its products; a category that
	// a campaign names is a conflict.
	DeleteCategory(ctx context.Context, id string) error

	// CreateProducts inserts all of ps or none.
	CreateProducts(ctx context.Context, ps []*Product) error
	FindProducts(ctx context.Context, f ListFilter) ([]*Product, error)
	DeleteProduct(ctx context.Context, id string) error

	CreateCampaign(ctx context.Context, c *Campaign) error
	FindCampaignByID(ctx context.Context, id string) (*Campaign, error)
	FindCampaigns(ctx context.Context, f ListFilter) ([]*Campaign, error)
	UpdateCampaign(ctx context.Context, id string, apply func(*Campaign) error) (*Campaign, error)
	DeleteCampaign(ctx context.Context, id string) error

	CreateDerivedShare(ctx context.Context, d *DerivedShare) error
	FindDerivedShareByID(ctx context.Context, id string) (*DerivedShare, error)
	FindDerivedShares(ctx context.Context, f ListFilter) ([]*DerivedShare, error)
	UpdateDerivedShare(ctx context.Context, id string, apply func(*DerivedShare) error) (*DerivedShare, error)
	DeleteDerivedShare(ctx context.Context, id string) error
	// ReplaceDerivedShares makes ds the merchant's whole set of derived
	// shares in one transaction; a missing merchant is not found.
	ReplaceDerivedShares(ctx context.Context, merchantID string, ds []*DerivedShare) error

	// CreateBlockedProducts inserts all of bs or none.
	CreateBlockedProducts(ctx context.Context, bs []*BlockedProduct) error
	FindBlockedProducts(ctx context.Context, f ListFilter) ([]*BlockedProduct, error)
	DeleteBlockedProduct(ctx context.Context, id string) error

	// LoadRules reads a merchant's whole settlement model in one snapshot,
	// or returns a not-found error.
	LoadRules(ctx context.Context, merchantID string) (*Rules, error)
	// LoadAllRules reads every active merchant's whole settlement model in
	// one snapshot, in merchant id order.
	LoadAllRules(ctx context.Context) ([]*Rules, error)
}

// validateEntityID checks an id given by a caller, or generates one.
func validateEntityID(field string, id *string) (string, error) {
	if id == nil {
		return ids.New(), nil
	}
	if err := ValidateID(field, *id); err != nil {
		return "", err
	}
	return *id, nil
}

// validateText checks a name or number: text without control characters,
// min to max characters, not only spaces when min > 0.
func validateText(field, v string, minLen, maxLen int) error {
	if !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return errs.InvalidField(field, "%s must be text without control characters", field)
	}
	n := utf8.RuneCountInString(v)
	if (minLen > 0 && strings.TrimSpace(v) == "") || n < minLen || n > maxLen {
		if minLen == 0 {
			return errs.InvalidField(field, "%s must be at most %d characters", field, maxLen)
		}
		return errs.InvalidField(field, "%s must be %d to %d characters", field, minLen, maxLen)
	}
	return checkPAN(field, v)
}

// validateOptional checks an optional scope field; empty means none.
func validateOptional(field string, v *string) (*string, error) {
	if v == nil || *v == "" {
		return nil, nil
	}
	if err := validateText(field, *v, 1, MaxTextLength); err != nil {
		return nil, err
	}
	s := *v
	return &s, nil
}

func validateOptionalID(field string, v *string) (*string, error) {
	if v == nil || *v == "" {
		return nil, nil
	}
	if err := ValidateID(field, *v); err != nil {
		return nil, err
	}
	s := *v
	return &s, nil
}

// checkMerchantUnchanged refuses an update that names another merchant.
func checkMerchantUnchanged(want *string, have string) error {
	if want != nil && *want != have {
		return errs.InvalidField("merchant.id", "merchantId cannot be updated")
	}
	return nil
}

func validatePage(f ListFilter) error {
	if f.Offset < 0 {
		return errs.InvalidField("offset", "offset must not be negative")
	}
	if f.Limit != nil && (*f.Limit < 0 || *f.Limit > MaxPageSize) {
		return errs.InvalidField("limit", "limit must be between 0 and %d", MaxPageSize)
	}
	return nil
}

// findOfOne runs a list; with f.RequireParent, when the filter names
// exactly one parent and the list is empty, a parent that does not exist is
// a not-found error.
func findOfOne[T any](ctx context.Context, f ListFilter, parents []string, find func(context.Context, ListFilter) ([]T, error), exists func(context.Context, string) error) ([]T, error) {
	if err := validatePage(f); err != nil {
		return nil, err
	}
	out, err := find(ctx, f)
	if err != nil {
		return nil, err
	}
	if f.RequireParent && len(out) == 0 && len(parents) == 1 {
		if err := exists(ctx, parents[0]); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

func (s *Service) merchantExists(ctx context.Context, id string) error {
	if err := ValidateID("merchant.id", id); err != nil {
		return err
	}
	_, err := s.store.FindMerchantByID(ctx, id)
	return err
}

func (s *Service) categoryExists(ctx context.Context, id string) error {
	if err := ValidateID("categoryId", id); err != nil {
		return err
	}
	_, err := s.store.FindCategoryByID(ctx, id)
	return err
}

// --- companies ---

func validateCompany(c *Company) error {
	if err := validateText("name", c.Name, 1, MaxTextLength); err != nil {
		return err
	}
	if err := validateText("companyRegistrationNumber", c.RegistrationNumber, 1, MaxTextLength); err != nil {
		return err
	}
	return c.Shares.Validate()
}

// CreateCompany validates in and stores a new company.
func (s *Service) CreateCompany(ctx context.Context, in CompanyCreate) (*Company, error) {
	id, err := validateEntityID("companyId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := ValidateID("merchant.id", in.MerchantID); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	c := &Company{ID: id, MerchantID: in.MerchantID, Name: in.Name, RegistrationNumber: in.RegistrationNumber,
		Shares: in.shares(), CreatedAt: now, UpdatedAt: now}
	if err := validateCompany(c); err != nil {
		return nil, err
	}
	if err := s.store.CreateCompany(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// FindCompanyByID returns one company.
func (s *Service) FindCompanyByID(ctx context.Context, id string) (*Company, error) {
	if err := ValidateID("companyId", id); err != nil {
		return nil, err
	}
	return s.store.FindCompanyByID(ctx, id)
}

// FindCompanies returns the companies f selects (see ListFilter.RequireParent).
func (s *Service) FindCompanies(ctx context.Context, f ListFilter) ([]*Company, error) {
	return findOfOne(ctx, f, f.MerchantIDs, s.store.FindCompanies, s.merchantExists)
}

// UpdateCompany changes the fields present in upd. The id and merchant
// never change.
func (s *Service) UpdateCompany(ctx context.Context, id string, upd CompanyUpdate) (*Company, error) {
	if err := ValidateID("companyId", id); err != nil {
		return nil, err
	}
	if upd.Name != nil {
		if err := validateText("name", *upd.Name, 1, MaxTextLength); err != nil {
			return nil, err
		}
	}
	if upd.RegistrationNumber != nil {
		if err := validateText("companyRegistrationNumber", *upd.RegistrationNumber, 1, MaxTextLength); err != nil {
			return nil, err
		}
	}
	if err := upd.validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	return s.store.UpdateCompany(ctx, id, func(c *Company) error {
		if err := checkMerchantUnchanged(upd.MerchantID, c.MerchantID); err != nil {
			return err
		}
		if upd.Name != nil {
			c.Name = *upd.Name
		}
		if upd.RegistrationNumber != nil {
			c.RegistrationNumber = *upd.RegistrationNumber
		}
		upd.apply(&c.Shares)
		c.UpdatedAt = now
		return validateCompany(c)
	})
}

// DeleteCompany removes a company.
func (s *Service) DeleteCompany(ctx context.Context, id string) error {
	if err := ValidateID("companyId", id); err != nil {
		return err
	}
	return s.store.DeleteCompany(ctx, id)
}

// --- stores ---

func validateShop(sh *Shop) error {
	if err := validateText("storeNumber", sh.StoreNumber, 1, MaxTextLength); err != nil {
		return err
	}
	if err := validateText("name", sh.Name, 1, MaxTextLength); err != nil {
		return err
	}
	if err := sh.Shares.Validate(); err != nil {
		return err
	}
	if !sh.Source.Valid() {
		return errs.InvalidField("source", "source must be transaction or receipt")
	}
	return nil
}

// CreateShop validates in and stores a new store.
func (s *Service) CreateShop(ctx context.Context, in ShopCreate) (*Shop, error) {
	id, err := validateEntityID("storeId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := ValidateID("merchant.id", in.MerchantID); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	sh := &Shop{ID: id, MerchantID: in.MerchantID, StoreNumber: in.StoreNumber, Name: in.Name,
		Shares: in.shares(), Source: SourceTransaction, CreatedAt: now, UpdatedAt: now}
	if in.Source != nil {
		sh.Source = *in.Source
	}
	if err := validateShop(sh); err != nil {
		return nil, err
	}
	if err := s.store.CreateShop(ctx, sh); err != nil {
		return nil, err
	}
	return sh, nil
}

// FindShopByID returns one store.
func (s *Service) FindShopByID(ctx context.Context, id string) (*Shop, error) {
	if err := ValidateID("storeId", id); err != nil {
		return nil, err
	}
	return s.store.FindShopByID(ctx, id)
}

// FindShops returns the stores f selects (see ListFilter.RequireParent).
func (s *Service) FindShops(ctx context.Context, f ListFilter) ([]*Shop, error) {
	return findOfOne(ctx, f, f.MerchantIDs, s.store.FindShops, s.merchantExists)
}

// UpdateShop changes the fields present in upd. The id and merchant never
// change.
func (s *Service) UpdateShop(ctx context.Context, id string, upd ShopUpdate) (*Shop, error) {
	if err := ValidateID("storeId", id); err != nil {
		return nil, err
	}
	if upd.StoreNumber != nil {
		if err := validateText("storeNumber", *upd.StoreNumber, 1, MaxTextLength); err != nil {
			return nil, err
		}
	}
	if upd.Name != nil {
		if err := validateText("name", *upd.Name, 1, MaxTextLength); err != nil {
			return nil, err
		}
	}
	if err := upd.validate(); err != nil {
		return nil, err
	}
	if upd.Source != nil && !upd.Source.Valid() {
		return nil, errs.InvalidField("source", "source must be transaction or receipt")
	}
	now := s.now().UTC()
	return s.store.UpdateShop(ctx, id, func(sh *Shop) error {
		if err := checkMerchantUnchanged(upd.MerchantID, sh.MerchantID); err != nil {
			return err
		}
		if upd.StoreNumber != nil {
			sh.StoreNumber = *upd.StoreNumber
		}
		if upd.Name != nil {
			sh.Name = *upd.Name
		}
		upd.apply(&sh.Shares)
		if upd.Source != nil {
			sh.Source = *upd.Source
		}
		sh.UpdatedAt = now
		return validateShop(sh)
	})
}

// DeleteShop removes a store.
func (s *Service) DeleteShop(ctx context.Context, id string) error {
	if err := ValidateID("storeId", id); err != nil {
		return err
	}
	return s.store.DeleteShop(ctx, id)
}

// --- categories and products ---

func validateCategory(c *Category) error {
	if err := validateText("name", c.Name, 1, MaxTextLength); err != nil {
		return err
	}
	return c.Shares.Validate()
}

// CreateCategory validates in and stores a new category.
func (s *Service) CreateCategory(ctx context.Context, in CategoryCreate) (*Category, error) {
	id, err := validateEntityID("categoryId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := ValidateID("merchant.id", in.MerchantID); err != nil {
		return nil, err
	}
	storeNumber, err := validateOptional("storeNumber", in.StoreNumber)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	c := &Category{ID: id, MerchantID: in.MerchantID, Name: in.Name, StoreNumber: storeNumber,
		Shares: in.shares(), CreatedAt: now, UpdatedAt: now}
	if err := validateCategory(c); err != nil {
		return nil, err
	}
	if err := s.store.CreateCategory(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// FindCategoryByID returns one category.
func (s *Service) FindCategoryByID(ctx context.Context, id string) (*Category, error) {
	if err := ValidateID("categoryId", id); err != nil {
		return nil, err
	}
	return s.store.FindCategoryByID(ctx, id)
}

// FindCategories returns the categories f selects (see ListFilter.RequireParent).
func (s *Service) FindCategories(ctx context.Context, f ListFilter) ([]*Category, error) {
	return findOfOne(ctx, f, f.MerchantIDs, s.store.FindCategories, s.merchantExists)
}

// UpdateCategory changes the fields present in upd. The id and merchant
// never change.
func (s *Service) UpdateCategory(ctx context.Context, id string, upd CategoryUpdate) (*Category, error) {
	if err := ValidateID("categoryId", id); err != nil {
		return nil, err
	}
	if upd.Name != nil {
		if err := validateText("name", *upd.Name, 1, MaxTextLength); err != nil {
			return nil, err
		}
	}
	storeNumber, err := validateOptional("storeNumber", upd.StoreNumber)
	if err != nil {
		return nil, err
	}
	if err := upd.validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	return s.store.UpdateCategory(ctx, id, func(c *Category) error {
		if err := checkMerchantUnchanged(upd.MerchantID, c.MerchantID); err != nil {
			return err
		}
		if upd.Name != nil {
			c.Name = *upd.Name
		}
		if upd.StoreNumber != nil {
			c.StoreNumber = storeNumber
		}
		upd.apply(&c.Shares)
		c.UpdatedAt = now
		return validateCategory(c)
	})
}

// DeleteCategory removes a category and its products. A category that a
// campaign names is a conflict.
func (s *Service) DeleteCategory(ctx context.Context, id string) error {
	if err := ValidateID("categoryId", id); err != nil {
		return err
	}
	return s.store.DeleteCategory(ctx, id)
}

func (s *Service) newProduct(in ProductCreate, now time.Time) (*Product, error) {
	id, err := validateEntityID("productId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := ValidateID("categoryId", in.CategoryID); err != nil {
		return nil, err
	}
	if err := validateText("name", in.Name, 0, MaxTextLength); err != nil {
		return nil, err
	}
	if err := validateText("productNumber", in.ProductNumber, 1, MaxTextLength); err != nil {
		return nil, err
	}
	return &Product{ID: id, CategoryID: in.CategoryID, Name: in.Name, ProductNumber: in.ProductNumber, CreatedAt: now}, nil
}

// CreateProduct validates in and adds a product to its category; a category
// that does not exist is an invalid categoryId.
func (s *Service) CreateProduct(ctx context.Context, in ProductCreate) (*Product, error) {
	p, err := s.newProduct(in, s.now().UTC())
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateProducts(ctx, []*Product{p}); err != nil {
		return nil, singleErr(err)
	}
	return p, nil
}

// AddProducts adds all of in to the category, or none. An item's
// CategoryID, when set, must be categoryID; errors name the item as
// "[i].field". A category that does not exist is not found.
func (s *Service) AddProducts(ctx context.Context, categoryID string, in []ProductCreate) ([]*Product, error) {
	if err := ValidateID("categoryId", categoryID); err != nil {
		return nil, err
	}
	if len(in) > MaxBatchSize {
		return nil, errs.E(errs.Invalid, "at most %d products at a time", MaxBatchSize)
	}
	now := s.now().UTC()
	out := make([]*Product, len(in))
	seenID, seenNumber := map[string]int{}, map[string]int{}
	for i, item := range in {
		if item.CategoryID == "" {
			item.CategoryID = categoryID
		} else if item.CategoryID != categoryID {
			return nil, errs.InvalidField(itemField("products", i, "categoryId"), "categoryId must be the category of the path")
		}
		p, err := s.newProduct(item, now)
		if err != nil {
			return nil, errs.Item("products", i, err)
		}
		if j, dup := seenID[p.ID]; dup {
			return nil, errs.InvalidField(itemField("products", i, "productId"), "productId repeats item %d", j)
		}
		if j, dup := seenNumber[p.ProductNumber]; dup {
			return nil, errs.InvalidField(itemField("products", i, "productNumber"), "productNumber repeats item %d", j)
		}
		seenID[p.ID], seenNumber[p.ProductNumber] = i, i
		out[i] = p
	}
	if err := s.categoryExists(ctx, categoryID); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	if err := s.store.CreateProducts(ctx, out); err != nil {
		return nil, itemErr("products", err)
	}
	return out, nil
}

// FindProducts returns the products f selects (see ListFilter.RequireParent).
func (s *Service) FindProducts(ctx context.Context, f ListFilter) ([]*Product, error) {
	return findOfOne(ctx, f, f.CategoryIDs, s.store.FindProducts, s.categoryExists)
}

// DeleteProduct removes a product from its category.
func (s *Service) DeleteProduct(ctx context.Context, id string) error {
	if err := ValidateID("productId", id); err != nil {
		return err
	}
	return s.store.DeleteProduct(ctx, id)
}

// --- campaigns ---

func validateCampaign(c *Campaign) error {
	if err := validateText("name", c.Name, 0, MaxCampaignNameLength); err != nil {
		return err
	}
	if c.Start.IsZero() {
		return errs.InvalidField("campaignStart", "campaignStart is required")
	}
	if c.End.IsZero() {
		return errs.InvalidField("campaignEnd", "campaignEnd is required")
	}
	if !c.Start.Before(c.End) {
		return errs.InvalidField("campaignEnd", "campaignEnd must be after campaignStart")
	}
	return c.Shares.Validate()
}

// CreateCampaign validates in and stores a new campaign. A category must be
// one of the merchant's own.
func (s *Service) CreateCampaign(ctx context.Context, in CampaignCreate) (*Campaign, error) {
	id, err := validateEntityID("campaignId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := ValidateID("merchant.id", in.MerchantID); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	c := &Campaign{ID: id, MerchantID: in.MerchantID, Name: in.Name, Start: in.Start.UTC(), End: in.End.UTC(),
		Shares: in.shares(), CreatedAt: now, UpdatedAt: now}
	if c.StoreNumber, err = validateOptional("storeNumber", in.StoreNumber); err != nil {
		return nil, err
	}
	if c.CategoryID, err = validateOptionalID("categoryId", in.CategoryID); err != nil {
		return nil, err
	}
	if c.ProductNumber, err = validateOptional("productNumber", in.ProductNumber); err != nil {
		return nil, err
	}
	if err := validateCampaign(c); err != nil {
		return nil, err
	}
	if err := s.store.CreateCampaign(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// FindCampaignByID returns one campaign.
func (s *Service) FindCampaignByID(ctx context.Context, id string) (*Campaign, error) {
	if err := ValidateID("campaignId", id); err != nil {
		return nil, err
	}
	return s.store.FindCampaignByID(ctx, id)
}

// FindCampaigns returns the campaigns f selects (see ListFilter.RequireParent).
func (s *Service) FindCampaigns(ctx context.Context, f ListFilter) ([]*Campaign, error) {
	return findOfOne(ctx, f, f.MerchantIDs, s.store.FindCampaigns, s.merchantExists)
}

// FindCurrentCampaigns returns a page of the campaigns of every merchant
// of ownerID (0: of every merchant) that are active now or start later,
// ordered by start.
func (s *Service) FindCurrentCampaigns(ctx context.Context, ownerID int64, offset, limit int) ([]*Campaign, error) {
	now := s.now().UTC()
	return s.FindCampaigns(ctx, ListFilter{EndAfter: &now, Offset: offset, Limit: &limit, OwnerID: ownerID})
}

// UpdateCampaign changes the fields present in upd; the period is checked
// as a whole (start before end). The id and merchant never change.
func (s *Service) UpdateCampaign(ctx context.Context, id string, upd CampaignUpdate) (*Campaign, error) {
	if err := ValidateID("campaignId", id); err != nil {
		return nil, err
	}
	if upd.Name != nil {
		if err := validateText("name", *upd.Name, 0, MaxCampaignNameLength); err != nil {
			return nil, err
		}
	}
	storeNumber, err := validateOptional("storeNumber", upd.StoreNumber)
	if err != nil {
		return nil, err
	}
	category, err := validateOptionalID("categoryId", upd.CategoryID)
	if err != nil {
		return nil, err
	}
	product, err := validateOptional("productNumber", upd.ProductNumber)
	if err != nil {
		return nil, err
	}
	if err := upd.validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	return s.store.UpdateCampaign(ctx, id, func(c *Campaign) error {
		if err := checkMerchantUnchanged(upd.MerchantID, c.MerchantID); err != nil {
			return err
		}
		if upd.Name != nil {
			c.Name = *upd.Name
		}
		if upd.Start != nil {
			c.Start = upd.Start.UTC()
		}
		if upd.End != nil {
			c.End = upd.End.UTC()
		}
		if upd.StoreNumber != nil {
			c.StoreNumber = storeNumber
		}
		if upd.CategoryID != nil {
			c.CategoryID = category
		}
		if upd.ProductNumber != nil {
			c.ProductNumber = product
		}
		upd.apply(&c.Shares)
		c.UpdatedAt = now
		return validateCampaign(c)
	})
}

// DeleteCampaign removes a campaign.
func (s *Service) DeleteCampaign(ctx context.Context, id string) error {
	if err := ValidateID("campaignId", id); err != nil {
		return err
	}
	return s.store.DeleteCampaign(ctx, id)
}

// --- derived shares ---

func validateDerivedShare(d *DerivedShare) error {
	if err := ValidateShareValue("share", d.Share); err != nil {
		return err
	}
	return ValidateShare("derivedShare", Share{Value: d.DerivedShare, Type: d.DerivedShareType}, false)
}

func (s *Service) newDerivedShare(in DerivedShareCreate, now time.Time) (*DerivedShare, error) {
	id, err := validateEntityID("derivedShareId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := ValidateID("merchant.id", in.MerchantID); err != nil {
		return nil, err
	}
	d := &DerivedShare{ID: id, MerchantID: in.MerchantID, Share: in.Share, DerivedShare: in.DerivedShare,
		DerivedShareType: SharePercentage, CreatedAt: now, UpdatedAt: now}
	if in.DerivedShareType != nil {
		d.DerivedShareType = *in.DerivedShareType
	}
	if err := validateDerivedShare(d); err != nil {
		return nil, err
	}
	return d, nil
}

// CreateDerivedShare validates in and stores a new derived share. A share
// value appears once per merchant.
func (s *Service) CreateDerivedShare(ctx context.Context, in DerivedShareCreate) (*DerivedShare, error) {
	d, err := s.newDerivedShare(in, s.now().UTC())
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateDerivedShare(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// FindDerivedShareByID returns one derived share.
func (s *Service) FindDerivedShareByID(ctx context.Context, id string) (*DerivedShare, error) {
	if err := ValidateID("derivedShareId", id); err != nil {
		return nil, err
	}
	return s.store.FindDerivedShareByID(ctx, id)
}

// FindDerivedShares returns the derived shares f selects (see
// ListFilter.RequireParent).
func (s *Service) FindDerivedShares(ctx context.Context, f ListFilter) ([]*DerivedShare, error) {
	return findOfOne(ctx, f, f.MerchantIDs, s.store.FindDerivedShares, s.merchantExists)
}

// UpdateDerivedShare changes the fields present in upd. The id and merchant
// never change.
func (s *Service) UpdateDerivedShare(ctx context.Context, id string, upd DerivedShareUpdate) (*DerivedShare, error) {
	if err := ValidateID("derivedShareId", id); err != nil {
		return nil, err
	}
	if upd.Share != nil {
		if err := ValidateShareValue("share", *upd.Share); err != nil {
			return nil, err
		}
	}
	if upd.DerivedShare != nil {
		if err := ValidateShareValue("derivedShare", *upd.DerivedShare); err != nil {
			return nil, err
		}
	}
	if upd.DerivedShareType != nil && (!upd.DerivedShareType.Valid() || *upd.DerivedShareType == ShareDerived) {
		return nil, errs.InvalidField("derivedShareType", "derivedShareType must be percentage or fixed_amount")
	}
	now := s.now().UTC()
	return s.store.UpdateDerivedShare(ctx, id, func(d *DerivedShare) error {
		if err := checkMerchantUnchanged(upd.MerchantID, d.MerchantID); err != nil {
			return err
		}
		if upd.Share != nil {
			d.Share = *upd.Share
		}
		if upd.DerivedShare != nil {
			d.DerivedShare = *upd.DerivedShare
		}
		if upd.DerivedShareType != nil {
			d.DerivedShareType = *upd.DerivedShareType
		}
		d.UpdatedAt = now
		return validateDerivedShare(d)
	})
}

// DeleteDerivedShare removes a derived share.
func (s *Service) DeleteDerivedShare(ctx context.Context, id string) error {
	if err := ValidateID("derivedShareId", id); err != nil {
		return err
	}
	return s.store.DeleteDerivedShare(ctx, id)
}

// ReplaceDerivedShares makes in the merchant's whole set of derived shares,
// atomically: on any error the old set stays. An item's MerchantID, when
// set, must be merchantID; errors name the item as "derivedShares[i].field".
func (s *Service) ReplaceDerivedShares(ctx context.Context, merchantID string, in []DerivedShareCreate) ([]*DerivedShare, error) {
	if err := ValidateID("merchant.id", merchantID); err != nil {
		return nil, err
	}
	if len(in) > MaxBatchSize {
		return nil, errs.InvalidField("derivedShares", "at most %d derived shares at a time", MaxBatchSize)
	}
	now := s.now().UTC()
	out := make([]*DerivedShare, len(in))
	seenID, seenShare := map[string]int{}, map[string]int{}
	for i, item := range in {
		field := func(name string) string { return itemField("derivedShares", i, name) }
		if item.MerchantID == "" {
			item.MerchantID = merchantID
		} else if item.MerchantID != merchantID {
			return nil, errs.InvalidField(field("merchantId"), "merchantId must be the merchant of the path")
		}
		d, err := s.newDerivedShare(item, now)
		if err != nil {
			return nil, errs.Item("derivedShares", i, err)
		}
		if j, dup := seenID[d.ID]; dup {
			return nil, errs.InvalidField(field("derivedShareId"), "derivedShareId repeats item %d", j)
		}
		// The lookup is by value: 2.5 and 2.50 are one key.
		key := d.Share.StringFixed(2)
		if j, dup := seenShare[key]; dup {
			return nil, errs.InvalidField(field("share"), "share repeats item %d", j)
		}
		seenID[d.ID], seenShare[key] = i, i
		out[i] = d
	}
	if err := s.store.ReplaceDerivedShares(ctx, merchantID, out); err != nil {
		var ie *ItemError
		if errors.As(err, &ie) {
			return nil, errs.Item("derivedShares", ie.Index, ie.Err)
		}
		return nil, err
	}
	return out, nil
}

// --- blocked products ---

func (s *Service) newBlockedProduct(in BlockedProductCreate, now time.Time) (*BlockedProduct, error) {
	id, err := validateEntityID("productId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := validateText("name", in.Name, 0, MaxTextLength); err != nil {
		return nil, err
	}
	if err := validateText("productNumber", in.ProductNumber, 1, MaxTextLength); err != nil {
		return nil, err
	}
	return &BlockedProduct{ID: id, Name: in.Name, ProductNumber: in.ProductNumber, CreatedAt: now}, nil
}

// CreateBlockedProduct blocks one product number for every merchant.
func (s *Service) CreateBlockedProduct(ctx context.Context, in BlockedProductCreate) (*BlockedProduct, error) {
	b, err := s.newBlockedProduct(in, s.now().UTC())
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateBlockedProducts(ctx, []*BlockedProduct{b}); err != nil {
		return nil, singleErr(err)
	}
	return b, nil
}

// CreateBlockedProducts blocks all of in, or none; errors name the item as
// "[i].field".
func (s *Service) CreateBlockedProducts(ctx context.Context, in []BlockedProductCreate) ([]*BlockedProduct, error) {
	if len(in) > MaxBatchSize {
		return nil, errs.E(errs.Invalid, "at most %d blocked products at a time", MaxBatchSize)
	}
	now := s.now().UTC()
	out := make([]*BlockedProduct, len(in))
	seenID, seenNumber := map[string]int{}, map[string]int{}
	for i, item := range in {
		b, err := s.newBlockedProduct(item, now)
		if err != nil {
			return nil, errs.Item("blockedProducts", i, err)
		}
		if j, dup := seenID[b.ID]; dup {
			return nil, errs.InvalidField(itemField("blockedProducts", i, "productId"), "productId repeats item %d", j)
		}
		if j, dup := seenNumber[b.ProductNumber]; dup {
			return nil, errs.InvalidField(itemField("blockedProducts", i, "productNumber"), "productNumber repeats item %d", j)
		}
		seenID[b.ID], seenNumber[b.ProductNumber] = i, i
		out[i] = b
	}
	if len(out) == 0 {
		return out, nil
	}
	if err := s.store.CreateBlockedProducts(ctx, out); err != nil {
		return nil, itemErr("blockedProducts", err)
	}
	return out, nil
}

// FindBlockedProducts returns a page of blocked products ordered by id.
func (s *Service) FindBlockedProducts(ctx context.Context, f ListFilter) ([]*BlockedProduct, error) {
	if err := validatePage(f); err != nil {
		return nil, err
	}
	out, err := s.store.FindBlockedProducts(ctx, f)
	if out == nil && err == nil {
		out = []*BlockedProduct{}
	}
	return out, err
}

// DeleteBlockedProduct unblocks a product number.
func (s *Service) DeleteBlockedProduct(ctx context.Context, id string) error {
	if err := ValidateID("productId", id); err != nil {
		return err
	}
	return s.store.DeleteBlockedProduct(ctx, id)
}

// LoadRules reads a merchant's whole settlement model in one snapshot for
// the settlement engine. It does not check permissions.
func (s *Service) LoadRules(ctx context.Context, merchantID string) (*Rules, error) {
	if err := ValidateID("merchant.id", merchantID); err != nil {
		return nil, err
	}
	return s.store.LoadRules(ctx, merchantID)
}

// LoadAllRules reads every active merchant's whole settlement model in one
// snapshot, in merchant id order, for the settlement engine. It does not
// check permissions.
func (s *Service) LoadAllRules(ctx context.Context) ([]*Rules, error) {
	return s.store.LoadAllRules(ctx)
}

// ItemError is a store's error about item Index of a list it wrote.
type ItemError struct {
	Index int
	Err   error
}

// Error implements the error interface.
func (e *ItemError) Error() string { return fmt.Sprintf("item %d: %v", e.Index, e.Err) }

// Unwrap returns the error about the item.
func (e *ItemError) Unwrap() error { return e.Err }

// itemErr names the item of a store's error in the field: "list[i].field".
func itemErr(list string, err error) error {
	var ie *ItemError
	if errors.As(err, &ie) {
		return errs.Item(list, ie.Index, ie.Err)
	}
	return err
}

// singleErr drops the item of a store's error about a list of one.
func singleErr(err error) error {
	var ie *ItemError
	if errors.As(err, &ie) {
		return ie.Err
	}
	return err
}

// itemField names field of item i of a list: "list[i].field".
func itemField(list string, i int, field string) string {
	return fmt.Sprintf("%s[%d].%s", list, i, field)
}
