package user

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"strings"
	"time"
	"unicode/utf8"

	cardrules "loyaltygraph/domain/card"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/pan"
)

// This file holds the cards entered as card numbers (seed 001): the card
// frame, its Strong Customer Authentication step, BankAxept cards and
// their encryption providers. A card number is checked, turned into a
// token (a keyed hash) and its masked form, and forgotten: it is never
// stored, not even while the card holder is being verified.

// EncryptionProvider is a named RSA key pair with which BankAxept card
// data is encrypted; the private key is sealed with the server key.
type EncryptionProvider struct {
	Name             string
	PublicKeyPEM     string
	SealedPrivateKey []byte
	CreatedAt        time.Time
}

// CardStore persists what cards entered as card numbers need beyond Store.
// Its methods do not check permissions.
type CardStore interface {
	// FindCardByTokenHash returns the provider's card with this token hash.
	FindCardByTokenHash(ctx context.Context, providerID int64, hash []byte) (*Card, error)
	// CountCards returns how many cards a user has.
	CountCards(ctx context.Context, userID string) (int, error)
	// DeleteCard removes a card of the provider's user, or not found.
	DeleteCard(ctx context.Context, providerID int64, userID, cardID string) error
	// CreateEncryptionProvider stores ep; a taken name is a conflict.
	CreateEncryptionProvider(ctx context.Context, ep *EncryptionProvider) error
	// FindEncryptionProvider returns the provider named name, or not found.
	FindEncryptionProvider(ctx context.Context, name string) (*EncryptionProvider, error)
	// PartnerSCA reports whether Strong Customer Authentication is on for
	// the partner's card frame.
	PartnerSCA(ctx context.Context, providerID int64) (bool, error)
	// SetPartnerSCA turns it on or off.
	SetPartnerSCA(ctx context.Context, providerID int64, enabled bool, at time.Time) error
}

// PendingCards keep cards waiting for Strong Customer Authentication,
// sealed, for a short time. Their methods do not check permissions.
type PendingCards interface {
	// Put keeps sealed under id for ttl.
	Put(ctx context.Context, id string, sealed []byte, ttl time.Duration) error
	// Take returns and forgets what id holds; not found when nothing (or
	// when it expired).
	Take(ctx context.Context, id string) ([]byte, error)
}

// Verifier is a Strong Customer Authentication (3-D Secure) provider.
// Begin starts verifying the holder of the card c, for the pending card
// id, and returns where the browser goes next; the provider later reports
// the outcome through Service.CompleteSCA(id, approved). The card number
// is in c only during Begin.
type Verifier interface {
	Begin(ctx context.Context, id string, c *cardrules.Checked) (redirectURL string, err error)
}

// DevIssuer is the development Verifier: its page (PageURL + id) lets the
// person trying the service approve or decline.
type DevIssuer struct{ PageURL string }

// Begin implements Verifier.
func (d DevIssuer) Begin(_ context.Context, id string, _ *cardrules.Checked) (string, error) {
	return d.PageURL + id, nil
}

type cardDeps struct {
	store    CardStore
	pending  PendingCards
	verifier Verifier
}

// Limits of cards entered as card numbers.
const (
	// FrameTTL is how long a card frame page can be submitted.
	FrameTTL = 30 * time.Minute
	// PendingTTL is how long a card waits for its verification.
	PendingTTL     = 10 * time.Minute
	maxUserCards   = 50
	maxCardData    = 4096
	maxProviderLen = 64
	frameKind      = "cardframe/v1"
)

// FrameSession is what a card frame's signed token carries: the partner,
// the user and the URLs the partner signed, and when it expires.
type FrameSession struct {
	Kind         string `json:"k"`
	ProviderID   int64  `json:"p"`
	ProviderName string `json:"n"`
	UserID       string `json:"u"`
	AcceptURL    string `json:"a"`
	DeclineURL   string `json:"d,omitempty"`
	CSSURL       string `json:"c"`
	LanguageURL  string `json:"l,omitempty"`
	Expires      int64  `json:"e"`
}

