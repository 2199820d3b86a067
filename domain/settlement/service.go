package settlement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
)

// RulesSource loads every merchant's settlement rules.
type RulesSource interface {
	AllRules(ctx context.Context) ([]*Rules, error)
}

// TokenHasher makes the keyed hash that cards are found by.
type TokenHasher interface {
	LookupHash(value []byte) []byte
}

// Ingested is one raw transaction with what the engine made of it, ready to
// be stored.
type Ingested struct {
	Raw          *RawTransaction
	TokenHash    []byte
	Result       Result
	SettlementID string
}

// Store persists transactions, settlements, batches and invoices. Its
// methods do not check permissions.
type Store interface {
	// IngestBatch stores a new transaction batch from next (io.EOF ends it)
	// in one transaction, streaming; transaction ids seen before are
	// skipped. A matched transaction whose card belongs to a user becomes a
	// settlement; the rest are kept as unmatched. It returns the batch with
	// the number of new transactions.
	IngestBatch(ctx context.Context, batch *TransactionBatch, next func() (*Ingested, error)) error
	// TransactionBatches returns a page of the transaction batches, newest
	// first, and the number of batches f selects.
	TransactionBatches(ctx context.Context, f BatchFilter) ([]*TransactionBatch, int, error)
	Transactions(ctx context.Context, batchID string, offset, limit int) ([]*StoredTransaction, int, error)
	Settlements(ctx context.Context, f SettlementFilter) ([]*Settlement, int, error)
	// CreateSettlementBatch puts every settlement not yet in a batch into a
	// new batch, atomically, and writes its notification.
	// ownerID (0: every merchant) limits it to one client's merchants.
	CreateSettlementBatch(ctx context.Context, batchID string, ownerID int64, now time.Time) (*SettlementBatch, error)
	// SettlementBatches returns a page of the settlement batches, newest
	// first, and the number of batches f selects.
	SettlementBatches(ctx context.Context, f BatchFilter) ([]*SettlementBatch, int, error)
	// Settle sums every settlement not yet invoiced (of one merchant, or
	// all when merchantID is "") into invoices of a new settle run,
	// atomically, and writes its notification.
	// ownerID (0: every merchant) limits it to one client's merchants.
	Settle(ctx context.Context, runID, merchantID string, ownerID int64, now time.Time) error
	// Invoices returns a settle run's and/or a merchant's invoices, of the
	// merchants of ownerID (0: of every merchant).
	Invoices(ctx context.Context, ownerID int64, runID, merchantID string) ([]*Invoice, error)
	SourceStates(ctx context.Context, merchantID string) ([]*SourceState, error)
	MerchantExists(ctx context.Context, merchantID string) (bool, error)
}

// BatchFilter selects a page of transaction or settlement batches.
type BatchFilter struct {
	// IDs limits the list to these batch ids; nil means every batch.
	IDs []string
	// OwnerID limits the list to one settlement client's batches; 0 means
	// every batch.
	OwnerID int64
	Offset  int
	Limit   int
}

// StoredTransaction is a raw transaction as stored, with its outcome.
type StoredTransaction struct {
	RawTransaction
	BatchID    string
	MerchantID string
	State      string
	Reason     string
	ReceivedAt time.Time
}

// Service holds the settlement rules around the engine.
type Service struct {
	store  Store
	rules  RulesSource
	hasher TokenHasher
	now    func() time.Time
}

// NewService returns the settlement service.
func NewService(store Store, rules RulesSource, hasher TokenHasher, now func() time.Time) *Service {
	return &Service{store: store, rules: rules, hasher: hasher, now: now}
}

// router finds the merchant whose rules settle a transaction: a
// transaction-sourced store with its store number wins, else a company
// with its registration number.
type router struct {
	byStore   map[string]*Index
	byCompany map[string]*Index
}

func newRouter(all []*Rules) *router {
	rt := &router{byStore: map[string]*Index{}, byCompany: map[string]*Index{}}
	for _, r := range all {
		x := r.Index()
		for _, s := range r.Stores {
			if s.Source == SourceTransaction || s.Source == "" {
				rt.byStore[s.StoreNumber] = x
			}
		}
		for _, c := range r.Companies {
			if _, taken := rt.byCompany[c.RegistrationNumber]; !taken {
				rt.byCompany[c.RegistrationNumber] = x
			}
		}
	}
	return rt
}

func (rt *router) settle(t Transaction) Result {
	if x, ok := rt.byStore[t.StoreNumber]; ok && t.StoreNumber != "" {
		return x.SettleTransaction(t)
	}
	if x, ok := rt.byCompany[t.CompanyRegistrationNumber]; ok && t.CompanyRegistrationNumber != "" {
		return x.SettleTransaction(t)
	}
	return Result{Reason: ReasonNoMatch, Amount: t.Amount, Currency: t.Currency}
}

