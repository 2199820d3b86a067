// Package otp is the one-time-password context: short numeric codes sent by
// SMS to prove that a person holds a phone number. Codes are stored only as
// keyed hashes, live for a few minutes, are used at most once, die after a
// few wrong tries, and are sent at a throttled rate per phone number.
//
// SECURITY: every code, try counter and send counter belongs to one partner
// (the provider that asked for it) and one phone number: a code sent for one
// partner never verifies for another, another partner cannot spend its
// tries, and one partner using up a phone's quota leaves the others theirs.
// Each partner also has an hourly budget of codes across all phones.
package otp

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"loyaltygraph/domain/errs"
)

// Purpose is what a code proves; a code issued for one purpose never
// verifies for another.
type Purpose string

// The purposes of the User API.
const (
	PurposeSignup       Purpose = "signup"
	PurposeAuthenticate Purpose = "authenticate"
	PurposePhoneChange  Purpose = "phone_change"
	// PurposeLinkSMS and PurposeLinkEmail prove, when a partner links an
	// existing Storebox user, that the person holds the account's mobile
	// number and e-mail address (seed 001). An e-mail code's subject is
	// not a phone number but the keyed hash of the address (EmailSubject).
	PurposeLinkSMS   Purpose = "storebox_link_sms"
	PurposeLinkEmail Purpose = "storebox_link_email"
)

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool {
	switch p {
	case PurposeSignup, PurposeAuthenticate, PurposePhoneChange, PurposeLinkSMS, PurposeLinkEmail:
		return true
	}
	return false
}

// emailSubjectLength is the length of an e-mail code's subject: a keyed
// hash (HMAC-SHA256) of the address in lower-case hex, so that no key or
// counter holds the address itself.
const emailSubjectLength = 64

// Defaults of Options.
const (
	DefaultLength       = 6
	DefaultTTL          = 5 * time.Minute
	DefaultMaxTries     = 5
	DefaultSendInterval = 30 * time.Second
	DefaultSendsPerHour = 5
	// DefaultPartnerSendsPerHour is generous, so that the budget stops
	// abuse (texting random numbers at our cost) without stopping a busy
	// partner.
	DefaultPartnerSendsPerHour = 1000
)

// Bounds of Options.
const (
	MinKeyLength = 32
	MinLength    = 4
	MaxLength    = 12
)

// sendWindow is the rolling window that SendsPerHour counts sends in.
const sendWindow = time.Hour

// Phone numbers are MSISDNs: 7 to 15 digits, as the phone normaliser gives.
const (
	minPhoneDigits = 7
	maxPhoneDigits = 15
)

// Messages that a caller may see. The one for a missing code is the same
// whether the code was never issued, has expired, was used or was voided.
const (
	msgNoCode      = "no valid code; request a new one"
	msgVoided      = "too many wrong tries; request a new code"
	msgUnavailable = "one-time passwords are unavailable; try again later"
)

// Options configure a Service. Zero fields take the defaults; Key is
// required.
type Options struct {
	// Key is the HMAC key that codes are hashed with, at least MinKeyLength
	// bytes.
	Key []byte
	// Length is the number of digits of a code (default 6).
	Length int
	// TTL is how long a code is valid (default 5 minutes).
	TTL time.Duration
	// MaxTries is the number of wrong tries that void a code (default 5).
	MaxTries int
	// SendInterval is the least time between two codes sent to one phone
	// number, whatever their purpose (default 30 seconds).
	SendInterval time.Duration
	// SendsPerHour is the most codes sent to one phone number within any
	// hour, whatever their purpose (default 5). It is counted per partner.
	SendsPerHour int
	// PartnerSendsPerHour is the most codes one partner sends, to all
	// phone numbers together, within any hour (default 1000).
	PartnerSendsPerHour int
}

// SendLimits bound how often codes are sent to one phone number.
type SendLimits struct {
	// Interval is the least time between two sends.
	Interval time.Duration
	// PerWindow is the most sends within any Window.
	PerWindow int
	// Window is the length of the rolling window.
	Window time.Duration
	// PartnerPerWindow is the most sends of one partner, to all phone
	// numbers, within any Window.
	PartnerPerWindow int
}

// Result is what Store.CheckCode found.
type Result int

