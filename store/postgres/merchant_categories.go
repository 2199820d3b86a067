package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/merchant"
)

const categoryColumns = `category_id, merchant_id, name,
	user_share, user_share_type, provider_share, provider_share_type, store_number, created_at, updated_at`

func scanCategory(row pgx.Row) (*merchant.Category, error) {
	var c merchant.Category
	err := row.Scan(&c.ID, &c.MerchantID, &c.Name,
		numeric(&c.UserShare), &c.UserShareType, numeric(&c.ProviderShare), &c.ProviderShareType, &c.StoreNumber, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateCategory inserts c. It does not check permissions.
func (s *MerchantStore) CreateCategory(ctx context.Context, c *merchant.Category) error {
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO categories (`+categoryColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.MerchantID, c.Name,
		c.UserShare, string(c.UserShareType), c.ProviderShare, string(c.ProviderShareType), c.StoreNumber,
		c.CreatedAt, c.UpdatedAt)
	return mapModelError(err, "category")
}

// FindCategoryByID returns one category. It does not check permissions.
func (s *MerchantStore) FindCategoryByID(ctx context.Context, id string) (*merchant.Category, error) {
	c, err := scanCategory(s.db.Pool.QueryRow(ctx, `SELECT `+categoryColumns+` FROM categories WHERE category_id = $1`, id))
	return c, mapError(err, "category")
}

// FindCategories returns the categories f selects, by merchant and id. It
// does not check permissions.
func (s *MerchantStore) FindCategories(ctx context.Context, f merchant.ListFilter) ([]*merchant.Category, error) {
	q := merchantFilter(f)
	sql := q.query(`SELECT `+categoryColumns+` FROM categories`, "merchant_id, category_id", f)
	return findAll(ctx, s.db, "categories", sql, q.args, scanCategory)
}

// UpdateCategory applies apply to the locked category and stores it. It
// does not check permissions.
func (s *MerchantStore) UpdateCategory(ctx context.Context, id string, apply func(*merchant.Category) error) (*merchant.Category, error) {
	return updateRow(ctx, s.db, "category",
		`SELECT `+categoryColumns+` FROM categories WHERE category_id = $1 FOR UPDATE`, id, scanCategory, apply,
		func(tx pgx.Tx, c *merchant.Category) (*merchant.Category, error) {
			return scanCategory(tx.QueryRow(ctx, `UPDATE categories
				SET name = $2, user_share = $3, user_share_type = $4,
					provider_share = $5, provider_share_type = $6, store_number = $7, updated_at = $8
				WHERE category_id = $1 RETURNING `+categoryColumns,
				c.ID, c.Name, c.UserShare, string(c.UserShareType),
				c.ProviderShare, string(c.ProviderShareType), c.StoreNumber, c.UpdatedAt))
		})
}

// DeleteCategory removes one category and its products. It does not check
// permissions.
func (s *MerchantStore) DeleteCategory(ctx context.Context, id string) error {
	return deleteRow(ctx, s.db, "category", `DELETE FROM categories WHERE category_id = $1`, id)
}

const productColumns = `product_id, category_id, name, product_number, created_at`

func scanProduct(row pgx.Row) (*merchant.Product, error) {
	var p merchant.Product
	if err := row.Scan(&p.ID, &p.CategoryID, &p.Name, &p.ProductNumber, &p.CreatedAt); err != nil {
		return nil, err
	}
	return &p, nil
}

const insertProduct = `INSERT INTO products (` + productColumns + `) VALUES ($1, $2, $3, $4, $5)`

// CreateProducts inserts all of ps or none. It does not check permissions.
func (s *MerchantStore) CreateProducts(ctx context.Context, ps []*merchant.Product) error {
	if len(ps) == 1 {
		p := ps[0]
		_, err := s.db.Pool.Exec(ctx, insertProduct, p.ID, p.CategoryID, p.Name, p.ProductNumber, p.CreatedAt)
		return mapModelError(err, "product")
	}
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		return execItems(ctx, tx, "product", len(ps), func(b *pgx.Batch, i int) {
			p := ps[i]
			b.Queue(insertProduct, p.ID, p.CategoryID, p.Name, p.ProductNumber, p.CreatedAt)
		})
	})
	return passItemError(err, "products")
}

// FindProducts returns the products f selects, by category and id. It does
// not check permissions.
func (s *MerchantStore) FindProducts(ctx context.Context, f merchant.ListFilter) ([]*merchant.Product, error) {
	q := &filterSQL{}
	if f.CategoryIDs != nil {
		q.add("category_id = ANY(?)", f.CategoryIDs)
	}
	if f.ProductIDs != nil {
		q.add("product_id = ANY(?)", f.ProductIDs)
	}
	if f.OwnerID != 0 {
		q.add(`category_id IN (SELECT c.category_id FROM categories c JOIN merchants m USING (merchant_id)
			WHERE m.owner_id = ?)`, f.OwnerID)
	}
	sql := q.query(`SELECT `+productColumns+` FROM products`, "category_id, product_id", f)
	return findAll(ctx, s.db, "products", sql, q.args, scanProduct)
}

// DeleteProduct removes one product. It does not check permissions.
func (s *MerchantStore) DeleteProduct(ctx context.Context, id string) error {
	return deleteRow(ctx, s.db, "product", `DELETE FROM products WHERE product_id = $1`, id)
}
