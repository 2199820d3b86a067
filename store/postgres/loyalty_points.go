package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
)

var _ loyalty.PointsStore = (*LoyaltyStore)(nil)

func insertTransfer(ctx context.Context, tx pgx.Tx, store string, t *loyalty.Transfer) error {
	tag, err := tx.Exec(ctx, `
		INSERT INTO ol_point_transfers (transfer_id, customer_id, kind, points, expires_at, locked_until, comment, created_at)
		SELECT $1, customer_id, $3, $4, $5, $6, $7, $8 FROM ol_customers WHERE customer_id = $2::uuid AND store_code = $9`,
		t.ID, t.CustomerID, string(t.Kind), t.Points, t.ExpiresAt, t.LockedUntil, t.Comment, t.CreatedAt, store)
	if err != nil {
		return mapError(err, "points transfer")
	}
	if tag.RowsAffected() == 0 {
		return errs.NotFoundf("customer not found")
	}
	return nil
}

// AddTransfer records a transfer. It does not check permissions.
func (s *LoyaltyStore) AddTransfer(ctx context.Context, store string, t *loyalty.Transfer) error {
	return pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error { return insertTransfer(ctx, tx, store, t) })
}

// FindTransfers returns the customers' ledgers, each oldest first. It does not
// check permissions.
func (s *LoyaltyStore) FindTransfers(ctx context.Context, customerIDs []string) ([]loyalty.Transfer, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT transfer_id::text, customer_id::text, kind, points, expires_at, locked_until, comment, created_at
		FROM ol_point_transfers WHERE customer_id = ANY($1::uuid[]) ORDER BY customer_id, created_at, transfer_id`, customerIDs)
	if err != nil {
		return nil, mapError(err, "points transfer")
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (loyalty.Transfer, error) {
		var t loyalty.Transfer
		var kind string
		err := r.Scan(&t.ID, &t.CustomerID, &kind, &t.Points, &t.ExpiresAt, &t.LockedUntil, &t.Comment, &t.CreatedAt)
		t.Kind = loyalty.TransferKind(kind)
		return t, err
	})
}

// RecordPurchase adds a purchase to a customer's figures, level and
// ledger in one transaction; with key, only the first time the customer
// records it. It does not check permissions.
func (s *LoyaltyStore) RecordPurchase(ctx context.Context, store, customerID string, key *loyalty.PurchaseKey, amount decimal.Decimal, at time.Time, earned *loyalty.Transfer) (bool, error) {
	recorded := false
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if key != nil {
			tag, err := tx.Exec(ctx, `
				INSERT INTO ol_purchases (customer_id, source, source_id, amount, purchased_at)
				SELECT customer_id, $3, $4, $5, $6 FROM ol_customers WHERE customer_id = $2::uuid AND store_code = $1
				ON CONFLICT (customer_id, source, source_id) DO NOTHING`,
				store, customerID, string(key.Source), key.SourceID, amount, at)
			if err != nil {
				return mapCustomerError(err)
			}
			if tag.RowsAffected() == 0 {
				return nil // recorded before (or no such customer)
			}
		}
		tag, err := tx.Exec(ctx, `
			UPDATE ol_customers c SET transactions_count = transactions_count + 1,
				transactions_amount = transactions_amount + $3,
				last_transaction_at = GREATEST(last_transaction_at, $4),
				level_id = COALESCE(c.manual_level_id, (
					SELECT l.level_id FROM ol_levels l
					WHERE l.store_code = c.store_code AND l.active AND l.condition_value <= c.transactions_amount + $3
					ORDER BY l.condition_value DESC, l.name LIMIT 1), c.level_id)
			WHERE customer_id = $2::uuid AND store_code = $1`, store, customerID, amount, at)
		if err != nil {
			return mapCustomerError(err)
		}
		if tag.RowsAffected() == 0 {
			return errs.NotFoundf("customer not found")
		}
		recorded = true
		if earned != nil {
			return insertTransfer(ctx, tx, store, earned)
		}
		return nil
	})
	return recorded && err == nil, err
}

// RecordPurchases records keyed purchases in one transaction of three
// statements, whatever their number: the purchases not recorded before,
// then each customer's figures and level once (the level its final amount
// reaches, as one RecordPurchase after another would leave it), then the
// points they earn. It does not check permissions.
func (s *LoyaltyStore) RecordPurchases(ctx context.Context, store string, purchases []loyalty.RecordedPurchase) error {
	n := len(purchases)
	customers, sources, sourceIDs := make([]string, n), make([]string, n), make([]string, n)
	amounts, ats := make([]decimal.Decimal, n), make([]time.Time, n)
	for i, p := range purchases {
		customers[i], sources[i], sourceIDs[i] = p.CustomerID, string(p.Key.Source), p.Key.SourceID
		amounts[i], ats[i] = p.Amount, p.At
	}
	return pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO ol_purchases (customer_id, source, source_id, amount, purchased_at)
			SELECT c.customer_id, p.source, p.source_id, p.amount, p.at
			FROM unnest($2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::timestamptz[]) AS p (customer_id, source, source_id, amount, at)
			JOIN ol_customers c ON c.customer_id = p.customer_id AND c.store_code = $1
			ON CONFLICT (customer_id, source, source_id) DO NOTHING
			RETURNING customer_id::text, source, source_id`, store, customers, sources, sourceIDs, amounts, ats)
		if err != nil {
			return mapCustomerError(err)
		}
		fresh := map[[3]string]bool{}
		var k [3]string
		if _, err := pgx.ForEachRow(rows, []any{&k[0], &k[1], &k[2]}, func() error { fresh[k] = true; return nil }); err != nil {
			return mapCustomerError(err)
		}
		// Each new purchase once (the first of repeated ones), summed per customer.
		type sum struct {
			n      int
			amount decimal.Decimal
			last   time.Time
		}
		sums := map[string]*sum{}
		var order []string
		var earned []*loyalty.Transfer
		for _, p := range purchases {
			key := [3]string{p.CustomerID, string(p.Key.Source), p.Key.SourceID}
			if !fresh[key] {
				continue
			}
			delete(fresh, key)
			cs := sums[p.CustomerID]
			if cs == nil {
				cs = &sum{}
				sums[p.CustomerID] = cs
				order = append(order, p.CustomerID)
			}
			cs.n++
			cs.amount = cs.amount.Add(p.Amount)
			if p.At.After(cs.last) {
				cs.last = p.At
			}
			if p.Earned != nil {
				earned = append(earned, p.Earned)
			}
		}
		if len(order) == 0 {
			return nil
		}
		counts, totals, lasts := make([]int, len(order)), make([]decimal.Decimal, len(order)), make([]time.Time, len(order))
		for i, id := range order {
			counts[i], totals[i], lasts[i] = sums[id].n, sums[id].amount, sums[id].last
		}
		if _, err := tx.Exec(ctx, `
			UPDATE ol_customers c SET transactions_count = c.transactions_count + a.n,
				transactions_amount = c.transactions_amount + a.amount,
				last_transaction_at = GREATEST(c.last_transaction_at, a.at),
				level_id = COALESCE(c.manual_level_id, (
					SELECT l.level_id FROM ol_levels l
					WHERE l.store_code = c.store_code AND l.active AND l.condition_value <= c.transactions_amount + a.amount
					ORDER BY l.condition_value DESC, l.name LIMIT 1), c.level_id)
			FROM unnest($2::uuid[], $3::int[], $4::numeric[], $5::timestamptz[]) AS a (customer_id, n, amount, at)
			WHERE c.customer_id = a.customer_id AND c.store_code = $1`, store, order, counts, totals, lasts); err != nil {
			return mapCustomerError(err)
		}
		if len(earned) == 0 {
			return nil
		}
		m := len(earned)
		ids, owners, kinds, comments := make([]string, m), make([]string, m), make([]string, m), make([]string, m)
		points, expires, created := make([]decimal.Decimal, m), make([]*time.Time, m), make([]time.Time, m)
		for i, t := range earned {
			ids[i], owners[i], kinds[i], comments[i] = t.ID, t.CustomerID, string(t.Kind), t.Comment
			points[i], expires[i], created[i] = t.Points, t.ExpiresAt, t.CreatedAt
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO ol_point_transfers (transfer_id, customer_id, kind, points, expires_at, comment, created_at)
			SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::numeric[], $5::timestamptz[], $6::text[], $7::timestamptz[])`,
			ids, owners, kinds, points, expires, comments, created)
		return mapError(err, "points transfer")
	})
}

// linkedCustomerJoin finds the active customer of store ($1) whose verified
// phone is the verified phone of the user u (users keep MSISDN digits,
// customers +digits).
const linkedCustomerJoin = `
	JOIN users u ON u.user_id = p.user_id AND u.phone_verified AND u.phone IS NOT NULL
	JOIN ol_customers c ON c.store_code = $1 AND c.phone = '+' || u.phone AND c.phone_verified AND c.active AND NOT c.anonymized`

// LinkedPurchases finds the customers linked to the purchases' users. It
// does not check permissions.
func (s *LoyaltyStore) LinkedPurchases(ctx context.Context, store string, purchases []loyalty.Purchase) ([]loyalty.Purchase, error) {
	users := make([]string, len(purchases))
	for i, p := range purchases {
		users[i] = p.UserID
	}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT p.i, c.customer_id::text FROM unnest($2::text[]) WITH ORDINALITY AS p (user_id, i)`+linkedCustomerJoin+`
		ORDER BY p.i`, store, users)
	if err != nil {
		return nil, mapError(err, "customer")
	}
	var out []loyalty.Purchase
	var i int64
	var customer string
	_, err = pgx.ForEachRow(rows, []any{&i, &customer}, func() error {
		if i < 1 || int(i) > len(purchases) {
			return fmt.Errorf("linked purchases: row %d of %d", i, len(purchases))
		}
		p := purchases[i-1]
		p.CustomerID = customer
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, mapError(err, "customer")
	}
	return out, nil
}

