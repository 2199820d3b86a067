package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/singleflight"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
)

// Credential is a stored credential. The secret itself is never stored:
// only its hash, and for partners, who sign requests and card frames with
// their secret and salt, both sealed with the server key.
type Credential struct {
	ID           int64
	Kind         Kind
	Name         string
	Username     string
	SecretHash   string
	SealedSecret []byte
	SealedSalt   []byte
	// MerchantID is the merchant a POS credential posts receipts for.
	MerchantID string
	CreatedAt  time.Time
}

// NewCredential is what the operator sees once, when a credential is created.
type NewCredential struct {
	Kind     Kind   `json:"kind"`
	Name     string `json:"name"`
	Username string `json:"username"`
	Secret   string `json:"secret"`
	Salt     string `json:"salt,omitempty"`
	// MerchantID is the merchant of a POS credential.
	MerchantID string `json:"merchantId,omitempty"`
}

// CredentialStore persists credentials. Its methods do not check permissions.
type CredentialStore interface {
	// CreateCredential inserts c and sets its ID and CreatedAt; a taken
	// username is a conflict.
	CreateCredential(ctx context.Context, c *Credential) error
	// FindCredentialByUsername returns the credential or a not-found error.
	FindCredentialByUsername(ctx context.Context, username string) (*Credential, error)
}

// Hasher hashes secrets with a slow, salted password hash and verifies them
// in constant time.
type Hasher interface {
	Hash(ctx context.Context, secret string) (string, error)
	Verify(ctx context.Context, encodedHash, secret string) (bool, error)
}

// PriorityVerifier is a Hasher that keeps capacity for verifying secrets
// that verified before (secret.Argon2), so that a flood of bad logins does
// not queue the owners of good credentials behind it.
type PriorityVerifier interface {
	VerifyReserved(ctx context.Context, encodedHash, secret string) (bool, error)
}

// FailureCounter counts failed logins per key (a username, a client
// address) in fixed windows, in storage every replica shares (Redis). Its
// methods do not check permissions.
type FailureCounter interface {
	// Blocked returns how long until the window ends of the first key with
	// limit or more failures counted, or 0 when no key has.
	Blocked(ctx context.Context, limit int, keys ...string) (time.Duration, error)
	// AddFailure counts one failure against each key; the first failure of
	// a key starts its window.
	AddFailure(ctx context.Context, window time.Duration, keys ...string) error
}

// KeyIDStore remembers the ids of partners' JWT-wrapped keys while the keys
// could still be presented. Its methods do not check permissions.
type KeyIDStore interface {
	// FirstUse records id of issuer for ttl and reports whether it was not
	// recorded already, in one atomic step.
	FirstUse(ctx context.Context, issuer, id string, ttl time.Duration) (bool, error)
}

// Defaults of Options.
const (
	DefaultFailuresPerWindow = 32
	DefaultFailureWindow     = time.Minute
)

// Options configure the guards of a Service. Zero values take the
// defaults; a nil Failures counts nothing and a nil KeyIDs refuses every
// JWT-wrapped key.
type Options struct {
	// Failures counts failed logins.
	Failures FailureCounter
	// FailuresPerWindow is how many failed logins a username or a client
	// address may make within FailureWindow before further logins are
	// refused, without hashing, until the window ends (default 32 a
	// minute).
	FailuresPerWindow int
	FailureWindow     time.Duration
	// KeyIDs remembers the ids of used JWT-wrapped keys.
	KeyIDs KeyIDStore
	// OnGuardError is told when a guard's storage fails and the guard is
	// skipped (fail open); nil ignores it.
	OnGuardError func(ctx context.Context, err error)
}

