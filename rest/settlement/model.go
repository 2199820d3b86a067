package settlement

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/app/merchants"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// --- JSON shapes of the seed ---

// registrationJSON is a company registration number. The seed shows it as a
// JSON number (12346790), so a number of plain digits without a leading
// zero is written as one; anything else stays a string.
type registrationJSON string

// OpenAPISchema: a number of plain digits, or a string.
func (registrationJSON) OpenAPISchema() openapi.Schema {
	return openapi.Schema{"type": []any{"integer", "string"}, "description": "A company registration number (CVR): " +
		"written as a JSON number when it is plain digits without a leading zero, else as a string."}
}

// MarshalJSON writes digits as a number and the rest as a string.
func (r registrationJSON) MarshalJSON() ([]byte, error) {
	s := string(r)
	if s != "" && len(s) <= 15 && (s == "0" || s[0] != '0') && strings.Trim(s, "0123456789") == "" {
		return []byte(s), nil
	}
	return json.Marshal(s)
}

type sharesJSON struct {
	UserShare         storebox.Number `json:"userShare"`
	UserShareType     string          `json:"userShareType" openapi:"enum=percentage|fixed_amount|derived"`
	ProviderShare     storebox.Number `json:"providerShare"`
	ProviderShareType string          `json:"providerShareType" openapi:"enum=percentage|fixed_amount|derived"`
}

func toSharesJSON(s merchant.Shares) sharesJSON {
	return sharesJSON{
		UserShare: storebox.Number(s.UserShare), UserShareType: string(s.UserShareType),
		ProviderShare: storebox.Number(s.ProviderShare), ProviderShareType: string(s.ProviderShareType),
	}
}

// mapJSON converts every element of list.
func mapJSON[T, J any](list []T, to func(T) J) []J {
	out := make([]J, len(list))
	for i, v := range list {
		out[i] = to(v)
	}
	return out
}

// --- decoding ---

// maxNumberLength bounds a JSON number's text before it is parsed.
const maxNumberLength = 40

// decimalMember reads a JSON number member exactly, never through float64.
// A string, even of digits, is refused: the API documents numbers.
func decimalMember(obj storebox.Object, field string) (d decimal.Decimal, present bool, err error) {
	raw, ok := obj[field]
	if !ok {
		return d, false, nil
	}
	s := string(raw)
	if s == "null" {
		return d, true, errs.InvalidField(field, "%s must not be null", field)
	}
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) || len(s) > maxNumberLength {
		return d, true, errs.InvalidField(field, "%s must be a number", field)
	}
	d, err = decimal.NewFromString(s)
	if err != nil {
		return d, true, errs.InvalidField(field, "%s must be a number", field)
	}
	return d, true, nil
}

// registrationMember reads a company registration number, given as a
// string or, as in the seed, as a JSON number of plain digits.
func registrationMember(obj storebox.Object, field string) (string, bool, error) {
	raw, ok := obj[field]
	if ok && len(raw) > 0 && raw[0] != '"' && string(raw) != "null" {
		if s := string(raw); strings.Trim(s, "0123456789") != "" {
			return "", true, errs.InvalidField(field, "%s must be a string or a whole number", field)
		}
		return string(raw), true, nil
	}
	return obj.String(field)
}

// textMember reads a string member that may also be a JSON number (store
// and product numbers).
func textMember(obj storebox.Object, field string) (string, bool, error) {
	raw, ok := obj[field]
	if ok && len(raw) > 0 && raw[0] != '"' && string(raw) != "null" {
		if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
			return string(raw), true, nil
		}
		return "", true, errs.InvalidField(field, "%s must be a string", field)
	}
	return obj.String(field)
}

// omitEmpty drops the members of an update body that are null or the
// empty string: the seed's "empty values will be omitted", so such a
// member leaves its field unchanged. It is neither an error nor a way to
// clear a field or a limit (the REST family has none; GraphQL has an
// explicit input for it).
func omitEmpty(obj storebox.Object) storebox.Object {
	out := make(storebox.Object, len(obj))
	for k, raw := range obj {
		if v := strings.TrimSpace(string(raw)); v == "null" || v == `""` {
			continue
		}
		out[k] = raw
	}
	return out
}

