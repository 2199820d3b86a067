package receipt

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/pan"
)

// Limits of a marketing message.
const (
	MaxMessageSubject = 128
	MaxMessageText    = 2000
)

// MarketingMessage is a merchant's message shown with its receipts whose
// purchase time falls in [ValidFrom, ValidTo).
type MarketingMessage struct {
	ID           int64
	MerchantID   string
	MerchantName string
	Subject      string
	Text         string
	// ImageID is the id of the message's image; empty when it has none.
	ImageID   string
	ValidFrom time.Time
	ValidTo   time.Time
	CreatedAt time.Time
	// ReceiptID is the receipt the message was read with; empty when it
	// was not read with one.
	ReceiptID string
}

// MessageInput is a new marketing message. Image is the uploaded image's
// bytes, nil when none.
type MessageInput struct {
	MerchantID string
	Subject    string
	Text       string
	Image      []byte
	ValidFrom  time.Time
	ValidTo    time.Time
}

// MessageStore persists marketing messages. Its methods do not check
// permissions.
type MessageStore interface {
	// CreateMessage stores m (setting its ID) with its image, if any; an
	// unknown merchant is a not-found error on merchantId.
	CreateMessage(ctx context.Context, m *MarketingMessage, image *merchant.Image) error
	// FindReceiptMessages returns, for each of the receipts that r reaches
	// (a user of the partner, or the user itself, has it), the message of
	// its merchant valid at its purchase time (valid from ≤ t < valid to,
	// the latest valid from winning), with ReceiptID set. Receipts without
	// one are left out.
	FindReceiptMessages(ctx context.Context, r Reader, receiptIDs []string) ([]*MarketingMessage, error)
	// FindMessageImage returns the image, or a not-found error.
	FindMessageImage(ctx context.Context, imageID string) (*merchant.Image, error)
}

// Messages holds the rules of marketing messages.
type Messages struct {
	store MessageStore
	now   func() time.Time
}

// NewMessages returns the marketing message service.
func NewMessages(store MessageStore, now func() time.Time) *Messages {
	return &Messages{store: store, now: now}
}

// checkMessageText checks a message's free text named field.
func checkMessageText(field, v string, max int) error {
	if !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool {
		return (r < ' ' && r != '\n' && r != '\r' && r != '\t') || r == 0x7f
	}) {
		return errs.InvalidField(field, "%s must be text without control characters", field)
	}
	n := utf8.RuneCountInString(strings.TrimSpace(v))
	if n == 0 || utf8.RuneCountInString(v) > max {
		return errs.InvalidField(field, "%s must be 1 to %d characters", field, max)
	}
	return pan.CheckText(field, v)
}

// Create validates in and stores a new message.
func (s *Messages) Create(ctx context.Context, in MessageInput) (*MarketingMessage, error) {
	if err := merchant.ValidateID("merchantId", in.MerchantID); err != nil {
		return nil, err
	}
	in.Subject = strings.TrimSpace(in.Subject)
	if err := checkMessageText("subject", in.Subject, MaxMessageSubject); err != nil {
		return nil, err
	}
	if err := checkMessageText("text", in.Text, MaxMessageText); err != nil {
		return nil, err
	}
	if in.ValidFrom.IsZero() {
		return nil, errs.InvalidField("validFrom", "validFrom is required")
	}
	if in.ValidTo.IsZero() {
		return nil, errs.InvalidField("validTo", "validTo is required")
	}
	if !in.ValidTo.After(in.ValidFrom) {
		return nil, errs.InvalidField("validTo", "validTo must be after validFrom")
	}
	m := &MarketingMessage{MerchantID: in.MerchantID, Subject: in.Subject, Text: in.Text,
		ValidFrom: in.ValidFrom.UTC(), ValidTo: in.ValidTo.UTC(), CreatedAt: s.now().UTC()}
	var img *merchant.Image
	if in.Image != nil {
		i, err := merchant.CheckImage("image", in.Image)
		if err != nil {
			return nil, err
		}
		img, m.ImageID = &i, ids.New()
	}
	if err := s.store.CreateMessage(ctx, m, img); err != nil {
		return nil, err
	}
	return m, nil
}

// Reader is whose view a receipt is read through: a partner (any of its
// users) or one user.
type Reader struct {
	ProviderID int64
	UserID     string
}

// ForReceipt returns the message of the receipt's merchant valid at the
// receipt's purchase time, when r reaches the receipt; otherwise, or when
// there is none, a not-found error.
func (s *Messages) ForReceipt(ctx context.Context, r Reader, receiptID string) (*MarketingMessage, error) {
	if !validID(receiptID) {
		return nil, errs.NotFoundf("receipt not found")
	}
	list, err := s.store.FindReceiptMessages(ctx, r, []string{receiptID})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errs.NotFoundf("no marketing message for this receipt")
	}
	return list[0], nil
}

// ForReceipts returns the messages of those of receiptIDs that r reaches
// and that have one, each with its ReceiptID, in any order.
func (s *Messages) ForReceipts(ctx context.Context, r Reader, receiptIDs []string) ([]*MarketingMessage, error) {
	valid := make([]string, 0, len(receiptIDs))
	for _, id := range receiptIDs {
		if validID(id) {
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return nil, nil
	}
	return s.store.FindReceiptMessages(ctx, r, valid)
}

// Image returns the image imageID of the receipt's message.
// SECURITY: only the image of the message the reader sees with that
// receipt; any other image id is not found.
func (s *Messages) Image(ctx context.Context, r Reader, receiptID, imageID string) (*merchant.Image, error) {
	m, err := s.ForReceipt(ctx, r, receiptID)
	if err != nil {
		return nil, err
	}
	if m.ImageID == "" || m.ImageID != imageID {
		return nil, errs.NotFoundf("image not found")
	}
	return s.store.FindMessageImage(ctx, imageID)
}
