package loyalty

import (
	"context"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// PurchaseStore is the store whose customers earn points from the
// purchases of app users (receipts, settled card transactions): one
// loyalty programme per deployment, whichever partner's app the user
// came through.
const PurchaseStore = DefaultStore

// PurchaseSource is where a purchase was seen.
type PurchaseSource string

// The sources of purchases.
const (
	PurchaseReceipt     PurchaseSource = "receipt"
	PurchaseTransaction PurchaseSource = "transaction"
)

// PurchaseKey names a purchase once: a receipt or a transaction by its id.
type PurchaseKey struct {
	Source   PurchaseSource
	SourceID string
}

// RecordedPurchase is a purchase to record for a customer, with the points
// it earns (nil: none).
type RecordedPurchase struct {
	CustomerID string
	Key        PurchaseKey
	Amount     decimal.Decimal
	At         time.Time
	Earned     *Transfer
}

// Purchase is a purchase of an app user (seeds 000–002) that earns points
// for the customer linked to the user: the customer whose verified phone
// is the user's verified phone.
type Purchase struct {
	Key PurchaseKey
	// UserID is the app user who paid.
	UserID string
	Amount decimal.Decimal
	At     time.Time
	// CustomerID is the linked customer, once found.
	CustomerID string
}

// EarnFromPurchases records the purchases of app users for their linked
// customers: each adds to the customer's figures and level and earns
// points at the configured rate, once per customer and purchase (a
// replayed receipt or transaction earns nothing more). Purchases of users
// without a linked customer, and those of no positive amount, are skipped.
func (p *Points) EarnFromPurchases(ctx context.Context, purchases []Purchase) error {
	var paid []Purchase
	for _, pu := range purchases {
		if pu.Amount.IsPositive() && pu.UserID != "" && pu.Key.SourceID != "" {
			paid = append(paid, pu)
		}
	}
	if len(paid) == 0 {
		return nil
	}
	linked, err := p.store.LinkedPurchases(ctx, PurchaseStore, paid)
	if err != nil {
		return err
	}
	return p.record(ctx, linked)
}

// EarnFromTransactionBatch records the settled transactions of a batch
// for the customers linked to the users that paid them, as
// EarnFromPurchases does.
func (p *Points) EarnFromTransactionBatch(ctx context.Context, batchID string) error {
	linked, err := p.store.LinkedBatchPurchases(ctx, PurchaseStore, batchID)
	if err != nil {
		return err
	}
	return p.record(ctx, linked)
}

func (p *Points) record(ctx context.Context, linked []Purchase) error {
	var out []RecordedPurchase
	for _, pu := range linked {
		if !pu.Amount.IsPositive() {
			continue
		}
		if err := CheckID(pu.CustomerID); err != nil {
			return err
		}
		amount := decimal.Min(pu.Amount, maxPoints)
		out = append(out, RecordedPurchase{CustomerID: strings.ToLower(pu.CustomerID), Key: pu.Key,
			Amount: amount.Round(2), At: pu.At, Earned: p.earned(pu.CustomerID, amount, pu.At)})
	}
	if len(out) == 0 {
		return nil
	}
	return p.store.RecordPurchases(ctx, PurchaseStore, out)
}