// pendingCard is a card waiting for verification: its token, never its
// number.
type pendingCard struct {
	Session   FrameSession   `json:"s"`
	Token     string         `json:"t"`
	Truncated string         `json:"m"`
	Type      cardrules.Type `json:"y"`
	ExpMonth  int            `json:"em"`
	ExpYear   int            `json:"ey"`
}

// errFrame is the answer to a frame token that is not ours, changed or
// expired.
var errFrame = errs.E(errs.Forbidden, "the card frame is not valid or has expired; reload it")

// OpenFrame checks a card frame request whose hash the caller verified
// for partner p and returns its session and signed token. The user must be
// p's (else not found); declineurl is required when p has SCA on.
func (s *Service) OpenFrame(ctx context.Context, p Provider, params cardrules.FrameParams) (*FrameSession, string, error) {
	if err := validateUserID(params.UserID); err != nil {
		return nil, "", errs.InvalidField("id", "id must be letters and digits")
	}
	if _, err := s.store.FindUser(ctx, p.ID, params.UserID); err != nil {
		return nil, "", err
	}
	sca, err := s.cards.store.PartnerSCA(ctx, p.ID)
	if err != nil {
		return nil, "", err
	}
	if err := cardrules.ValidateFrameParams(params, sca); err != nil {
		return nil, "", err
	}
	fs := &FrameSession{Kind: frameKind, ProviderID: p.ID, ProviderName: p.Name, UserID: params.UserID,
		AcceptURL: params.AcceptURL, DeclineURL: params.DeclineURL, CSSURL: params.CSSURL,
		LanguageURL: params.LanguageURL, Expires: s.now().Add(FrameTTL).Unix()}
	b, _ := json.Marshal(fs)
	sealed, err := s.vault.Seal(b)
	if err != nil {
		return nil, "", err
	}
	return fs, base64.RawURLEncoding.EncodeToString(sealed), nil
}

// FrameSessionOf opens a card frame token: Forbidden when it is not one
// of ours, was changed or has expired.
func (s *Service) FrameSessionOf(token string) (*FrameSession, error) {
	if token == "" {
		return nil, errs.InvalidField("frameToken", "frameToken is required")
	}
	if len(token) > 8192 {
		return nil, errFrame
	}
	sealed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, errFrame
	}
	b, err := s.vault.Open(sealed)
	if err != nil {
		return nil, errFrame
	}
	var fs FrameSession
	if err := json.Unmarshal(b, &fs); err != nil || fs.Kind != frameKind || fs.ProviderID == 0 || fs.UserID == "" {
		return nil, errFrame
	}
	if s.now().Unix() >= fs.Expires {
		return nil, errFrame
	}
	return &fs, nil
}