// Sealer encrypts and decrypts values that the server must be able to read
// back, with the server key.
type Sealer interface {
	Seal(plain []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

const (
	secretLength   = 40
	saltLength     = 32
	usernameSuffix = 12
	maxNameLength  = 128
	// verifiedTTL bounds how long a verified secret is trusted without
	// running the slow hash again.
	verifiedTTL = time.Minute
	// knownTTL is how long a pair that verified is remembered as known
	// good: it skips the failed-login throttle and uses the hasher's
	// reserved capacity when it must be hashed again.
	knownTTL = 24 * time.Hour
	// maxVerified bounds the memory of the verification cache.
	maxVerified = 10000
	// refreshAhead is how long before its trust ends a verified pair that
	// is used again is verified again, in the background, so that a busy
	// credential never waits for the slow hash when its entry expires.
	refreshAhead = 15 * time.Second
	// verifyTimeout bounds one shared verification, which runs apart from
	// the requests that wait for it.
	verifyTimeout = 30 * time.Second
)

// Service creates and checks credentials.
type Service struct {
	store  CredentialStore
	hasher Hasher
	sealer Sealer
	now    func() time.Time
	opts   Options

	cacheKey []byte
	mu       sync.Mutex
	verified map[[32]byte]verifiedEntry
	// flights runs one verification per presented pair at a time; the
	// requests that present the pair meanwhile wait for its result.
	flights singleflight.Group
}

type verifiedEntry struct {
	principal Principal
	// expires ends the trust without hashing; known ends the memory that
	// the pair was good.
	expires time.Time
	known   time.Time
	// refreshing is set while the pair is verified again ahead of expires.
	refreshing bool
}

// NewService returns a credential service guarded as opts says.
func NewService(store CredentialStore, hasher Hasher, sealer Sealer, now func() time.Time, opts Options) *Service {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	if opts.FailuresPerWindow <= 0 {
		opts.FailuresPerWindow = DefaultFailuresPerWindow
	}
	if opts.FailureWindow <= 0 {
		opts.FailureWindow = DefaultFailureWindow
	}
	if opts.OnGuardError == nil {
		opts.OnGuardError = func(context.Context, error) {}
	}
	return &Service{
		store: store, hasher: hasher, sealer: sealer, now: now, opts: opts,
		cacheKey: key, verified: make(map[[32]byte]verifiedEntry),
	}
}

// CreateCredential makes a new credential of the given kind and returns its
// secret, which is never retrievable again.
func (s *Service) CreateCredential(ctx context.Context, kind Kind, name string) (*NewCredential, error) {
	if !kind.Valid() {
		return nil, errs.InvalidField("kind", "kind must be one of partner, settlement, admin, seller")
	}
	if kind == KindPOS {
		return nil, errs.InvalidField("merchant", "a pos credential is bound to a merchant: use CreatePOSCredential")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxNameLength || !utf8.ValidString(name) {
		return nil, errs.InvalidField("name", "name must be 1 to %d characters", maxNameLength)
	}
	out := &NewCredential{
		Kind:     kind,
		Name:     name,
		Username: string(kind) + "-" + ids.LowerAlnum(usernameSuffix),
		Secret:   ids.Secret(secretLength),
	}
	hash, err := s.hasher.Hash(ctx, out.Secret)
	if err != nil {
		return nil, err
	}
	c := &Credential{Kind: kind, Name: name, Username: out.Username, SecretHash: hash}
	if kind == KindPartner {
		out.Salt = ids.Secret(saltLength)
		if c.SealedSecret, err = s.sealer.Seal([]byte(out.Secret)); err != nil {
			return nil, err
		}
		if c.SealedSalt, err = s.sealer.Seal([]byte(out.Salt)); err != nil {
			return nil, err
		}
	}
	if err := s.store.CreateCredential(ctx, c); err != nil {
		return nil, err
	}
	return out, nil
}

// AuthenticateBasic checks a username and secret and returns the principal.
// Unknown usernames and wrong secrets fail alike, with Unauthenticated.
// Failures are counted against the username only; the HTTP edge calls
// AuthenticateBasicFrom with the client address.
func (s *Service) AuthenticateBasic(ctx context.Context, username, secret string) (*Principal, error) {
	return s.AuthenticateBasicFrom(ctx, "", username, secret)
}

// AuthenticateBasicFrom checks a username and secret presented from client
// (an IP address, "" when unknown) and returns the principal. Unknown
// usernames and wrong secrets fail alike, with Unauthenticated.
//
// SECURITY: failed logins are counted per username and per client address;
// once either has FailuresPerWindow failures in the current window, further
// logins are RateLimited until the window ends, before any hashing, so that
// a flood of bad credentials cannot take the hasher from real users. A pair
// that verified within knownTTL on this replica skips the throttle (its
// owner is not locked out by someone else's failures) and is hashed with
// the hasher's reserved capacity. When the counters cannot be reached the
// throttle is skipped (fail open): logins stay possible with Redis down,
// bounded by the hasher's concurrency.
//
// A pair is verified by one request at a time: concurrent requests with
// the same pair (a cold start, an expired entry) wait for that one
// verification instead of each running the slow hash. A pair used again
// within refreshAhead of its expiry is verified again in the background,
// so that its requests never wait.
func (s *Service) AuthenticateBasicFrom(ctx context.Context, client, username, secret string) (*Principal, error) {
	if username == "" || secret == "" || len(username) > 256 || len(secret) > 256 {
		return nil, errs.ErrUnauthenticated
	}
	key := s.verifiedKey(username, secret)
	p, fresh, known, refresh := s.lookupVerified(key)
	if refresh {
		go s.refresh(key, username, secret)
	}
	if fresh {
		return p, nil
	}
	counted := []string{"user:" + username}
	if client != "" {
		counted = append(counted, "addr:"+client)
	}
	// SECURITY: the throttle stands in front of the shared verification:
	// a blocked username or address waits for no hash.
	if !known && s.opts.Failures != nil {
		wait, err := s.opts.Failures.Blocked(ctx, s.opts.FailuresPerWindow, counted...)
		if err != nil {
			s.opts.OnGuardError(ctx, err)
		} else if wait > 0 {
			return nil, errs.RateLimitedf(wait, "too many failed logins; try again in %d seconds", int64((wait+time.Second-1)/time.Second))
		}
	}
	flight := s.flights.DoChan(string(key[:]), func() (any, error) {
		// One caller leaving must not fail the others that wait.
		vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), verifyTimeout)
		defer cancel()
		return s.verify(vctx, key, username, secret, known, counted)
	})
	select {
	case r := <-flight:
		if r.Err != nil {
			return nil, r.Err
		}
		pp := r.Val.(Principal)
		return &pp, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", errs.E(errs.Unavailable, "the credentials could not be checked in time"), ctx.Err())
	}
}

// verify looks the credential up and runs the slow hash on secret; a good
// pair is remembered under key, a bad one counted against counted.
func (s *Service) verify(ctx context.Context, key [32]byte, username, secret string, known bool, counted []string) (Principal, error) {
	verify := s.hasher.Verify
	if pv, ok := s.hasher.(PriorityVerifier); ok && known {
		verify = pv.VerifyReserved
	}
	c, err := s.store.FindCredentialByUsername(ctx, username)
	if errs.Is(err, errs.NotFound) {
		// Spend the same time as a real check, so that timing does not
		// reveal which usernames exist.
		_, _ = verify(ctx, dummyHash, secret)
		s.countFailure(ctx, counted)
		return Principal{}, errs.ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	ok, err := verify(ctx, c.SecretHash, secret)
	if err != nil {
		return Principal{}, err
	}
	if !ok {
		s.countFailure(ctx, counted)
		return Principal{}, errs.ErrUnauthenticated
	}
	pp := principalOf(c)
	s.rememberVerified(key, pp)
	return pp, nil
}

// refresh verifies a remembered pair again ahead of its expiry. A pair
// that no longer verifies (a changed secret) is forgotten; when the check
// cannot be made (the database is down) the entry keeps its expiry and the
// next request tries again.
func (s *Service) refresh(key [32]byte, username, secret string) {
	_, err, _ := s.flights.Do(string(key[:]), func() (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
		defer cancel()
		return s.verify(ctx, key, username, secret, true, nil)
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.verified[key]
	if !ok {
		return
	}
	if errs.Is(err, errs.Unauthenticated) {
		delete(s.verified, key)
		return
	}
	e.refreshing = false
	s.verified[key] = e
}

func (s *Service) countFailure(ctx context.Context, keys []string) {
	if s.opts.Failures == nil || len(keys) == 0 {
		return
	}
	if err := s.opts.Failures.AddFailure(ctx, s.opts.FailureWindow, keys...); err != nil {
		s.opts.OnGuardError(ctx, err)
	}
}

// UseKeyID records the id (jti) of a JWT-wrapped key of issuer that can be
// presented for ttl more, and refuses an id seen before.
//
// SECURITY: a JWT-wrapped key is good for one request: a replayed key is
// Unauthenticated. Unlike the login throttle this guard fails closed: when
// the memory of ids cannot be reached, keys are Unavailable (Basic
// credentials still work).
func (s *Service) UseKeyID(ctx context.Context, issuer, id string, ttl time.Duration) error {
	if id == "" || len(id) > 256 {
		return errs.E(errs.Unauthenticated, "the key must have a jti claim of at most 256 characters")
	}
	if s.opts.KeyIDs == nil {
		return errs.E(errs.Unavailable, "keys cannot be checked for reuse; try again later")
	}
	first, err := s.opts.KeyIDs.FirstUse(ctx, issuer, id, ttl)
	if err != nil {
		return fmt.Errorf("%w: %w", errs.E(errs.Unavailable, "keys cannot be checked for reuse; try again later"), err)
	}
	if !first {
		return errs.E(errs.Unauthenticated, "this key was used already; sign a new one with a new jti")
	}
	return nil
}

// PartnerSecret returns the principal of a partner and its plain secret, so
// that a request signed with that secret (a JWT-wrapped key) can be checked.
// Anything but a partner is Unauthenticated.
func (s *Service) PartnerSecret(ctx context.Context, username string) (*Principal, []byte, error) {
	return s.partnerSealed(ctx, username, func(c *Credential) []byte { return c.SealedSecret })
}

// partnerSealed returns the principal of a partner and one of its sealed
// values (secret or salt), opened. Anything but a partner with that value
// is Unauthenticated.
func (s *Service) partnerSealed(ctx context.Context, username string, sealed func(*Credential) []byte) (*Principal, []byte, error) {
	if username == "" || len(username) > 256 {
		return nil, nil, errs.ErrUnauthenticated
	}
	c, err := s.store.FindCredentialByUsername(ctx, username)
	if errs.Is(err, errs.NotFound) {
		return nil, nil, errs.ErrUnauthenticated
	}
	if err != nil {
		return nil, nil, err
	}
	if c.Kind != KindPartner || len(sealed(c)) == 0 {
		return nil, nil, errs.ErrUnauthenticated
	}
	plain, err := s.sealer.Open(sealed(c))
	if err != nil {
		return nil, nil, err
	}
	p := principalOf(c)
	return &p, plain, nil
}

func principalOf(c *Credential) Principal {
	p := Principal{CredentialID: c.ID, Kind: c.Kind, Name: c.Name, Username: c.Username, MerchantID: c.MerchantID}
	if c.Kind == KindPartner {
		p.ProviderID = c.ID
	}
	return p
}

// verifiedKey is a keyed hash of the presented pair, so the cache never holds
// a secret in the clear.
func (s *Service) verifiedKey(username, secret string) [32]byte {
	m := hmac.New(sha256.New, s.cacheKey)
	m.Write([]byte(username))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	var k [32]byte
	copy(k[:], m.Sum(nil))
	return k
}

// lookupVerified tells whether the pair of key verified within verifiedTTL
// (fresh: trust it without hashing) or within knownTTL (known), and
// whether the caller is to refresh it: it is fresh but expires within
// refreshAhead, and no refresh of it runs.
func (s *Service) lookupVerified(key [32]byte) (p *Principal, fresh, known, refresh bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.verified[key]
	now := s.now()
	if !ok || now.After(e.known) {
		return nil, false, false, false
	}
	if now.After(e.expires) {
		return nil, false, true, false
	}
	if !e.refreshing && now.After(e.expires.Add(-refreshAhead)) {
		e.refreshing = true
		s.verified[key] = e
		refresh = true
	}
	pp := e.principal
	return &pp, true, true, refresh
}

// Forget drops every remembered verification, so that a revoked credential
// stops working at once on this replica.
func (s *Service) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.verified)
}

func (s *Service) rememberVerified(key [32]byte, p Principal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.verified) >= maxVerified {
		now := s.now()
		for k, e := range s.verified {
			if now.After(e.known) {
				delete(s.verified, k)
			}
		}
		if len(s.verified) >= maxVerified {
			clear(s.verified)
		}
	}
	now := s.now()
	s.verified[key] = verifiedEntry{principal: p, expires: now.Add(verifiedTTL), known: now.Add(knownTTL)}
}

// dummyHash is an argon2id hash of a random value, verified against when the
// username is unknown.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0000000000000000000000000000000000000000000"

// EnsureCredential creates a credential with a chosen username, secret and
// (for partners) salt unless that username exists. It is for demo data that
// must be loadable again without changing; operators use CreateCredential.
func (s *Service) EnsureCredential(ctx context.Context, in NewCredential) (created bool, err error) {
	if !in.Kind.Valid() {
		return false, errs.InvalidField("kind", "kind must be one of partner, settlement, admin, seller")
	}
	if _, err := s.store.FindCredentialByUsername(ctx, in.Username); err == nil {
		return false, nil
	} else if !errs.Is(err, errs.NotFound) {
		return false, err
	}
	hash, err := s.hasher.Hash(ctx, in.Secret)
	if err != nil {
		return false, err
	}
	c := &Credential{Kind: in.Kind, Name: in.Name, Username: in.Username, SecretHash: hash, MerchantID: in.MerchantID}
	if in.Kind == KindPartner {
		if c.SealedSecret, err = s.sealer.Seal([]byte(in.Secret)); err != nil {
			return false, err
		}
		if c.SealedSalt, err = s.sealer.Seal([]byte(in.Salt)); err != nil {
			return false, err
		}
	}
	if err := s.store.CreateCredential(ctx, c); err != nil {
		if errs.Is(err, errs.Conflict) {
			return false, nil // created concurrently by another loader
		}
		return false, err
	}
	return true, nil
}

// FindPartner returns the partner credential with username as a principal;
// anything else is not found.
func (s *Service) FindPartner(ctx context.Context, username string) (*Principal, error) {
	c, err := s.store.FindCredentialByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	if c.Kind != KindPartner {
		return nil, errs.NotFoundf("partner not found")
	}
	p := principalOf(c)
	return &p, nil
}

// NamedPartner returns the partner an admin names in an operation's
// partnerUsername: a missing or unknown name is invalid input naming that
// field.
func (s *Service) NamedPartner(ctx context.Context, username string) (*Principal, error) {
	if username == "" {
		return nil, errs.InvalidField("partnerUsername", "partnerUsername is required")
	}
	p, err := s.FindPartner(ctx, username)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.InvalidField("partnerUsername", "no partner with this username")
	}
	return p, err
}

// PartnerSalt returns the principal of a partner and its plain salt, with
// which it signs card frame URLs (seed 001). Anything but a partner is
// Unauthenticated.
func (s *Service) PartnerSalt(ctx context.Context, username string) (*Principal, []byte, error) {
	return s.partnerSealed(ctx, username, func(c *Credential) []byte { return c.SealedSalt })
}
