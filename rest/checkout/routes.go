// Package checkout serves Centra's checkout API for user accounts (seed
// 004) under a configurable prefix (default /api/checkout). Every answer
// is the session JSON with its token; the client sends the token back in
// the API-Token header (any case), and a request without one, or with an
// unknown or expired one, gets a new session. Errors are
// {"token": ..., "errors": {"field": "message"}} with the seed's statuses
// (403 accessRight denied, 406 invalid input or wrong password, 409 taken
// e-mail). X-Correlation-ID is echoed. Every handler calls the same
// application-layer operation as GraphQL (app/checkout).
package checkout

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"loyaltygraph/domain/checkout"
	"loyaltygraph/domain/errs"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// DefaultPrefix is where the family is served unless configured.
const DefaultPrefix = "/api/checkout"

// TokenHeader carries the session token.
const TokenHeader = "API-Token"

// Ops are the operations this family calls (app/checkout).
type Ops interface {
	Open(ctx context.Context, token string) (*checkout.State, error)
	Register(ctx context.Context, st *checkout.State, in checkout.Registration) (*checkout.State, error)
	Login(ctx context.Context, st *checkout.State, client, email, password string) (*checkout.State, error)
	Logout(ctx context.Context, st *checkout.State) (*checkout.State, error)
	UpdateAddress(ctx context.Context, st *checkout.State, u checkout.AddressUpdate) (*checkout.State, error)
	UpdateEmail(ctx context.Context, st *checkout.State, email, password string) (*checkout.State, error)
	UpdatePassword(ctx context.Context, st *checkout.State, password, newPassword string) (*checkout.State, error)
	Orders(ctx context.Context, st *checkout.State, page *checkout.Page) ([]*checkout.Order, int, error)
	RequestPasswordReset(ctx context.Context, email, linkURI string) error
	ResetPassword(ctx context.Context, st *checkout.State, id, token, newPassword string) (*checkout.State, error)
	AddItem(ctx context.Context, st *checkout.State, item string, quantity int) (*checkout.State, error)
	RemoveItem(ctx context.Context, st *checkout.State, item string) (*checkout.State, error)
}

type handler struct {
	ops Ops
	log *slog.Logger
}

// sessionHandler serves one operation on the request's session.
type sessionHandler func(w http.ResponseWriter, r *http.Request, st *checkout.State, body storebox.Object) (*checkout.State, error)

// Register adds the family's routes under prefix to mux.
func Register(mux *http.ServeMux, prefix string, ops Ops, log *slog.Logger) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	prefix = strings.TrimRight(prefix, "/")
	h := &handler{ops: ops, log: log}
	openapi.Register(mux, operations(h, prefix), nil)
}

// correlationID returns the request's X-Correlation-ID when it is one
// worth echoing: 1 to 128 printable ASCII characters.
func correlationID(r *http.Request) string {
	v := r.Header.Get("X-Correlation-ID")
	if v == "" || len(v) > 128 {
		return ""
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return ""
		}
	}
	return v
}

// open echoes the correlation id, reads the body and opens the session of
// the request's token (a new one when it has none) before fn.
func (h *handler) open(fn func(w http.ResponseWriter, r *http.Request, st *checkout.State, body storebox.Object)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := correlationID(r); id != "" {
			w.Header().Set("X-Correlation-ID", id)
		}
		st, err := h.ops.Open(r.Context(), strings.TrimSpace(r.Header.Get(TokenHeader)))
		if err != nil {
			writeError(w, r, h.log, nil, err)
			return
		}
		body, err := readBody(r)
		if err != nil {
			writeError(w, r, h.log, st, err)
			return
		}
		fn(w, r, st, body)
	})
}

// session serves fn and answers with the session JSON of the state fn
// returns, or the error in the family's shape.
func (h *handler) session(fn sessionHandler) http.Handler {
	return h.open(func(w http.ResponseWriter, r *http.Request, st *checkout.State, body storebox.Object) {
		next, err := fn(w, r, st, body)
		if err != nil {
			writeError(w, r, h.log, st, err)
			return
		}
		storebox.WriteJSON(w, http.StatusOK, newSessionBody(next))
	})
}

