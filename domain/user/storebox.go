package user

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/otp"
	"loyaltygraph/domain/pan"
)

// Kind is the kind of a user.
type Kind string

// The kinds of users. Every kind is a row of one users table, so that
// cards and receipts keyed by user work alike for all of them.
const (
	// KindAPI is a User API user (seed 000): a phone and a memberId.
	KindAPI Kind = "api"
	// KindStorebox is a partner's user mapped to a Storebox account.
	KindStorebox Kind = "storebox"
	// KindWhitelabel is a partner's user for the external id (cid) of a
	// whitelabel solution.
	KindWhitelabel Kind = "whitelabel"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindAPI || k == KindStorebox || k == KindWhitelabel }

// EventStoreboxUserDeleted is sent to every partner mapped to a Storebox
// account when the account is deleted: {userId} of its own mapping.
const EventStoreboxUserDeleted = notify.EventStoreboxUserDeleted

// Account is a Storebox account: a person across partners. Its e-mail and
// mobile number are its usernames (unique among accounts).
type Account struct {
	ID             string
	FirstName      string
	LastName       string
	Email          string
	EmailValidated bool
	Phone          string
	PhoneValidated bool
	GreenProfile   bool
	Language       string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Contact is an e-mail address or mobile number and whether the partner
// has validated it.
type Contact struct {
	Value     string
	Validated bool
}

// StoreboxInput creates a Storebox user.
type StoreboxInput struct {
	FirstName    string
	LastName     string
	GreenProfile *bool
	Language     string
	Email        *Contact
	MobileNumber *Contact
}

// LinkInput asks to link an existing Storebox account: one-time codes go to
// its validated e-mail and mobile number. Empty means absent.
type LinkInput struct {
	Email        string
	MobileNumber string
	Language     string
}

// LinkIDs name the codes a link request sent; empty for a contact that was
// not given.
type LinkIDs struct {
	EmailValidationID        string
	MobileNumberValidationID string
}

// LinkValidation completes a link with the codes the person received.
type LinkValidation struct {
	EmailValidationID        string
	EmailOTP                 string
	MobileNumberValidationID string
	MobileNumberOTP          string
}

// PendingLink is one code of a link request, as kept until validated.
type PendingLink struct {
	// Partner is the partner that asked; only it may validate.
	Partner int64
	Purpose otp.Purpose
	// Subject is what the code was issued for: the MSISDN, or the keyed
	// hash of the e-mail address.
	Subject string
	// AccountID is the account whose validated contact this is, or ""
	// when no account has it (no code was sent).
	AccountID string
}

// AccountRef names a Storebox account by exactly one of its id, e-mail or
// mobile number.
type AccountRef struct {
	AccountID    string
	Email        string
	MobileNumber string
}

// StoreboxStore keeps Storebox accounts, partners' mappings to them and
// whitelabel users. Its methods do not check permissions.
type StoreboxStore interface {
	// CreateAccount inserts a and its first mapping m, and queues msgs, in
	// one transaction; an e-mail or mobile number taken by another account
	// is a conflict.
	CreateAccount(ctx context.Context, a *Account, m *User, msgs ...notify.Message) error
	// FindAccount returns an account by id.
	FindAccount(ctx context.Context, accountID string) (*Account, error)
	// FindAccountByEmail returns the account with the (lower-case) e-mail.
	FindAccountByEmail(ctx context.Context, email string) (*Account, error)
	// FindAccountByPhone returns the account with the mobile number.
	FindAccountByPhone(ctx context.Context, phone string) (*Account, error)
	// LinkAccount inserts mapping m, or returns the mapping its partner
	// already has to the account, and gives the new mapping the receipts
	// that the account's cards matched, in one transaction.
	LinkAccount(ctx context.Context, m *User) (*User, error)
	// SetGreenProfile changes an account's green profile setting.
	SetGreenProfile(ctx context.Context, accountID string, on bool, now time.Time) error
	// DeleteMapping removes the partner's mapping; the cards registered
	// through it move to another mapping of the account, if any.
	DeleteMapping(ctx context.Context, providerID int64, userID string) error
	// DeleteAccount removes the account and every mapping to it, and
	// writes events(mappings) to the outbox, in one transaction.
	DeleteAccount(ctx context.Context, accountID string, events func(mappings []*User) []notify.Event) error
	// CreateWhitelabelUser inserts u, or returns the partner's user with
	// the same type and cid (created false); a new user gets the receipts
	// posted for its type and cid.
	CreateWhitelabelUser(ctx context.Context, u *User) (*User, bool, error)
	// FindWhitelabelUser returns the partner's user with type and cid.
	FindWhitelabelUser(ctx context.Context, providerID int64, userIDType, cid string) (*User, error)
	// IssueWhitelabelType gives a whitelabel solution id to a partner; a
	// type whose users belong to another partner is a conflict.
	IssueWhitelabelType(ctx context.Context, userIDType string, providerID int64, now time.Time) error
}

// ErrTypeOfAnotherPartner refuses a whitelabel user of a type issued to
// another partner.
var ErrTypeOfAnotherPartner = &errs.Error{Code: errs.Forbidden, Field: "userIdType",
	Message: "this userIdType is issued to another partner"}

// LinkValidations keep the pending codes of link requests for a while.
// Its methods do not check permissions.
type LinkValidations interface {
	SaveLink(ctx context.Context, id string, l PendingLink, ttl time.Duration) error
	// FindLink returns a pending link, or not found.
	FindLink(ctx context.Context, id string) (*PendingLink, error)
	DeleteLinks(ctx context.Context, ids ...string) error
}

// Limits of the Storebox and whitelabel user fields.
const (
	maxName       = 32
	maxEmail      = 254
	minUserIDType = 2
	maxUserIDType = 32
	maxCID        = 128
	// linkTTL is how long a link request's validation ids live: as long
	// as its codes.
	linkTTL = otp.DefaultTTL
)

func (s *Service) requireStorebox() error {
	if s.storebox == nil || s.links == nil {
		return errs.E(errs.Unavailable, "Storebox users are not configured")
	}
	return nil
}

// validateName checks a first or last name.
func validateName(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return errs.InvalidField(field, "%s is required", field)
	}
	if err := checkText(field, v); err != nil {
		return err
	}
	if utf8.RuneCountInString(v) > maxName {
		return errs.InvalidField(field, "%s must be at most %d characters", field, maxName)
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return errs.InvalidField(field, "%s must not contain control characters", field)
	}
	return pan.CheckText(field, v)
}

// validateLanguage checks an optional ISO 639-1 code.
func validateLanguage(v string) error {
	if v == "" {
		return nil
	}
	if len(v) != 2 || v[0] < 'a' || v[0] > 'z' || v[1] < 'a' || v[1] > 'z' {
		return errs.InvalidField("language", "language must be an ISO 639-1 code such as da")
	}
	return nil
}

// NormalizeEmail checks an e-mail address and returns it lower-cased.
func NormalizeEmail(field, raw string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(raw))
	if v == "" {
		return "", errs.InvalidField(field, "%s is required", field)
	}
	if err := checkText(field, v); err != nil {
		return "", err
	}
	at := strings.LastIndexByte(v, '@')
	if len(v) > maxEmail || at < 1 || at == len(v)-1 || strings.Count(v, "@") != 1 ||
		!strings.Contains(v[at+1:], ".") || strings.ContainsFunc(v, isControlOrSpace) {
		return "", errs.InvalidField(field, "%s must be an e-mail address of at most %d characters", field, maxEmail)
	}
	if err := pan.CheckText(field, v); err != nil {
		return "", err
	}
	return v, nil
}

// emailSubject is the one-time-password subject of an e-mail address: its
// keyed hash, so that Redis never holds the address.
func (s *Service) emailSubject(email string) string {
	return hex.EncodeToString(s.vault.LookupHash([]byte("storebox link email\x00" + email)))
}

