// Package errs holds the one error type that every bounded context returns,
// so that each edge (REST family, GraphQL) maps it to its own shape once.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error. The list is append-only.
type Code string

// The error codes.
const (
	Invalid         Code = "invalid"
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	Unauthenticated Code = "unauthenticated"
	Forbidden       Code = "forbidden"
	Unavailable     Code = "unavailable"
	Internal        Code = "internal"
	// RateLimited: too many attempts; Error.RetryAfter says when to retry.
	RateLimited Code = "rate_limited"
	// Gone: the thing existed but is used up or expired (a used link code).
	Gone Code = "gone"
)

// Error is a domain error: a code, a message fit for the caller, and the
// input field it concerns, if any.
type Error struct {
	Code    Code
	Message string
	Field   string
	// RetryAfter is set on RateLimited errors.
	RetryAfter time.Duration
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// E builds an error with a code and a message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidField reports bad input in one field.
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf reports a missing resource.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Code: NotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflictf reports a clash with existing state, such as a duplicate id.
func Conflictf(field, format string, args ...any) *Error {
	return &Error{Code: Conflict, Field: field, Message: fmt.Sprintf(format, args...)}
}

// RateLimitedf reports that the caller must wait retryAfter before trying
// again.
func RateLimitedf(retryAfter time.Duration, format string, args ...any) *Error {
	return &Error{Code: RateLimited, Message: fmt.Sprintf(format, args...), RetryAfter: retryAfter}
}

// ErrUnauthenticated is returned when no valid credentials were presented.
var ErrUnauthenticated = &Error{Code: Unauthenticated, Message: "authentication required"}

// ErrForbidden is returned when the principal may not do what it asked.
var ErrForbidden = &Error{Code: Forbidden, Message: "access denied"}

// internalMessage is what callers see for any error that is not an *Error;
// the detail goes to the log only.
const internalMessage = "internal error"

// As returns err as an *Error. Any other error becomes Internal with a fixed
// message; callers log the original.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Message: internalMessage}
}

// CodeOf returns the code of err, Internal for foreign errors and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	return As(err).Code
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }
