package loyalty

import (
	"context"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
)

// TransferKind is the kind of a points transfer.
type TransferKind string

// The transfer kinds: points earned, spent, and expired by hand.
const (
	TransferAdd    TransferKind = "add"
	TransferSpend  TransferKind = "spend"
	TransferExpire TransferKind = "expire"
)

// Valid reports whether k is a known transfer kind.
func (k TransferKind) Valid() bool {
	return k == TransferAdd || k == TransferSpend || k == TransferExpire
}

// Transfer is one entry of a customer's points ledger.
type Transfer struct {
	ID         string
	CustomerID string
	Kind       TransferKind
	Points     decimal.Decimal
	// ExpiresAt ends an add's points (nil: they never expire).
	ExpiresAt *time.Time
	// LockedUntil keeps an add's points from being spent before it.
	LockedUntil *time.Time
	Comment     string
	CreatedAt   time.Time
}

// Status is a customer's status as Open Loyalty computes it.
type Status struct {
	Customer          *Customer
	Points            decimal.Decimal
	TotalEarnedPoints decimal.Decimal
	UsedPoints        decimal.Decimal
	ExpiredPoints     decimal.Decimal
	LockedPoints      decimal.Decimal
	Level             *Level
	NextLevel         *Level
	// TransactionsAmountToNextLevel is what the customer must still buy
	// for NextLevel (zero without one).
	TransactionsAmountToNextLevel decimal.Decimal
	// PointsExpiringNextMonth are the available points that expire within
	// the calendar month after now's.
	PointsExpiringNextMonth decimal.Decimal
	// PointsExpiringBreakdown are the available points by the day (UTC,
	// YYYY-MM-DD) they expire, from now on.
	PointsExpiringBreakdown map[string]decimal.Decimal
}

type lot struct {
	left    decimal.Decimal
	expires *time.Time
	locked  *time.Time
}

// ComputeStatus works out the status of c from its levels (sorted by
// condition value, lowest first) and its ledger, at now. Spends and
// expiries take points from the unlocked adds that expire first; the
// points of an add that are left when it expires are expired.
func ComputeStatus(c *Customer, levels []*Level, transfers []Transfer, now time.Time) *Status {
	s := &Status{Customer: c, PointsExpiringBreakdown: map[string]decimal.Decimal{}}
	ts := append([]Transfer(nil), transfers...)
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].CreatedAt.Before(ts[j].CreatedAt) })
	var lots []*lot
	expireUntil := func(t time.Time) {
		for _, l := range lots {
			if l.expires != nil && !l.expires.After(t) && l.left.IsPositive() {
				s.ExpiredPoints = s.ExpiredPoints.Add(l.left)
				l.left = decimal.Zero
			}
		}
	}
	take := func(points decimal.Decimal, at time.Time) decimal.Decimal {
		// Earliest expiry first; adds that never expire last.
		sort.SliceStable(lots, func(i, j int) bool {
			a, b := lots[i].expires, lots[j].expires
			if a == nil || b == nil {
				return b == nil && a != nil
			}
			return a.Before(*b)
		})
		taken := decimal.Zero
		for _, l := range lots {
			if !points.IsPositive() {
				break
			}
			if l.locked != nil && l.locked.After(at) || !l.left.IsPositive() {
				continue
			}
			n := decimal.Min(l.left, points)
			l.left, points, taken = l.left.Sub(n), points.Sub(n), taken.Add(n)
		}
		return taken
	}
	for _, t := range ts {
		if t.CreatedAt.After(now) {
			continue
		}
		expireUntil(t.CreatedAt)
		switch t.Kind {
		case TransferAdd:
			lots = append(lots, &lot{left: t.Points, expires: t.ExpiresAt, locked: t.LockedUntil})
		case TransferSpend:
			s.UsedPoints = s.UsedPoints.Add(take(t.Points, t.CreatedAt))
		case TransferExpire:
			s.ExpiredPoints = s.ExpiredPoints.Add(take(t.Points, t.CreatedAt))
		}
	}
	expireUntil(now)
	// The calendar month after now's, in UTC.
	y, m, _ := now.UTC().Date()
	nextStart := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)
	nextEnd := nextStart.AddDate(0, 1, 0)
	for _, l := range lots {
		if !l.left.IsPositive() {
			continue
		}
		if l.locked != nil && l.locked.After(now) {
			s.LockedPoints = s.LockedPoints.Add(l.left)
			continue
		}
		s.Points = s.Points.Add(l.left)
		if l.expires != nil {
			day := l.expires.UTC().Format("2006-01-02")
			s.PointsExpiringBreakdown[day] = s.PointsExpiringBreakdown[day].Add(l.left)
			if !l.expires.Before(nextStart) && l.expires.Before(nextEnd) {
				s.PointsExpiringNextMonth = s.PointsExpiringNextMonth.Add(l.left)
			}
		}
	}
	s.TotalEarnedPoints = s.Points.Add(s.UsedPoints).Add(s.ExpiredPoints)

	s.Level, s.NextLevel = LevelFor(levels, c.TransactionsAmount)
	if c.ManualLevelID != "" {
		for i, l := range levels {
			if l.ID == c.ManualLevelID {
				s.Level, s.NextLevel = l, nil
				for _, n := range levels[i+1:] {
					if n.Active && n.ConditionValue.GreaterThan(l.ConditionValue) {
						s.NextLevel = n
						break
					}
				}
			}
		}
	}
	if s.NextLevel != nil {
		s.TransactionsAmountToNextLevel = decimal.Max(decimal.Zero, s.NextLevel.ConditionValue.Sub(c.TransactionsAmount))
	}
	return s
}