// IngestTransactions reads a batch of raw transactions from r, settles each
// one and stores them, streaming: memory does not grow with the batch. A
// bad transaction refuses the whole batch, naming its index and field.
//
// Settlement ids have the shape of ids.New (32 of [0-9a-z]) but sort in the
// order the batch made them: 9 characters of the batch's time in
// milliseconds and 6 of a sequence number (base 36, wrapping after 36^6),
// then 17 random ones. A batch's settlements are then appended to the
// indexes on settlement_id instead of being scattered over them, which
// halves what storing the settlements of a large batch costs.
//
// The batch belongs to ownerID, the settlement client that posts it (0 for
// an admin), and settles for that client's merchants only.
func (s *Service) IngestTransactions(ctx context.Context, ownerID int64, r TransactionReader) (*TransactionBatch, error) {
	all, err := s.rules.AllRules(ctx)
	if err != nil {
		return nil, err
	}
	if ownerID != 0 {
		all = slices.DeleteFunc(all, func(r *Rules) bool { return r.OwnerID != ownerID })
	}
	rt := newRouter(all)
	now := s.now().UTC().Truncate(time.Microsecond) // as stored
	batch := &TransactionBatch{BatchID: ids.New(), Created: now, OwnerID: ownerID}
	const (
		timeLen, seqLen = 9, 6
		randLen         = ids.StoreboxLength - timeLen - seqLen
		randBlock       = 64 // ids' worth of random characters drawn at once
	)
	idBuf := make([]byte, ids.StoreboxLength)
	ms := strconv.FormatInt(max(now.UnixMilli(), 0), 36)
	copy(idBuf[max(timeLen-len(ms), 0):timeLen], ms)
	for i := 0; i < timeLen-len(ms); i++ {
		idBuf[i] = '0'
	}
	var random string
	seq := 0
	settlementID := func() string {
		if seq%randBlock == 0 {
			random = ids.LowerAlnum(randLen * randBlock)
		}
		k := seq % randBlock
		for i, v := timeLen+seqLen-1, seq; i >= timeLen; i, v = i-1, v/36 {
			idBuf[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[v%36]
		}
		copy(idBuf[timeLen+seqLen:], random[k*randLen:(k+1)*randLen])
		seq++
		return string(idBuf)
	}
	n := 0
	next := func() (*Ingested, error) {
		raw, err := r.Next()
		if err != nil {
			return nil, err // io.EOF included
		}
		if err := raw.Validate(""); err != nil {
			// Again with the prefix, which is only built when needed.
			return nil, raw.Validate(fmt.Sprintf("transactions[%d].", n))
		}
		n++
		in := &Ingested{Raw: raw}
		if raw.CardToken != "" {
			in.TokenHash = s.hasher.LookupHash([]byte(raw.CardToken))
		}
		in.Result = rt.settle(Transaction{
			TransactionID: raw.TransactionID, Amount: raw.Amount, Currency: raw.Currency, At: raw.TransactionDateTime,
			StoreNumber: raw.CardAcceptorID, CompanyRegistrationNumber: raw.CompanyRegistrationNumber,
		})
		if in.Result.Matched {
			in.SettlementID = settlementID() // only a matched transaction can become a settlement
		}
		return in, nil
	}
	if err := s.store.IngestBatch(ctx, batch, next); err != nil {
		var e *errs.Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, err
	}
	return batch, nil
}

// TransactionBatches returns a page of the transaction batches, newest
// first, and the number of batches f selects.
func (s *Service) TransactionBatches(ctx context.Context, f BatchFilter) ([]*TransactionBatch, int, error) {
	if err := validatePage(f.Offset, f.Limit); err != nil {
		return nil, 0, err
	}
	return s.store.TransactionBatches(ctx, f)
}

// Transactions returns a page of a batch's raw transactions.
func (s *Service) Transactions(ctx context.Context, batchID string, offset, limit int) ([]*StoredTransaction, int, error) {
	if err := validatePage(offset, limit); err != nil {
		return nil, 0, err
	}
	return s.store.Transactions(ctx, batchID, offset, limit)
}

// Settlements returns a page of settlements.
func (s *Service) Settlements(ctx context.Context, f SettlementFilter) ([]*Settlement, int, error) {
	if err := validatePage(f.Offset, f.Limit); err != nil {
		return nil, 0, err
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		return nil, 0, errs.InvalidField("period.end", "enddate must not be before startdate")
	}
	return s.store.Settlements(ctx, f)
}

// CreateSettlementBatch batches every unbatched settlement of the merchants
// of ownerID (0: of every merchant).
func (s *Service) CreateSettlementBatch(ctx context.Context, ownerID int64) (*SettlementBatch, error) {
	return s.store.CreateSettlementBatch(ctx, ids.New(), ownerID, s.now().UTC().Truncate(time.Microsecond))
}

// SettlementBatches returns a page of the settlement batches, newest
// first, and the number of batches f selects.
func (s *Service) SettlementBatches(ctx context.Context, f BatchFilter) ([]*SettlementBatch, int, error) {
	if err := validatePage(f.Offset, f.Limit); err != nil {
		return nil, 0, err
	}
	return s.store.SettlementBatches(ctx, f)
}

// SettleMerchants invoices every settlement not yet invoiced, of one
// merchant or all of ownerID's (0: of every merchant), and returns the
// settle run's id.
func (s *Service) SettleMerchants(ctx context.Context, ownerID int64, merchantID string) (string, error) {
	if merchantID != "" {
		ok, err := s.store.MerchantExists(ctx, merchantID)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", &errs.Error{Code: errs.NotFound, Field: "settleRun.merchantId", Message: "no merchant with this id"}
		}
	}
	runID := ids.New()
	return runID, s.store.Settle(ctx, runID, merchantID, ownerID, s.now().UTC().Truncate(time.Microsecond))
}

// Invoices returns a settle run's invoices, or a merchant's, of the
// merchants of ownerID (0: of every merchant).
func (s *Service) Invoices(ctx context.Context, ownerID int64, runID, merchantID string) ([]*Invoice, error) {
	return s.store.Invoices(ctx, ownerID, runID, merchantID)
}

// SourceStates returns a merchant's settlement source states.
func (s *Service) SourceStates(ctx context.Context, merchantID string) ([]*SourceState, error) {
	return s.store.SourceStates(ctx, merchantID)
}
