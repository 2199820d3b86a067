package postgres

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/secret"
)

// LoyaltyStore implements loyalty.Store and loyalty.RefreshStore.
type LoyaltyStore struct{ db *DB }

// NewLoyaltyStore returns the Open Loyalty store of db.
func NewLoyaltyStore(db *DB) *LoyaltyStore { return &LoyaltyStore{db: db} }

var (
	_ loyalty.Store        = (*LoyaltyStore)(nil)
	_ loyalty.RefreshStore = (*LoyaltyStore)(nil)
)

// LoyaltyKeySealer seals the signing key with the server key and names it
// by a keyed hash (secret.Keys).
type LoyaltyKeySealer interface {
	auth.Sealer
	LookupHash(value []byte) []byte
}

// LoyaltySigningKey returns the key that signs Open Loyalty tokens: the one
// kept in the database, sealed with the server key, or a new one that it
// generates and keeps when there is none. Replicas racing to create it end
// up with the first one written.
func LoyaltySigningKey(ctx context.Context, db *DB, keys LoyaltyKeySealer) (*rsa.PrivateKey, error) {
	sealer := keys
	keyID := keys.LookupHash([]byte("open loyalty signing key v1"))
	read := func() (*rsa.PrivateKey, error) {
		var sealed []byte
		err := db.Pool.QueryRow(ctx, `SELECT sealed_private FROM ol_signing_keys WHERE key_id = $1`, keyID).Scan(&sealed)
		if err != nil {
			return nil, err
		}
		plain, err := sealer.Open(sealed)
		if err != nil {
			return nil, fmt.Errorf("open loyalty signing key (was SECRET_KEY changed?): %w", err)
		}
		return secret.ParseLoyaltyKey(plain)
	}
	k, err := read()
	if err == nil || !errors.Is(err, pgx.ErrNoRows) {
		return k, err
	}
	key, err := secret.GenerateLoyaltyKey()
	if err != nil {
		return nil, err
	}
	pemBytes, err := secret.EncodeLoyaltyKey(key)
	if err != nil {
		return nil, err
	}
	sealed, err := sealer.Seal(pemBytes)
	if err != nil {
		return nil, err
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO ol_signing_keys (key_id, sealed_private) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING`, keyID, sealed); err != nil {
		return nil, err
	}
	return read()
}

// SaveRefreshToken stores a refresh token's hash. It does not check
// permissions.
func (s *LoyaltyStore) SaveRefreshToken(ctx context.Context, hash []byte, c loyalty.Claims, expires time.Time) error {
	_, err := s.db.Pool.Exec(ctx, `
		INSERT INTO ol_refresh_tokens (token_hash, kind, subject, username, store_code, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, hash, string(c.Role), c.Subject, c.Username, c.StoreCode, expires)
	if err != nil {
		return mapError(err, "refresh token")
	}
	// Forget expired tokens as new ones come.
	_, _ = s.db.Pool.Exec(ctx, `DELETE FROM ol_refresh_tokens WHERE expires_at < now() - interval '1 day'`)
	return nil
}

// FindRefreshToken returns the claims of an unexpired refresh token. It
// does not check permissions.
func (s *LoyaltyStore) FindRefreshToken(ctx context.Context, hash []byte, now time.Time) (loyalty.Claims, error) {
	var c loyalty.Claims
	var kind string
	err := s.db.Pool.QueryRow(ctx, `
		SELECT kind, subject, username, store_code FROM ol_refresh_tokens
		WHERE token_hash = $1 AND expires_at > $2`, hash, now).Scan(&kind, &c.Subject, &c.Username, &c.StoreCode)
	if err != nil {
		return c, mapError(err, "refresh token")
	}
	c.Role = loyalty.Role(kind)
	if c.Role == loyalty.RoleCustomer {
		// A deleted or deactivated customer's refresh tokens are void.
		var active bool
		err := s.db.Pool.QueryRow(ctx, `SELECT active FROM ol_customers WHERE customer_id = $1 AND store_code = $2`,
			c.Subject, c.StoreCode).Scan(&active)
		if err != nil {
			return c, mapError(err, "refresh token")
		}
		if !active {
			return c, errs.NotFoundf("refresh token not found")
		}
	}
	return c, nil
}

// olConflicts names the field of each unique index of customers.
var olConflicts = map[string]string{
	"ol_customers_email_key": "email",
	"ol_customers_phone_key": "phone",
	"ol_customers_card_key":  "loyaltyCardNumber",
}

func mapCustomerError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if f, ok := olConflicts[pgErr.ConstraintName]; ok && pgErr.Code == "23505" {
			return errs.Conflictf(f, "This value is already used.")
		}
		if pgErr.Code == "23503" && pgErr.ConstraintName == "ol_customers_store_code_fkey" {
			return errs.NotFoundf("store not found")
		}
	}
	return mapError(err, "customer")
}

