package user

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/otp"
)

// memStore is an in-memory Store with the documented semantics of the
// PostgreSQL one: a phone or memberId is unique within a provider, every
// lookup is scoped to a provider, a card token (by its hash) belongs to one
// user of a provider, link codes are claimed once, and each method is all or
// nothing (a failed call leaves nothing behind, as a rolled-back
// transaction). It keeps the events and messages it is given, as the outbox.
type memStore struct {
	mu       sync.Mutex
	users    map[string]*User // by user id
	cards    map[string]*Card // by card id
	cardProv map[string]int64 // card id → provider
	signups  map[string]*Signup
	members  map[string]signupMember // provider/phone → memberId
	settings map[int64]*PartnerSettings
	events   []notify.Event
	messages []notify.Message
}

type signupMember struct {
	memberID string
	expires  time.Time
}

var _ Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{users: map[string]*User{}, cards: map[string]*Card{}, cardProv: map[string]int64{},
		signups: map[string]*Signup{}, members: map[string]signupMember{}, settings: map[int64]*PartnerSettings{}}
}

func copyUser(u *User) *User {
	c := *u
	c.Parms = append([]Parm{}, u.Parms...)
	return &c
}

func copyCard(c *Card) *Card {
	out := *c
	out.SealedToken, out.TokenHash = bytes.Clone(c.SealedToken), bytes.Clone(c.TokenHash)
	return &out
}

func copySignup(s *Signup) *Signup {
	out := *s
	if s.Card != nil {
		out.Card = copyCard(s.Card)
	}
	if s.UsedAt != nil {
		t := *s.UsedAt
		out.UsedAt = &t
	}
	return &out
}

// conflictLocked reports a phone or memberId of u taken by another user of
// its provider.
func (m *memStore) conflictLocked(u *User) error {
	for _, o := range m.users {
		if o.ID == u.ID || o.Provider.ID != u.Provider.ID {
			continue
		}
		if o.Phone == u.Phone {
			return errs.Conflictf("user.phone", "user already exists")
		}
		if o.MemberID == u.MemberID {
			return errs.Conflictf("memberId", "user already exists")
		}
	}
	return nil
}

// cardByHashLocked returns the provider's card with the token hash, or nil.
func (m *memStore) cardByHashLocked(providerID int64, hash []byte) *Card {
	for id, c := range m.cards {
		if m.cardProv[id] == providerID && bytes.Equal(c.TokenHash, hash) {
			return c
		}
	}
	return nil
}

func (m *memStore) CreateUser(_ context.Context, u *User, card *Card, events []notify.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[u.ID]; ok {
		return errs.Conflictf("userId", "user already exists")
	}
	if err := m.conflictLocked(u); err != nil {
		return err
	}
	if card != nil {
		if m.cardByHashLocked(u.Provider.ID, card.TokenHash) != nil {
			return errs.Conflictf("token", "card already exists")
		}
		card.UserID = u.ID
		m.cards[card.ID], m.cardProv[card.ID] = copyCard(card), u.Provider.ID
	}
	m.users[u.ID] = copyUser(u)
	m.events = append(m.events, events...)
	return nil
}

func (m *memStore) FindUser(_ context.Context, providerID int64, userID string) (*User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u, ok := m.users[userID]; ok && u.Provider.ID == providerID {
		return copyUser(u), nil
	}
	return nil, errs.NotFoundf("user not found")
}

func (m *memStore) findLocked(match func(*User) bool) (*User, error) {
	var found *User
	for _, u := range m.users {
		if match(u) && (found == nil || u.UpdatedAt.After(found.UpdatedAt)) {
			found = u
		}
	}
	if found == nil {
		return nil, errs.NotFoundf("user not found")
	}
	return copyUser(found), nil
}

func (m *memStore) FindUserByPhone(_ context.Context, providerID int64, phone string) (*User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.findLocked(func(u *User) bool { return u.Provider.ID == providerID && u.Phone == phone })
}

func (m *memStore) FindUserByPendingPhone(_ context.Context, providerID int64, phone string) (*User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.findLocked(func(u *User) bool {
		return u.Provider.ID == providerID && u.PendingPhone != "" && u.PendingPhone == phone
	})
}

func (m *memStore) UpdateUser(_ context.Context, u *User, events []notify.Event, msgs ...notify.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.users[u.ID]
	if !ok || old.Provider.ID != u.Provider.ID {
		return errs.NotFoundf("user not found")
	}
	if err := m.conflictLocked(u); err != nil {
		return err
	}
	m.users[u.ID] = copyUser(u)
	m.events = append(m.events, events...)
	m.messages = append(m.messages, msgs...)
	return nil
}

