package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"loyaltygraph/domain/checkout"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/notify"
)

// CheckoutStore implements checkout.Store.
type CheckoutStore struct {
	db       *DB
	messages *MessageQueue
}

// NewCheckoutStore returns the checkout accounts store of db; messages
// queues the password reset e-mails in the reset's transaction.
func NewCheckoutStore(db *DB, messages *MessageQueue) *CheckoutStore {
	return &CheckoutStore{db: db, messages: messages}
}

var _ checkout.Store = (*CheckoutStore)(nil)

const checkoutAccountColumns = `account_id, email, session_epoch, first_name, last_name, address1, address2, zip_code,
	city, state, country, phone_number, newsletter, created_at, updated_at`

func scanCheckoutAccount(row pgx.Row, extra ...any) (*checkout.Account, error) {
	a := &checkout.Account{}
	dst := append([]any{&a.ID, &a.Email, &a.Epoch, &a.FirstName, &a.LastName, &a.Address1, &a.Address2, &a.ZipCode,
		&a.City, &a.State, &a.Country, &a.PhoneNumber, &a.Newsletter, &a.CreatedAt, &a.UpdatedAt}, extra...)
	if err := row.Scan(dst...); err != nil {
		return nil, err
	}
	return a, nil
}

func mapCheckoutError(err error, what string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "checkout_accounts_email_key" {
		return errs.Conflictf("email", checkout.MsgAlreadyRegistered)
	}
	return mapError(err, what)
}

// CreateAccount implements checkout.Store. It does not check permissions.
func (s *CheckoutStore) CreateAccount(ctx context.Context, a *checkout.Account, passwordHash string) error {
	_, err := s.db.Pool.Exec(ctx, `
		INSERT INTO checkout_accounts (account_id, email, password_hash, first_name, last_name, address1, address2,
			zip_code, city, state, country, phone_number, newsletter, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		a.ID, a.Email, passwordHash, a.FirstName, a.LastName, a.Address1, a.Address2, a.ZipCode, a.City, a.State,
		a.Country, a.PhoneNumber, a.Newsletter, a.CreatedAt, a.UpdatedAt)
	return mapCheckoutError(err, "checkout account")
}

// FindAccount implements checkout.Store. It does not check permissions.
func (s *CheckoutStore) FindAccount(ctx context.Context, id string) (*checkout.Account, error) {
	a, err := scanCheckoutAccount(s.db.Pool.QueryRow(ctx, `SELECT `+checkoutAccountColumns+`
		FROM checkout_accounts WHERE account_id = $1`, id))
	return a, mapCheckoutError(err, "checkout account")
}

// FindAccountLogin implements checkout.Store. It does not check
// permissions.
func (s *CheckoutStore) FindAccountLogin(ctx context.Context, email string) (*checkout.Account, string, error) {
	var hash string
	a, err := scanCheckoutAccount(s.db.Pool.QueryRow(ctx, `SELECT `+checkoutAccountColumns+`, password_hash
		FROM checkout_accounts WHERE email = $1`, email), &hash)
	if err != nil {
		return nil, "", mapCheckoutError(err, "checkout account")
	}
	return a, hash, nil
}

// UpdateAccount implements checkout.Store. It does not check permissions.
func (s *CheckoutStore) UpdateAccount(ctx context.Context, id string, fn func(a *checkout.Account, hash string) (*string, error)) (*checkout.Account, error) {
	var out *checkout.Account
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var hash string
		a, err := scanCheckoutAccount(tx.QueryRow(ctx, `SELECT `+checkoutAccountColumns+`, password_hash
			FROM checkout_accounts WHERE account_id = $1 FOR UPDATE`, id), &hash)
		if err != nil {
			return err
		}
		newHash, err := fn(a, hash)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `
			UPDATE checkout_accounts SET email = $2, first_name = $3, last_name = $4, address1 = $5, address2 = $6,
				zip_code = $7, city = $8, state = $9, country = $10, phone_number = $11, newsletter = $12, updated_at = $13,
				password_hash = COALESCE($14, password_hash),
				session_epoch = session_epoch + CASE WHEN $14::text IS NULL THEN 0 ELSE 1 END
			WHERE account_id = $1 RETURNING session_epoch`,
			id, a.Email, a.FirstName, a.LastName, a.Address1, a.Address2, a.ZipCode, a.City, a.State, a.Country,
			a.PhoneNumber, a.Newsletter, a.UpdatedAt, newHash).Scan(&a.Epoch)
		if err != nil {
			return err
		}
		out = a
		return nil
	})
	if err != nil {
		return nil, mapCheckoutError(err, "checkout account")
	}
	return out, nil
}

// Selection implements checkout.Store. It does not check permissions.
func (s *CheckoutStore) Selection(ctx context.Context, accountID string) ([]checkout.Line, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT item, quantity FROM checkout_selection_items
		WHERE account_id = $1 ORDER BY added_at, item`, accountID)
	if err != nil {
		return nil, mapError(err, "selection")
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (checkout.Line, error) {
		var l checkout.Line
		return l, r.Scan(&l.Item, &l.Quantity)
	})
	if err != nil {
		return nil, mapError(err, "selection")
	}
	if lines == nil {
		lines = []checkout.Line{}
	}
	return lines, nil
}