// CreateStoreboxUser creates a Storebox account and p's user mapped to it.
// At least one of e-mail and mobile number must be given as validated.
func (s *Service) CreateStoreboxUser(ctx context.Context, p Provider, in StoreboxInput) (*User, error) {
	if err := s.requireStorebox(); err != nil {
		return nil, err
	}
	if err := validateName("firstName", in.FirstName); err != nil {
		return nil, err
	}
	if err := validateName("lastName", in.LastName); err != nil {
		return nil, err
	}
	if err := validateLanguage(in.Language); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	a := &Account{ID: ids.New(), FirstName: in.FirstName, LastName: in.LastName, Language: in.Language,
		CreatedAt: now, UpdatedAt: now}
	if in.GreenProfile != nil {
		a.GreenProfile = *in.GreenProfile
	}
	if in.Email != nil && in.Email.Value != "" {
		email, err := NormalizeEmail("email.value", in.Email.Value)
		if err != nil {
			return nil, err
		}
		a.Email, a.EmailValidated = email, in.Email.Validated
	}
	if in.MobileNumber != nil && in.MobileNumber.Value != "" {
		phone, err := s.phones.Normalize("mobileNumber.value", in.MobileNumber.Value)
		if err != nil {
			return nil, err
		}
		a.Phone, a.PhoneValidated = phone, in.MobileNumber.Validated
	}
	if !(a.Email != "" && a.EmailValidated) && !(a.Phone != "" && a.PhoneValidated) {
		field := "email.validated"
		if a.Email == "" && a.Phone != "" {
			field = "mobileNumber.validated"
		}
		return nil, errs.InvalidField(field, "at least one of email and mobileNumber must be given as validated")
	}
	m := &User{ID: ids.New(), Provider: p, Kind: KindStorebox, AccountID: a.ID, GreenProfile: &a.GreenProfile,
		Language: in.Language, Parms: []Parm{}, CreatedAt: now, UpdatedAt: now}
	var msgs []notify.Message
	if a.Email != "" {
		// The account finalisation e-mail, in the language given (seed 001).
		msgs = append(msgs, notify.Message{To: a.Email, Channel: notify.ChannelEmail, Body: finalisationText(a.Language, a.FirstName, p.Name)})
	}
	if err := s.storebox.CreateAccount(ctx, a, m, msgs...); err != nil {
		return nil, err
	}
	return m, nil
}

// finalisationTexts tell a new Storebox user, by language, that its user
// was made through a partner; others get English.
var finalisationTexts = map[string]string{
	"da": "Hej %s. Din Storebox-bruger er oprettet via %s. Dine kvitteringer samles nu digitalt; du kan bruge denne e-mailadresse til at logge ind.",
	"sv": "Hej %s. Din Storebox-användare har skapats via %s. Dina kvitton samlas nu digitalt; du kan logga in med denna e-postadress.",
	"nb": "Hei %s. Storebox-brukeren din er opprettet via %s. Kvitteringene dine samles nå digitalt; du kan logge inn med denne e-postadressen.",
	"no": "Hei %s. Storebox-brukeren din er opprettet via %s. Kvitteringene dine samles nå digitalt; du kan logge inn med denne e-postadressen.",
	"fi": "Hei %s. Storebox-käyttäjäsi on luotu palvelun %s kautta. Kuittisi kerätään nyt digitaalisesti; voit kirjautua tällä sähköpostiosoitteella.",
	"en": "Hello %s. Your Storebox user was created through %s. Your receipts are now collected digitally; this e-mail address is your username.",
}

func finalisationText(language, firstName, partner string) string {
	text, ok := finalisationTexts[language]
	if !ok {
		text = finalisationTexts["en"]
	}
	return fmt.Sprintf(text, firstName, partner)
}

