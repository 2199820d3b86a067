package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
)

// MerchantStore implements merchant.Store.
type MerchantStore struct{ db *DB }

// NewMerchantStore returns the merchant store of db.
func NewMerchantStore(db *DB) *MerchantStore { return &MerchantStore{db: db} }

var _ merchant.Store = (*MerchantStore)(nil)

const merchantColumns = `merchant_id, name, status, COALESCE(owner_id, 0), created_at, updated_at,
	country, address, zip_code, city, phone_number, registration_number,
	COALESCE(logo_version, ''), COALESCE(logo_content_type, '')`

// merchantDest is where one row of merchantColumns is scanned.
type merchantDest struct {
	status, logoVersion, logoType string
}

func (d *merchantDest) targets(m *merchant.Merchant) []any {
	return append([]any{&m.ID, &m.Name, &d.status, &m.OwnerID, &m.CreatedAt, &m.UpdatedAt},
		merchantProfileDest(m, &d.logoVersion, &d.logoType)...)
}

func (d *merchantDest) finish(m *merchant.Merchant) {
	m.Status = merchant.Status(d.status)
	m.Logo = nil
	if d.logoVersion != "" {
		m.Logo = &merchant.Logo{Version: d.logoVersion, ContentType: d.logoType}
	}
}

func scanMerchant(row pgx.Row) (*merchant.Merchant, error) {
	var m merchant.Merchant
	var d merchantDest
	if err := row.Scan(d.targets(&m)...); err != nil {
		return nil, err
	}
	d.finish(&m)
	return &m, nil
}

// CreateMerchant inserts m. It does not check permissions.
func (s *MerchantStore) CreateMerchant(ctx context.Context, m *merchant.Merchant) error {
	_, err := s.db.Pool.Exec(ctx, `
		INSERT INTO merchants (merchant_id, name, status, owner_id, created_at, updated_at)
		VALUES ($1, $2, $3, NULLIF($4, 0), $5, $6)`,
		m.ID, m.Name, string(m.Status), m.OwnerID, m.CreatedAt, m.UpdatedAt)
	return mapError(err, "merchant")
}

// FindMerchantByID returns one merchant. It does not check permissions.
func (s *MerchantStore) FindMerchantByID(ctx context.Context, id string) (*merchant.Merchant, error) {
	m, err := scanMerchant(s.db.Pool.QueryRow(ctx,
		`SELECT `+merchantColumns+` FROM merchants WHERE merchant_id = $1`, id))
	return m, mapError(err, "merchant")
}

// FindMerchantsByIDs returns the merchants among ids. It does not check
// permissions.
func (s *MerchantStore) FindMerchantsByIDs(ctx context.Context, ids []string) ([]*merchant.Merchant, error) {
	rows, err := s.db.Pool.Query(ctx,
		`SELECT `+merchantColumns+` FROM merchants WHERE merchant_id = ANY($1)`, ids)
	if err != nil {
		return nil, mapError(err, "merchants")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*merchant.Merchant, error) { return scanMerchant(r) })
	return out, mapError(err, "merchants")
}

// FindMerchants returns a page of merchants ordered by id and the total
// number of merchants. It does not check permissions.
func (s *MerchantStore) FindMerchants(ctx context.Context, f merchant.Filter) ([]*merchant.Merchant, int, error) {
	var total int
	var out []*merchant.Merchant
	// One round trip: the total and the page, in one snapshot.
	rows, err := s.db.Pool.Query(ctx, `
		SELECT `+merchantColumns+`, count(*) OVER ()
		FROM merchants
		WHERE $3 = 0 OR owner_id = $3
		ORDER BY merchant_id
		OFFSET $1 LIMIT $2`, f.Offset, f.Limit, f.OwnerID)
	if err != nil {
		return nil, 0, mapError(err, "merchants")
	}
	defer rows.Close()
	// One backing array for the page instead of one allocation per row.
	page := make([]merchant.Merchant, 0, min(f.Limit, 256))
	out = make([]*merchant.Merchant, 0, cap(page))
	// One set of scan targets for every row, copied into the page.
	var row merchant.Merchant
	var d merchantDest
	targets := append(d.targets(&row), &total)
	for rows.Next() {
		if len(page) == cap(page) {
			page = make([]merchant.Merchant, 0, cap(page))
		}
		row = merchant.Merchant{}
		if err := rows.Scan(targets...); err != nil {
			return nil, 0, mapError(err, "merchants")
		}
		d.finish(&row)
		page = append(page, row)
		out = append(out, &page[len(page)-1])
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapError(err, "merchants")
	}
	if len(out) == 0 {
		// count(*) OVER () has no row to ride on past the last page.
		if err := s.db.Pool.QueryRow(ctx,
			`SELECT count(*) FROM merchants WHERE $1 = 0 OR owner_id = $1`, f.OwnerID).Scan(&total); err != nil {
			return nil, 0, mapError(err, "merchants")
		}
	}
	return out, total, nil
}

