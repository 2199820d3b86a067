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
	return payload(u, err, func(u *user.User, ue []*model.UserError) *model.SignupPayload {
		p := &model.SignupPayload{User: u, UserErrors: ue}
		if err == nil {
			p.Result = &res
		}
		return p
	})
}