// LinkStoreboxUser sends one-time codes to the given e-mail and mobile
// number when they are validated contacts of a Storebox account, and
// returns the ids that name the codes.
//
// SECURITY: the answer reveals nothing about accounts: an unknown or
// unvalidated contact gets a validation id too, and a code is made and
// kept for it (it counts against the same send limits) but never sent;
// the same queries and writes run either way. Codes belong to p.
func (s *Service) LinkStoreboxUser(ctx context.Context, p Provider, in LinkInput) (*LinkIDs, error) {
	if err := s.requireStorebox(); err != nil {
		return nil, err
	}
	if in.Email == "" && in.MobileNumber == "" {
		return nil, errs.InvalidField("email", "email or mobileNumber is required")
	}
	if err := validateLanguage(in.Language); err != nil {
		return nil, err
	}
	var email, phone string
	var err error
	if in.Email != "" {
		if email, err = NormalizeEmail("email.value", in.Email); err != nil {
			return nil, err
		}
	}
	if in.MobileNumber != "" {
		if phone, err = s.phones.Normalize("mobileNumber.value", in.MobileNumber); err != nil {
			return nil, err
		}
	}
	out := &LinkIDs{}
	var msgs []notify.Message
	type pending struct {
		id *string
		l  PendingLink
		to string
		ch notify.Channel
	}
	var todo []pending
	if email != "" {
		acc := ""
		a, err := s.storebox.FindAccountByEmail(ctx, email)
		switch {
		case err == nil && a.EmailValidated:
			acc = a.ID
		case err != nil && !errs.Is(err, errs.NotFound):
			return nil, err
		}
		todo = append(todo, pending{id: &out.EmailValidationID, to: email, ch: notify.ChannelEmail,
			l: PendingLink{Partner: p.ID, Purpose: otp.PurposeLinkEmail, Subject: s.emailSubject(email), AccountID: acc}})
	}
	if phone != "" {
		acc := ""
		a, err := s.storebox.FindAccountByPhone(ctx, phone)
		switch {
		case err == nil && a.PhoneValidated:
			acc = a.ID
		case err != nil && !errs.Is(err, errs.NotFound):
			return nil, err
		}
		todo = append(todo, pending{id: &out.MobileNumberValidationID, to: phone, ch: notify.ChannelSMS,
			l: PendingLink{Partner: p.ID, Purpose: otp.PurposeLinkSMS, Subject: phone, AccountID: acc}})
	}
	for _, t := range todo {
		code, err := s.otps.Issue(ctx, p.ID, t.l.Purpose, t.l.Subject)
		if err != nil {
			return nil, err
		}
		id := ids.New()
		if err := s.links.SaveLink(ctx, id, t.l, linkTTL); err != nil {
			return nil, err
		}
		*t.id = id
		if t.l.AccountID != "" {
			msgs = append(msgs, notify.Message{To: t.to, Channel: t.ch, Body: linkText(in.Language, p.Name, code)})
		}
	}
	// The same transaction runs with or without messages to queue.
	if err := s.messages.QueueMessages(ctx, msgs...); err != nil {
		return nil, err
	}
	return out, nil
}

// linkTexts are the link code messages by language (ISO 639-1); others
// get English. The code comes last.
var linkTexts = map[string]string{
	"da": "Storebox: din kode til at forbinde din Storebox-bruger med %s er %s",
	"sv": "Storebox: din kod för att koppla din Storebox-användare till %s är %s",
	"nb": "Storebox: koden for å koble Storebox-brukeren din til %s er %s",
	"no": "Storebox: koden for å koble Storebox-brukeren din til %s er %s",
	"fi": "Storebox: koodi Storebox-käyttäjäsi yhdistämiseen palveluun %s on %s",
	"en": "Storebox: your code to link your Storebox user to %s is %s",
}

// linkText is the message that carries a link code, in language when known.
func linkText(language, partner, code string) string {
	text, ok := linkTexts[language]
	if !ok {
		text = linkTexts["en"]
	}
	return fmt.Sprintf(text, partner, code)
}

// noLink is the answer for a validation id that is unknown, expired, used
// or another partner's: all alike.
func noLink(field string) error {
	return errs.InvalidField(field, "%s is unknown or expired; request a new link", field)
}