// AddToSelection implements checkout.Store. It does not check
// permissions.
func (s *CheckoutStore) AddToSelection(ctx context.Context, accountID string, lines []checkout.Line) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// Serialise the changes of one account's selection, so that the
		// item limit holds.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM checkout_accounts WHERE account_id = $1 FOR UPDATE`, accountID); err != nil {
			return err
		}
		for _, l := range lines {
			_, err := tx.Exec(ctx, `
				INSERT INTO checkout_selection_items (account_id, item, quantity) VALUES ($1, $2, LEAST($3::int, $4::int))
				ON CONFLICT (account_id, item) DO UPDATE
					SET quantity = LEAST(checkout_selection_items.quantity + EXCLUDED.quantity, $4::int)`,
				accountID, l.Item, l.Quantity, checkout.MaxQuantity)
			if err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM checkout_selection_items WHERE account_id = $1`, accountID).Scan(&n); err != nil {
			return err
		}
		if n > checkout.MaxSelectionItems {
			return errs.InvalidField("item", "the selection is full")
		}
		return nil
	})
	return mapError(err, "selection")
}

// RemoveFromSelection implements checkout.Store. It does not check
// permissions.
func (s *CheckoutStore) RemoveFromSelection(ctx context.Context, accountID, item string) error {
	_, err := s.db.Pool.Exec(ctx, `DELETE FROM checkout_selection_items WHERE account_id = $1 AND item = $2`, accountID, item)
	return mapError(err, "selection")
}

// FindOrders implements checkout.Store. It does not check permissions.
func (s *CheckoutStore) FindOrders(ctx context.Context, accountID string, from, size int) ([]*checkout.Order, int, error) {
	var limit any // NULL: all
	if size >= 0 {
		limit = size
	}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT doc, count(*) OVER () FROM checkout_orders WHERE account_id = $1
		ORDER BY ordered_at DESC, order_id DESC OFFSET $2 LIMIT $3`, accountID, from, limit)
	if err != nil {
		return nil, 0, mapError(err, "orders")
	}
	defer rows.Close()
	orders := []*checkout.Order{}
	total := -1
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc, &total); err != nil {
			return nil, 0, mapError(err, "orders")
		}
		o := &checkout.Order{}
		if err := json.Unmarshal(doc, o); err != nil {
			return nil, 0, fmt.Errorf("decode order: %w", err)
		}
		orders = append(orders, o)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapError(err, "orders")
	}
	if total < 0 {
		// The page is past the end: count apart.
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM checkout_orders WHERE account_id = $1`, accountID).Scan(&total); err != nil {
			return nil, 0, mapError(err, "orders")
		}
	}
	return orders, total, nil
}

// ImportOrders implements checkout.Store. It does not check permissions.
func (s *CheckoutStore) ImportOrders(ctx context.Context, orders []checkout.ImportedOrder) (int, error) {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		emails := make([]string, 0, len(orders))
		for _, o := range orders {
			emails = append(emails, o.Email)
		}
		rows, err := tx.Query(ctx, `SELECT email, account_id FROM checkout_accounts WHERE email = ANY($1)`, emails)
		if err != nil {
			return err
		}
		accounts := map[string]string{}
		for rows.Next() {
			var email, id string
			if err := rows.Scan(&email, &id); err != nil {
				rows.Close()
				return err
			}
			accounts[email] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		batch := &pgx.Batch{}
		for i, o := range orders {
			id, ok := accounts[o.Email]
			if !ok {
				return errs.Item("orders", i, errs.InvalidField("email", "no checkout account has this e-mail address"))
			}
			doc, err := json.Marshal(o.Order)
			if err != nil {
				return err
			}
			batch.Queue(`
				INSERT INTO checkout_orders (order_id, account_id, ordered_at, doc) VALUES ($1, $2, $3, $4)
				ON CONFLICT (order_id) DO UPDATE SET account_id = EXCLUDED.account_id, ordered_at = EXCLUDED.ordered_at,
					doc = EXCLUDED.doc, imported_at = now()`, o.Order.Order, id, o.Order.Date, doc)
		}
		return tx.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return 0, mapError(err, "orders")
	}
	return len(orders), nil
}

// CreateReset implements checkout.Store. It does not check permissions.
func (s *CheckoutStore) CreateReset(ctx context.Context, r *checkout.Reset, msg notify.Message) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO checkout_password_resets (reset_id, account_id, token_hash, expires_at)
			VALUES ($1, $2, $3, $4)`, r.ID, r.AccountID, r.TokenHash, r.ExpiresAt)
		if err != nil {
			return err
		}
		// Forget resets long expired as new ones come.
		if _, err := tx.Exec(ctx, `DELETE FROM checkout_password_resets WHERE expires_at < now() - interval '1 day'`); err != nil {
			return err
		}
		return s.messages.EnqueueMessages(ctx, tx, msg)
	})
	return mapError(err, "password reset")
}

// UseReset implements checkout.Store. It does not check permissions.
func (s *CheckoutStore) UseReset(ctx context.Context, id string, tokenHash []byte, now time.Time, newHash string) (*checkout.Account, error) {
	var out *checkout.Account
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var accountID string
		err := tx.QueryRow(ctx, `
			UPDATE checkout_password_resets SET used_at = $3
			WHERE reset_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > $3
			RETURNING account_id`, id, tokenHash, now).Scan(&accountID)
		if err != nil {
			return err
		}
		// The account's other links stop working too.
		if _, err := tx.Exec(ctx, `UPDATE checkout_password_resets SET used_at = $2
			WHERE account_id = $1 AND used_at IS NULL`, accountID, now); err != nil {
			return err
		}
		a, err := scanCheckoutAccount(tx.QueryRow(ctx, `
			UPDATE checkout_accounts SET password_hash = $2, session_epoch = session_epoch + 1, updated_at = $3
			WHERE account_id = $1 RETURNING `+checkoutAccountColumns, accountID, newHash, now.UTC()))
		if err != nil {
			return err
		}
		out = a
		return nil
	})
	if err != nil {
		return nil, mapError(err, "password reset")
	}
	return out, nil
}
