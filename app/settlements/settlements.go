// Package settlements is the application layer of the settlement context:
// transaction ingestion, settlements, settlement batches, settle runs,
// invoices and source states, for both doors. Each operation authorizes the
// principal by its rule in policy and keeps a settlement client to the
// settlements of its own merchants.
package settlements

import (
	"context"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/settlement"
)

// Merchants finds a merchant, to tell which settlement client owns it.
type Merchants interface {
	// FindMerchantByID returns the merchant, or a not-found error.
	FindMerchantByID(ctx context.Context, id string) (*merchant.Merchant, error)
}

// Ops are the settlement operations.
type Ops struct {
	svc       *settlement.Service
	merchants Merchants
	// purchases earn the linked loyalty customers points for settled
	// transactions (seed 003).
	purchases BatchPurchases
}

// BatchPurchases earns loyalty points for the settled transactions of a
// batch (loyalty.Points).
type BatchPurchases interface {
	EarnFromTransactionBatch(ctx context.Context, batchID string) error
}

// WithPurchases lets settled transactions earn points for the loyalty
// customer linked to the user that paid them, once per transaction.
func WithPurchases(o *Ops, p BatchPurchases) *Ops {
	o.purchases = p
	return o
}

// New returns the settlement operations.
func New(svc *settlement.Service, merchants Merchants) *Ops {
	return &Ops{svc: svc, merchants: merchants}
}

var (
	// clients: settlement clients reach their own merchants' settlements
	// and the batches and settle runs they made; admins reach all.
	clients = authz.Allow(authz.ScopeOwnMerchants, auth.KindSettlement, auth.KindAdmin)
)

var policy = authz.NewPolicy("settlements", map[string]authz.Rule{
	"Ingest": clients, "TransactionBatches": clients, "Transactions": clients,
	"CreateBatch": clients, "Batches": clients,
	"Settlements": clients, "Settle": clients, "Invoices": clients, "SourceStates": clients,
})

// tenant checks op's rule and returns the settlement client whose data the
// caller reaches: itself, or 0 (everyone's) for an admin.
func tenant(ctx context.Context, op string) (int64, error) {
	p, err := policy.Authorize(ctx, op)
	if err != nil {
		return 0, err
	}
	if p.Kind == auth.KindAdmin {
		return 0, nil
	}
	return p.CredentialID, nil
}

// Policy returns the rules of the settlement operations.
func Policy() *authz.Policy { return policy }

// reaches reports whether tenant t reaches merchant merchantID: an admin
// (t = 0) every merchant, a settlement client its own.
// SECURITY: another client's merchant is reported like an unknown one.
func (o *Ops) reaches(ctx context.Context, t int64, merchantID string) (bool, error) {
	if t == 0 {
		return true, nil
	}
	m, err := o.merchants.FindMerchantByID(ctx, merchantID)
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return m.OwnerID == t, nil
}

// Ingest stores a batch of raw transactions for the caller and settles
// them against the caller's merchants.
func (o *Ops) Ingest(ctx context.Context, r settlement.TransactionReader) (*settlement.TransactionBatch, error) {
	t, err := tenant(ctx, "Ingest")
	if err != nil {
		return nil, err
	}
	b, err := o.svc.IngestTransactions(ctx, t, r)
	if err != nil {
		return nil, err
	}
	if o.purchases != nil {
		if err := o.purchases.EarnFromTransactionBatch(ctx, b.BatchID); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// TransactionBatches returns a page of the transaction batches and their
// number.
func (o *Ops) TransactionBatches(ctx context.Context, f settlement.BatchFilter) ([]*settlement.TransactionBatch, int, error) {
	t, err := tenant(ctx, "TransactionBatches")
	if err != nil {
		return nil, 0, err
	}
	f.OwnerID = t
	return o.svc.TransactionBatches(ctx, f)
}

// Transactions returns a page of the raw transactions of one of the
// caller's batches.
func (o *Ops) Transactions(ctx context.Context, batchID string, offset, limit int) ([]*settlement.StoredTransaction, int, error) {
	t, err := tenant(ctx, "Transactions")
	if err != nil {
		return nil, 0, err
	}
	// SECURITY: another client's batch answers like an unknown one (404).
	mine, _, err := o.svc.TransactionBatches(ctx, settlement.BatchFilter{IDs: []string{batchID}, OwnerID: t, Limit: 1})
	if err != nil {
		return nil, 0, err
	}
	if len(mine) == 0 {
		return nil, 0, errs.NotFoundf("transaction batch not found")
	}
	return o.svc.Transactions(ctx, batchID, offset, limit)
}

// Settlements returns a page of the settlements of the merchants within
// reach. Those of one batch (f.BatchID) are not found when the batch is
// unknown and holds none of them.
func (o *Ops) Settlements(ctx context.Context, f settlement.SettlementFilter) ([]*settlement.Settlement, int, error) {
	t, err := tenant(ctx, "Settlements")
	if err != nil {
		return nil, 0, err
	}
	f.OwnerID = t
	list, total, err := o.svc.Settlements(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	if f.BatchID != "" && total == 0 {
		// SECURITY: another client's batch answers like an unknown one
		// (404), unless it holds settlements of the caller's merchants.
		mine, _, err := o.svc.SettlementBatches(ctx, settlement.BatchFilter{IDs: []string{f.BatchID}, OwnerID: t, Limit: 1})
		if err != nil {
			return nil, 0, err
		}
		if len(mine) == 0 {
			return nil, 0, errs.NotFoundf("settlement batch not found")
		}
	}
	return list, total, nil
}

// CreateBatch batches every unbatched settlement of the caller's merchants.
func (o *Ops) CreateBatch(ctx context.Context) (*settlement.SettlementBatch, error) {
	t, err := tenant(ctx, "CreateBatch")
	if err != nil {
		return nil, err
	}
	return o.svc.CreateSettlementBatch(ctx, t)
}

// Batches returns a page of the settlement batches and their number.
func (o *Ops) Batches(ctx context.Context, f settlement.BatchFilter) ([]*settlement.SettlementBatch, int, error) {
	t, err := tenant(ctx, "Batches")
	if err != nil {
		return nil, 0, err
	}
	f.OwnerID = t
	return o.svc.SettlementBatches(ctx, f)
}

// Settle invoices the settlements not yet invoiced, of one merchant within
// reach or, for "", of every merchant within reach.
func (o *Ops) Settle(ctx context.Context, merchantID string) (string, error) {
	t, err := tenant(ctx, "Settle")
	if err != nil {
		return "", err
	}
	if merchantID != "" {
		ok, err := o.reaches(ctx, t, merchantID)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", &errs.Error{Code: errs.NotFound, Field: "settleRun.merchantId", Message: "no merchant with this id"}
		}
	}
	return o.svc.SettleMerchants(ctx, t, merchantID)
}

// Invoices returns a settle run's or a merchant's invoices, of the
// merchants within reach.
func (o *Ops) Invoices(ctx context.Context, runID, merchantID string) ([]*settlement.Invoice, error) {
	t, err := tenant(ctx, "Invoices")
	if err != nil {
		return nil, err
	}
	return o.svc.Invoices(ctx, t, runID, merchantID)
}

// SourceStates returns the settlement source states of a merchant within
// reach.
func (o *Ops) SourceStates(ctx context.Context, merchantID string) ([]*settlement.SourceState, error) {
	t, err := tenant(ctx, "SourceStates")
	if err != nil {
		return nil, err
	}
	if ok, err := o.reaches(ctx, t, merchantID); err != nil || !ok {
		return []*settlement.SourceState{}, err
	}
	return o.svc.SourceStates(ctx, merchantID)
}
