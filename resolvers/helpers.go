package resolvers

import (
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
