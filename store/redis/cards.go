package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/user"
)

// PendingCards keep cards waiting for Strong Customer Authentication.
// Keys:
//
//	lg:card:pending:{sha256(id)}   the sealed pending card (never its number), with its TTL
//
// The id is hashed so that a dump of Redis does not hold the capability
// the browser holds.
type PendingCards struct{ c *Client }

// NewPendingCards returns the pending cards on c.
func NewPendingCards(c *Client) *PendingCards { return &PendingCards{c: c} }

var _ user.PendingCards = (*PendingCards)(nil)

func (p *PendingCards) key(id string) string {
	return p.c.Key("card", "pending", hashed(id))
}

// Put implements user.PendingCards. It does not check permissions.
func (p *PendingCards) Put(ctx context.Context, id string, sealed []byte, ttl time.Duration) error {
	if err := p.c.rdb.Set(ctx, p.key(id), sealed, ttl).Err(); err != nil {
		return fmt.Errorf("pending card: %w", err)
	}
	return nil
}

// Take implements user.PendingCards: it reads and deletes in one step, so
// that a pending card completes once.
func (p *PendingCards) Take(ctx context.Context, id string) ([]byte, error) {
	b, err := p.c.rdb.GetDel(ctx, p.key(id)).Bytes()
	if err == goredis.Nil {
		return nil, errs.NotFoundf("no card is waiting for verification here")
	}
	if err != nil {
		return nil, fmt.Errorf("pending card: %w", err)
	}
	return b, nil
}
