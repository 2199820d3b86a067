package receipt

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/settlement"
)

// Status tells what posting a receipt did.
type Status string

// The outcomes of posting a receipt.
const (
	// StatusCreated: a new receipt.
	StatusCreated Status = "CREATED"
	// StatusUpdated: the same external id and type again; the content was
	// replaced and the receipt id kept.
	StatusUpdated Status = "UPDATED"
)

// OrderField is what a receipt list is ordered by.
type OrderField string

// The orders of a receipt list.
const (
	OrderByDate  OrderField = "date"
	OrderByStore OrderField = "store"
	OrderByTotal OrderField = "total"
)

// Valid reports whether f is a known order.
func (f OrderField) Valid() bool { return f == OrderByDate || f == OrderByStore || f == OrderByTotal }

// Direction is ascending or descending.
type Direction string

// The directions of a receipt list.
const (
	Asc  Direction = "asc"
	Desc Direction = "desc"
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool { return d == Asc || d == Desc }

// DefaultPageSize is the page size of a receipt list when none is asked;
// MaxPageSize the largest.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
	maxSearch       = 100
)

// Filter selects and orders one user's receipts. Ranges are inclusive.
type Filter struct {
	OrderBy    OrderField
	Direction  Direction
	Search     string
	MerchantID string
	From, To   *time.Time
	MinTotal   *decimal.Decimal
	MaxTotal   *decimal.Decimal
	Offset     int
	Limit      int
}

// Validate checks the filter; paths are the list's parameters.
func (f *Filter) Validate() error {
	if f.OrderBy == "" {
		return errs.InvalidField("orderBy", "orderBy is required: store, date or total")
	}
	if !f.OrderBy.Valid() {
		return errs.InvalidField("orderBy", "orderBy must be store, date or total")
	}
	if f.Direction == "" {
		return errs.InvalidField("direction", "direction is required: asc or desc")
	}
	if !f.Direction.Valid() {
		return errs.InvalidField("direction", "direction must be asc or desc")
	}
	f.Search = NormalizeSearch(f.Search)
	if len([]rune(f.Search)) > maxSearch {
		return errs.InvalidField("search", "search must be at most %d characters", maxSearch)
	}
	if f.Offset < 0 {
		return errs.InvalidField("offset", "offset must not be negative")
	}
	if f.Limit < 0 || f.Limit > MaxPageSize {
		return errs.InvalidField("limit", "limit must be between 0 and %d", MaxPageSize)
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		return errs.InvalidField("endDate", "endDate must not be before startDate")
	}
	for _, b := range []struct {
		name string
		d    *decimal.Decimal
	}{{"startGrandTotal", f.MinTotal}, {"endGrandTotal", f.MaxTotal}} {
		if b.d != nil {
			if err := checkAmount(b.name, *b.d); err != nil {
				return err
			}
		}
	}
	if f.MinTotal != nil && f.MaxTotal != nil && f.MaxTotal.LessThan(*f.MinTotal) {
		return errs.InvalidField("endGrandTotal", "endGrandTotal must not be less than startGrandTotal")
	}
	return nil
}

// Match is a card of a user that a receipt's card token hash matched.
type Match struct {
	UserID string
	// ProviderID is the partner that owns the user, which the RECEIPT
	// notification goes to.
	ProviderID int64
	Card       MatchedCard
	// TokenHash is the card's keyed token hash, which tells the payments
	// the card made.
	TokenHash []byte
}

// LateMatchWindow is how far back, by purchase time, a card registered
// later finds the receipts it paid for.
const LateMatchWindow = 30 * 24 * time.Hour

// Save is what storing a posted receipt writes in the receipt's
// transaction besides the receipt.
type Save struct {
	// Events returns the notifications of the users the receipt matched
	// (nil: none are written).
	Events func(r *Receipt, created bool, matches []Match) []notify.Event
	// Settlements are the line settlements of the receipt. They are
	// stored, for the user of the earliest matched card, only when the
	// receipt matched a user and has no settlement yet: a receipt is
	// settled once.
	Settlements []*settlement.Settlement
}

// Store persists receipts. Its methods do not check permissions: callers
// have checked that the user is the caller's.
type Store interface {
	// SaveReceipt inserts r, or, when the merchant has a receipt with the
	// same external id and type, replaces that receipt's content and sets
	// r.ID and r.CreatedAt to the stored ones. In the same transaction it
	// finds the users' cards whose token hash is among r.TokenHashes
	// (earliest card first), links the receipt to their users, writes the
	// events of save.Events to the outbox and stores save.Settlements as
	// Save says. It reports whether r was created.
	SaveReceipt(ctx context.Context, r *Receipt, save Save) (created bool, matches []Match, err error)
	// FindUserReceipts returns a page of the user's receipts and the total.
	FindUserReceipts(ctx context.Context, userID string, f Filter) ([]*Receipt, int, error)
	// FindUserReceipt returns one receipt of the user with the user's
	// matched cards and the copy history, or not found.
	FindUserReceipt(ctx context.Context, userID, receiptID string) (*Receipt, error)
	// DeleteUserReceipt removes the receipt from the user's receipts, or
	// reports not found.
	DeleteUserReceipt(ctx context.Context, userID, receiptID string) error
	// CopyReceipt stores copy (a receipt with CopyOf set) for toUserID and
	// records c, in one transaction.
	CopyReceipt(ctx context.Context, copy *Receipt, toUserID string, c Copy) error
	// FindProviderReceiptByExternalID returns, in the view of the user who
	// has it, the receipt with the till's external id and type that a user
	// of the partner providerID has (only userID's when userID is set), or
	// not found. When several match, the till's original wins over a
	// copy, then the latest updated.
	FindProviderReceiptByExternalID(ctx context.Context, providerID int64, userID, externalID, idType string) (*Receipt, error)
}

