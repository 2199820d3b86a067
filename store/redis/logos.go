package redis

import (
	"context"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"loyaltygraph/domain/merchant"
)

// logoTTL is how long a logo's bytes stay cached after they were last
// written; logoTimeout bounds one cache call, so that a Redis that hangs
// delays a logo little before PostgreSQL answers instead.
const (
	logoTTL     = 24 * time.Hour
	logoTimeout = 300 * time.Millisecond
)

// LogoCache keeps merchants' logos (merchant.LogoCache): one hash per
// merchant, lg:logo:{merchantId}, with its version, type and bytes.
type LogoCache struct{ c *Client }

// NewLogoCache returns the logo cache on c.
func NewLogoCache(c *Client) *LogoCache { return &LogoCache{c: c} }

var _ merchant.LogoCache = (*LogoCache)(nil)

// GetLogo returns the cached logo, or nil when none is cached.
func (l *LogoCache) GetLogo(ctx context.Context, merchantID string) (*merchant.LogoImage, error) {
	ctx, cancel := context.WithTimeout(ctx, logoTimeout)
	defer cancel()
	v, err := l.c.rdb.HGetAll(ctx, l.c.Key("logo", merchantID)).Result()
	if err != nil {
		return nil, err
	}
	if v["version"] == "" || v["data"] == "" {
		return nil, nil
	}
	return &merchant.LogoImage{Logo: merchant.Logo{Version: v["version"], ContentType: v["type"]}, Data: []byte(v["data"])}, nil
}

// PutLogo replaces the cached logo of the merchant, whatever its version.
func (l *LogoCache) PutLogo(ctx context.Context, merchantID string, logo merchant.LogoImage) error {
	ctx, cancel := context.WithTimeout(ctx, logoTimeout)
	defer cancel()
	key := l.c.Key("logo", merchantID)
	// One transaction: a reader never sees one version's type with
	// another's bytes.
	_, err := l.c.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.Del(ctx, key)
		p.HSet(ctx, key, "version", logo.Version, "type", logo.ContentType, "data", logo.Data)
		p.Expire(ctx, key, logoTTL)
		return nil
	})
	return err
}
