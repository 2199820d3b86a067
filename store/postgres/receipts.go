package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/domain/settlement"
)

// ReceiptStore implements receipt.Store.
type ReceiptStore struct {
	db     *DB
	outbox EventWriter
}

// NewReceiptStore returns the receipt store of db; RECEIPT notifications go
// to outbox (nil: none are written).
func NewReceiptStore(db *DB, outbox EventWriter) *ReceiptStore {
	return &ReceiptStore{db: db, outbox: outbox}
}

var _ receipt.Store = (*ReceiptStore)(nil)

// receiptBody is the JSONB document of a receipt: what is read and written
// whole and never queried inside.
type receiptBody struct {
	VATRates  []receipt.VATRate `json:"vatRates"`
	Lines     []receipt.Line    `json:"lines"`
	Payments  []receipt.Payment `json:"payments"`
	Barcode   *receipt.Barcode  `json:"barcode,omitempty"`
	Customer  *receipt.Customer `json:"customer,omitempty"`
	Optionals receipt.Optionals `json:"optionals"`
}

func bodyOf(r *receipt.Receipt) ([]byte, error) {
	return json.Marshal(receiptBody{VATRates: r.VATRates, Lines: r.Lines, Payments: r.Payments, Barcode: r.Barcode,
		Customer: r.Customer, Optionals: r.Optionals})
}

func (b *receiptBody) into(r *receipt.Receipt) {
	r.VATRates, r.Lines, r.Payments, r.Barcode, r.Customer, r.Optionals = b.VATRates, b.Lines, b.Payments, b.Barcode, b.Customer, b.Optionals
}

// sortName is what the list orders "by store" by: the store's name, else
// the merchant's.
func sortName(r *receipt.Receipt) string {
	if r.StoreName != "" {
		return strings.ToLower(r.StoreName)
	}
	return strings.ToLower(r.Merchant.Name)
}

func offsetOf(t time.Time) int {
	_, off := t.Zone()
	return off
}

