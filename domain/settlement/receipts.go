package settlement

import (
	"context"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/merchant"
)

// MerchantRules reads one merchant's settlement model.
type MerchantRules interface {
	LoadRules(ctx context.Context, merchantID string) (*merchant.Rules, error)
}

// ReceiptSettler settles receipts line by line by their merchant's rules,
// for the receipt context (seed 002: stores whose source is receipt).
type ReceiptSettler struct {
	Rules MerchantRules
}

// SettleReceipt returns the settlements of the lines of a receipt of
// merchantID that the engine matched (none when the merchant is not
// active, has no receipt-sourced store with the receipt's store number,
// or no line matched), each with a new SettlementID, Source receipt,
// LineNumber the line's index and processed at now. TransactionID,
// UserID and TruncatedCardNumber are left for the store, which knows the
// stored receipt and the user it matched.
func (s ReceiptSettler) SettleReceipt(ctx context.Context, merchantID string, rc Receipt, now time.Time) ([]*Settlement, error) {
	if rc.StoreNumber == "" || len(rc.Lines) == 0 {
		return nil, nil
	}
	m, err := s.Rules.LoadRules(ctx, merchantID)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if m.Merchant == nil || m.Merchant.Status != merchant.StatusActive {
		return nil, nil
	}
	var out []*Settlement
	for i, lr := range FromModel(m).Index().SettleReceipt(rc) {
		res := lr.Result
		if !res.Matched {
			continue
		}
		out = append(out, &Settlement{
			SettlementID: ids.New(), MerchantID: res.MerchantID, StoreID: res.StoreID, CampaignID: res.CampaignID,
			Source: SourceReceipt, LineNumber: i, TransactionDateTime: rc.At, ProcessedDateTime: now,
			Amount: res.Amount, Currency: res.Currency, UserShare: res.UserShare, ProviderShare: res.ProviderShare,
			UserShareType: res.UserShareType, ProviderShareType: res.ProviderShareType,
		})
	}
	return out, nil
}
