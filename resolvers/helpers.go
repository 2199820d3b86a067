package resolvers

import (
	"strconv"

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

// clearLimits removes (sets to "", which the domain reads as "no limit")
// each limit list names, among those the entity has; a limit the same
// input also gives a new value is refused, naming the clear item.
func clearLimits(list []model.ScopeLimit, limits map[model.ScopeLimit]**string) error {
	for i, l := range list {
		field := "clear[" + strconv.Itoa(i) + "]"
		p, ok := limits[l]
		if !ok {
			return errs.InvalidField(field, "%s is not a limit of this entity", l)
		}
		if *p != nil && **p != "" {
			return errs.InvalidField(field, "%s is both given a value and cleared", l)
		}
		empty := ""
		*p = &empty
	}
	return nil
}

// contactOf is the domain form of an optional contact input.
func contactOf(in *model.ContactInput) *user.Contact {
	if in == nil {
		return nil
	}
	return &user.Contact{Value: in.Value, Validated: deref(in.Validated)}
}

// userIDOf is the id of u, or nil.
func userIDOf(u *user.User) *string {
	if u == nil {
		return nil
	}
	return &u.ID
}
