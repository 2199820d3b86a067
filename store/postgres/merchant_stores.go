package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/merchant"
)

const storeColumns = `store_id, merchant_id, store_number, name,
	user_share, user_share_type, provider_share, provider_share_type, source, created_at, updated_at`

func scanShop(row pgx.Row) (*merchant.Shop, error) {
	var sh merchant.Shop
	err := row.Scan(&sh.ID, &sh.MerchantID, &sh.StoreNumber, &sh.Name,
		numeric(&sh.UserShare), &sh.UserShareType, numeric(&sh.ProviderShare), &sh.ProviderShareType, &sh.Source, &sh.CreatedAt, &sh.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return &sh, nil
}

// CreateShop inserts a store. It does not check permissions.
func (s *MerchantStore) CreateShop(ctx context.Context, sh *merchant.Shop) error {
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO stores (`+storeColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		sh.ID, sh.MerchantID, sh.StoreNumber, sh.Name,
		sh.UserShare, string(sh.UserShareType), sh.ProviderShare, string(sh.ProviderShareType), string(sh.Source),
		sh.CreatedAt, sh.UpdatedAt)
	return mapModelError(err, "store")
}

// FindShopByID returns one store. It does not check permissions.
func (s *MerchantStore) FindShopByID(ctx context.Context, id string) (*merchant.Shop, error) {
	sh, err := scanShop(s.db.Pool.QueryRow(ctx, `SELECT `+storeColumns+` FROM stores WHERE store_id = $1`, id))
	return sh, mapError(err, "store")
}

// FindShops returns the stores f selects, by merchant and id. It does not
// check permissions.
func (s *MerchantStore) FindShops(ctx context.Context, f merchant.ListFilter) ([]*merchant.Shop, error) {
	q := merchantFilter(f)
	sql := q.query(`SELECT `+storeColumns+` FROM stores`, "merchant_id, store_id", f)
	return findAll(ctx, s.db, "stores", sql, q.args, scanShop)
}

// UpdateShop applies apply to the locked store and stores it. It does not
// check permissions.
func (s *MerchantStore) UpdateShop(ctx context.Context, id string, apply func(*merchant.Shop) error) (*merchant.Shop, error) {
	return updateRow(ctx, s.db, "store",
		`SELECT `+storeColumns+` FROM stores WHERE store_id = $1 FOR UPDATE`, id, scanShop, apply,
		func(tx pgx.Tx, sh *merchant.Shop) (*merchant.Shop, error) {
			return scanShop(tx.QueryRow(ctx, `UPDATE stores
				SET store_number = $2, name = $3, user_share = $4, user_share_type = $5,
					provider_share = $6, provider_share_type = $7, source = $8, updated_at = $9
				WHERE store_id = $1 RETURNING `+storeColumns,
				sh.ID, sh.StoreNumber, sh.Name, sh.UserShare, string(sh.UserShareType),
				sh.ProviderShare, string(sh.ProviderShareType), string(sh.Source), sh.UpdatedAt))
		})
}

// DeleteShop removes one store. It does not check permissions.
func (s *MerchantStore) DeleteShop(ctx context.Context, id string) error {
	return deleteRow(ctx, s.db, "store", `DELETE FROM stores WHERE store_id = $1`, id)
}