// SaveReceipt inserts r or replaces the content of the merchant's receipt
// with the same external id and type, stores the card token hashes, links
// the receipt to every user with a card of one of those hashes, writes the
// users' notifications and settles the receipt as save says, in one
// transaction. It does not check permissions.
func (s *ReceiptStore) SaveReceipt(ctx context.Context, r *receipt.Receipt, save receipt.Save) (bool, []receipt.Match, error) {
	body, err := bodyOf(r)
	if err != nil {
		return false, nil, err
	}
	var created bool
	var matches []receipt.Match
	var customerType, customerCID *string
	if c := r.Customer; c != nil && c.CID != "" {
		customerType, customerCID = &c.UserIDType, &c.CID
	}
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO receipts (receipt_id, merchant_id, external_id_type, external_id, purchased_at, purchase_offset,
				store_id, store_name, grand_total, currency, vat_total, body, search_text, created_at, updated_at,
				customer_type, customer_cid)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16)
			ON CONFLICT (merchant_id, external_id_type, external_id) WHERE NOT is_copy DO UPDATE SET
				purchased_at = EXCLUDED.purchased_at, purchase_offset = EXCLUDED.purchase_offset,
				store_id = EXCLUDED.store_id, store_name = EXCLUDED.store_name, grand_total = EXCLUDED.grand_total,
				currency = EXCLUDED.currency, vat_total = EXCLUDED.vat_total, body = EXCLUDED.body,
				search_text = EXCLUDED.search_text, updated_at = EXCLUDED.updated_at,
				customer_type = EXCLUDED.customer_type, customer_cid = EXCLUDED.customer_cid
			RETURNING receipt_id, created_at, (xmax = 0)`,
			r.ID, r.MerchantID, r.ExternalIDType, r.ExternalID, r.PurchaseDateTime, offsetOf(r.PurchaseDateTime),
			r.StoreID, r.StoreName, r.Total.Amount, r.Total.Currency, r.VAT(), body, r.SearchText, r.UpdatedAt,
			customerType, customerCID,
		).Scan(&r.ID, &r.CreatedAt, &created)
		if err != nil {
			return err
		}
		// The users who have the receipt already see the new content.
		if _, err := tx.Exec(ctx, `UPDATE receipt_users SET purchased_at = $2, grand_total = $3, store_name = $4
			WHERE receipt_id = $1`, r.ID, r.PurchaseDateTime, r.Total.Amount, sortName(r)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM receipt_card_tokens WHERE receipt_id = $1`, r.ID); err != nil {
			return err
		}
		var idx []int32
		var hashes [][]byte
		for i, h := range r.TokenHashes {
			if h != nil {
				idx, hashes = append(idx, int32(i)), append(hashes, h)
			}
		}
		if len(hashes) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO receipt_card_tokens (receipt_id, payment_index, token_hash)
				SELECT $1, i, h FROM unnest($2::int[], $3::bytea[]) AS t(i, h)`, r.ID, idx, hashes); err != nil {
				return err
			}
		}
		// The users of the receipt, earliest card first (a receipt is
		// settled for the user who registered the card first, as a
		// transaction is): the owners of its cards; every other partner's
		// user mapped to the same Storebox account as a card's owner (the
		// card belongs to the account); and the whitelabel users its
		// customer block names (only the partner the type is issued to
		// has users of the type).
		rows, err := tx.Query(ctx, `
			SELECT user_id, provider_id, card_id, truncated_pan, token_hash FROM (
				SELECT c.user_id, c.provider_id, c.card_id, c.truncated_pan, c.token_hash, 0 AS rank, c.created_at
				FROM cards c WHERE c.token_hash = ANY($1)
				UNION ALL
				SELECT s.user_id, s.provider_id, c.card_id, c.truncated_pan, c.token_hash, 1, c.created_at
				FROM cards c JOIN users o ON o.user_id = c.user_id
					JOIN users s ON s.account_id = o.account_id AND s.user_id <> o.user_id
				WHERE c.token_hash = ANY($1)
				UNION ALL
				SELECT w.user_id, w.provider_id, '', '', NULL::bytea, 2, w.created_at
				FROM users w WHERE w.kind = 'whitelabel' AND w.user_id_type = $2 AND w.cid = $3
			) m ORDER BY rank, created_at, card_id, user_id`, hashes, customerType, customerCID)
		if err != nil {
			return err
		}
		matches, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (receipt.Match, error) {
			var m receipt.Match
			err := row.Scan(&m.UserID, &m.ProviderID, &m.Card.CardID, &m.Card.TruncatedCardNumber, &m.TokenHash)
			return m, err
		})
		if err != nil {
			return err
		}
		if len(matches) == 0 {
			return nil
		}
		users := make([]string, 0, len(matches))
		seen := map[string]bool{}
		for _, m := range matches {
			if !seen[m.UserID] {
				seen[m.UserID] = true
				users = append(users, m.UserID)
			}
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO receipt_users (user_id, receipt_id, merchant_id, purchased_at, grand_total, store_name, created_at)
			SELECT u, $2, $3, $4, $5, $6, $7 FROM unnest($1::text[]) AS u
			ON CONFLICT (user_id, receipt_id) DO NOTHING`,
			users, r.ID, r.MerchantID, r.PurchaseDateTime, r.Total.Amount, sortName(r), r.UpdatedAt)
		if err != nil {
			return err
		}
		if save.Events != nil && s.outbox != nil {
			if err := s.outbox.Enqueue(ctx, tx, save.Events(r, created, matches)...); err != nil {
				return err
			}
		}
		if matches[0].Card.CardID == "" {
			// Matched by its customer block only: no card of a user paid,
			// and only card payments of users are settled.
			return nil
		}
		return settleReceipt(ctx, tx, r, matches[0], save.Settlements)
	})
	if err != nil {
		return false, nil, mapReceiptError(err)
	}
	return created, matches, nil
}

