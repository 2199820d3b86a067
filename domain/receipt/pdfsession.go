package receipt

import (
	"context"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
)

// DefaultPDFSessionTTL is how long a PDF session lets its receipt's PDF be
// fetched without credentials (seed 001: 15 minutes).
const DefaultPDFSessionTTL = 15 * time.Minute

// PDFSession lets one receipt's PDF of one user be fetched without
// credentials until it expires. Its id is the capability.
type PDFSession struct {
	// ID is 32 of [0-9a-z] from crypto/rand.
	ID string
	// ProviderID is the partner whose user the session was made for.
	ProviderID int64
	UserID     string
	ReceiptID  string
	ExpiresAt  time.Time
}

// PDFSessionStore keeps PDF sessions until they expire. Its methods do not
// check permissions.
type PDFSessionStore interface {
	// SavePDFSession keeps s for ttl.
	SavePDFSession(ctx context.Context, s PDFSession, ttl time.Duration) error
	// FindPDFSession returns the session with id, or not found when it is
	// unknown or expired.
	FindPDFSession(ctx context.Context, id string) (*PDFSession, error)
}

// ErrBadPDFSession answers a PDF download whose session is unknown,
// expired, or made for another receipt or user.
var ErrBadPDFSession = errs.E(errs.Forbidden, "the PDF session is unknown, expired or for another receipt")

// PDFSessions makes and checks PDF sessions.
type PDFSessions struct {
	store PDFSessionStore
	ttl   time.Duration
	now   func() time.Time
}

// NewPDFSessions returns the PDF sessions kept in store for ttl
// (DefaultPDFSessionTTL when not positive).
func NewPDFSessions(store PDFSessionStore, ttl time.Duration, now func() time.Time) *PDFSessions {
	if ttl <= 0 {
		ttl = DefaultPDFSessionTTL
	}
	return &PDFSessions{store: store, ttl: ttl, now: now}
}

// Create makes a session for the receipt of the user of providerID. The
// caller has checked that the receipt is the user's and the user the
// partner's.
func (s *PDFSessions) Create(ctx context.Context, providerID int64, userID, receiptID string) (*PDFSession, error) {
	ps := PDFSession{ID: ids.New(), ProviderID: providerID, UserID: userID, ReceiptID: receiptID,
		ExpiresAt: s.now().Add(s.ttl).UTC()}
	if err := s.store.SavePDFSession(ctx, ps, s.ttl); err != nil {
		return nil, err
	}
	return &ps, nil
}

// Check returns the session id when it is alive and was made for userID's
// receipt receiptID.
//
// SECURITY: the session id is the only credential of the download: an
// unknown, expired or malformed id, and a session of another receipt or
// user, are ErrBadPDFSession alike.
func (s *PDFSessions) Check(ctx context.Context, id, userID, receiptID string) (*PDFSession, error) {
	if len(id) != ids.StoreboxLength || !ids.IsLowerAlnum(id) {
		return nil, ErrBadPDFSession
	}
	ps, err := s.store.FindPDFSession(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return nil, ErrBadPDFSession
	}
	if err != nil {
		return nil, err
	}
	if ps.UserID != userID || ps.ReceiptID != receiptID || !s.now().Before(ps.ExpiresAt) {
		return nil, ErrBadPDFSession
	}
	return ps, nil
}