// optionalMember reads an optional scope member: absent is nil; null or ""
// is a pointer to "" (no scope, or remove it on update).
func optionalMember(obj storebox.Object, field string, read func(storebox.Object, string) (string, bool, error)) (*string, error) {
	raw, ok := obj[field]
	if !ok {
		return nil, nil
	}
	if string(raw) == "null" {
		empty := ""
		return &empty, nil
	}
	v, _, err := read(obj, field)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func stringMember(obj storebox.Object, field string) (string, bool, error) { return obj.String(field) }

// timeMember reads an ISO-8601 (RFC 3339) date-time with a zone.
func timeMember(obj storebox.Object, field string) (t time.Time, present bool, err error) {
	s, present, err := obj.String(field)
	if err != nil || !present {
		return t, present, err
	}
	t, err = time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, true, errs.InvalidField(field, "%s must be an ISO-8601 date-time with a zone, such as 2018-11-08T17:32:28Z", field)
	}
	return t, true, nil
}

// shareTypeMember reads a share type member.
func shareTypeMember(obj storebox.Object, field string) (*merchant.ShareType, error) {
	s, present, err := obj.String(field)
	if err != nil || !present {
		return nil, err
	}
	t := merchant.ShareType(s)
	return &t, nil
}

// idMember reads an optional id; present but different from want (when
// want is set) is refused, since ids never change.
func idMember(obj storebox.Object, field, want string) (*string, error) {
	id, present, err := obj.String(field)
	if err != nil || !present {
		return nil, err
	}
	if want != "" && id != want {
		return nil, errs.InvalidField(field, "%s cannot be updated", field)
	}
	return &id, nil
}

func required(field string, present bool) error {
	if !present {
		return errs.InvalidField(field, "%s is required", field)
	}
	return nil
}

// sharesRequest is the shares part of a body.
type sharesRequest struct {
	userShare, providerShare         decimal.Decimal
	hasUserShare, hasProviderShare   bool
	userShareType, providerShareType *merchant.ShareType
}

func decodeShares(obj storebox.Object) (req sharesRequest, err error) {
	if req.userShare, req.hasUserShare, err = decimalMember(obj, "userShare"); err != nil {
		return req, err
	}
	if req.userShareType, err = shareTypeMember(obj, "userShareType"); err != nil {
		return req, err
	}
	if req.providerShare, req.hasProviderShare, err = decimalMember(obj, "providerShare"); err != nil {
		return req, err
	}
	if req.providerShareType, err = shareTypeMember(obj, "providerShareType"); err != nil {
		return req, err
	}
	return req, nil
}

func (r sharesRequest) create() (merchant.SharesCreate, error) {
	if err := required("userShare", r.hasUserShare); err != nil {
		return merchant.SharesCreate{}, err
	}
	if err := required("providerShare", r.hasProviderShare); err != nil {
		return merchant.SharesCreate{}, err
	}
	return merchant.SharesCreate{UserShare: r.userShare, UserShareType: r.userShareType,
		ProviderShare: r.providerShare, ProviderShareType: r.providerShareType}, nil
}

func (r sharesRequest) update() merchant.SharesUpdate {
	u := merchant.SharesUpdate{UserShareType: r.userShareType, ProviderShareType: r.providerShareType}
	if r.hasUserShare {
		u.UserShare = &r.userShare
	}
	if r.hasProviderShare {
		u.ProviderShare = &r.providerShare
	}
	return u
}

