package postgres

import (
	"context"

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

// FindReceiptMessages returns the messages of the receipts that rd
// reaches: for each, its merchant's message valid at its purchase time,
// the latest valid_from (then the newest) winning. One statement for any
// number of receipts. It does not check permissions.
func (s *MessageStore) FindReceiptMessages(ctx context.Context, rd receipt.Reader, receiptIDs []string) ([]*receipt.MarketingMessage, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT r.receipt_id, mm.message_id, mm.merchant_id, m.name, mm.subject, mm.body, COALESCE(mm.image_id, ''),
			mm.valid_from, mm.valid_to, mm.created_at
		FROM receipts r
		CROSS JOIN LATERAL (
			SELECT * FROM marketing_messages mm
			WHERE mm.merchant_id = r.merchant_id AND mm.valid_from <= r.purchased_at AND r.purchased_at < mm.valid_to
			ORDER BY mm.valid_from DESC, mm.message_id DESC
			LIMIT 1) mm
		JOIN merchants m ON m.merchant_id = mm.merchant_id
		WHERE r.receipt_id = ANY($1) AND EXISTS (
			SELECT 1 FROM receipt_users ru JOIN users u ON u.user_id = ru.user_id
			WHERE ru.receipt_id = r.receipt_id AND (($3 <> '' AND ru.user_id = $3) OR ($3 = '' AND u.provider_id = $2)))`,
		receiptIDs, rd.ProviderID, rd.UserID)
	if err != nil {
		return nil, mapError(err, "marketing messages")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*receipt.MarketingMessage, error) {
		var m receipt.MarketingMessage
		err := row.Scan(&m.ReceiptID, &m.ID, &m.MerchantID, &m.MerchantName, &m.Subject, &m.Text, &m.ImageID,
			&m.ValidFrom, &m.ValidTo, &m.CreatedAt)
		return &m, err
	})
	return out, mapError(err, "marketing messages")
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
