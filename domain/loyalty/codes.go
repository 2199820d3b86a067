package loyalty

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/otp"
)

// CodeKind is what a code proves; a code of one kind never works for
// another.
type CodeKind string

// The kinds of codes of seed 003.
const (
	// CodeActivation is an activation token, sent by e-mail when staff
	// register a customer without a password: it activates the customer
	// and may set its password.
	CodeActivation CodeKind = "activation"
	// CodeActivationSMS is an SMS activation code: it activates the
	// customer and proves its phone.
	CodeActivationSMS CodeKind = "activation_sms"
	// CodePhoneChange confirms a customer's change of its login phone.
	CodePhoneChange CodeKind = "phone_change"
)

// Grant is what a code grants once entered: the customer it was issued
// for and the phone it was sent to (or, for a phone change, the new
// phone).
type Grant struct {
	CustomerID string
	Phone      string
}

// CodeLimits are the rules codes are kept and tried by.
type CodeLimits struct {
	// SMSTTL is how long an SMS code lives (default otp.DefaultTTL).
	SMSTTL time.Duration
	// TokenTTL is how long an activation token lives (default DefaultActivationTokenTTL).
	TokenTTL time.Duration
	// MaxTries voids a phone-change code after so many wrong tries
	// (default otp.DefaultMaxTries).
	MaxTries int
	// Sends throttle the SMS sent to one phone number.
	Sends otp.SendLimits
	// Failures bound the wrong codes and tokens tried in a store.
	Failures FailureLimits
}

// FailureLimits bound the wrong activation codes and tokens tried, per
// client address and per store, within a window: the codes are looked up
// by their value, so no single code can count its own tries.
type FailureLimits struct {
	PerClient int
	PerStore  int
	Window    time.Duration
}

// Defaults of CodeLimits.
const (
	DefaultActivationTokenTTL = 7 * 24 * time.Hour
	DefaultFailuresPerClient  = 10
	DefaultFailuresPerStore   = 200
	DefaultFailureWindow      = 15 * time.Minute
	smsCodeLength             = 6
	activationTokenLength     = 32
	maxCodeDraws              = 5
)

// CodeStore keeps codes by their keyed hash, and counts sends and wrong
// tries; every change is atomic. Its methods do not check permissions.
type CodeStore interface {
	// SaveLookupCode stores hash as the live code of kind of g's customer
	// in store for ttl (forgetting the customer's earlier one). With
	// sends set, sends to g.Phone are throttled: when too soon it stores
	// nothing and returns the wait (> 0). taken: another live code of
	// kind in store has this hash; nothing is stored.
	SaveLookupCode(ctx context.Context, store string, kind CodeKind, hash []byte, g Grant, ttl time.Duration, sends *otp.SendLimits) (wait time.Duration, taken bool, err error)
	// TakeLookupCode consumes the live code of kind in store with hash and
	// returns its grant, or NotFound.
	TakeLookupCode(ctx context.Context, store string, kind CodeKind, hash []byte) (Grant, error)
	// SaveCustomerCode stores hash, granting g.Phone, as the live code of
	// kind of customer g.CustomerID for ttl, with no tries used; sends to
	// g.Phone are throttled as by SaveLookupCode.
	SaveCustomerCode(ctx context.Context, store string, kind CodeKind, hash []byte, g Grant, ttl time.Duration, sends otp.SendLimits) (wait time.Duration, err error)
	// CheckCustomerCode compares hash with the customer's live code of
	// kind in constant time: a match consumes it and returns its phone; a
	// mismatch counts a try, and the maxTries-th voids it.
	CheckCustomerCode(ctx context.Context, store string, kind CodeKind, customerID string, hash []byte, maxTries int) (res otp.Result, phone string, err error)
	// FailureWait returns how long client (and everyone, when the store's
	// budget is spent) must wait before trying another code in store; 0
	// when a try is allowed.
	FailureWait(ctx context.Context, store, client string, limits FailureLimits) (time.Duration, error)
	// AddFailure counts one wrong code of client in store.
	AddFailure(ctx context.Context, store, client string, limits FailureLimits) error
}

