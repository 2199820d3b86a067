package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/card"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/domain/user"
)

// EventWriter writes notification events to the outbox inside a
// transaction.
type EventWriter interface {
	Enqueue(ctx context.Context, tx pgx.Tx, events ...notify.Event) error
}

// LiveWriter writes live events (for subscriptions) to the outbox inside a
// transaction (Outbox.Live); an EventWriter that is one also gets the
// settlement events, which go to webhooks per endpoint.
type LiveWriter interface {
	Live(ctx context.Context, tx pgx.Tx, events ...notify.Event) error
}

// MessageWriter writes messages to people to the outbox inside a
// transaction (MessageQueue).
type MessageWriter interface {
	EnqueueMessages(ctx context.Context, tx pgx.Tx, msgs ...notify.Message) error
}

// UserStore implements user.Store.
type UserStore struct {
	db       *DB
	outbox   EventWriter
	messages MessageWriter
}

// NewUserStore returns the user store of db; events go to outbox and
// messages to people to messages, each in the transaction of its change.
func NewUserStore(db *DB, outbox EventWriter, messages MessageWriter) *UserStore {
	return &UserStore{db: db, outbox: outbox, messages: messages}
}

func (s *UserStore) enqueueMessages(ctx context.Context, tx pgx.Tx, msgs []notify.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if s.messages == nil {
		return errors.New("user store: no message outbox")
	}
	return s.messages.EnqueueMessages(ctx, tx, msgs...)
}

var _ user.Store = (*UserStore)(nil)

const userColumns = `u.user_id, u.provider_id, c.name, COALESCE(u.phone, ''), u.phone_verified, COALESCE(u.member_id, ''), u.parms,
	COALESCE(u.pending_phone, ''), u.kind, COALESCE(u.account_id, ''), sa.green_profile, COALESCE(u.user_id_type, ''),
	COALESCE(u.cid, ''), u.language, u.created_at, u.updated_at`

// userFrom joins a Storebox user's account for its green profile.
const userFrom = ` FROM users u JOIN credentials c ON c.id = u.provider_id
	LEFT JOIN storebox_accounts sa ON sa.account_id = u.account_id `

func scanUser(row pgx.Row) (*user.User, error) {
	var u user.User
	var parms []byte
	var kind string
	if err := row.Scan(&u.ID, &u.Provider.ID, &u.Provider.Name, &u.Phone, &u.PhoneVerified, &u.MemberID, &parms,
		&u.PendingPhone, &kind, &u.AccountID, &u.GreenProfile, &u.UserIDType, &u.CID, &u.Language, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, err
	}
	u.Kind = user.Kind(kind)
	if err := json.Unmarshal(parms, &u.Parms); err != nil {
		return nil, err
	}
	if u.Parms == nil {
		u.Parms = []user.Parm{}
	}
	return &u, nil
}

func (s *UserStore) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.db.Pool, fn)
}

func (s *UserStore) enqueue(ctx context.Context, tx pgx.Tx, events []notify.Event) error {
	if len(events) == 0 || s.outbox == nil {
		return nil
	}
	return s.outbox.Enqueue(ctx, tx, events...)
}

