package user

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/otp"
)

// PhoneParser normalises phone numbers to MSISDN, naming field in errors.
type PhoneParser interface {
	Normalize(field, raw string) (string, error)
}

// OTPs issues and verifies one-time passwords, each bound to the partner
// that asked for it (otp.Service).
type OTPs interface {
	Issue(ctx context.Context, partner int64, purpose otp.Purpose, phone string) (string, error)
	Verify(ctx context.Context, partner int64, purpose otp.Purpose, phone, code string) error
}

// Messages queues messages to people (SMS, e-mail) in the outbox, in a
// transaction of their own, for delivery with retries. Messages that go
// with a stored change travel with it instead (Store.CreateSignup,
// Store.UpdateUser).
type Messages interface {
	QueueMessages(ctx context.Context, msgs ...notify.Message) error
}

// Vault seals card tokens with the server key and makes keyed look-up hashes.
type Vault interface {
	Seal(plain []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
	LookupHash(value []byte) []byte
}

// Tokens issue and check end-user access tokens.
type Tokens interface {
	Issue(userID, msisdn string, providerID int64) (string, error)
}

// Service holds the User API rules.
type Service struct {
	store    Store
	phones   PhoneParser
	otps     OTPs
	messages Messages
	vault    Vault
	tokens   Tokens
	now      func() time.Time
	cards    cardDeps
	// baseURL is where end users reach our terms page.
	baseURL string
	// storebox keeps Storebox accounts and whitelabel users; links keeps
	// pending Storebox user links (seed 001).
	storebox StoreboxStore
	links    LinkValidations
}

// Deps are the Service's collaborators.
type Deps struct {
	Store         Store
	Phones        PhoneParser
	OTPs          OTPs
	Messages      Messages
	Vault         Vault
	Tokens        Tokens
	Now           func() time.Time
	PublicBaseURL string
	// Cards, Pending and Verifier serve cards entered as card numbers
	// (card frame, BankAxept); see cards.go.
	Cards    CardStore
	Pending  PendingCards
	Verifier Verifier
	// Storebox and Links serve Storebox and whitelabel users (seed 001).
	Storebox StoreboxStore
	Links    LinkValidations
}

// NewService returns the user service.
func NewService(d Deps) *Service {
	return &Service{store: d.Store, phones: d.Phones, otps: d.OTPs, messages: d.Messages, vault: d.Vault,
		tokens: d.Tokens, now: d.Now, baseURL: strings.TrimRight(d.PublicBaseURL, "/"),
		cards: cardDeps{store: d.Cards, pending: d.Pending, verifier: d.Verifier}, storebox: d.Storebox, links: d.Links}
}

// SignupResult tells what a signup from the till did.
type SignupResult string

// The outcomes of a signup.
const (
	// SignupCardAdded: the phone was known; the card was added to its user.
	SignupCardAdded SignupResult = "CARD_ADDED"
	// SignupVerificationSent: the phone was new; an SMS went out.
	SignupVerificationSent SignupResult = "VERIFICATION_SENT"
)

// CardSignup is a signup from the till with a card or a card token.
type CardSignup struct {
	Phone   string
	Card    CardInput
	StoreID string
}

// SignupWithCard handles "signup with card" (tokenTypeRequired false) and
// "signup with card token" (true): a known phone gets the card; an unknown
// phone gets a pending signup with a link code and an SMS.
func (s *Service) SignupWithCard(ctx context.Context, p Provider, in CardSignup, tokenTypeRequired bool) (SignupResult, *User, error) {
	phone, err := s.phones.Normalize("user.phone", in.Phone)
	if err != nil {
		return "", nil, err
	}
	if !tokenTypeRequired && in.Card.TruncatedPAN == "" {
		return "", nil, errs.InvalidField("truncatedPan", "truncatedPan is required")
	}
	if err := ValidateCard(in.Card, tokenTypeRequired); err != nil {
		return "", nil, err
	}
	if err := validateStoreID(in.StoreID); err != nil {
		return "", nil, err
	}
	card, err := s.sealCard(in.Card)
	if err != nil {
		return "", nil, err
	}
	u, err := s.store.FindUserByPhone(ctx, p.ID, phone)
	if err == nil {
		card.UserID = u.ID
		if _, err := s.store.AddCard(ctx, p.ID, card); err != nil {
			return "", nil, err
		}
		return SignupCardAdded, u, nil
	}
	if !errs.Is(err, errs.NotFound) {
		return "", nil, err
	}
	if err := s.startLinkSignup(ctx, p, phone, card, in.StoreID, ""); err != nil {
		return "", nil, err
	}
	return SignupVerificationSent, nil, nil
}

// startLinkSignup stores a pending signup and, in the same transaction,
// queues the SMS with the link to phone: the signup is stored if and only
// if its SMS will go out, and a failing SMS gateway delays the SMS (it is
// retried) without failing the request.
func (s *Service) startLinkSignup(ctx context.Context, p Provider, phone string, card *Card, storeID, memberID string) error {
	now := s.now().UTC()
	sg := &Signup{
		LinkCode: ids.LowerAlnum(linkCodeLength), Provider: p, Phone: phone, Card: card,
		StoreID: storeID, MemberID: memberID, CreatedAt: now, ExpiresAt: now.Add(linkCodeTTL),
	}
	link, err := s.signupLink(ctx, p, sg.LinkCode)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("%s: confirm your membership here: %s", p.Name, link)
	if storeID != "" {
		body = fmt.Sprintf("%s (signed up at %s): confirm your membership here: %s", p.Name, storeID, link)
	}
	return s.store.CreateSignup(ctx, sg, notify.Message{To: phone, Channel: notify.ChannelSMS, Body: body})
}

// signupLink is where the SMS sends the end user: our terms page, or the
// partner's landing page for customer-controlled term accept.
func (s *Service) signupLink(ctx context.Context, p Provider, linkCode string) (string, error) {
	settings, err := s.Settings(ctx, p.ID)
	if err != nil {
		return "", err
	}
	if settings.Flow == FlowCustomer && settings.LandingURL != "" {
		return withQuery(settings.LandingURL, "linkCode", linkCode), nil
	}
	return s.baseURL + "/api/v1/signup/terms?linkCode=" + url.QueryEscape(linkCode), nil
}

func withQuery(raw, key, value string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func (s *Service) sealCard(in CardInput) (*Card, error) {
	sealed, err := s.vault.Seal([]byte(in.Token))
	if err != nil {
		return nil, err
	}
	return &Card{
		ID: ids.New(), TokenType: in.TokenType, TruncatedPAN: in.TruncatedPAN, Payment: in.Payment,
		SealedToken: sealed, TokenHash: s.vault.LookupHash([]byte(in.Token)), CreatedAt: s.now().UTC(),
	}, nil
}

// SMSType chooses the flow of a signup without card.
type SMSType int

// The signup-without-card flows.
const (
	// SMSTypeOTP texts a one-time password, validated with ValidateOTP.
	SMSTypeOTP SMSType = 1
	// SMSTypeLink texts a signup link with a link code.
	SMSTypeLink SMSType = 2
)

// Signup handles "signup without card": it texts an OTP (or a link) to
// phone; memberID, when given, is kept for the user that validation creates.
func (s *Service) Signup(ctx context.Context, p Provider, rawPhone, memberID string, smsType SMSType) error {
	phone, err := s.phones.Normalize("user.phone", rawPhone)
	if err != nil {
		return err
	}
	if memberID != "" {
		if err := validateMemberID(memberID); err != nil {
			return err
		}
	}
	switch smsType {
	case SMSTypeOTP:
	case SMSTypeLink:
		return s.startLinkSignup(ctx, p, phone, nil, "", memberID)
	default:
		return errs.InvalidField("smsType", "smsType must be 1 (OTP) or 2 (link)")
	}
	code, err := s.otps.Issue(ctx, p.ID, otp.PurposeSignup, phone)
	if err != nil {
		return err
	}
	if memberID != "" {
		if err := s.store.SaveSignupMember(ctx, p.ID, phone, memberID, s.now().Add(signupMemberTTL)); err != nil {
			return err
		}
	}
	return s.messages.QueueMessages(ctx, notify.Message{To: phone, Channel: notify.ChannelSMS,
		Body: fmt.Sprintf("%s: your code is %s", p.Name, code)})
}

// ValidateOTP checks the OTP sent to phone. For a pending phone change it
// moves the user to the new phone; otherwise it creates the user if new (with
// the memberId given at signup) and marks the phone verified. It returns the
// user.
func (s *Service) ValidateOTP(ctx context.Context, p Provider, rawPhone, code string) (*User, error) {
	phone, err := s.phones.Normalize("user.phone", rawPhone)
	if err != nil {
		return nil, err
	}
	if code == "" {
		return nil, errs.InvalidField("otp", "otp is required")
	}
	// SECURITY: the partner's own user is looked up first, and every code
	// is checked under p: a code sent for another partner never verifies
	// here, and no try of it is spent.
	if u, err := s.store.FindUserByPendingPhone(ctx, p.ID, phone); err == nil {
		if err := s.otps.Verify(ctx, p.ID, otp.PurposePhoneChange, phone, code); err != nil {
			return nil, err
		}
		u.Phone, u.PhoneVerified, u.PendingPhone, u.UpdatedAt = phone, true, "", s.now().UTC()
		if err := s.store.UpdateUser(ctx, u, []notify.Event{updatedEvent(u)}); err != nil {
			return nil, err
		}
		return u, nil
	} else if !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	if err := s.otps.Verify(ctx, p.ID, otp.PurposeSignup, phone, code); err != nil {
		return nil, err
	}
	if u, err := s.store.FindUserByPhone(ctx, p.ID, phone); err == nil {
		return u, nil
	} else if !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	memberID, err := s.store.SignupMember(ctx, p.ID, phone, s.now())
	if err != nil {
		return nil, err
	}
	u := s.newUser(p, phone, memberID)
	if err := s.store.CreateUser(ctx, u, nil, []notify.Event{createdEvent(u)}); err != nil {
		if errs.Is(err, errs.Conflict) { // created concurrently
			if u, ferr := s.store.FindUserByPhone(ctx, p.ID, phone); ferr == nil || !errs.Is(ferr, errs.NotFound) {
				return u, ferr
			}
			// Not the phone: the memberId given at signup is taken.
		}
		return nil, err
	}
	return u, nil
}

func (s *Service) newUser(p Provider, phone, memberID string) *User {
	if memberID == "" {
		memberID = newMemberID()
	}
	now := s.now().UTC()
	return &User{ID: ids.New(), Provider: p, Phone: phone, PhoneVerified: true, MemberID: memberID,
		Parms: []Parm{}, CreatedAt: now, UpdatedAt: now}
}

// ValidateLinkCode checks the shape of a link code.
func ValidateLinkCode(code string) error {
	if len(code) == 0 || len(code) > 64 || !ids.IsLowerAlnum(code) {
		return errs.InvalidField("linkCode", "linkCode must be letters and digits")
	}
	return nil
}

// LinkCode returns the pending signup of a link code owned by p: not found
// when unknown or another partner's, Gone when used or expired.
func (s *Service) LinkCode(ctx context.Context, p Provider, code string) (*Signup, error) {
	if err := ValidateLinkCode(code); err != nil {
		return nil, err
	}
	sg, err := s.store.FindSignup(ctx, code)
	if err != nil {
		return nil, err
	}
	// SECURITY: a partner sees only its own link codes.
	if sg.Provider.ID != p.ID {
		return nil, errs.NotFoundf("link code not found")
	}
	if sg.UsedAt != nil || !s.now().Before(sg.ExpiresAt) {
		return nil, &errs.Error{Code: errs.Gone, Message: "link code is used or expired", Field: "linkCode"}
	}
	return sg, nil
}

// VerifyLinkCode creates the user of a link code owned by p, with memberID
// (generated when empty), after the end user accepted the terms.
func (s *Service) VerifyLinkCode(ctx context.Context, p Provider, code, memberID string) (*User, error) {
	if memberID != "" {
		if err := validateMemberID(memberID); err != nil {
			return nil, err
		}
	}
	if _, err := s.LinkCode(ctx, p, code); err != nil {
		return nil, err
	}
	return s.completeSignup(ctx, code, memberID)
}

// AcceptTerms completes a signup from our terms page, where the end user
// holds only the link code. It returns the signup's partner settings, so the
// page can redirect to the landing page.
func (s *Service) AcceptTerms(ctx context.Context, code string) (*User, *PartnerSettings, error) {
	if err := ValidateLinkCode(code); err != nil {
		return nil, nil, err
	}
	sg, err := s.store.FindSignup(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.completeSignup(ctx, code, "")
	if err != nil {
		return nil, nil, err
	}
	settings, err := s.Settings(ctx, sg.Provider.ID)
	return u, settings, err
}

// TermsPage returns what our terms page shows for a link code.
func (s *Service) TermsPage(ctx context.Context, code string) (*Signup, *PartnerSettings, error) {
	if err := ValidateLinkCode(code); err != nil {
		return nil, nil, err
	}
	sg, err := s.store.FindSignup(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	if sg.UsedAt != nil || !s.now().Before(sg.ExpiresAt) {
		return nil, nil, &errs.Error{Code: errs.Gone, Message: "link code is used or expired", Field: "linkCode"}
	}
	settings, err := s.Settings(ctx, sg.Provider.ID)
	return sg, settings, err
}

func (s *Service) completeSignup(ctx context.Context, code, memberID string) (*User, error) {
	sg, err := s.store.FindSignup(ctx, code)
	if err != nil {
		return nil, err
	}
	if memberID == "" {
		memberID = sg.MemberID
	}
	nu := s.newUser(sg.Provider, sg.Phone, memberID)
	u, _, err := s.store.CompleteSignup(ctx, code, s.now().UTC(), nu, func(u *User, created bool) []notify.Event {
		if created {
			return []notify.Event{createdEvent(u)}
		}
		return nil
	})
	return u, err
}

// Settings returns a partner's signup settings, with defaults when unset.
func (s *Service) Settings(ctx context.Context, providerID int64) (*PartnerSettings, error) {
	st, err := s.store.PartnerSettings(ctx, providerID)
	if errs.Is(err, errs.NotFound) {
		return &PartnerSettings{ProviderID: providerID, Flow: FlowStorebox}, nil
	}
	return st, err
}

// SetSettings validates and stores a partner's signup settings.
func (s *Service) SetSettings(ctx context.Context, st PartnerSettings) (*PartnerSettings, error) {
	if !st.Flow.Valid() {
		return nil, errs.InvalidField("flow", "flow must be storebox or customer")
	}
	for _, f := range []struct{ field, raw string }{{"termsUrl", st.TermsURL}, {"landingUrl", st.LandingURL}} {
		if f.raw == "" {
			continue
		}
		if err := validatePartnerURL(f.field, f.raw); err != nil {
			return nil, err
		}
	}
	if st.Flow == FlowCustomer && st.LandingURL == "" {
		return nil, errs.InvalidField("landingUrl", "landingUrl is required for customer-controlled term accept")
	}
	st.UpdatedAt = s.now().UTC()
	if err := s.store.SetPartnerSettings(ctx, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Find returns a user of provider p.
func (s *Service) Find(ctx context.Context, p Provider, userID string) (*User, error) {
	if err := validateUserID(userID); err != nil {
		return nil, err
	}
	return s.store.FindUser(ctx, p.ID, userID)
}

func validateUserID(id string) error {
	if id == "" || len(id) > 64 || !ids.IsLowerAlnum(id) {
		return errs.InvalidField("userId", "userId must be letters and digits")
	}
	return nil
}

// FindByPhone returns p's user with the phone number.
func (s *Service) FindByPhone(ctx context.Context, p Provider, rawPhone string) (*User, error) {
	phone, err := s.phones.Normalize("user.phone", rawPhone)
	if err != nil {
		return nil, err
	}
	return s.store.FindUserByPhone(ctx, p.ID, phone)
}

// UpdateUser applies upd. A new phone with PhoneVerified false is texted an
// OTP (queued with the update) and assigned only when validated; parms
// replace the stored set.
func (s *Service) UpdateUser(ctx context.Context, p Provider, userID string, upd Update) (*User, error) {
	u, err := s.Find(ctx, p, userID)
	if err != nil {
		return nil, err
	}
	if u.Kind != "" && u.Kind != KindAPI {
		// Storebox and whitelabel users have no phone or parms to change.
		return nil, errs.NotFoundf("user not found")
	}
	var newPhone string
	if upd.Phone != nil {
		if newPhone, err = s.phones.Normalize("user.phone", *upd.Phone); err != nil {
			return nil, err
		}
	}
	if upd.Parms != nil {
		if err := validateParms(*upd.Parms); err != nil {
			return nil, err
		}
		u.Parms = append([]Parm{}, (*upd.Parms)...)
	}
	sendOTP := false
	if upd.Phone != nil && newPhone != u.Phone {
		if upd.PhoneVerified {
			u.Phone, u.PhoneVerified, u.PendingPhone = newPhone, true, ""
		} else {
			u.PendingPhone = newPhone
			sendOTP = true
		}
	}
	var msgs []notify.Message
	if sendOTP {
		code, err := s.otps.Issue(ctx, p.ID, otp.PurposePhoneChange, newPhone)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, notify.Message{To: newPhone, Channel: notify.ChannelSMS,
			Body: fmt.Sprintf("%s: your code to confirm this phone number is %s", p.Name, code)})
	}
	u.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateUser(ctx, u, []notify.Event{updatedEvent(u)}, msgs...); err != nil {
		return nil, err
	}
	return u, nil
}

// DeleteUser removes a user of p and its cards.
func (s *Service) DeleteUser(ctx context.Context, p Provider, userID string) error {
	u, err := s.Find(ctx, p, userID)
	if err != nil {
		return err
	}
	if u.Kind != "" && u.Kind != KindAPI {
		// Storebox and whitelabel users are deleted by their own operations.
		return errs.NotFoundf("user not found")
	}
	return s.store.DeleteUser(ctx, p.ID, userID, []notify.Event{deletedEvent(u)})
}

// Cards returns a user's cards, newest first.
func (s *Service) Cards(ctx context.Context, userID string) ([]*Card, error) {
	cards, err := s.store.ListCards(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, c := range cards {
		if err := s.openToken(c); err != nil {
			return nil, err
		}
	}
	return cards, nil
}

// openToken sets the Token of a card signed up without a truncated PAN
// (seed 000: "If not set token will be returned when getting a users
// cards").
func (s *Service) openToken(c *Card) error {
	if c.TruncatedPAN != "" || len(c.SealedToken) == 0 {
		return nil
	}
	token, err := s.vault.Open(c.SealedToken)
	if err != nil {
		return err
	}
	c.Token = string(token)
	return nil
}

// Card returns a card of one of p's users; with userID set, of that user only.
func (s *Service) Card(ctx context.Context, p Provider, userID, cardID string) (*Card, error) {
	if cardID == "" || len(cardID) > 64 || !ids.IsLowerAlnum(cardID) {
		return nil, errs.InvalidField("cardId", "cardId must be letters and digits")
	}
	c, err := s.store.FindCard(ctx, p.ID, cardID)
	if err != nil {
		return nil, err
	}
	if userID != "" && c.UserID != userID {
		return nil, errs.NotFoundf("card not found")
	}
	if err := s.openToken(c); err != nil {
		return nil, err
	}
	return c, nil
}

// MaxCardsByID is the most card ids one CardsByID call reads.
const MaxCardsByID = 1000

// CardsByID returns the cards among cardIDs of p's users (with userID set,
// of that user only), in any order; ids that are malformed or not theirs
// are left out. It is the batch read behind GraphQL's card fields.
func (s *Service) CardsByID(ctx context.Context, p Provider, userID string, cardIDs []string) ([]*Card, error) {
	if len(cardIDs) > MaxCardsByID {
		return nil, errs.InvalidField("cardId", "at most %d cards at a time", MaxCardsByID)
	}
	valid := make([]string, 0, len(cardIDs))
	for _, id := range cardIDs {
		if id != "" && len(id) <= 64 && ids.IsLowerAlnum(id) {
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return []*Card{}, nil
	}
	cards, err := s.store.FindCards(ctx, p.ID, valid)
	if err != nil {
		return nil, err
	}
	out := cards[:0]
	for _, c := range cards {
		if userID != "" && c.UserID != userID {
			continue
		}
		if err := s.openToken(c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// CardTokenByPhone returns the token of the newest card of p's user with
// phone; not found without one.
func (s *Service) CardTokenByPhone(ctx context.Context, p Provider, rawPhone string) (string, error) {
	phone, err := s.phones.Normalize("user.phone", rawPhone)
	if err != nil {
		return "", err
	}
	c, err := s.store.NewestCard(ctx, p.ID, phone)
	if err != nil {
		return "", err
	}
	token, err := s.vault.Open(c.SealedToken)
	if err != nil {
		return "", err
	}
	return string(token), nil
}

// RequestToken texts an authentication OTP to the user with phone. An
// unknown phone answers alike, without a text, so the answer reveals nothing.
func (s *Service) RequestToken(ctx context.Context, p Provider, rawPhone string) error {
	phone, err := s.phones.Normalize("user.phone", rawPhone)
	if err != nil {
		return err
	}
	if _, err := s.store.FindUserByPhone(ctx, p.ID, phone); errs.Is(err, errs.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	code, err := s.otps.Issue(ctx, p.ID, otp.PurposeAuthenticate, phone)
	if err != nil {
		return err
	}
	return s.messages.QueueMessages(ctx, notify.Message{To: phone, Channel: notify.ChannelSMS,
		Body: fmt.Sprintf("%s: your login code is %s", p.Name, code)})
}

// VerifyToken checks the authentication OTP and returns an access token for
// the user with phone.
func (s *Service) VerifyToken(ctx context.Context, p Provider, rawPhone, code string) (string, error) {
	phone, err := s.phones.Normalize("user.phone", rawPhone)
	if err != nil {
		return "", err
	}
	if code == "" {
		return "", errs.InvalidField("otp", "otp is required")
	}
	// SECURITY: p's user is looked up before the code is checked, and the
	// code is checked under p, so that no partner spends a try of a code
	// sent for another partner's user. An unknown phone is checked alike
	// (against p's own, absent, code) so that it answers as a phone without
	// a live code, in the same time.
	u, err := s.store.FindUserByPhone(ctx, p.ID, phone)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return "", err
	}
	if err := s.otps.Verify(ctx, p.ID, otp.PurposeAuthenticate, phone, code); err != nil {
		return "", err
	}
	if u == nil { // a code issued before the user was deleted
		return "", otp.NoCodeError()
	}
	return s.tokens.Issue(u.ID, u.Phone, p.ID)
}