// Messages queues messages to people (SMS, e-mail) for delivery.
type Messages interface {
	QueueMessages(ctx context.Context, msgs ...notify.Message) error
}

// Codes issues and checks activation tokens, SMS activation codes and
// phone-change confirmations.
type Codes struct {
	customers *Service
	store     CodeStore
	messages  Messages
	key       []byte
	limits    CodeLimits
	baseURL   string
}

// NewCodes returns the code service; key (at least otp.MinKeyLength bytes)
// hashes the codes, and baseURL starts the links sent by e-mail.
func NewCodes(customers *Service, store CodeStore, messages Messages, key []byte, limits CodeLimits, baseURL string) (*Codes, error) {
	if len(key) < otp.MinKeyLength {
		return nil, fmt.Errorf("loyalty codes: the key must be at least %d bytes", otp.MinKeyLength)
	}
	if limits.SMSTTL <= 0 {
		limits.SMSTTL = otp.DefaultTTL
	}
	if limits.TokenTTL <= 0 {
		limits.TokenTTL = DefaultActivationTokenTTL
	}
	if limits.MaxTries <= 0 {
		limits.MaxTries = otp.DefaultMaxTries
	}
	if limits.Sends.Interval <= 0 {
		limits.Sends.Interval = otp.DefaultSendInterval
	}
	if limits.Sends.PerWindow <= 0 {
		limits.Sends.PerWindow = otp.DefaultSendsPerHour
	}
	if limits.Sends.Window <= 0 {
		limits.Sends.Window = time.Hour
	}
	if limits.Failures.PerClient <= 0 {
		limits.Failures.PerClient = DefaultFailuresPerClient
	}
	if limits.Failures.PerStore <= 0 {
		limits.Failures.PerStore = DefaultFailuresPerStore
	}
	if limits.Failures.Window <= 0 {
		limits.Failures.Window = DefaultFailureWindow
	}
	return &Codes{customers: customers, store: store, messages: messages, key: append([]byte(nil), key...),
		limits: limits, baseURL: strings.TrimRight(baseURL, "/")}, nil
}

// Messages of failed codes; a missing, expired, used or wrong lookup code
// answer alike.
const (
	msgBadToken = "This activation token is invalid or has expired."
	msgBadCode  = "This code is invalid or has expired."
)