func parmsJSON(p []user.Parm) []byte {
	if p == nil {
		p = []user.Parm{}
	}
	b, _ := json.Marshal(p)
	return b
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func insertUser(ctx context.Context, tx pgx.Tx, u *user.User) error {
	if u.Kind == "" {
		u.Kind = user.KindAPI
	}
	// Only a User API user has a phone and a memberId.
	var phone, memberID *string
	if u.Kind == user.KindAPI {
		phone, memberID = &u.Phone, &u.MemberID
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO users (user_id, provider_id, phone, phone_verified, member_id, parms, pending_phone, created_at, updated_at,
			kind, account_id, user_id_type, cid, language)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		u.ID, u.Provider.ID, phone, u.PhoneVerified, memberID, parmsJSON(u.Parms), nullable(u.PendingPhone), u.CreatedAt, u.UpdatedAt,
		string(u.Kind), nullable(u.AccountID), nullable(u.UserIDType), nullable(u.CID), u.Language)
	return err
}

func insertCard(ctx context.Context, tx pgx.Tx, providerID int64, c *user.Card) error {
	if c.Origin == "" {
		c.Origin = card.OriginUserAPI
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO cards (card_id, user_id, provider_id, token_type, truncated_pan, payment, sealed_token, token_hash, created_at,
			origin, card_type_id, exp_month, exp_year, name, external_card_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		c.ID, c.UserID, providerID, c.TokenType, c.TruncatedPAN, c.Payment, c.SealedToken, c.TokenHash, c.CreatedAt,
		string(c.Origin), int(c.TypeID), c.ExpMonth, c.ExpYear, c.Name, c.ExternalCardID)
	return err
}

// addCard inserts a card of one of the provider's users and matches it to
// the receipts it paid for: it is the one path by which a card is
// registered (signups, link codes, card frames, BankAxept). It returns the
// RECEIPT notifications of the receipts it matched, for the caller to
// write after its own events, in tx.
func (s *UserStore) addCard(ctx context.Context, tx pgx.Tx, providerID int64, c *user.Card) ([]notify.Event, error) {
	if err := insertCard(ctx, tx, providerID, c); err != nil {
		return nil, err
	}
	events, err := matchLateReceipts(ctx, tx, providerID, c)
	if err != nil {
		return nil, err
	}
	// A Storebox user's card is its account's: every other partner's user
	// mapped to the account gets the card's receipts too.
	rows, err := tx.Query(ctx, `SELECT s.user_id, s.provider_id FROM users u
		JOIN users s ON s.account_id = u.account_id AND s.user_id <> u.user_id
		WHERE u.user_id = $1 ORDER BY s.created_at, s.user_id`, c.UserID)
	if err != nil {
		return nil, err
	}
	type sibling struct {
		userID     string
		providerID int64
	}
	siblings, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (sibling, error) {
		var sb sibling
		err := row.Scan(&sb.userID, &sb.providerID)
		return sb, err
	})
	if err != nil {
		return nil, err
	}
	for _, sb := range siblings {
		shared := *c
		shared.UserID = sb.userID
		more, err := matchLateReceipts(ctx, tx, sb.providerID, &shared)
		if err != nil {
			return nil, err
		}
		events = append(events, more...)
	}
	return events, nil
}

// matchLateReceipts gives the user of card c the receipts of the last
// receipt.LateMatchWindow (by purchase time, before c was registered)
// that a payment with c's token paid for and that the user does not have
// yet, and returns their RECEIPT notifications (status CREATED: the
// receipt is new to the user). Receipts are kept unmatched until then.
func matchLateReceipts(ctx context.Context, tx pgx.Tx, providerID int64, c *user.Card) ([]notify.Event, error) {
	if len(c.TokenHash) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `
		SELECT r.receipt_id, r.merchant_id, m.name, r.external_id_type, r.external_id, r.purchased_at, r.purchase_offset,
			r.store_id, r.store_name, r.grand_total, r.currency, r.body, r.created_at, r.updated_at,
			ARRAY(SELECT t.payment_index FROM receipt_card_tokens t WHERE t.receipt_id = r.receipt_id AND t.token_hash = $1
				ORDER BY t.payment_index)
		FROM receipts r JOIN merchants m ON m.merchant_id = r.merchant_id
		WHERE NOT r.is_copy AND r.purchased_at >= $2
			AND r.receipt_id IN (SELECT receipt_id FROM receipt_card_tokens WHERE token_hash = $1)
			AND NOT EXISTS (SELECT 1 FROM receipt_users ru WHERE ru.user_id = $3 AND ru.receipt_id = r.receipt_id)
		ORDER BY r.purchased_at, r.receipt_id`,
		c.TokenHash, c.CreatedAt.Add(-receipt.LateMatchWindow), c.UserID)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*receipt.Receipt, error) {
		var r receipt.Receipt
		var offset int
		var raw []byte
		var paid []int32
		if err := row.Scan(&r.ID, &r.MerchantID, &r.Merchant.Name, &r.ExternalIDType, &r.ExternalID, &r.PurchaseDateTime,
			&offset, &r.StoreID, &r.StoreName, &r.Total.Amount, &r.Total.Currency, &raw, &r.CreatedAt, &r.UpdatedAt, &paid); err != nil {
			return nil, err
		}
		r.PurchaseDateTime = r.PurchaseDateTime.In(time.FixedZone("", offset))
		r.Merchant.ID = r.MerchantID
		if err := withBody(&r, raw); err != nil {
			return nil, err
		}
		r.TokenHashes = make([][]byte, len(r.Payments))
		for _, i := range paid {
			if int(i) < len(r.TokenHashes) {
				r.TokenHashes[i] = c.TokenHash
			}
		}
		return &r, nil
	})
	if err != nil || len(found) == 0 {
		return nil, err
	}
	b := &pgx.Batch{}
	var events []notify.Event
	match := []receipt.Match{{UserID: c.UserID, ProviderID: providerID,
		Card: receipt.MatchedCard{CardID: c.ID, TruncatedCardNumber: c.TruncatedPAN}, TokenHash: c.TokenHash}}
	for _, r := range found {
		b.Queue(`INSERT INTO receipt_users (user_id, receipt_id, merchant_id, purchased_at, grand_total, store_name, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, receipt_id) DO NOTHING`,
			c.UserID, r.ID, r.MerchantID, r.PurchaseDateTime, r.Total.Amount, sortName(r), c.CreatedAt)
		events = append(events, receipt.Events(r, receipt.StatusCreated, match)...)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	return events, nil
}

