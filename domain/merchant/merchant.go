// Package merchant is the merchant bounded context: the one merchant entity
// shared by the Receipt Data and Loyalty Settlement APIs.
package merchant

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/pan"
)

// Status is whether a merchant takes part in settlement.
type Status string

// The merchant statuses of the Loyalty Settlement API.
const (
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == StatusActive || s == StatusDisabled }

// Field limits from the Loyalty Settlement API.
const (
	MaxIDLength   = 32
	MaxNameLength = 128
)

// Merchant is a merchant as the settlement client administers it.
type Merchant struct {
	ID     string
	Name   string
	Status Status
	// OwnerID is the settlement client that created the merchant and
	// administers it; 0 for a merchant that only admins administer.
	OwnerID int64
	// Profile is what receipts print about the merchant (seed 001).
	Profile Profile
	// Logo is the merchant's current logo, nil when it has none.
	Logo      *Logo
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Profile is the merchant's public profile that receipts show (seed 001).
// Every field may be empty.
type Profile struct {
	// Country is an ISO 3166-1 alpha-2 code, upper case.
	Country            string
	Address            string
	ZipCode            string
	City               string
	PhoneNumber        string
	RegistrationNumber string
}

// Logo identifies the merchant's current logo; the bytes are kept apart.
type Logo struct {
	// Version changes with every new logo.
	Version     string
	ContentType string
}

// Create is the input to create a merchant. A nil ID asks for a generated one.
type Create struct {
	ID     *string
	Name   string
	Status *Status
	// OwnerID is the settlement client that will own the merchant (0: none).
	OwnerID int64
}

// Update changes the fields that are not nil.
type Update struct {
	Name   *string
	Status *Status
}

// Filter selects a page of merchants.
type Filter struct {
	Offset int
	Limit  int
	// OwnerID limits the page to one settlement client's merchants; 0
	// means every merchant.
	OwnerID int64
}

// Listing is a page of merchants with the companies and campaigns of the
// merchants on it: what a merchant list shows.
type Listing struct {
	Merchants []*Merchant
	// Companies are ordered by merchant, then company id.
	Companies []*Company
	// Campaigns are ordered by start, then campaign id.
	Campaigns []*Campaign
}

// MaxPageSize is the largest page a list returns.
const MaxPageSize = 1000

// Store persists merchants. Its methods do not check permissions.
type Store interface {
	// CreateMerchant inserts m; a taken id is a conflict on merchantId.
	CreateMerchant(ctx context.Context, m *Merchant) error
	// FindMerchantByID returns the merchant or a not-found error.
	FindMerchantByID(ctx context.Context, id string) (*Merchant, error)
	// FindMerchants returns a page of merchants ordered by id, and the total.
	FindMerchants(ctx context.Context, f Filter) ([]*Merchant, int, error)
	// FindListing returns a page of merchants ordered by id with the
	// companies (by merchant, then id) and campaigns (by start, then id) of
	// the merchants on it.
	FindListing(ctx context.Context, f Filter) (*Listing, error)
	// FindMerchantsByIDs returns the merchants that exist among ids, in any order.
	FindMerchantsByIDs(ctx context.Context, ids []string) ([]*Merchant, error)
	// UpdateMerchant applies upd at time now and returns the result, or a
	// not-found error.
	UpdateMerchant(ctx context.Context, id string, upd Update, now time.Time) (*Merchant, error)
	// DeleteMerchant removes the merchant and its model, or returns a
	// not-found error, or a conflict while settlements or invoices exist.
	DeleteMerchant(ctx context.Context, id string) error
	// ModelStore persists the merchant's settlement model (model.go).
	ModelStore
}

// Service holds the merchant rules.
type Service struct {
	store Store
	now   func() time.Time
}

// NewService returns a merchant service.
func NewService(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now}
}

// ValidateID checks a merchant id as given by a caller.
func ValidateID(field, id string) error {
	name := label(field)
	if id == "" || utf8.RuneCountInString(id) > MaxIDLength {
		return errs.InvalidField(field, "%s must be 1 to %d characters", name, MaxIDLength)
	}
	if !utf8.ValidString(id) || strings.ContainsFunc(id, isControlOrSpace) || strings.Contains(id, "/") {
		return errs.InvalidField(field, "%s must not contain spaces, slashes or control characters", name)
	}
	return checkPAN(field, id)
}

// codeFields hold product codes (EAN-13, GTIN-14), which may pass Luhn.
var codeFields = map[string]bool{"productId": true, "productNumber": true}

