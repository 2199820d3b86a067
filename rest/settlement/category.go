package settlement

import (
	"net/http"

	"loyaltygraph/app/merchants"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/rest/storebox"
)

// categories is the product category resource: /api/v1/categories.
var categories = &resource[*merchant.Category, merchant.CategoryCreate, merchant.CategoryUpdate, categoryJSON]{
	doc: resourceDoc{name: "Category", names: "Categories", noun: "category", nouns: "categories", tag: tagCategories,
		about: "Add a product category: receipt lines whose product number is one of the category's products are " +
			"settled with its shares, at every store or at the store named by storeNumber.",
		createBody: categoryCreateBody{}, updateBody: categoryUpdateBody{},
		createErrors: nil, updateErrors: []int{409}},
	plural: "categories", path: "/api/v1/categories", idParam: "categoryId",
	decodeCreate: categoryCreate, decodeUpdate: categoryUpdate,
	create: Merchants.CreateCategory, find: Merchants.Category, update: Merchants.UpdateCategory,
	remove: Merchants.DeleteCategory, ofMerchant: Merchants.MerchantCategories,
	idOf: func(c *merchant.Category) string { return c.ID }, toJSON: toCategoryJSON,
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

type categoryRequest struct {
	id, merchantID, storeNumber *string
	name                        string
	hasName                     bool
	shares                      sharesRequest
}

func decodeCategory(obj storebox.Object, pathID string) (req categoryRequest, err error) {
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

func categoryCreate(obj storebox.Object) (in merchant.CategoryCreate, err error) {
	req, err := decodeCategory(obj, "")
	if err != nil {
		return in, err
	}
	in = merchant.CategoryCreate{ID: req.id, Name: req.name, StoreNumber: req.storeNumber}
	err = firstError(required("merchantId", req.merchantID != nil), required("name", req.hasName))
	if err == nil {
		in.MerchantID = *req.merchantID
		in.SharesCreate, err = req.shares.create()
	}
	return in, err
}

func categoryUpdate(obj storebox.Object, id string) (upd merchant.CategoryUpdate, err error) {
	req, err := decodeCategory(obj, id)
	if err != nil {
		return upd, err
	}
	upd = merchant.CategoryUpdate{MerchantID: req.merchantID, StoreNumber: req.storeNumber, SharesUpdate: req.shares.update()}
	if req.hasName {
		upd.Name = &req.name
	}
	return upd, nil
}

// --- products, which live in a category ---

type productJSON struct {
	ProductID     string `json:"productId"`
	CategoryID    string `json:"categoryId"`
	Name          string `json:"name"`
	ProductNumber string `json:"productNumber"`
}

func toProductJSON(p *merchant.Product) productJSON {
	return productJSON{ProductID: p.ID, CategoryID: p.CategoryID, Name: p.Name, ProductNumber: p.ProductNumber}
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
	var in merchant.ProductCreate
	if err == nil {
		var hasNumber bool
		in, hasNumber, err = decodeProduct(obj)
		if err == nil {
			_, hasCategory := obj["categoryId"]
			err = firstError(required("categoryId", hasCategory), required("productNumber", hasNumber))
		}
	}
	var p *merchant.Product
	if err == nil {
		p, err = h.merchants.CreateProduct(r.Context(), in)
	}
	writeOne(h, w, r, http.StatusCreated, p, err, toProductJSON)
}

func (h *Handler) addCategoryProducts(w http.ResponseWriter, r *http.Request) {
	in, err := decodeItems(r, func(obj storebox.Object) (merchant.ProductCreate, error) {
		in, hasNumber, err := decodeProduct(obj)
		if err == nil {
			err = required("productNumber", hasNumber)
		}
		return in, err
	})
	var list []*merchant.Product
	if err == nil {
		list, err = h.merchants.AddProducts(r.Context(), r.PathValue("categoryId"), in)
	}
	writeList(h, w, r, list, err, toProductJSON, http.StatusCreated)
}

func (h *Handler) categoryProducts(w http.ResponseWriter, r *http.Request) {
	list, err := allOf(r, func(p merchants.Page) ([]*merchant.Product, error) {
		return h.merchants.CategoryProducts(r.Context(), r.PathValue("categoryId"), &p)
	})
	writeList(h, w, r, list, err, toProductJSON)
}

func (h *Handler) deleteProduct(w http.ResponseWriter, r *http.Request) {
	h.writeDeleted(w, r, h.merchants.DeleteProduct(r.Context(), r.PathValue("productId")))
}
