package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
)

// This file implements merchant.ModelStore: the settlement model of a
// merchant (migration 0004). No method checks permissions.

// constraintConflict is what a violated constraint means to the caller.
type constraintConflict struct {
	field   string
	message string
}

// modelUniqueConflicts names the field and reason behind each unique
// constraint of the settlement model.
var modelUniqueConflicts = map[string]constraintConflict{
	"companies_pkey":                      {"companyId", "company already exists"},
	"companies_registration_number_key":   {"companyRegistrationNumber", "a company with this registration number already exists"},
	"stores_pkey":                         {"storeId", "store already exists"},
	"stores_transaction_number_key":       {"storeNumber", "a transaction store with this store number already exists"},
	"stores_receipt_number_key":           {"storeNumber", "the merchant already has a receipt store with this store number"},
	"categories_pkey":                     {"categoryId", "category already exists"},
	"products_pkey":                       {"productId", "product already exists"},
	"products_category_number_key":        {"productNumber", "the category already has this product number"},
	"campaigns_pkey":                      {"campaignId", "campaign already exists"},
	"derived_shares_pkey":                 {"derivedShareId", "derived share already exists"},
	"derived_shares_merchant_share_key":   {"share", "the merchant already has a derived share for this share"},
	"blocked_products_pkey":               {"productId", "blocked product already exists"},
	"blocked_products_product_number_key": {"productNumber", "this product number is already blocked"},
}

// modelMissingReferences names the field of a create or update that refers
// to something that does not exist.
var modelMissingReferences = map[string]constraintConflict{
	"companies_merchant_fkey":      {"merchantId", "merchant does not exist"},
	"stores_merchant_fkey":         {"merchantId", "merchant does not exist"},
	"categories_merchant_fkey":     {"merchantId", "merchant does not exist"},
	"campaigns_merchant_fkey":      {"merchantId", "merchant does not exist"},
	"derived_shares_merchant_fkey": {"merchantId", "merchant does not exist"},
	"products_category_fkey":       {"categoryId", "category does not exist"},
	"campaigns_category_fkey":      {"categoryId", "category does not exist for this merchant"},
}

// restrictConflicts gives, for each ON DELETE RESTRICT reference of the
// settlement model, why deleting the referenced row is refused; mapError
// may use it for the merchant's own delete.
var restrictConflicts = map[string]constraintConflict{
	"companies_merchant_fkey":  {"merchantId", "merchant still has companies; delete them first"},
	"stores_merchant_fkey":     {"merchantId", "merchant still has stores; delete them first"},
	"categories_merchant_fkey": {"merchantId", "merchant still has categories; delete them first"},
	"campaigns_merchant_fkey":  {"merchantId", "merchant still has campaigns; delete them first"},
	"campaigns_category_fkey":  {"categoryId", "category is named by campaigns; delete or change them first"},
}

// mapModelError maps the driver errors of a create or update; a broken
// reference means the input names something missing. Anything else goes to
// mapError.
func mapModelError(err error, what string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			if c, ok := modelUniqueConflicts[pgErr.ConstraintName]; ok {
				return errs.Conflictf(c.field, "%s", c.message)
			}
		case "23503": // foreign_key_violation
			if c, ok := modelMissingReferences[pgErr.ConstraintName]; ok {
				return errs.InvalidField(c.field, "%s", c.message)
			}
		}
	}
	return mapError(err, what)
}

// mapDeleteError maps the driver errors of a delete; a broken reference
// means something still refers to the row.
func mapDeleteError(err error, what string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		if c, ok := restrictConflicts[pgErr.ConstraintName]; ok {
			return errs.Conflictf(c.field, "%s", c.message)
		}
	}
	return mapError(err, what)
}

// filterSQL builds a WHERE clause and a page from bound arguments.
type filterSQL struct {
	conds []string
	args  []any
}

// add appends a condition; each ? in cond becomes the placeholder of arg.
func (q *filterSQL) add(cond string, arg any) {
	q.args = append(q.args, arg)
	q.conds = append(q.conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(q.args))))
}