// SubmitFrame takes the card the end user entered in the frame of token.
// A refused card is a card.ProblemError (its text is in the frame's
// language file). Without SCA the card is stored and the browser goes to
// the accept URL; with SCA the card waits, sealed and without its number,
// while the browser goes to the verifier.
func (s *Service) SubmitFrame(ctx context.Context, token string, in cardrules.Entered) (*FrameSession, string, error) {
	fs, err := s.FrameSessionOf(token)
	if err != nil {
		return nil, "", err
	}
	c, err := cardrules.Check(in, s.now())
	if err != nil {
		return fs, "", err
	}
	p := Provider{ID: fs.ProviderID, Name: fs.ProviderName}
	if _, err := s.store.FindUser(ctx, p.ID, fs.UserID); err != nil {
		return fs, "", err
	}
	tok := s.cardToken(c.Digits)
	if existing, err := s.cards.store.FindCardByTokenHash(ctx, p.ID, s.vault.LookupHash([]byte(tok))); err == nil && existing != nil {
		return fs, "", cardrules.ProblemDuplicate.Err()
	} else if err != nil && !errs.Is(err, errs.NotFound) {
		return fs, "", err
	}
	if n, err := s.cards.store.CountCards(ctx, fs.UserID); err != nil {
		return fs, "", err
	} else if n >= maxUserCards {
		return fs, "", cardrules.ProblemMaxCards.Err()
	}
	sca, err := s.cards.store.PartnerSCA(ctx, p.ID)
	if err != nil {
		return fs, "", err
	}
	if !sca {
		if _, err := s.storeEnteredCard(ctx, p, fs.UserID, tok, c.Truncated(), c.Type, c.ExpMonth, c.ExpYear, cardrules.OriginFrame, ""); err != nil {
			return fs, "", err
		}
		return fs, fs.AcceptURL, nil
	}
	if s.cards.verifier == nil {
		return fs, "", errs.E(errs.Unavailable, "Strong Customer Authentication is not available; try again later")
	}
	if fs.DeclineURL == "" { // SCA turned on after the frame was opened
		return fs, "", errs.InvalidField("declineurl", "declineurl is required when Strong Customer Authentication is enabled")
	}
	pc := pendingCard{Session: *fs, Token: tok, Truncated: c.Truncated(), Type: c.Type, ExpMonth: c.ExpMonth, ExpYear: c.ExpYear}
	b, _ := json.Marshal(pc)
	sealed, err := s.vault.Seal(b)
	if err != nil {
		return fs, "", err
	}
	id := ids.Secret(32)
	if err := s.cards.pending.Put(ctx, id, sealed, PendingTTL); err != nil {
		return fs, "", err
	}
	next, err := s.cards.verifier.Begin(ctx, id, c)
	if err != nil {
		return fs, "", err
	}
	return fs, next, nil
}

// ValidatePendingID checks the shape of a pending card's id.
func ValidatePendingID(id string) error {
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) {
		return errs.NotFoundf("no card is waiting for verification here")
	}
	return nil
}

// CompleteSCA ends the verification of pending card id: approved, the
// card is stored and the browser goes to the accept URL; declined (or
// refused on storing), nothing is stored and it goes to the decline URL.
// An unknown or expired id is not found; each id completes once.
func (s *Service) CompleteSCA(ctx context.Context, id string, approved bool) (string, error) {
	if err := ValidatePendingID(id); err != nil {
		return "", err
	}
	sealed, err := s.cards.pending.Take(ctx, id)
	if err != nil {
		return "", err
	}
	b, err := s.vault.Open(sealed)
	if err != nil {
		return "", err
	}
	var pc pendingCard
	if err := json.Unmarshal(b, &pc); err != nil {
		return "", err
	}
	if !approved {
		return pc.Session.DeclineURL, nil
	}
	p := Provider{ID: pc.Session.ProviderID, Name: pc.Session.ProviderName}
	_, err = s.storeEnteredCard(ctx, p, pc.Session.UserID, pc.Token, pc.Truncated, pc.Type, pc.ExpMonth, pc.ExpYear, cardrules.OriginFrame, "")
	if err != nil {
		if _, ok := cardrules.ProblemOf(err); ok || errs.Is(err, errs.NotFound) {
			return pc.Session.DeclineURL, nil
		}
		return "", err
	}
	return pc.Session.AcceptURL, nil
}

// cardToken turns a card number into the card's token: a keyed hash,
// from which the number cannot be read back.
func (s *Service) cardToken(digits string) string {
	return "pan-" + hex.EncodeToString(s.vault.LookupHash([]byte("card number v1\x00"+digits)))
}