const customerColumns = `c.customer_id::text, c.store_code, c.active, c.first_name, c.last_name, COALESCE(c.gender, ''),
	COALESCE(c.email, ''), COALESCE(c.phone, ''), c.birth_date, c.address, c.company, COALESCE(c.loyalty_card_number, ''),
	c.labels, c.agreement1, c.agreement2, c.agreement3, COALESCE(c.level_id::text, ''), COALESCE(c.manual_level_id::text, ''),
	COALESCE(c.pos_id::text, ''), COALESCE(c.seller_id, ''), c.password_hash IS NOT NULL AND c.password_hash <> '', c.anonymized,
	c.created_at, c.updated_at, c.transactions_count, c.transactions_amount, c.last_transaction_at, c.phone_verified,
	l.level_id::text, l.name, l.condition_value, l.reward_percent, l.active`

const customerFrom = ` FROM ol_customers c LEFT JOIN ol_levels l ON l.level_id = c.level_id`

func scanCustomer(row pgx.Row, extra ...any) (*loyalty.Customer, error) {
	var c loyalty.Customer
	var gender string
	var birth *time.Time
	var address, company, labels []byte
	var lID, lName *string
	var lCond, lReward *decimal.Decimal
	var lActive *bool
	dest := []any{&c.ID, &c.StoreCode, &c.Active, &c.FirstName, &c.LastName, &gender, &c.Email, &c.Phone, &birth,
		&address, &company, &c.LoyaltyCardNumber, &labels, &c.Agreement1, &c.Agreement2, &c.Agreement3, &c.LevelID,
		&c.ManualLevelID, &c.POSID, &c.SellerID, &c.HasPassword, &c.Anonymized, &c.CreatedAt, &c.UpdatedAt,
		&c.TransactionsCount, &c.TransactionsAmount, &c.LastTransactionAt, &c.PhoneVerified, &lID, &lName, &lCond, &lReward, &lActive}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	c.Gender = loyalty.Gender(gender)
	if birth != nil {
		d := birth.UTC()
		c.BirthDate = &d
	}
	if len(address) > 0 {
		if err := json.Unmarshal(address, &c.Address); err != nil {
			return nil, err
		}
	}
	if len(company) > 0 {
		if err := json.Unmarshal(company, &c.Company); err != nil {
			return nil, err
		}
	}
	if err := json.Unmarshal(labels, &c.Labels); err != nil {
		return nil, err
	}
	if c.Labels == nil {
		c.Labels = []loyalty.Label{}
	}
	if lID != nil {
		c.Level = &loyalty.Level{ID: *lID, StoreCode: c.StoreCode, Name: *lName, ConditionValue: *lCond, RewardPercent: *lReward, Active: *lActive}
	}
	return &c, nil
}

func jsonOrNil(v any, isNil bool) ([]byte, error) {
	if isNil {
		return nil, nil
	}
	return json.Marshal(v)
}