func (m *memStore) DeleteUser(_ context.Context, providerID int64, userID string, events []notify.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u, ok := m.users[userID]; !ok || u.Provider.ID != providerID {
		return errs.NotFoundf("user not found")
	}
	delete(m.users, userID)
	for id, c := range m.cards {
		if c.UserID == userID {
			delete(m.cards, id)
			delete(m.cardProv, id)
		}
	}
	m.events = append(m.events, events...)
	return nil
}

func (m *memStore) AddCard(_ context.Context, providerID int64, card *Card, _ ...notify.Event) (*Card, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if existing := m.cardByHashLocked(providerID, card.TokenHash); existing != nil {
		if existing.UserID != card.UserID {
			return nil, errs.Conflictf("token", "this card belongs to another user")
		}
		return copyCard(existing), nil
	}
	if u, ok := m.users[card.UserID]; !ok || u.Provider.ID != providerID {
		return nil, errs.NotFoundf("user not found")
	}
	m.cards[card.ID], m.cardProv[card.ID] = copyCard(card), providerID
	return copyCard(card), nil
}

// newestFirst orders cards by creation time, newest first, then by id.
func newestFirst(a, b *Card) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

func (m *memStore) ListCards(_ context.Context, userID string) ([]*Card, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []*Card{}
	for _, c := range m.cards {
		if c.UserID == userID {
			out = append(out, copyCard(c))
		}
	}
	slices.SortFunc(out, newestFirst)
	return out, nil
}

func (m *memStore) FindCard(_ context.Context, providerID int64, cardID string) (*Card, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.cards[cardID]; ok && m.cardProv[cardID] == providerID {
		return copyCard(c), nil
	}
	return nil, errs.NotFoundf("card not found")
}

func (m *memStore) FindCards(_ context.Context, providerID int64, cardIDs []string) ([]*Card, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Card
	for _, id := range cardIDs {
		if c, ok := m.cards[id]; ok && m.cardProv[id] == providerID {
			out = append(out, copyCard(c))
		}
	}
	return out, nil
}

func (m *memStore) NewestCard(_ context.Context, providerID int64, phone string) (*Card, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var cards []*Card
	for _, c := range m.cards {
		if u := m.users[c.UserID]; u != nil && u.Provider.ID == providerID && u.Phone == phone {
			cards = append(cards, c)
		}
	}
	if len(cards) == 0 {
		return nil, errs.NotFoundf("card not found")
	}
	slices.SortFunc(cards, newestFirst)
	return copyCard(cards[0]), nil
}

func (m *memStore) CreateSignup(_ context.Context, s *Signup, msgs ...notify.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.signups[s.LinkCode]; ok {
		return errs.Conflictf("linkCode", "signup already exists")
	}
	m.signups[s.LinkCode] = copySignup(s)
	m.messages = append(m.messages, msgs...)
	return nil
}

func (m *memStore) FindSignup(_ context.Context, linkCode string) (*Signup, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.signups[linkCode]; ok {
		return copySignup(s), nil
	}
	return nil, errs.NotFoundf("link code not found")
}

func (m *memStore) CompleteSignup(_ context.Context, linkCode string, now time.Time, newUser *User,
	events func(u *User, created bool) []notify.Event) (*User, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	sg, ok := m.signups[linkCode]
	if !ok {
		return nil, false, errs.NotFoundf("link code not found")
	}
	if sg.UsedAt != nil || !now.Before(sg.ExpiresAt) {
		return nil, false, &errs.Error{Code: errs.Gone, Message: "link code is used or expired", Field: "linkCode"}
	}
	// Check everything first: a failure leaves the code unused.
	out, err := m.findLocked(func(u *User) bool { return u.Provider.ID == sg.Provider.ID && u.Phone == sg.Phone })
	created := false
	if errs.Is(err, errs.NotFound) {
		out = copyUser(newUser)
		out.Provider, out.Phone = sg.Provider, sg.Phone
		if err := m.conflictLocked(out); err != nil {
			return nil, false, err
		}
		created = true
	}
	var card *Card
	if sg.Card != nil {
		card = copyCard(sg.Card)
		card.UserID = out.ID
		if existing := m.cardByHashLocked(sg.Provider.ID, card.TokenHash); existing != nil {
			if existing.UserID != out.ID {
				return nil, false, errs.Conflictf("token", "this card belongs to another user")
			}
			card = nil
		}
	}
	used := now
	sg.UsedAt = &used
	if created {
		m.users[out.ID] = copyUser(out)
	}
	if card != nil {
		m.cards[card.ID], m.cardProv[card.ID] = card, sg.Provider.ID
	}
	m.events = append(m.events, events(out, created)...)
	return copyUser(out), created, nil
}

