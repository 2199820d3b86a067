// Package redis implements the short-lived and cached state of the domain
// (OTPs, sessions, rate counters, persisted queries) on Redis with go-redis.
package redis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"loyaltygraph/domain/errs"
	"loyaltygraph/store/health"
)

// DefaultPrefix namespaces every key the service writes.
const DefaultPrefix = "lg:"

// Client is the Redis connection with the key prefix of this deployment.
type Client struct {
	rdb    goredis.UniversalClient
	prefix string
	// health knows whether Redis answers. Once a connection to it fails,
	// every command fails at once (no dial, no retry) until a background
	// probe finds it back; each change is logged once.
	health *health.Monitor
}

// errDown is what commands return while Redis is known to be down. It
// wraps no network error, so go-redis does not retry it.
var errDown = &errs.Error{Code: errs.Unavailable, Message: "redis is unavailable; try again later",
	RetryAfter: errs.UnavailableRetryAfter}

// probeKey marks the context of the health probe, which alone reaches
// Redis while it is known to be down.
type probeKey struct{}

// watchHook fails commands fast while Redis is known to be down and tells
// the health monitor when a connection cannot be made.
type watchHook struct{ health *health.Monitor }

func probing(ctx context.Context) bool { return ctx.Value(probeKey{}) != nil }

func (h watchHook) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		// Dials go through even while Redis is known down: commands stop
		// before they need one (ProcessHook), and the pool's own retry
		// of a failed dial must be able to succeed.
		conn, err := next(ctx, network, addr)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil, err // the caller gave up: nothing is known of Redis
			}
			if !probing(ctx) {
				h.health.MarkDown(err)
			}
			return nil, errDown
		}
		return conn, nil
	}
}

func (h watchHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if h.health.Down() && !probing(ctx) {
			cmd.SetErr(errDown)
			return errDown
		}
		return next(ctx, cmd)
	}
}

func (h watchHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if h.health.Down() && !probing(ctx) {
			for _, cmd := range cmds {
				cmd.SetErr(errDown)
			}
			return errDown
		}
		return next(ctx, cmds)
	}
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

// ClusterSchemes are the URL schemes that name a Redis Cluster:
// redis+cluster://host:port?addr=host2:port2&addr=host3:port3 (any node
// or nodes; the client discovers the rest), rediss+cluster:// with TLS.
var ClusterSchemes = []string{"redis+cluster://", "rediss+cluster://"}

// IsClusterURL reports whether url names a Redis Cluster.
func IsClusterURL(url string) bool {
	for _, s := range ClusterSchemes {
		if strings.HasPrefix(strings.ToLower(url), s) {
			return true
		}
	}
	return false
}

// Dial returns a client of the Redis server at url without checking that
// it answers (Open does): requests fail until it does. A cluster URL
// (ClusterSchemes) gives a cluster client; every key this package writes
// with others in one command or script shares their hash tag, so that
// they live on one slot.
func Dial(url, prefix string) (*Client, error) {
	if IsClusterURL(url) {
		scheme, rest, _ := strings.Cut(url, "://")
		opts, err := goredis.ParseClusterURL(strings.TrimSuffix(strings.ToLower(scheme), "+cluster") + "://" + rest)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		opts.DialTimeout = 5 * time.Second
		opts.ReadTimeout = 2 * time.Second
		opts.WriteTimeout = 2 * time.Second
		// No fail-fast for a cluster: one node down fails its own slots
		// only, and the cluster client follows a failover.
		return &Client{rdb: goredis.NewClusterClient(opts), prefix: prefix}, nil
	}
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	opts.DialTimeout = 5 * time.Second
	opts.ReadTimeout = 2 * time.Second
	opts.WriteTimeout = 2 * time.Second
	// A refused connection is an outage, not a hiccup: no dial retries
	// with back-off (go-redis's default waits about 1.7 s before the
	// first command fails); the health probe finds Redis back.
	opts.DialerRetries = 1
	rdb := goredis.NewClient(opts)
	c := &Client{rdb: rdb, prefix: prefix}
	c.health = health.New("redis", func(ctx context.Context) error {
		return rdb.Ping(context.WithValue(ctx, probeKey{}, true)).Err()
	}, 0)
	rdb.AddHook(watchHook{health: c.health})
	return c, nil
}

// Ping reports whether Redis answers; while it is known to be down, at
// once.
func (c *Client) Ping(ctx context.Context) error { return c.rdb.Ping(ctx).Err() }

// SetLogger sends the changes of Redis's state (down, up again) to log:
// one warning each.
func (c *Client) SetLogger(log *slog.Logger) { c.health.SetLogger(log) }

// Close closes the connections.
func (c *Client) Close() error {
	c.health.Close()
	return c.rdb.Close()
}

// hashed is a key part for a secret or personal value (a token, a session
// id, a login): its SHA-256 in hex, so that whoever reads Redis cannot use
// or learn it.
func hashed(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

// hashTag is a key part like hashed, shortened to 128 bits and braced as
// a Redis Cluster hash tag, so that the keys of one value share a slot.
func hashTag(v string) string {
	sum := sha256.Sum256([]byte(v))
	return "{" + hex.EncodeToString(sum[:16]) + "}"
}

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
	if cc, ok := c.rdb.(*goredis.ClusterClient); ok {
		// Each master holds its own keys.
		return cc.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
			return deletePrefix(ctx, node, c.prefix)
		})
	}
	return deletePrefix(ctx, c.rdb, c.prefix)
}

// deletePrefix removes the keys under prefix on one server, one key per
// command, since keys of different hash slots may not share one.
func deletePrefix(ctx context.Context, rdb goredis.UniversalClient, prefix string) error {
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for _, k := range batch {
				p.Del(ctx, k)
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	return flush()
}

// slogAdapter forwards go-redis's own messages (dial failures, pool
// trouble) to the service's structured log.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Printf(ctx context.Context, format string, v ...any) {
	level := slog.LevelWarn
	if strings.Contains(format, "failed to dial") {
		// An outage is logged once by the health monitor, not once per
		// failed dial.
		level = slog.LevelDebug
	}
	a.log.Log(ctx, level, "redis", "detail", fmt.Sprintf(format, v...))
}

// UseLogger sends go-redis's internal messages to log instead of plain
// text on stderr. go-redis keeps one logger per process, so the binary
// calls this once at start-up.
func UseLogger(log *slog.Logger) { goredis.SetLogger(slogAdapter{log: log}) }
