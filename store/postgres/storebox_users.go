package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/user"
)

var _ user.StoreboxStore = (*UserStore)(nil)

const accountColumns = `account_id, first_name, last_name, COALESCE(email, ''), email_validated, COALESCE(phone, ''),
	phone_validated, green_profile, language, created_at, updated_at`

func scanAccount(row pgx.Row) (*user.Account, error) {
	var a user.Account
	err := row.Scan(&a.ID, &a.FirstName, &a.LastName, &a.Email, &a.EmailValidated, &a.Phone, &a.PhoneValidated,
		&a.GreenProfile, &a.Language, &a.CreatedAt, &a.UpdatedAt)
	return &a, err
}

// mapAccountError names the contact that another account holds.
func mapAccountError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		switch pgErr.ConstraintName {
		case "storebox_accounts_email_key":
			return errs.Conflictf("email.value", "this e-mail address is the username of another Storebox user")
		case "storebox_accounts_phone_key":
			return errs.Conflictf("mobileNumber.value", "this mobile number is the username of another Storebox user")
		}
	}
	return mapError(err, "Storebox user")
}

// CreateAccount inserts a Storebox account and its first mapping, and
// queues msgs, in one transaction. It does not check permissions.
func (s *UserStore) CreateAccount(ctx context.Context, a *user.Account, m *user.User, msgs ...notify.Message) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO storebox_accounts (account_id, first_name, last_name, email, email_validated, phone, phone_validated,
				green_profile, language, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			a.ID, a.FirstName, a.LastName, nullable(a.Email), a.EmailValidated, nullable(a.Phone), a.PhoneValidated,
			a.GreenProfile, a.Language, a.CreatedAt, a.UpdatedAt); err != nil {
			return err
		}
		if err := insertUser(ctx, tx, m); err != nil {
			return err
		}
		return s.enqueueMessages(ctx, tx, msgs)
	})
	return mapAccountError(err)
}

// FindAccount returns a Storebox account by id.
func (s *UserStore) FindAccount(ctx context.Context, accountID string) (*user.Account, error) {
	a, err := scanAccount(s.db.Pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM storebox_accounts WHERE account_id = $1`, accountID))
	if err != nil {
		return nil, mapError(err, "Storebox account")
	}
	return a, nil
}

// FindAccountByEmail returns the account with the lower-case e-mail.
func (s *UserStore) FindAccountByEmail(ctx context.Context, email string) (*user.Account, error) {
	a, err := scanAccount(s.db.Pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM storebox_accounts WHERE email = $1`, email))
	if err != nil {
		return nil, mapError(err, "Storebox account")
	}
	return a, nil
}

// FindAccountByPhone returns the account with the mobile number.
func (s *UserStore) FindAccountByPhone(ctx context.Context, phone string) (*user.Account, error) {
	a, err := scanAccount(s.db.Pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM storebox_accounts WHERE phone = $1`, phone))
	if err != nil {
		return nil, mapError(err, "Storebox account")
	}
	return a, nil
}

// LinkAccount inserts the mapping, or returns the partner's existing one,
// and gives a new mapping the receipts the account's cards matched. It
// does not check permissions.
func (s *UserStore) LinkAccount(ctx context.Context, m *user.User) (*user.User, error) {
	var id string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Serialise links to one account, so that two validations of one
		// partner make one mapping.
		if err := tx.QueryRow(ctx, `SELECT account_id FROM storebox_accounts WHERE account_id = $1 FOR UPDATE`, m.AccountID).Scan(&id); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT user_id FROM users WHERE provider_id = $1 AND account_id = $2`, m.Provider.ID, m.AccountID).Scan(&id)
		if err == nil {
			return nil
		}
		if err != pgx.ErrNoRows {
			return err
		}
		if err := insertUser(ctx, tx, m); err != nil {
			return err
		}
		id = m.ID
		_, err = tx.Exec(ctx, `
			INSERT INTO receipt_users (user_id, receipt_id, merchant_id, purchased_at, grand_total, store_name, created_at)
			SELECT DISTINCT $1, ru.receipt_id, ru.merchant_id, ru.purchased_at, ru.grand_total, ru.store_name, $3::timestamptz
			FROM users o JOIN cards c ON c.user_id = o.user_id
				JOIN receipt_card_tokens t ON t.token_hash = c.token_hash
				JOIN receipt_users ru ON ru.receipt_id = t.receipt_id AND ru.user_id = o.user_id
			WHERE o.account_id = $2 AND o.user_id <> $1
			ON CONFLICT (user_id, receipt_id) DO NOTHING`, m.ID, m.AccountID, m.CreatedAt)
		return err
	})
	if err != nil {
		return nil, mapError(err, "Storebox user")
	}
	return s.FindUser(ctx, m.Provider.ID, id)
}