// hash binds a code to its store and kind (and, for a customer's code,
// the customer), so that a hash never works elsewhere.
func (x *Codes) hash(store string, kind CodeKind, customerID, code string) []byte {
	m := hmac.New(sha256.New, x.key)
	for _, part := range []string{"loyaltygraph ol code v1", store, string(kind), customerID, code} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// msisdn is a customer's stored phone (+digits) as messages address it.
func msisdn(phone string) string { return strings.TrimPrefix(phone, "+") }

// Welcome sends a customer registered without a password an activation
// token by e-mail; activating with it sets the password.
func (x *Codes) Welcome(ctx context.Context, c *Customer) error {
	if c.HasPassword || c.Email == "" || c.Anonymized {
		return nil
	}
	var token string
	for i := 0; ; i++ {
		token = ids.LowerAlnum(activationTokenLength)
		_, taken, err := x.store.SaveLookupCode(ctx, c.StoreCode, CodeActivation, x.hash(c.StoreCode, CodeActivation, "", token),
			Grant{CustomerID: c.ID}, x.limits.TokenTTL, nil)
		if err != nil {
			return unavailableCodes(err)
		}
		if !taken {
			break
		}
		if i == maxCodeDraws {
			return errs.E(errs.Unavailable, "no activation token could be made; try again")
		}
	}
	return x.messages.QueueMessages(ctx, notify.Message{To: c.Email, Channel: notify.ChannelEmail,
		Body: fmt.Sprintf("Welcome! Activate your loyalty account and choose your password with this token: %s\n"+
			"POST %s/api/%s/customer/activate/%s with customer[plainPassword]", token, x.baseURL, c.StoreCode, token)})
}

// SendActivationSMS sends an SMS activation code to the phone of a
// customer of store.
func (x *Codes) SendActivationSMS(ctx context.Context, store, id string) error {
	c, err := x.customers.Customer(ctx, store, id)
	if err != nil {
		return err
	}
	if c.Anonymized {
		return errs.Conflictf("customerId", "an anonymized customer cannot be activated")
	}
	if c.Phone == "" {
		return errs.InvalidField("phone", "The customer has no phone number to send the code to.")
	}
	var code string
	for i := 0; ; i++ {
		if code, err = otp.RandomDigits(rand.Reader, smsCodeLength); err != nil {
			return err
		}
		wait, taken, err := x.store.SaveLookupCode(ctx, store, CodeActivationSMS, x.hash(store, CodeActivationSMS, "", code),
			Grant{CustomerID: c.ID, Phone: c.Phone}, x.limits.SMSTTL, &x.limits.Sends)
		if err != nil {
			return unavailableCodes(err)
		}
		if wait > 0 {
			return errs.RateLimitedf(wait, "too many codes sent to this phone number; try again in %d seconds", ceilSeconds(wait))
		}
		if !taken {
			break
		}
		if i == maxCodeDraws {
			return errs.E(errs.Unavailable, "no activation code could be made; try again")
		}
	}
	return x.messages.QueueMessages(ctx, notify.Message{To: msisdn(c.Phone), Channel: notify.ChannelSMS,
		Body: fmt.Sprintf("Your activation code is %s", code)})
}

// tryLookup consumes the lookup code of kind in store that code names,
// counting a wrong one against client; failures answer msg on field.
func (x *Codes) tryLookup(ctx context.Context, store, client string, kind CodeKind, code string, valid bool, field, msg string) (Grant, error) {
	if err := CheckStoreCode(store); err != nil {
		return Grant{}, err
	}
	wait, err := x.store.FailureWait(ctx, store, client, x.limits.Failures)
	if err != nil {
		return Grant{}, unavailableCodes(err)
	}
	if wait > 0 {
		return Grant{}, errs.RateLimitedf(wait, "too many wrong codes; try again in %d seconds", ceilSeconds(wait))
	}
	var g Grant
	if valid {
		g, err = x.store.TakeLookupCode(ctx, store, kind, x.hash(store, kind, "", code))
		if err != nil && !errs.Is(err, errs.NotFound) {
			return Grant{}, unavailableCodes(err)
		}
	}
	if !valid || err != nil {
		if err := x.store.AddFailure(ctx, store, client, x.limits.Failures); err != nil {
			return Grant{}, unavailableCodes(err)
		}
		return Grant{}, errs.InvalidField(field, "%s", msg)
	}
	return g, nil
}

// ActivateByToken activates the customer of store whose activation token
// this is, and sets its password when one is given. A token works once.
func (x *Codes) ActivateByToken(ctx context.Context, store, client, token string, password *string) error {
	if password != nil {
		p := *password
		if utf8.RuneCountInString(p) < minPasswordSize || len(p) > 256 || !utf8.ValidString(p) || strings.ContainsRune(p, 0) {
			return errs.InvalidField("plainPassword", "the password must be %d to 256 characters", minPasswordSize)
		}
	}
	valid := len(token) == activationTokenLength && isLowerAlnum(token)
	g, err := x.tryLookup(ctx, store, client, CodeActivation, token, valid, "token", msgBadToken)
	if err != nil {
		return err
	}
	return x.customers.activate(ctx, store, g.CustomerID, "", password)
}

// ActivateBySMS activates the customer of store whose SMS activation code
// this is, and marks the phone it was sent to verified. A code works once.
func (x *Codes) ActivateBySMS(ctx context.Context, store, client, code string) error {
	g, err := x.tryLookup(ctx, store, client, CodeActivationSMS, code, otp.IsDigits(code, smsCodeLength), "token", msgBadCode)
	if err != nil {
		return err
	}
	return x.customers.activate(ctx, store, g.CustomerID, g.Phone, nil)
}

// RequestPhoneChange sends a code to newPhone that, entered by the
// customer, makes it the customer's phone; until then the phone stays.
// It answers whether newPhone differs from the current phone (when it
// does not, nothing is sent).
func (x *Codes) RequestPhoneChange(ctx context.Context, store, id, newPhone string) (bool, error) {
	c, err := x.customers.Customer(ctx, store, id)
	if err != nil {
		return false, err
	}
	p := strings.TrimSpace(newPhone)
	if p == "" {
		return false, errs.InvalidField("phone", msgBlank)
	}
	n, err := x.customers.phones.Normalize("phone", p)
	if err != nil {
		return false, errs.InvalidField("phone", msgPhone)
	}
	phone := "+" + n
	if phone == c.Phone {
		return false, nil
	}
	if taken, err := x.customers.store.CountCustomersByEmailOrPhone(ctx, store, "", phone); err != nil {
		return false, err
	} else if taken > 0 {
		return false, errs.Conflictf("phone", msgTaken)
	}
	code, err := otp.RandomDigits(rand.Reader, smsCodeLength)
	if err != nil {
		return false, err
	}
	wait, err := x.store.SaveCustomerCode(ctx, store, CodePhoneChange, x.hash(store, CodePhoneChange, c.ID, code),
		Grant{CustomerID: c.ID, Phone: phone}, x.limits.SMSTTL, x.limits.Sends)
	if err != nil {
		return false, unavailableCodes(err)
	}
	if wait > 0 {
		return false, errs.RateLimitedf(wait, "too many codes sent to this phone number; try again in %d seconds", ceilSeconds(wait))
	}
	return true, x.messages.QueueMessages(ctx, notify.Message{To: n, Channel: notify.ChannelSMS,
		Body: fmt.Sprintf("Your code to confirm your new phone number is %s", code)})
}

// ConfirmPhoneChange makes the phone that code was sent to the phone of
// the customer, verified. Wrong codes count; the last try voids it.
func (x *Codes) ConfirmPhoneChange(ctx context.Context, store, id, code string) error {
	if err := checkCustomer(store, id); err != nil {
		return err
	}
	id = strings.ToLower(id)
	if !otp.IsDigits(code, smsCodeLength) {
		code = "" // a malformed code still counts as a try
	}
	res, phone, err := x.store.CheckCustomerCode(ctx, store, CodePhoneChange, id, x.hash(store, CodePhoneChange, id, code), x.limits.MaxTries)
	if err != nil {
		return unavailableCodes(err)
	}
	switch res {
	case otp.Matched:
	case otp.Voided:
		return errs.InvalidField("token", "too many wrong tries; request a new code")
	case otp.Mismatched:
		return errs.InvalidField("token", "wrong code")
	default:
		return errs.InvalidField("token", msgBadCode)
	}
	return x.customers.change(ctx, store, id, func(c *Customer) error {
		c.Phone, c.PhoneVerified = phone, true
		return nil
	})
}

// activate makes a customer active; with phone, it marks that phone
// verified when it is still the customer's; with password, sets it.
func (s *Service) activate(ctx context.Context, store, id, phone string, password *string) error {
	var hash *string
	if password != nil {
		h, err := s.hasher.Hash(ctx, *password)
		if err != nil {
			return err
		}
		hash = &h
	}
	return s.store.UpdateCustomer(ctx, store, id, func(c *Customer) (*string, error) {
		if c.Anonymized {
			return nil, errs.Conflictf("customerId", "an anonymized customer cannot be activated")
		}
		c.Active = true
		if phone != "" && c.Phone == phone {
			c.PhoneVerified = true
		}
		if hash != nil {
			c.HasPassword = true
		}
		c.UpdatedAt = s.now().UTC()
		return hash, nil
	})
}

func unavailableCodes(cause error) error {
	return fmt.Errorf("%w: %w", errs.E(errs.Unavailable, "codes are unavailable; try again later"), cause)
}

func isLowerAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'z') {
			return false
		}
	}
	return true
}

func ceilSeconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }
