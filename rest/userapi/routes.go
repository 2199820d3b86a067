// Package userapi serves the Storebox User API (seed 000) on its legacy
// paths under /api/v1. Every handler decodes the legacy request, calls the
// same resolver operation as GraphQL, and encodes the legacy response.
package userapi

import (
	"log/slog"
	"net/http"

	"loyaltygraph/resolvers"
	"loyaltygraph/rest/storebox"
)

// Handler serves the User API family.
type Handler struct {
	res *resolvers.Resolver
	log *slog.Logger
}

// Register adds the whole surface of the family to mux.
func Register(mux *http.ServeMux, res *resolvers.Resolver, log *slog.Logger) {
	h := &Handler{res: res, log: log}
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
