// Package openloyalty serves Open Loyalty's customer API (seed 003) under
// /api/{storeCode}, and its logins under /api/admin, /api/seller and
// /api/customer. Every handler decodes the legacy request (customer[...]
// form fields or JSON), calls the same application-layer operation as
// GraphQL (app/loyalty), and encodes the legacy response; errors take the
// Symfony form shape of the seed.
package openloyalty

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// Ops are the operations this family calls (app/loyalty).
type Ops interface {
	Login(ctx context.Context, role loyalty.Role, store, client, username, password string) (*loyalty.Tokens, error)
	Refresh(ctx context.Context, refreshToken string) (*loyalty.Tokens, error)
	Register(ctx context.Context, store string, f loyalty.Fields) (*loyalty.Customer, error)
	Customer(ctx context.Context, store, id string) (*loyalty.Customer, error)
	Customers(ctx context.Context, store string, f loyalty.Filter) ([]*loyalty.Customer, int, error)
	SearchPOS(ctx context.Context, store string, f loyalty.Filter) ([]*loyalty.Customer, int, error)
	Update(ctx context.Context, store, id string, f loyalty.Fields) error
	Activate(ctx context.Context, store, id string) error
	Deactivate(ctx context.Context, store, id string) error
	Anonymize(ctx context.Context, store, id string) error
	Delete(ctx context.Context, store, id string) error
	Check(ctx context.Context, store, emailOrPhone string) (int, error)
	Status(ctx context.Context, store, id string) (*loyalty.Status, error)
	AssignLevel(ctx context.Context, store, id, levelID string) error
	RemoveManualLevel(ctx context.Context, store, id string) error
	AssignPOS(ctx context.Context, store, id, posID string) error
	Registrations(ctx context.Context, store string, interval loyalty.Interval, lastDays int) (map[string]int, error)
	PushyTokens(ctx context.Context, store, id string) ([]string, error)
	AddPushyToken(ctx context.Context, store, id, token string) error
	RemovePushyToken(ctx context.Context, store, id, token string) error
	Import(ctx context.Context, store string, file io.Reader) (*loyalty.ImportResult, error)
	SetAvatar(ctx context.Context, store, id string, data []byte) error
	Avatar(ctx context.Context, store, id string) (*loyalty.Avatar, error)
	DeleteAvatar(ctx context.Context, store, id string) error
	ActivateByToken(ctx context.Context, store, client, token string, password *string) error
	ActivateBySMS(ctx context.Context, store, client, code string) error
	SendActivationSMS(ctx context.Context, store, id string) error
	ConfirmPhoneChange(ctx context.Context, store, code string) error
}

// Handler serves the family.
type Handler struct {
	ops Ops
	log *slog.Logger
}

var (
	admin        = []auth.Kind{auth.KindAdmin}
	seller       = []auth.Kind{auth.KindSeller}
	staff        = []auth.Kind{auth.KindAdmin, auth.KindSeller}
	anyone       = []auth.Kind{auth.KindAdmin, auth.KindSeller, auth.KindCustomer}
	selfEdit     = []auth.Kind{auth.KindAdmin, auth.KindCustomer}
	customerOnly = []auth.Kind{auth.KindCustomer}
)

// StorePattern is the one pattern of mux that the store routes are served
// behind.
const StorePattern = "/api/{storeCode}/{rest...}"

// Register adds the family's routes to mux, each operation of its table
// (operations); requests under /api/x/ that are none of its paths go to
// fallback.
func Register(mux *http.ServeMux, ops Ops, log *slog.Logger, fallback http.Handler) {
	h := &Handler{ops: ops, log: log}
	// The store routes live on their own mux behind one pattern: a
	// wildcard store code next to the Storebox families' literal paths
	// (GET /api/settlements/{batchId}) would make patterns that neither
	// wins, which ServeMux refuses. Their literal paths stay more specific
	// than this one, so they keep their routes.
	stores := http.NewServeMux()
	mux.Handle(StorePattern, stores) // openapi:sub-mux (its routes are the table's, registered on stores below)
	stores.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if !IsPath(r.URL.Path) {
			fallback.ServeHTTP(w, r)
			return
		}
		noRoute(w, r)
	})
	// The code actions (customer/activate/{token}, …) live on a mux of
	// their own behind codePattern too: customer/activate/{token} and
	// customer/{customer}/level overlap with neither more specific, so
	// they cannot share one mux.
	codes := http.NewServeMux()
	stores.Handle(codePattern, codes)
	codes.HandleFunc("/", noRoute)

	var top, store, code []openapi.Op
	for _, op := range operations(h) {
		switch {
		case codeRoute(op):
			code = append(code, op)
		case strings.HasPrefix(op.Path, "/api/{storeCode}/"):
			store = append(store, op)
		default:
			top = append(top, op)
		}
	}
	openapi.Register(mux, top, nil)
	openapi.Register(stores, store, nil)
	openapi.Register(codes, code, nil)
}