// CreateUser inserts u, its card and its events in one transaction. It does
// not check permissions.
func (s *UserStore) CreateUser(ctx context.Context, u *user.User, card *user.Card, events []notify.Event) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		var late []notify.Event
		if card != nil {
			card.UserID = u.ID
			var err error
			if late, err = s.addCard(ctx, tx, u.Provider.ID, card); err != nil {
				return err
			}
		}
		return s.enqueue(ctx, tx, append(events, late...))
	})
	return mapError(err, "user")
}

// FindUser returns a user of the provider. It does not check permissions
// beyond the provider scope it is given.
func (s *UserStore) FindUser(ctx context.Context, providerID int64, userID string) (*user.User, error) {
	u, err := scanUser(s.db.Pool.QueryRow(ctx, `SELECT `+userColumns+userFrom+`WHERE u.provider_id = $1 AND u.user_id = $2`, providerID, userID))
	return u, mapError(err, "user")
}

// FindUserByPhone returns the provider's user with phone.
func (s *UserStore) FindUserByPhone(ctx context.Context, providerID int64, phone string) (*user.User, error) {
	u, err := scanUser(s.db.Pool.QueryRow(ctx, `SELECT `+userColumns+userFrom+`WHERE u.provider_id = $1 AND u.phone = $2`, providerID, phone))
	return u, mapError(err, "user")
}

// FindUserByPendingPhone returns the provider's user moving to phone.
func (s *UserStore) FindUserByPendingPhone(ctx context.Context, providerID int64, phone string) (*user.User, error) {
	u, err := scanUser(s.db.Pool.QueryRow(ctx, `SELECT `+userColumns+userFrom+`WHERE u.provider_id = $1 AND u.pending_phone = $2
		ORDER BY u.updated_at DESC LIMIT 1`, providerID, phone))
	return u, mapError(err, "user")
}

