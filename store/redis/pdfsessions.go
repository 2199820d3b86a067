package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/receipt"
)

// PDFSessions keeps the PDF sessions of receipts (seed 001), each with its
// TTL, shared by every replica. Keys:
//
//	lg:pdfsession:{sha256(id)}   JSON {providerId, userId, receiptId, expiresAt}
//
// SECURITY: the key is the hash of the session id, so that whoever reads
// Redis cannot download PDFs with the ids found there.
type PDFSessions struct {
	c *Client
}

// NewPDFSessions returns the PDF session store on c.
func NewPDFSessions(c *Client) *PDFSessions { return &PDFSessions{c: c} }

var _ receipt.PDFSessionStore = (*PDFSessions)(nil)

type pdfSessionValue struct {
	ProviderID int64     `json:"providerId"`
	UserID     string    `json:"userId"`
	ReceiptID  string    `json:"receiptId"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

func (p *PDFSessions) key(id string) string {
	return p.c.Key("pdfsession", hashed(id))
}

// SavePDFSession implements receipt.PDFSessionStore. It does not check
// permissions.
func (p *PDFSessions) SavePDFSession(ctx context.Context, s receipt.PDFSession, ttl time.Duration) error {
	v, err := json.Marshal(pdfSessionValue{ProviderID: s.ProviderID, UserID: s.UserID, ReceiptID: s.ReceiptID, ExpiresAt: s.ExpiresAt})
	if err != nil {
		return err
	}
	if err := p.c.rdb.Set(ctx, p.key(s.ID), v, time.Duration(millis(ttl))*time.Millisecond).Err(); err != nil {
		return fmt.Errorf("%w: %w", errs.E(errs.Unavailable, "PDF sessions cannot be made now; try again later"), err)
	}
	return nil
}

// FindPDFSession implements receipt.PDFSessionStore. It does not check
// permissions.
func (p *PDFSessions) FindPDFSession(ctx context.Context, id string) (*receipt.PDFSession, error) {
	raw, err := p.c.rdb.Get(ctx, p.key(id)).Bytes()
	if err == goredis.Nil {
		return nil, errs.NotFoundf("PDF session not found")
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errs.E(errs.Unavailable, "PDF sessions cannot be checked now; try again later"), err)
	}
	var v pdfSessionValue
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("PDF session: %w", err)
	}
	return &receipt.PDFSession{ID: id, ProviderID: v.ProviderID, UserID: v.UserID, ReceiptID: v.ReceiptID, ExpiresAt: v.ExpiresAt}, nil
}
