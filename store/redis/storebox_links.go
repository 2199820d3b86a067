package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/otp"
	"loyaltygraph/domain/user"
)

// StoreboxLinks keeps the pending codes of Storebox user link requests
// (user.LinkValidations) under lg:sblink:{validationId}, each with the
// codes' TTL. The value names the partner, the code's purpose and subject
// and the account, never a code.
type StoreboxLinks struct {
	c *Client
}

// NewStoreboxLinks returns the link store on c.
func NewStoreboxLinks(c *Client) *StoreboxLinks { return &StoreboxLinks{c: c} }

var _ user.LinkValidations = (*StoreboxLinks)(nil)

type pendingLink struct {
	Partner   int64  `json:"p"`
	Purpose   string `json:"u"`
	Subject   string `json:"s"`
	AccountID string `json:"a,omitempty"`
}

func (s *StoreboxLinks) key(id string) string { return s.c.Key("sblink", id) }

// SaveLink stores l under id for ttl. It does not check permissions.
func (s *StoreboxLinks) SaveLink(ctx context.Context, id string, l user.PendingLink, ttl time.Duration) error {
	b, err := json.Marshal(pendingLink{Partner: l.Partner, Purpose: string(l.Purpose), Subject: l.Subject, AccountID: l.AccountID})
	if err != nil {
		return err
	}
	if err := s.c.rdb.Set(ctx, s.key(id), b, ttl).Err(); err != nil {
		return unavailableLinks(err)
	}
	return nil
}

// FindLink returns the pending link of id, or not found. It does not check
// permissions.
func (s *StoreboxLinks) FindLink(ctx context.Context, id string) (*user.PendingLink, error) {
	b, err := s.c.rdb.Get(ctx, s.key(id)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, errs.NotFoundf("validation id not found")
	}
	if err != nil {
		return nil, unavailableLinks(err)
	}
	var p pendingLink
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("storebox link %s: %w", id, err)
	}
	return &user.PendingLink{Partner: p.Partner, Purpose: otp.Purpose(p.Purpose), Subject: p.Subject, AccountID: p.AccountID}, nil
}

// DeleteLinks removes pending links. It does not check permissions.
func (s *StoreboxLinks) DeleteLinks(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	// One key per call: the keys may live on different cluster slots.
	for _, id := range ids {
		if err := s.c.rdb.Del(ctx, s.key(id)).Err(); err != nil {
			return unavailableLinks(err)
		}
	}
	return nil
}

func unavailableLinks(cause error) error {
	return fmt.Errorf("%w: %w", errs.E(errs.Unavailable, "link validation is unavailable; try again later"), cause)
}
