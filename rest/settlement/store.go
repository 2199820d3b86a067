package settlement

import (
	"loyaltygraph/domain/merchant"
	"loyaltygraph/rest/storebox"
)

// stores is the store resource: /api/v1/stores.
var stores = &resource[*merchant.Shop, merchant.ShopCreate, merchant.ShopUpdate, storeJSON]{
	doc: resourceDoc{name: "Store", names: "Stores", noun: "store", nouns: "stores", tag: tagStores,
		about: "Add a store: a store number (the merchantId/cardAcceptorId of the acquirer's agreement, such as NETS) " +
			"whose shares override the company's. Its source says whether card transactions (transaction, the " +
			"default) or receipts (receipt) are settled at it.",
		createBody: storeCreateBody{}, updateBody: storeUpdateBody{},
		createErrors: nil, updateErrors: []int{409}},
	plural: "stores", path: "/api/v1/stores", idParam: "storeId",
	decodeCreate: storeCreate, decodeUpdate: storeUpdate,
	create: Merchants.CreateStore, find: Merchants.Store, update: Merchants.UpdateStore,
	remove: Merchants.DeleteStore, ofMerchant: Merchants.MerchantStores,
	idOf: func(s *merchant.Shop) string { return s.ID }, toJSON: toStoreJSON,
}

type storeJSON struct {
	StoreID     string `json:"storeId"`
	MerchantID  string `json:"merchantId"`
	StoreNumber string `json:"storeNumber"`
	Name        string `json:"name"`
	sharesJSON
	Source string `json:"source" openapi:"enum=transaction|receipt"`
}

func toStoreJSON(s *merchant.Shop) storeJSON {
	return storeJSON{StoreID: s.ID, MerchantID: s.MerchantID, StoreNumber: s.StoreNumber, Name: s.Name,
		sharesJSON: toSharesJSON(s.Shares), Source: string(s.Source)}
}

type storeRequest struct {
	id, merchantID, source  *string
	storeNumber, name       string
	hasStoreNumber, hasName bool
	shares                  sharesRequest
}

func decodeStore(obj storebox.Object, pathID string) (req storeRequest, err error) {
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

func storeCreate(obj storebox.Object) (in merchant.ShopCreate, err error) {
	req, err := decodeStore(obj, "")
	if err != nil {
		return in, err
	}
	in = merchant.ShopCreate{ID: req.id, StoreNumber: req.storeNumber, Name: req.name, Source: sourceOf(req.source)}
	err = firstError(
		required("merchantId", req.merchantID != nil),
		required("storeNumber", req.hasStoreNumber),
		required("name", req.hasName),
	)
	if err == nil {
		in.MerchantID = *req.merchantID
		in.SharesCreate, err = req.shares.create()
	}
	return in, err
}

func storeUpdate(obj storebox.Object, id string) (upd merchant.ShopUpdate, err error) {
	req, err := decodeStore(obj, id)
	if err != nil {
		return upd, err
	}
	upd = merchant.ShopUpdate{MerchantID: req.merchantID, SharesUpdate: req.shares.update(), Source: sourceOf(req.source)}
	if req.hasStoreNumber {
		upd.StoreNumber = &req.storeNumber
	}
	if req.hasName {
		upd.Name = &req.name
	}
	return upd, nil
}