// listingPage selects the merchants of a listing's page: $1 offset, $2
// limit, $3 owner (0 for every owner). Its companies and campaigns select
// by the same subquery, so that the three statements go out together.
const listingPage = `SELECT merchant_id FROM merchants WHERE $3 = 0 OR owner_id = $3 ORDER BY merchant_id OFFSET $1 LIMIT $2`

// FindListing returns a page of merchants with their companies and
// campaigns in one round trip: three statements in one batch, the lists
// selecting the page's merchants by the page's own subquery. It does not
// check permissions.
func (s *MerchantStore) FindListing(ctx context.Context, f merchant.Filter) (*merchant.Listing, error) {
	l := &merchant.Listing{}
	b := &pgx.Batch{}
	queueList(b, &l.Merchants, scanMerchant, `SELECT `+merchantColumns+` FROM merchants
		WHERE $3 = 0 OR owner_id = $3 ORDER BY merchant_id OFFSET $1 LIMIT $2`, f.Offset, f.Limit, f.OwnerID)
	queueList(b, &l.Companies, scanCompany, `SELECT `+companyColumns+` FROM companies WHERE merchant_id IN (`+listingPage+`)
		ORDER BY merchant_id, company_id`, f.Offset, f.Limit, f.OwnerID)
	queueList(b, &l.Campaigns, scanCampaign, `SELECT `+campaignColumns+` FROM campaigns WHERE merchant_id IN (`+listingPage+`)
		ORDER BY campaign_start, campaign_id`, f.Offset, f.Limit, f.OwnerID)
	if err := s.db.Pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, mapError(err, "merchants")
	}
	return l, nil
}

// UpdateMerchant applies the fields present in upd. It does not check
// permissions.
func (s *MerchantStore) UpdateMerchant(ctx context.Context, id string, upd merchant.Update, now time.Time) (*merchant.Merchant, error) {
	var status *string
	if upd.Status != nil {
		v := string(*upd.Status)
		status = &v
	}
	m, err := scanMerchant(s.db.Pool.QueryRow(ctx, `
		UPDATE merchants
		SET name = COALESCE($2, name), status = COALESCE($3, status), updated_at = $4
		WHERE merchant_id = $1
		RETURNING `+merchantColumns, id, upd.Name, status, now))
	return m, mapError(err, "merchant")
}

// DeleteMerchant removes one merchant with its model (companies, stores,
// categories and their products, campaigns, derived shares), or refuses
// (conflict) while settlements or invoices of it exist. It does not check
// permissions.
func (s *MerchantStore) DeleteMerchant(ctx context.Context, id string) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var found bool
		if err := tx.QueryRow(ctx, `SELECT true FROM merchants WHERE merchant_id = $1 FOR UPDATE`, id).Scan(&found); err != nil {
			return err
		}
		// Settlements and invoices are financial records: while any
		// exists the merchant stays (409). Its model goes with it;
		// blocked products are global and stay.
		var financial bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM settlements WHERE merchant_id = $1)
			OR EXISTS (SELECT 1 FROM invoices WHERE merchant_id = $1)
			OR EXISTS (SELECT 1 FROM settlement_lots WHERE merchant_id = $1)`, id).Scan(&financial); err != nil {
			return err
		}
		if financial {
			return errs.Conflictf("merchantId", "merchant has settlements or invoices; it cannot be deleted")
		}
		for _, q := range []string{
			`DELETE FROM campaigns WHERE merchant_id = $1`,
			`DELETE FROM categories WHERE merchant_id = $1`, // and their products
			`DELETE FROM stores WHERE merchant_id = $1`,
			`DELETE FROM companies WHERE merchant_id = $1`,
			`DELETE FROM derived_shares WHERE merchant_id = $1`,
			`DELETE FROM merchants WHERE merchant_id = $1`,
		} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return mapError(err, "merchant")
	}
	return nil
}
