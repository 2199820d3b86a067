package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/receipt"
)

// MessageStore implements receipt.MessageStore.
type MessageStore struct{ db *DB }

// NewMessageStore returns the marketing message store of db.
func NewMessageStore(db *DB) *MessageStore { return &MessageStore{db: db} }

var _ receipt.MessageStore = (*MessageStore)(nil)

// CreateMessage stores m and its image in one transaction. It does not
// check permissions.
func (s *MessageStore) CreateMessage(ctx context.Context, m *receipt.MarketingMessage, image *merchant.Image) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT name FROM merchants WHERE merchant_id = $1`, m.MerchantID).Scan(&m.MerchantName); err != nil {
			if err == pgx.ErrNoRows {
				return &errs.Error{Code: errs.NotFound, Message: "merchant not found", Field: "merchantId"}
			}
			return err
		}
		var imageID *string
		if image != nil {
			imageID = &m.ImageID
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO marketing_messages (merchant_id, subject, body, image_id, valid_from, valid_to, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING message_id`,
			m.MerchantID, m.Subject, m.Text, imageID, m.ValidFrom, m.ValidTo, m.CreatedAt).Scan(&m.ID); err != nil {
			return err
		}
		if image == nil {
			return nil
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO marketing_message_images (image_id, message_id, content_type, data) VALUES ($1, $2, $3, $4)`,
			m.ImageID, m.ID, image.ContentType, image.Data)
		return err
	})
	return mapError(err, "marketing message")
}

// FindMessageAt returns the merchant's message valid at t: valid_from ≤ t <
// valid_to, the latest valid_from (then the newest) winning. It does not
// check permissions.
func (s *MessageStore) FindMessageAt(ctx context.Context, merchantID string, t time.Time) (*receipt.MarketingMessage, error) {
	var m receipt.MarketingMessage
	var imageID *string
	err := s.db.Pool.QueryRow(ctx, `
		SELECT mm.message_id, mm.merchant_id, m.name, mm.subject, mm.body, mm.image_id, mm.valid_from, mm.valid_to, mm.created_at
		FROM marketing_messages mm JOIN merchants m ON m.merchant_id = mm.merchant_id
		WHERE mm.merchant_id = $1 AND mm.valid_from <= $2 AND $2 < mm.valid_to
		ORDER BY mm.valid_from DESC, mm.message_id DESC
		LIMIT 1`, merchantID, t).Scan(&m.ID, &m.MerchantID, &m.MerchantName, &m.Subject, &m.Text, &imageID,
		&m.ValidFrom, &m.ValidTo, &m.CreatedAt)
	if err != nil {
		return nil, mapError(err, "marketing message")
	}
	if imageID != nil {
		m.ImageID = *imageID
	}
	return &m, nil
}

// FindMessageImage returns one image. It does not check permissions.
func (s *MessageStore) FindMessageImage(ctx context.Context, imageID string) (*merchant.Image, error) {
	var img merchant.Image
	err := s.db.Pool.QueryRow(ctx, `SELECT content_type, data FROM marketing_message_images WHERE image_id = $1`, imageID).
		Scan(&img.ContentType, &img.Data)
	if err != nil {
		return nil, mapError(err, "image")
	}
	return &img, nil
}

// FindReceiptForPartner returns the receipt's merchant and purchase time
// when a user of the provider has it. It does not check permissions.
func (s *MessageStore) FindReceiptForPartner(ctx context.Context, providerID int64, receiptID string) (string, time.Time, error) {
	var merchantID string
	var at time.Time
	err := s.db.Pool.QueryRow(ctx, `
		SELECT r.merchant_id, r.purchased_at FROM receipts r
		WHERE r.receipt_id = $1 AND EXISTS (
			SELECT 1 FROM receipt_users ru JOIN users u ON u.user_id = ru.user_id
			WHERE ru.receipt_id = r.receipt_id AND u.provider_id = $2)`, receiptID, providerID).Scan(&merchantID, &at)
	return merchantID, at, mapError(err, "receipt")
}

// FindReceiptForUser returns the receipt's merchant and purchase time when
// the user has it. It does not check permissions.
func (s *MessageStore) FindReceiptForUser(ctx context.Context, userID, receiptID string) (string, time.Time, error) {
	var merchantID string
	var at time.Time
	err := s.db.Pool.QueryRow(ctx, `
		SELECT r.merchant_id, r.purchased_at FROM receipt_users ru JOIN receipts r ON r.receipt_id = ru.receipt_id
		WHERE ru.user_id = $1 AND ru.receipt_id = $2`, userID, receiptID).Scan(&merchantID, &at)
	return merchantID, at, mapError(err, "receipt")
}
