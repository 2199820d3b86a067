package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"loyaltygraph/domain/auth"
)

// LoginFailures counts failed logins per key (a username, a client
// address) in fixed windows, shared by every replica. Keys:
//
//	lg:login:fail:{sha256(key)}   failures in the current window, with the window's TTL
//
// Keys are hashed so that a long or odd username makes a short key and
// usernames do not appear in Redis.
type LoginFailures struct {
	c *Client
}

// NewLoginFailures returns the failed-login counters on c.
func NewLoginFailures(c *Client) *LoginFailures { return &LoginFailures{c: c} }

var _ auth.FailureCounter = (*LoginFailures)(nil)

func (f *LoginFailures) key(k string) string {
	return f.c.Key("login", "fail", hashTag(k))
}

// addFailureScript counts one failure; the first of a window starts it.
//
// KEYS: counter. ARGV: window ms.
var addFailureScript = goredis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`)

// Blocked implements auth.FailureCounter. It does not check permissions.
func (f *LoginFailures) Blocked(ctx context.Context, limit int, keys ...string) (time.Duration, error) {
	var wait time.Duration
	for _, k := range keys {
		key := f.key(k)
		pipe := f.c.rdb.Pipeline()
		get := pipe.Get(ctx, key)
		ttl := pipe.PTTL(ctx, key)
		if _, err := pipe.Exec(ctx); err != nil && err != goredis.Nil {
			return 0, fmt.Errorf("login failures: %w", err)
		}
		n, err := get.Int()
		if err == goredis.Nil {
			continue
		} else if err != nil {
			return 0, fmt.Errorf("login failures: %w", err)
		}
		if n >= limit {
			wait = max(wait, ttl.Val(), time.Second)
		}
	}
	return wait, nil
}

// AddFailure implements auth.FailureCounter. It does not check
// permissions.
func (f *LoginFailures) AddFailure(ctx context.Context, window time.Duration, keys ...string) error {
	for _, k := range keys {
		if err := addFailureScript.Run(ctx, f.c.rdb, []string{f.key(k)}, millis(window)).Err(); err != nil {
			return fmt.Errorf("login failures: %w", err)
		}
	}
	return nil
}

// KeyIDs remembers the ids (jti) of partners' JWT-wrapped keys until they
// expire, so that each key is used once. Keys:
//
//	lg:jti:{sha256(issuer, jti)}   set while the key could still be presented
type KeyIDs struct {
	c *Client
}

// NewKeyIDs returns the used-key memory on c.
func NewKeyIDs(c *Client) *KeyIDs { return &KeyIDs{c: c} }

var _ auth.KeyIDStore = (*KeyIDs)(nil)

// FirstUse implements auth.KeyIDStore with SET NX. It does not check
// permissions.
func (k *KeyIDs) FirstUse(ctx context.Context, issuer, id string, ttl time.Duration) (bool, error) {
	ok, err := k.c.rdb.SetNX(ctx, k.c.Key("jti", hashTag(issuer+"\x00"+id)), 1, time.Duration(millis(ttl))*time.Millisecond).Result()
	if err != nil {
		return false, fmt.Errorf("key ids: %w", err)
	}
	return ok, nil
}
