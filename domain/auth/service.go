package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

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
	CreatedAt    time.Time
}

// NewCredential is what the operator sees once, when a credential is created.
type NewCredential struct {
	Kind     Kind   `json:"kind"`
	Name     string `json:"name"`
	Username string `json:"username"`
	Secret   string `json:"secret"`
	Salt     string `json:"salt,omitempty"`
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
	// maxVerified bounds the memory of the verification cache.
	maxVerified = 10000
)

// Service creates and checks credentials.
type Service struct {
	store  CredentialStore
	hasher Hasher
	sealer Sealer
	now    func() time.Time

	cacheKey []byte
	mu       sync.Mutex
	verified map[[32]byte]verifiedEntry
}

type verifiedEntry struct {
	principal Principal
	expires   time.Time
}

// NewService returns a credential service.
func NewService(store CredentialStore, hasher Hasher, sealer Sealer, now func() time.Time) *Service {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &Service{
		store: store, hasher: hasher, sealer: sealer, now: now,
		cacheKey: key, verified: make(map[[32]byte]verifiedEntry),
	}
}

// CreateCredential makes a new credential of the given kind and returns its
// secret, which is never retrievable again.
func (s *Service) CreateCredential(ctx context.Context, kind Kind, name string) (*NewCredential, error) {
	if !kind.Valid() {
		return nil, errs.InvalidField("kind", "kind must be one of partner, settlement, admin, seller")
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
func (s *Service) AuthenticateBasic(ctx context.Context, username, secret string) (*Principal, error) {
	if username == "" || secret == "" || len(username) > 256 || len(secret) > 256 {
		return nil, errs.ErrUnauthenticated
	}
	key := s.verifiedKey(username, secret)
	if p, ok := s.lookupVerified(key); ok {
		return p, nil
	}
	c, err := s.store.FindCredentialByUsername(ctx, username)
	if errs.Is(err, errs.NotFound) {
		// Spend the same time as a real check, so that timing does not
		// reveal which usernames exist.
		_, _ = s.hasher.Verify(ctx, dummyHash, secret)
		return nil, errs.ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.hasher.Verify(ctx, c.SecretHash, secret)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.ErrUnauthenticated
	}
	p := principalOf(c)
	s.rememberVerified(key, p)
	return &p, nil
}

// PartnerSecret returns the principal of a partner and its plain secret, so
// that a request signed with that secret (a JWT-wrapped key) can be checked.
// Anything but a partner is Unauthenticated.
func (s *Service) PartnerSecret(ctx context.Context, username string) (*Principal, []byte, error) {
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
	if c.Kind != KindPartner || len(c.SealedSecret) == 0 {
		return nil, nil, errs.ErrUnauthenticated
	}
	secret, err := s.sealer.Open(c.SealedSecret)
	if err != nil {
		return nil, nil, err
	}
	p := principalOf(c)
	return &p, secret, nil
}

func principalOf(c *Credential) Principal {
	p := Principal{CredentialID: c.ID, Kind: c.Kind, Name: c.Name, Username: c.Username}
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

func (s *Service) lookupVerified(key [32]byte) (*Principal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.verified[key]
	if !ok || s.now().After(e.expires) {
		return nil, false
	}
	p := e.principal
	return &p, true
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
			if now.After(e.expires) {
				delete(s.verified, k)
			}
		}
		if len(s.verified) >= maxVerified {
			clear(s.verified)
		}
	}
	s.verified[key] = verifiedEntry{principal: p, expires: s.now().Add(verifiedTTL)}
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
	c := &Credential{Kind: in.Kind, Name: in.Name, Username: in.Username, SecretHash: hash}
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