func customerArgs(c *loyalty.Customer) ([]any, error) {
	address, err := jsonOrNil(c.Address, c.Address == nil)
	if err != nil {
		return nil, err
	}
	company, err := jsonOrNil(c.Company, c.Company == nil)
	if err != nil {
		return nil, err
	}
	labels, err := json.Marshal(c.Labels)
	if err != nil {
		return nil, err
	}
	return []any{c.ID, c.StoreCode, c.Active, c.FirstName, c.LastName, nullable(string(c.Gender)), nullable(c.Email),
		nullable(c.Phone), c.BirthDate, address, company, nullable(c.LoyaltyCardNumber), labels, c.Agreement1,
		c.Agreement2, c.Agreement3, nullable(c.ManualLevelID), nullable(c.POSID), nullable(c.SellerID), c.Anonymized,
		c.CreatedAt, c.UpdatedAt}, nil
}

// CreateCustomer inserts c at the lowest active level of its store. It
// does not check permissions.
func (s *LoyaltyStore) CreateCustomer(ctx context.Context, c *loyalty.Customer, passwordHash string) error {
	args, err := customerArgs(c)
	if err != nil {
		return err
	}
	args = append(args, nullable(passwordHash))
	err = s.db.Pool.QueryRow(ctx, `
		INSERT INTO ol_customers (customer_id, store_code, active, first_name, last_name, gender, email, phone, birth_date,
			address, company, loyalty_card_number, labels, agreement1, agreement2, agreement3, manual_level_id, pos_id,
			seller_id, anonymized, created_at, updated_at, password_hash, level_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
			COALESCE($17::uuid, (SELECT level_id FROM ol_levels WHERE store_code = $2 AND active
				ORDER BY condition_value, name LIMIT 1)))
		RETURNING COALESCE(level_id::text, '')`, args...).Scan(&c.LevelID)
	if err != nil {
		return mapCustomerError(err)
	}
	found, err := s.FindCustomerByID(ctx, c.StoreCode, c.ID)
	if err != nil {
		return err
	}
	*c = *found
	return nil
}

// FindCustomerByID returns one customer of store. It does not check
// permissions.
func (s *LoyaltyStore) FindCustomerByID(ctx context.Context, store, id string) (*loyalty.Customer, error) {
	c, err := scanCustomer(s.db.Pool.QueryRow(ctx, `SELECT `+customerColumns+customerFrom+`
		WHERE c.store_code = $1 AND c.customer_id = $2::uuid`, store, id))
	if err != nil {
		return nil, mapCustomerError(err)
	}
	return c, nil
}

// customerSorts maps the sort names of the seed to SQL.
var customerSorts = map[string]string{
	"customerId": "c.customer_id", "firstName": "c.first_name", "lastName": "c.last_name", "email": "c.email",
	"phone": "c.phone", "loyaltyCardNumber": "c.loyalty_card_number", "createdAt": "c.created_at",
	"updatedAt": "c.updated_at", "active": "c.active", "transactionsAmount": "c.transactions_amount",
	"transactionsCount": "c.transactions_count", "lastTransactionDate": "c.last_transaction_at",
	"birthDate":                "c.birth_date",
	"averageTransactionAmount": "(CASE WHEN c.transactions_count = 0 THEN 0 ELSE c.transactions_amount / c.transactions_count END)",
}

