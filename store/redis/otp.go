package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/otp"
)

// OTPStore keeps one-time passwords (as hashes), their try counters and the
// send counters of each partner and phone number. Every change is one Lua
// script, so concurrent requests on any replica see each step whole.
//
// SECURITY: every key names the partner, so that one partner never reads,
// tries or throttles another's codes. Keys, all with a TTL; those of one
// partner and phone share the hash tag {partner:phone} so that one script's
// keys live on one Redis Cluster slot:
//
//	lg:otp:{partner:phone}:purpose        the code's HMAC
//	lg:otp:{partner:phone}:purpose:tries  wrong tries counted against it
//	lg:otp:{partner:phone}:sends          sorted set of send times (ms), for throttling
//	lg:otp:budget:{partner}               sorted set of the partner's sends, for its hourly budget
type OTPStore struct {
	c *Client
}

// NewOTPStore returns the OTP store on c.
func NewOTPStore(c *Client) *OTPStore { return &OTPStore{c: c} }

var _ otp.Store = (*OTPStore)(nil)

// saveCodeScript checks the send limits and, if they allow, stores the code
// with a fresh try counter and records the send.
//
// KEYS: code, tries, sends. ARGV: hash, ttl ms, interval ms, sends per
// window, window ms. Returns 0 when stored, else the wait in ms (> 0).
var saveCodeScript = goredis.NewScript(`
local hash, ttl = ARGV[1], tonumber(ARGV[2])
local interval, limit, window = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
local wait = 0
local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
if #last > 0 then
  wait = math.max(wait, tonumber(last[2]) + interval - now)
end
local n = redis.call('ZCARD', KEYS[3])
if n >= limit then
  -- The send that must leave the window before one more fits in it.
  local oldest = redis.call('ZRANGE', KEYS[3], n - limit, n - limit, 'WITHSCORES')
  wait = math.max(wait, tonumber(oldest[2]) + window - now)
end
if wait > 0 then
  return wait
end

redis.call('SET', KEYS[1], hash, 'PX', ttl)
redis.call('SET', KEYS[2], 0, 'PX', ttl)
-- The interval (at least 1 ms) keeps the member, the send time, unique.
redis.call('ZADD', KEYS[3], now, now)
redis.call('PEXPIRE', KEYS[3], math.max(window, interval))
return 0
`)

// budgetScript takes one send from a partner's budget of limit sends per
// rolling window.
//
// KEYS: budget. ARGV: member (unique), limit, window ms. Returns 0 when the
// send was counted, else the wait in ms (> 0).
var budgetScript = goredis.NewScript(`
local limit, window = tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  return math.max(tonumber(oldest[2]) + window - now, 1)
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], window)
return 0
`)

// equalLua defines equal(given, stored): whether a code given matches the
// one stored, in constant time (every byte is looked at whatever differs
// first). The scripts that check one-time codes start with it.
const equalLua = `
local function equal(given, stored)
  local diff = 0
  if #given ~= #stored then
    diff = 1
  end
  for i = 1, #stored do
    diff = bit.bor(diff, bit.bxor(string.byte(stored, i), string.byte(given, i) or 0))
  end
  return diff == 0
end
`

// checkCodeScript compares a submitted hash with the stored one in constant
// time and consumes the code, counts a wrong try or voids the code.
//
// KEYS: code, tries. ARGV: hash, max tries. Returns {result, tries} with
// result 0 no code, 1 matched, 2 mismatched, 3 voided.
var checkCodeScript = goredis.NewScript(equalLua + `
local stored = redis.call('GET', KEYS[1])
if not stored then
  return {0, 0}
end
local max = tonumber(ARGV[2])
local tries = tonumber(redis.call('GET', KEYS[2]))
if tries == nil or tries >= max then
  -- A missing counter (evicted?) or a spent one: fail closed.
  redis.call('DEL', KEYS[1], KEYS[2])
  return {0, 0}
end

if equal(ARGV[1], stored) then
  redis.call('DEL', KEYS[1], KEYS[2])
  return {1, tries}
end

tries = redis.call('INCR', KEYS[2])
if tries >= max then
  redis.call('DEL', KEYS[1], KEYS[2])
  return {3, tries}
end
return {2, tries}
`)

