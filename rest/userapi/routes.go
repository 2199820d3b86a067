// Package userapi serves the Storebox User API (seed 000) on its legacy
// paths under /api/v1. Every handler decodes the legacy request, calls the
// same application-layer operation as GraphQL, and encodes the legacy response.
package userapi

import (
	"context"
	"log/slog"
	"net/http"

	"loyaltygraph/domain/user"
	"loyaltygraph/rest/openapi"
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
	openapi.Register(mux, operations(h), nil)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	storebox.WriteError(w, r, h.log, err)
}
