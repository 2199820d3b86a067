package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/merchant"
)

var _ merchant.ProfileStore = (*MerchantStore)(nil)

// UpdateMerchantProfile applies the profile fields present in upd. It does
// not check permissions.
func (s *MerchantStore) UpdateMerchantProfile(ctx context.Context, id string, upd merchant.ProfileUpdate, now time.Time) (*merchant.Merchant, error) {
	m, err := scanMerchant(s.db.Pool.QueryRow(ctx, `
		UPDATE merchants
		SET country = COALESCE($2, country), address = COALESCE($3, address), zip_code = COALESCE($4, zip_code),
			city = COALESCE($5, city), phone_number = COALESCE($6, phone_number),
			registration_number = COALESCE($7, registration_number), updated_at = $8
		WHERE merchant_id = $1
		RETURNING `+merchantColumns, id, upd.Country, upd.Address, upd.ZipCode, upd.City, upd.PhoneNumber,
		upd.RegistrationNumber, now))
	return m, mapError(err, "merchant")
}

// SetMerchantLogo replaces the merchant's logo (bytes, version and type) in
// one transaction. It does not check permissions.
func (s *MerchantStore) SetMerchantLogo(ctx context.Context, id string, logo merchant.LogoImage, now time.Time) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var found bool
		if err := tx.QueryRow(ctx, `
			UPDATE merchants SET logo_version = $2, logo_content_type = $3, updated_at = $4
			WHERE merchant_id = $1 RETURNING true`, id, logo.Version, logo.ContentType, now).Scan(&found); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO merchant_logos (merchant_id, version, content_type, data, updated_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (merchant_id) DO UPDATE
			SET version = EXCLUDED.version, content_type = EXCLUDED.content_type, data = EXCLUDED.data,
				updated_at = EXCLUDED.updated_at`, id, logo.Version, logo.ContentType, logo.Data, now)
		return err
	})
	return mapError(err, "merchant")
}

// FindMerchantLogo returns the merchant's logo with its bytes. It does not
// check permissions.
func (s *MerchantStore) FindMerchantLogo(ctx context.Context, id string) (*merchant.LogoImage, error) {
	var l merchant.LogoImage
	err := s.db.Pool.QueryRow(ctx, `SELECT version, content_type, data FROM merchant_logos WHERE merchant_id = $1`, id).
		Scan(&l.Version, &l.ContentType, &l.Data)
	if err != nil {
		return nil, mapError(err, "logo")
	}
	return &l, nil
}

// FindSupportedMerchants returns the active merchants, of country when it
// is not empty, ordered by id. It does not check permissions.
func (s *MerchantStore) FindSupportedMerchants(ctx context.Context, country string) ([]*merchant.Merchant, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT `+merchantColumns+` FROM merchants
		WHERE status = 'active' AND ($1 = '' OR country = $1)
		ORDER BY merchant_id`, country)
	if err != nil {
		return nil, mapError(err, "merchants")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*merchant.Merchant, error) { return scanMerchant(r) })
	return out, mapError(err, "merchants")
}

// FindUserMerchants returns the merchants the user has receipts from,
// ordered by id. It does not check permissions.
func (s *MerchantStore) FindUserMerchants(ctx context.Context, userID string) ([]*merchant.Merchant, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT `+merchantColumns+` FROM merchants
		WHERE merchant_id IN (SELECT merchant_id FROM receipt_users WHERE user_id = $1)
		ORDER BY merchant_id`, userID)
	if err != nil {
		return nil, mapError(err, "merchants")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*merchant.Merchant, error) { return scanMerchant(r) })
	return out, mapError(err, "merchants")
}

// merchantProfileDest are the scan destinations of a merchant's profile
// columns and logo version and type, in the order of merchantColumns'
// tail: what a receipt's merchant view reads too.
func merchantProfileDest(m *merchant.Merchant, logoVersion, logoType *string) []any {
	p := &m.Profile
	return []any{&p.Country, &p.Address, &p.ZipCode, &p.City, &p.PhoneNumber, &p.RegistrationNumber, logoVersion, logoType}
}