func (s *OTPStore) codeKeys(partner int64, purpose otp.Purpose, phone string) (code, tries string) {
	code = s.c.Key("otp", s.tag(partner, phone), string(purpose))
	return code, code + ":tries"
}

func (s *OTPStore) tag(partner int64, phone string) string {
	return "{" + strconv.FormatInt(partner, 10) + ":" + phone + "}"
}

func (s *OTPStore) sendsKey(partner int64, phone string) string {
	return s.c.Key("otp", s.tag(partner, phone), "sends")
}

func (s *OTPStore) budgetKey(partner int64) string {
	return s.c.Key("otp", "budget", "{"+strconv.FormatInt(partner, 10)+"}")
}

// SaveCode implements otp.Store: it takes the send from the partner's
// budget, then checks the phone's limits and stores the code in one
// script; when the phone's limits refuse, the send goes back to the budget.
// The budget lives on its own Redis Cluster slot, so the two steps are two
// scripts. It does not check permissions.
func (s *OTPStore) SaveCode(ctx context.Context, partner int64, purpose otp.Purpose, phone string, hash []byte, ttl time.Duration, limits otp.SendLimits) (time.Duration, bool, error) {
	budget := s.budgetKey(partner)
	member := ids.New()
	wait, err := budgetScript.Run(ctx, s.c.rdb, []string{budget}, member, limits.PartnerPerWindow, millis(limits.Window)).Int64()
	if err != nil {
		return 0, false, fmt.Errorf("save otp: %w", err)
	}
	if wait > 0 {
		return time.Duration(wait) * time.Millisecond, true, nil
	}
	code, tries := s.codeKeys(partner, purpose, phone)
	wait, err = saveCodeScript.Run(ctx, s.c.rdb, []string{code, tries, s.sendsKey(partner, phone)},
		string(hash), millis(ttl), millis(limits.Interval), limits.PerWindow, millis(limits.Window)).Int64()
	if err != nil || wait > 0 {
		// Nothing was sent: give the send back to the partner's budget.
		_ = s.c.rdb.ZRem(context.WithoutCancel(ctx), budget, member).Err()
	}
	if err != nil {
		return 0, false, fmt.Errorf("save otp: %w", err)
	}
	return time.Duration(wait) * time.Millisecond, false, nil
}

// CheckCode implements otp.Store. It does not check permissions.
func (s *OTPStore) CheckCode(ctx context.Context, partner int64, purpose otp.Purpose, phone string, hash []byte, maxTries int) (otp.Result, int, error) {
	code, tries := s.codeKeys(partner, purpose, phone)
	out, err := checkCodeScript.Run(ctx, s.c.rdb, []string{code, tries}, string(hash), maxTries).Int64Slice()
	if err != nil {
		return otp.NoCode, 0, fmt.Errorf("check otp: %w", err)
	}
	if len(out) != 2 {
		return otp.NoCode, 0, fmt.Errorf("check otp: unexpected reply %v", out)
	}
	var res otp.Result
	switch out[0] {
	case 0:
		res = otp.NoCode
	case 1:
		res = otp.Matched
	case 2:
		res = otp.Mismatched
	case 3:
		res = otp.Voided
	default:
		return otp.NoCode, 0, fmt.Errorf("check otp: unexpected result %d", out[0])
	}
	return res, int(out[1]), nil
}

// millis rounds d up to whole milliseconds, at least one, as PX and the
// scripts take them.
func millis(d time.Duration) int64 {
	return max(int64((d+time.Millisecond-1)/time.Millisecond), 1)
}