// FindCustomers returns one page of the customers of store matching f. It
// does not check permissions.
func (s *LoyaltyStore) FindCustomers(ctx context.Context, store string, f loyalty.Filter) ([]*loyalty.Customer, int, error) {
	where := []string{"c.store_code = $1"}
	args := []any{store}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	textFilter := func(col string, v *string) {
		if v == nil {
			return
		}
		if f.Strict {
			where = append(where, fmt.Sprintf("lower(%s) = lower(%s)", col, arg(*v)))
			return
		}
		where = append(where, fmt.Sprintf("strpos(lower(%s), lower(%s)) > 0", col, arg(*v)))
	}
	textFilter("c.first_name", f.FirstName)
	textFilter("c.last_name", f.LastName)
	textFilter("COALESCE(c.email, '')", f.Email)
	textFilter("COALESCE(c.phone, '')", f.Phone)
	textFilter("COALESCE(c.loyalty_card_number, '')", f.LoyaltyCardNumber)
	textFilter("COALESCE(c.address->>'city', '')", f.City)
	textFilter("COALESCE(c.address->>'postal', '')", f.Postcode)
	avg := customerSorts["averageTransactionAmount"]
	if f.TransactionsAmountFrom != nil {
		where = append(where, "c.transactions_amount >= "+arg(*f.TransactionsAmountFrom))
	}
	if f.TransactionsAmountTo != nil {
		where = append(where, "c.transactions_amount <= "+arg(*f.TransactionsAmountTo))
	}
	if f.AverageTransactionAmountFrom != nil {
		where = append(where, avg+" >= "+arg(*f.AverageTransactionAmountFrom))
	}
	if f.AverageTransactionAmountTo != nil {
		where = append(where, avg+" <= "+arg(*f.AverageTransactionAmountTo))
	}
	if f.TransactionsCountFrom != nil {
		where = append(where, "c.transactions_count >= "+arg(*f.TransactionsCountFrom))
	}
	if f.TransactionsCountTo != nil {
		where = append(where, "c.transactions_count <= "+arg(*f.TransactionsCountTo))
	}
	if f.DaysFromLastTransactionTo != nil {
		where = append(where, "c.last_transaction_at >= "+arg(f.Now.Add(-time.Duration(*f.DaysFromLastTransactionTo)*24*time.Hour)))
	}
	if f.HoursFromLastUpdateTo != nil {
		where = append(where, "c.updated_at >= "+arg(f.Now.Add(-time.Duration(*f.HoursFromLastUpdateTo)*time.Hour)))
	}
	for _, l := range f.Labels {
		label := map[string]string{"key": l.Key}
		if l.Value != nil {
			label["value"] = *l.Value
		}
		b, err := json.Marshal([]map[string]string{label})
		if err != nil {
			return nil, 0, err
		}
		where = append(where, "c.labels @> "+arg(b)+"::jsonb")
	}
	order, ok := customerSorts[f.Sort]
	if !ok {
		order = "c.created_at"
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	q := `SELECT ` + customerColumns + `, COUNT(*) OVER ()` + customerFrom + ` WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY ` + order + ` ` + dir + ` NULLS LAST, c.customer_id ` + dir +
		` OFFSET ` + arg(f.Offset) + ` LIMIT ` + arg(f.Limit)
	rows, err := s.db.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, mapCustomerError(err)
	}
	defer rows.Close()
	out := []*loyalty.Customer{}
	total := 0
	for rows.Next() {
		c, err := scanCustomer(rows, &total)
		if err != nil {
			return nil, 0, mapCustomerError(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapCustomerError(err)
	}
	if len(out) == 0 && f.Offset > 0 {
		err := s.db.Pool.QueryRow(ctx, `SELECT count(*)`+customerFrom+` WHERE `+strings.Join(where, " AND "), args[:len(args)-2]...).Scan(&total)
		if err != nil {
			return nil, 0, mapCustomerError(err)
		}
	}
	return out, total, nil
}

// UpdateCustomer locks, changes and writes back one customer. It does not
// check permissions.
func (s *LoyaltyStore) UpdateCustomer(ctx context.Context, store, id string, fn func(c *loyalty.Customer) (*string, error)) error {
	return pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		c, err := scanCustomer(tx.QueryRow(ctx, `SELECT `+customerColumns+customerFrom+`
			WHERE c.store_code = $1 AND c.customer_id = $2::uuid FOR UPDATE OF c`, store, id))
		if err != nil {
			return mapCustomerError(err)
		}
		hash, err := fn(c)
		if err != nil {
			return err
		}
		args, err := customerArgs(c)
		if err != nil {
			return err
		}
		args = append(args, hash, c.PhoneVerified)
		_, err = tx.Exec(ctx, `
			UPDATE ol_customers SET active = $3, first_name = $4, last_name = $5, gender = $6, email = $7, phone = $8,
				birth_date = $9, address = $10, company = $11, loyalty_card_number = $12, labels = $13, agreement1 = $14,
				agreement2 = $15, agreement3 = $16, manual_level_id = $17, pos_id = $18, seller_id = $19, anonymized = $20,
				created_at = $21, updated_at = $22, password_hash = CASE WHEN $23::text IS NULL THEN password_hash ELSE NULLIF($23::text, '') END,
				level_id = COALESCE($17::uuid, level_id), phone_verified = $24
			WHERE customer_id = $1 AND store_code = $2`, args...)
		return mapCustomerError(err)
	})
}

