package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	loyaltyops "loyaltygraph/app/loyalty"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/secret"
)

// DefaultPartnerKeyMaxLifetime bounds the lifetime of a JWT-wrapped key
// (exp − iat) unless Deps.PartnerKeyMaxLifetime says otherwise.
const DefaultPartnerKeyMaxLifetime = 5 * time.Minute

// keyLeeway is the clock skew allowed between a partner and us.
const keyLeeway = 30 * time.Second

// authenticate puts the principal of the request's credentials into the
// context. A request without credentials goes on anonymously; one whose
// credentials are refused goes on with the refusal recorded, and each edge
// answers it in its own shape.
func authenticate(svc *auth.Service, tokens *secret.UserTokens, log *slog.Logger, now func() time.Time, maxKeyLifetime time.Duration, loyaltyTokens *secret.LoyaltyTokens) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			header := r.Header.Get("Authorization")
			userToken := r.Header.Get("X-Storebox-user-token")
			if bearer, ok := strings.CutPrefix(header, "Bearer "); ok && userToken == "" && secret.LooksLikeUserToken(bearer) {
				userToken, header = bearer, ""
			}
			if header == "" && userToken == "" {
				next.ServeHTTP(w, r)
				return
			}
			var p *auth.Principal
			var err error
			if bearer, ok := strings.CutPrefix(header, "Bearer "); ok && loyaltyTokens != nil && secret.LooksLikeLoyaltyToken(bearer) {
				// An Open Loyalty token (RS256) of an admin, seller or
				// customer (seed 003).
				p, err = loyaltyPrincipal(loyaltyTokens, strings.TrimSpace(bearer))
				header = ""
			}
			if header != "" {
				// SECURITY: partner credentials are checked first, and a
				// bad one is refused (401) whatever token comes with it.
				p, err = principalOf(r, header, svc, now, maxKeyLifetime)
			}
			if err == nil && userToken != "" && (p == nil || p.Kind != auth.KindCustomer) {
				p, err = withUserToken(p, tokens, userToken)
			}
			ctx := r.Context()
			if err != nil {
				// A refused credential is the caller's doing (its answer
				// says why); only a failure of ours is an error.
				if errs.CodeOf(err) == errs.Internal {
					log.ErrorContext(ctx, "authenticate", "err", err)
				}
				ctx = auth.WithRefusal(ctx, err)
			} else {
				ctx = auth.WithPrincipal(ctx, p)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// withUserToken applies an end user's access token to the principal of the
// request's other credentials, p (nil when there are none). Alone, the
// token makes the end user the principal. With a partner's credentials, the
// principal is the partner narrowed to the token's user, which must be the
// partner's. With other credentials, the end user is the principal.
//
// SECURITY: an invalid or expired token is refused with "Invalid security
// token" (403, the seeds' status table); a token of another partner's user
// is refused as bad partner credentials (401).
func withUserToken(p *auth.Principal, tokens *secret.UserTokens, token string) (*auth.Principal, error) {
	u, err := endUser(tokens, token)
	if err != nil {
		return nil, err
	}
	if p == nil || p.Kind != auth.KindPartner {
		return u, nil
	}
	if p.CredentialID != u.ProviderID {
		return nil, errs.E(errs.Unauthenticated, "the user token belongs to another partner")
	}
	narrowed := *p
	narrowed.UserID, narrowed.ProviderID = u.UserID, u.ProviderID
	return &narrowed, nil
}

// errInvalidUserToken answers an end user's token that is malformed,
// forged or expired.
var errInvalidUserToken = errs.E(errs.Forbidden, "Invalid security token")

// endUser checks an end user's access token.
func endUser(tokens *secret.UserTokens, token string) (*auth.Principal, error) {
	userID, msisdn, providerID, err := tokens.Parse(strings.TrimSpace(token))
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Unavailable || c == errs.Internal {
			return nil, err
		}
		return nil, errInvalidUserToken
	}
	return &auth.Principal{Kind: auth.KindUser, Name: msisdn, Username: userID, UserID: userID, ProviderID: providerID}, nil
}

func principalOf(r *http.Request, header string, svc *auth.Service, now func() time.Time, maxKeyLifetime time.Duration) (*auth.Principal, error) {
	scheme, value, _ := strings.Cut(header, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		user, secret, ok := r.BasicAuth()
		if !ok {
			return nil, errs.E(errs.Unauthenticated, "malformed basic credentials")
		}
		return svc.AuthenticateBasicFrom(r.Context(), clientAddr(r), user, secret)
	case "bearer":
		return partnerKey(r.Context(), strings.TrimSpace(value), r, svc, now, maxKeyLifetime)
	default:
		return nil, errs.E(errs.Unauthenticated, "unsupported authorization scheme")
	}
}

