// Package notify is the outbound-notification bounded context: the endpoints
// that owners (partners, settlement clients, admins) configure per event type,
// the events written to the outbox, the deliveries of those events, and the
// messages (SMS, e-mail) sent to people through a Sender.
package notify

import (
	"context"
	"encoding/json"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/pan"
)

// EventType is the kind of a notification; an owner sets one endpoint per
// type.
type EventType string

// The notification types. Later contexts append theirs.
const (
	EventUserCreated EventType = "USER_CREATED"
	EventUserUpdated EventType = "USER_UPDATED"
	EventUserDeleted EventType = "USER_DELETED"
	// EventNewSettlementBatch: a settlement batch was created (?batchId=).
	EventNewSettlementBatch EventType = "NEW_SETTLEMENT_BATCH"
	// EventMerchantsSettled: merchants were settled into invoices
	// (?settlementId=).
	EventMerchantsSettled EventType = "MERCHANTS_SETTLED"
	// EventReceipt: a receipt was created or updated for one of the
	// partner's users, or matched to one by a card registered later
	// (seed 001 "New/updated receipt").
	EventReceipt EventType = "RECEIPT"
	// EventCardCreated: a card was added to a user (seed 001 "Card Created
	// Notification").
	EventCardCreated EventType = "CARD_CREATED"
	// EventStoreboxUserDeleted: a Storebox account was deleted; each
	// partner mapped to it gets {userId} of its own user (seed 001).
	EventStoreboxUserDeleted EventType = "STOREBOX_USER_DELETED"
)

// EventTypes lists every notification type, in the order the API documents
// them.
var EventTypes = []EventType{EventUserCreated, EventUserUpdated, EventUserDeleted, EventNewSettlementBatch, EventMerchantsSettled, EventReceipt,
	EventCardCreated, EventStoreboxUserDeleted}

// Valid reports whether t is a known notification type.
func (t EventType) Valid() bool {
	for _, known := range EventTypes {
		if t == known {
			return true
		}
	}
	return false
}

// Header is one static HTTP header sent with every notification to an
// endpoint, typically the receiver's authentication.
type Header struct {
	Name  string
	Value string
}

// MaskedValue shows enough of a header value for its owner to recognise it
// without revealing it: "••••" and, for values longer than 12 characters,
// their last 4.
func (h Header) MaskedValue() string {
	if utf8.RuneCountInString(h.Value) <= 12 {
		return "••••"
	}
	r := []rune(h.Value)
	return "••••" + string(r[len(r)-4:])
}

