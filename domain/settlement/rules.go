package settlement

import (
	"context"

	"loyaltygraph/domain/merchant"
)

// MerchantModel is what the settlement service reads of the merchant
// context: every active merchant's rules, as one snapshot.
type MerchantModel interface {
	LoadAllRules(ctx context.Context) ([]*merchant.Rules, error)
}

// ModelRules is a RulesSource over the merchant context: the rules of every
// active merchant.
type ModelRules struct {
	Model MerchantModel
}

// AllRules loads every active merchant's rules, in merchant id order, from
// one snapshot of the merchant model.
func (m ModelRules) AllRules(ctx context.Context) ([]*Rules, error) {
	all, err := m.Model.LoadAllRules(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Rules, len(all))
	for i, r := range all {
		out[i] = FromModel(r)
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// FromModel maps a merchant's model to the engine's rules.
func FromModel(m *merchant.Rules) *Rules {
	r := &Rules{MerchantID: m.Merchant.ID, OwnerID: m.Merchant.OwnerID, Blocked: make(map[string]bool, len(m.Blocked))}
	for _, s := range m.Shops {
		r.Stores = append(r.Stores, StoreRule{StoreID: s.ID, StoreNumber: s.StoreNumber, Name: s.Name,
			User: s.Shares.User(), Provider: s.Shares.Provider(), Source: s.Source})
	}
	for _, c := range m.Companies {
		r.Companies = append(r.Companies, CompanyRule{CompanyID: c.ID, RegistrationNumber: c.RegistrationNumber,
			User: c.Shares.User(), Provider: c.Shares.Provider()})
	}
	for _, c := range m.Campaigns {
		r.Campaigns = append(r.Campaigns, CampaignRule{CampaignID: c.ID, StoreNumber: deref(c.StoreNumber),
			CategoryID: deref(c.CategoryID), ProductNumber: deref(c.ProductNumber), Start: c.Start, End: c.End,
			User: c.Shares.User(), Provider: c.Shares.Provider()})
	}
	for _, d := range m.DerivedShares {
		r.Derived = append(r.Derived, DerivedShare{DerivedShareID: d.ID, For: SideEither, Match: d.Share,
			Share: merchant.Share{Value: d.DerivedShare, Type: d.DerivedShareType}})
	}
	for _, c := range m.Categories {
		r.Categories = append(r.Categories, CategoryRule{CategoryID: c.ID, Name: c.Name, StoreNumber: deref(c.StoreNumber),
			User: c.Shares.User(), Provider: c.Shares.Provider()})
	}
	for _, p := range m.Products {
		r.Products = append(r.Products, ProductRule{ProductNumber: p.ProductNumber, CategoryID: p.CategoryID})
	}
	for _, b := range m.Blocked {
		r.Blocked[b.ProductNumber] = true
	}
	return r
}
