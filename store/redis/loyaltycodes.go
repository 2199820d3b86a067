package redis

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/domain/otp"
)

// LoyaltyCodes keeps Open Loyalty's activation tokens, SMS activation codes
// and phone-change codes (seed 003) as keyed hashes, with their send and
// failure counters. Every change is one Lua script.
//
// Keys, all with a TTL; those of one store share the hash tag {ol:STORE}
// so that one script's keys live on one Redis Cluster slot:
//
//	lg:olcode:{ol:S}:kind:HASH         the customer (and phone) a lookup code grants
//	lg:olcode:{ol:S}:kind:of:CUSTOMER  the hash of the customer's live lookup code
//	lg:olcode:{ol:S}:kind:cust:CUSTOMER  a customer's code: hash, phone, tries
//	lg:olcode:{ol:S}:sends:PHONE       sorted set of send times (ms), for throttling
//	lg:olcode:{ol:S}:fail:CLIENT       wrong codes of a client address in the window
//	lg:olcode:{ol:S}:fail              wrong codes of everyone in the window
type LoyaltyCodes struct{ c *Client }

// NewLoyaltyCodes returns the code store on c.
func NewLoyaltyCodes(c *Client) *LoyaltyCodes { return &LoyaltyCodes{c: c} }

var _ loyalty.CodeStore = (*LoyaltyCodes)(nil)

func (s *LoyaltyCodes) key(store string, parts ...string) string {
	return s.c.Key(append([]string{"olcode", "{ol:" + store + "}"}, parts...)...)
}

// throttleLua computes the wait before one more send to a phone (KEYS[n]
// the sends set; ARGV interval, limit, window ms at i, i+1, i+2) and
// leaves it in `wait`; recordLua records the send.
const throttleLua = `
local function throttle(sends, interval, limit, window, now)
  redis.call('ZREMRANGEBYSCORE', sends, '-inf', now - window)
  local wait = 0
  local last = redis.call('ZRANGE', sends, -1, -1, 'WITHSCORES')
  if #last > 0 then
    wait = math.max(wait, tonumber(last[2]) + interval - now)
  end
  local n = redis.call('ZCARD', sends)
  if n >= limit then
    local oldest = redis.call('ZRANGE', sends, n - limit, n - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now)
  end
  return wait
end
local function record(sends, interval, window, now)
  redis.call('ZADD', sends, now, now)
  redis.call('PEXPIRE', sends, math.max(window, interval))
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// saveLookupScript stores a lookup code unless throttled or taken.
//
// KEYS: code, of, sends. ARGV: hash hex, grant, ttl ms, throttle (1/0),
// interval, limit, window ms, code key prefix. Returns 0 stored, -1 taken,
// else the wait in ms.
var saveLookupScript = goredis.NewScript(throttleLua + `
local throttled = ARGV[4] == '1'
if throttled then
  local wait = throttle(KEYS[3], tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), now)
  if wait > 0 then
    return wait
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return -1
end
local old = redis.call('GET', KEYS[2])
if old then
  redis.call('DEL', ARGV[8] .. old)
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
if throttled then
  record(KEYS[3], tonumber(ARGV[5]), tonumber(ARGV[7]), now)
end
return 0
`)

// takeLookupScript consumes a lookup code. KEYS: code. ARGV: of-key
// prefix, hash hex. Returns the grant or false.
var takeLookupScript = goredis.NewScript(`
local g = redis.call('GET', KEYS[1])
if not g then
  return false
end
redis.call('DEL', KEYS[1])
local customer = string.match(g, '^([^\n]*)')
local of = ARGV[1] .. customer
if redis.call('GET', of) == ARGV[2] then
  redis.call('DEL', of)
end
return g
`)

// saveCustomerScript stores a customer's code unless throttled.
//
// KEYS: code, sends. ARGV: hash, phone, ttl ms, interval, limit, window.
// Returns 0 stored, else the wait in ms.
var saveCustomerScript = goredis.NewScript(throttleLua + `
local wait = throttle(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), now)
if wait > 0 then
  return wait
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'h', ARGV[1], 'phone', ARGV[2], 'tries', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
record(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[6]), now)
return 0
`)

// checkCustomerScript compares a hash with a customer's code in constant
// time. KEYS: code. ARGV: hash, max tries. Returns {result, phone} with
// result 0 no code, 1 matched, 2 mismatched, 3 voided.
var checkCustomerScript = goredis.NewScript(equalLua + `
local v = redis.call('HMGET', KEYS[1], 'h', 'phone', 'tries')
local stored, phone, tries = v[1], v[2], tonumber(v[3])
if not stored or not phone or tries == nil then
  redis.call('DEL', KEYS[1])
  return {0, ''}
end
local max = tonumber(ARGV[2])
if tries >= max then
  redis.call('DEL', KEYS[1])
  return {0, ''}
end
if equal(ARGV[1], stored) then
  redis.call('DEL', KEYS[1])
  return {1, phone}
end
tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if tries >= max then
  redis.call('DEL', KEYS[1])
  return {3, ''}
end
return {2, ''}
`)

// codeFailureWaitScript: KEYS client, store counters. ARGV per client, per
// store. Returns the wait in ms (0: allowed).
var codeFailureWaitScript = goredis.NewScript(`
local wait = 0
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
if c >= tonumber(ARGV[1]) then
  wait = math.max(wait, redis.call('PTTL', KEYS[1]))