// Endpoint is where an owner wants notifications of one type delivered.
type Endpoint struct {
	// OwnerID is the credential id of the owner.
	OwnerID int64
	Type    EventType
	URL     string
	Headers []Header
	// SigningSecret ("whsec_" and the base64 of 32 random bytes) signs
	// every delivery to the endpoint (webhook-signature, Standard Webhooks).
	// It is stored sealed and shown once: it is set only on the endpoint
	// returned by the SetEndpoint call that created it, "" everywhere else.
	SigningSecret string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Event is one notification to its owner, written to the outbox in the same
// transaction as the change it announces.
type Event struct {
	Type EventType
	// OwnerID is the credential id of the owner whose endpoint receives it.
	OwnerID int64
	// Payload is encoded as the JSON body; nil sends an empty body.
	Payload any
	// Query is added to the endpoint URL's query string, for the
	// notifications that carry their data there (settlement batches).
	Query map[string]string
	// UserID is the user the event concerns (a receipt's or a card's
	// owner), and ObjectID the id of what it announces (the receipt, the
	// card); subscriptions are told of the event by them (LiveEvent).
	UserID, ObjectID string
}

// DeliveryState is where the delivery of one event stands.
type DeliveryState string

// The delivery states.
const (
	// DeliveryPending: not attempted yet.
	DeliveryPending DeliveryState = "pending"
	// DeliveryRetrying: an attempt failed; another is scheduled.
	DeliveryRetrying DeliveryState = "retrying"
	// DeliveryDelivered: the receiver answered 2xx.
	DeliveryDelivered DeliveryState = "delivered"
	// DeliveryFailed: every attempt failed, or the endpoint can never be
	// reached; no more attempts are made.
	DeliveryFailed DeliveryState = "failed"
)

// Valid reports whether s is a known delivery state.
func (s DeliveryState) Valid() bool {
	switch s {
	case DeliveryPending, DeliveryRetrying, DeliveryDelivered, DeliveryFailed:
		return true
	}
	return false
}

// Delivery is the delivery of one event to one endpoint, as its owner sees
// it.
type Delivery struct {
	ID int64
	// EventID is stable across retries and sent as the webhook-id header.
	EventID string
	OwnerID int64
	Type    EventType
	// URL is the endpoint URL at the time the event was written.
	URL string
	// Payload is the JSON body sent, nil for an empty body.
	Payload json.RawMessage
	// Attempt counts the attempts made so far.
	Attempt int
	State   DeliveryState
	// LastStatus is the HTTP status of the last attempt, 0 when none came.
	LastStatus int
	// LastError says why the last attempt failed, "" when it did not.
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DeliveredAt *time.Time
}

// Attempt is the outcome of one delivery attempt, as the delivery worker
// records it.
type Attempt struct {
	EventID string
	// Number is the attempt number, from 1.
	Number int
	// State is the delivery state after this attempt.
	State  DeliveryState
	Status int
	Error  string
	At     time.Time
}

// Channel is how a message reaches a person.
type Channel string

// The message channels.
const (
	ChannelSMS   Channel = "sms"
	ChannelEmail Channel = "email"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return c == ChannelSMS || c == ChannelEmail }

// Message is a text to a person: an SMS to a phone number (MSISDN) or an
// e-mail to an address.
type Message struct {
	To      string
	Channel Channel
	Body    string
	SentAt  time.Time
}

// Sender sends messages to people.
type Sender interface {
	// Send delivers m or returns why it could not.
	Send(ctx context.Context, m Message) error
}

// Store persists endpoints, deliveries and sent messages. Its methods do
// not check permissions.
type Store interface {
	// SetEndpoint creates or replaces the owner's endpoint of e.Type and
	// fills in CreatedAt and UpdatedAt. e.SigningSecret is stored only when
	// the endpoint has no secret yet; when it keeps the secret it had,
	// e.SigningSecret is cleared.
	SetEndpoint(ctx context.Context, e *Endpoint) error
	// DeleteEndpoint removes the owner's endpoint of type t, or returns a
	// not-found error.
	DeleteEndpoint(ctx context.Context, ownerID int64, t EventType) error
	// ListEndpoints returns the owner's endpoints ordered by type.
	ListEndpoints(ctx context.Context, ownerID int64) ([]*Endpoint, error)
	// ListDeliveries returns the owner's most recent deliveries, newest
	// first.
	ListDeliveries(ctx context.Context, ownerID int64, limit int) ([]*Delivery, error)
	// SaveSentMessage records a message that was sent.
	SaveSentMessage(ctx context.Context, m *Message) error
	// ListSentMessages returns the most recent messages sent to a
	// recipient, newest first.
	ListSentMessages(ctx context.Context, to string, limit int) ([]*Message, error)
}

// Limits of the endpoint settings.
const (
	MaxURLLength         = 2048
	MaxHeaders           = 20
	MaxHeaderNameLength  = 100
	MaxHeaderValueLength = 1000
)

// Page sizes of the lists.
const (
	DefaultDeliveries    = 20
	MaxDeliveries        = 100
	MaxSentMessages      = 100
	maxRecipientLength   = 320
	reservedHeaderPrefix = "webhook-"
)

// reservedHeaders are set by the delivery itself and cannot be configured.
var reservedHeaders = map[string]bool{
	"host":              true,
	"content-length":    true,
	"content-type":      true,
	"transfer-encoding": true,
	"connection":        true,
	"keep-alive":        true,
	"upgrade":           true,
	"te":                true,
	"trailer":           true,
}

// Options tune the service.
type Options struct {
	// AllowPrivate lets endpoints point at loopback and private addresses
	// (development and tests only).
	AllowPrivate bool
}

// Service holds the notification rules.
type Service struct {
	store Store
	now   func() time.Time
	opts  Options
}

// NewService returns a notification service.
func NewService(store Store, now func() time.Time, opts Options) *Service {
	return &Service{store: store, now: now, opts: opts}
}

// SetEndpoint validates and stores the endpoint of type t for the owner,
// replacing the one it had. A new endpoint gets a signing secret, returned
// in SigningSecret this once; a replaced one keeps its secret (delete and
// set the endpoint again to get a new one).
//
// SECURITY: ownerID must be the credential id of the authenticated caller;
// the caller (resolver) checks that it is a partner, settlement client or
// admin.
func (s *Service) SetEndpoint(ctx context.Context, ownerID int64, t EventType, rawURL string, headers []Header) (*Endpoint, error) {
	if !t.Valid() {
		return nil, errs.InvalidField("type", "type is not a known notification type")
	}
	u, err := ValidateURL(rawURL, s.opts.AllowPrivate)
	if err != nil {
		return nil, err
	}
	if err := ValidateHeaders(headers); err != nil {
		return nil, err
	}
	secret, err := NewSigningSecret()
	if err != nil {
		return nil, err
	}
	e := &Endpoint{OwnerID: ownerID, Type: t, URL: u, Headers: append([]Header(nil), headers...), SigningSecret: secret}
	now := s.now().UTC()
	e.CreatedAt, e.UpdatedAt = now, now
	if err := s.store.SetEndpoint(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// DeleteEndpoint removes the owner's endpoint of type t; events of that type
// are no longer delivered. Deliveries already written still go out.
//
// SECURITY: ownerID must be the credential id of the authenticated caller.
func (s *Service) DeleteEndpoint(ctx context.Context, ownerID int64, t EventType) error {
	if !t.Valid() {
		return errs.InvalidField("type", "type is not a known notification type")
	}
	return s.store.DeleteEndpoint(ctx, ownerID, t)
}

// ListEndpoints returns the owner's endpoints.
//
// SECURITY: ownerID must be the credential id of the authenticated caller.
func (s *Service) ListEndpoints(ctx context.Context, ownerID int64) ([]*Endpoint, error) {
	return s.store.ListEndpoints(ctx, ownerID)
}

// ListDeliveries returns the owner's most recent deliveries, newest first;
// a limit of 0 means DefaultDeliveries.
//
// SECURITY: ownerID must be the credential id of the authenticated caller.
func (s *Service) ListDeliveries(ctx context.Context, ownerID int64, limit int) ([]*Delivery, error) {
	if limit == 0 {
		limit = DefaultDeliveries
	}
	if limit < 0 || limit > MaxDeliveries {
		return nil, errs.InvalidField("first", "first must be between 1 and %d", MaxDeliveries)
	}
	return s.store.ListDeliveries(ctx, ownerID, limit)
}

// SentMessages returns the most recent messages sent to a phone number or
// e-mail address, newest first.
//
// SECURITY: message bodies hold OTPs and links; only admins may call this.
func (s *Service) SentMessages(ctx context.Context, to string) ([]*Message, error) {
	to = NormalizeRecipient(to)
	if to == "" || len(to) > maxRecipientLength {
		return nil, errs.InvalidField("to", "to must be a phone number or an e-mail address")
	}
	return s.store.ListSentMessages(ctx, to, MaxSentMessages)
}

// NormalizeRecipient gives the form messages are stored and looked up by:
// e-mail addresses in lower case, phone numbers as digits only (a leading
// +, spaces, dashes, dots and parentheses are dropped).
func NormalizeRecipient(to string) string {
	to = strings.TrimSpace(to)
	if strings.Contains(to, "@") {
		return strings.ToLower(to)
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '+', ' ', '-', '.', '(', ')':
			return -1
		}
		return r
	}, to)
}

// ValidateURL checks an endpoint URL and returns it as it will be used: an
// absolute http or https URL of at most MaxURLLength characters, without
// user info or fragment, whose host is not a loopback, private, link-local
// or unspecified address (nor localhost) unless allowPrivate. Host names are
// checked again against the addresses they resolve to when delivering.
func ValidateURL(raw string, allowPrivate bool) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > MaxURLLength {
		return "", errs.InvalidField("url", "url must be 1 to %d characters", MaxURLLength)
	}
	if !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", errs.InvalidField("url", "url must not contain spaces or control characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errs.InvalidField("url", "url is not a valid URL")
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return "", errs.InvalidField("url", "url must be an absolute http or https URL")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return "", errs.InvalidField("url", "url must be an absolute http or https URL")
	}
	if u.User != nil {
		return "", errs.InvalidField("url", "url must not contain a user name or password; use a header")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return "", errs.InvalidField("url", "url must not contain a fragment")
	}
	if !allowPrivate && !publicHost(u.Hostname()) {
		return "", errs.InvalidField("url", "url must not point at a loopback, private or link-local address")
	}
	// SECURITY: a card number is never stored (DESIGN "PAN guard").
	if err := pan.CheckText("url", raw); err != nil {
		return "", err
	}
	return raw, nil
}