// storeEnteredCard stores a card entered as a number (already a token) to
// p's user, with its CARD_CREATED notification in the same transaction. A
// card already registered (to this or another of p's users) is the
// duplicate problem.
func (s *Service) storeEnteredCard(ctx context.Context, p Provider, userID, token, truncated string, typ cardrules.Type,
	month, year int, origin cardrules.Origin, name string) (*Card, error) {
	sealed, err := s.vault.Seal([]byte(token))
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = typ.Name()
	}
	c := &Card{ID: ids.New(), UserID: userID, TokenType: string(origin), TruncatedPAN: truncated, SealedToken: sealed,
		TokenHash: s.vault.LookupHash([]byte(token)), CreatedAt: s.now().UTC(), Origin: origin, TypeID: typ,
		ExpMonth: month, ExpYear: year, Name: name}
	got, err := s.store.AddCard(ctx, p.ID, c, cardCreatedEvent(p, c))
	if errs.Is(err, errs.Conflict) {
		return nil, cardrules.ProblemDuplicate.Err()
	}
	if err != nil {
		return nil, err
	}
	if got.ID != c.ID {
		return nil, cardrules.ProblemDuplicate.Err()
	}
	return got, nil
}

// cardCreatedEvent is the card created notification of seed 001.
func cardCreatedEvent(p Provider, c *Card) notify.Event {
	month, year := "", ""
	if c.ExpMonth > 0 {
		month, year = twoDigits(c.ExpMonth), twoDigits(c.ExpYear%100)
	}
	return notify.Event{Type: notify.EventCardCreated, OwnerID: p.ID, Payload: map[string]any{
		"id": c.UserID, "cardid": c.ID, "cardtype": int(c.TypeID), "cardno": c.TruncatedPAN,
		"expmonth": month, "expyear": year,
	}, UserID: c.UserID, ObjectID: c.ID}
}

func twoDigits(n int) string {
	return string([]byte{byte('0' + n/10%10), byte('0' + n%10)})
}

// DeleteCard removes a card of p's user.
func (s *Service) DeleteCard(ctx context.Context, p Provider, userID, cardID string) error {
	if err := validateUserID(userID); err != nil {
		return err
	}
	if cardID == "" || len(cardID) > 64 || !ids.IsLowerAlnum(cardID) {
		return errs.InvalidField("cardId", "cardId must be letters and digits")
	}
	if _, err := s.store.FindUser(ctx, p.ID, userID); err != nil {
		return err
	}
	return s.cards.store.DeleteCard(ctx, p.ID, userID, cardID)
}

// UserCards returns the cards of p's user, newest first.
func (s *Service) UserCards(ctx context.Context, p Provider, userID string) ([]*Card, error) {
	if _, err := s.Find(ctx, p, userID); err != nil {
		return nil, err
	}
	return s.Cards(ctx, userID)
}

// SetSCA turns Strong Customer Authentication on or off for a partner's
// card frame.
func (s *Service) SetSCA(ctx context.Context, providerID int64, enabled bool) error {
	return s.cards.store.SetPartnerSCA(ctx, providerID, enabled, s.now().UTC())
}

// SCA reports whether Strong Customer Authentication is on for a partner.
func (s *Service) SCA(ctx context.Context, providerID int64) (bool, error) {
	return s.cards.store.PartnerSCA(ctx, providerID)
}

// validateProviderName checks an encryption provider's name.
func validateProviderName(field, name string) error {
	if name == "" || len(name) > maxProviderLen || strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		return errs.InvalidField(field, "%s must be 1 to %d letters, digits, '-', '_' or '.'", field, maxProviderLen)
	}
	// SECURITY: a card number is never stored (DESIGN "PAN guard").
	return pan.CheckText(field, name)
}

// rsaBits is the size of encryption providers' keys.
const rsaBits = 2048

// CreateEncryptionProvider makes a named RSA key pair for BankAxept card
// data; the private key is sealed with the server key.
func (s *Service) CreateEncryptionProvider(ctx context.Context, name string) (*EncryptionProvider, error) {
	if err := validateProviderName("name", name); err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	sealed, err := s.vault.Seal(priv)
	if err != nil {
		return nil, err
	}
	ep := &EncryptionProvider{Name: name, PublicKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		SealedPrivateKey: sealed, CreatedAt: s.now().UTC()}
	if err := s.cards.store.CreateEncryptionProvider(ctx, ep); err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil, errs.Conflictf("name", "an encryption provider with this name exists")
		}
		return nil, err
	}
	return ep, nil
}

