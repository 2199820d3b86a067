// Package storebox holds what the three Storebox REST families (User API,
// Receipt Data API, Loyalty Settlement API) share: their JSON error body
// {"code","message","field"}, their status codes, and JSON decoding that
// names the offending field.
package storebox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/rest/openapi"
)

// ErrorBody is the error response of the Storebox families.
type ErrorBody struct {
	Code    string `json:"code" doc:"invalid, unauthenticated, forbidden, not_found, conflict, gone, too_large, rate_limited, unavailable or internal."`
	Message string `json:"message" doc:"What went wrong, for a person."`
	Field   string `json:"field,omitempty" doc:"The request member at fault, as the family names it (phonenumber, parms[1].value, ...)."`
}

// Status returns the documented HTTP status for an error code.
func Status(code errs.Code) int {
	switch code {
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	case errs.RateLimited:
		return http.StatusTooManyRequests
	case errs.Gone:
		return http.StatusGone
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	default:
		return http.StatusInternalServerError
	}
}

// Fields names the domain's canonical field paths as the Storebox families
// document them; a path not listed keeps its name.
var Fields = errs.FieldMap{
	"merchant.id":          "merchantId",
	"merchant.name":        "merchantName",
	"merchant.status":      "merchantStatus",
	"period.start":         "startdate",
	"period.end":           "enddate",
	"settleRun.merchantId": "externalMerchantId",
	"user.phone":           "phonenumber",
	// Bulk bodies are the list itself: "[2].productNumber".
	"products":        "",
	"blockedProducts": "",
}

// WriteError writes err in the Storebox shape. Errors that are not domain
// errors are logged and answered with a fixed internal message.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := errs.As(err)
	if e.Code == errs.Internal {
		log.ErrorContext(r.Context(), "request failed", "err", err, "path", r.URL.Path)
	}
	// A 429 says when to try again, and so does a 503 (a dependency
	// is down; it is probed more often than that).
	if s := e.RetryAfterSeconds(); s > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(s))
	}
	// SECURITY: no WWW-Authenticate challenge on 401: a Basic challenge
	// makes browsers prompt, cache the credentials and send them with
	// requests that other sites trigger.
	WriteJSON(w, Status(e.Code), ErrorBody{Code: string(e.Code), Message: e.Message, Field: Fields.Name(e.Field)})
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// DecodeJSON reads one JSON object from the request body into v. Errors name
// the field at fault and are Invalid, so they answer 400.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json") {
		return errs.InvalidField("Content-Type", "request body must be application/json")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return decodeError(err)
	}
	if err := checkText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return errs.E(errs.Invalid, "request body must hold a single JSON value")
	}
	return nil
}

