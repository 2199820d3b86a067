package openloyalty

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/rest/storebox"
)

// formFields are the children of the customer form, as the seed's error
// bodies list them; compound fields have their own children.
var formFields = []string{"firstName", "lastName", "gender", "email", "phone", "birthDate", "address", "company",
	"loyaltyCardNumber", "labels", "posId", "sellerId"}

var formChildren = map[string][]string{
	"address": {"street", "address1", "address2", "postal", "city", "province", "country"},
	"company": {"name", "nip"},
}

// Fields names the domain's canonical field paths as Open Loyalty's form
// paths; a path not listed keeps its name ("address.city" is the city of
// the address form).
var Fields = errs.FieldMap{}

// formErrorBody is the Symfony form error body of the seed: every child
// of the form, with the errors of the child at fault, and the errors of the
// form itself. Its members are in the order the encoder writes them
// (a map's keys sorted), as the body was first written.
type formErrorBody struct {
	// Errors are the errors of the whole form, not of one field.
	Errors []string `json:"errors"`
	Form   formRoot `json:"form"`
}

// formRoot is the customer form: one child per field.
type formRoot struct {
	Children map[string]formChild `json:"children"`
}

// formChild is a field of the form: its errors, or, for address and
// company, their own fields.
type formChild struct {
	Children map[string]formLeaf `json:"children,omitempty"`
	Errors   []string            `json:"errors,omitempty"`
}

// formLeaf is a field of address or company.
type formLeaf struct {
	Errors []string `json:"errors,omitempty"`
}

// formBody is the form error body naming field (a canonical path) with
// message; no field puts message in the form's own errors.
func formBody(field, message string) formErrorBody {
	children := map[string]formChild{}
	for _, f := range formFields {
		if sub, ok := formChildren[f]; ok {
			c := map[string]formLeaf{}
			for _, s := range sub {
				c[s] = formLeaf{}
			}
			children[f] = formChild{Children: c}
			continue
		}
		children[f] = formChild{}
	}
	top := []string{}
	name := Fields.Name(field)
	parent, child, nested := strings.Cut(name, ".")
	switch {
	case name == "":
		top = append(top, message)
	case nested:
		p := children[parent]
		if p.Children == nil {
			p = formChild{Children: map[string]formLeaf{}}
		}
		p.Children[child] = formLeaf{Errors: []string{message}}
		children[parent] = p
	default:
		children[name] = formChild{Errors: []string{message}}
	}
	return formErrorBody{Form: formRoot{Children: children}, Errors: top}
}

// messageBody is the body of the seed's authentication and other errors.
type messageBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// WriteError writes err in Open Loyalty's shape: invalid input and taken
// values (uniqueness is a form error in Symfony) as the form body with
// 400, the rest as {code, message}.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := errs.As(err)
	if e.Code == errs.Internal {
		log.ErrorContext(r.Context(), "request failed", "err", err, "path", r.URL.Path)
	}
	if s := e.RetryAfterSeconds(); s > 0 { // 429 and 503
		w.Header().Set("Retry-After", strconv.Itoa(s))
	}
	if e.Code == errs.Invalid || (e.Code == errs.Conflict && e.Field != "") {
		storebox.WriteJSON(w, http.StatusBadRequest, formBody(e.Field, e.Message))
		return
	}
	status := storebox.Status(e.Code)
	msg := e.Message
	switch e.Code {
	case errs.Forbidden:
		msg = "Access Denied."
	case errs.Unauthenticated:
		if e == errs.ErrUnauthenticated {
			msg = "JWT Token not found"
		}
	}
	storebox.WriteJSON(w, status, messageBody{Code: status, Message: msg})
}

// gate lets through requests whose principal is of one of kinds: the role
// of the path (/admin, /seller, /customer). No token is 401; a token of
// another role is 403.
// h may be nil while the table is described; its log is read per request.
func gate(h *Handler, kinds []auth.Kind, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log := h.log
		if err := auth.RefusalFrom(r.Context()); err != nil {
			WriteError(w, r, log, err)
			return
		}
		p := auth.FromContext(r.Context())
		if p == nil {
			WriteError(w, r, log, errs.ErrUnauthenticated)
			return
		}
		if !p.Is(kinds...) {
			WriteError(w, r, log, errs.ErrForbidden)
			return
		}
		next(w, r)
	})
}
