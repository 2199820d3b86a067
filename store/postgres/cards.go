package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/user"
)

// This file holds the UserStore's methods for cards entered as card
// numbers (user.CardStore): look-up by token hash, deletion, encryption
// providers and the partners' SCA setting.

var _ user.CardStore = (*UserStore)(nil)

// FindCardByTokenHash returns the provider's card with this token hash. It
// does not check permissions.
func (s *UserStore) FindCardByTokenHash(ctx context.Context, providerID int64, hash []byte) (*user.Card, error) {
	c, err := scanCard(s.db.Pool.QueryRow(ctx, `SELECT `+cardColumns+` FROM cards WHERE provider_id = $1 AND token_hash = $2`, providerID, hash))
	if err != nil {
		return nil, mapError(err, "card")
	}
	return c, nil
}

// CountCards returns how many cards a user has.
func (s *UserStore) CountCards(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM cards WHERE user_id = $1`, userID).Scan(&n)
	return n, mapError(err, "cards")
}

// DeleteCard removes a card of the provider's user. It does not check
// permissions beyond the provider and user it is given.
func (s *UserStore) DeleteCard(ctx context.Context, providerID int64, userID, cardID string) error {
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM cards WHERE provider_id = $1 AND user_id = $2 AND card_id = $3`, providerID, userID, cardID)
	if err != nil {
		return mapError(err, "card")
	}
	if tag.RowsAffected() == 0 {
		return mapError(pgx.ErrNoRows, "card")
	}
	return nil
}

// CreateEncryptionProvider stores an encryption provider.
func (s *UserStore) CreateEncryptionProvider(ctx context.Context, ep *user.EncryptionProvider) error {
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO encryption_providers (name, public_key_pem, sealed_private_key, created_at)
		VALUES ($1, $2, $3, $4)`, ep.Name, ep.PublicKeyPEM, ep.SealedPrivateKey, ep.CreatedAt)
	return mapError(err, "encryption provider")
}

// FindEncryptionProvider returns an encryption provider by name.
func (s *UserStore) FindEncryptionProvider(ctx context.Context, name string) (*user.EncryptionProvider, error) {
	var ep user.EncryptionProvider
	err := s.db.Pool.QueryRow(ctx, `SELECT name, public_key_pem, sealed_private_key, created_at FROM encryption_providers WHERE name = $1`,
		name).Scan(&ep.Name, &ep.PublicKeyPEM, &ep.SealedPrivateKey, &ep.CreatedAt)
	if err != nil {
		return nil, mapError(err, "encryption provider")
	}
	return &ep, nil
}

// PartnerSCA reports whether SCA is on for the partner's card frame.
func (s *UserStore) PartnerSCA(ctx context.Context, providerID int64) (bool, error) {
	var on bool
	err := s.db.Pool.QueryRow(ctx, `SELECT sca_enabled FROM partner_settings WHERE provider_id = $1`, providerID).Scan(&on)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	return on, mapError(err, "partner settings")
}

// SetPartnerSCA turns SCA on or off, keeping the partner's other settings.
func (s *UserStore) SetPartnerSCA(ctx context.Context, providerID int64, enabled bool, at time.Time) error {
	_, err := s.db.Pool.Exec(ctx, `
		INSERT INTO partner_settings (provider_id, sca_enabled, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (provider_id) DO UPDATE SET sca_enabled = EXCLUDED.sca_enabled, updated_at = EXCLUDED.updated_at`,
		providerID, enabled, at)
	return mapError(err, "partner settings")
}
