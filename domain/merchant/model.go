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
	// ProductIDs limits products and blocked products to these ids; nil
	// means every one.
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
