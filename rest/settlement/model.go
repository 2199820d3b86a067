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
	"loyaltygraph/rest/storebox"
)

// registerModel adds the merchant's settlement model: companies, stores,
// categories and products, campaigns, derived shares and blocked products.
// A principal that may not administer it is refused (403) before its body
// is read; the operations check again.
func (h *Handler) registerModel(register func(string, http.HandlerFunc)) {
	handle := func(pattern string, fn http.HandlerFunc) {
		register(pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := h.merchants.Authorize(r.Context()); err != nil {
				h.fail(w, r, err)
				return
			}
			fn(w, r)
		})
	}
	handle("POST /api/v1/companies", h.createCompany)
	handle("GET /api/v1/companies/{companyId}", h.getCompany)
	handle("PATCH /api/v1/companies/{companyId}", h.updateCompany)
	handle("PUT /api/v1/companies/{companyId}", h.updateCompany)
	handle("DELETE /api/v1/companies/{companyId}", h.deleteCompany)
	handle("GET /api/v1/merchants/{merchantId}/companies", h.merchantCompanies)

	handle("POST /api/v1/stores", h.createStore)
	handle("GET /api/v1/stores/{storeId}", h.getStore)
	handle("PATCH /api/v1/stores/{storeId}", h.updateStore)
	handle("PUT /api/v1/stores/{storeId}", h.updateStore)
	handle("DELETE /api/v1/stores/{storeId}", h.deleteStore)
	handle("GET /api/v1/merchants/{merchantId}/stores", h.merchantStores)

	handle("POST /api/v1/categories", h.createCategory)
	handle("GET /api/v1/categories/{categoryId}", h.getCategory)
	handle("PATCH /api/v1/categories/{categoryId}", h.updateCategory)
	handle("PUT /api/v1/categories/{categoryId}", h.updateCategory)
	handle("DELETE /api/v1/categories/{categoryId}", h.deleteCategory)
	handle("GET /api/v1/categories/{categoryId}/products", h.categoryProducts)
	handle("POST /api/v1/categories/{categoryId}/products", h.addCategoryProducts)
	handle("GET /api/v1/merchants/{merchantId}/categories", h.merchantCategories)

	handle("POST /api/v1/products", h.createProduct)
	handle("DELETE /api/v1/products/{productId}", h.deleteProduct)

	handle("GET /api/v1/campaigns", h.currentCampaigns)
	handle("POST /api/v1/campaigns", h.createCampaign)
	handle("GET /api/v1/campaigns/{campaignId}", h.getCampaign)
	handle("PATCH /api/v1/campaigns/{campaignId}", h.updateCampaign)
	handle("PUT /api/v1/campaigns/{campaignId}", h.updateCampaign)
	handle("DELETE /api/v1/campaigns/{campaignId}", h.deleteCampaign)
	handle("GET /api/v1/merchants/{merchantId}/campaigns", h.merchantCampaigns)

	handle("POST /api/v1/derivedshares", h.createDerivedShare)
	handle("GET /api/v1/derivedshares/{derivedShareId}", h.getDerivedShare)
	handle("PATCH /api/v1/derivedshares/{derivedShareId}", h.updateDerivedShare)
	handle("PUT /api/v1/derivedshares/{derivedShareId}", h.updateDerivedShare)
	handle("DELETE /api/v1/derivedshares/{derivedShareId}", h.deleteDerivedShare)
	handle("GET /api/v1/merchants/{merchantId}/derivedshares", h.merchantDerivedShares)
	handle("PUT /api/v1/merchants/{merchantId}/derivedshares", h.replaceDerivedShares)

	handle("GET /api/v1/blockedproducts", h.blockedProducts)
	handle("POST /api/v1/blockedproducts", h.createBlockedProduct)
	handle("POST /api/v1/blockedproducts/bulk", h.createBlockedProducts)
	handle("DELETE /api/v1/blockedproducts/{productId}", h.deleteBlockedProduct)
}

