package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/merchant"
)

const blockedColumns = `product_id, name, product_number, created_at`

func scanBlocked(row pgx.Row) (*merchant.BlockedProduct, error) {
	var b merchant.BlockedProduct
	if err := row.Scan(&b.ID, &b.Name, &b.ProductNumber, &b.CreatedAt); err != nil {
		return nil, err
	}
	return &b, nil
}

const insertBlocked = `INSERT INTO blocked_products (` + blockedColumns + `) VALUES ($1, $2, $3, $4)`

// CreateBlockedProducts inserts all of bs or none. It does not check
// permissions.
func (s *MerchantStore) CreateBlockedProducts(ctx context.Context, bs []*merchant.BlockedProduct) error {
	if len(bs) == 1 {
		b := bs[0]
		_, err := s.db.Pool.Exec(ctx, insertBlocked, b.ID, b.Name, b.ProductNumber, b.CreatedAt)
		return mapModelError(err, "blocked product")
	}
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		return execItems(ctx, tx, "blocked product", len(bs), func(batch *pgx.Batch, i int) {
			b := bs[i]
			batch.Queue(insertBlocked, b.ID, b.Name, b.ProductNumber, b.CreatedAt)
		})
	})
	return passItemError(err, "blocked products")
}

// FindBlockedProducts returns a page of blocked products by id. It does not
// check permissions.
func (s *MerchantStore) FindBlockedProducts(ctx context.Context, f merchant.ListFilter) ([]*merchant.BlockedProduct, error) {
	q := &filterSQL{}
	if f.ProductIDs != nil {
		q.add("product_id = ANY(?)", f.ProductIDs)
	}
	sql := q.query(`SELECT `+blockedColumns+` FROM blocked_products`, "product_id", f)
	return findAll(ctx, s.db, "blocked products", sql, q.args, scanBlocked)
}

// DeleteBlockedProduct removes one blocked product. It does not check
// permissions.
func (s *MerchantStore) DeleteBlockedProduct(ctx context.Context, id string) error {
	return deleteRow(ctx, s.db, "blocked product", `DELETE FROM blocked_products WHERE product_id = $1`, id)
}
