package resolvers

import (
	"context"
	"sort"
	"strings"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/graph/model"
	"loyaltygraph/resolvers/gqltypes"
)

// typeCustomer is the node type of an Open Loyalty customer; its native id
// is "storeCode/customerId".
const typeCustomer = "Customer"

type clientAddressKey struct{}

// WithClientAddress returns a context that carries the address a request
// came from, which logins count failures against.
func WithClientAddress(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddressKey{}, addr)
}

func clientAddress(ctx context.Context) string {
	s, _ := ctx.Value(clientAddressKey{}).(string)
	return s
}

func tokensPayload(t *loyalty.Tokens, err error) (*model.LoyaltyLoginPayload, error) {
	return payload(t, err, func(t *loyalty.Tokens, ue []*model.UserError) *model.LoyaltyLoginPayload {
		p := &model.LoyaltyLoginPayload{UserErrors: ue}
		if t != nil {
			p.Token, p.RefreshToken = &t.Token, &t.RefreshToken
		}
		return p
	})
}

func customerPayload(c *loyalty.Customer, err error) (*model.CustomerPayload, error) {
	return payload(c, err, func(c *loyalty.Customer, ue []*model.UserError) *model.CustomerPayload {
		return &model.CustomerPayload{Customer: c, UserErrors: ue}
	})
}

// changedCustomer answers a mutation of a customer with the customer as it
// is now (null when the caller may no longer read it).
func (r *Resolver) changedCustomer(ctx context.Context, store, id string, err error) (*model.CustomerPayload, error) {
	if err != nil {
		return customerPayload(nil, err)
	}
	c, err := r.LoyaltyOps.Customer(ctx, store, id)
	if errs.Is(err, errs.Forbidden) {
		return customerPayload(nil, nil)
	}
	return customerPayload(c, err)
}

func customerFields(in *model.CustomerFieldsInput) loyalty.Fields {
	if in == nil {
		return loyalty.Fields{}
	}
	f := loyalty.Fields{FirstName: in.FirstName, LastName: in.LastName, Gender: in.Gender, Email: in.Email,
		Phone: in.Phone, BirthDate: in.BirthDate, CreatedAt: in.CreatedAt, LoyaltyCardNumber: in.LoyaltyCardNumber,
		Labels: in.Labels, Agreement1: in.Agreement1, Agreement2: in.Agreement2, Agreement3: in.Agreement3,
		PlainPassword: in.PlainPassword, POSID: in.PosID, SellerID: in.SellerID}
	if a := in.Address; a != nil {
		f.Address = &loyalty.Address{Street: deref(a.Street), Address1: deref(a.Address1), Address2: deref(a.Address2),
			Postal: deref(a.Postal), City: deref(a.City), Province: deref(a.Province), Country: deref(a.Country)}
	}
	if c := in.Company; c != nil {
		f.Company = &loyalty.Company{Name: c.Name, NIP: c.Nip}
	}
	return f
}

func customerFilter(in *model.CustomerFilter, page, perPage *int, sort *string, dir *model.CustomerSortDirection) (loyalty.Filter, error) {
	var f loyalty.Filter
	if in != nil {
		f = loyalty.Filter{FirstName: in.FirstName, LastName: in.LastName, Phone: in.Phone, Email: in.Email,
			LoyaltyCardNumber: in.LoyaltyCardNumber, City: in.City, Postcode: in.Postcode, Strict: deref(in.Strict),
			TransactionsAmountFrom: in.TransactionsAmountFrom, TransactionsAmountTo: in.TransactionsAmountTo,
			AverageTransactionAmountFrom: in.AverageTransactionAmountFrom, AverageTransactionAmountTo: in.AverageTransactionAmountTo,
			TransactionsCountFrom: in.TransactionsCountFrom, TransactionsCountTo: in.TransactionsCountTo,
			DaysFromLastTransactionTo: in.DaysFromLastTransactionTo, HoursFromLastUpdateTo: in.HoursFromLastUpdateTo}
		for _, l := range in.Labels {
			f.Labels = append(f.Labels, loyalty.LabelFilter{Key: l.Key, Value: l.Value})
		}
		if len(f.Labels) > 50 {
			return f, errs.InvalidField("filter.labels", "at most 50 labels")
		}
	}
	p, n := deref(page), deref(perPage)
	if page == nil {
		p = 1
	}
	if perPage == nil {
		n = loyalty.DefaultPerPage
	}
	if p < 1 || p > 1_000_000 {
		return f, errs.InvalidField("page", "page must be a whole number from 1")
	}
	if n < 1 || n > loyalty.MaxPerPage {
		return f, errs.InvalidField("perPage", "perPage must be a whole number from 1 to %d", loyalty.MaxPerPage)
	}
	f.Offset, f.Limit, f.Sort = (p-1)*n, n, deref(sort)
	f.Desc = dir != nil && *dir == model.CustomerSortDirectionDesc
	return f, nil
}

