package secret

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
)

// LoyaltyTokens signs and checks the RS256 JWTs of Open Loyalty (seed 003).
// The key is loaded on first use (or by Load), so that commands that
// serve no requests need neither the key nor its table.
type LoyaltyTokens struct {
	load func() (*rsa.PrivateKey, error)
	now  func() time.Time

	mu  sync.Mutex
	key *rsa.PrivateKey
}

var _ loyalty.Signer = (*LoyaltyTokens)(nil)

// NewLoyaltyTokens returns the tokens signed with the key that load
// returns; a failed load is tried again on the next use.
func NewLoyaltyTokens(load func() (*rsa.PrivateKey, error), now func() time.Time) *LoyaltyTokens {
	return &LoyaltyTokens{load: load, now: now}
}

// Load loads the signing key now, if it is not loaded yet.
func (t *LoyaltyTokens) Load() (*rsa.PrivateKey, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.key != nil {
		return t.key, nil
	}
	k, err := t.load()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errs.E(errs.Unavailable, "tokens cannot be signed or checked now; try again later"), err)
	}
	t.key = k
	return k, nil
}

// loyaltyClaims are the claims of an Open Loyalty token: roles, id and exp
// as Open Loyalty writes them, plus the username and the store code of a
// customer.
type loyaltyClaims struct {
	Roles     []string `json:"roles"`
	ID        string   `json:"id"`
	Username  string   `json:"username"`
	StoreCode string   `json:"store,omitempty"`
	jwt.RegisteredClaims
}

// Sign makes the token of c.
func (t *LoyaltyTokens) Sign(c loyalty.Claims) (string, error) {
	claims := loyaltyClaims{Roles: c.Roles(), ID: c.Subject, Username: c.Username, StoreCode: c.StoreCode,
		RegisteredClaims: jwt.RegisteredClaims{IssuedAt: jwt.NewNumericDate(t.now()), ExpiresAt: jwt.NewNumericDate(c.ExpiresAt)}}
	key, err := t.Load()
	if err != nil {
		return "", err
	}
	return jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
}

// Parse checks a token's signature and expiry and returns its claims.
// Anything wrong is Unauthenticated.
func (t *LoyaltyTokens) Parse(token string) (loyalty.Claims, error) {
	key, err := t.Load()
	if err != nil {
		return loyalty.Claims{}, err
	}
	if len(token) > 8192 {
		return loyalty.Claims{}, errs.E(errs.Unauthenticated, "Invalid JWT Token")
	}
	claims := &loyaltyClaims{}
	_, err = jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return loyalty.Claims{}, errs.E(errs.Unauthenticated, "Expired JWT Token")
		}
		return loyalty.Claims{}, errs.E(errs.Unauthenticated, "Invalid JWT Token")
	}
	var role loyalty.Role
	switch {
	case len(claims.Roles) != 1:
	case claims.Roles[0] == "ROLE_ADMIN":
		role = loyalty.RoleAdmin
	case claims.Roles[0] == "ROLE_SELLER":
		role = loyalty.RoleSeller
	case claims.Roles[0] == "ROLE_PARTICIPANT":
		role = loyalty.RoleCustomer
	}
	if role == "" || claims.ID == "" {
		return loyalty.Claims{}, errs.E(errs.Unauthenticated, "Invalid JWT Token")
	}
	return loyalty.Claims{Role: role, Subject: claims.ID, Username: claims.Username, StoreCode: claims.StoreCode,
		ExpiresAt: claims.ExpiresAt.Time}, nil
}

// LooksLikeLoyaltyToken reports whether a bearer token is a JWT whose
// header names RS256, the algorithm of Open Loyalty tokens (partners'
// JWT-wrapped keys are HS256).
func LooksLikeLoyaltyToken(token string) bool {
	head, _, ok := strings.Cut(token, ".")
	if !ok || len(head) > 512 {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	return json.Unmarshal(raw, &h) == nil && h.Alg == "RS256"
}

// GenerateLoyaltyKey makes a new RSA key pair for Open Loyalty tokens.
func GenerateLoyaltyKey() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }

// EncodeLoyaltyKey writes key as PKCS#8 PEM.
func EncodeLoyaltyKey(key *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseLoyaltyKey reads an RSA private key in PEM (PKCS#1 or PKCS#8).
func ParseLoyaltyKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("loyalty token key: no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("loyalty token key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("loyalty token key: not an RSA key")
	}
	if rk.N.BitLen() < 2048 {
		return nil, fmt.Errorf("loyalty token key: RSA keys must have at least 2048 bits")
	}
	return rk, nil
}
