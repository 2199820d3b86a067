package settlement

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/merchant"
)

type rulesOf struct {
	rules *merchant.Rules
	loads int
}

func (r *rulesOf) LoadRules(context.Context, string) (*merchant.Rules, error) {
	r.loads++
	return r.rules, nil
}

func pct(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestReceiptSettlerSettlesMatchedLinesOnly: matched lines become receipt
// settlements with their line index; unmatched lines none; a receipt
// without a store number loads no rules; a disabled merchant settles
// nothing.
func TestReceiptSettlerSettlesMatchedLinesOnly(t *testing.T) {
	m := &merchant.Merchant{ID: "m1", Status: merchant.StatusActive}
	src := &rulesOf{rules: &merchant.Rules{
		Merchant: m,
		Shops: []*merchant.Shop{{ID: "st1", MerchantID: "m1", StoreNumber: "100", Source: merchant.SourceReceipt,
			Shares: merchant.Shares{UserShare: pct("50"), ProviderShare: pct("50")}}},
		Categories: []*merchant.Category{{ID: "c1", MerchantID: "m1", Shares: merchant.Shares{UserShare: pct("10"), ProviderShare: pct("2.5")}}},
		Products:   []*merchant.Product{{ID: "p1", CategoryID: "c1", ProductNumber: "A"}},
	}}
	s := ReceiptSettler{Rules: src}
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	now := at.Add(time.Hour)
	rc := Receipt{StoreNumber: "100", At: at, Currency: "DKK", Lines: []Line{
		{ProductNumber: "X", Amount: pct("5")}, {ProductNumber: "A", Amount: pct("19.99")},
	}}
	got, err := s.SettleReceipt(t.Context(), "m1", rc, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d settlements, want 1", len(got))
	}
	st := got[0]
	if st.LineNumber != 1 || st.Source != SourceReceipt || st.StoreID != "st1" || st.MerchantID != "m1" ||
		!st.UserShare.Equal(pct("2")) || !st.ProviderShare.Equal(pct("0.5")) || st.Currency != "DKK" ||
		!st.TransactionDateTime.Equal(at) || !st.ProcessedDateTime.Equal(now) || len(st.SettlementID) != 32 {
		t.Fatalf("settlement: %+v", st)
	}
	if got, _ := s.SettleReceipt(t.Context(), "m1", Receipt{At: at, Currency: "DKK", Lines: rc.Lines}, now); len(got) != 0 || src.loads != 1 {
		t.Fatalf("without a store number: %v, %d loads", got, src.loads)
	}
	m.Status = merchant.StatusDisabled
	if got, _ := s.SettleReceipt(t.Context(), "m1", rc, now); len(got) != 0 {
		t.Fatalf("disabled merchant settled %v", got)
	}
}
