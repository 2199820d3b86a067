package resolvers

import (
	"context"
	"time"

	"github.com/vikstrous/dataloadgen"

	apployalty "loyaltygraph/app/loyalty"

	"loyaltygraph/domain/checkout"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/domain/user"
)

// Relationship fields (Merchant.companies, Category.products,
// Settlement.merchant, …) load through per-operation dataloaders: every
// key asked for while one batch window is open becomes one call of an
// operation's batch reader (CompaniesOf, ProductsOf, GetMany, …), so the
// SQL statements of a request do not grow with the length of its lists.
// The loaders live in the operation's context (WithLoaders), which the
// GraphQL server installs around every operation; they cache for that
// operation only, so no data outlives it or crosses principals.

const (
	// loaderWait is how long a loader collects keys before it fetches.
	// gqlgen resolves the elements of a list concurrently, so the keys of
	// a page arrive well within it (a page of 100 merchants is one batch).
	loaderWait = 5 * time.Millisecond
	// loaderBatchCapacity bounds the ids of one batch reader call.
	loaderBatchCapacity = 500
)

// Loaders are the dataloaders of one GraphQL operation.
type Loaders struct {
	// Keyed by merchant id.
	Companies     *dataloadgen.Loader[string, []*merchant.Company]
	Stores        *dataloadgen.Loader[string, []*merchant.Shop]
	Categories    *dataloadgen.Loader[string, []*merchant.Category]
	Campaigns     *dataloadgen.Loader[string, []*merchant.Campaign]
	DerivedShares *dataloadgen.Loader[string, []*merchant.DerivedShare]
	// Products is keyed by category id.
	Products *dataloadgen.Loader[string, []*merchant.Product]
	// Merchants is keyed by merchant id; an unknown merchant is nil.
	Merchants *dataloadgen.Loader[string, *merchant.Merchant]
	// Invoices and SourceStates are keyed by merchant id. Their operations
	// read one merchant at a time, so these batch nothing, but read each
	// merchant once per operation however often a query reaches it (as
	// every settlement of a page reaches its merchant).
	Invoices     *dataloadgen.Loader[string, []*settlement.Invoice]
	SourceStates *dataloadgen.Loader[string, []*settlement.SourceState]
	// Cards is keyed by card id (Receipt.matchedCards,
	// ReceiptPayment.card); a card the caller does not reach is nil.
	Cards *dataloadgen.Loader[string, *user.Card]
	// MarketingMessages is keyed by receipt id; a receipt without a
	// message (or out of reach) loads as nil.
	MarketingMessages *dataloadgen.Loader[string, *receipt.MarketingMessage]
	// CustomerStatuses is keyed by the customer as read in this request.
	CustomerStatuses *dataloadgen.Loader[*loyalty.Customer, *loyalty.Status]
	// CustomerPushyTokens and CustomerAvatars (facts, no bytes; nil when
	// none) are keyed by the customer as read in this request.
	CustomerPushyTokens *dataloadgen.Loader[*loyalty.Customer, []string]
	CustomerAvatars     *dataloadgen.Loader[*loyalty.Customer, *loyalty.Avatar]
	// UserCustomers is keyed by the user as read in this request
	// (User.loyalty); a user without a customer it reaches is nil.
	UserCustomers *dataloadgen.Loader[*user.User, *apployalty.UserCustomer]
	// UserCheckoutAccounts is keyed by the user as read in this request
	// (User.checkoutAccount); a user without a linked account it reaches
	// is nil.
	UserCheckoutAccounts *dataloadgen.Loader[*user.User, *checkout.Account]
	// LinkedOrders is keyed by a page of a linked account's orders
	// (CheckoutAccount.orders through User.checkoutAccount); an account
	// not linked to the caller is nil.
	LinkedOrders *dataloadgen.Loader[checkout.AccountPage, *checkout.OrderPage]
}