// --- JSON shapes of the seed ---

// decimalJSON is a share written as a bare JSON number ("userShare": 7.5),
// with exactly its decimal digits.
type decimalJSON decimal.Decimal

// MarshalJSON writes the number without quotes.
func (d decimalJSON) MarshalJSON() ([]byte, error) { return []byte(decimal.Decimal(d).String()), nil }

// registrationJSON is a company registration number. The seed shows it as a
// JSON number (12346790), so a number of plain digits without a leading
// zero is written as one; anything else stays a string.
type registrationJSON string

// MarshalJSON writes digits as a number and the rest as a string.
func (r registrationJSON) MarshalJSON() ([]byte, error) {
	s := string(r)
	if s != "" && len(s) <= 15 && (s == "0" || s[0] != '0') && strings.Trim(s, "0123456789") == "" {
		return []byte(s), nil
	}
	return json.Marshal(s)
}

type sharesJSON struct {
	UserShare         decimalJSON `json:"userShare"`
	UserShareType     string      `json:"userShareType"`
	ProviderShare     decimalJSON `json:"providerShare"`
	ProviderShareType string      `json:"providerShareType"`
}

func toSharesJSON(s merchant.Shares) sharesJSON {
	return sharesJSON{
		UserShare: decimalJSON(s.UserShare), UserShareType: string(s.UserShareType),
		ProviderShare: decimalJSON(s.ProviderShare), ProviderShareType: string(s.ProviderShareType),
	}
}

type companyJSON struct {
	CompanyID                 string           `json:"companyId"`
	MerchantID                string           `json:"merchantId"`
	Name                      string           `json:"name"`
	CompanyRegistrationNumber registrationJSON `json:"companyRegistrationNumber"`
	sharesJSON
}

func toCompanyJSON(c *merchant.Company) companyJSON {
	return companyJSON{CompanyID: c.ID, MerchantID: c.MerchantID, Name: c.Name,
		CompanyRegistrationNumber: registrationJSON(c.RegistrationNumber), sharesJSON: toSharesJSON(c.Shares)}
}

type storeJSON struct {
	StoreID     string `json:"storeId"`
	MerchantID  string `json:"merchantId"`
	StoreNumber string `json:"storeNumber"`
	Name        string `json:"name"`
	sharesJSON
	Source string `json:"source"`
}

func toStoreJSON(s *merchant.Shop) storeJSON {
	return storeJSON{StoreID: s.ID, MerchantID: s.MerchantID, StoreNumber: s.StoreNumber, Name: s.Name,
		sharesJSON: toSharesJSON(s.Shares), Source: string(s.Source)}
}

type categoryJSON struct {
	CategoryID string `json:"categoryId"`
	MerchantID string `json:"merchantId"`
	Name       string `json:"name"`
	sharesJSON
	StoreNumber *string `json:"storeNumber,omitempty"`
}

func toCategoryJSON(c *merchant.Category) categoryJSON {
	return categoryJSON{CategoryID: c.ID, MerchantID: c.MerchantID, Name: c.Name,
		sharesJSON: toSharesJSON(c.Shares), StoreNumber: c.StoreNumber}
}

type productJSON struct {
	ProductID     string `json:"productId"`
	CategoryID    string `json:"categoryId"`
	Name          string `json:"name"`
	ProductNumber string `json:"productNumber"`
}

func toProductJSON(p *merchant.Product) productJSON {
	return productJSON{ProductID: p.ID, CategoryID: p.CategoryID, Name: p.Name, ProductNumber: p.ProductNumber}
}

type campaignJSON struct {
	CampaignID    string `json:"campaignId"`
	MerchantID    string `json:"merchantId"`
	Name          string `json:"name"`
	CampaignStart string `json:"campaignStart"`
	CampaignEnd   string `json:"campaignEnd"`
	sharesJSON
	StoreNumber   *string `json:"storeNumber,omitempty"`
	CategoryID    *string `json:"categoryId,omitempty"`
	ProductNumber *string `json:"productNumber,omitempty"`
}