// noRoute answers a path of the family that has no route.
func noRoute(w http.ResponseWriter, r *http.Request) {
	storebox.WriteJSON(w, http.StatusNotFound, messageBody{Code: http.StatusNotFound, Message: "No route found for " + r.Method + " " + r.URL.Path})
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type tokensBody struct {
	Token        string `json:"token"`
	RefreshToken string `json:"refresh_token"`
}

func (h *Handler) login(role loyalty.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := readValues(r)
		if err != nil {
			WriteError(w, r, h.log, err)
			return
		}
		store := r.PathValue("storeCode")
		if store == "" {
			store = loyalty.DefaultStore
		}
		t, err := h.ops.Login(r.Context(), role, store, clientAddr(r), v["_username"], v["_password"])
		if errs.Is(err, errs.Invalid) {
			// Lexik answers a login without credentials as bad credentials.
			err = errs.E(errs.Unauthenticated, "Bad credentials")
		}
		if err != nil {
			WriteError(w, r, h.log, err)
			return
		}
		storebox.WriteJSON(w, http.StatusOK, tokensBody{Token: t.Token, RefreshToken: t.RefreshToken})
	}
}

func (h *Handler) refresh(w http.ResponseWriter, r *http.Request) {
	v, err := readValues(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	t, err := h.ops.Refresh(r.Context(), v["refresh_token"])
	if errs.Is(err, errs.Invalid) {
		err = errs.E(errs.Unauthenticated, "An authentication exception occurred.")
	}
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, tokensBody{Token: t.Token, RefreshToken: t.RefreshToken})
}

type registeredBody struct {
	CustomerID string `json:"customerId"`
	Email      string `json:"email"`
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	v, err := readValues(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	f, err := customerFields(v)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	c, err := h.ops.Register(r.Context(), r.PathValue("storeCode"), f)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, registeredBody{CustomerID: c.ID, Email: c.Email})
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	c, err := h.ops.Customer(r.Context(), r.PathValue("storeCode"), r.PathValue("customer"))
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, customerOf(c))
}

// updatedBody answers an update: the customer's id.
type updatedBody struct {
	CustomerID string `json:"customerId"`
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	v, err := readValues(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	f, err := customerFields(v)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	id := r.PathValue("customer")
	if err := h.ops.Update(r.Context(), r.PathValue("storeCode"), id, f); err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, updatedBody{CustomerID: strings.ToLower(id)})
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.ops.Delete(r.Context(), r.PathValue("storeCode"), r.PathValue("customer")); err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) setActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		op := h.ops.Deactivate
		if active {
			op = h.ops.Activate
		}
		if err := op(r.Context(), r.PathValue("storeCode"), r.PathValue("customer")); err != nil {
			WriteError(w, r, h.log, err)
			return
		}
		w.WriteHeader(http.StatusOK)
	}
}