// ValidateStoreboxLink checks the codes of a link request made by p and
// returns p's user mapped to the account (made now, or the one p had).
// SECURITY: a validation id of another partner is unknown here and none of
// its tries are spent; each code is single use (consumed when it matches)
// and dies after the OTP rules' wrong tries.
func (s *Service) ValidateStoreboxLink(ctx context.Context, p Provider, in LinkValidation) (*User, error) {
	if err := s.requireStorebox(); err != nil {
		return nil, err
	}
	type part struct {
		idField, otpField, id, code string
		purpose                     otp.Purpose
	}
	parts := []part{
		{"emailValidationId", "emailOtp", in.EmailValidationID, in.EmailOTP, otp.PurposeLinkEmail},
		{"mobileNumberValidationId", "mobileNumberOtp", in.MobileNumberValidationID, in.MobileNumberOTP, otp.PurposeLinkSMS},
	}
	var given []part
	for _, pt := range parts {
		if pt.id == "" {
			if pt.code != "" {
				return nil, errs.InvalidField(pt.idField, "%s is required with %s", pt.idField, pt.otpField)
			}
			continue
		}
		if len(pt.id) != ids.StoreboxLength || !ids.IsLowerAlnum(pt.id) {
			return nil, noLink(pt.idField)
		}
		if pt.code == "" {
			return nil, errs.InvalidField(pt.otpField, "%s is required", pt.otpField)
		}
		given = append(given, pt)
	}
	if len(given) == 0 {
		return nil, errs.InvalidField("emailValidationId", "emailValidationId or mobileNumberValidationId is required")
	}
	links := make([]*PendingLink, len(given))
	for i, pt := range given {
		l, err := s.links.FindLink(ctx, pt.id)
		if errs.Is(err, errs.NotFound) || (err == nil && (l.Partner != p.ID || l.Purpose != pt.purpose)) {
			return nil, noLink(pt.idField)
		}
		if err != nil {
			return nil, err
		}
		links[i] = l
	}
	for i, pt := range given {
		if err := s.otps.Verify(ctx, p.ID, links[i].Purpose, links[i].Subject, pt.code); err != nil {
			if e := errs.As(err); e.Code == errs.Invalid {
				return nil, errs.InvalidField(pt.otpField, "%s", e.Message)
			}
			return nil, err
		}
	}
	used := make([]string, len(given))
	for i, pt := range given {
		used[i] = pt.id
	}
	if err := s.links.DeleteLinks(ctx, used...); err != nil {
		return nil, err
	}
	account := links[0].AccountID
	for i, l := range links {
		if l.AccountID == "" {
			// Never sent, so never known: answered as a spent code.
			return nil, errs.InvalidField(given[i].otpField, "no valid code; request a new one")
		}
		if l.AccountID != account {
			return nil, errs.InvalidField("mobileNumberValidationId", "the e-mail address and the mobile number belong to different Storebox users")
		}
	}
	now := s.now().UTC()
	m := &User{ID: ids.New(), Provider: p, Kind: KindStorebox, AccountID: account, Parms: []Parm{}, CreatedAt: now, UpdatedAt: now}
	return s.storebox.LinkAccount(ctx, m)
}

// StoreboxUser returns p's Storebox user; another kind is not found.
func (s *Service) StoreboxUser(ctx context.Context, p Provider, userID string) (*User, error) {
	u, err := s.Find(ctx, p, userID)
	if errs.Is(err, errs.Invalid) {
		return nil, errs.NotFoundf("user not found")
	}
	if err != nil {
		return nil, err
	}
	if u.Kind != KindStorebox {
		return nil, errs.NotFoundf("user not found")
	}
	return u, nil
}

// UpdateStoreboxUser sets the account's green profile; nil changes nothing.
func (s *Service) UpdateStoreboxUser(ctx context.Context, p Provider, userID string, greenProfile *bool) (*User, error) {
	u, err := s.StoreboxUser(ctx, p, userID)
	if err != nil {
		return nil, err
	}
	if greenProfile == nil {
		return u, nil
	}
	if err := s.storebox.SetGreenProfile(ctx, u.AccountID, *greenProfile, s.now().UTC()); err != nil {
		return nil, err
	}
	v := *greenProfile
	u.GreenProfile = &v
	return u, nil
}

// DeleteStoreboxUser removes p's mapping; the account and other partners'
// mappings stay.
func (s *Service) DeleteStoreboxUser(ctx context.Context, p Provider, userID string) error {
	if _, err := s.StoreboxUser(ctx, p, userID); err != nil {
		return err
	}
	return s.storebox.DeleteMapping(ctx, p.ID, userID)
}

// FindAccount returns the account ref names (exactly one of its fields).
func (s *Service) FindAccount(ctx context.Context, ref AccountRef) (*Account, error) {
	if err := s.requireStorebox(); err != nil {
		return nil, err
	}
	n := 0
	for _, v := range []string{ref.AccountID, ref.Email, ref.MobileNumber} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return nil, errs.InvalidField("accountId", "give exactly one of accountId, email and mobileNumber")
	}
	switch {
	case ref.AccountID != "":
		if len(ref.AccountID) != ids.StoreboxLength || !ids.IsLowerAlnum(ref.AccountID) {
			return nil, errs.NotFoundf("Storebox account not found")
		}
		return s.storebox.FindAccount(ctx, ref.AccountID)
	case ref.Email != "":
		email, err := NormalizeEmail("email", ref.Email)
		if err != nil {
			return nil, err
		}
		return s.storebox.FindAccountByEmail(ctx, email)
	default:
		phone, err := s.phones.Normalize("mobileNumber", ref.MobileNumber)
		if err != nil {
			return nil, err
		}
		return s.storebox.FindAccountByPhone(ctx, phone)
	}
}

