// Package user is the user bounded context of the Storebox User API: users
// owned by a partner (provider), their payment cards (first cut), signups
// from the till with link codes, OTP flows and user tokens.
package user

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	cardrules "loyaltygraph/domain/card"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/pan"
)

// Provider is the partner that owns users: the credential that created them.
type Provider struct {
	ID   int64
	Name string
}

// Parm is one free key/value pair stored on a user.
type Parm struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// User is an end user of a partner's loyalty programme.
type User struct {
	ID            string
	Provider      Provider
	Phone         string
	PhoneVerified bool
	MemberID      string
	Parms         []Parm
	// PendingPhone is a new phone number waiting for its OTP.
	PendingPhone string
	// Kind tells a User API user from a partner's Storebox user (a mapping
	// to a Storebox account) and a whitelabel user (seed 001).
	Kind Kind
	// AccountID is the Storebox account of a Storebox user.
	AccountID string
	// GreenProfile is the Storebox account's setting; nil for other kinds.
	GreenProfile *bool
	// UserIDType and CID name a whitelabel user's external id.
	UserIDType string
	CID        string
	// Language is an ISO 639-1 code given at creation, or "".
	Language  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Card is a payment card registered to a user. The token is kept sealed and
// found through a keyed hash; the full card number is never known.
type Card struct {
	ID           string
	UserID       string
	TokenType    string
	TruncatedPAN string
	// Token is the card token from the terminal, opened only for a card
	// signed up without a truncated PAN: seed 000 returns the token in its
	// place when a user's cards are read.
	Token       string
	Payment     bool
	SealedToken []byte
	TokenHash   []byte
	CreatedAt   time.Time
	// Origin is how the card came (User API, card frame, BankAxept);
	// TypeID, ExpMonth and ExpYear are known for cards entered as a card
	// number (0 otherwise).
	Origin         cardrules.Origin
	TypeID         cardrules.Type
	ExpMonth       int
	ExpYear        int
	Name           string
	ExternalCardID string
}

// CardInput is a card as a till or app sends it.
type CardInput struct {
	Token        string
	TokenType    string
	TruncatedPAN string
	Payment      bool
}

// Signup is a pending signup waiting for the end user to follow the link in
// the SMS: a link code with the phone, the card and where it came from.
type Signup struct {
	LinkCode  string
	Provider  Provider
	Phone     string
	Card      *Card
	StoreID   string
	MemberID  string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// Flow is how a partner's signups accept terms.
type Flow string

// The signup flows of the User API.
const (
	// FlowStorebox sends the end user to our terms page, then to the
	// partner's landing page.
	FlowStorebox Flow = "storebox"
	// FlowCustomer sends the end user straight to the partner's landing
	// page, which calls verify with the link code.
	FlowCustomer Flow = "customer"
)

// Valid reports whether f is a known flow.
func (f Flow) Valid() bool { return f == FlowStorebox || f == FlowCustomer }

// PartnerSettings configure a partner's signups.
type PartnerSettings struct {
	ProviderID int64
	TermsURL   string
	LandingURL string
	Flow       Flow
	UpdatedAt  time.Time
}

// Update changes the fields that are not nil. Parms replace the stored set.
type Update struct {
	Phone         *string
	PhoneVerified bool
	Parms         *[]Parm
}

// Limits of the User API fields.
const (
	linkCodeLength  = 10
	linkCodeTTL     = 7 * 24 * time.Hour
	minMemberID     = 4
	maxMemberID     = 32
	maxParms        = 100
	maxParmName     = 256
	maxParmValue    = 4096
	maxToken        = 256
	maxTokenType    = 64
	maxStoreID      = 64
	signupMemberTTL = 24 * time.Hour
)

// validateMemberID checks a caller-given memberId.
func validateMemberID(id string) error {
	n := utf8.RuneCountInString(id)
	if n < minMemberID || n > maxMemberID || !utf8.ValidString(id) || strings.ContainsFunc(id, isControlOrSpace) {
		return errs.InvalidField("memberId", "memberId must be %d to %d characters without spaces", minMemberID, maxMemberID)
	}
	// SECURITY: a card number is never stored (DESIGN "PAN guard").
	return pan.CheckText("memberId", id)
}

// validateStoreID checks the storeId a till sends with a card signup.
func validateStoreID(id string) error {
	if len(id) > maxStoreID {
		return errs.InvalidField("storeId", "storeId must be at most %d characters", maxStoreID)
	}
	if err := checkText("storeId", id); err != nil {
		return err
	}
	return pan.CheckText("storeId", id)
}

// checkText refuses invalid UTF-8 and NUL bytes, which PostgreSQL text
// cannot hold, naming field.
func checkText(field, v string) error {
	if !utf8.ValidString(v) {
		return errs.InvalidField(field, "%s must be valid UTF-8", field)
	}
	if strings.IndexByte(v, 0) >= 0 {
		return errs.InvalidField(field, "%s must not contain NUL bytes", field)
	}
	return nil
}

func isControlOrSpace(r rune) bool { return r <= ' ' || r == 0x7f || r == utf8.RuneError }

// validateParms checks a replacement set of parms. The seed says "There is
// no validation of the parameters": only limits that protect the service
// remain (at most maxParms parms, names of at most maxParmName characters,
// values of at most maxParmValue), and the rules every stored text follows
// (valid UTF-8, no NUL, no card number). Empty names and repeated names
// are stored as sent. Errors name the parm by its index (parms[2].value).
func validateParms(parms []Parm) error {
	if len(parms) > maxParms {
		return errs.InvalidField("parms", "at most %d parms", maxParms)
	}
	for i, p := range parms {
		name, value := fmt.Sprintf("parms[%d].name", i), fmt.Sprintf("parms[%d].value", i)
		if err := checkText(name, p.Name); err != nil {
			return err
		}
		if err := checkText(value, p.Value); err != nil {
			return err
		}
		if utf8.RuneCountInString(p.Name) > maxParmName {
			return errs.InvalidField(name, "a parm name must be at most %d characters", maxParmName)
		}
		if utf8.RuneCountInString(p.Value) > maxParmValue {
			return errs.InvalidField(value, "a parm value must be at most %d characters", maxParmValue)
		}
		// SECURITY: a card number is never stored (DESIGN "PAN guard").
		if err := pan.CheckText(name, p.Name); err != nil {
			return err
		}
		if err := pan.CheckText(value, p.Value); err != nil {
			return err
		}
	}
	return nil
}

// ValidateCard checks a card from a till or app. A truncated PAN must be
// masked (first 6 and last 4 digits at most); a full card number is refused.
func ValidateCard(c CardInput, tokenTypeRequired bool) error {
	if c.Token == "" || len(c.Token) > maxToken || strings.ContainsFunc(c.Token, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return errs.InvalidField("token", "token must be 1 to %d printable characters", maxToken)
	}
	if isDigits(c.Token) && len(c.Token) >= 12 && len(c.Token) <= 19 && pan.Luhn(c.Token) {
		return errs.InvalidField("token", "token looks like a card number; a full card number is never accepted")
	}
	if tokenTypeRequired && c.TokenType == "" {
		return errs.InvalidField("tokenType", "tokenType is required")
	}
	if c.TokenType != "" && (len(c.TokenType) > maxTokenType || strings.ContainsFunc(c.TokenType, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
	})) {
		return errs.InvalidField("tokenType", "tokenType must be 1 to %d letters, digits, '_', '-' or '.'", maxTokenType)
	}
	// SECURITY: a full card number is never stored (DESIGN "PAN guard").
	if err := pan.CheckText("tokenType", c.TokenType); err != nil {
		return err
	}
	return pan.CheckMasked("truncatedPan", c.TruncatedPAN)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// validatePartnerURL checks a partner's termsUrl or landingUrl: an absolute
// http(s) URL of at most 2048 characters. A termsUrl is framed by the terms
// page, whose Content-Security-Policy names its origin: it must be https
// with a plain host name or address (and port), nothing that could add a
// directive to the policy.
func validatePartnerURL(field, raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(raw) > 2048 {
		return errs.InvalidField(field, "%s must be an absolute http(s) URL", field)
	}
	if field == "termsUrl" && FrameOrigin(raw) == "" {
		return errs.InvalidField(field, "termsUrl must be an https URL with a plain host name, such as https://partner.example/terms")
	}
	return pan.CheckText(field, raw)
}

// FrameOrigin returns the origin (https://host[:port]) of a termsUrl that
// may be framed and named in a Content-Security-Policy, or "" when it may
// not: only https URLs whose host is a DNS name of letters, digits, dashes
// and dots, or a bracketed IPv6 address, with an optional numeric port.
func FrameOrigin(raw string) string {
	if raw == "" || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Opaque != "" || u.User != nil || u.Host == "" {
		return ""
	}
	host, port := u.Hostname(), u.Port()
	if host == "" || len(host) > 253 {
		return ""
	}
	if strings.Contains(u.Host, "[") {
		if _, err := netip.ParseAddr(host); err != nil {
			return ""
		}
	} else if !cardrules.IsDNSName(host) {
		return ""
	}
	if port != "" && (!isDigits(port) || len(port) > 5) {
		return ""
	}
	if u.Host != host && u.Host != "["+host+"]" && u.Host != host+":"+port && u.Host != "["+host+"]:"+port {
		return ""
	}
	return "https://" + strings.ToLower(u.Host)
}

// newMemberID returns a generated memberId.
func newMemberID() string { return ids.New() }

// events returns the notification of a change to u.
func createdEvent(u *User) notify.Event {
	return notify.Event{Type: notify.EventUserCreated, OwnerID: u.Provider.ID, Payload: map[string]any{
		"memberId": u.MemberID, "phoneNumber": u.Phone, "provider": u.Provider.Name,
	}}
}

func updatedEvent(u *User) notify.Event {
	parms := u.Parms
	if parms == nil {
		parms = []Parm{}
	}
	return notify.Event{Type: notify.EventUserUpdated, OwnerID: u.Provider.ID, Payload: map[string]any{
		"memberId": u.MemberID, "phoneNumber": u.Phone, "provider": u.Provider.Name, "parms": parms,
	}}
}

func deletedEvent(u *User) notify.Event {
	return notify.Event{Type: notify.EventUserDeleted, OwnerID: u.Provider.ID, Payload: map[string]any{
		"memberId": u.MemberID, "provider": u.Provider.Name,
	}}
}

// Store persists users, cards, signups and partner settings. Its methods do
// not check permissions; the events they are given are written to the
// outbox in the same transaction as the change.
type Store interface {
	// CreateUser inserts u and, when card is not nil, its card. A phone or
	// memberId taken within the provider is a conflict.
	CreateUser(ctx context.Context, u *User, card *Card, events []notify.Event) error
	// FindUser returns a user of the provider, or not found.
	FindUser(ctx context.Context, providerID int64, userID string) (*User, error)
	// FindUserByPhone returns the provider's user with this verified phone.
	FindUserByPhone(ctx context.Context, providerID int64, phone string) (*User, error)
	// FindUserByPendingPhone returns the provider's user waiting to move to phone.
	FindUserByPendingPhone(ctx context.Context, providerID int64, phone string) (*User, error)
	// UpdateUser stores the changed user; events and msgs go to the
	// outbox in the same transaction.
	UpdateUser(ctx context.Context, u *User, events []notify.Event, msgs ...notify.Message) error
	// DeleteUser removes the user and its cards.
	DeleteUser(ctx context.Context, providerID int64, userID string, events []notify.Event) error
	// AddCard registers card to its user; the same token again is a no-op
	// returning the stored card; a token of another user of the provider is
	// a conflict.
	// events go to the outbox only when the card is inserted.
	AddCard(ctx context.Context, providerID int64, card *Card, events ...notify.Event) (*Card, error)
	// ListCards returns a user's cards, newest first.
	ListCards(ctx context.Context, userID string) ([]*Card, error)
	// FindCard returns a card of the provider's users, or not found.
	FindCard(ctx context.Context, providerID int64, cardID string) (*Card, error)
	// FindCards returns the cards among cardIDs that belong to the
	// provider's users, in any order; unknown ids are left out.
	FindCards(ctx context.Context, providerID int64, cardIDs []string) ([]*Card, error)
	// NewestCard returns the newest card of the provider's user with phone.
	NewestCard(ctx context.Context, providerID int64, phone string) (*Card, error)
	// CreateSignup stores a pending signup; msgs go to the outbox in the
	// same transaction.
	CreateSignup(ctx context.Context, s *Signup, msgs ...notify.Message) error
	// FindSignup returns a signup by link code, used or not.
	FindSignup(ctx context.Context, linkCode string) (*Signup, error)
	// CompleteSignup claims the unused, unexpired link code at now and, in
	// the same transaction, creates newUser (or takes the provider's user
	// with the same phone) and adds the signup's card. It returns the user
	// and whether it was created; a used or expired code is Gone.
	CompleteSignup(ctx context.Context, linkCode string, now time.Time, newUser *User, events func(u *User, created bool) []notify.Event) (*User, bool, error)
	// SaveSignupMember remembers the memberId given at an OTP signup.
	SaveSignupMember(ctx context.Context, providerID int64, phone, memberID string, expires time.Time) error
	// SignupMember returns the memberId remembered for phone, or "".
	SignupMember(ctx context.Context, providerID int64, phone string, now time.Time) (string, error)
	// PartnerSettings returns a partner's settings, or not found.
	PartnerSettings(ctx context.Context, providerID int64) (*PartnerSettings, error)
	// SetPartnerSettings stores a partner's settings.
	SetPartnerSettings(ctx context.Context, s *PartnerSettings) error
}
