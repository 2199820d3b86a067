package loyalty

import (
	"context"
	"regexp"
	"strings"
	"time"

	"loyaltygraph/domain/errs"
)

// ExtrasStore keeps pushy tokens and counts registrations. Its methods do
// not check permissions.
type ExtrasStore interface {
	// PushyTokens lists the customer's tokens, oldest first.
	PushyTokens(ctx context.Context, store, id string) ([]string, error)
	// PushyTokensOf lists the tokens of customers by customer id, each
	// oldest first, in one read.
	PushyTokensOf(ctx context.Context, customerIDs []string) (map[string][]string, error)
	// AddPushyToken keeps token (once) unless the customer has max tokens.
	AddPushyToken(ctx context.Context, store, id, token string, max int) error
	// RemovePushyToken forgets token, or answers NotFound.
	RemovePushyToken(ctx context.Context, store, id, token string) error
	// CountRegistrations counts the customers of store created since from,
	// by the period (day, month or year, UTC) of their creation, keyed as
	// the period's layout writes it.
	CountRegistrations(ctx context.Context, store string, from time.Time, interval Interval) (map[string]int, error)
}

// Interval groups registrations.
type Interval string

// The intervals of registrations.
const (
	IntervalDay   Interval = "day"
	IntervalMonth Interval = "month"
	IntervalYear  Interval = "year"
)

// Layout is how a period of the interval is written.
func (i Interval) Layout() string {
	switch i {
	case IntervalMonth:
		return "2006-01"
	case IntervalYear:
		return "2006"
	default:
		return "2006-01-02"
	}
}

// Valid reports whether i is a known interval.
func (i Interval) Valid() bool { return i == IntervalDay || i == IntervalMonth || i == IntervalYear }

var pushyTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,256}$`)

// maxPushyTokens caps a customer's devices.
const maxPushyTokens = 20

// Extras serves pushy tokens, POS assignment and registrations.
type Extras struct {
	customers *Service
	store     ExtrasStore
	now       func() time.Time
}

// NewExtras returns the service.
func NewExtras(customers *Service, store ExtrasStore, now func() time.Time) *Extras {
	return &Extras{customers: customers, store: store, now: now}
}

func checkCustomer(store, id string) error {
	if err := CheckStoreCode(store); err != nil {
		return err
	}
	return CheckID(id)
}

// PushyTokens lists a customer's pushy tokens.
func (x *Extras) PushyTokens(ctx context.Context, store, id string) ([]string, error) {
	if err := checkCustomer(store, id); err != nil {
		return nil, err
	}
	if _, err := x.customers.Customer(ctx, store, id); err != nil {
		return nil, err
	}
	return x.store.PushyTokens(ctx, store, strings.ToLower(id))
}

// PushyTokensOf lists the pushy tokens of customers, as read in this
// request, in their order, in one read.
func (x *Extras) PushyTokensOf(ctx context.Context, cs []*Customer) ([][]string, error) {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	byID, err := x.store.PushyTokensOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(cs))
	for i, c := range cs {
		if out[i] = byID[c.ID]; out[i] == nil {
			out[i] = []string{}
		}
	}
	return out, nil
}

// AddPushyToken keeps a pushy token of a customer.
func (x *Extras) AddPushyToken(ctx context.Context, store, id, token string) error {
	if err := checkCustomer(store, id); err != nil {
		return err
	}
	token = strings.TrimSpace(token)
	if !pushyTokenPattern.MatchString(token) {
		return errs.InvalidField("pushyToken", "This value is not valid.")
	}
	return x.store.AddPushyToken(ctx, store, strings.ToLower(id), token, maxPushyTokens)
}

// RemovePushyToken forgets a pushy token of a customer.
func (x *Extras) RemovePushyToken(ctx context.Context, store, id, token string) error {
	if err := checkCustomer(store, id); err != nil {
		return err
	}
	if !pushyTokenPattern.MatchString(token) {
		return errs.NotFoundf("pushy token not found")
	}
	return x.store.RemovePushyToken(ctx, store, strings.ToLower(id), token)
}

// AssignPOS assigns a customer to a POS.
func (x *Extras) AssignPOS(ctx context.Context, store, id, posID string) error {
	posID = strings.TrimSpace(posID)
	if posID == "" {
		return errs.InvalidField("posId", msgBlank)
	}
	return x.customers.Update(ctx, store, id, Fields{POSID: &posID})
}

// maxLastDays bounds the window of registrations.
const maxLastDays = 3660

// Registrations counts the customers of store registered over the last
// lastDays days (today included), per interval, with every period of the
// window present (zero when none).
func (x *Extras) Registrations(ctx context.Context, store string, interval Interval, lastDays int) (map[string]int, error) {
	if err := CheckStoreCode(store); err != nil {
		return nil, err
	}
	if interval == "" {
		interval = IntervalDay
	}
	if !interval.Valid() {
		return nil, errs.InvalidField("interval", "interval must be day, month or year")
	}
	if lastDays <= 0 {
		lastDays = 30
	}
	if lastDays > maxLastDays {
		return nil, errs.InvalidField("lastDays", "lastDays must be from 1 to %d", maxLastDays)
	}
	now := x.now().UTC()
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(lastDays - 1))
	counts, err := x.store.CountRegistrations(ctx, store, from, interval)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for d := from; !d.After(now); d = d.AddDate(0, 0, 1) {
		out[d.Format(interval.Layout())] = 0
	}
	for k, n := range counts {
		out[k] = n
	}
	return out, nil
}