// BankAxeptPublicKey returns the PEM public key of an encryption provider.
func (s *Service) BankAxeptPublicKey(ctx context.Context, name string) (string, error) {
	if err := validateProviderName("encryptionProvider", name); err != nil {
		return "", err
	}
	ep, err := s.cards.store.FindEncryptionProvider(ctx, name)
	if errs.Is(err, errs.NotFound) {
		return "", errs.NotFoundf("no encryption provider with this name")
	}
	if err != nil {
		return "", err
	}
	return ep.PublicKeyPEM, nil
}

// BankAxeptInput is the body of "add BankAxept card".
type BankAxeptInput struct {
	CardData           string
	EncryptionProvider string
	CardProvider       string
}

// errCardData is the one answer to every card data that cannot be read:
// bad Base64, another key, not the JSON, a wrong prefix or check digit.
// SECURITY: one answer for all, so that the endpoint is no decryption
// oracle.
var errCardData = errs.InvalidField("cardData", "cardData is not a BankAxept card encrypted with this encryption provider's key")

// AddBankAxeptCard decrypts a BankAxept card number (RSA-OAEP with
// SHA-256 over {"pan": "..."}, Base64) and stores it to p's user.
func (s *Service) AddBankAxeptCard(ctx context.Context, p Provider, userID string, in BankAxeptInput) (*Card, error) {
	if err := validateUserID(userID); err != nil {
		return nil, err
	}
	if in.CardData == "" {
		return nil, errs.InvalidField("cardData", "cardData is required")
	}
	if in.EncryptionProvider == "" {
		return nil, errs.InvalidField("encryptionProvider", "encryptionProvider is required")
	}
	if in.CardProvider == "" {
		return nil, errs.InvalidField("cardProvider", "cardProvider is required")
	}
	if err := validateProviderName("encryptionProvider", in.EncryptionProvider); err != nil {
		return nil, err
	}
	if len(in.CardProvider) > maxProviderLen || !utf8.ValidString(in.CardProvider) ||
		strings.ContainsFunc(in.CardProvider, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return nil, errs.InvalidField("cardProvider", "cardProvider must be 1 to %d printable characters", maxProviderLen)
	}
	if err := pan.CheckText("cardProvider", in.CardProvider); err != nil {
		return nil, err
	}
	if _, err := s.store.FindUser(ctx, p.ID, userID); err != nil {
		return nil, err
	}
	ep, err := s.cards.store.FindEncryptionProvider(ctx, in.EncryptionProvider)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.InvalidField("encryptionProvider", "no encryption provider with this name")
	}
	if err != nil {
		return nil, err
	}
	c, ok := s.openBankAxept(ep, in.CardData)
	if !ok {
		return nil, errCardData
	}
	got, err := s.storeEnteredCard(ctx, p, userID, s.cardToken(c.Digits), c.Truncated(), c.Type, 0, 0, cardrules.OriginBankAxept, in.CardProvider)
	if _, dup := cardrules.ProblemOf(err); dup {
		return nil, errs.Conflictf("cardData", "this card is already registered")
	}
	return got, err
}

// openBankAxept decrypts and checks card data; ok false for any failure.
func (s *Service) openBankAxept(ep *EncryptionProvider, data string) (*cardrules.Checked, bool) {
	if len(data) > maxCardData {
		return nil, false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(data))
	if err != nil {
		return nil, false
	}
	der, err := s.vault.Open(ep.SealedPrivateKey)
	if err != nil {
		return nil, false
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, false
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, false
	}
	plain, err := rsa.DecryptOAEP(sha256.New(), nil, key, raw, nil)
	if err != nil {
		return nil, false
	}
	var body struct {
		PAN *string `json:"pan"`
	}
	if err := json.Unmarshal(plain, &body); err != nil || body.PAN == nil {
		return nil, false
	}
	return cardrules.CheckBankAxept(*body.PAN)
}
