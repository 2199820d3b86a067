package secret

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"loyaltygraph/domain/errs"
)

// User tokens are the access tokens of the User API's OTP login: HS256
// JWTs whose sub is the JSON string {"userId": …, "msisdn": …}, as in the
// seed's sample.
const (
	userTokenIssuer   = "loyaltygraph"
	userTokenAudience = "storebox-user"
	// UserTokenTTL is how long an access token is valid.
	UserTokenTTL = time.Hour
)

// UserTokens issues and checks end-user access tokens.
type UserTokens struct {
	key []byte
	now func() time.Time
	ttl time.Duration
}

// NewUserTokens derives the signing key from the server key.
func NewUserTokens(serverKey []byte, now func() time.Time) (*UserTokens, error) {
	if len(serverKey) < MinKeyLength {
		return nil, errors.New("server key too short")
	}
	key, err := hkdf.Key(sha256.New, serverKey, nil, "loyaltygraph user token v1", 32)
	if err != nil {
		return nil, err
	}
	return &UserTokens{key: key, now: now, ttl: UserTokenTTL}, nil
}

// userClaims carry, besides the seed's sub, the id of the partner that owns
// the user, so a request needs no look-up to scope it.
type userClaims struct {
	ProviderID int64 `json:"pid"`
	jwt.RegisteredClaims
}

type userSubject struct {
	UserID string `json:"userId"`
	MSISDN string `json:"msisdn"`
}

// Issue returns an access token for the user of the partner providerID.
func (t *UserTokens) Issue(userID, msisdn string, providerID int64) (string, error) {
	sub, err := json.Marshal(userSubject{UserID: userID, MSISDN: msisdn})
	if err != nil {
		return "", err
	}
	now := t.now()
	claims := userClaims{ProviderID: providerID, RegisteredClaims: jwt.RegisteredClaims{
		Subject:   string(sub),
		Issuer:    userTokenIssuer,
		Audience:  jwt.ClaimStrings{userTokenAudience},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.key)
}

// Parse checks a token (algorithm pinned to HS256, issuer, audience,
// expiry) and returns its user id, MSISDN and partner. Anything wrong is
// Unauthenticated.
func (t *UserTokens) Parse(token string) (userID, msisdn string, providerID int64, err error) {
	if token == "" || len(token) > 4096 {
		return "", "", 0, errs.E(errs.Unauthenticated, "invalid user token")
	}
	claims := &userClaims{}
	_, err = jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(userTokenIssuer),
		jwt.WithAudience(userTokenAudience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return "", "", 0, errs.E(errs.Unauthenticated, "user token expired")
		}
		return "", "", 0, errs.E(errs.Unauthenticated, "invalid user token")
	}
	var sub userSubject
	if err := json.Unmarshal([]byte(claims.Subject), &sub); err != nil || sub.UserID == "" || claims.ProviderID == 0 {
		return "", "", 0, errs.E(errs.Unauthenticated, "invalid user token")
	}
	return sub.UserID, sub.MSISDN, claims.ProviderID, nil
}

// LooksLikeUserToken reports whether a bearer token is a user token rather
// than a partner's JWT-wrapped key, by its unverified audience.
func LooksLikeUserToken(token string) bool {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return false
	}
	aud, _ := claims.GetAudience()
	for _, a := range aud {
		if a == userTokenAudience {
			return true
		}
	}
	return false
}