// publicHost reports whether host, a name or a literal address, may be a
// public endpoint as far as can be told without resolving it.
func publicHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "" {
		return false
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return PublicAddr(addr)
	}
	// Names made only of decimal, octal or hex numbers are IPv4 addresses in
	// forms netip does not parse but some resolvers do ("2130706433").
	return !numericHost(host)
}

// numericHost reports whether every dot-separated label of host is a
// decimal or 0x-prefixed hexadecimal number.
func numericHost(host string) bool {
	for label := range strings.SplitSeq(host, ".") {
		digits := "0123456789"
		if rest, ok := strings.CutPrefix(label, "0x"); ok {
			label, digits = rest, "0123456789abcdef"
		}
		if label == "" || strings.Trim(label, digits) != "" {
			return false
		}
	}
	return true
}

// nonPublic lists the special-purpose IPv4 and IPv6 ranges that netip's
// predicates do not cover but a notification must not reach either.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may embed a private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2002::/16"),       // 6to4: may embed a private IPv4
	netip.MustParsePrefix("2001::/32"),       // Teredo
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated
}

// PublicAddr reports whether a notification may be sent to addr: it is not
// loopback, private, link-local, multicast, unspecified or another
// special-purpose address.
func PublicAddr(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() || addr.IsMulticast() ||
		addr.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// ValidateHeaders checks the static headers of an endpoint: at most
// MaxHeaders, each name an HTTP token of at most MaxHeaderNameLength
// characters that the delivery does not set itself and that appears once,
// each value at most MaxHeaderValueLength characters without control
// characters other than tab.
func ValidateHeaders(headers []Header) error {
	if len(headers) > MaxHeaders {
		return errs.InvalidField("headers", "at most %d headers are allowed", MaxHeaders)
	}
	seen := map[string]bool{}
	for _, h := range headers {
		if h.Name == "" || len(h.Name) > MaxHeaderNameLength || !isToken(h.Name) {
			return errs.InvalidField("headers", "header name %q must be 1 to %d letters, digits or !#$%%&'*+-.^_`|~", truncate(h.Name), MaxHeaderNameLength)
		}
		lower := strings.ToLower(h.Name)
		if reservedHeaders[lower] || strings.HasPrefix(lower, reservedHeaderPrefix) {
			return errs.InvalidField("headers", "header %s is set by the delivery and cannot be configured", h.Name)
		}
		if seen[lower] {
			return errs.InvalidField("headers", "header %s is given more than once", h.Name)
		}
		seen[lower] = true
		if len(h.Value) > MaxHeaderValueLength {
			return errs.InvalidField("headers", "header %s value must be at most %d characters", h.Name, MaxHeaderValueLength)
		}
		if !utf8.ValidString(h.Value) || strings.ContainsFunc(h.Value, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) {
			return errs.InvalidField("headers", "header %s value must not contain line breaks or control characters", h.Name)
		}
	}
	return nil
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2).
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