// PointsInput is a transfer an admin records by hand.
type PointsInput struct {
	Kind        TransferKind
	Points      decimal.Decimal
	ExpiresAt   *time.Time
	LockedUntil *time.Time
	Comment     string
}

// PointsStore keeps the ledger. Its methods do not check permissions.
type PointsStore interface {
	// AddTransfer records t for the customer of store (NotFound when
	// there is none).
	AddTransfer(ctx context.Context, store string, t *Transfer) error
	// FindTransfers returns the ledgers of the customers, each oldest
	// first.
	FindTransfers(ctx context.Context, customerIDs []string) ([]Transfer, error)
	// RecordPurchase adds a purchase of amount at to the customer's
	// figures, moves it to the level its amount reaches (unless assigned
	// by hand) and records earned (an add transfer) when positive, in one
	// transaction. With key, a purchase already recorded for the customer
	// under that key changes nothing (recorded is false).
	RecordPurchase(ctx context.Context, store, customerID string, key *PurchaseKey, amount decimal.Decimal, at time.Time, earned *Transfer) (recorded bool, err error)
	// RecordPurchases records keyed purchases of customers of store as
	// RecordPurchase records each, in one transaction and a fixed number
	// of statements however many there are: a purchase already recorded
	// for its customer under its key changes nothing, and each customer
	// moves to the level its new amount reaches.
	RecordPurchases(ctx context.Context, store string, purchases []RecordedPurchase) error
	// LinkedPurchases returns, for purchases of app users, the active
	// customers of store whose verified phone is the user's verified
	// phone, one entry per purchase that has one (Purchase.CustomerID set).
	LinkedPurchases(ctx context.Context, store string, purchases []Purchase) ([]Purchase, error)
	// LinkedBatchPurchases returns the settled transactions of a
	// transaction batch whose user has a linked customer of store, as
	// purchases with Purchase.CustomerID set.
	LinkedBatchPurchases(ctx context.Context, store, batchID string) ([]Purchase, error)
	// SetManualLevel assigns levelID by hand ("" removes the assignment
	// and returns the customer to the level its amount reaches).
	SetManualLevel(ctx context.Context, store, customerID, levelID string) error
}

// maxPoints bounds a transfer.
var maxPoints = decimal.NewFromInt(1_000_000_000)

// Points holds the rules of the points ledger and statuses.
type Points struct {
	customers *Service
	store     PointsStore
	now       func() time.Time
	// rate is the points earned per unit of money spent; expiry is how
	// long earned points last (0: forever).
	rate   decimal.Decimal
	expiry time.Duration
}

// DefaultEarnRate is the points earned per unit of money unless
// configured.
var DefaultEarnRate = decimal.NewFromInt(1)

// DefaultPointsExpiry is how long earned points last unless configured.
const DefaultPointsExpiry = 365 * 24 * time.Hour

// NewPoints returns the points service.
func NewPoints(customers *Service, store PointsStore, now func() time.Time, rate decimal.Decimal, expiry time.Duration) *Points {
	if rate.IsZero() {
		rate = DefaultEarnRate
	}
	return &Points{customers: customers, store: store, now: now, rate: rate, expiry: expiry}
}

// Status returns the status of a customer of store.
func (p *Points) Status(ctx context.Context, store, id string) (*Status, error) {
	c, err := p.customers.Customer(ctx, store, id)
	if err != nil {
		return nil, err
	}
	st, err := p.StatusesOf(ctx, store, []*Customer{c})
	if err != nil {
		return nil, err
	}
	return st[0], nil
}

