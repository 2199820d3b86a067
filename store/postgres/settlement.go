package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/settlement"
)

// SettlementStore implements settlement.Store.
type SettlementStore struct {
	db     *DB
	outbox EventWriter
}

// NewSettlementStore returns the settlement store of db; notifications go
// to outbox.
func NewSettlementStore(db *DB, outbox EventWriter) *SettlementStore {
	return &SettlementStore{db: db, outbox: outbox}
}

var _ settlement.Store = (*SettlementStore)(nil)

// stagingColumns are the columns a batch is copied into before it is
// merged: the raw transaction and the engine's result.
var stagingColumns = []string{
	"ord", "transaction_id", "amount", "currency", "transaction_at", "card_acceptor_id", "company_registration_number",
	"card_token_hash", "truncated_card_number", "card_type", "approval_code", "card_acceptor_terminal_id",
	"system_trace_audit_number", "retrieval_reference_number",
	"matched", "reason", "merchant_id", "company_id", "store_id", "campaign_id", "user_share", "provider_share",
	"user_share_type", "provider_share_type", "settlement_id",
}

// IngestBatch copies the batch into a temporary table with COPY (streaming,
// so memory stays flat) and merges it with two set-based statements, all
// in one transaction. It does not check permissions.
func (s *SettlementStore) IngestBatch(ctx context.Context, batch *settlement.TransactionBatch, next func() (*settlement.Ingested, error)) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			CREATE TEMP TABLE ingest_staging (
				ord bigint, transaction_id text, amount numeric, currency text, transaction_at timestamptz,
				card_acceptor_id text, company_registration_number text, card_token_hash bytea,
				truncated_card_number text, card_type text, approval_code text, card_acceptor_terminal_id text,
				system_trace_audit_number text, retrieval_reference_number text,
				matched boolean, reason text, merchant_id text, company_id text, store_id text, campaign_id text,
				user_share numeric, provider_share numeric, user_share_type text, provider_share_type text,
				settlement_id text
			) ON COMMIT DROP`); err != nil {
			return err
		}
		var ord int64
		var row [25]any
		var srcErr error
		src := pgx.CopyFromFunc(func() ([]any, error) {
			in, err := next()
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			if err != nil {
				srcErr = err
				return nil, err
			}
			ord++
			r, res := in.Raw, in.Result
			var merchantID any
			if res.MerchantID != "" {
				merchantID = res.MerchantID
			}
			row = [25]any{ord, r.TransactionID, r.Amount, r.Currency, r.TransactionDateTime, r.CardAcceptorID,
				r.CompanyRegistrationNumber, in.TokenHash, r.TruncatedCardNumber, r.CardType, r.ApprovalCode,
				r.CardAcceptorTerminalID, r.SystemTraceAuditNumber, r.RetrievalReferenceNumber,
				res.Matched, string(res.Reason), merchantID, res.CompanyID, res.StoreID, res.CampaignID,
				res.UserShare, res.ProviderShare, string(res.UserShareType), string(res.ProviderShareType), in.SettlementID}
			return row[:], nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"ingest_staging"}, stagingColumns, src); err != nil {
			if srcErr != nil {
				return srcErr
			}
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO transaction_batches (batch_id, created_at) VALUES ($1, $2)`, batch.BatchID, batch.Created); err != nil {
			return err
		}
		// New transaction ids only; a card matches the user that
		// registered it first.
		tag, err := tx.Exec(ctx, `
			INSERT INTO transactions (transaction_id, batch_id, amount, currency, transaction_at, card_acceptor_id,
				company_registration_number, card_token_hash, truncated_card_number, card_type, approval_code,
				card_acceptor_terminal_id, system_trace_audit_number, retrieval_reference_number, merchant_id,
				state, reason, received_at)
			SELECT s.transaction_id, $1, s.amount, s.currency, s.transaction_at, s.card_acceptor_id,
				s.company_registration_number, s.card_token_hash, s.truncated_card_number, s.card_type, s.approval_code,
				s.card_acceptor_terminal_id, s.system_trace_audit_number, s.retrieval_reference_number, s.merchant_id,
				CASE WHEN s.matched AND c.user_id IS NOT NULL THEN 'settled' ELSE 'unmatched' END,
				CASE WHEN NOT s.matched THEN s.reason WHEN c.user_id IS NULL THEN 'unknown_card' ELSE '' END,
				$2
			FROM ingest_staging s
			LEFT JOIN LATERAL (
				SELECT user_id FROM cards WHERE s.card_token_hash IS NOT NULL AND token_hash = s.card_token_hash
				ORDER BY created_at, card_id LIMIT 1
			) c ON true
			ORDER BY s.ord
			ON CONFLICT (transaction_id) DO NOTHING`, batch.BatchID, batch.Created)
		if err != nil {
			return err
		}
		batch.Transactions = int(tag.RowsAffected())
		tag, err = tx.Exec(ctx, `
			INSERT INTO settlements (settlement_id, merchant_id, company_id, store_id, campaign_id, source, transaction_id,
				transaction_at, processed_at, amount, currency, user_share, provider_share, user_share_type,
				provider_share_type, card_type, truncated_card_number, user_id)
			SELECT DISTINCT ON (s.transaction_id) s.settlement_id, s.merchant_id, s.company_id, s.store_id, s.campaign_id,
				'transaction', s.transaction_id, s.transaction_at, $2, s.amount, s.currency, s.user_share,
				s.provider_share, s.user_share_type, s.provider_share_type, s.card_type, s.truncated_card_number, c.user_id
			FROM ingest_staging s
			JOIN transactions t ON t.transaction_id = s.transaction_id AND t.batch_id = $1 AND t.state = 'settled'
			CROSS JOIN LATERAL (
				SELECT user_id FROM cards WHERE token_hash = s.card_token_hash ORDER BY created_at, card_id LIMIT 1
			) c
			ORDER BY s.transaction_id, s.ord`, batch.BatchID, batch.Created)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE transaction_batches SET transactions = $2, settled = $3 WHERE batch_id = $1`,
			batch.BatchID, batch.Transactions, tag.RowsAffected())
		return err
	})
	return mapError(err, "transaction batch")
}

// TransactionBatches lists the batches, newest first.
func (s *SettlementStore) TransactionBatches(ctx context.Context) ([]*settlement.TransactionBatch, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT batch_id, transactions, created_at FROM transaction_batches ORDER BY created_at DESC, batch_id`)
	if err != nil {
		return nil, mapError(err, "transaction batches")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*settlement.TransactionBatch, error) {
		var b settlement.TransactionBatch
		return &b, r.Scan(&b.BatchID, &b.Transactions, &b.Created)
	})
	return out, mapError(err, "transaction batches")
}

