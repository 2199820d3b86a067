package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
)

// TermsStore implements merchant.TermsStore.
type TermsStore struct{ db *DB }

// NewTermsStore returns the terms store of db.
func NewTermsStore(db *DB) *TermsStore { return &TermsStore{db: db} }

var _ merchant.TermsStore = (*TermsStore)(nil)

// CreateTerms inserts t; terms of the same language and day are a conflict
// on validFrom. It does not check permissions.
func (s *TermsStore) CreateTerms(ctx context.Context, t *merchant.Terms) error {
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO terms (lang, valid_from, title, body, created_at) VALUES ($1, $2, $3, $4, $5)`,
		t.Lang, t.ValidFrom, t.Title, t.Body, t.CreatedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return errs.Conflictf("validFrom", "terms in %s valid from %s are published already", t.Lang, t.ValidFrom.Format(merchant.DateLayout))
	}
	return mapError(err, "terms")
}

// FindTerms returns the latest terms valid on day in the first of langs
// that has any, in one statement. It does not check permissions.
func (s *TermsStore) FindTerms(ctx context.Context, langs []string, day time.Time) (*merchant.Terms, error) {
	var t merchant.Terms
	err := s.db.Pool.QueryRow(ctx, `
		SELECT t.lang, t.valid_from, t.title, t.body, t.created_at
		FROM terms t JOIN unnest($1::text[]) WITH ORDINALITY AS l (lang, pref) ON l.lang = t.lang
		WHERE t.valid_from <= $2::date
		ORDER BY l.pref, t.valid_from DESC LIMIT 1`, langs, day).Scan(&t.Lang, &t.ValidFrom, &t.Title, &t.Body, &t.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFoundf("no terms for this language and date")
	}
	if err != nil {
		return nil, mapError(err, "terms")
	}
	return &t, nil
}