// SetGreenProfile changes an account's green profile setting.
func (s *UserStore) SetGreenProfile(ctx context.Context, accountID string, on bool, now time.Time) error {
	tag, err := s.db.Pool.Exec(ctx, `UPDATE storebox_accounts SET green_profile = $2, updated_at = $3 WHERE account_id = $1`,
		accountID, on, now)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapError(err, "Storebox user")
}

// DeleteMapping removes the partner's mapping. The cards registered
// through it belong to the account: they move to the oldest remaining
// mapping (unless that partner has the same card already); without one
// they go with the mapping. It does not check permissions.
func (s *UserStore) DeleteMapping(ctx context.Context, providerID int64, userID string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var account string
		err := tx.QueryRow(ctx, `SELECT account_id FROM users WHERE provider_id = $1 AND user_id = $2 AND kind = 'storebox'
			FOR UPDATE`, providerID, userID).Scan(&account)
		if err != nil {
			return err
		}
		var heir string
		var heirProvider int64
		err = tx.QueryRow(ctx, `SELECT user_id, provider_id FROM users WHERE account_id = $1 AND user_id <> $2
			ORDER BY created_at, user_id LIMIT 1`, account, userID).Scan(&heir, &heirProvider)
		switch {
		case err == nil:
			if _, err := tx.Exec(ctx, `UPDATE cards c SET user_id = $2, provider_id = $3 WHERE c.user_id = $1
				AND NOT EXISTS (SELECT 1 FROM cards d WHERE d.provider_id = $3 AND d.token_hash = c.token_hash)`,
				userID, heir, heirProvider); err != nil {
				return err
			}
		case err != pgx.ErrNoRows:
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM users WHERE provider_id = $1 AND user_id = $2`, providerID, userID)
		return err
	})
	return mapError(err, "user")
}

// DeleteAccount removes the account and, by cascade, every mapping to it
// with their cards and receipt links, and writes events(mappings) to the
// outbox, in one transaction. It does not check permissions.
func (s *UserStore) DeleteAccount(ctx context.Context, accountID string, events func(mappings []*user.User) []notify.Event) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var id string
		if err := tx.QueryRow(ctx, `SELECT account_id FROM storebox_accounts WHERE account_id = $1 FOR UPDATE`, accountID).Scan(&id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+userColumns+userFrom+`WHERE u.account_id = $1 ORDER BY u.created_at, u.user_id`, accountID)
		if err != nil {
			return err
		}
		mappings, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*user.User, error) { return scanUser(r) })
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM storebox_accounts WHERE account_id = $1`, accountID); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, events(mappings))
	})
	return mapError(err, "Storebox account")
}