func memberKey(providerID int64, phone string) string { return fmt.Sprintf("%d/%s", providerID, phone) }

func (m *memStore) SaveSignupMember(_ context.Context, providerID int64, phone, memberID string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.members[memberKey(providerID, phone)] = signupMember{memberID, expires}
	return nil
}

func (m *memStore) SignupMember(_ context.Context, providerID int64, phone string, now time.Time) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if sm, ok := m.members[memberKey(providerID, phone)]; ok && now.Before(sm.expires) {
		return sm.memberID, nil
	}
	return "", nil
}

func (m *memStore) PartnerSettings(_ context.Context, providerID int64) (*PartnerSettings, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.settings[providerID]; ok {
		c := *s
		return &c, nil
	}
	return nil, errs.NotFoundf("partner settings not found")
}

func (m *memStore) SetPartnerSettings(_ context.Context, s *PartnerSettings) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *s
	m.settings[s.ProviderID] = &c
	return nil
}

// userCount returns how many users the provider has.
func (m *memStore) userCount(providerID int64) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, u := range m.users {
		if u.Provider.ID == providerID {
			n++
		}
	}
	return n
}

// eventsOf returns the outbox events of type t.
func (m *memStore) eventsOf(t notify.EventType) []notify.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []notify.Event
	for _, e := range m.events {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

// digitPhones is a PhoneParser that accepts 7 to 15 digits only.
type digitPhones struct{}

func (digitPhones) Normalize(field, raw string) (string, error) {
	if len(raw) < 7 || len(raw) > 15 || !isDigits(raw) {
		return "", errs.InvalidField(field, "%s must be 7 to 15 digits", field)
	}
	return raw, nil
}

// fakeOTPs issues sequential six-digit codes, one live code per partner,
// purpose and phone, each verifying once.
type fakeOTPs struct {
	mu     sync.Mutex
	next   int
	live   map[string]string
	issued []string // "partner/purpose/phone"
}

func otpKey(partner int64, purpose otp.Purpose, phone string) string {
	return fmt.Sprintf("%d/%s/%s", partner, purpose, phone)
}

func (o *fakeOTPs) Issue(_ context.Context, partner int64, purpose otp.Purpose, phone string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.live == nil {
		o.live = map[string]string{}
	}
	o.next++
	code := fmt.Sprintf("%06d", 100000+o.next)
	k := otpKey(partner, purpose, phone)
	o.live[k] = code
	o.issued = append(o.issued, k)
	return code, nil
}

func (o *fakeOTPs) Verify(_ context.Context, partner int64, purpose otp.Purpose, phone, code string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := otpKey(partner, purpose, phone)
	want, ok := o.live[k]
	if !ok {
		return otp.NoCodeError()
	}
	if code != want {
		return errs.InvalidField("otp", "wrong code")
	}
	delete(o.live, k)
	return nil
}

// fakeMessages records the messages queued on their own.
type fakeMessages struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (f *fakeMessages) QueueMessages(_ context.Context, msgs ...notify.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, msgs...)
	return nil
}

// xorVault seals by XOR with a fixed pad behind a marker (reversible, never
// the plain text) and hashes with HMAC-SHA-256 under a fixed key.
type xorVault struct{}

var vaultKey = []byte("test lookup key, 32 bytes long!!")

func (xorVault) Seal(plain []byte) ([]byte, error) {
	out := append([]byte("sealed:"), plain...)
	for i := len("sealed:"); i < len(out); i++ {
		out[i] ^= 0x5a
	}
	return out, nil
}

func (xorVault) Open(sealed []byte) ([]byte, error) {
	body, ok := bytes.CutPrefix(sealed, []byte("sealed:"))
	if !ok {
		return nil, fmt.Errorf("vault: not sealed")
	}
	out := bytes.Clone(body)
	for i := range out {
		out[i] ^= 0x5a
	}
	return out, nil
}

func (xorVault) LookupHash(value []byte) []byte {
	h := hmac.New(sha256.New, vaultKey)
	h.Write(value)
	return h.Sum(nil)
}

// fakeTokens issues a readable token naming the user, phone and provider.
type fakeTokens struct{}

func (fakeTokens) Issue(userID, msisdn string, providerID int64) (string, error) {
	return fmt.Sprintf("token:%s:%s:%d", userID, msisdn, providerID), nil
}

// testClock is a clock that moves only when told.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