func toCampaignJSON(c *merchant.Campaign) campaignJSON {
	return campaignJSON{CampaignID: c.ID, MerchantID: c.MerchantID, Name: c.Name,
		CampaignStart: c.Start.UTC().Format(time.RFC3339Nano), CampaignEnd: c.End.UTC().Format(time.RFC3339Nano),
		sharesJSON: toSharesJSON(c.Shares), StoreNumber: c.StoreNumber, CategoryID: c.CategoryID, ProductNumber: c.ProductNumber}
}

type derivedShareJSON struct {
	DerivedShareID   string      `json:"derivedShareId"`
	MerchantID       string      `json:"merchantId"`
	Share            decimalJSON `json:"share"`
	DerivedShare     decimalJSON `json:"derivedShare"`
	DerivedShareType string      `json:"derivedShareType"`
}

func toDerivedShareJSON(d *merchant.DerivedShare) derivedShareJSON {
	return derivedShareJSON{DerivedShareID: d.ID, MerchantID: d.MerchantID, Share: decimalJSON(d.Share),
		DerivedShare: decimalJSON(d.DerivedShare), DerivedShareType: string(d.DerivedShareType)}
}

type blockedProductJSON struct {
	ProductID     string `json:"productId"`
	Name          string `json:"name"`
	ProductNumber string `json:"productNumber"`
}

func toBlockedProductJSON(b *merchant.BlockedProduct) blockedProductJSON {
	return blockedProductJSON{ProductID: b.ID, Name: b.Name, ProductNumber: b.ProductNumber}
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

// decodeArray reads the request body as a JSON array of objects, at most
// merchant.MaxBatchSize of them.
func decodeArray(r *http.Request) ([]storebox.Object, error) {
	var raw json.RawMessage
	if err := storebox.DecodeJSON(r, &raw); err != nil {
		return nil, err
	}
	return objectArray(raw, "")
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
	offset, err := storebox.QueryInt(r, "offset", 0, 1<<31-1)
	if err != nil {
		return merchants.Page{}, err
	}
	limit, err := storebox.QueryInt(r, "limit", merchant.MaxPageSize, merchant.MaxPageSize)
	if err != nil {
		return merchants.Page{}, err
	}
	return merchants.Page{Offset: offset, Limit: limit}, nil
}

// writeList answers a list, or the error that produced it.
func writeList[T, J any](h *Handler, w http.ResponseWriter, r *http.Request, list []T, err error, to func(T) J) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, mapJSON(list, to))
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

// --- companies ---

type companyRequest struct {
	id, merchantID                 *string
	name, registrationNumber       string
	hasName, hasRegistrationNumber bool
	shares                         sharesRequest
}

// decodeCompany reads a company body; pathID, on update, is the id that
// the body may repeat but not change.
func decodeCompany(r *http.Request, pathID string) (req companyRequest, err error) {
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		return req, err
	}
	if req.id, err = idMember(obj, "companyId", pathID); err != nil {
		return req, err
	}
	if req.merchantID, err = idMember(obj, "merchantId", ""); err != nil {
		return req, err
	}
	if req.name, req.hasName, err = obj.String("name"); err != nil {
		return req, err
	}
	if req.registrationNumber, req.hasRegistrationNumber, err = registrationMember(obj, "companyRegistrationNumber"); err != nil {
		return req, err
	}
	req.shares, err = decodeShares(obj)
	return req, err
}

