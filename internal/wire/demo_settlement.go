package wire

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/settlement"
)

// The settlement side of the demo: Netto's settlement model (a company,
// two stores, a campaign and a derived share) and a week of card
// transactions at its stores, settled, batched and invoiced, as the demo
// settlement client would have done through the Loyalty Settlement API.
const (
	demoCompany     = "demo-netto-aps"
	demoCompanyReg  = "35954716"
	demoStoreCentre = "demo-netto-noerrebro"
	demoStoreHarbor = "demo-netto-havn"
	demoCampaign    = "demo-netto-winter"
	demoDerived     = "demo-netto-derived"
)

// demoStores are Netto's demo stores: id, card acceptor id (store number)
// and name.
var demoStores = []struct{ id, number, name string }{
	{demoStoreCentre, "NETTO-1001", "Netto Nørrebrogade"},
	{demoStoreHarbor, "NETTO-1002", "Netto Islands Brygge"},
}

// DemoSettlement is what the settlement side of the demo made.
type DemoSettlement struct {
	MerchantID   string
	Transactions int
	BatchID      string
	SettleRunID  string
}

// loadDemoSettlement adds Netto's settlement model and settles a week of
// its transactions, as the demo settlement client. Loading it again
// changes nothing: the model's ids are fixed, and transactions are posted
// only while the demo settlement client has posted none. The transactions
// are paid with the demo user's card (loadDemoReceipts registers it), so
// that they settle.
func (a *App) loadDemoSettlement(ctx context.Context, client *auth.Principal) (*DemoSettlement, error) {
	ctx = auth.WithPrincipal(ctx, client)
	m := a.Ops.Merchants
	pct := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	ignoreTaken := func(what string, err error) error {
		if err != nil && !errs.Is(err, errs.Conflict) {
			return fmt.Errorf("demo %s: %w", what, err)
		}
		return nil
	}
	id := func(s string) *string { return &s }

	_, err := m.CreateCompany(ctx, merchant.CompanyCreate{ID: id(demoCompany), MerchantID: demoTill, Name: "Netto ApS",
		RegistrationNumber: demoCompanyReg, SharesCreate: merchant.SharesCreate{UserShare: pct("1.00"), ProviderShare: pct("0.50")}})
	if err := ignoreTaken("company", err); err != nil {
		return nil, err
	}
	for i, s := range demoStores {
		_, err := m.CreateStore(ctx, merchant.ShopCreate{ID: id(s.id), MerchantID: demoTill, StoreNumber: s.number, Name: s.name,
			SharesCreate: merchant.SharesCreate{UserShare: pct("1.50").Add(decimal.NewFromInt(int64(i))), ProviderShare: pct("0.75")}})
		if err := ignoreTaken("store "+s.id, err); err != nil {
			return nil, err
		}
	}
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	_, err = m.CreateCampaign(ctx, merchant.CampaignCreate{ID: id(demoCampaign), MerchantID: demoTill, Name: "Winter bonus",
		Start: start, End: start.AddDate(0, 3, 0), StoreNumber: id(demoStores[1].number),
		SharesCreate: merchant.SharesCreate{UserShare: pct("3.00"), ProviderShare: pct("1.00")}})
	if err := ignoreTaken("campaign", err); err != nil {
		return nil, err
	}
	_, err = m.CreateDerivedShare(ctx, merchant.DerivedShareCreate{ID: id(demoDerived), MerchantID: demoTill,
		Share: pct("2.00"), DerivedShare: pct("0.40")})
	if err := ignoreTaken("derived share", err); err != nil {
		return nil, err
	}

	out := &DemoSettlement{MerchantID: demoTill}
	posted, _, err := a.Ops.Settlements.TransactionBatches(ctx, settlement.BatchFilter{Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("demo transaction batches: %w", err)
	}
	if len(posted) > 0 {
		return out, nil // posted on an earlier load
	}
	txs := demoTransactions(now)
	batch, err := a.Ops.Settlements.Ingest(ctx, &sliceReader{list: txs})
	if err != nil {
		return nil, fmt.Errorf("demo transactions: %w", err)
	}
	out.Transactions = batch.Transactions
	sb, err := a.Ops.Settlements.CreateBatch(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo settlement batch: %w", err)
	}
	out.BatchID = sb.BatchID
	if out.SettleRunID, err = a.Ops.Settlements.Settle(ctx, demoTill); err != nil {
		return nil, fmt.Errorf("demo settle run: %w", err)
	}
	return out, nil
}

// demoTransactions are a week of card payments at Netto's demo stores, the
// last one yesterday. Their ids derive from the day they were made for, so
// that a demo loaded on another day does not collide with them.
func demoTransactions(now time.Time) []*settlement.RawTransaction {
	amounts := []string{"42.50", "129.95", "18.00", "264.10", "75.25", "9.95", "310.00"}
	day := now.Truncate(24 * time.Hour)
	out := make([]*settlement.RawTransaction, len(amounts))
	for i, amount := range amounts {
		at := day.AddDate(0, 0, i-len(amounts)).Add(time.Duration(9+i) * time.Hour)
		out[i] = &settlement.RawTransaction{
			TransactionID:             fmt.Sprintf("demo-%s-%d", day.Format("20060102"), i+1),
			Amount:                    decimal.RequireFromString(amount),
			Currency:                  "DKK",
			TransactionDateTime:       at,
			CardAcceptorID:            demoStores[i%len(demoStores)].number,
			CompanyRegistrationNumber: demoCompanyReg,
			CardToken:                 demoCardToken,
			TruncatedCardNumber:       demoTruncated,
			CardType:                  "VISA",
		}
	}
	return out
}

// sliceReader reads raw transactions from a slice.
type sliceReader struct {
	list []*settlement.RawTransaction
	next int
}

func (r *sliceReader) Next() (*settlement.RawTransaction, error) {
	if r.next >= len(r.list) {
		return nil, io.EOF
	}
	r.next++
	return r.list[r.next-1], nil
}
