package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/merchant"
)

const campaignColumns = `campaign_id, merchant_id, name, campaign_start, campaign_end,
	user_share, user_share_type, provider_share, provider_share_type,
	store_number, category_id, product_number, created_at, updated_at`

func scanCampaign(row pgx.Row) (*merchant.Campaign, error) {
	var c merchant.Campaign
	err := row.Scan(&c.ID, &c.MerchantID, &c.Name, &c.Start, &c.End,
		numeric(&c.UserShare), &c.UserShareType, numeric(&c.ProviderShare), &c.ProviderShareType,
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
