package resolvers

import (
	"context"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/user"
	"loyaltygraph/graph/model"
)

// deref returns the value behind p, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// nullIfNotFound turns a not-found error into a null result, as GraphQL
// queries answer for missing objects.
func nullIfNotFound[T any](v *T, err error) (*T, error) {
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	return v, err
}

func (r *Resolver) signupPayload(res user.SignupResult, u *user.User, err error) (*model.SignupPayload, error) {
	if err != nil {
		ue, err := userErrors(err)
		return &model.SignupPayload{UserErrors: ue}, err
	}
	return &model.SignupPayload{Result: &res, User: u, UserErrors: noUserErrors()}, nil
}

// settingsTarget is the partner whose settings a caller may set.
// SECURITY: a partner sets its own; an admin names a partner.
func (r *Resolver) settingsTarget(ctx context.Context, partnerUsername string) (int64, error) {
	p := auth.FromContext(ctx)
	switch {
	case p == nil:
		return 0, errs.ErrUnauthenticated
	case p.Kind == auth.KindPartner:
		if partnerUsername != "" && partnerUsername != p.Username {
			return 0, errs.ErrForbidden
		}
		return p.CredentialID, nil
	case p.IsAdmin():
		if partnerUsername == "" {
			return 0, errs.InvalidField("partnerUsername", "partnerUsername is required for admins")
		}
		target, err := r.auth.FindPartner(ctx, partnerUsername)
		if errs.Is(err, errs.NotFound) {
			return 0, errs.InvalidField("partnerUsername", "no partner with this username")
		}
		if err != nil {
			return 0, err
		}
		return target.CredentialID, nil
	default:
		return 0, errs.ErrForbidden
	}
}
