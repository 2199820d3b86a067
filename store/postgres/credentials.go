package postgres

import (
	"context"

	"loyaltygraph/domain/auth"
)

// CredentialStore implements auth.CredentialStore.
type CredentialStore struct{ db *DB }

// NewCredentialStore returns the credential store of db.
func NewCredentialStore(db *DB) *CredentialStore { return &CredentialStore{db: db} }

var _ auth.CredentialStore = (*CredentialStore)(nil)

// CreateCredential inserts c. It does not check permissions.
func (s *CredentialStore) CreateCredential(ctx context.Context, c *auth.Credential) error {
	err := s.db.Pool.QueryRow(ctx, `
		INSERT INTO credentials (kind, name, username, secret_hash, sealed_secret, sealed_salt, merchant_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING id, created_at`,
		string(c.Kind), c.Name, c.Username, c.SecretHash, c.SealedSecret, c.SealedSalt, nullable(c.MerchantID),
	).Scan(&c.ID, &c.CreatedAt)
	return mapError(err, "credential")
}

// FindCredentialByUsername returns one credential. It does not check
// permissions.
func (s *CredentialStore) FindCredentialByUsername(ctx context.Context, username string) (*auth.Credential, error) {
	var c auth.Credential
	var kind string
	err := s.db.Pool.QueryRow(ctx, `
		SELECT id, kind, name, username, secret_hash, sealed_secret, sealed_salt, COALESCE(merchant_id, ''), created_at
		FROM credentials WHERE username = $1`, username,
	).Scan(&c.ID, &kind, &c.Name, &c.Username, &c.SecretHash, &c.SealedSecret, &c.SealedSalt, &c.MerchantID, &c.CreatedAt)
	if err != nil {
		return nil, mapError(err, "credential")
	}
	c.Kind = auth.Kind(kind)
	return &c, nil
}