// Hasher makes the keyed look-up hash of a card token, the same hash that
// users' cards are found by.
type Hasher interface {
	LookupHash(value []byte) []byte
}

// Settler settles a receipt's lines by its merchant's rules
// (settlement.ReceiptSettler).
type Settler interface {
	SettleReceipt(ctx context.Context, merchantID string, rc settlement.Receipt, now time.Time) ([]*settlement.Settlement, error)
}

// Service holds the receipt rules.
type Service struct {
	store   Store
	hasher  Hasher
	settler Settler
	now     func() time.Time
}

// NewService returns the receipt service; settler settles receipts from
// receipt-sourced stores (nil: receipts are not settled).
func NewService(store Store, hasher Hasher, settler Settler, now func() time.Time) *Service {
	return &Service{store: store, hasher: hasher, settler: settler, now: now}
}

// Merchant is the merchant a receipt is posted for.
type Merchant struct {
	ID   string
	Name string
}

// Ingest validates a receipt posted for merchant m and stores it, replacing
// the content of an earlier receipt with the same external id and type. It
// returns the stored receipt, whether it was created or updated, and the
// users it was matched to. Nothing is stored when the input is bad.
//
// In the receipt's transaction, every matched user's partner gets a
// RECEIPT notification (status CREATED or UPDATED), and a receipt from a
// receipt-sourced store is settled line by line the first time it is
// stored with a matched user; an update never settles it again.
func (s *Service) Ingest(ctx context.Context, m Merchant, in Input) (*Receipt, Status, []Match, error) {
	now := s.now().UTC()
	r, err := New(m.ID, m.Name, in, now, s.hasher.LookupHash)
	if err != nil {
		return nil, "", nil, err
	}
	var save Save
	if s.settler != nil {
		if save.Settlements, err = s.settler.SettleReceipt(ctx, m.ID, settlementReceipt(r), now.Truncate(time.Microsecond)); err != nil {
			return nil, "", nil, err
		}
	}
	save.Events = func(stored *Receipt, created bool, matches []Match) []notify.Event {
		if created {
			return Events(stored, StatusCreated, matches)
		}
		return Events(stored, StatusUpdated, matches)
	}
	created, matches, err := s.store.SaveReceipt(ctx, r, save)
	if err != nil {
		return nil, "", nil, err
	}
	if created {
		return r, StatusCreated, matches, nil
	}
	return r, StatusUpdated, matches, nil
}

// settlementReceipt is r as the settlement engine reads it: the till's
// storeId is the store number of the merchant's store, each line the
// amount paid for its product number.
func settlementReceipt(r *Receipt) settlement.Receipt {
	rc := settlement.Receipt{StoreNumber: r.StoreID, At: r.PurchaseDateTime, Currency: r.Total.Currency,
		Lines: make([]settlement.Line, len(r.Lines))}
	for i, l := range r.Lines {
		rc.Lines[i] = settlement.Line{ProductNumber: l.ProductNumber, Amount: l.TotalPrice}
	}
	return rc
}

// List returns a page of the user's receipts and the total.
func (s *Service) List(ctx context.Context, userID string, f Filter) ([]*Receipt, int, error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	if f.Limit == 0 {
		f.Limit = DefaultPageSize
	}
	return s.store.FindUserReceipts(ctx, userID, f)
}

// Find returns one of the user's receipts.
func (s *Service) Find(ctx context.Context, userID, receiptID string) (*Receipt, error) {
	if !validID(receiptID) {
		return nil, errs.NotFoundf("receipt not found")
	}
	return s.store.FindUserReceipt(ctx, userID, receiptID)
}

// Delete removes one of the user's receipts from the user's list.
func (s *Service) Delete(ctx context.Context, userID, receiptID string) error {
	if !validID(receiptID) {
		return errs.NotFoundf("receipt not found")
	}
	return s.store.DeleteUserReceipt(ctx, userID, receiptID)
}

// Copy copies one of fromUserID's receipts to toUserID (the caller has
// checked that both users are its own) and returns the copy.
func (s *Service) Copy(ctx context.Context, fromUserID, receiptID, toUserID string) (*Receipt, error) {
	orig, err := s.Find(ctx, fromUserID, receiptID)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	cp := *orig
	cp.ID, cp.CopyOf, cp.CreatedAt, cp.UpdatedAt, cp.UserID = ids.New(), orig.ID, now, now, toUserID
	cp.TokenHashes, cp.MatchedCards, cp.CopyHistory = nil, []MatchedCard{}, nil
	// The copy carries no card of the original's user.
	cp.Payments = make([]Payment, len(orig.Payments))
	for i, p := range orig.Payments {
		p.CardID = ""
		cp.Payments[i] = p
	}
	c := Copy{FromUserID: fromUserID, ToUserID: toUserID, From: orig.ID, To: cp.ID, CopiedAt: now}
	if err := s.store.CopyReceipt(ctx, &cp, toUserID, c); err != nil {
		return nil, err
	}
	cp.CopyHistory = []Copy{c}
	return &cp, nil
}

// validID reports whether id can be a receipt id, so that malformed ids
// answer not found without a query.
func validID(id string) bool { return len(id) == ids.StoreboxLength && ids.IsLowerAlnum(id) }
