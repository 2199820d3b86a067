// Package errs holds the one error type that every bounded context returns,
// so that each edge (REST family, GraphQL) maps it to its own shape once.
package errs

import (
	"errors"
	"fmt"
	"strings"
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
	// TooLarge: the request body is larger than the endpoint accepts.
	TooLarge Code = "too_large"
)

// Error is a domain error: a code, a message fit for the caller, and the
// input field it concerns, if any.
type Error struct {
	Code    Code
	Message string
	Field   string
	// RetryAfter is set on RateLimited errors, and on Unavailable ones
	// that know when to try again (RetryAfterSeconds gives the default).
	RetryAfter time.Duration
}

// UnavailableRetryAfter is how long a caller is told to wait when a
// dependency (PostgreSQL, Redis) is down and the error names no time: the
// service probes a dependency it knows is down more often than that.
const UnavailableRetryAfter = 2 * time.Second

// RetryAfterSeconds is the Retry-After of e in whole seconds, rounded up:
// its RetryAfter on RateLimited and Unavailable errors (at least
// UnavailableRetryAfter for Unavailable ones that name none), else 0.
func (e *Error) RetryAfterSeconds() int {
	if e == nil {
		return 0
	}
	d := e.RetryAfter
	switch e.Code {
	case RateLimited:
	case Unavailable:
		if d <= 0 {
			d = UnavailableRetryAfter
		}
	default:
		return 0
	}
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
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

// Field paths. An Error's Field is a canonical path of the domain, not the
// name one API family gives it: dot-separated segments, the entity first
// ("merchant.name", "period.end"), and list items indexed ("products[2].name",
// "transactions[1].amount"). Each edge maps paths once, through its own
// FieldMap, to the names its callers know (Storebox REST names, GraphQL
// input paths, Open Loyalty form paths, Centra's error keys).

// Item returns err with its field placed under item i of list: "name"
// becomes "list[i].name", no field becomes "list[i]". Errors other than
// Invalid and Conflict are returned as they are.
func Item(list string, i int, err error) error {
	e := As(err)
	if err == nil || (e.Code != Invalid && e.Code != Conflict) {
		return err
	}
	out := *e
	out.Field = fmt.Sprintf("%s[%d]", list, i)
	if e.Field != "" {
		out.Field += "." + e.Field
	}
	return &out
}

// FieldMap maps canonical field paths to the names one edge shows. A key
// is a path without list items: either a whole path ("period.end") or the
// name of a list ("products"); a path that has no key keeps its canonical
// name. A list mapped to "" drops its name and keeps the index ("[2].name"),
// as when the list is the whole request body.
type FieldMap map[string]string

// Name returns the edge's name for the canonical path p.
func (m FieldMap) Name(p string) string {
	if p == "" {
		return ""
	}
	if name, ok := m[p]; ok {
		return name
	}
	// "list[i].rest": map the list name and, recursively, the rest.
	open := strings.IndexByte(p, '[')
	if open < 0 {
		return p
	}
	closing := strings.IndexByte(p[open:], ']')
	if closing < 0 {
		return p
	}
	list, index, rest := p[:open], p[open:open+closing+1], p[open+closing+1:]
	if name, ok := m[list]; ok {
		list = name
	}
	if r, ok := strings.CutPrefix(rest, "."); ok {
		return list + index + "." + m.Name(r)
	}
	return list + index + rest
}