// checkPAN refuses a card number in a caller-given id or text.
//
// SECURITY: a card number is never stored (DESIGN "PAN guard").
func checkPAN(field, v string) error {
	if codeFields[field] {
		return pan.CheckCode(field, v)
	}
	return pan.CheckText(field, v)
}

// label is how a message names a field path: "merchant.id" reads
// "merchantId".
func label(path string) string {
	var b strings.Builder
	for i, seg := range strings.Split(path, ".") {
		if i > 0 && seg != "" {
			seg = strings.ToUpper(seg[:1]) + seg[1:]
		}
		b.WriteString(seg)
	}
	return b.String()
}

func isControlOrSpace(r rune) bool { return r <= ' ' || r == 0x7f || r == utf8.RuneError }

func validateName(name string) error {
	if !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return errs.InvalidField("merchant.name", "merchantName must be text without control characters")
	}
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	if n == 0 || utf8.RuneCountInString(name) > MaxNameLength {
		return errs.InvalidField("merchant.name", "merchantName must be 1 to %d characters", MaxNameLength)
	}
	return checkPAN("merchant.name", name)
}

func validateStatus(s Status) error {
	if !s.Valid() {
		return errs.InvalidField("merchant.status", "merchantStatus must be active or disabled")
	}
	return nil
}

// CreateMerchant validates in and stores a new merchant.
func (s *Service) CreateMerchant(ctx context.Context, in Create) (*Merchant, error) {
	m := &Merchant{Name: in.Name, Status: StatusActive, OwnerID: in.OwnerID}
	if in.ID != nil {
		if err := ValidateID("merchant.id", *in.ID); err != nil {
			return nil, err
		}
		m.ID = *in.ID
	} else {
		m.ID = ids.New()
	}
	if err := validateName(in.Name); err != nil {
		return nil, err
	}
	if in.Status != nil {
		if err := validateStatus(*in.Status); err != nil {
			return nil, err
		}
		m.Status = *in.Status
	}
	now := s.now().UTC()
	m.CreatedAt, m.UpdatedAt = now, now
	if err := s.store.CreateMerchant(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// FindMerchantByID returns one merchant.
func (s *Service) FindMerchantByID(ctx context.Context, id string) (*Merchant, error) {
	if err := ValidateID("merchant.id", id); err != nil {
		return nil, err
	}
	return s.store.FindMerchantByID(ctx, id)
}

// FindMerchantsByIDs returns the merchants among ids that exist.
func (s *Service) FindMerchantsByIDs(ctx context.Context, ids []string) ([]*Merchant, error) {
	return s.store.FindMerchantsByIDs(ctx, ids)
}

// FindMerchants returns a page of merchants and the total count.
func (s *Service) FindMerchants(ctx context.Context, f Filter) ([]*Merchant, int, error) {
	if err := f.validate(); err != nil {
		return nil, 0, err
	}
	return s.store.FindMerchants(ctx, f)
}

// FindListing returns a page of merchants with their companies and
// campaigns, as the merchant list shows them.
func (s *Service) FindListing(ctx context.Context, f Filter) (*Listing, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	return s.store.FindListing(ctx, f)
}

func (f Filter) validate() error {
	if f.Offset < 0 {
		return errs.InvalidField("offset", "offset must not be negative")
	}
	if f.Limit < 0 || f.Limit > MaxPageSize {
		return errs.InvalidField("limit", "limit must be between 0 and %d", MaxPageSize)
	}
	return nil
}

// UpdateMerchant changes the fields present in upd. The id never changes.
func (s *Service) UpdateMerchant(ctx context.Context, id string, upd Update) (*Merchant, error) {
	if err := ValidateID("merchant.id", id); err != nil {
		return nil, err
	}
	if upd.Name != nil {
		if err := validateName(*upd.Name); err != nil {
			return nil, err
		}
	}
	if upd.Status != nil {
		if err := validateStatus(*upd.Status); err != nil {
			return nil, err
		}
	}
	return s.store.UpdateMerchant(ctx, id, upd, s.now().UTC())
}

// DeleteMerchant removes a merchant and its model; settlements or invoices
// of it (financial records) make it a conflict.
func (s *Service) DeleteMerchant(ctx context.Context, id string) error {
	if err := ValidateID("merchant.id", id); err != nil {
		return err
	}
	return s.store.DeleteMerchant(ctx, id)
}