// Transactions returns a page of a batch's transactions.
func (s *SettlementStore) Transactions(ctx context.Context, batchID string, offset, limit int) ([]*settlement.StoredTransaction, int, error) {
	var exists bool
	if err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM transaction_batches WHERE batch_id = $1)`, batchID).Scan(&exists); err != nil {
		return nil, 0, mapError(err, "transactions")
	}
	if !exists {
		return nil, 0, errs.NotFoundf("transaction batch not found")
	}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT transaction_id, amount, currency, transaction_at, card_acceptor_id, company_registration_number,
			truncated_card_number, card_type, approval_code, card_acceptor_terminal_id, system_trace_audit_number,
			retrieval_reference_number, batch_id, COALESCE(merchant_id, ''), state, reason, received_at,
			count(*) OVER ()
		FROM transactions WHERE batch_id = $1 ORDER BY transaction_id OFFSET $2 LIMIT $3`, batchID, offset, limit)
	if err != nil {
		return nil, 0, mapError(err, "transactions")
	}
	defer rows.Close()
	var out []*settlement.StoredTransaction
	total := 0
	for rows.Next() {
		var t settlement.StoredTransaction
		if err := rows.Scan(&t.TransactionID, &t.Amount, &t.Currency, &t.TransactionDateTime, &t.CardAcceptorID,
			&t.CompanyRegistrationNumber, &t.TruncatedCardNumber, &t.CardType, &t.ApprovalCode, &t.CardAcceptorTerminalID,
			&t.SystemTraceAuditNumber, &t.RetrievalReferenceNumber, &t.BatchID, &t.MerchantID, &t.State, &t.Reason,
			&t.ReceivedAt, &total); err != nil {
			return nil, 0, mapError(err, "transactions")
		}
		out = append(out, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapError(err, "transactions")
	}
	if len(out) == 0 {
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM transactions WHERE batch_id = $1`, batchID).Scan(&total); err != nil {
			return nil, 0, mapError(err, "transactions")
		}
	}
	return out, total, nil
}

const settlementColumns = `settlement_id, COALESCE(settlement_batch_id, ''), merchant_id, company_id, store_id, campaign_id,
	source, transaction_id, transaction_at, processed_at, amount, currency, user_share, provider_share, user_share_type,
	provider_share_type, card_type, truncated_card_number, user_id`

func scanSettlement(r pgx.Row, extra ...any) (*settlement.Settlement, error) {
	var st settlement.Settlement
	var source, ut, pt string
	dest := []any{&st.SettlementID, &st.BatchID, &st.MerchantID, &st.CompanyID, &st.StoreID, &st.CampaignID, &source,
		&st.TransactionID, &st.TransactionDateTime, &st.ProcessedDateTime, &st.Amount, &st.Currency, &st.UserShare,
		&st.ProviderShare, &ut, &pt, &st.CardType, &st.TruncatedCardNumber, &st.UserID}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	st.Source, st.UserShareType, st.ProviderShareType = settlement.Source(source), merchant.ShareType(ut), merchant.ShareType(pt)
	return &st, nil
}

// Settlements returns a page of settlements matching f, and the total.
func (s *SettlementStore) Settlements(ctx context.Context, f settlement.SettlementFilter) ([]*settlement.Settlement, int, error) {
	where := "true"
	args := []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.From != nil {
		add("processed_at >= $%d", *f.From)
	}
	if f.To != nil {
		add("processed_at <= $%d", *f.To)
	}
	if f.BatchID != "" {
		add("settlement_batch_id = $%d", f.BatchID)
	}
	if len(f.MerchantIDs) > 0 {
		add("merchant_id = ANY($%d)", f.MerchantIDs)
	}
	args = append(args, f.Offset, f.Limit)
	rows, err := s.db.Pool.Query(ctx, `SELECT `+settlementColumns+`, count(*) OVER () FROM settlements WHERE `+where+
		fmt.Sprintf(` ORDER BY processed_at, settlement_id OFFSET $%d LIMIT $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, mapError(err, "settlements")
	}
	defer rows.Close()
	var out []*settlement.Settlement
	total := 0
	for rows.Next() {
		st, err := scanSettlement(rows, &total)
		if err != nil {
			return nil, 0, mapError(err, "settlements")
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapError(err, "settlements")
	}
	if len(out) == 0 {
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM settlements WHERE `+where, args[:len(args)-2]...).Scan(&total); err != nil {
			return nil, 0, mapError(err, "settlements")
		}
	}
	return out, total, nil
}

// broadcast writes one event of type typ to every owner with an endpoint
// for it.
func (s *SettlementStore) broadcast(ctx context.Context, tx pgx.Tx, typ notify.EventType, query map[string]string) error {
	if s.outbox == nil {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT owner_id FROM notification_endpoints WHERE type = $1`, string(typ))
	if err != nil {
		return err
	}
	owners, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	events := make([]notify.Event, len(owners))
	for i, o := range owners {
		events[i] = notify.Event{Type: typ, OwnerID: o, Query: query}
	}
	return s.outbox.Enqueue(ctx, tx, events...)
}

// CreateSettlementBatch moves every unbatched settlement into a new batch.
// Row locks make a concurrent batch skip the settlements this one took.
func (s *SettlementStore) CreateSettlementBatch(ctx context.Context, batchID string, now time.Time) (*settlement.SettlementBatch, error) {
	b := &settlement.SettlementBatch{BatchID: batchID, Created: now}
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settlement_batches (batch_id, created_at) VALUES ($1, $2)`, batchID, now); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE settlements SET settlement_batch_id = $1 WHERE settlement_batch_id IS NULL`, batchID)
		if err != nil {
			return err
		}
		b.Settlements = int(tag.RowsAffected())
		if _, err := tx.Exec(ctx, `UPDATE settlement_batches SET settlements = $2 WHERE batch_id = $1`, batchID, b.Settlements); err != nil {
			return err
		}
		return s.broadcast(ctx, tx, notify.EventNewSettlementBatch, map[string]string{"batchId": batchID})
	})
	if err != nil {
		return nil, mapError(err, "settlement batch")
	}
	return b, nil
}

