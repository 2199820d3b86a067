package gqltypes

import "loyaltygraph/domain/settlement"

// SettleRun is one run of settleMerchants: its id (the API calls it the
// settlementId) and the invoices it made.
type SettleRun struct {
	SettlementID string
	Invoices     []*settlement.Invoice
}