// settleReceipt stores the line settlements of r for the user of match m,
// and their lot, unless r has settlements already: a receipt is settled
// once, by its first version that matched a user. The receipt's row lock,
// taken by its upsert, orders concurrent posts of the same receipt.
func settleReceipt(ctx context.Context, tx pgx.Tx, r *receipt.Receipt, m receipt.Match, lines []*settlement.Settlement) error {
	if len(lines) == 0 {
		return nil
	}
	var settled bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM settlements WHERE source = 'receipt' AND transaction_id = $1)`,
		r.ID).Scan(&settled); err != nil || settled {
		return err
	}
	rows := make([][]any, len(lines))
	lots := lotSums{}
	for i, st := range lines {
		st.TransactionID, st.UserID, st.TruncatedCardNumber = r.ID, m.UserID, m.Card.TruncatedCardNumber
		rows[i] = []any{st.SettlementID, st.MerchantID, st.CompanyID, st.StoreID, st.CampaignID, string(settlement.SourceReceipt),
			st.TransactionID, int32(st.LineNumber), st.TransactionDateTime, st.ProcessedDateTime, st.Amount, st.Currency,
			st.UserShare, st.ProviderShare, string(st.UserShareType), string(st.ProviderShareType), st.CardType,
			st.TruncatedCardNumber, st.UserID}
		lots.add(st.MerchantID, st.Currency, st.UserShare, st.ProviderShare)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"settlements"}, receiptSettlementColumns, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	for k, v := range lots {
		if _, err := tx.Exec(ctx, `
			INSERT INTO settlement_lots (receipt_id, merchant_id, currency, settlements, user_share, provider_share)
			VALUES ($1, $2, $3, $4, $5, $6)`, r.ID, k.merchantID, k.currency, v.count, v.user.value(), v.provider.value()); err != nil {
			return err
		}
	}
	return nil
}

// receiptSettlementColumns are the columns a receipt's line settlement is
// copied into.
var receiptSettlementColumns = []string{
	"settlement_id", "merchant_id", "company_id", "store_id", "campaign_id", "source", "transaction_id", "line_number",
	"transaction_at", "processed_at", "amount", "currency", "user_share", "provider_share", "user_share_type",
	"provider_share_type", "card_type", "truncated_card_number", "user_id",
}

// mapReceiptError maps a broken merchant reference to invalid input.
func mapReceiptError(err error) error {
	if e := mapError(err, "receipt"); errs.Is(e, errs.Conflict) && errs.As(e).Field == "" {
		return errs.InvalidField("merchantId", "merchant does not exist")
	}
	return mapError(err, "receipt")
}

// orderColumns are the receipt_users columns of each list order; only
// these names are ever put into the SQL text.
var orderColumns = map[receipt.OrderField]string{
	receipt.OrderByDate:  "ru.purchased_at",
	receipt.OrderByStore: "ru.store_name",
	receipt.OrderByTotal: "ru.grand_total",
}

// likePattern escapes a search term for LIKE and wraps it in wildcards.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

const receiptColumns = `ru.user_id, r.receipt_id, r.merchant_id, m.name, m.status, COALESCE(m.owner_id, 0),
	m.created_at, m.updated_at, r.external_id_type, r.external_id, r.purchased_at, r.purchase_offset, r.store_id, r.store_name, r.grand_total, r.currency, r.is_copy,
	COALESCE(r.copy_of, ''), r.created_at, r.updated_at,
	m.country, m.address, m.zip_code, m.city, m.phone_number, m.registration_number,
	COALESCE(m.logo_version, ''), COALESCE(m.logo_content_type, '')`

func scanReceiptRow(row pgx.Row, extra ...any) (*receipt.Receipt, error) {
	var r receipt.Receipt
	var offset int
	var isCopy bool
	var status, logoVersion, logoType string
	dest := append([]any{&r.UserID, &r.ID, &r.MerchantID, &r.Merchant.Name, &status, &r.Merchant.OwnerID, &r.Merchant.CreatedAt,
		&r.Merchant.UpdatedAt, &r.ExternalIDType, &r.ExternalID, &r.PurchaseDateTime,
		&offset, &r.StoreID, &r.StoreName, &r.Total.Amount, &r.Total.Currency, &isCopy, &r.CopyOf,
		&r.CreatedAt, &r.UpdatedAt}, merchantProfileDest(&r.Merchant, &logoVersion, &logoType)...)
	dest = append(dest, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	r.PurchaseDateTime = r.PurchaseDateTime.In(time.FixedZone("", offset))
	r.Merchant.ID, r.Merchant.Status = r.MerchantID, merchant.Status(status)
	if logoVersion != "" {
		r.Merchant.Logo = &merchant.Logo{Version: logoVersion, ContentType: logoType}
	}
	return &r, nil
}

// FindUserReceipts returns a page of the user's receipts and the total. It
// does not check permissions.
func (s *ReceiptStore) FindUserReceipts(ctx context.Context, userID string, f receipt.Filter) ([]*receipt.Receipt, int, error) {
	where := []string{"ru.user_id = $1"}
	args := []any{userID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.MerchantID != "" {
		add("ru.merchant_id = $%d", f.MerchantID)
	}
	if f.From != nil {
		add("ru.purchased_at >= $%d", *f.From)
	}
	if f.To != nil {
		add("ru.purchased_at <= $%d", *f.To)
	}
	if f.MinTotal != nil {
		add("ru.grand_total >= $%d", *f.MinTotal)
	}
	if f.MaxTotal != nil {
		add("ru.grand_total <= $%d", *f.MaxTotal)
	}
	if f.Search != "" {
		add(`ru.search_text LIKE $%d`, likePattern(f.Search))
	}
	col, ok := orderColumns[f.OrderBy]
	if !ok {
		return nil, 0, errs.InvalidField("orderBy", "orderBy must be store, date or total")
	}
	dir := "ASC"
	if f.Direction == receipt.Desc {
		dir = "DESC"
	}
	cond := strings.Join(where, " AND ")
	args = append(args, f.Offset, f.Limit)
	// The page is chosen inside receipt_users (every filter is on its
	// columns and indexes) and only its rows join receipts and merchants.
	// It is planned for its values every time (the unnamed statement): a
	// cached generic plan cannot know whether a search term is rare or
	// common, and a wrong guess reads the user's receipts across the heap
	// instead of the covering index (hundreds of milliseconds at 10,000).
	order := col + ` ` + dir + `, ru.receipt_id ` + dir
	rows, err := s.db.Pool.Query(ctx, `
		WITH ru AS (
			SELECT ru.user_id, ru.receipt_id, ru.purchased_at, ru.grand_total, ru.store_name, COUNT(*) OVER () AS total
			FROM receipt_users ru
			WHERE `+cond+`
			ORDER BY `+order+`
			OFFSET $`+fmt.Sprint(len(args)-1)+` LIMIT $`+fmt.Sprint(len(args))+`)
		SELECT `+receiptColumns+`, r.body, ru.total
		FROM ru JOIN receipts r ON r.receipt_id = ru.receipt_id
			JOIN merchants m ON m.merchant_id = r.merchant_id
		ORDER BY `+order, append([]any{pgx.QueryExecModeExec}, args...)...)
	if err != nil {
		return nil, 0, mapError(err, "receipts")
	}
	total := 0
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*receipt.Receipt, error) {
		var raw []byte
		r, err := scanReceiptRow(row, &raw, &total)
		if err != nil {
			return nil, err
		}
		return r, withBody(r, raw)
	})
	if err != nil {
		return nil, 0, mapError(err, "receipts")
	}
	if err := s.completeReceipts(ctx, userID, out); err != nil {
		return nil, 0, err
	}
	if len(out) == 0 && f.Offset > 0 {
		// Past the end: the window count saw no row.
		err := s.db.Pool.QueryRow(ctx, `SELECT COUNT(*) FROM receipt_users ru WHERE `+cond, args[:len(args)-2]...).Scan(&total)
		if err != nil {
			return nil, 0, mapError(err, "receipts")
		}
	}
	return out, total, nil
}

// FindUserReceipt returns one receipt of the user with the user's matched
// cards and the copy history. It does not check permissions.
func (s *ReceiptStore) FindUserReceipt(ctx context.Context, userID, receiptID string) (*receipt.Receipt, error) {
	var raw []byte
	r, err := scanReceiptRow(s.db.Pool.QueryRow(ctx, `
		SELECT `+receiptColumns+`, r.body
		FROM receipt_users ru JOIN receipts r ON r.receipt_id = ru.receipt_id
			JOIN merchants m ON m.merchant_id = r.merchant_id
		WHERE ru.user_id = $1 AND ru.receipt_id = $2`, userID, receiptID), &raw)
	if err != nil {
		return nil, mapError(err, "receipt")
	}
	if err := withBody(r, raw); err != nil {
		return nil, err
	}
	if err := s.completeReceipts(ctx, userID, []*receipt.Receipt{r}); err != nil {
		return nil, err
	}
	return r, nil
}

// withBody reads the JSONB body into r.
func withBody(r *receipt.Receipt, raw []byte) error {
	var b receiptBody
	if err := json.Unmarshal(raw, &b); err != nil {
		return fmt.Errorf("receipt %s body: %w", r.ID, err)
	}
	b.into(r)
	if r.VATRates == nil {
		r.VATRates = []receipt.VATRate{}
	}
	return nil
}

// receiptCardOwners is the set of users whose cards are user $2's: the
// user and, for a Storebox user, every mapping to the same account.
const receiptCardOwners = `(SELECT $2::text UNION
	SELECT s.user_id FROM users u JOIN users s ON s.account_id = u.account_id WHERE u.user_id = $2)`

// completeReceipts adds, to receipts of one user, the user's cards that
// matched their payments and their copy history: two statements for any
// number of receipts.
func (s *ReceiptStore) completeReceipts(ctx context.Context, userID string, rs []*receipt.Receipt) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[string]*receipt.Receipt, len(rs))
	ids := make([]string, len(rs))
	for i, r := range rs {
		byID[r.ID], ids[i] = r, r.ID
		r.MatchedCards, r.CopyHistory = []receipt.MatchedCard{}, []receipt.Copy{}
	}
	// Both look-ups go in one round trip.
	batch := &pgx.Batch{}
	var receiptID string
	var idx int
	var card receipt.MatchedCard
	batch.Queue(`
		SELECT t.receipt_id, t.payment_index, c.card_id, c.truncated_pan
		FROM receipt_card_tokens t JOIN cards c ON c.token_hash = t.token_hash
		WHERE t.receipt_id = ANY($1) AND c.user_id IN `+receiptCardOwners+`
		ORDER BY t.receipt_id, t.payment_index, c.card_id`, ids, userID).Query(func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, []any{&receiptID, &idx, &card.CardID, &card.TruncatedCardNumber}, func() error {
			r := byID[receiptID]
			if idx < len(r.Payments) && r.Payments[idx].CardID == "" {
				r.Payments[idx].CardID = card.CardID
			}
			for _, m := range r.MatchedCards {
				if m.CardID == card.CardID {
					return nil
				}
			}
			r.MatchedCards = append(r.MatchedCards, card)
			return nil
		})
		return err
	})
	var c receipt.Copy
	batch.Queue(`
		SELECT from_receipt, to_receipt, from_user_id, to_user_id, copied_at FROM receipt_copies
		WHERE from_receipt = ANY($1) OR to_receipt = ANY($1) ORDER BY copied_at, to_receipt`, ids).Query(func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, []any{&c.From, &c.To, &c.FromUserID, &c.ToUserID, &c.CopiedAt}, func() error {
			for _, id := range []string{c.From, c.To} {
				if r, ok := byID[id]; ok {
					r.CopyHistory = append(r.CopyHistory, c)
				}
			}
			return nil
		})
		return err
	})
	return mapError(s.db.Pool.SendBatch(ctx, batch).Close(), "receipt")
}

// DeleteUserReceipt removes the receipt from the user's receipts; a copy
// that no user has any more goes too. It does not check permissions.
func (s *ReceiptStore) DeleteUserReceipt(ctx context.Context, userID, receiptID string) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM receipt_users WHERE user_id = $1 AND receipt_id = $2`, userID, receiptID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return pgx.ErrNoRows
		}
		_, err = tx.Exec(ctx, `DELETE FROM receipts r WHERE r.receipt_id = $1 AND r.is_copy
			AND NOT EXISTS (SELECT 1 FROM receipt_users ru WHERE ru.receipt_id = r.receipt_id)`, receiptID)
		return err
	})
	return mapError(err, "receipt")
}