// LinkedBatchPurchases returns the settled transactions of a batch whose
// user has a linked customer. It does not check permissions.
func (s *LoyaltyStore) LinkedBatchPurchases(ctx context.Context, store, batchID string) ([]loyalty.Purchase, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT t.transaction_id, p.user_id, t.amount, t.transaction_at, c.customer_id::text
		FROM transactions t
		JOIN settlements p ON p.source = 'transaction' AND p.transaction_id = t.transaction_id AND p.line_number = 0`+linkedCustomerJoin+`
		WHERE t.batch_id = $2 AND t.state = 'settled' AND t.amount > 0
		ORDER BY t.transaction_id`, store, batchID)
	if err != nil {
		return nil, mapError(err, "transaction")
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (loyalty.Purchase, error) {
		p := loyalty.Purchase{Key: loyalty.PurchaseKey{Source: loyalty.PurchaseTransaction}}
		err := r.Scan(&p.Key.SourceID, &p.UserID, &p.Amount, &p.At, &p.CustomerID)
		return p, err
	})
}

// SetManualLevel assigns or removes a manual level. It does not check
// permissions.
func (s *LoyaltyStore) SetManualLevel(ctx context.Context, store, customerID, levelID string) error {
	return pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if levelID != "" {
			var ok bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ol_levels WHERE level_id = $1::uuid AND store_code = $2)`,
				levelID, store).Scan(&ok)
			if err != nil {
				return mapError(err, "level")
			}
			if !ok {
				return errs.InvalidField("levelId", "This value is not valid.")
			}
		}
		tag, err := tx.Exec(ctx, `
			UPDATE ol_customers c SET manual_level_id = NULLIF($3, '')::uuid, updated_at = now(),
				level_id = COALESCE(NULLIF($3, '')::uuid, (
					SELECT l.level_id FROM ol_levels l
					WHERE l.store_code = c.store_code AND l.active AND l.condition_value <= c.transactions_amount
					ORDER BY l.condition_value DESC, l.name LIMIT 1), c.level_id)
			WHERE customer_id = $2::uuid AND store_code = $1`, store, customerID, levelID)
		if err != nil {
			return mapCustomerError(err)
		}
		if tag.RowsAffected() == 0 {
			return errs.NotFoundf("customer not found")
		}
		return nil
	})
}

