package settlement

import (
	"net/http"

	"loyaltygraph/app/merchants"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/rest/storebox"
)

// Blocked products: product numbers never settled, across merchants.

type blockedProductJSON struct {
	ProductID     string `json:"productId"`
	Name          string `json:"name"`
	ProductNumber string `json:"productNumber"`
}

func toBlockedProductJSON(b *merchant.BlockedProduct) blockedProductJSON {
	return blockedProductJSON{ProductID: b.ID, Name: b.Name, ProductNumber: b.ProductNumber}
}

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
	list, err := allOf(r, func(p merchants.Page) ([]*merchant.BlockedProduct, error) {
		return h.merchants.BlockedProducts(r.Context(), p)
	})
	writeList(h, w, r, list, err, toBlockedProductJSON)
}

func (h *Handler) createBlockedProduct(w http.ResponseWriter, r *http.Request) {
	obj, err := storebox.DecodeObject(r)
	var in merchant.BlockedProductCreate
	if err == nil {
		in, err = decodeBlockedProduct(obj)
	}
	var b *merchant.BlockedProduct
	if err == nil {
		b, err = h.merchants.CreateBlockedProduct(r.Context(), in)
	}
	writeOne(h, w, r, http.StatusCreated, b, err, toBlockedProductJSON)
}

func (h *Handler) createBlockedProducts(w http.ResponseWriter, r *http.Request) {
	in, err := decodeItems(r, decodeBlockedProduct)
	var list []*merchant.BlockedProduct
	if err == nil {
		list, err = h.merchants.CreateBlockedProducts(r.Context(), in)
	}
	writeList(h, w, r, list, err, toBlockedProductJSON, http.StatusCreated)
}

func (h *Handler) deleteBlockedProduct(w http.ResponseWriter, r *http.Request) {
	h.writeDeleted(w, r, h.merchants.DeleteBlockedProduct(r.Context(), r.PathValue("productId")))
}
