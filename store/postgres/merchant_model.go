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
	if f.MerchantIDs != nil && f.OwnerID != 0 {
		// The merchants asked for that the owner owns, as an array: the
		// rows are then read by index like without an owner. A join with
		// the owner's merchants (merchant_id = ANY(...) AND merchant_id IN
		// (SELECT ...)) is re-planned at every execution for its long
		// array, which cost PostgreSQL about 1 ms per statement: a third
		// of a 100-merchant REST list.
		q.args = append(q.args, f.MerchantIDs, f.OwnerID)
		n := len(q.args)
		q.conds = append(q.conds, "merchant_id = ANY(ARRAY(SELECT merchant_id FROM merchants WHERE merchant_id = ANY($"+
			strconv.Itoa(n-1)+") AND owner_id = $"+strconv.Itoa(n)+"))")
		return q
	}
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