// UpdateUser stores u, its events and msgs in one transaction.
func (s *UserStore) UpdateUser(ctx context.Context, u *user.User, events []notify.Event, msgs ...notify.Message) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE users SET phone = $3, phone_verified = $4, parms = $5, pending_phone = $6, updated_at = $7
			WHERE provider_id = $1 AND user_id = $2`,
			u.Provider.ID, u.ID, u.Phone, u.PhoneVerified, parmsJSON(u.Parms), nullable(u.PendingPhone), u.UpdatedAt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return pgx.ErrNoRows
		}
		if err := s.enqueue(ctx, tx, events); err != nil {
			return err
		}
		return s.enqueueMessages(ctx, tx, msgs)
	})
	return mapError(err, "user")
}

// DeleteUser removes the user, its cards (by cascade) and enqueues events.
func (s *UserStore) DeleteUser(ctx context.Context, providerID int64, userID string, events []notify.Event) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM users WHERE provider_id = $1 AND user_id = $2`, providerID, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return pgx.ErrNoRows
		}
		return s.enqueue(ctx, tx, events)
	})
	return mapError(err, "user")
}

// cardOwners is the set of users whose cards are user $1's: the user and,
// for a Storebox user, every mapping to the same account.
const cardOwners = `(SELECT $1::text UNION
	SELECT s.user_id FROM users u JOIN users s ON s.account_id = u.account_id WHERE u.user_id = $1)`

const cardColumns = `card_id, user_id, token_type, truncated_pan, payment, sealed_token, token_hash, created_at,
	origin, card_type_id, exp_month, exp_year, name, external_card_id`

func scanCard(row pgx.Row) (*user.Card, error) {
	var c user.Card
	var origin string
	var typ, month, year int
	err := row.Scan(&c.ID, &c.UserID, &c.TokenType, &c.TruncatedPAN, &c.Payment, &c.SealedToken, &c.TokenHash, &c.CreatedAt,
		&origin, &typ, &month, &year, &c.Name, &c.ExternalCardID)
	c.Origin, c.TypeID, c.ExpMonth, c.ExpYear = card.Origin(origin), card.Type(typ), month, year
	return &c, err
}

// AddCard registers a card; the same token for the same user returns the
// stored card.
func (s *UserStore) AddCard(ctx context.Context, providerID int64, card *user.Card, events ...notify.Event) (*user.Card, error) {
	var out *user.Card
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		existing, err := scanCard(tx.QueryRow(ctx, `SELECT `+cardColumns+` FROM cards WHERE provider_id = $1 AND token_hash = $2`, providerID, card.TokenHash))
		if err == nil {
			if existing.UserID != card.UserID {
				return errs.Conflictf("token", "this card belongs to another user")
			}
			out = existing
			return nil
		}
		if err != pgx.ErrNoRows {
			return err
		}
		late, err := s.addCard(ctx, tx, providerID, card)
		if err != nil {
			return err
		}
		out = card
		return s.enqueue(ctx, tx, append(events, late...))
	})
	if err != nil {
		return nil, mapError(err, "card")
	}
	return out, nil
}

// ListCards returns a user's cards, newest first.
func (s *UserStore) ListCards(ctx context.Context, userID string) ([]*user.Card, error) {
	// A Storebox user's cards are its account's: those registered through
	// any partner's mapping to the account.
	rows, err := s.db.Pool.Query(ctx, `SELECT `+cardColumns+` FROM cards WHERE user_id IN `+cardOwners+`
		ORDER BY created_at DESC, card_id`, userID)
	if err != nil {
		return nil, mapError(err, "cards")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*user.Card, error) { return scanCard(r) })
	return out, mapError(err, "cards")
}

// FindCard returns a card of the provider's users.
func (s *UserStore) FindCard(ctx context.Context, providerID int64, cardID string) (*user.Card, error) {
	c, err := scanCard(s.db.Pool.QueryRow(ctx, `SELECT `+cardColumns+` FROM cards WHERE provider_id = $1 AND card_id = $2`, providerID, cardID))
	if err != nil {
		return nil, mapError(err, "card")
	}
	return c, nil
}

// FindCards returns the cards among cardIDs of the provider's users, in
// one statement. It does not check permissions.
func (s *UserStore) FindCards(ctx context.Context, providerID int64, cardIDs []string) ([]*user.Card, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+cardColumns+` FROM cards WHERE provider_id = $1 AND card_id = ANY($2)`, providerID, cardIDs)
	if err != nil {
		return nil, mapError(err, "cards")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*user.Card, error) { return scanCard(r) })
	return out, mapError(err, "cards")
}

