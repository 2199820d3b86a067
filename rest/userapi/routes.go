// Package userapi serves the Storebox User API (seed 000) on its legacy
// paths under /api/v1. Every handler decodes the legacy request, calls the
// same application-layer operation as GraphQL, and encodes the legacy response.
package userapi

import (
	"context"
	"log/slog"
	"net/http"

	"loyaltygraph/domain/user"
	"loyaltygraph/rest/storebox"
)

// Users are the User API operations this family calls (app/users).
type Users interface {
	AcceptTerms(ctx context.Context, code string) (*user.User, *user.PartnerSettings, error)
	CardTokenByPhone(ctx context.Context, phone string) (string, error)
	Delete(ctx context.Context, userID string) error
	Get(ctx context.Context, userID string) (*user.User, error)
	LinkCode(ctx context.Context, code string) (*user.Signup, error)
	RequestToken(ctx context.Context, phone string) error
	Signup(ctx context.Context, phone, memberID string, smsType user.SMSType) error
	SignupWithCard(ctx context.Context, in user.CardSignup, tokenTypeRequired bool) (user.SignupResult, *user.User, error)
	TermsPage(ctx context.Context, code string) (*user.Signup, *user.PartnerSettings, error)
	Update(ctx context.Context, userID string, upd user.Update) (*user.User, error)
	ValidateOTP(ctx context.Context, phone, code string) (*user.User, error)
	VerifyLinkCode(ctx context.Context, code, memberID string) (*user.User, error)
	VerifyToken(ctx context.Context, phone, code string) (string, error)
}

// Handler serves the User API family.
type Handler struct {
	users Users
	log   *slog.Logger
}

// Register adds the whole surface of the family to mux.
func Register(mux *http.ServeMux, users Users, log *slog.Logger) {
	h := &Handler{users: users, log: log}
	handle := func(pattern string, fn http.HandlerFunc) {
		mux.Handle(pattern, storebox.Require(log, fn))
	}
	handle("POST /api/v1/signup/card", h.signupWithCard)
	handle("POST /api/v1/signup/token", h.signupWithToken)
	handle("POST /api/v1/signup", h.signup)
	handle("GET /api/v1/linkcode/{linkCode}", h.linkCode)
	handle("POST /api/v1/linkcode/{linkCode}/verify", h.verifyLinkCode)
	handle("GET /api/v1/users/{userId}", h.getUser)
	handle("PUT /api/v1/users/{userId}", h.updateUser)
	handle("DELETE /api/v1/users/{userId}", h.deleteUser)
	handle("POST /api/v1/users/token", h.cardTokenByPhone)
	handle("POST /api/v1/otp/validate", h.validateOTP)
	handle("POST /api/v1/authenticate", h.requestToken)
	handle("POST /api/v1/authenticate/verify", h.verifyToken)

	// The terms page is for the end user who followed the SMS link: no
	// partner credentials, the link code is the capability.
	mux.HandleFunc("GET /api/v1/signup/terms", h.termsPage)
	mux.HandleFunc("POST /api/v1/signup/terms", h.acceptTerms)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	storebox.WriteError(w, r, h.log, err)
}
