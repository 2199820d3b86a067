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
)

var _ checkout.LinkStore = (*CheckoutStore)(nil)

// liveLinks are the links whose account's password has not changed since
// they were proven.
const liveLinks = `checkout_account_links l JOIN checkout_accounts a
	ON a.account_id = l.account_id AND a.session_epoch = l.session_epoch`

// LinkAccount implements checkout.LinkStore. It does not check
// permissions.
func (s *CheckoutStore) LinkAccount(ctx context.Context, userID string, a *checkout.Account, at time.Time) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// Lock the account, so that a password change waits for the link
		// (or the link sees the new epoch and fails).
		var epoch int
		if err := tx.QueryRow(ctx, `SELECT session_epoch FROM checkout_accounts WHERE account_id = $1 FOR UPDATE`,
			a.ID).Scan(&epoch); err != nil {
			return err
		}
		if epoch != a.Epoch {
			return pgx.ErrNoRows
		}
		// A void link of the account (proven before its password
		// changed) gives way; the user's own earlier link too.
		if _, err := tx.Exec(ctx, `DELETE FROM checkout_account_links
			WHERE user_id = $1 OR (account_id = $2 AND session_epoch <> $3)`, userID, a.ID, epoch); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO checkout_account_links (user_id, account_id, session_epoch, linked_at)
			VALUES ($1, $2, $3, $4)`, userID, a.ID, epoch, at)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "checkout_account_links_account_key" {
		return errs.Conflictf("email", checkout.MsgLinkedElsewhere)
	}
	if errors.As(err, &pgErr) && pgErr.Code == "23503" && pgErr.ConstraintName == "checkout_account_links_user_id_fkey" {
		// The user was deleted while its access token still runs.
		return errs.E(errs.Unauthenticated, "the user of the access token no longer exists")
	}
	return mapError(err, "checkout account")
}

// UnlinkAccount implements checkout.LinkStore. It does not check
// permissions.
func (s *CheckoutStore) UnlinkAccount(ctx context.Context, userID string) (bool, error) {
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM checkout_account_links WHERE user_id = $1`, userID)
	if err != nil {
		return false, mapError(err, "checkout account link")
	}
	return tag.RowsAffected() > 0, nil
}

// FindLinkedAccounts implements checkout.LinkStore. It does not check
// permissions.
func (s *CheckoutStore) FindLinkedAccounts(ctx context.Context, userIDs []string) (map[string]*checkout.Account, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT a.account_id, a.email, a.session_epoch, a.first_name, a.last_name,
			a.address1, a.address2, a.zip_code, a.city, a.state, a.country, a.phone_number, a.newsletter, a.created_at,
			a.updated_at, l.user_id
		FROM `+liveLinks+` WHERE l.user_id = ANY($1)`, userIDs)
	if err != nil {
		return nil, mapError(err, "checkout account")
	}
	defer rows.Close()
	out := make(map[string]*checkout.Account, len(userIDs))
	for rows.Next() {
		var userID string
		a, err := scanCheckoutAccount(rows, &userID)
		if err != nil {
			return nil, mapError(err, "checkout account")
		}
		out[userID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err, "checkout account")
	}
	return out, nil
}

// FindLinkedOrders implements checkout.LinkStore: one statement reads the
// pages of every account asked for that is live-linked to userID, and
// each one's total. It does not check permissions.
func (s *CheckoutStore) FindLinkedOrders(ctx context.Context, userID string, pages []checkout.AccountPage) ([]*checkout.OrderPage, error) {
	ids, offsets, limits := make([]string, len(pages)), make([]int32, len(pages)), make([]int32, len(pages))
	for i, p := range pages {
		ids[i], offsets[i], limits[i] = p.AccountID, int32(p.From), int32(p.Size)
	}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT k.i, t.total, o.doc
		FROM unnest($2::text[], $3::int[], $4::int[]) WITH ORDINALITY AS k (account_id, off, lim, i)
		JOIN (`+liveLinks+`) ON l.account_id = k.account_id AND l.user_id = $1
		CROSS JOIN LATERAL (SELECT count(*) AS total FROM checkout_orders c WHERE c.account_id = k.account_id) t
		LEFT JOIN LATERAL (
			SELECT c.doc, c.ordered_at, c.order_id FROM checkout_orders c WHERE c.account_id = k.account_id
			ORDER BY c.ordered_at DESC, c.order_id DESC OFFSET k.off LIMIT k.lim) o ON true
		ORDER BY k.i, o.ordered_at DESC, o.order_id DESC`, userID, ids, offsets, limits)
	if err != nil {
		return nil, mapError(err, "orders")
	}
	defer rows.Close()
	out := make([]*checkout.OrderPage, len(pages))
	for rows.Next() {
		var i int64
		var total int
		var doc []byte
		if err := rows.Scan(&i, &total, &doc); err != nil {
			return nil, mapError(err, "orders")
		}
		p := out[i-1]
		if p == nil {
			p = &checkout.OrderPage{Orders: []*checkout.Order{}, Total: total}
			out[i-1] = p
		}
		if doc == nil {
			continue // the page is empty
		}
		o := &checkout.Order{}
		if err := json.Unmarshal(doc, o); err != nil {
			return nil, fmt.Errorf("decode order: %w", err)
		}
		p.Orders = append(p.Orders, o)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err, "orders")
	}
	return out, nil
}