// query returns the statement: base, the conditions, order and the page.
func (q *filterSQL) query(base, orderBy string, f merchant.ListFilter) string {
	var b strings.Builder
	b.WriteString(base)
	if len(q.conds) > 0 {
		b.WriteString(" WHERE ")
		b.WriteString(strings.Join(q.conds, " AND "))
	}
	b.WriteString(" ORDER BY ")
	b.WriteString(orderBy)
	// LIMIT NULL is no limit.
	q.args = append(q.args, f.Offset, f.Limit)
	b.WriteString(" OFFSET $" + strconv.Itoa(len(q.args)-1) + " LIMIT $" + strconv.Itoa(len(q.args)))
	return b.String()
}

func merchantFilter(f merchant.ListFilter) *filterSQL {
	q := &filterSQL{}
	if f.MerchantIDs != nil {
		q.add("merchant_id = ANY(?)", f.MerchantIDs)
	}
	if f.OwnerID != 0 {
		q.add("merchant_id IN (SELECT merchant_id FROM merchants WHERE owner_id = ?)", f.OwnerID)
	}
	return q
}

// findAll runs a list query and scans every row.
func findAll[T any](ctx context.Context, db *DB, what, sql string, args []any, scan func(pgx.Row) (*T, error)) ([]*T, error) {
	rows, err := db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapError(err, what)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*T, error) { return scan(r) })
	return out, mapError(err, what)
}

// updateRow locks one row, lets apply change it and writes it back, in one
// transaction.
func updateRow[T any](ctx context.Context, db *DB, what, lockSQL, id string, scan func(pgx.Row) (*T, error),
	apply func(*T) error, write func(pgx.Tx, *T) (*T, error)) (*T, error) {
	var out *T
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		cur, err := scan(tx.QueryRow(ctx, lockSQL, id))
		if err != nil {
			return err
		}
		if err := apply(cur); err != nil {
			return err
		}
		out, err = write(tx, cur)
		return err
	})
	if err != nil {
		return nil, mapModelError(err, what)
	}
	return out, nil
}

// deleteRow deletes by id; no row is not found.
func deleteRow(ctx context.Context, db *DB, what, sql, id string) error {
	tag, err := db.Pool.Exec(ctx, sql, id)
	if err != nil {
		return mapDeleteError(err, what)
	}
	if tag.RowsAffected() == 0 {
		return errs.NotFoundf("%s not found", what)
	}
	return nil
}

// execItems runs one statement per item in tx as one batch; the first
// failure is a merchant.ItemError naming the item.
func execItems(ctx context.Context, tx pgx.Tx, what string, n int, queue func(b *pgx.Batch, i int)) error {
	b := &pgx.Batch{}
	for i := range n {
		queue(b, i)
	}
	br := tx.SendBatch(ctx, b)
	for i := range n {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return &merchant.ItemError{Index: i, Err: mapModelError(err, what)}
		}
	}
	return mapError(br.Close(), what)
}

// passItemError keeps a merchant.ItemError (which mapError would unwrap).
func passItemError(err error, what string) error {
	var ie *merchant.ItemError
	if errors.As(err, &ie) {
		return ie
	}
	return mapModelError(err, what)
}

// --- companies ---

const companyColumns = `company_id, merchant_id, name, registration_number,
	user_share, user_share_type, provider_share, provider_share_type, created_at, updated_at`