var _ loyalty.ExtrasStore = (*LoyaltyStore)(nil)

// PushyTokens lists a customer's pushy tokens. It does not check
// permissions.
func (s *LoyaltyStore) PushyTokens(ctx context.Context, store, id string) ([]string, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT t.token FROM ol_pushy_tokens t JOIN ol_customers c USING (customer_id)
		WHERE c.store_code = $1 AND c.customer_id = $2::uuid ORDER BY t.created_at, t.token`, store, id)
	if err != nil {
		return nil, mapError(err, "pushy token")
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if out == nil {
		out = []string{}
	}
	return out, mapError(err, "pushy token")
}

// PushyTokensOf lists the tokens of customers by customer id. It does not
// check permissions.
func (s *LoyaltyStore) PushyTokensOf(ctx context.Context, customerIDs []string) (map[string][]string, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT customer_id::text, token FROM ol_pushy_tokens WHERE customer_id = ANY($1::uuid[])
		ORDER BY customer_id, created_at, token`, customerIDs)
	if err != nil {
		return nil, mapError(err, "pushy token")
	}
	out := map[string][]string{}
	var id, token string
	_, err = pgx.ForEachRow(rows, []any{&id, &token}, func() error {
		out[id] = append(out[id], token)
		return nil
	})
	return out, mapError(err, "pushy token")
}

