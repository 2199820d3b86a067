package settlement

import (
	"encoding/json"
	"net/http"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/rest/storebox"
)

// derivedShares is the derived share resource: /api/v1/derivedshares.
var derivedShares = &resource[*merchant.DerivedShare, merchant.DerivedShareCreate, merchant.DerivedShareUpdate, derivedShareJSON]{
	doc: resourceDoc{name: "DerivedShare", names: "DerivedShares", noun: "derived share", nouns: "derived shares",
		tag: tagDerivedShares,
		about: "Add a derived share to a merchant: a row of the lookup table that a share of type derived reads " +
			"(share is the other share's value, derivedShare the value it derives, percentage or fixed_amount).",
		createBody: derivedShareCreateBody{}, updateBody: derivedShareUpdateBody{},
		createErrors: nil, updateErrors: []int{409}},
	plural: "derivedshares", path: "/api/v1/derivedshares", idParam: "derivedShareId",
	decodeCreate: func(obj storebox.Object) (merchant.DerivedShareCreate, error) {
		req, err := decodeDerivedShareObject(obj, "")
		if err != nil {
			return merchant.DerivedShareCreate{}, err
		}
		return req.create(true)
	},
	decodeUpdate: derivedShareUpdate,
	create:       Merchants.CreateDerivedShare, find: Merchants.DerivedShare,
	update: Merchants.UpdateDerivedShare, remove: Merchants.DeleteDerivedShare,
	ofMerchant: Merchants.MerchantDerivedShares,
	idOf:       func(d *merchant.DerivedShare) string { return d.ID }, toJSON: toDerivedShareJSON,
}

type derivedShareJSON struct {
	DerivedShareID   string          `json:"derivedShareId"`
	MerchantID       string          `json:"merchantId"`
	Share            storebox.Number `json:"share"`
	DerivedShare     storebox.Number `json:"derivedShare"`
	DerivedShareType string          `json:"derivedShareType" openapi:"enum=percentage|fixed_amount"`
}

func toDerivedShareJSON(d *merchant.DerivedShare) derivedShareJSON {
	return derivedShareJSON{DerivedShareID: d.ID, MerchantID: d.MerchantID, Share: storebox.Number(d.Share),
		DerivedShare: storebox.Number(d.DerivedShare), DerivedShareType: string(d.DerivedShareType)}
}

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

func derivedShareUpdate(obj storebox.Object, id string) (upd merchant.DerivedShareUpdate, err error) {
	req, err := decodeDerivedShareObject(obj, id)
	if err != nil {
		return upd, err
	}
	upd = merchant.DerivedShareUpdate{MerchantID: req.merchantID, DerivedShareType: req.derivedShareType}
	if req.hasShare {
		upd.Share = &req.share
	}
	if req.hasDerivedShare {
		upd.DerivedShare = &req.derivedShare
	}
	return upd, nil
}

// replaceDerivedShares replaces all derived shares of the merchant with
// the body, in one transaction. The body is the seed's body schema, a bare
// JSON array of derived shares, or its sample, {"derivedShares": [...]}.
func (h *Handler) replaceDerivedShares(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	err := storebox.DecodeJSON(r, &raw)
	field := ""
	if err == nil {
		switch {
		case len(raw) > 0 && raw[0] == '[':
		case len(raw) > 0 && raw[0] == '{':
			var obj storebox.Object
			if json.Unmarshal(raw, &obj) != nil {
				err = errs.E(errs.Invalid, "request body must be a JSON array or object")
				break
			}
			var ok bool
			if raw, ok = obj["derivedShares"]; !ok {
				err = errs.InvalidField("derivedShares", "derivedShares is required")
			}
			field = "derivedShares"
		default:
			err = errs.E(errs.Invalid, "request body must be a JSON array of derived shares or {\"derivedShares\": [...]}")
		}
	}
	var in []merchant.DerivedShareCreate
	if err == nil {
		in, err = decodeEach(raw, field, func(item storebox.Object) (merchant.DerivedShareCreate, error) {
			req, err := decodeDerivedShareObject(item, "")
			if err != nil {
				return merchant.DerivedShareCreate{}, err
			}
			return req.create(false)
		})
	}
	var list []*merchant.DerivedShare
	if err == nil {
		list, err = h.merchants.ReplaceDerivedShares(r.Context(), r.PathValue("merchantId"), in)
	}
	writeList(h, w, r, list, err, toDerivedShareJSON)
}