// SettlementBatches lists the settlement batches, newest first.
func (s *SettlementStore) SettlementBatches(ctx context.Context) ([]*settlement.SettlementBatch, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT batch_id, settlements, created_at FROM settlement_batches ORDER BY created_at DESC, batch_id`)
	if err != nil {
		return nil, mapError(err, "settlement batches")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*settlement.SettlementBatch, error) {
		var b settlement.SettlementBatch
		return &b, r.Scan(&b.BatchID, &b.Settlements, &b.Created)
	})
	return out, mapError(err, "settlement batches")
}

// Settle invoices every settlement not yet invoiced into a new settle run.
// The UPDATE takes each settlement's row lock, so a concurrent run skips
// what this one took.
func (s *SettlementStore) Settle(ctx context.Context, runID, merchantID string, now time.Time) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var m any
		if merchantID != "" {
			m = merchantID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO settle_runs (settlement_id, merchant_id, created_at) VALUES ($1, $2, $3)`, runID, m, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			WITH picked AS (
				UPDATE settlements SET settle_run_id = $1
				WHERE settle_run_id IS NULL AND ($2::text IS NULL OR merchant_id = $2)
				RETURNING merchant_id, currency, user_share, provider_share
			)
			INSERT INTO invoices (settlement_id, merchant_id, type, amount, currency, settlement_count, created_at)
			SELECT $1, merchant_id, 'userShare', sum(user_share), currency, count(*), $3::timestamptz FROM picked GROUP BY merchant_id, currency
			UNION ALL
			SELECT $1, merchant_id, 'providerShare', sum(provider_share), currency, count(*), $3::timestamptz FROM picked GROUP BY merchant_id, currency`,
			runID, m, now); err != nil {
			return err
		}
		return s.broadcast(ctx, tx, notify.EventMerchantsSettled, map[string]string{"settlementId": runID})
	})
	return mapError(err, "settle run")
}

// Invoices returns the invoices of a settle run and/or a merchant.
func (s *SettlementStore) Invoices(ctx context.Context, runID, merchantID string) ([]*settlement.Invoice, error) {
	if runID != "" {
		var exists bool
		if err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM settle_runs WHERE settlement_id = $1)`, runID).Scan(&exists); err != nil {
			return nil, mapError(err, "invoices")
		}
		if !exists {
			return nil, errs.NotFoundf("settlement not found")
		}
	}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT settlement_id, merchant_id, type, amount, currency, settlement_count, created_at FROM invoices
		WHERE ($1 = '' OR settlement_id = $1) AND ($2 = '' OR merchant_id = $2)
		ORDER BY created_at, settlement_id, merchant_id, type DESC, currency`, runID, merchantID)
	if err != nil {
		return nil, mapError(err, "invoices")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*settlement.Invoice, error) {
		var inv settlement.Invoice
		var typ string
		err := r.Scan(&inv.SettlementID, &inv.MerchantID, &typ, &inv.Amount, &inv.Currency, &inv.SettlementCount, &inv.Created)
		inv.Type = settlement.InvoiceType(typ)
		return &inv, err
	})
	return out, mapError(err, "invoices")
}

// SourceStates returns, per settlement source, how many of a merchant's
// transactions were settled and left unmatched, and when the last came.
func (s *SettlementStore) SourceStates(ctx context.Context, merchantID string) ([]*settlement.SourceState, error) {
	st := &settlement.SourceState{MerchantID: merchantID, Source: settlement.SourceTransaction}
	err := s.db.Pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE state = 'settled'), count(*) FILTER (WHERE state = 'unmatched'), max(received_at)
		FROM transactions WHERE merchant_id = $1`, merchantID).Scan(&st.Settled, &st.Unmatched, &st.LastReceived)
	if err != nil {
		return nil, mapError(err, "source states")
	}
	if err := s.db.Pool.QueryRow(ctx, `
		SELECT max(processed_at), count(*) FILTER (WHERE settlement_batch_id IS NULL)
		FROM settlements WHERE merchant_id = $1 AND source = 'transaction'`, merchantID).Scan(&st.LastSettled, &st.UnbatchedCount); err != nil {
		return nil, mapError(err, "source states")
	}
	rc := &settlement.SourceState{MerchantID: merchantID, Source: settlement.SourceReceipt}
	if err := s.db.Pool.QueryRow(ctx, `
		SELECT count(*), max(processed_at), count(*) FILTER (WHERE settlement_batch_id IS NULL)
		FROM settlements WHERE merchant_id = $1 AND source = 'receipt'`, merchantID).Scan(&rc.Settled, &rc.LastSettled, &rc.UnbatchedCount); err != nil {
		return nil, mapError(err, "source states")
	}
	return []*settlement.SourceState{st, rc}, nil
}

// MerchantExists reports whether a merchant exists.
func (s *SettlementStore) MerchantExists(ctx context.Context, merchantID string) (bool, error) {
	var ok bool
	err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM merchants WHERE merchant_id = $1)`, merchantID).Scan(&ok)
	return ok, mapError(err, "merchant")
}

var _ = decimal.Zero
