package settlement

import (
	"context"
	"net/http"

	"loyaltygraph/app/merchants"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/rest/storebox"
)

// merchantJSON is a merchant as the Loyalty Settlement API shows it when
// created or listed.
type merchantJSON struct {
	MerchantID     string         `json:"merchantId"`
	MerchantName   string         `json:"merchantName"`
	MerchantStatus string         `json:"merchantStatus" openapi:"enum=active|disabled"`
	Companies      []companyJSON  `json:"companies"`
	Campaigns      []campaignJSON `json:"campaigns"`
}

// merchantDetailJSON is a merchant as "get merchant" shows it.
type merchantDetailJSON struct {
	merchantJSON
	Stores        []storeJSON        `json:"stores"`
	Categories    []categoryJSON     `json:"categories"`
	DerivedShares []derivedShareJSON `json:"derivedShares"`
}

// toMerchantJSON shows m with no companies or campaigns, as a new merchant
// has.
func toMerchantJSON(m *merchant.Merchant) merchantJSON {
	return merchantJSON{
		MerchantID: m.ID, MerchantName: m.Name, MerchantStatus: string(m.Status),
		Companies: []companyJSON{}, Campaigns: []campaignJSON{},
	}
}

// toMerchantListJSON shows merchants with their companies and campaigns,
// read with one query per list whatever the number of merchants.
func (h *Handler) toMerchantListJSON(ctx context.Context, list []*merchant.Merchant) ([]merchantJSON, error) {
	l := &merchant.Listing{Merchants: list}
	if len(list) == 0 {
		return listingJSON(l), nil
	}
	ids := make([]string, len(list))
	for i, m := range list {
		ids[i] = m.ID
	}
	var err error
	if l.Companies, err = h.merchants.CompaniesOf(ctx, ids); err != nil {
		return nil, err
	}
	if l.Campaigns, err = h.merchants.CampaignsOf(ctx, ids); err != nil {
		return nil, err
	}
	return listingJSON(l), nil
}

// listingJSON shows a page of merchants with their companies and
// campaigns. Companies and campaigns of merchants not on the page (a
// merchant added between the listing's statements) are left out.
func listingJSON(l *merchant.Listing) []merchantJSON {
	out := make([]merchantJSON, len(l.Merchants))
	at := make(map[string]int, len(l.Merchants))
	for i, m := range l.Merchants {
		out[i] = toMerchantJSON(m)
		at[m.ID] = i
	}
	for _, c := range l.Companies {
		if i, ok := at[c.MerchantID]; ok {
			out[i].Companies = append(out[i].Companies, toCompanyJSON(c))
		}
	}
	for _, c := range l.Campaigns {
		if i, ok := at[c.MerchantID]; ok {
			out[i].Campaigns = append(out[i].Campaigns, toCampaignJSON(c))
		}
	}
	return out
}

// toMerchantDetailJSON shows m with all its lists, one query each.
func (h *Handler) toMerchantDetailJSON(ctx context.Context, m *merchant.Merchant) (merchantDetailJSON, error) {
	var out merchantDetailJSON
	list, err := h.toMerchantListJSON(ctx, []*merchant.Merchant{m})
	if err != nil {
		return out, err
	}
	out.merchantJSON = list[0]
	ids := []string{m.ID}
	stores, err := h.merchants.StoresOf(ctx, ids)
	if err != nil {
		return out, err
	}
	categories, err := h.merchants.CategoriesOf(ctx, ids)
	if err != nil {
		return out, err
	}
	derived, err := h.merchants.DerivedSharesOf(ctx, ids)
	if err != nil {
		return out, err
	}
	out.Stores = mapJSON(stores, toStoreJSON)
	out.Categories = mapJSON(categories, toCategoryJSON)
	out.DerivedShares = mapJSON(derived, toDerivedShareJSON)
	return out, nil
}

// merchantRequest is the body of "add merchant" and "update merchant".
type merchantRequest struct {
	id, name, status          string
	hasID, hasName, hasStatus bool
}

// decodeMerchant reads a merchant body, naming the field of any error.
// On update, empty members are omitted (omitEmpty).
func decodeMerchant(r *http.Request, update bool) (req merchantRequest, err error) {
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		return req, err
	}
	if update {
		obj = omitEmpty(obj)
	}
	if req.id, req.hasID, err = obj.String("merchantId"); err != nil {
		return req, err
	}
	if req.name, req.hasName, err = obj.String("merchantName"); err != nil {
		return req, err
	}
	if req.status, req.hasStatus, err = obj.String("merchantStatus"); err != nil {
		return req, err
	}
	return req, nil
}

func (h *Handler) createMerchant(w http.ResponseWriter, r *http.Request) {
	req, err := decodeMerchant(r, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := merchant.Create{Name: req.name}
	if !req.hasName {
		h.fail(w, r, errs.InvalidField("merchantName", "merchantName is required"))
		return
	}
	if req.hasID {
		in.ID = &req.id
	}
	if req.hasStatus {
		s := merchant.Status(req.status)
		in.Status = &s
	}
	m, err := h.merchants.Create(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/merchants/"+m.ID)
	storebox.WriteJSON(w, http.StatusCreated, toMerchantJSON(m))
}

func (h *Handler) listMerchants(w http.ResponseWriter, r *http.Request) {
	// Each page is one round trip: the merchants, their companies and
	// their campaigns in one batch.
	out, err := allOf(r, func(p merchants.Page) ([]merchantJSON, error) {
		l, err := h.merchants.Listing(r.Context(), merchant.Filter{Offset: p.Offset, Limit: p.Limit})
		if err != nil {
			return nil, err
		}
		return listingJSON(l), nil
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) getMerchant(w http.ResponseWriter, r *http.Request) {
	m, err := h.merchants.Get(r.Context(), r.PathValue("merchantId"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeMerchantDetail(w, r, m)
}

func (h *Handler) updateMerchant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("merchantId")
	req, err := decodeMerchant(r, true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if req.hasID && req.id != id {
		h.fail(w, r, errs.InvalidField("merchantId", "merchantId cannot be updated"))
		return
	}
	var upd merchant.Update
	if req.hasName {
		upd.Name = &req.name
	}
	if req.hasStatus {
		s := merchant.Status(req.status)
		upd.Status = &s
	}
	m, err := h.merchants.Update(r.Context(), id, upd)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeMerchantDetail(w, r, m)
}

func (h *Handler) writeMerchantDetail(w http.ResponseWriter, r *http.Request, m *merchant.Merchant) {
	out, err := h.toMerchantDetailJSON(r.Context(), m)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, out)
}

// deleteMerchant deletes a merchant with its model (companies, stores,
// categories and products, campaigns, derived shares); it refuses (409)
// while settlements or invoices of the merchant exist.
func (h *Handler) deleteMerchant(w http.ResponseWriter, r *http.Request) {
	if err := h.merchants.Delete(r.Context(), r.PathValue("merchantId")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