// The results of comparing a submitted code with the stored one.
const (
	// NoCode: there is no live code (never issued, expired, used or voided).
	NoCode Result = iota
	// Matched: the code matched and is now consumed.
	Matched
	// Mismatched: the code was wrong; one try was counted and tries remain.
	Mismatched
	// Voided: the code was wrong and used up the last try; the stored code
	// is deleted.
	Voided
)

// Store keeps the hashed codes, their try counters and the send counters,
// and applies each change atomically. The rules (lengths, limits,
// durations) come from the Service as arguments. Its methods do not check
// permissions.
//
// Codes, tries and the per-phone send counters are keyed by partner and
// phone, so that no partner reaches another's.
type Store interface {
	// SaveCode checks the send budget of partner and the send limits of
	// partner and phone, across purposes, and when they allow a send
	// stores hash as the only code of partner, purpose and phone for ttl
	// with no tries used, and records the send. The phone's limits and the
	// code change in one atomic step. When a limit forbids the send it
	// changes nothing and returns how long to wait (> 0) and whether the
	// partner's budget (rather than the phone's limits) was the cause.
	SaveCode(ctx context.Context, partner int64, purpose Purpose, phone string, hash []byte, ttl time.Duration, limits SendLimits) (wait time.Duration, partnerBudget bool, err error)
	// CheckCode compares hash in constant time with the live code of
	// partner, purpose and phone, in one atomic step: a match consumes the
	// code; a mismatch counts one try, and the try that reaches maxTries
	// deletes the code. tries is the number of wrong tries counted so far.
	CheckCode(ctx context.Context, partner int64, purpose Purpose, phone string, hash []byte, maxTries int) (res Result, tries int, err error)
}

// Service issues and verifies one-time passwords.
type Service struct {
	store Store
	key   []byte
	opts  Options
}

// NewService returns a service that keeps codes in store. It fails when
// opts.Key is missing or short, or a limit is out of range.
func NewService(store Store, opts Options) (*Service, error) {
	if len(opts.Key) < MinKeyLength {
		return nil, fmt.Errorf("otp: the key must be at least %d bytes", MinKeyLength)
	}
	if opts.Length == 0 {
		opts.Length = DefaultLength
	}
	if opts.TTL == 0 {
		opts.TTL = DefaultTTL
	}
	if opts.MaxTries == 0 {
		opts.MaxTries = DefaultMaxTries
	}
	if opts.SendInterval == 0 {
		opts.SendInterval = DefaultSendInterval
	}
	if opts.SendsPerHour == 0 {
		opts.SendsPerHour = DefaultSendsPerHour
	}
	if opts.PartnerSendsPerHour == 0 {
		opts.PartnerSendsPerHour = DefaultPartnerSendsPerHour
	}
	switch {
	case opts.Length < MinLength || opts.Length > MaxLength:
		return nil, fmt.Errorf("otp: length must be %d to %d digits", MinLength, MaxLength)
	case opts.TTL < time.Millisecond:
		return nil, fmt.Errorf("otp: ttl must be at least 1ms")
	case opts.MaxTries < 1:
		return nil, fmt.Errorf("otp: max tries must be positive")
	case opts.SendInterval < time.Millisecond:
		return nil, fmt.Errorf("otp: send interval must be at least 1ms")
	case opts.SendsPerHour < 1:
		return nil, fmt.Errorf("otp: sends per hour must be positive")
	case opts.PartnerSendsPerHour < 1:
		return nil, fmt.Errorf("otp: partner sends per hour must be positive")
	}
	// Copy the key so that the caller cannot change it behind our back.
	opts.Key = append([]byte(nil), opts.Key...)
	return &Service{store: store, key: opts.Key, opts: opts}, nil
}

// Length returns the number of digits of a code.
func (s *Service) Length() int { return s.opts.Length }

// TTL returns how long a code is valid.
func (s *Service) TTL() time.Duration { return s.opts.TTL }

