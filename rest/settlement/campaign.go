package settlement

import (
	"net/http"
	"time"

	"loyaltygraph/app/merchants"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/rest/storebox"
)

// campaigns is the campaign resource: /api/v1/campaigns.
var campaigns = &resource[*merchant.Campaign, merchant.CampaignCreate, merchant.CampaignUpdate, campaignJSON]{
	doc: resourceDoc{name: "Campaign", names: "Campaigns", noun: "campaign", nouns: "campaigns", tag: tagCampaigns,
		about: "Add a campaign: shares for a period (campaignStart to campaignEnd, ISO-8601), for the whole merchant " +
			"or only a store (storeNumber), a category (categoryId) or a product (productNumber).",
		createBody: campaignCreateBody{}, updateBody: campaignUpdateBody{},
		createErrors: nil, updateErrors: []int{409}},
	plural: "campaigns", path: "/api/v1/campaigns", idParam: "campaignId",
	decodeCreate: campaignCreate, decodeUpdate: campaignUpdate,
	create: Merchants.CreateCampaign, find: Merchants.Campaign, update: Merchants.UpdateCampaign,
	remove: Merchants.DeleteCampaign, ofMerchant: Merchants.MerchantCampaigns,
	idOf: func(c *merchant.Campaign) string { return c.ID }, toJSON: toCampaignJSON,
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

type campaignRequest struct {
	id, merchantID, name                   *string
	start, end                             time.Time
	hasStart, hasEnd                       bool
	storeNumber, categoryID, productNumber *string
	shares                                 sharesRequest
}

func decodeCampaign(obj storebox.Object, pathID string) (req campaignRequest, err error) {
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

func campaignCreate(obj storebox.Object) (in merchant.CampaignCreate, err error) {
	req, err := decodeCampaign(obj, "")
	if err != nil {
		return in, err
	}
	in = merchant.CampaignCreate{ID: req.id, Start: req.start, End: req.end,
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
	return in, err
}

func campaignUpdate(obj storebox.Object, id string) (upd merchant.CampaignUpdate, err error) {
	req, err := decodeCampaign(obj, id)
	if err != nil {
		return upd, err
	}
	upd = merchant.CampaignUpdate{MerchantID: req.merchantID, Name: req.name,
		StoreNumber: req.storeNumber, CategoryID: req.categoryID, ProductNumber: req.productNumber,
		SharesUpdate: req.shares.update()}
	if req.hasStart {
		upd.Start = &req.start
	}
	if req.hasEnd {
		upd.End = &req.end
	}
	return upd, nil
}

func (h *Handler) currentCampaigns(w http.ResponseWriter, r *http.Request) {
	list, err := allOf(r, func(p merchants.Page) ([]*merchant.Campaign, error) {
		return h.merchants.CurrentCampaigns(r.Context(), p)
	})
	writeList(h, w, r, list, err, toCampaignJSON)
}