// StatusesOf returns the statuses of customers of store, as read by
// Customer or Customers, in their order: the levels and every ledger in
// one read each, whatever the number of customers.
func (p *Points) StatusesOf(ctx context.Context, store string, cs []*Customer) ([]*Status, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	levels, err := p.customers.store.FindLevels(ctx, store)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	ts, err := p.store.FindTransfers(ctx, ids)
	if err != nil {
		return nil, err
	}
	ledgers := make(map[string][]Transfer, len(cs))
	for _, t := range ts {
		ledgers[t.CustomerID] = append(ledgers[t.CustomerID], t)
	}
	now := p.now()
	out := make([]*Status, len(cs))
	for i, c := range cs {
		out[i] = ComputeStatus(c, levels, ledgers[c.ID], now)
	}
	return out, nil
}

// Record adds a transfer to a customer's ledger.
func (p *Points) Record(ctx context.Context, store, id string, in PointsInput) (*Transfer, error) {
	if err := CheckStoreCode(store); err != nil {
		return nil, err
	}
	if err := CheckID(id); err != nil {
		return nil, err
	}
	if !in.Kind.Valid() {
		return nil, errs.InvalidField("kind", "kind must be add, spend or expire")
	}
	if !in.Points.IsPositive() || in.Points.GreaterThan(maxPoints) || in.Points.Exponent() < -2 {
		return nil, errs.InvalidField("points", "points must be positive, with at most 2 decimals")
	}
	if in.Kind != TransferAdd && (in.ExpiresAt != nil || in.LockedUntil != nil) {
		return nil, errs.InvalidField("expiresAt", "only added points expire or are locked")
	}
	comment, err := text("comment", in.Comment)
	if err != nil {
		return nil, err
	}
	if !utf8.ValidString(comment) || strings.ContainsRune(comment, 0) {
		return nil, errs.InvalidField("comment", msgInvalid)
	}
	now := p.now().UTC()
	t := &Transfer{ID: newUUID(), CustomerID: strings.ToLower(id), Kind: in.Kind, Points: in.Points,
		ExpiresAt: in.ExpiresAt, LockedUntil: in.LockedUntil, Comment: comment, CreatedAt: now}
	if in.Kind != TransferAdd {
		st, err := p.Status(ctx, store, id)
		if err != nil {
			return nil, err
		}
		if in.Points.GreaterThan(st.Points) {
			return nil, errs.InvalidField("points", "the customer has only %s points available", st.Points.String())
		}
	}
	if err := p.store.AddTransfer(ctx, store, t); err != nil {
		return nil, err
	}
	return t, nil
}

// RecordPurchase adds a purchase of amount to a customer's figures and
// level, and earns it points at the configured rate (rounded down to 2
// decimals), which expire after the configured time.
func (p *Points) RecordPurchase(ctx context.Context, store, id string, amount decimal.Decimal, at time.Time) error {
	_, err := p.recordPurchase(ctx, store, id, nil, amount, at)
	return err
}

func (p *Points) recordPurchase(ctx context.Context, store, id string, key *PurchaseKey, amount decimal.Decimal, at time.Time) (bool, error) {
	if err := CheckStoreCode(store); err != nil {
		return false, err
	}
	if err := CheckID(id); err != nil {
		return false, err
	}
	if amount.IsNegative() || amount.GreaterThan(maxPoints) {
		return false, errs.InvalidField("amount", "amount must be from 0 to %s", maxPoints)
	}
	return p.store.RecordPurchase(ctx, store, strings.ToLower(id), key, amount.Round(2), at, p.earned(id, amount, at))
}

// earned is the add transfer a purchase of amount at earns the customer id
// (the configured rate, rounded down to 2 decimals, expiring after the
// configured time), or nil when it earns nothing.
func (p *Points) earned(id string, amount decimal.Decimal, at time.Time) *Transfer {
	pts := amount.Mul(p.rate).RoundDown(2)
	if !pts.IsPositive() {
		return nil
	}
	t := &Transfer{ID: newUUID(), CustomerID: strings.ToLower(id), Kind: TransferAdd, Points: pts,
		Comment: "purchase", CreatedAt: at}
	if p.expiry > 0 {
		exp := at.Add(p.expiry)
		t.ExpiresAt = &exp
	}
	return t
}

// AssignLevel assigns a customer of store to a level by hand.
func (p *Points) AssignLevel(ctx context.Context, store, id, levelID string) error {
	if err := CheckStoreCode(store); err != nil {
		return err
	}
	if err := CheckID(id); err != nil {
		return err
	}
	levelID = strings.ToLower(strings.TrimSpace(levelID))
	if !isUUID(levelID) {
		return errs.InvalidField("levelId", msgInvalid)
	}
	return p.store.SetManualLevel(ctx, store, strings.ToLower(id), levelID)
}

// RemoveManualLevel returns a customer to the level its amount reaches.
func (p *Points) RemoveManualLevel(ctx context.Context, store, id string) error {
	if err := CheckStoreCode(store); err != nil {
		return err
	}
	if err := CheckID(id); err != nil {
		return err
	}
	return p.store.SetManualLevel(ctx, store, strings.ToLower(id), "")
}