// CopyReceipt stores cp for toUserID and records the copy, in one
// transaction. It does not check permissions.
func (s *ReceiptStore) CopyReceipt(ctx context.Context, cp *receipt.Receipt, toUserID string, c receipt.Copy) error {
	body, err := bodyOf(cp)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO receipts (receipt_id, merchant_id, external_id_type, external_id, purchased_at, purchase_offset,
				store_id, store_name, grand_total, currency, vat_total, body, search_text, copy_of, is_copy, created_at, updated_at)
			SELECT $1, merchant_id, external_id_type, external_id, purchased_at, purchase_offset, store_id, store_name,
				grand_total, currency, vat_total, $3, search_text, receipt_id, true, $4, $4
			FROM receipts WHERE receipt_id = $2`, cp.ID, cp.CopyOf, body, cp.CreatedAt)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO receipt_users (user_id, receipt_id, merchant_id, purchased_at, grand_total, store_name, created_at)
			SELECT $1, $2, merchant_id, purchased_at, grand_total, store_name, $4
			FROM receipt_users WHERE receipt_id = $3 AND user_id = $5`,
			toUserID, cp.ID, cp.CopyOf, cp.CreatedAt, c.FromUserID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO receipt_copies (from_receipt, to_receipt, from_user_id, to_user_id, copied_at)
			VALUES ($1, $2, $3, $4, $5)`, c.From, c.To, c.FromUserID, c.ToUserID, c.CopiedAt)
		return err
	})
	return mapError(err, "receipt")
}

// FindProviderReceiptByExternalID returns, in the view of the user who has
// it, the receipt with the till's external id and type that a user of the
// partner has (only userID's when userID is set): the till's original
// before a copy, then the latest updated. It does not check permissions.
func (s *ReceiptStore) FindProviderReceiptByExternalID(ctx context.Context, providerID int64, userID, externalID, idType string) (*receipt.Receipt, error) {
	var holder, receiptID string
	err := s.db.Pool.QueryRow(ctx, `
		SELECT ru.user_id, r.receipt_id
		FROM receipts r JOIN receipt_users ru ON ru.receipt_id = r.receipt_id
			JOIN users u ON u.user_id = ru.user_id
		WHERE r.external_id = $1 AND r.external_id_type = $2 AND u.provider_id = $3
			AND ($4 = '' OR ru.user_id = $4)
		ORDER BY r.is_copy, r.updated_at DESC, ru.created_at, ru.user_id
		LIMIT 1`, externalID, idType, providerID, userID).Scan(&holder, &receiptID)
	if err != nil {
		return nil, mapError(err, "receipt")
	}
	return s.FindUserReceipt(ctx, holder, receiptID)
}