func (h *Handler) anonymize(w http.ResponseWriter, r *http.Request) {
	if err := h.ops.Anonymize(r.Context(), r.PathValue("storeCode"), r.PathValue("customer")); err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// checkBody answers a check: how many customers have the e-mail address
// or phone.
type checkBody struct {
	Total int `json:"total"`
}

func (h *Handler) check(w http.ResponseWriter, r *http.Request) {
	v, err := readValues(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	n, err := h.ops.Check(r.Context(), r.PathValue("storeCode"), v["emailOrPhone"])
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, checkBody{Total: n})
}

type listBody struct {
	Customers []customerBody `json:"customers"`
	Total     int            `json:"total"`
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	v, err := readValues(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	f, err := listFilter(v)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	cs, total, err := h.ops.Customers(r.Context(), r.PathValue("storeCode"), f)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, listBody{Customers: customersOf(cs), Total: total})
}

// searchBody answers a POS search: the customers found, without a total.
type searchBody struct {
	Customers []customerBody `json:"customers"`
}

// posSearchLimit caps the customers a POS search returns.
const posSearchLimit = 50

func (h *Handler) searchPOS(w http.ResponseWriter, r *http.Request) {
	v, err := readValues(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	prefix := "search."
	if !v.has("search") {
		prefix = ""
	}
	f := loyalty.Filter{Limit: posSearchLimit}
	given := false
	for name, dst := range map[string]**string{"loyaltyCardNumber": &f.LoyaltyCardNumber, "phone": &f.Phone,
		"email": &f.Email, "firstName": &f.FirstName, "lastName": &f.LastName, "city": &f.City, "postcode": &f.Postcode} {
		if s := v.str(prefix + name); s != nil && strings.TrimSpace(*s) != "" {
			t := strings.TrimSpace(*s)
			*dst = &t
			given = true
		}
	}
	if !given {
		WriteError(w, r, h.log, errs.E(errs.Invalid, "At least one search field is required."))
		return
	}
	cs, _, err := h.ops.SearchPOS(r.Context(), r.PathValue("storeCode"), f)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, searchBody{Customers: customersOf(cs)})
}

// listFilter reads the filters, page and sort of a customer list.
func listFilter(v values) (loyalty.Filter, error) {
	var f loyalty.Filter
	for name, dst := range map[string]**string{"firstName": &f.FirstName, "lastName": &f.LastName, "phone": &f.Phone,
		"email": &f.Email, "loyaltyCardNumber": &f.LoyaltyCardNumber} {
		if s := v.str(name); s != nil && *s != "" {
			*dst = s
		}
	}
	for name, dst := range map[string]**decimal.Decimal{"transactionsAmountFrom": &f.TransactionsAmountFrom,
		"transactionsAmountTo": &f.TransactionsAmountTo, "averageTransactionAmountFrom": &f.AverageTransactionAmountFrom,
		"averageTransactionAmountTo": &f.AverageTransactionAmountTo} {
		if s := v.str(name); s != nil && *s != "" {
			d, err := decimal.NewFromString(*s)
			if err != nil || len(*s) > 32 {
				return f, errs.InvalidField(name, "%s must be a number", name)
			}
			*dst = &d
		}
	}
	for name, dst := range map[string]**int{"transactionsCountFrom": &f.TransactionsCountFrom,
		"transactionsCountTo": &f.TransactionsCountTo, "daysFromLastTransactionTo": &f.DaysFromLastTransactionTo,
		"hoursFromLastUpdateTo": &f.HoursFromLastUpdateTo} {
		if s := v.str(name); s != nil && *s != "" {
			n, err := strconv.Atoi(*s)
			if err != nil || n < 0 || n > 1_000_000 {
				return f, errs.InvalidField(name, "%s must be a whole number from 0 to 1000000", name)
			}
			*dst = &n
		}
	}
	switch strings.ToLower(v["strict"]) {
	case "", "0", "false":
	case "1", "true":
		f.Strict = true
	default:
		return f, errs.InvalidField("strict", "strict must be 0 or 1")
	}
	for i := 0; i < 50; i++ {
		key, ok := v["labels."+strconv.Itoa(i)+".key"]
		if !ok {
			break
		}
		lf := loyalty.LabelFilter{Key: key}
		if val, ok := v["labels."+strconv.Itoa(i)+".value"]; ok {
			lf.Value = &val
		}
		f.Labels = append(f.Labels, lf)
	}
	page, perPage := 1, loyalty.DefaultPerPage
	var err error
	if s := v["page"]; s != "" {
		if page, err = strconv.Atoi(s); err != nil || page < 1 || page > 1_000_000 {
			return f, errs.InvalidField("page", "page must be a whole number from 1")
		}
	}
	if s := v["perPage"]; s != "" {
		if perPage, err = strconv.Atoi(s); err != nil || perPage < 1 || perPage > loyalty.MaxPerPage {
			return f, errs.InvalidField("perPage", "perPage must be a whole number from 1 to %d", loyalty.MaxPerPage)
		}
	}
	f.Offset, f.Limit = (page-1)*perPage, perPage
	f.Sort = v["sort"]
	switch strings.ToLower(v["direction"]) {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		return f, errs.InvalidField("direction", "direction must be ASC or DESC")
	}
	return f, nil
}

// BodyMediaTypes are the media types of the family's request bodies
// besides JSON: forms, as the seed documents, and multipart forms.
var BodyMediaTypes = []string{"application/x-www-form-urlencoded", "multipart/form-data"}

// reservedStoreCodes are the second path segments of /api that belong to
// other families or to the logins, so no store may have them as its code.
var reservedStoreCodes = map[string]bool{"v1": true, "checkout": true, "admin": true, "seller": true,
	"customer": true, "token": true, "settlements": true, "invoices": true, "receipt-receiver": true}

// IsPath reports whether path is one of this family's: a login, the token
// refresh, or a path under /api/{storeCode}/ with a code no other family
// owns.
func IsPath(path string) bool {
	switch path {
	case "/api/admin/login_check", "/api/seller/login_check", "/api/customer/login_check", "/api/token/refresh":
		return true
	}
	rest, ok := strings.CutPrefix(path, "/api/")
	if !ok {
		return false
	}
	code, _, ok := strings.Cut(rest, "/")
	return ok && code != "" && !reservedStoreCodes[code]
}