// NewestCard returns the newest card of the provider's user with phone.
func (s *UserStore) NewestCard(ctx context.Context, providerID int64, phone string) (*user.Card, error) {
	c, err := scanCard(s.db.Pool.QueryRow(ctx, `
		SELECT c.card_id, c.user_id, c.token_type, c.truncated_pan, c.payment, c.sealed_token, c.token_hash, c.created_at,
			c.origin, c.card_type_id, c.exp_month, c.exp_year, c.name, c.external_card_id
		FROM cards c JOIN users u ON u.user_id = c.user_id
		WHERE u.provider_id = $1 AND u.phone = $2
		ORDER BY c.created_at DESC, c.card_id LIMIT 1`, providerID, phone))
	if err != nil {
		return nil, mapError(err, "card")
	}
	return c, nil
}

// CreateSignup stores a pending signup and msgs in one transaction.
func (s *UserStore) CreateSignup(ctx context.Context, sg *user.Signup, msgs ...notify.Message) error {
	var cardID, tokenType, pan *string
	var payment *bool
	var sealed, hash []byte
	if c := sg.Card; c != nil {
		cardID, tokenType, pan, payment, sealed, hash = &c.ID, &c.TokenType, &c.TruncatedPAN, &c.Payment, c.SealedToken, c.TokenHash
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO signups (link_code, provider_id, phone, store_id, member_id, card_id, token_type, truncated_pan,
				payment, sealed_token, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			sg.LinkCode, sg.Provider.ID, sg.Phone, sg.StoreID, sg.MemberID, cardID, tokenType, pan, payment, sealed, hash,
			sg.CreatedAt, sg.ExpiresAt); err != nil {
			return err
		}
		return s.enqueueMessages(ctx, tx, msgs)
	})
	return mapError(err, "signup")
}

const signupSelect = `
	SELECT s.link_code, s.provider_id, c.name, s.phone, s.store_id, s.member_id, s.card_id, s.token_type,
		s.truncated_pan, s.payment, s.sealed_token, s.token_hash, s.created_at, s.expires_at, s.used_at
	FROM signups s JOIN credentials c ON c.id = s.provider_id `

func scanSignup(row pgx.Row) (*user.Signup, error) {
	var sg user.Signup
	var cardID, tokenType, pan *string
	var payment *bool
	var sealed, hash []byte
	err := row.Scan(&sg.LinkCode, &sg.Provider.ID, &sg.Provider.Name, &sg.Phone, &sg.StoreID, &sg.MemberID, &cardID,
		&tokenType, &pan, &payment, &sealed, &hash, &sg.CreatedAt, &sg.ExpiresAt, &sg.UsedAt)
	if err != nil {
		return nil, err
	}
	if cardID != nil {
		sg.Card = &user.Card{ID: *cardID, TokenType: deref(tokenType), TruncatedPAN: deref(pan), Payment: payment != nil && *payment,
			SealedToken: sealed, TokenHash: hash, CreatedAt: sg.CreatedAt}
	}
	return &sg, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// FindSignup returns a signup by link code.
func (s *UserStore) FindSignup(ctx context.Context, linkCode string) (*user.Signup, error) {
	sg, err := scanSignup(s.db.Pool.QueryRow(ctx, signupSelect+`WHERE s.link_code = $1`, linkCode))
	if err != nil {
		return nil, mapError(err, "link code")
	}
	return sg, nil
}

// CompleteSignup claims the link code and creates or finds the user, adds
// the card and writes events, all in one transaction.
func (s *UserStore) CompleteSignup(ctx context.Context, linkCode string, now time.Time, newUser *user.User,
	events func(u *user.User, created bool) []notify.Event) (*user.User, bool, error) {
	var out *user.User
	var created bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		sg, err := scanSignup(tx.QueryRow(ctx, signupSelect+`WHERE s.link_code = $1 FOR UPDATE OF s`, linkCode))
		if err != nil {
			return err
		}
		if sg.UsedAt != nil || !now.Before(sg.ExpiresAt) {
			return &errs.Error{Code: errs.Gone, Message: "link code is used or expired", Field: "linkCode"}
		}
		if _, err := tx.Exec(ctx, `UPDATE signups SET used_at = $2 WHERE link_code = $1`, linkCode, now); err != nil {
			return err
		}
		existing, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+userFrom+`WHERE u.provider_id = $1 AND u.phone = $2 FOR UPDATE OF u`,
			sg.Provider.ID, sg.Phone))
		switch {
		case err == nil:
			out = existing
		case err == pgx.ErrNoRows:
			newUser.Provider, newUser.Phone = sg.Provider, sg.Phone
			if err := insertUser(ctx, tx, newUser); err != nil {
				return err
			}
			out, created = newUser, true
		default:
			return err
		}
		var late []notify.Event
		if sg.Card != nil {
			sg.Card.UserID = out.ID
			var owner string
			err := tx.QueryRow(ctx, `SELECT user_id FROM cards WHERE provider_id = $1 AND token_hash = $2`, sg.Provider.ID, sg.Card.TokenHash).Scan(&owner)
			switch {
			case err == pgx.ErrNoRows:
				if late, err = s.addCard(ctx, tx, sg.Provider.ID, sg.Card); err != nil {
					return err
				}
			case err != nil:
				return err
			case owner != out.ID:
				return errs.Conflictf("token", "this card belongs to another user")
			}
		}
		return s.enqueue(ctx, tx, append(events(out, created), late...))
	})
	if err != nil {
		return nil, false, mapError(err, "link code")
	}
	return out, created, nil
}