// Issue makes a new code of partner for purpose and phone (an MSISDN,
// digits only), replacing any earlier one of that partner and its tries,
// and returns it for sending. A send too soon after the last one, or beyond
// the hourly limit, of that partner to that phone number, or beyond the
// partner's hourly budget, is RateLimited with the wait.
func (s *Service) Issue(ctx context.Context, partner int64, purpose Purpose, phone string) (string, error) {
	if err := validate(partner, purpose, phone); err != nil {
		return "", err
	}
	code, err := RandomDigits(rand.Reader, s.opts.Length)
	if err != nil {
		return "", fmt.Errorf("otp: make code: %w", err)
	}
	limits := SendLimits{Interval: s.opts.SendInterval, PerWindow: s.opts.SendsPerHour, Window: sendWindow,
		PartnerPerWindow: s.opts.PartnerSendsPerHour}
	wait, budget, err := s.store.SaveCode(ctx, partner, purpose, phone, hashCode(s.key, partner, purpose, phone, code), s.opts.TTL, limits)
	if err != nil {
		return "", unavailable(err)
	}
	if wait > 0 && budget {
		return "", errs.RateLimitedf(wait, "this partner has sent too many codes this hour; try again in %d seconds", ceilSeconds(wait))
	}
	if wait > 0 {
		return "", errs.RateLimitedf(wait, "too many codes sent to this phone number; try again in %d seconds", ceilSeconds(wait))
	}
	return code, nil
}

// Verify succeeds exactly once for the right code of partner, purpose and
// phone. Every wrong try, including a malformed code, counts against that
// partner's code, and the MaxTries-th voids it. Failures are Invalid errors
// on field "otp".
func (s *Service) Verify(ctx context.Context, partner int64, purpose Purpose, phone, code string) error {
	if err := validate(partner, purpose, phone); err != nil {
		return err
	}
	wellFormed := IsDigits(code, s.opts.Length)
	if !wellFormed {
		// A malformed code still counts as a try; the empty code is never
		// issued, so its hash never matches.
		code = ""
	}
	res, tries, err := s.store.CheckCode(ctx, partner, purpose, phone, hashCode(s.key, partner, purpose, phone, code), s.opts.MaxTries)
	if err != nil {
		return unavailable(err)
	}
	switch res {
	case Matched:
		return nil
	case Mismatched:
		left := max(s.opts.MaxTries-tries, 1)
		if !wellFormed {
			return errs.InvalidField("otp", "the code must be %d digits; %s left", s.opts.Length, plural(left, "try", "tries"))
		}
		return errs.InvalidField("otp", "wrong code; %s left", plural(left, "try", "tries"))
	case Voided:
		return errs.InvalidField("otp", msgVoided)
	default:
		return errs.InvalidField("otp", msgNoCode)
	}
}

// NoCodeError is the error Verify gives when there is no live code, for callers
// that know without asking the store that none can exist (an unknown user).
func NoCodeError() error { return errs.InvalidField("otp", msgNoCode) }

func validate(partner int64, purpose Purpose, phone string) error {
	if partner <= 0 {
		return errs.InvalidField("partner", "a one-time password belongs to a partner")
	}
	if !purpose.Valid() {
		return errs.InvalidField("purpose", "purpose must be signup, authenticate, phone_change, storebox_link_sms or storebox_link_email")
	}
	if purpose == PurposeLinkEmail {
		if len(phone) != emailSubjectLength || strings.ContainsFunc(phone, func(r rune) bool { return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') }) {
			return errs.InvalidField("email", "an e-mail code's subject is the address's keyed hash in hex")
		}
		return nil
	}
	if len(phone) < minPhoneDigits || len(phone) > maxPhoneDigits || !IsDigits(phone, len(phone)) {
		return errs.InvalidField("phone", "phone must be an MSISDN of %d to %d digits", minPhoneDigits, maxPhoneDigits)
	}
	return nil
}

// unavailable turns a store failure into an Unavailable error that keeps
// the cause in its chain for the log; a failing store never lets a code
// pass.
func unavailable(cause error) error {
	return fmt.Errorf("%w: %w", errs.E(errs.Unavailable, msgUnavailable), cause)
}

// IsDigits reports whether s is exactly n ASCII digits (a well-formed code).
func IsDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// RandomDigits reads n uniformly random decimal digits from r: the one-time
// codes of every family. Bytes of 250 and above are dropped so that
// byte % 10 has no bias.
func RandomDigits(r io.Reader, n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, n+8)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if b >= 250 {
				continue
			}
			out = append(out, '0'+b%10)
			if len(out) == n {
				break
			}
		}
	}
	return string(out), nil
}

// hashCode binds code to its partner, purpose and phone number, so that a
// stored hash cannot be replayed for another partner, phone number or
// purpose. The parts are NUL-separated; none of them can contain NUL.
func hashCode(key []byte, partner int64, purpose Purpose, phone, code string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("loyaltygraph otp v2\x00"))
	m.Write([]byte(strconv.FormatInt(partner, 10)))
	m.Write([]byte{0})
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(phone))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return m.Sum(nil)
}

func ceilSeconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
