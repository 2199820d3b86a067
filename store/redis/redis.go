// Package redis implements the short-lived and cached state of the domain
// (OTPs, sessions, rate counters, persisted queries) on Redis with go-redis.
package redis

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// DefaultPrefix namespaces every key the service writes.
const DefaultPrefix = "lg:"

// Client is the Redis connection with the key prefix of this deployment.
type Client struct {
	rdb    goredis.UniversalClient
	prefix string
}

// Open connects to the Redis server at url (redis:// or rediss://) and
// checks that it answers. Every key is written under prefix.
func Open(ctx context.Context, url, prefix string) (*Client, error) {
	c, err := Dial(url, prefix)
	if err != nil {
		return nil, err
	}
	rdb := c.rdb
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.Ping(pingCtx); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("connect to redis: %w", err)
	}
	return c, nil
}

// Dial returns a client of the Redis server at url without checking that
// it answers (Open does): requests fail until it does.
func Dial(url, prefix string) (*Client, error) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	opts.DialTimeout = 5 * time.Second
	opts.ReadTimeout = 2 * time.Second
	opts.WriteTimeout = 2 * time.Second
	return &Client{rdb: goredis.NewClient(opts), prefix: prefix}, nil
}

// Ping reports whether Redis answers.
func (c *Client) Ping(ctx context.Context) error { return c.rdb.Ping(ctx).Err() }

// Close closes the connections.
func (c *Client) Close() error { return c.rdb.Close() }

// Key returns the namespaced key for the given parts.
func (c *Client) Key(parts ...string) string {
	k := c.prefix
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

// Redis returns the underlying client, for adapters in this package's
// sub-packages and for tests.
func (c *Client) Redis() goredis.UniversalClient { return c.rdb }

// DeletePrefix removes every key under this client's prefix. Tests use it to
// leave nothing behind.
func (c *Client) DeletePrefix(ctx context.Context) error {
	iter := c.rdb.Scan(ctx, 0, c.prefix+"*", 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := c.rdb.Del(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return c.rdb.Del(ctx, batch...).Err()
	}
	return nil
}

// slogAdapter forwards go-redis's own messages (dial failures, pool
// trouble) to the service's structured log.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Printf(ctx context.Context, format string, v ...any) {
	a.log.WarnContext(ctx, "redis", "detail", fmt.Sprintf(format, v...))
}

// UseLogger sends go-redis's internal messages to log instead of plain
// text on stderr. go-redis keeps one logger per process, so the binary
// calls this once at start-up.
func UseLogger(log *slog.Logger) { goredis.SetLogger(slogAdapter{log: log}) }
