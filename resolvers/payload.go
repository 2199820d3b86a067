package resolvers

import (
	"loyaltygraph/domain/errs"
	"loyaltygraph/graph/model"
)

// inputFields names the domain's canonical field paths as the GraphQL
// schema's arguments and input fields; a path not listed keeps its name.
var inputFields = errs.FieldMap{
	"avatar.file":          "file",
	"merchant.id":          "merchantId",
	"merchant.name":        "merchantName",
	"merchant.status":      "merchantStatus",
	"period.start":         "startDate",
	"period.end":           "endDate",
	"settleRun.merchantId": "merchantId",
	"user.phone":           "phonenumber",
}

// FieldName returns the GraphQL input path of a domain error's field.
func FieldName(canonical string) string { return inputFields.Name(canonical) }

// userErrors splits err into the userErrors of a mutation payload, for what
// the caller can fix, and a top-level error for the rest (authentication,
// permission, outages).
func userErrors(err error) ([]*model.UserError, error) {
	e := errs.As(err)
	var code model.UserErrorCode
	switch e.Code {
	case errs.Invalid:
		code = model.UserErrorCodeInvalid
	case errs.NotFound:
		code = model.UserErrorCodeNotFound
	case errs.Conflict:
		code = model.UserErrorCodeConflict
	default:
		return nil, err
	}
	ue := &model.UserError{Code: code, Message: e.Message}
	if e.Field != "" {
		f := FieldName(e.Field)
		ue.Field = &f
	}
	return []*model.UserError{ue}, nil
}

// noUserErrors is the empty, non-null list of a successful payload.
func noUserErrors() []*model.UserError { return []*model.UserError{} }

// payload builds a mutation payload from an operation's result: v and no
// userErrors on success, the userErrors on a fixable failure, and a
// top-level error (null payload) for the rest, such as authorization.
func payload[T, P any](v T, err error, build func(T, []*model.UserError) P) (P, error) {
	if err != nil {
		ue, err := userErrors(err)
		var zero T
		return build(zero, ue), err
	}
	return build(v, noUserErrors()), nil
}

// deletedPayload builds the payload of a delete: the id on success.
func deletedPayload[P any](id string, err error, build func(*string, []*model.UserError) P) (P, error) {
	return payload(&id, err, build)
}
