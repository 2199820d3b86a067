package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"loyaltygraph/domain/checkout"
	"loyaltygraph/domain/errs"
)

// CheckoutSessions keeps the checkout sessions of seed 004, each living
// its TTL from its last use (sliding expiry), shared by every replica.
// Keys:
//
//	lg:checkout:session:{sha256(token)}   JSON {accountId, epoch, selection}
//
// SECURITY: the key is the hash of the token, so that whoever reads Redis
// cannot act as the sessions found there.
type CheckoutSessions struct {
	c *Client
}

// NewCheckoutSessions returns the checkout session store on c.
func NewCheckoutSessions(c *Client) *CheckoutSessions { return &CheckoutSessions{c: c} }

var _ checkout.SessionStore = (*CheckoutSessions)(nil)

func (s *CheckoutSessions) key(token string) string {
	return s.c.Key("checkout", "session", hashed(token))
}

var errSessionsDown = errs.E(errs.Unavailable, "sessions cannot be reached now; try again later")

// FindSession implements checkout.SessionStore: GETEX reads the session
// and extends its life in one step. It does not check permissions.
func (s *CheckoutSessions) FindSession(ctx context.Context, token string, ttl time.Duration) (*checkout.Session, error) {
	raw, err := s.c.rdb.GetEx(ctx, s.key(token), time.Duration(millis(ttl))*time.Millisecond).Bytes()
	if err == goredis.Nil {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errSessionsDown, err)
	}
	var sess checkout.Session
	if err := json.Unmarshal(raw, &sess); err != nil {
		return nil, nil // a value this version cannot read is no session
	}
	sess.Token = token
	return &sess, nil
}

// SaveSession implements checkout.SessionStore. It does not check
// permissions.
func (s *CheckoutSessions) SaveSession(ctx context.Context, sess *checkout.Session, ttl time.Duration) error {
	v, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	if err := s.c.rdb.Set(ctx, s.key(sess.Token), v, time.Duration(millis(ttl))*time.Millisecond).Err(); err != nil {
		return fmt.Errorf("%w: %w", errSessionsDown, err)
	}
	return nil
}