// CreateWhitelabelUser inserts u, or returns the partner's user with the
// same type and cid; a new user gets, in the same transaction, every
// receipt posted with that customer block. It does not check permissions.
func (s *UserStore) CreateWhitelabelUser(ctx context.Context, u *user.User) (*user.User, bool, error) {
	var created bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// The type is the partner's: issued to it, or claimed now.
		if _, err := tx.Exec(ctx, `INSERT INTO whitelabel_types (user_id_type, provider_id, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id_type) DO NOTHING`, u.UserIDType, u.Provider.ID, u.CreatedAt); err != nil {
			return err
		}
		var owner int64
		if err := tx.QueryRow(ctx, `SELECT provider_id FROM whitelabel_types WHERE user_id_type = $1 FOR SHARE`, u.UserIDType).Scan(&owner); err != nil {
			return err
		}
		if owner != u.Provider.ID {
			return user.ErrTypeOfAnotherPartner
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO users (user_id, provider_id, phone_verified, parms, created_at, updated_at, kind, user_id_type, cid, language)
			VALUES ($1, $2, false, '[]', $3, $3, 'whitelabel', $4, $5, $6)
			ON CONFLICT (provider_id, user_id_type, cid) WHERE kind = 'whitelabel' DO NOTHING`,
			u.ID, u.Provider.ID, u.CreatedAt, u.UserIDType, u.CID, u.Language)
		if err != nil {
			return err
		}
		if created = tag.RowsAffected() == 1; !created {
			return nil
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO receipt_users (user_id, receipt_id, merchant_id, purchased_at, grand_total, store_name, created_at)
			SELECT $1, r.receipt_id, r.merchant_id, r.purchased_at, r.grand_total,
				lower(CASE WHEN r.store_name <> '' THEN r.store_name ELSE m.name END), $4::timestamptz
			FROM receipts r JOIN merchants m ON m.merchant_id = r.merchant_id
			WHERE r.customer_type = $2 AND r.customer_cid = $3 AND NOT r.is_copy
			ON CONFLICT (user_id, receipt_id) DO NOTHING`, u.ID, u.UserIDType, u.CID, u.CreatedAt)
		return err
	})
	if err != nil {
		return nil, false, mapError(err, "user")
	}
	out, err := s.FindWhitelabelUser(ctx, u.Provider.ID, u.UserIDType, u.CID)
	return out, created, err
}

// FindWhitelabelUser returns the partner's user with type and cid. It does
// not check permissions beyond the provider scope it is given.
func (s *UserStore) FindWhitelabelUser(ctx context.Context, providerID int64, userIDType, cid string) (*user.User, error) {
	u, err := scanUser(s.db.Pool.QueryRow(ctx, `SELECT `+userColumns+userFrom+`WHERE u.provider_id = $1 AND u.kind = 'whitelabel'
		AND u.user_id_type = $2 AND u.cid = $3`, providerID, userIDType, cid))
	return u, mapError(err, "user")
}

// IssueWhitelabelType gives the type to the partner. A type whose users
// belong to another partner is a conflict. It does not check permissions.
func (s *UserStore) IssueWhitelabelType(ctx context.Context, userIDType string, providerID int64, now time.Time) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var owner int64
		err := tx.QueryRow(ctx, `SELECT provider_id FROM whitelabel_types WHERE user_id_type = $1 FOR UPDATE`, userIDType).Scan(&owner)
		switch {
		case err == pgx.ErrNoRows:
			_, err = tx.Exec(ctx, `INSERT INTO whitelabel_types (user_id_type, provider_id, created_at) VALUES ($1, $2, $3)`,
				userIDType, providerID, now)
			return err
		case err != nil:
			return err
		case owner == providerID:
			return nil
		}
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE kind = 'whitelabel' AND user_id_type = $1)`,
			userIDType).Scan(&used); err != nil {
			return err
		}
		if used {
			return errs.Conflictf("userIdType", "another partner has users of this userIdType; they must be deleted first")
		}
		_, err = tx.Exec(ctx, `UPDATE whitelabel_types SET provider_id = $2, created_at = $3 WHERE user_id_type = $1`,
			userIDType, providerID, now)
		return err
	})
	return mapError(err, "whitelabel type")
}
