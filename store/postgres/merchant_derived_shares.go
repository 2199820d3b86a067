package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/merchant"
)

const derivedShareColumns = `derived_share_id, merchant_id, share, derived_share, derived_share_type, created_at, updated_at`

func scanDerivedShare(row pgx.Row) (*merchant.DerivedShare, error) {
	var d merchant.DerivedShare
	err := row.Scan(&d.ID, &d.MerchantID, &d.Share, &d.DerivedShare, &d.DerivedShareType, &d.CreatedAt, &d.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

const insertDerivedShare = `INSERT INTO derived_shares (` + derivedShareColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7)`

func derivedShareArgs(d *merchant.DerivedShare) []any {
	return []any{d.ID, d.MerchantID, d.Share, d.DerivedShare, string(d.DerivedShareType), d.CreatedAt, d.UpdatedAt}
}

// CreateDerivedShare inserts d. It does not check permissions.
func (s *MerchantStore) CreateDerivedShare(ctx context.Context, d *merchant.DerivedShare) error {
	_, err := s.db.Pool.Exec(ctx, insertDerivedShare, derivedShareArgs(d)...)
	return mapModelError(err, "derived share")
}

// FindDerivedShareByID returns one derived share. It does not check
// permissions.
func (s *MerchantStore) FindDerivedShareByID(ctx context.Context, id string) (*merchant.DerivedShare, error) {
	d, err := scanDerivedShare(s.db.Pool.QueryRow(ctx,
		`SELECT `+derivedShareColumns+` FROM derived_shares WHERE derived_share_id = $1`, id))
	return d, mapError(err, "derived share")
}

// FindDerivedShares returns the derived shares f selects, by merchant and
// share value. It does not check permissions.
func (s *MerchantStore) FindDerivedShares(ctx context.Context, f merchant.ListFilter) ([]*merchant.DerivedShare, error) {
	q := merchantFilter(f)
	sql := q.query(`SELECT `+derivedShareColumns+` FROM derived_shares`, "merchant_id, share, derived_share_id", f)
	return findAll(ctx, s.db, "derived shares", sql, q.args, scanDerivedShare)
}

// UpdateDerivedShare applies apply to the locked derived share and stores
// it. It does not check permissions.
func (s *MerchantStore) UpdateDerivedShare(ctx context.Context, id string, apply func(*merchant.DerivedShare) error) (*merchant.DerivedShare, error) {
	return updateRow(ctx, s.db, "derived share",
		`SELECT `+derivedShareColumns+` FROM derived_shares WHERE derived_share_id = $1 FOR UPDATE`, id, scanDerivedShare, apply,
		func(tx pgx.Tx, d *merchant.DerivedShare) (*merchant.DerivedShare, error) {
			return scanDerivedShare(tx.QueryRow(ctx, `UPDATE derived_shares
				SET share = $2, derived_share = $3, derived_share_type = $4, updated_at = $5
				WHERE derived_share_id = $1 RETURNING `+derivedShareColumns,
				d.ID, d.Share, d.DerivedShare, string(d.DerivedShareType), d.UpdatedAt))
		})
}

// DeleteDerivedShare removes one derived share. It does not check
// permissions.
func (s *MerchantStore) DeleteDerivedShare(ctx context.Context, id string) error {
	return deleteRow(ctx, s.db, "derived share", `DELETE FROM derived_shares WHERE derived_share_id = $1`, id)
}

// ReplaceDerivedShares makes ds the merchant's whole set in one
// transaction; concurrent replaces of one merchant run one after the
// other. It does not check permissions.
func (s *MerchantStore) ReplaceDerivedShares(ctx context.Context, merchantID string, ds []*merchant.DerivedShare) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// NO KEY UPDATE serialises replaces without blocking the foreign
		// key checks of other writers.
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM merchants WHERE merchant_id = $1 FOR NO KEY UPDATE`, merchantID).Scan(&one); err != nil {
			return mapError(err, "merchant")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM derived_shares WHERE merchant_id = $1`, merchantID); err != nil {
			return err
		}
		if len(ds) == 0 {
			return nil
		}
		return execItems(ctx, tx, "derived share", len(ds), func(b *pgx.Batch, i int) {
			b.Queue(insertDerivedShare, derivedShareArgs(ds[i])...)
		})
	})
	return passItemError(err, "derived shares")
}
