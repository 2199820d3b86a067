package loyalty

import (
	"context"
	"strings"
	"time"

	"loyaltygraph/domain/errs"
)

// Role is the role a session was opened for: the path of its login.
type Role string

// The roles of seed 003.
const (
	RoleAdmin    Role = "admin"
	RoleSeller   Role = "seller"
	RoleCustomer Role = "customer"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleSeller || r == RoleCustomer }

// Claims are what a token says about its bearer.
type Claims struct {
	Role Role
	// Subject is the credential id of an admin or seller, the customer id
	// of a customer.
	Subject   string
	Username  string
	StoreCode string
	ExpiresAt time.Time
}

// Roles are the Symfony roles of the token, as Open Loyalty writes them.
func (c Claims) Roles() []string {
	switch c.Role {
	case RoleAdmin:
		return []string{"ROLE_ADMIN"}
	case RoleSeller:
		return []string{"ROLE_SELLER"}
	default:
		return []string{"ROLE_PARTICIPANT"}
	}
}

// Signer signs and checks tokens (RS256 JWTs).
type Signer interface {
	Sign(c Claims) (string, error)
}

// RefreshStore keeps refresh tokens by a keyed hash. Its methods do not
// check permissions.
type RefreshStore interface {
	SaveRefreshToken(ctx context.Context, hash []byte, c Claims, expires time.Time) error
	// FindRefreshToken returns the claims of an unexpired refresh token,
	// or NotFound.
	FindRefreshToken(ctx context.Context, hash []byte, now time.Time) (Claims, error)
}

// LookupHasher makes keyed hashes.
type LookupHasher interface {
	LookupHash(value []byte) []byte
}

// Tokens is a pair of an access token and the refresh token that renews it.
type Tokens struct {
	Token        string
	RefreshToken string
}

// Sessions issues and renews tokens.
type Sessions struct {
	signer     Signer
	refresh    RefreshStore
	hash       LookupHasher
	now        func() time.Time
	ttl        time.Duration
	refreshTTL time.Duration
}

// DefaultTokenTTL is how long an access token lasts unless configured.
const DefaultTokenTTL = 24 * time.Hour

// DefaultRefreshTTL is how long a refresh token lasts.
const DefaultRefreshTTL = 30 * 24 * time.Hour

// NewSessions returns the session service; ttl 0 means DefaultTokenTTL.
func NewSessions(signer Signer, refresh RefreshStore, hash LookupHasher, now func() time.Time, ttl time.Duration) *Sessions {
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	return &Sessions{signer: signer, refresh: refresh, hash: hash, now: now, ttl: ttl, refreshTTL: DefaultRefreshTTL}
}

// Open issues a token and a refresh token for c (ExpiresAt is set here).
func (s *Sessions) Open(ctx context.Context, c Claims) (*Tokens, error) {
	c.ExpiresAt = s.now().Add(s.ttl)
	tok, err := s.signer.Sign(c)
	if err != nil {
		return nil, err
	}
	refresh := randomToken(32)
	if err := s.refresh.SaveRefreshToken(ctx, s.hash.LookupHash([]byte("ol refresh "+refresh)), c, s.now().Add(s.refreshTTL)); err != nil {
		return nil, err
	}
	return &Tokens{Token: tok, RefreshToken: refresh}, nil
}

// Renew issues a new token for the bearer of a refresh token; the refresh
// token stays good until it expires, as Open Loyalty's does.
func (s *Sessions) Renew(ctx context.Context, refresh string) (*Tokens, error) {
	refresh = strings.TrimSpace(refresh)
	if refresh == "" || len(refresh) > 256 {
		return nil, errs.E(errs.Unauthenticated, "An authentication exception occurred.")
	}
	c, err := s.refresh.FindRefreshToken(ctx, s.hash.LookupHash([]byte("ol refresh "+refresh)), s.now())
	if errs.Is(err, errs.NotFound) {
		return nil, errs.E(errs.Unauthenticated, "An authentication exception occurred.")
	}
	if err != nil {
		return nil, err
	}
	c.ExpiresAt = s.now().Add(s.ttl)
	tok, err := s.signer.Sign(c)
	if err != nil {
		return nil, err
	}
	return &Tokens{Token: tok, RefreshToken: refresh}, nil
}
