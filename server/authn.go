package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/secret"
)

// maxKeyLifetime bounds how far in the future a JWT-wrapped key may expire,
// which bounds how long a captured one can be replayed.
const maxKeyLifetime = time.Hour

// authenticate puts the principal of the request's credentials into the
// context. A request without credentials goes on anonymously; one whose
// credentials are refused goes on with the refusal recorded, and each edge
// answers it in its own shape.
func authenticate(svc *auth.Service, tokens *secret.UserTokens, log *slog.Logger, now func() time.Time) middleware {
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
			if userToken != "" {
				// An end user's token restricts the request to that user,
				// whatever partner credentials come with it.
				p, err = endUser(tokens, userToken)
			} else {
				p, err = principalOf(r, header, svc, now)
			}
			ctx := r.Context()
			if err != nil {
				if c := errs.CodeOf(err); c != errs.Unauthenticated && c != errs.Unavailable {
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

// endUser checks an end user's access token.
func endUser(tokens *secret.UserTokens, token string) (*auth.Principal, error) {
	userID, msisdn, providerID, err := tokens.Parse(strings.TrimSpace(token))
	if err != nil {
		return nil, err
	}
	return &auth.Principal{Kind: auth.KindUser, Name: msisdn, Username: userID, UserID: userID, ProviderID: providerID}, nil
}

func principalOf(r *http.Request, header string, svc *auth.Service, now func() time.Time) (*auth.Principal, error) {
	scheme, value, _ := strings.Cut(header, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		user, secret, ok := r.BasicAuth()
		if !ok {
			return nil, errs.E(errs.Unauthenticated, "malformed basic credentials")
		}
		return svc.AuthenticateBasic(r.Context(), user, secret)
	case "bearer":
		return partnerKey(r.Context(), strings.TrimSpace(value), r, svc, now)
	default:
		return nil, errs.E(errs.Unauthenticated, "unsupported authorization scheme")
	}
}

// keyClaims are the claims of a partner's JWT-wrapped key: iss is the
// username, sub the request path, method the HTTP method.
type keyClaims struct {
	Method string `json:"method"`
	jwt.RegisteredClaims
}

// partnerKey checks a JWT-wrapped key: HS256 signed with the partner's
// secret, bound to this request's path and method, and short-lived.
func partnerKey(ctx context.Context, token string, r *http.Request, svc *auth.Service, now func() time.Time) (*auth.Principal, error) {
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
		jwt.WithTimeFunc(now),
		jwt.WithLeeway(30*time.Second),
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
	if claims.ExpiresAt.Sub(now()) > maxKeyLifetime {
		return nil, errs.E(errs.Unauthenticated, "token lifetime is longer than %s", maxKeyLifetime)
	}
	return principal, nil
}
