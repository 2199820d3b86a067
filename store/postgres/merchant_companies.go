package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/merchant"
)

const companyColumns = `company_id, merchant_id, name, registration_number,
	user_share, user_share_type, provider_share, provider_share_type, created_at, updated_at`

func scanCompany(row pgx.Row) (*merchant.Company, error) {
	var c merchant.Company
	err := row.Scan(&c.ID, &c.MerchantID, &c.Name, &c.RegistrationNumber,
		numeric(&c.UserShare), &c.UserShareType, numeric(&c.ProviderShare), &c.ProviderShareType, &c.CreatedAt, &c.UpdatedAt)
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
