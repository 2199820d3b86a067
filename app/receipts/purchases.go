package receipts

import (
	"context"

	"loyaltygraph/domain/loyalty"
	"loyaltygraph/domain/receipt"
)

// Purchases earns loyalty points for the purchases of app users
// (loyalty.Points).
type Purchases interface {
	EarnFromPurchases(ctx context.Context, purchases []loyalty.Purchase) error
}

// WithPurchases lets a posted receipt earn points for the loyalty customer
// linked to each user it matched (seed 003), once per receipt.
func WithPurchases(p Purchases) Option { return func(o *Ops) { o.purchases = p } }

// earn records r as a purchase of every user it matched. A replayed
// receipt (the same receipt id) earns nothing more.
func (o *Ops) earn(ctx context.Context, r *receipt.Receipt, matches []receipt.Match) error {
	if o.purchases == nil || len(matches) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var ps []loyalty.Purchase
	for _, m := range matches {
		if seen[m.UserID] {
			continue
		}
		seen[m.UserID] = true
		ps = append(ps, loyalty.Purchase{Key: loyalty.PurchaseKey{Source: loyalty.PurchaseReceipt, SourceID: r.ID},
			UserID: m.UserID, Amount: r.Total.Amount, At: r.PurchaseDateTime})
	}
	return o.purchases.EarnFromPurchases(ctx, ps)
}
