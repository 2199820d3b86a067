package resolvers

import (
	"context"

	"loyaltygraph/domain/settlement"
)

// SettlementOps are the transaction, settlement, batch and invoice
// operations of the Loyalty Settlement API. Settlement clients and admins
// only (authorizeMerchantAdmin).
type SettlementOps struct {
	svc *settlement.Service
}

// Ingest stores and settles a batch of raw transactions.
func (o *SettlementOps) Ingest(ctx context.Context, r settlement.TransactionReader) (*settlement.TransactionBatch, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.IngestTransactions(ctx, r)
}

// TransactionBatches lists the transaction batches.
func (o *SettlementOps) TransactionBatches(ctx context.Context) ([]*settlement.TransactionBatch, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.TransactionBatches(ctx)
}

// Transactions returns a page of a batch's raw transactions.
func (o *SettlementOps) Transactions(ctx context.Context, batchID string, offset, limit int) ([]*settlement.StoredTransaction, int, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, 0, err
	}
	return o.svc.Transactions(ctx, batchID, offset, limit)
}

// Settlements returns a page of settlements.
func (o *SettlementOps) Settlements(ctx context.Context, f settlement.SettlementFilter) ([]*settlement.Settlement, int, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, 0, err
	}
	return o.svc.Settlements(ctx, f)
}

// CreateBatch batches every unbatched settlement.
func (o *SettlementOps) CreateBatch(ctx context.Context) (*settlement.SettlementBatch, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.CreateSettlementBatch(ctx)
}

// Batches lists the settlement batches.
func (o *SettlementOps) Batches(ctx context.Context) ([]*settlement.SettlementBatch, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.SettlementBatches(ctx)
}

// Settle invoices the settlements not yet invoiced.
func (o *SettlementOps) Settle(ctx context.Context, merchantID string) (string, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return "", err
	}
	return o.svc.SettleMerchants(ctx, merchantID)
}

// Invoices returns a settle run's or a merchant's invoices.
func (o *SettlementOps) Invoices(ctx context.Context, runID, merchantID string) ([]*settlement.Invoice, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.Invoices(ctx, runID, merchantID)
}

// SourceStates returns a merchant's settlement source states.
func (o *SettlementOps) SourceStates(ctx context.Context, merchantID string) ([]*settlement.SourceState, error) {
	if err := authorizeMerchantAdmin(ctx); err != nil {
		return nil, err
	}
	return o.svc.SourceStates(ctx, merchantID)
}