// objectArray reads raw as a JSON array of objects; field names it in
// errors ("" for the body).
func objectArray(raw json.RawMessage, field string) ([]storebox.Object, error) {
	var items []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		if field == "" {
			return nil, errs.E(errs.Invalid, "request body must be a JSON array")
		}
		return nil, errs.InvalidField(field, "%s must be an array", field)
	}
	if len(items) > merchant.MaxBatchSize {
		return nil, errs.InvalidField(field, "at most %d items at a time", merchant.MaxBatchSize)
	}
	out := make([]storebox.Object, len(items))
	for i, item := range items {
		if len(item) == 0 || item[0] != '{' || json.Unmarshal(item, &out[i]) != nil {
			f := field + "[" + strconv.Itoa(i) + "]"
			return nil, errs.InvalidField(f, "%s must be an object", f)
		}
	}
	return out, nil
}

// decodeItems reads the request body as a JSON array and decodes each
// object with decode; an error names its item ("[2].productNumber").
func decodeItems[T any](r *http.Request, decode func(storebox.Object) (T, error)) ([]T, error) {
	var raw json.RawMessage
	if err := storebox.DecodeJSON(r, &raw); err != nil {
		return nil, err
	}
	return decodeEach(raw, "", decode)
}

// decodeEach decodes each object of the JSON array raw, the member field of
// a body ("" for the body itself); an error names its item.
func decodeEach[T any](raw json.RawMessage, field string, decode func(storebox.Object) (T, error)) ([]T, error) {
	items, err := objectArray(raw, field)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(items))
	for i, obj := range items {
		if out[i], err = decode(obj); err != nil {
			return nil, atIndex(field, i, err)
		}
	}
	return out, nil
}

// atIndex names item i of a list in the field of a decoding error.
func atIndex(prefix string, i int, err error) error {
	e := errs.As(err)
	if e.Code != errs.Invalid {
		return err
	}
	out := *e
	out.Field = prefix + "[" + strconv.Itoa(i) + "]"
	if e.Field != "" {
		out.Field += "." + e.Field
	}
	return &out
}

// modelPage reads offset and limit (default and at most 1000).
func modelPage(r *http.Request) (merchants.Page, error) {
	offset, limit, err := storebox.Page(r, merchant.MaxPageSize)
	return merchants.Page{Offset: offset, Limit: limit}, err
}

// listPageSize is the page in which a whole list is read (a variable so
// that a test can make it small).
var listPageSize = merchant.MaxPageSize

// pagedRequest reports whether the caller asked for a page of a list the
// seed documents whole (offset or limit, an extension of this service).
func pagedRequest(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has("offset") || q.Has("limit")
}

// allOf answers a list the seed documents whole ("get all …"): every
// item, read listPageSize at a time, never silently cut short. A caller
// that gives offset or limit gets that page instead.
func allOf[T any](r *http.Request, list func(merchants.Page) ([]T, error)) ([]T, error) {
	if pagedRequest(r) {
		p, err := modelPage(r)
		if err != nil {
			return nil, err
		}
		return list(p)
	}
	out := []T{}
	for {
		page, err := list(merchants.Page{Offset: len(out), Limit: listPageSize})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < listPageSize {
			return out, nil
		}
	}
}

// writeList answers a list (200, or the status given), or the error that
// produced it.
func writeList[T, J any](h *Handler, w http.ResponseWriter, r *http.Request, list []T, err error, to func(T) J, status ...int) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	code := http.StatusOK
	if len(status) > 0 {
		code = status[0]
	}
	storebox.WriteJSON(w, code, mapJSON(list, to))
}

// writeOne answers one entity with status, or the error that produced it.
func writeOne[T, J any](h *Handler, w http.ResponseWriter, r *http.Request, status int, v T, err error, to func(T) J) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, status, to(v))
}

// writeCreated answers 201 with the entity and its Location.
func writeCreated[T, J any](h *Handler, w http.ResponseWriter, r *http.Request, location string, v T, err error, to func(T) J) {
	if err == nil {
		w.Header().Set("Location", location)
	}
	writeOne(h, w, r, http.StatusCreated, v, err, to)
}

func (h *Handler) writeDeleted(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// firstError returns the first error that is not nil.
func firstError(list ...error) error {
	for _, err := range list {
		if err != nil {
			return err
		}
	}
	return nil
}
