package settlement

import (
	"net/http"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/rest/storebox"
)

// merchantJSON is a merchant as the Loyalty Settlement API shows it when
// created or listed.
type merchantJSON struct {
	MerchantID     string `json:"merchantId"`
	MerchantName   string `json:"merchantName"`
	MerchantStatus string `json:"merchantStatus"`
	Companies      []any  `json:"companies"`
	Campaigns      []any  `json:"campaigns"`
}

// merchantDetailJSON is a merchant as "get merchant" shows it.
type merchantDetailJSON struct {
	merchantJSON
	Stores        []any `json:"stores"`
	Categories    []any `json:"categories"`
	DerivedShares []any `json:"derivedShares"`
}

func toMerchantJSON(m *merchant.Merchant) merchantJSON {
	return merchantJSON{
		MerchantID: m.ID, MerchantName: m.Name, MerchantStatus: string(m.Status),
		// Companies and campaigns join the merchant with the settlement model.
		Companies: []any{}, Campaigns: []any{},
	}
}

func toMerchantDetailJSON(m *merchant.Merchant) merchantDetailJSON {
	return merchantDetailJSON{merchantJSON: toMerchantJSON(m), Stores: []any{}, Categories: []any{}, DerivedShares: []any{}}
}

// merchantRequest is the body of "add merchant" and "update merchant".
type merchantRequest struct {
	id, name, status          string
	hasID, hasName, hasStatus bool
}

// decodeMerchant reads a merchant body, naming the field of any error.
func decodeMerchant(r *http.Request) (req merchantRequest, err error) {
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		return req, err
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
	req, err := decodeMerchant(r)
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
	m, err := h.res.MerchantOps.Create(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/merchants/"+m.ID)
	storebox.WriteJSON(w, http.StatusCreated, toMerchantJSON(m))
}

func (h *Handler) listMerchants(w http.ResponseWriter, r *http.Request) {
	offset, err := storebox.QueryInt(r, "offset", 0, 1<<31-1)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	limit, err := storebox.QueryInt(r, "limit", merchant.MaxPageSize, merchant.MaxPageSize)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, _, err := h.res.MerchantOps.List(r.Context(), merchant.Filter{Offset: offset, Limit: limit})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]merchantJSON, len(list))
	for i, m := range list {
		out[i] = toMerchantJSON(m)
	}
	storebox.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) getMerchant(w http.ResponseWriter, r *http.Request) {
	m, err := h.res.MerchantOps.Get(r.Context(), r.PathValue("merchantId"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, toMerchantDetailJSON(m))
}

func (h *Handler) updateMerchant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("merchantId")
	req, err := decodeMerchant(r)
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
	m, err := h.res.MerchantOps.Update(r.Context(), id, upd)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, toMerchantDetailJSON(m))
}

func (h *Handler) deleteMerchant(w http.ResponseWriter, r *http.Request) {
	if err := h.res.MerchantOps.Delete(r.Context(), r.PathValue("merchantId")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