func (h *Handler) createCompany(w http.ResponseWriter, r *http.Request) {
	req, err := decodeCompany(r, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := merchant.CompanyCreate{ID: req.id, Name: req.name, RegistrationNumber: req.registrationNumber}
	err = firstError(
		required("merchantId", req.merchantID != nil),
		required("name", req.hasName),
		required("companyRegistrationNumber", req.hasRegistrationNumber),
	)
	if err == nil {
		in.MerchantID = *req.merchantID
		in.SharesCreate, err = req.shares.create()
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.merchants.CreateCompany(r.Context(), in)
	location := ""
	if err == nil {
		location = "/api/v1/companies/" + c.ID
	}
	writeCreated(h, w, r, location, c, err, toCompanyJSON)
}

func (h *Handler) getCompany(w http.ResponseWriter, r *http.Request) {
	c, err := h.merchants.Company(r.Context(), r.PathValue("companyId"))
	writeOne(h, w, r, http.StatusOK, c, err, toCompanyJSON)
}

func (h *Handler) updateCompany(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("companyId")
	req, err := decodeCompany(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	upd := merchant.CompanyUpdate{MerchantID: req.merchantID, SharesUpdate: req.shares.update()}
	if req.hasName {
		upd.Name = &req.name
	}
	if req.hasRegistrationNumber {
		upd.RegistrationNumber = &req.registrationNumber
	}
	c, err := h.merchants.UpdateCompany(r.Context(), id, upd)
	writeOne(h, w, r, http.StatusOK, c, err, toCompanyJSON)
}

func (h *Handler) deleteCompany(w http.ResponseWriter, r *http.Request) {
	h.writeDeleted(w, r, h.merchants.DeleteCompany(r.Context(), r.PathValue("companyId")))
}

func (h *Handler) merchantCompanies(w http.ResponseWriter, r *http.Request) {
	p, err := modelPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.merchants.MerchantCompanies(r.Context(), r.PathValue("merchantId"), &p)
	writeList(h, w, r, list, err, toCompanyJSON)
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

// --- stores ---

type storeRequest struct {
	id, merchantID, source  *string
	storeNumber, name       string
	hasStoreNumber, hasName bool
	shares                  sharesRequest
}

func decodeStore(r *http.Request, pathID string) (req storeRequest, err error) {
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		return req, err
	}
	if req.id, err = idMember(obj, "storeId", pathID); err != nil {
		return req, err
	}
	if req.merchantID, err = idMember(obj, "merchantId", ""); err != nil {
		return req, err
	}
	if req.storeNumber, req.hasStoreNumber, err = textMember(obj, "storeNumber"); err != nil {
		return req, err
	}
	if req.name, req.hasName, err = obj.String("name"); err != nil {
		return req, err
	}
	if req.shares, err = decodeShares(obj); err != nil {
		return req, err
	}
	source, present, err := obj.String("source")
	if present && err == nil {
		req.source = &source
	}
	return req, err
}

func sourceOf(s *string) *merchant.Source {
	if s == nil {
		return nil
	}
	src := merchant.Source(*s)
	return &src
}

func (h *Handler) createStore(w http.ResponseWriter, r *http.Request) {
	req, err := decodeStore(r, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := merchant.ShopCreate{ID: req.id, StoreNumber: req.storeNumber, Name: req.name, Source: sourceOf(req.source)}
	err = firstError(
		required("merchantId", req.merchantID != nil),
		required("storeNumber", req.hasStoreNumber),
		required("name", req.hasName),
	)
	if err == nil {
		in.MerchantID = *req.merchantID
		in.SharesCreate, err = req.shares.create()
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s, err := h.merchants.CreateStore(r.Context(), in)
	location := ""
	if err == nil {
		location = "/api/v1/stores/" + s.ID
	}
	writeCreated(h, w, r, location, s, err, toStoreJSON)
}

func (h *Handler) getStore(w http.ResponseWriter, r *http.Request) {
	s, err := h.merchants.Store(r.Context(), r.PathValue("storeId"))
	writeOne(h, w, r, http.StatusOK, s, err, toStoreJSON)
}

func (h *Handler) updateStore(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("storeId")
	req, err := decodeStore(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	upd := merchant.ShopUpdate{MerchantID: req.merchantID, SharesUpdate: req.shares.update(), Source: sourceOf(req.source)}
	if req.hasStoreNumber {
		upd.StoreNumber = &req.storeNumber
	}
	if req.hasName {
		upd.Name = &req.name
	}
	s, err := h.merchants.UpdateStore(r.Context(), id, upd)
	writeOne(h, w, r, http.StatusOK, s, err, toStoreJSON)
}

func (h *Handler) deleteStore(w http.ResponseWriter, r *http.Request) {
	h.writeDeleted(w, r, h.merchants.DeleteStore(r.Context(), r.PathValue("storeId")))
}

func (h *Handler) merchantStores(w http.ResponseWriter, r *http.Request) {
	p, err := modelPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.merchants.MerchantStores(r.Context(), r.PathValue("merchantId"), &p)
	writeList(h, w, r, list, err, toStoreJSON)
}

// --- categories and products ---

type categoryRequest struct {
	id, merchantID, storeNumber *string
	name                        string
	hasName                     bool
	shares                      sharesRequest
}

func decodeCategory(r *http.Request, pathID string) (req categoryRequest, err error) {
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		return req, err
	}
	if req.id, err = idMember(obj, "categoryId", pathID); err != nil {
		return req, err
	}
	if req.merchantID, err = idMember(obj, "merchantId", ""); err != nil {
		return req, err
	}
	if req.name, req.hasName, err = obj.String("name"); err != nil {
		return req, err
	}
	if req.shares, err = decodeShares(obj); err != nil {
		return req, err
	}
	req.storeNumber, err = optionalMember(obj, "storeNumber", textMember)
	return req, err
}

func (h *Handler) createCategory(w http.ResponseWriter, r *http.Request) {
	req, err := decodeCategory(r, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := merchant.CategoryCreate{ID: req.id, Name: req.name, StoreNumber: req.storeNumber}
	err = firstError(required("merchantId", req.merchantID != nil), required("name", req.hasName))
	if err == nil {
		in.MerchantID = *req.merchantID
		in.SharesCreate, err = req.shares.create()
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.merchants.CreateCategory(r.Context(), in)
	location := ""
	if err == nil {
		location = "/api/v1/categories/" + c.ID
	}
	writeCreated(h, w, r, location, c, err, toCategoryJSON)
}

func (h *Handler) getCategory(w http.ResponseWriter, r *http.Request) {
	c, err := h.merchants.Category(r.Context(), r.PathValue("categoryId"))
	writeOne(h, w, r, http.StatusOK, c, err, toCategoryJSON)
}

func (h *Handler) updateCategory(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("categoryId")
	req, err := decodeCategory(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	upd := merchant.CategoryUpdate{MerchantID: req.merchantID, StoreNumber: req.storeNumber, SharesUpdate: req.shares.update()}
	if req.hasName {
		upd.Name = &req.name
	}
	c, err := h.merchants.UpdateCategory(r.Context(), id, upd)
	writeOne(h, w, r, http.StatusOK, c, err, toCategoryJSON)
}

func (h *Handler) deleteCategory(w http.ResponseWriter, r *http.Request) {
	h.writeDeleted(w, r, h.merchants.DeleteCategory(r.Context(), r.PathValue("categoryId")))
}

func (h *Handler) merchantCategories(w http.ResponseWriter, r *http.Request) {
	p, err := modelPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.merchants.MerchantCategories(r.Context(), r.PathValue("merchantId"), &p)
	writeList(h, w, r, list, err, toCategoryJSON)
}

// decodeProduct reads one product object.
func decodeProduct(obj storebox.Object) (in merchant.ProductCreate, hasNumber bool, err error) {
	if in.ID, err = idMember(obj, "productId", ""); err != nil {
		return in, false, err
	}
	if in.CategoryID, _, err = obj.String("categoryId"); err != nil {
		return in, false, err
	}
	if in.Name, _, err = obj.String("name"); err != nil {
		return in, false, err
	}
	in.ProductNumber, hasNumber, err = textMember(obj, "productNumber")
	return in, hasNumber, err
}

func (h *Handler) createProduct(w http.ResponseWriter, r *http.Request) {
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in, hasNumber, err := decodeProduct(obj)
	if err == nil {
		_, hasCategory := obj["categoryId"]
		err = firstError(required("categoryId", hasCategory), required("productNumber", hasNumber))
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.merchants.CreateProduct(r.Context(), in)
	writeOne(h, w, r, http.StatusCreated, p, err, toProductJSON)
}

func (h *Handler) addCategoryProducts(w http.ResponseWriter, r *http.Request) {
	items, err := decodeArray(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := make([]merchant.ProductCreate, len(items))
	for i, obj := range items {
		var hasNumber bool
		if in[i], hasNumber, err = decodeProduct(obj); err == nil {
			err = required("productNumber", hasNumber)
		}
		if err != nil {
			h.fail(w, r, atIndex("", i, err))
			return
		}
	}
	list, err := h.merchants.AddProducts(r.Context(), r.PathValue("categoryId"), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusCreated, mapJSON(list, toProductJSON))
}

func (h *Handler) categoryProducts(w http.ResponseWriter, r *http.Request) {
	p, err := modelPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.merchants.CategoryProducts(r.Context(), r.PathValue("categoryId"), &p)
	writeList(h, w, r, list, err, toProductJSON)
}

func (h *Handler) deleteProduct(w http.ResponseWriter, r *http.Request) {
	h.writeDeleted(w, r, h.merchants.DeleteProduct(r.Context(), r.PathValue("productId")))
}

// --- campaigns ---

type campaignRequest struct {
	id, merchantID, name                   *string
	start, end                             time.Time
	hasStart, hasEnd                       bool
	storeNumber, categoryID, productNumber *string
	shares                                 sharesRequest
}

func decodeCampaign(r *http.Request, pathID string) (req campaignRequest, err error) {
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		return req, err
	}
	if req.id, err = idMember(obj, "campaignId", pathID); err != nil {
		return req, err
	}
	if req.merchantID, err = idMember(obj, "merchantId", ""); err != nil {
		return req, err
	}
	name, hasName, err := obj.String("name")
	if err != nil {
		return req, err
	}
	if hasName {
		req.name = &name
	}
	if req.start, req.hasStart, err = timeMember(obj, "campaignStart"); err != nil {
		return req, err
	}
	if req.end, req.hasEnd, err = timeMember(obj, "campaignEnd"); err != nil {
		return req, err
	}
	if req.shares, err = decodeShares(obj); err != nil {
		return req, err
	}
	if req.storeNumber, err = optionalMember(obj, "storeNumber", textMember); err != nil {
		return req, err
	}
	if req.categoryID, err = optionalMember(obj, "categoryId", stringMember); err != nil {
		return req, err
	}
	req.productNumber, err = optionalMember(obj, "productNumber", textMember)
	return req, err
}

func (h *Handler) createCampaign(w http.ResponseWriter, r *http.Request) {
	req, err := decodeCampaign(r, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := merchant.CampaignCreate{ID: req.id, Start: req.start, End: req.end,
		StoreNumber: req.storeNumber, CategoryID: req.categoryID, ProductNumber: req.productNumber}
	if req.name != nil {
		in.Name = *req.name
	}
	err = firstError(
		required("merchantId", req.merchantID != nil),
		required("campaignStart", req.hasStart),
		required("campaignEnd", req.hasEnd),
	)
	if err == nil {
		in.MerchantID = *req.merchantID
		in.SharesCreate, err = req.shares.create()
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.merchants.CreateCampaign(r.Context(), in)
	location := ""
	if err == nil {
		location = "/api/v1/campaigns/" + c.ID
	}
	writeCreated(h, w, r, location, c, err, toCampaignJSON)
}

func (h *Handler) getCampaign(w http.ResponseWriter, r *http.Request) {
	c, err := h.merchants.Campaign(r.Context(), r.PathValue("campaignId"))
	writeOne(h, w, r, http.StatusOK, c, err, toCampaignJSON)
}

func (h *Handler) updateCampaign(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("campaignId")
	req, err := decodeCampaign(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	upd := merchant.CampaignUpdate{MerchantID: req.merchantID, Name: req.name,
		StoreNumber: req.storeNumber, CategoryID: req.categoryID, ProductNumber: req.productNumber,
		SharesUpdate: req.shares.update()}
	if req.hasStart {
		upd.Start = &req.start
	}
	if req.hasEnd {
		upd.End = &req.end
	}
	c, err := h.merchants.UpdateCampaign(r.Context(), id, upd)
	writeOne(h, w, r, http.StatusOK, c, err, toCampaignJSON)
}

func (h *Handler) deleteCampaign(w http.ResponseWriter, r *http.Request) {
	h.writeDeleted(w, r, h.merchants.DeleteCampaign(r.Context(), r.PathValue("campaignId")))
}

func (h *Handler) currentCampaigns(w http.ResponseWriter, r *http.Request) {
	p, err := modelPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.merchants.CurrentCampaigns(r.Context(), p)
	writeList(h, w, r, list, err, toCampaignJSON)
}

func (h *Handler) merchantCampaigns(w http.ResponseWriter, r *http.Request) {
	p, err := modelPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.merchants.MerchantCampaigns(r.Context(), r.PathValue("merchantId"), &p)
	writeList(h, w, r, list, err, toCampaignJSON)
}

// --- derived shares ---

type derivedShareRequest struct {
	id, merchantID            *string
	share, derivedShare       decimal.Decimal
	hasShare, hasDerivedShare bool
	derivedShareType          *merchant.ShareType
}

func decodeDerivedShareObject(obj storebox.Object, pathID string) (req derivedShareRequest, err error) {
	if req.id, err = idMember(obj, "derivedShareId", pathID); err != nil {
		return req, err
	}
	if req.merchantID, err = idMember(obj, "merchantId", ""); err != nil {
		return req, err
	}
	if req.share, req.hasShare, err = decimalMember(obj, "share"); err != nil {
		return req, err
	}
	if req.derivedShare, req.hasDerivedShare, err = decimalMember(obj, "derivedShare"); err != nil {
		return req, err
	}
	req.derivedShareType, err = shareTypeMember(obj, "derivedShareType")
	return req, err
}

// create builds the create input; the merchant may come from the path.
func (req derivedShareRequest) create(needMerchant bool) (in merchant.DerivedShareCreate, err error) {
	err = firstError(
		required("merchantId", !needMerchant || req.merchantID != nil),
		required("share", req.hasShare),
		required("derivedShare", req.hasDerivedShare),
	)
	if err != nil {
		return in, err
	}
	in = merchant.DerivedShareCreate{ID: req.id, Share: req.share, DerivedShare: req.derivedShare, DerivedShareType: req.derivedShareType}
	if req.merchantID != nil {
		in.MerchantID = *req.merchantID
	}
	return in, nil
}

func (h *Handler) createDerivedShare(w http.ResponseWriter, r *http.Request) {
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	req, err := decodeDerivedShareObject(obj, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := req.create(true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.merchants.CreateDerivedShare(r.Context(), in)
	location := ""
	if err == nil {
		location = "/api/v1/derivedshares/" + d.ID
	}
	writeCreated(h, w, r, location, d, err, toDerivedShareJSON)
}

func (h *Handler) getDerivedShare(w http.ResponseWriter, r *http.Request) {
	d, err := h.merchants.DerivedShare(r.Context(), r.PathValue("derivedShareId"))
	writeOne(h, w, r, http.StatusOK, d, err, toDerivedShareJSON)
}

func (h *Handler) updateDerivedShare(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("derivedShareId")
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	req, err := decodeDerivedShareObject(obj, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	upd := merchant.DerivedShareUpdate{MerchantID: req.merchantID, DerivedShareType: req.derivedShareType}
	if req.hasShare {
		upd.Share = &req.share
	}
	if req.hasDerivedShare {
		upd.DerivedShare = &req.derivedShare
	}
	d, err := h.merchants.UpdateDerivedShare(r.Context(), id, upd)
	writeOne(h, w, r, http.StatusOK, d, err, toDerivedShareJSON)
}

func (h *Handler) deleteDerivedShare(w http.ResponseWriter, r *http.Request) {
	h.writeDeleted(w, r, h.merchants.DeleteDerivedShare(r.Context(), r.PathValue("derivedShareId")))
}

func (h *Handler) merchantDerivedShares(w http.ResponseWriter, r *http.Request) {
	p, err := modelPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.merchants.MerchantDerivedShares(r.Context(), r.PathValue("merchantId"), &p)
	writeList(h, w, r, list, err, toDerivedShareJSON)
}

// replaceDerivedShares replaces all derived shares of the merchant with the
// body's {"derivedShares": [...]}, in one transaction.
func (h *Handler) replaceDerivedShares(w http.ResponseWriter, r *http.Request) {
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	raw, ok := obj["derivedShares"]
	if !ok {
		h.fail(w, r, errs.InvalidField("derivedShares", "derivedShares is required"))
		return
	}
	items, err := objectArray(raw, "derivedShares")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := make([]merchant.DerivedShareCreate, len(items))
	for i, item := range items {
		req, err := decodeDerivedShareObject(item, "")
		if err == nil {
			in[i], err = req.create(false)
		}
		if err != nil {
			h.fail(w, r, atIndex("derivedShares", i, err))
			return
		}
	}
	list, err := h.merchants.ReplaceDerivedShares(r.Context(), r.PathValue("merchantId"), in)
	writeList(h, w, r, list, err, toDerivedShareJSON)
}

// --- blocked products ---

func decodeBlockedProduct(obj storebox.Object) (in merchant.BlockedProductCreate, err error) {
	if in.ID, err = idMember(obj, "productId", ""); err != nil {
		return in, err
	}
	if in.Name, _, err = obj.String("name"); err != nil {
		return in, err
	}
	var hasNumber bool
	if in.ProductNumber, hasNumber, err = textMember(obj, "productNumber"); err != nil {
		return in, err
	}
	return in, required("productNumber", hasNumber)
}

func (h *Handler) blockedProducts(w http.ResponseWriter, r *http.Request) {
	p, err := modelPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.merchants.BlockedProducts(r.Context(), p)
	writeList(h, w, r, list, err, toBlockedProductJSON)
}

func (h *Handler) createBlockedProduct(w http.ResponseWriter, r *http.Request) {
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := decodeBlockedProduct(obj)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := h.merchants.CreateBlockedProduct(r.Context(), in)
	writeOne(h, w, r, http.StatusCreated, b, err, toBlockedProductJSON)
}

func (h *Handler) createBlockedProducts(w http.ResponseWriter, r *http.Request) {
	items, err := decodeArray(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := make([]merchant.BlockedProductCreate, len(items))
	for i, obj := range items {
		if in[i], err = decodeBlockedProduct(obj); err != nil {
			h.fail(w, r, atIndex("", i, err))
			return
		}
	}
	list, err := h.merchants.CreateBlockedProducts(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusCreated, mapJSON(list, toBlockedProductJSON))
}

func (h *Handler) deleteBlockedProduct(w http.ResponseWriter, r *http.Request) {
	h.writeDeleted(w, r, h.merchants.DeleteBlockedProduct(r.Context(), r.PathValue("productId")))
}