// DeleteCustomer removes one customer. It does not check permissions.
func (s *LoyaltyStore) DeleteCustomer(ctx context.Context, store, id string) error {
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM ol_customers WHERE store_code = $1 AND customer_id = $2::uuid`, store, id)
	if err != nil {
		return mapCustomerError(err)
	}
	if tag.RowsAffected() == 0 {
		return errs.NotFoundf("customer not found")
	}
	_, _ = s.db.Pool.Exec(ctx, `DELETE FROM ol_refresh_tokens WHERE kind = 'customer' AND subject = $1`, id)
	return nil
}

// CountCustomersByEmailOrPhone counts matching customers of store. It does
// not check permissions.
func (s *LoyaltyStore) CountCustomersByEmailOrPhone(ctx context.Context, store, email, phone string) (int, error) {
	var n int
	err := s.db.Pool.QueryRow(ctx, `
		SELECT count(*) FROM ol_customers
		WHERE store_code = $1 AND (lower(email) = $2 OR ($3 <> '' AND phone = $3))`, store, email, phone).Scan(&n)
	return n, mapCustomerError(err)
}

// FindCustomerLogin finds the customer a login names. It does not check
// permissions.
func (s *LoyaltyStore) FindCustomerLogin(ctx context.Context, store, email, phone, card string) (*loyalty.Customer, string, error) {
	var hash *string
	c, err := scanCustomer(s.db.Pool.QueryRow(ctx, `SELECT `+customerColumns+`, c.password_hash`+customerFrom+`
		WHERE c.store_code = $1 AND (lower(c.email) = $2 OR ($3 <> '' AND c.phone = $3) OR c.loyalty_card_number = $4)
		ORDER BY (lower(c.email) = $2) DESC NULLS LAST LIMIT 1`, store, email, phone, card), &hash)
	if err != nil {
		return nil, "", mapCustomerError(err)
	}
	if hash == nil {
		return c, "", nil
	}
	return c, *hash, nil
}

// FindCustomersByPhones returns the customers of store whose phone is one
// of phones (international form, "+" and digits), in no particular order.
// It does not check permissions.
func (s *LoyaltyStore) FindCustomersByPhones(ctx context.Context, store string, phones []string) ([]*loyalty.Customer, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+customerColumns+customerFrom+`
		WHERE c.store_code = $1 AND c.phone = ANY($2)`, store, phones)
	if err != nil {
		return nil, mapCustomerError(err)
	}
	defer rows.Close()
	out := []*loyalty.Customer{}
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, mapCustomerError(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, mapCustomerError(err)
	}
	return out, nil
}

// FindLevels returns the levels of store, lowest first. It does not check
// permissions.
func (s *LoyaltyStore) FindLevels(ctx context.Context, store string) ([]*loyalty.Level, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT level_id::text, store_code, name, condition_value, reward_percent, active FROM ol_levels
		WHERE store_code = $1 ORDER BY condition_value, name`, store)
	if err != nil {
		return nil, mapError(err, "level")
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*loyalty.Level, error) {
		var l loyalty.Level
		err := r.Scan(&l.ID, &l.StoreCode, &l.Name, &l.ConditionValue, &l.RewardPercent, &l.Active)
		return &l, err
	})
}