// checkText refuses a body with a string (or member name) that holds a NUL
// character or invalid UTF-8, naming where it is, as in "parms[1].value".
// Neither can be stored as text, and encoding/json would silently turn
// invalid UTF-8 into U+FFFD. A body that is not valid JSON passes: decoding
// reports it.
func checkText(body []byte) error {
	if utf8.Valid(body) && !bytes.Contains(body, []byte(`\u0000`)) {
		return nil
	}
	type frame struct {
		object, wantKey bool
		key             string
		index           int
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.object {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				fmt.Fprintf(&b, "[%d]", f.index)
			}
		}
		return b.String()
	}
	// valueDone moves the innermost container past the value just read.
	valueDone := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var prev int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		raw := body[prev:dec.InputOffset()]
		prev = dec.InputOffset()
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			n := len(stack)
			isKey := n > 0 && stack[n-1].object && stack[n-1].wantKey
			if isKey {
				stack[n-1].key, stack[n-1].wantKey = t, false
			}
			if strings.ContainsRune(t, 0) || !utf8.Valid(raw) {
				field := path()
				if field == "" {
					return errs.E(errs.Invalid, "request body must not contain NUL characters or invalid UTF-8")
				}
				return errs.InvalidField(field, "%s must not contain NUL characters or invalid UTF-8", field)
			}
			if !isKey {
				valueDone()
			}
		default:
			valueDone()
		}
	}
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return errs.E(errs.Invalid, "request body must be a JSON %s", jsonKind(typeErr.Type.Kind().String()))
		}
		return errs.InvalidField(field, "%s must be %s", field, jsonKind(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr):
		return errs.E(errs.Invalid, "request body is not valid JSON (at byte %d)", syntaxErr.Offset)
	case errors.As(err, &maxErr):
		return errs.E(errs.Invalid, "request body is larger than %d bytes", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return errs.E(errs.Invalid, "request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.E(errs.Invalid, "request body is not valid JSON (unexpected end)")
	default:
		var fieldErr *FieldError
		if errors.As(err, &fieldErr) {
			return errs.InvalidField(fieldErr.Field, "%s", fieldErr.Message)
		}
		return errs.E(errs.Invalid, "request body is not valid JSON")
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int32", "int64", "uint", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	default:
		return "of another type"
	}
}

// FieldError is returned by custom JSON unmarshalers to name their field.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

// QueryInt reads an optional non-negative integer query parameter.
func QueryInt(r *http.Request, name string, def, max int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > max {
		return 0, errs.InvalidField(name, "%s must be an integer between 0 and %d", name, max)
	}
	return n, nil
}

// Page reads the offset and limit query parameters of a Storebox list:
// offset from 0 (default 0), limit from 0 to max (default max).
func Page(r *http.Request, max int) (offset, limit int, err error) {
	if offset, err = QueryInt(r, "offset", 0, 1<<31-1); err != nil {
		return 0, 0, err
	}
	limit, err = QueryInt(r, "limit", max, max)
	return offset, limit, err
}

// Require wraps h so that it runs only for an authenticated principal;
// otherwise it answers 401 in the Storebox shape (or 503 when the credential
// store could not be reached).
func Require(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := auth.RefusalFrom(r.Context()); err != nil {
			WriteError(w, r, log, err)
			return
		}
		if auth.FromContext(r.Context()) == nil {
			WriteError(w, r, log, errs.ErrUnauthenticated)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Object is a decoded JSON object whose members are read one by one, so
// that absent, null and mistyped members are told apart and named.
type Object map[string]json.RawMessage

// DecodeObject reads the request body as one JSON object.
func DecodeObject(r *http.Request) (Object, error) {
	var obj Object
	if err := DecodeJSON(r, &obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, errs.E(errs.Invalid, "request body must be a JSON object")
	}
	return obj, nil
}

// String returns the string member field; present is false when the member
// is absent. A null or non-string member is an error naming the field.
func (o Object) String(field string) (value string, present bool, err error) {
	raw, ok := o[field]
	if !ok {
		return "", false, nil
	}
	if string(raw) == "null" {
		return "", true, errs.InvalidField(field, "%s must not be null", field)
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		return "", true, errs.InvalidField(field, "%s must be a string", field)
	}
	return value, true, nil
}

// Text returns a string member that may also be given as a JSON number,
// as phone numbers sometimes are.
func (o Object) Text(field string) (value string, present bool, err error) {
	raw, ok := o[field]
	if !ok {
		return "", false, nil
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil && n != "" {
		return n.String(), true, nil
	}
	return o.String(field)
}

// Bool returns the boolean member field; absent or null is false.
func (o Object) Bool(field string) (bool, error) {
	raw, ok := o[field]
	if !ok || string(raw) == "null" {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, errs.InvalidField(field, "%s must be true or false", field)
	}
	return b, nil
}

// Int returns the integer member field, or def when absent or null.
func (o Object) Int(field string, def int) (int, error) {
	raw, ok := o[field]
	if !ok || string(raw) == "null" {
		return def, nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, errs.InvalidField(field, "%s must be an integer", field)
	}
	return n, nil
}

// Decode decodes the member field into v; absent reports false.
func (o Object) Decode(field string, v any, what string) (bool, error) {
	raw, ok := o[field]
	if !ok || string(raw) == "null" {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, errs.InvalidField(field, "%s must be %s", field, what)
	}
	return true, nil
}

// Number is a decimal written as a bare JSON number, as the Storebox
// families document money and shares ("userShare": 7.5). It never passes
// through float64.
type Number decimal.Decimal

// MarshalJSON writes the exact decimal digits.
func (n Number) MarshalJSON() ([]byte, error) { return []byte(decimal.Decimal(n).String()), nil }

// UnmarshalJSON reads a JSON number (or a numeric string) exactly.
// OpenAPISchema: a Number is a JSON number, written exactly.
func (Number) OpenAPISchema() openapi.Schema { return openapi.Schema{"type": "number"} }

func (n *Number) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("not a decimal number")
	}
	*n = Number(d)
	return nil
}