end
local s = tonumber(redis.call('GET', KEYS[2]) or '0')
if s >= tonumber(ARGV[2]) then
  wait = math.max(wait, redis.call('PTTL', KEYS[2]))
end
return math.max(wait, 0)
`)

// addCodeFailureScript counts a failure in fixed windows. KEYS client, store
// counters. ARGV window ms.
var addCodeFailureScript = goredis.NewScript(`
for i = 1, 2 do
  if redis.call('INCR', KEYS[i]) == 1 or redis.call('PTTL', KEYS[i]) < 0 then
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
  end
end
return 0
`)

// SaveLookupCode implements loyalty.CodeStore. It does not check
// permissions.
func (s *LoyaltyCodes) SaveLookupCode(ctx context.Context, store string, kind loyalty.CodeKind, hash []byte, g loyalty.Grant, ttl time.Duration, sends *otp.SendLimits) (time.Duration, bool, error) {
	h := hex.EncodeToString(hash)
	throttle, limits := "0", otp.SendLimits{Interval: time.Millisecond, PerWindow: 1, Window: time.Millisecond}
	if sends != nil {
		throttle, limits = "1", *sends
	}
	prefix := s.key(store, string(kind)) + ":"
	res, err := saveLookupScript.Run(ctx, s.c.rdb,
		[]string{prefix + h, s.key(store, string(kind), "of", g.CustomerID), s.key(store, "sends", g.Phone)},
		h, g.CustomerID+"\n"+g.Phone, millis(ttl), throttle, millis(limits.Interval), limits.PerWindow, millis(limits.Window), prefix).Int64()
	if err != nil {
		return 0, false, fmt.Errorf("save loyalty code: %w", err)
	}
	if res < 0 {
		return 0, true, nil
	}
	return time.Duration(res) * time.Millisecond, false, nil
}

// TakeLookupCode implements loyalty.CodeStore. It does not check
// permissions.
func (s *LoyaltyCodes) TakeLookupCode(ctx context.Context, store string, kind loyalty.CodeKind, hash []byte) (loyalty.Grant, error) {
	h := hex.EncodeToString(hash)
	g, err := takeLookupScript.Run(ctx, s.c.rdb, []string{s.key(store, string(kind), h)},
		s.key(store, string(kind), "of")+":", h).Text()
	if errors.Is(err, goredis.Nil) {
		return loyalty.Grant{}, errs.NotFoundf("code not found")
	}
	if err != nil {
		return loyalty.Grant{}, fmt.Errorf("take loyalty code: %w", err)
	}
	customer, phone, _ := strings.Cut(g, "\n")
	return loyalty.Grant{CustomerID: customer, Phone: phone}, nil
}

// SaveCustomerCode implements loyalty.CodeStore. It does not check
// permissions.
func (s *LoyaltyCodes) SaveCustomerCode(ctx context.Context, store string, kind loyalty.CodeKind, hash []byte, g loyalty.Grant, ttl time.Duration, sends otp.SendLimits) (time.Duration, error) {
	res, err := saveCustomerScript.Run(ctx, s.c.rdb,
		[]string{s.key(store, string(kind), "cust", g.CustomerID), s.key(store, "sends", g.Phone)},
		string(hash), g.Phone, millis(ttl), millis(sends.Interval), sends.PerWindow, millis(sends.Window)).Int64()
	if err != nil {
		return 0, fmt.Errorf("save loyalty code: %w", err)
	}
	return time.Duration(res) * time.Millisecond, nil
}

// CheckCustomerCode implements loyalty.CodeStore. It does not check
// permissions.
func (s *LoyaltyCodes) CheckCustomerCode(ctx context.Context, store string, kind loyalty.CodeKind, customerID string, hash []byte, maxTries int) (otp.Result, string, error) {
	out, err := checkCustomerScript.Run(ctx, s.c.rdb, []string{s.key(store, string(kind), "cust", customerID)},
		string(hash), maxTries).Slice()
	if err != nil {
		return otp.NoCode, "", fmt.Errorf("check loyalty code: %w", err)
	}
	if len(out) != 2 {
		return otp.NoCode, "", fmt.Errorf("check loyalty code: unexpected reply %v", out)
	}
	n, _ := out[0].(int64)
	phone, _ := out[1].(string)
	switch n {
	case 1:
		return otp.Matched, phone, nil
	case 2:
		return otp.Mismatched, "", nil
	case 3:
		return otp.Voided, "", nil
	}
	return otp.NoCode, "", nil
}

func (s *LoyaltyCodes) failureKeys(store, client string) []string {
	return []string{s.key(store, "fail", client), s.key(store, "fail")}
}

// FailureWait implements loyalty.CodeStore. It does not check permissions.
func (s *LoyaltyCodes) FailureWait(ctx context.Context, store, client string, limits loyalty.FailureLimits) (time.Duration, error) {
	ms, err := codeFailureWaitScript.Run(ctx, s.c.rdb, s.failureKeys(store, client), limits.PerClient, limits.PerStore).Int64()
	if err != nil {
		return 0, fmt.Errorf("loyalty code failures: %w", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// AddFailure implements loyalty.CodeStore. It does not check permissions.
func (s *LoyaltyCodes) AddFailure(ctx context.Context, store, client string, limits loyalty.FailureLimits) error {
	if err := addCodeFailureScript.Run(ctx, s.c.rdb, s.failureKeys(store, client), millis(limits.Window)).Err(); err != nil {
		return fmt.Errorf("loyalty code failures: %w", err)
	}
	return nil
}