// DeleteStoreboxAccount deletes a Storebox account and every partner's
// mapping to it; each mapped partner gets STOREBOX_USER_DELETED with the
// id of its own user, through the outbox in the same transaction.
func (s *Service) DeleteStoreboxAccount(ctx context.Context, ref AccountRef) (*Account, error) {
	a, err := s.FindAccount(ctx, ref)
	if err != nil {
		return nil, err
	}
	err = s.storebox.DeleteAccount(ctx, a.ID, func(mappings []*User) []notify.Event {
		out := make([]notify.Event, 0, len(mappings))
		for _, m := range mappings {
			out = append(out, notify.Event{Type: EventStoreboxUserDeleted, OwnerID: m.Provider.ID,
				Payload: map[string]any{"userId": m.ID}})
		}
		return out
	})
	return a, err
}

// ValidateUserIDType checks a whitelabel solution id: 2 to 32 of a-z, 0-9,
// '_' and '-'.
func ValidateUserIDType(v string) error {
	if len(v) < minUserIDType || len(v) > maxUserIDType || strings.ContainsFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) {
		return errs.InvalidField("userIdType", "userIdType must be %d to %d of a-z, 0-9, '_' and '-'", minUserIDType, maxUserIDType)
	}
	return nil
}

// validateCID checks a whitelabel user's external id.
func validateCID(v string) error {
	if v == "" {
		return errs.InvalidField("cid", "cid is required")
	}
	if err := checkText("cid", v); err != nil {
		return err
	}
	if utf8.RuneCountInString(v) > maxCID || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return errs.InvalidField("cid", "cid must be 1 to %d characters without control characters", maxCID)
	}
	// SECURITY: a card number is never stored (DESIGN "PAN guard").
	return pan.CheckText("cid", v)
}

// IssueWhitelabelType gives a whitelabel solution id (userIdType) to the
// partner with providerID: only it may have users of the type, so that a
// receipt's customer block reaches that partner only.
func (s *Service) IssueWhitelabelType(ctx context.Context, userIDType string, providerID int64) error {
	if err := s.requireStorebox(); err != nil {
		return err
	}
	if err := ValidateUserIDType(userIDType); err != nil {
		return err
	}
	return s.storebox.IssueWhitelabelType(ctx, userIDType, providerID, s.now().UTC())
}

// CreateWhitelabelUser returns p's user for the type and cid, made now
// (created true) or earlier. A new user gets the receipts already posted
// with the same customer block.
// SECURITY: a type belongs to one partner (issued by an admin, or claimed
// by the first partner that uses it); another partner's type is Forbidden,
// so that no partner receives receipts meant for another's customers.
func (s *Service) CreateWhitelabelUser(ctx context.Context, p Provider, userIDType, cid, language string) (*User, bool, error) {
	if err := s.requireStorebox(); err != nil {
		return nil, false, err
	}
	if err := ValidateUserIDType(userIDType); err != nil {
		return nil, false, err
	}
	if err := validateCID(cid); err != nil {
		return nil, false, err
	}
	if err := validateLanguage(language); err != nil {
		return nil, false, err
	}
	now := s.now().UTC()
	u := &User{ID: ids.New(), Provider: p, Kind: KindWhitelabel, UserIDType: userIDType, CID: cid, Language: language,
		Parms: []Parm{}, CreatedAt: now, UpdatedAt: now}
	return s.storebox.CreateWhitelabelUser(ctx, u)
}

// WhitelabelUser returns p's user for the type and cid.
func (s *Service) WhitelabelUser(ctx context.Context, p Provider, userIDType, cid string) (*User, error) {
	if err := s.requireStorebox(); err != nil {
		return nil, err
	}
	if err := ValidateUserIDType(userIDType); err != nil {
		return nil, err
	}
	if err := validateCID(cid); err != nil {
		return nil, err
	}
	return s.storebox.FindWhitelabelUser(ctx, p.ID, userIDType, cid)
}

// DeleteWhitelabelUser removes p's user for the type and cid, with its
// cards and its receipts.
func (s *Service) DeleteWhitelabelUser(ctx context.Context, p Provider, userIDType, cid string) (*User, error) {
	u, err := s.WhitelabelUser(ctx, p, userIDType, cid)
	if err != nil {
		return nil, err
	}
	return u, s.store.DeleteUser(ctx, p.ID, u.ID, nil)
}
