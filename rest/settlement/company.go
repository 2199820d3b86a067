package settlement

import (
	"loyaltygraph/domain/merchant"
	"loyaltygraph/rest/storebox"
)

// companies is the company resource: /api/v1/companies.
var companies = &resource[*merchant.Company, merchant.CompanyCreate, merchant.CompanyUpdate, companyJSON]{
	doc: resourceDoc{name: "Company", names: "Companies", noun: "company", nouns: "companies", tag: tagCompanies,
		about: "Add a company: a company registration number (in Denmark the CVR number) whose payment transactions " +
			"the merchant receives, with the user and provider shares they are settled with. With zero shares, only " +
			"transactions at one of the merchant's stores (by store number) are settled.",
		createBody: companyCreateBody{}, updateBody: companyUpdateBody{},
		createErrors: nil, updateErrors: []int{409}},
	plural: "companies", path: "/api/v1/companies", idParam: "companyId",
	decodeCreate: companyCreate, decodeUpdate: companyUpdate,
	create: Merchants.CreateCompany, find: Merchants.Company, update: Merchants.UpdateCompany,
	remove: Merchants.DeleteCompany, ofMerchant: Merchants.MerchantCompanies,
	idOf: func(c *merchant.Company) string { return c.ID }, toJSON: toCompanyJSON,
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

type companyRequest struct {
	id, merchantID                 *string
	name, registrationNumber       string
	hasName, hasRegistrationNumber bool
	shares                         sharesRequest
}

// decodeCompany reads a company body; pathID, on update, is the id that
// the body may repeat but not change.
func decodeCompany(obj storebox.Object, pathID string) (req companyRequest, err error) {
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

func companyCreate(obj storebox.Object) (in merchant.CompanyCreate, err error) {
	req, err := decodeCompany(obj, "")
	if err != nil {
		return in, err
	}
	in = merchant.CompanyCreate{ID: req.id, Name: req.name, RegistrationNumber: req.registrationNumber}
	err = firstError(
		required("merchantId", req.merchantID != nil),
		required("name", req.hasName),
		required("companyRegistrationNumber", req.hasRegistrationNumber),
	)
	if err == nil {
		in.MerchantID = *req.merchantID
		in.SharesCreate, err = req.shares.create()
	}
	return in, err
}

func companyUpdate(obj storebox.Object, id string) (upd merchant.CompanyUpdate, err error) {
	req, err := decodeCompany(obj, id)
	if err != nil {
		return upd, err
	}
	upd = merchant.CompanyUpdate{MerchantID: req.merchantID, SharesUpdate: req.shares.update()}
	if req.hasName {
		upd.Name = &req.name
	}
	if req.hasRegistrationNumber {
		upd.RegistrationNumber = &req.registrationNumber
	}
	return upd, nil
}