// readBody reads the request's JSON object; an empty body is an empty
// object, as the seed's operations without input are posted bare.
func readBody(r *http.Request) (storebox.Object, error) {
	if r.Body == nil {
		return storebox.Object{}, nil
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if ok := asMaxBytes(err, &maxErr); ok {
			return nil, errs.E(errs.TooLarge, "request body is larger than %d bytes", maxErr.Limit)
		}
		return nil, errs.E(errs.Invalid, "request body could not be read")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return storebox.Object{}, nil
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	return storebox.DecodeObject(r)
}

// text reads an optional string member.
func text(body storebox.Object, field string) (string, error) {
	v, _, err := body.String(field)
	return v, err
}

// optional reads a string member that is changed only when present.
func optional(body storebox.Object, field string) (*string, error) {
	v, present, err := body.String(field)
	if err != nil || !present {
		return nil, err
	}
	return &v, nil
}

func addressUpdate(body storebox.Object) (checkout.AddressUpdate, error) {
	var u checkout.AddressUpdate
	for _, f := range []struct {
		name string
		dst  **string
	}{
		{"firstName", &u.FirstName}, {"lastName", &u.LastName}, {"address1", &u.Address1}, {"address2", &u.Address2},
		{"zipCode", &u.ZipCode}, {"city", &u.City}, {"state", &u.State}, {"country", &u.Country},
		{"phoneNumber", &u.PhoneNumber},
	} {
		v, err := optional(body, f.name)
		if err != nil {
			return u, err
		}
		*f.dst = v
	}
	if _, ok := body["newsletter"]; ok {
		b, err := body.Bool("newsletter")
		if err != nil {
			return u, err
		}
		u.Newsletter = &b
	}
	return u, nil
}

func (h *handler) register(_ http.ResponseWriter, r *http.Request, st *checkout.State, body storebox.Object) (*checkout.State, error) {
	var in checkout.Registration
	var err error
	if in.Email, err = text(body, "email"); err != nil {
		return nil, err
	}
	if in.Password, err = text(body, "password"); err != nil {
		return nil, err
	}
	if in.AddressUpdate, err = addressUpdate(body); err != nil {
		return nil, err
	}
	return h.ops.Register(r.Context(), st, in)
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (h *handler) login(_ http.ResponseWriter, r *http.Request, st *checkout.State, body storebox.Object) (*checkout.State, error) {
	password, err := text(body, "password")
	if err != nil {
		return nil, err
	}
	return h.ops.Login(r.Context(), st, clientAddr(r), r.PathValue("email"), password)
}

func (h *handler) logout(_ http.ResponseWriter, r *http.Request, st *checkout.State, _ storebox.Object) (*checkout.State, error) {
	return h.ops.Logout(r.Context(), st)
}

func (h *handler) address(_ http.ResponseWriter, r *http.Request, st *checkout.State, body storebox.Object) (*checkout.State, error) {
	u, err := addressUpdate(body)
	if err != nil {
		return nil, err
	}
	return h.ops.UpdateAddress(r.Context(), st, u)
}

func (h *handler) email(_ http.ResponseWriter, r *http.Request, st *checkout.State, body storebox.Object) (*checkout.State, error) {
	email, err := text(body, "email")
	if err != nil {
		return nil, err
	}
	password, err := text(body, "password")
	if err != nil {
		return nil, err
	}
	return h.ops.UpdateEmail(r.Context(), st, email, password)
}

func (h *handler) password(_ http.ResponseWriter, r *http.Request, st *checkout.State, body storebox.Object) (*checkout.State, error) {
	password, err := text(body, "password")
	if err != nil {
		return nil, err
	}
	newPassword, err := text(body, "newPassword")
	if err != nil {
		return nil, err
	}
	return h.ops.UpdatePassword(r.Context(), st, password, newPassword)
}

// orders answers the session JSON with "orders" and "ordersPaging".
func (h *handler) orders(w http.ResponseWriter, r *http.Request, st *checkout.State, body storebox.Object) {
	var page *checkout.Page
	_, hasFrom := body["from"]
	_, hasSize := body["size"]
	if hasFrom || hasSize {
		from, err := body.Int("from", 0)
		if err != nil {
			writeError(w, r, h.log, st, err)
			return
		}
		size, err := body.Int("size", checkout.MaxOrdersPage)
		if err != nil {
			writeError(w, r, h.log, st, err)
			return
		}
		page = &checkout.Page{From: from, Size: size}
	}
	orders, total, err := h.ops.Orders(r.Context(), st, page)
	if err != nil {
		writeError(w, r, h.log, st, err)
		return
	}
	b := newSessionBody(st)
	list := make([]orderBody, 0, len(orders))
	for _, o := range orders {
		list = append(list, newOrderBody(o))
	}
	b.Orders = &list
	b.OrdersPaging = &pagingBody{From: 0, Size: len(list), TotalSize: total}
	if page != nil {
		b.OrdersPaging.From, b.OrdersPaging.Size = page.From, page.Size
	}
	storebox.WriteJSON(w, http.StatusOK, b)
}

func (h *handler) resetEmail(_ http.ResponseWriter, r *http.Request, st *checkout.State, body storebox.Object) (*checkout.State, error) {
	link, err := text(body, "linkUri")
	if err != nil {
		return nil, err
	}
	if err := h.ops.RequestPasswordReset(r.Context(), r.PathValue("email"), link); err != nil {
		return nil, err
	}
	return st, nil
}

func (h *handler) reset(_ http.ResponseWriter, r *http.Request, st *checkout.State, body storebox.Object) (*checkout.State, error) {
	newPassword, err := text(body, "newPassword")
	if err != nil {
		return nil, err
	}
	token, _, err := body.Text("i")
	if err != nil {
		return nil, err
	}
	// The seed posts the id as a string ("48"); a number is taken too.
	id, _, err := body.Text("id")
	if err != nil {
		return nil, err
	}
	return h.ops.ResetPassword(r.Context(), st, id, token, newPassword)
}

func (h *handler) addItem(_ http.ResponseWriter, r *http.Request, st *checkout.State, body storebox.Object) (*checkout.State, error) {
	q, err := body.Int("quantity", 1)
	if err != nil {
		return nil, err
	}
	return h.ops.AddItem(r.Context(), st, r.PathValue("item"), q)
}

func (h *handler) removeItem(_ http.ResponseWriter, r *http.Request, st *checkout.State, _ storebox.Object) (*checkout.State, error) {
	return h.ops.RemoveItem(r.Context(), st, r.PathValue("item"))
}

// errorBody is the family's error answer.
type errorBody struct {
	Token  string            `json:"token,omitempty"`
	Errors map[string]string `json:"errors"`
}

// Fields names the domain's canonical field paths as Centra's error keys;
// a path not listed keeps its name.
var Fields = errs.FieldMap{}

// status maps error codes to the seed's statuses: invalid input and wrong
// passwords 406, a taken e-mail 409, no login 403.
func status(e *errs.Error) int {
	switch e.Code {
	case errs.Invalid:
		if e.Field == "" {
			return http.StatusBadRequest // the body is not JSON at all
		}
		return http.StatusNotAcceptable
	case errs.Unauthenticated, errs.Forbidden:
		return http.StatusForbidden
	}
	return storebox.Status(e.Code)
}

// writeError writes err as {"token", "errors": {field: message}}.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, st *checkout.State, err error) {
	e := errs.As(err)
	if e.Code == errs.Internal {
		log.ErrorContext(r.Context(), "request failed", "err", err, "path", r.URL.Path)
	}
	if s := e.RetryAfterSeconds(); s > 0 { // 429 and 503
		w.Header().Set("Retry-After", strconv.Itoa(s))
	}
	field := Fields.Name(e.Field)
	switch {
	case e.Code == errs.Forbidden || e.Code == errs.Unauthenticated:
		field, e = "accessRight", &errs.Error{Code: e.Code, Message: checkout.MsgDenied}
	case field == "":
		field = "request"
	}
	b := errorBody{Errors: map[string]string{field: e.Message}}
	if st != nil {
		b.Token = st.Session.Token
	}
	storebox.WriteJSON(w, status(e), b)
}

func asMaxBytes(err error, target **http.MaxBytesError) bool {
	return errors.As(err, target)
}