// AddPushyToken keeps a pushy token. It does not check permissions.
func (s *LoyaltyStore) AddPushyToken(ctx context.Context, store, id, token string, max int) error {
	return pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var n int
		err := tx.QueryRow(ctx, `SELECT 0 FROM ol_customers WHERE store_code = $1 AND customer_id = $2::uuid FOR UPDATE`, store, id).Scan(&n)
		if err != nil {
			return mapCustomerError(err)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM ol_pushy_tokens WHERE customer_id = $1::uuid`, id).Scan(&n); err != nil {
			return mapError(err, "pushy token")
		}
		if n >= max {
			return errs.InvalidField("pushyToken", "a customer has at most %d pushy tokens", max)
		}
		_, err = tx.Exec(ctx, `INSERT INTO ol_pushy_tokens (customer_id, token) VALUES ($1::uuid, $2) ON CONFLICT DO NOTHING`, id, token)
		return mapError(err, "pushy token")
	})
}

// RemovePushyToken forgets a pushy token. It does not check permissions.
func (s *LoyaltyStore) RemovePushyToken(ctx context.Context, store, id, token string) error {
	tag, err := s.db.Pool.Exec(ctx, `
		DELETE FROM ol_pushy_tokens t USING ol_customers c
		WHERE t.customer_id = c.customer_id AND c.store_code = $1 AND c.customer_id = $2::uuid AND t.token = $3`, store, id, token)
	if err != nil {
		return mapError(err, "pushy token")
	}
	if tag.RowsAffected() == 0 {
		return errs.NotFoundf("pushy token not found")
	}
	return nil
}

// CountRegistrations counts registrations per period. It does not check
// permissions.
func (s *LoyaltyStore) CountRegistrations(ctx context.Context, store string, from time.Time, interval loyalty.Interval) (map[string]int, error) {
	format := map[loyalty.Interval]string{loyalty.IntervalDay: "YYYY-MM-DD", loyalty.IntervalMonth: "YYYY-MM", loyalty.IntervalYear: "YYYY"}[interval]
	rows, err := s.db.Pool.Query(ctx, `
		SELECT to_char(created_at AT TIME ZONE 'UTC', $3), count(*) FROM ol_customers
		WHERE store_code = $1 AND created_at >= $2 GROUP BY 1`, store, from, format)
	if err != nil {
		return nil, mapError(err, "registrations")
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

var _ loyalty.AvatarStore = (*LoyaltyStore)(nil)

// SetAvatar replaces a customer's avatar and returns the file name of the
// one it replaced. It does not check permissions.
func (s *LoyaltyStore) SetAvatar(ctx context.Context, store, id string, a loyalty.Avatar) (string, error) {
	var old *string
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			SELECT a.file_name FROM ol_avatars a JOIN ol_customers c USING (customer_id)
			WHERE c.store_code = $1 AND c.customer_id = $2::uuid FOR UPDATE OF a`, store, id).Scan(&old)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO ol_avatars (customer_id, content_type, data, updated_at, size, file_name)
			SELECT customer_id, $3, $4, $5, $6, $7 FROM ol_customers WHERE store_code = $1 AND customer_id = $2::uuid
			ON CONFLICT (customer_id) DO UPDATE SET content_type = EXCLUDED.content_type, data = EXCLUDED.data,
				updated_at = EXCLUDED.updated_at, size = EXCLUDED.size, file_name = EXCLUDED.file_name`,
			store, id, a.ContentType, a.Data, a.UpdatedAt, a.Size, nullable(a.FileName))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errs.NotFoundf("customer not found")
		}
		return nil
	})
	if err != nil {
		return "", mapError(err, "avatar")
	}
	if old == nil {
		return "", nil
	}
	return *old, nil
}

// FindAvatar returns a customer's avatar (its bytes, or its file's name).
// It does not check permissions.
func (s *LoyaltyStore) FindAvatar(ctx context.Context, store, id string) (*loyalty.Avatar, error) {
	var a loyalty.Avatar
	var file *string
	err := s.db.Pool.QueryRow(ctx, `
		SELECT a.customer_id::text, a.content_type, a.data, a.updated_at, a.size, a.file_name
		FROM ol_avatars a JOIN ol_customers c USING (customer_id)
		WHERE c.store_code = $1 AND c.customer_id = $2::uuid`, store, id).
		Scan(&a.CustomerID, &a.ContentType, &a.Data, &a.UpdatedAt, &a.Size, &file)
	if err != nil {
		return nil, mapError(err, "avatar")
	}
	if file != nil {
		a.FileName = *file
	}
	return &a, nil
}

// FindAvatarsOf returns the facts (no bytes) of the customers' avatars. It
// does not check permissions.
func (s *LoyaltyStore) FindAvatarsOf(ctx context.Context, customerIDs []string) ([]*loyalty.Avatar, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT customer_id::text, content_type, updated_at, size FROM ol_avatars WHERE customer_id = ANY($1::uuid[])`, customerIDs)
	if err != nil {
		return nil, mapError(err, "avatar")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*loyalty.Avatar, error) {
		var a loyalty.Avatar
		err := r.Scan(&a.CustomerID, &a.ContentType, &a.UpdatedAt, &a.Size)
		return &a, err
	})
	return out, mapError(err, "avatar")
}

// DeleteAvatar removes a customer's avatar and returns its file name. It
// does not check permissions.
func (s *LoyaltyStore) DeleteAvatar(ctx context.Context, store, id string) (string, error) {
	var file *string
	err := s.db.Pool.QueryRow(ctx, `
		DELETE FROM ol_avatars a USING ol_customers c
		WHERE a.customer_id = c.customer_id AND c.store_code = $1 AND c.customer_id = $2::uuid
		RETURNING a.file_name`, store, id).Scan(&file)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", errs.NotFoundf("avatar not found")
	}
	if err != nil {
		return "", mapError(err, "avatar")
	}
	if file == nil {
		return "", nil
	}
	return *file, nil
}