// NewLoaders returns fresh loaders over the resolver's operations.
func (r *Resolver) NewLoaders() *Loaders {
	m := r.MerchantOps
	return &Loaders{
		Companies:     groupLoader(m.CompaniesOf, func(c *merchant.Company) string { return c.MerchantID }),
		Stores:        groupLoader(m.StoresOf, func(s *merchant.Shop) string { return s.MerchantID }),
		Categories:    groupLoader(m.CategoriesOf, func(c *merchant.Category) string { return c.MerchantID }),
		Campaigns:     groupLoader(m.CampaignsOf, func(c *merchant.Campaign) string { return c.MerchantID }),
		DerivedShares: groupLoader(m.DerivedSharesOf, func(d *merchant.DerivedShare) string { return d.MerchantID }),
		Products:      groupLoader(m.ProductsOf, func(p *merchant.Product) string { return p.CategoryID }),
		Merchants:     oneLoader(r.MerchantOps.GetMany, func(m *merchant.Merchant) string { return m.ID }),
		Invoices: keyLoader(func(ctx context.Context, merchantID string) ([]*settlement.Invoice, error) {
			return r.SettlementOps.Invoices(ctx, "", merchantID)
		}),
		SourceStates:         keyLoader(r.SettlementOps.SourceStates),
		Cards:                oneLoader(r.UserOps.CardsByID, func(c *user.Card) string { return c.ID }),
		MarketingMessages:    oneLoader(r.ReceiptOps.MessagesOf, func(m *receipt.MarketingMessage) string { return m.ReceiptID }),
		CustomerStatuses:     batchLoader(r.LoyaltyOps.StatusesOf),
		CustomerPushyTokens:  batchLoader(r.LoyaltyOps.PushyTokensOf),
		CustomerAvatars:      batchLoader(r.LoyaltyOps.AvatarsOf),
		UserCustomers:        batchLoader(r.LoyaltyOps.CustomersOfUsers),
		UserCheckoutAccounts: batchLoader(r.CheckoutOps.AccountsOfUsers),
		LinkedOrders:         batchLoader(r.CheckoutOps.LinkedOrders),
	}
}

type loadersKey struct{}

// WithLoaders returns ctx carrying a fresh set of loaders, for one
// operation.
func (r *Resolver) WithLoaders(ctx context.Context) context.Context {
	return context.WithValue(ctx, loadersKey{}, r.NewLoaders())
}

// loaders returns the operation's loaders. Without them (a caller that
// did not go through WithLoaders) it returns a fresh set: still correct,
// only without batching across fields.
func (r *Resolver) loaders(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return r.NewLoaders()
}

// groupLoader makes a loader of the children of many parents from a batch
// reader that returns the children of all of them, in its order; parentOf
// names a child's parent. A parent without children gets an empty list; an
// error of the reader is every key's error.
func groupLoader[T any](fetch func(context.Context, []string) ([]T, error), parentOf func(T) string) *dataloadgen.Loader[string, []T] {
	return dataloadgen.NewLoader(func(ctx context.Context, keys []string) ([][]T, []error) {
		list, err := fetch(ctx, keys)
		if err != nil {
			return nil, []error{err}
		}
		byParent := make(map[string][]T, len(keys))
		for _, v := range list {
			p := parentOf(v)
			byParent[p] = append(byParent[p], v)
		}
		out := make([][]T, len(keys))
		for i, k := range keys {
			if out[i] = byParent[k]; out[i] == nil {
				out[i] = []T{}
			}
		}
		return out, nil
	}, dataloadgen.WithWait(loaderWait), dataloadgen.WithBatchCapacity(loaderBatchCapacity))
}

// oneLoader makes a loader of objects by id from a batch reader that
// returns those of the ids that exist; a missing id loads as the zero
// value (nil), not an error.
func oneLoader[T any](fetch func(context.Context, []string) ([]T, error), idOf func(T) string) *dataloadgen.Loader[string, T] {
	return dataloadgen.NewLoader(func(ctx context.Context, keys []string) ([]T, []error) {
		list, err := fetch(ctx, keys)
		if err != nil {
			return nil, []error{err}
		}
		byID := make(map[string]T, len(list))
		for _, v := range list {
			byID[idOf(v)] = v
		}
		out := make([]T, len(keys))
		for i, k := range keys {
			out[i] = byID[k]
		}
		return out, nil
	}, dataloadgen.WithWait(loaderWait), dataloadgen.WithBatchCapacity(loaderBatchCapacity))
}

// keyLoader makes a loader over an operation that reads one key at a time:
// each key of a batch is one read, but no key is read twice in an
// operation.
func keyLoader[T any](read func(context.Context, string) (T, error)) *dataloadgen.Loader[string, T] {
	return dataloadgen.NewLoader(func(ctx context.Context, keys []string) ([]T, []error) {
		out, errs := make([]T, len(keys)), make([]error, len(keys))
		for i, k := range keys {
			out[i], errs[i] = read(ctx, k)
		}
		return out, errs
	}, dataloadgen.WithWait(loaderWait), dataloadgen.WithBatchCapacity(loaderBatchCapacity))
}

// batchLoader makes a loader over a batch reader that answers for its keys
// in their order; an error of the reader is every key's error.
func batchLoader[K comparable, T any](read func(context.Context, []K) ([]T, error)) *dataloadgen.Loader[K, T] {
	return dataloadgen.NewLoader(func(ctx context.Context, keys []K) ([]T, []error) {
		out, err := read(ctx, keys)
		if err != nil {
			return nil, []error{err}
		}
		return out, nil
	}, dataloadgen.WithWait(loaderWait), dataloadgen.WithBatchCapacity(loaderBatchCapacity))
}