// clientAddr is the address the request came from: the peer's IP address.
// Forwarding headers are not trusted, since any client can set them.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// keyClaims are the claims of a partner's JWT-wrapped key: iss is the
// username, sub the request path, method the HTTP method, iat and exp the
// key's lifetime (at most the configured maximum, 5 minutes by default),
// and jti a unique id (for example 16 random bytes in hex) that makes the
// key good for one request.
type keyClaims struct {
	Method string `json:"method"`
	jwt.RegisteredClaims
}

// partnerKey checks a JWT-wrapped key: HS256 signed with the partner's
// secret, bound to this request's path and method, short-lived, and used
// once.
//
// SECURITY: iat, exp and jti are required; exp − iat and exp − now are at
// most maxKeyLifetime; iat is not in the future (beyond the leeway); a jti
// seen before from the same partner is refused until the key expires.
func partnerKey(ctx context.Context, token string, r *http.Request, svc *auth.Service, now func() time.Time, maxKeyLifetime time.Duration) (*auth.Principal, error) {
	if token == "" || len(token) > 4096 {
		return nil, errs.E(errs.Unauthenticated, "malformed bearer token")
	}
	var principal *auth.Principal
	var lookupErr error
	claims := &keyClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		iss, _ := t.Claims.GetIssuer()
		p, secret, err := svc.PartnerSecret(ctx, iss)
		if err != nil {
			lookupErr = err
			return nil, err
		}
		principal = p
		return secret, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(now),
		jwt.WithLeeway(keyLeeway),
	)
	if lookupErr != nil && errs.CodeOf(lookupErr) != errs.Unauthenticated {
		return nil, lookupErr
	}
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return nil, errs.E(errs.Unauthenticated, "token expired")
		}
		return nil, errs.E(errs.Unauthenticated, "invalid token")
	}
	if claims.Subject != r.URL.Path || !strings.EqualFold(claims.Method, r.Method) {
		return nil, errs.E(errs.Unauthenticated, "token is not for this request")
	}
	if claims.IssuedAt == nil {
		return nil, errs.E(errs.Unauthenticated, "the key must have an iat claim")
	}
	if claims.ExpiresAt.Sub(claims.IssuedAt.Time) > maxKeyLifetime || claims.ExpiresAt.Sub(now()) > maxKeyLifetime {
		return nil, errs.E(errs.Unauthenticated, "token lifetime is longer than %s", maxKeyLifetime)
	}
	// Remember the id until the key could no longer pass exp.
	ttl := claims.ExpiresAt.Sub(now()) + keyLeeway
	if err := svc.UseKeyID(ctx, principal.Username, claims.ID, ttl); err != nil {
		return nil, err
	}
	wrapped := *principal
	wrapped.KeyWrapped = true
	return &wrapped, nil
}

// loyaltyPrincipal checks an Open Loyalty token and returns its principal.
func loyaltyPrincipal(tokens *secret.LoyaltyTokens, token string) (*auth.Principal, error) {
	c, err := tokens.Parse(token)
	if err != nil {
		return nil, err
	}
	return loyaltyops.PrincipalOf(c)
}

// streamCredentials checks the credentials of a subscription connection,
// given as request headers (a connection_init payload's), with the same
// middleware as every request, and returns ctx carrying their principal.
// No credentials at all leave the caller anonymous, for each operation to
// refuse by its rule.
//
// SECURITY: a JWT-wrapped partner key is good for one request, so it
// cannot authenticate a connection whose credentials are checked again for
// every subscription: partners use Basic credentials (with a user token
// when they act for one user) on subscriptions.
func streamCredentials(authn middleware) func(ctx context.Context, h http.Header) (context.Context, error) {
	return func(ctx context.Context, h http.Header) (context.Context, error) {
		r, err := http.NewRequestWithContext(auth.WithPrincipal(ctx, nil), http.MethodGet, "/graphql", nil)
		if err != nil {
			return ctx, err
		}
		r.Header = h.Clone()
		if addr, ok := ctx.Value(streamAddrKey{}).(string); ok {
			r.RemoteAddr = addr // failed logins count against the caller's address
		}
		var out context.Context
		authn(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { out = r.Context() })).ServeHTTP(nil, r)
		if err := auth.RefusalFrom(out); err != nil {
			return ctx, err
		}
		p := auth.FromContext(out)
		if p != nil && p.KeyWrapped {
			return ctx, errs.E(errs.Unauthenticated, "a JWT-wrapped key is good for one request: authenticate subscriptions with Basic credentials or a user token")
		}
		return auth.WithPrincipal(ctx, p), nil
	}
}

type streamAddrKey struct{}

// withStreamAddr keeps a stream's peer address in its context, for
// streamCredentials.
func withStreamAddr(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), streamAddrKey{}, r.RemoteAddr)))
	})
}