func posSearch(in model.PosCustomerSearchInput) (loyalty.Filter, error) {
	f := loyalty.Filter{}
	given := false
	for _, p := range []struct {
		in  *string
		dst **string
	}{{in.LoyaltyCardNumber, &f.LoyaltyCardNumber}, {in.Phone, &f.Phone}, {in.Email, &f.Email},
		{in.FirstName, &f.FirstName}, {in.LastName, &f.LastName}, {in.City, &f.City}, {in.Postcode, &f.Postcode}} {
		if p.in != nil && strings.TrimSpace(*p.in) != "" {
			v := strings.TrimSpace(*p.in)
			*p.dst = &v
			given = true
		}
	}
	if !given {
		return f, errs.InvalidField("search", "at least one search field is required")
	}
	return f, nil
}

// findCustomers resolves customer nodes by their native ids.
func (r *Resolver) findCustomers(ctx context.Context, ids []string) (map[string]gqltypes.Node, error) {
	return eachNode(func(ctx context.Context, id string) (*loyalty.Customer, error) {
		store, cid, ok := strings.Cut(id, "/")
		if !ok {
			return nil, errs.NotFoundf("customer not found")
		}
		return r.LoyaltyOps.Customer(ctx, store, cid)
	})(ctx, ids)
}

// expiringBreakdown lists a status's expiring points by day, earliest
// first.
func expiringBreakdown(s *loyalty.Status) []*model.PointsExpiringOnDay {
	out := make([]*model.PointsExpiringOnDay, 0, len(s.PointsExpiringBreakdown))
	for day, p := range s.PointsExpiringBreakdown {
		d, err := time.Parse("2006-01-02", day)
		if err != nil {
			continue
		}
		out = append(out, &model.PointsExpiringOnDay{Date: d, Points: p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

// maxImportBytes caps an import file.
const maxImportBytes = 3 << 20

func importPayload(p *model.ImportCustomersPayload, err error) (*model.ImportCustomersPayload, error) {
	return payload(p, err, func(p *model.ImportCustomersPayload, ue []*model.UserError) *model.ImportCustomersPayload {
		if p == nil {
			p = &model.ImportCustomersPayload{Items: []*model.CustomerImportItem{}}
		}
		p.UserErrors = ue
		return p
	})
}

func (r *Resolver) importPayload(ctx context.Context, store string, res *loyalty.ImportResult) (*model.ImportCustomersPayload, error) {
	p := &model.ImportCustomersPayload{Items: make([]*model.CustomerImportItem, len(res.Items)),
		TotalProcessed: res.Processed, TotalSuccess: res.Succeeded, TotalFailed: res.Failed}
	for i, it := range res.Items {
		item := &model.CustomerImportItem{Status: "error", Identifier: it.Identifier}
		if it.Success {
			item.Status = "success"
			c, err := r.LoyaltyOps.Customer(ctx, store, it.CustomerID)
			if err != nil {
				return nil, err
			}
			item.Customer = c
		} else {
			msg := it.Message
			item.Message = &msg
		}
		p.Items[i] = item
	}
	return importPayload(p, nil)
}

// registrations lists registration counts by period, oldest first.
func registrations(counts map[string]int) []*model.CustomerRegistrations {
	out := make([]*model.CustomerRegistrations, 0, len(counts))
	for k, n := range counts {
		out = append(out, &model.CustomerRegistrations{Period: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Period < out[j].Period })
	return out
}

func avatarPayload(a *loyalty.Avatar, err error) (*model.CustomerAvatarPayload, error) {
	return payload(a, err, func(a *loyalty.Avatar, ue []*model.UserError) *model.CustomerAvatarPayload {
		return &model.CustomerAvatarPayload{Avatar: a, UserErrors: ue}
	})
}

// codePayload answers sending or entering a code: ok, or the userErrors.
func codePayload(err error) (*model.CustomerCodePayload, error) {
	return payload(true, err, func(ok bool, ue []*model.UserError) *model.CustomerCodePayload {
		return &model.CustomerCodePayload{Ok: ok, UserErrors: ue}
	})
}