// SaveSignupMember remembers the memberId given at an OTP signup.
func (s *UserStore) SaveSignupMember(ctx context.Context, providerID int64, phone, memberID string, expires time.Time) error {
	_, err := s.db.Pool.Exec(ctx, `
		INSERT INTO signup_members (provider_id, phone, member_id, expires_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (provider_id, phone) DO UPDATE SET member_id = EXCLUDED.member_id, expires_at = EXCLUDED.expires_at`,
		providerID, phone, memberID, expires)
	return mapError(err, "signup")
}

// SignupMember returns the remembered memberId for phone, or "".
func (s *UserStore) SignupMember(ctx context.Context, providerID int64, phone string, now time.Time) (string, error) {
	var id string
	err := s.db.Pool.QueryRow(ctx, `SELECT member_id FROM signup_members WHERE provider_id = $1 AND phone = $2 AND expires_at > $3`,
		providerID, phone, now).Scan(&id)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return id, mapError(err, "signup")
}

// PartnerSettings returns a partner's settings.
func (s *UserStore) PartnerSettings(ctx context.Context, providerID int64) (*user.PartnerSettings, error) {
	var st user.PartnerSettings
	var flow string
	err := s.db.Pool.QueryRow(ctx, `SELECT provider_id, terms_url, landing_url, flow, updated_at FROM partner_settings WHERE provider_id = $1`,
		providerID).Scan(&st.ProviderID, &st.TermsURL, &st.LandingURL, &flow, &st.UpdatedAt)
	if err != nil {
		return nil, mapError(err, "partner settings")
	}
	st.Flow = user.Flow(flow)
	return &st, nil
}

// SetPartnerSettings stores a partner's settings.
func (s *UserStore) SetPartnerSettings(ctx context.Context, st *user.PartnerSettings) error {
	_, err := s.db.Pool.Exec(ctx, `
		INSERT INTO partner_settings (provider_id, terms_url, landing_url, flow, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (provider_id) DO UPDATE SET terms_url = EXCLUDED.terms_url, landing_url = EXCLUDED.landing_url,
			flow = EXCLUDED.flow, updated_at = EXCLUDED.updated_at`,
		st.ProviderID, st.TermsURL, st.LandingURL, string(st.Flow), st.UpdatedAt)
	return mapError(err, "partner settings")
}