func scanCompany(row pgx.Row) (*merchant.Company, error) {
	var c merchant.Company
	err := row.Scan(&c.ID, &c.MerchantID, &c.Name, &c.RegistrationNumber,
		&c.UserShare, &c.UserShareType, &c.ProviderShare, &c.ProviderShareType, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateCompany inserts c. It does not check permissions.
func (s *MerchantStore) CreateCompany(ctx context.Context, c *merchant.Company) error {
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO companies (`+companyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.MerchantID, c.Name, c.RegistrationNumber,
		c.UserShare, string(c.UserShareType), c.ProviderShare, string(c.ProviderShareType), c.CreatedAt, c.UpdatedAt)
	return mapModelError(err, "company")
}

// FindCompanyByID returns one company. It does not check permissions.
func (s *MerchantStore) FindCompanyByID(ctx context.Context, id string) (*merchant.Company, error) {
	c, err := scanCompany(s.db.Pool.QueryRow(ctx, `SELECT `+companyColumns+` FROM companies WHERE company_id = $1`, id))
	return c, mapError(err, "company")
}

// FindCompanies returns the companies f selects, by merchant and id. It
// does not check permissions.
func (s *MerchantStore) FindCompanies(ctx context.Context, f merchant.ListFilter) ([]*merchant.Company, error) {
	q := merchantFilter(f)
	sql := q.query(`SELECT `+companyColumns+` FROM companies`, "merchant_id, company_id", f)
	return findAll(ctx, s.db, "companies", sql, q.args, scanCompany)
}

// UpdateCompany applies apply to the locked company and stores it. It does
// not check permissions.
func (s *MerchantStore) UpdateCompany(ctx context.Context, id string, apply func(*merchant.Company) error) (*merchant.Company, error) {
	return updateRow(ctx, s.db, "company",
		`SELECT `+companyColumns+` FROM companies WHERE company_id = $1 FOR UPDATE`, id, scanCompany, apply,
		func(tx pgx.Tx, c *merchant.Company) (*merchant.Company, error) {
			return scanCompany(tx.QueryRow(ctx, `UPDATE companies
				SET name = $2, registration_number = $3, user_share = $4, user_share_type = $5,
					provider_share = $6, provider_share_type = $7, updated_at = $8
				WHERE company_id = $1 RETURNING `+companyColumns,
				c.ID, c.Name, c.RegistrationNumber, c.UserShare, string(c.UserShareType),
				c.ProviderShare, string(c.ProviderShareType), c.UpdatedAt))
		})
}

// DeleteCompany removes one company. It does not check permissions.
func (s *MerchantStore) DeleteCompany(ctx context.Context, id string) error {
	return deleteRow(ctx, s.db, "company", `DELETE FROM companies WHERE company_id = $1`, id)
}

// --- stores ---

const storeColumns = `store_id, merchant_id, store_number, name,
	user_share, user_share_type, provider_share, provider_share_type, source, created_at, updated_at`

func scanShop(row pgx.Row) (*merchant.Shop, error) {
	var sh merchant.Shop
	err := row.Scan(&sh.ID, &sh.MerchantID, &sh.StoreNumber, &sh.Name,
		&sh.UserShare, &sh.UserShareType, &sh.ProviderShare, &sh.ProviderShareType, &sh.Source, &sh.CreatedAt, &sh.UpdatedAt)
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

// --- categories ---

const categoryColumns = `category_id, merchant_id, name,
	user_share, user_share_type, provider_share, provider_share_type, store_number, created_at, updated_at`

func scanCategory(row pgx.Row) (*merchant.Category, error) {
	var c merchant.Category
	err := row.Scan(&c.ID, &c.MerchantID, &c.Name,
		&c.UserShare, &c.UserShareType, &c.ProviderShare, &c.ProviderShareType, &c.StoreNumber, &c.CreatedAt, &c.UpdatedAt)
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

// --- products ---

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

// --- campaigns ---

const campaignColumns = `campaign_id, merchant_id, name, campaign_start, campaign_end,
	user_share, user_share_type, provider_share, provider_share_type,
	store_number, category_id, product_number, created_at, updated_at`

func scanCampaign(row pgx.Row) (*merchant.Campaign, error) {
	var c merchant.Campaign
	err := row.Scan(&c.ID, &c.MerchantID, &c.Name, &c.Start, &c.End,
		&c.UserShare, &c.UserShareType, &c.ProviderShare, &c.ProviderShareType,
		&c.StoreNumber, &c.CategoryID, &c.ProductNumber, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return nil, err
	}
	c.Start, c.End = c.Start.UTC(), c.End.UTC()
	return &c, nil
}

// CreateCampaign inserts c. It does not check permissions.
func (s *MerchantStore) CreateCampaign(ctx context.Context, c *merchant.Campaign) error {
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO campaigns (`+campaignColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		c.ID, c.MerchantID, c.Name, c.Start, c.End,
		c.UserShare, string(c.UserShareType), c.ProviderShare, string(c.ProviderShareType),
		c.StoreNumber, c.CategoryID, c.ProductNumber, c.CreatedAt, c.UpdatedAt)
	return mapModelError(err, "campaign")
}

// FindCampaignByID returns one campaign. It does not check permissions.
func (s *MerchantStore) FindCampaignByID(ctx context.Context, id string) (*merchant.Campaign, error) {
	c, err := scanCampaign(s.db.Pool.QueryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE campaign_id = $1`, id))
	return c, mapError(err, "campaign")
}

// FindCampaigns returns the campaigns f selects, by start and id. It does
// not check permissions.
func (s *MerchantStore) FindCampaigns(ctx context.Context, f merchant.ListFilter) ([]*merchant.Campaign, error) {
	q := merchantFilter(f)
	if f.EndAfter != nil {
		q.add("campaign_end > ?", *f.EndAfter)
	}
	sql := q.query(`SELECT `+campaignColumns+` FROM campaigns`, "campaign_start, campaign_id", f)
	return findAll(ctx, s.db, "campaigns", sql, q.args, scanCampaign)
}

// UpdateCampaign applies apply to the locked campaign and stores it. It
// does not check permissions.
func (s *MerchantStore) UpdateCampaign(ctx context.Context, id string, apply func(*merchant.Campaign) error) (*merchant.Campaign, error) {
	return updateRow(ctx, s.db, "campaign",
		`SELECT `+campaignColumns+` FROM campaigns WHERE campaign_id = $1 FOR UPDATE`, id, scanCampaign, apply,
		func(tx pgx.Tx, c *merchant.Campaign) (*merchant.Campaign, error) {
			return scanCampaign(tx.QueryRow(ctx, `UPDATE campaigns
				SET name = $2, campaign_start = $3, campaign_end = $4, user_share = $5, user_share_type = $6,
					provider_share = $7, provider_share_type = $8, store_number = $9, category_id = $10,
					product_number = $11, updated_at = $12
				WHERE campaign_id = $1 RETURNING `+campaignColumns,
				c.ID, c.Name, c.Start, c.End, c.UserShare, string(c.UserShareType),
				c.ProviderShare, string(c.ProviderShareType), c.StoreNumber, c.CategoryID, c.ProductNumber, c.UpdatedAt))
		})
}

// DeleteCampaign removes one campaign. It does not check permissions.
func (s *MerchantStore) DeleteCampaign(ctx context.Context, id string) error {
	return deleteRow(ctx, s.db, "campaign", `DELETE FROM campaigns WHERE campaign_id = $1`, id)
}

// --- derived shares ---

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

// --- blocked products ---

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
	sql := q.query(`SELECT `+blockedColumns+` FROM blocked_products`, "product_id", f)
	return findAll(ctx, s.db, "blocked products", sql, q.args, scanBlocked)
}

// DeleteBlockedProduct removes one blocked product. It does not check
// permissions.
func (s *MerchantStore) DeleteBlockedProduct(ctx context.Context, id string) error {
	return deleteRow(ctx, s.db, "blocked product", `DELETE FROM blocked_products WHERE product_id = $1`, id)
}

// --- the whole model ---

// queueList queues a list query whose rows scan into *dst.
func queueList[T any](b *pgx.Batch, dst *[]*T, scan func(pgx.Row) (*T, error), sql string, args ...any) {
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*T, error) { return scan(r) })
		*dst = list
		return err
	})
}

// LoadRules reads the merchant and its whole settlement model, with every
// blocked product, in one repeatable-read snapshot and one round trip of
// eight queries. It does not check permissions.
func (s *MerchantStore) LoadRules(ctx context.Context, merchantID string) (*merchant.Rules, error) {
	tx, err := s.db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, mapError(err, "rules")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	r := &merchant.Rules{}
	b := &pgx.Batch{}
	b.Queue(`SELECT `+merchantColumns+` FROM merchants WHERE merchant_id = $1`, merchantID).QueryRow(func(row pgx.Row) error {
		m, err := scanMerchant(row)
		r.Merchant = m
		return err
	})
	queueList(b, &r.Companies, scanCompany,
		`SELECT `+companyColumns+` FROM companies WHERE merchant_id = $1 ORDER BY company_id`, merchantID)
	queueList(b, &r.Shops, scanShop,
		`SELECT `+storeColumns+` FROM stores WHERE merchant_id = $1 ORDER BY store_id`, merchantID)
	queueList(b, &r.Categories, scanCategory,
		`SELECT `+categoryColumns+` FROM categories WHERE merchant_id = $1 ORDER BY category_id`, merchantID)
	queueList(b, &r.Products, scanProduct,
		`SELECT p.product_id, p.category_id, p.name, p.product_number, p.created_at
		FROM products p JOIN categories c ON c.category_id = p.category_id
		WHERE c.merchant_id = $1 ORDER BY p.category_id, p.product_id`, merchantID)
	queueList(b, &r.Campaigns, scanCampaign,
		`SELECT `+campaignColumns+` FROM campaigns WHERE merchant_id = $1 ORDER BY campaign_start, campaign_id`, merchantID)
	queueList(b, &r.DerivedShares, scanDerivedShare,
		`SELECT `+derivedShareColumns+` FROM derived_shares WHERE merchant_id = $1 ORDER BY share`, merchantID)
	queueList(b, &r.Blocked, scanBlocked,
		`SELECT `+blockedColumns+` FROM blocked_products ORDER BY product_number`)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, mapError(err, "merchant")
	}
	return r, nil
}

// LoadAllRules reads every active merchant's whole settlement model, in
// merchant id order, in one repeatable-read snapshot and one round trip of
// eight queries, whatever the number of merchants: each list is read for
// every merchant at once, in the order LoadRules reads one merchant's, and
// the blocked products once (every merchant's rules share them). It does
// not check permissions.
func (s *MerchantStore) LoadAllRules(ctx context.Context) ([]*merchant.Rules, error) {
	tx, err := s.db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, mapError(err, "rules")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var (
		merchants     []*merchant.Merchant
		companies     []*merchant.Company
		shops         []*merchant.Shop
		categories    []*merchant.Category
		products      []*merchant.Product
		campaigns     []*merchant.Campaign
		derivedShares []*merchant.DerivedShare
		blocked       []*merchant.BlockedProduct
	)
	b := &pgx.Batch{}
	queueList(b, &merchants, scanMerchant,
		`SELECT `+merchantColumns+` FROM merchants WHERE status = 'active' ORDER BY merchant_id`)
	queueList(b, &companies, scanCompany, `SELECT `+companyColumns+` FROM companies ORDER BY merchant_id, company_id`)
	queueList(b, &shops, scanShop, `SELECT `+storeColumns+` FROM stores ORDER BY merchant_id, store_id`)
	queueList(b, &categories, scanCategory, `SELECT `+categoryColumns+` FROM categories ORDER BY merchant_id, category_id`)
	queueList(b, &products, scanProduct,
		`SELECT p.product_id, p.category_id, p.name, p.product_number, p.created_at
		FROM products p JOIN categories c ON c.category_id = p.category_id
		ORDER BY c.merchant_id, p.category_id, p.product_id`)
	queueList(b, &campaigns, scanCampaign,
		`SELECT `+campaignColumns+` FROM campaigns ORDER BY merchant_id, campaign_start, campaign_id`)
	queueList(b, &derivedShares, scanDerivedShare,
		`SELECT `+derivedShareColumns+` FROM derived_shares ORDER BY merchant_id, share`)
	queueList(b, &blocked, scanBlocked, `SELECT `+blockedColumns+` FROM blocked_products ORDER BY product_number`)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, mapError(err, "rules")
	}
	out := make([]*merchant.Rules, len(merchants))
	byID := make(map[string]*merchant.Rules, len(merchants))
	for i, m := range merchants {
		out[i] = &merchant.Rules{Merchant: m, Blocked: blocked, Companies: []*merchant.Company{}, Shops: []*merchant.Shop{},
			Categories: []*merchant.Category{}, Products: []*merchant.Product{}, Campaigns: []*merchant.Campaign{},
			DerivedShares: []*merchant.DerivedShare{}} // empty lists, as LoadRules reads them
		byID[m.ID] = out[i]
	}
	// Entities of merchants that are not active find no rules and are
	// dropped.
	for _, c := range companies {
		if r := byID[c.MerchantID]; r != nil {
			r.Companies = append(r.Companies, c)
		}
	}
	for _, sh := range shops {
		if r := byID[sh.MerchantID]; r != nil {
			r.Shops = append(r.Shops, sh)
		}
	}
	categoryOwner := make(map[string]*merchant.Rules, len(categories))
	for _, c := range categories {
		if r := byID[c.MerchantID]; r != nil {
			r.Categories = append(r.Categories, c)
			categoryOwner[c.ID] = r
		}
	}
	for _, p := range products {
		if r := categoryOwner[p.CategoryID]; r != nil {
			r.Products = append(r.Products, p)
		}
	}
	for _, c := range campaigns {
		if r := byID[c.MerchantID]; r != nil {
			r.Campaigns = append(r.Campaigns, c)
		}
	}
	for _, d := range derivedShares {
		if r := byID[d.MerchantID]; r != nil {
			r.DerivedShares = append(r.DerivedShares, d)
		}
	}
	return out, nil
}
