package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/settlement"
)

// Priming: a page's relationship fields load through dataloaders whose
// batch window (loaderWait) closes on a timer. gqlgen starts a goroutine per
// element, and on a busy machine the keys of one page arrive over more than
// the window, so a page of 100 merchants could take 3 statements for its
// companies where 1 was meant (TestStatementsPerRequestDoNotGrowWithTheList
// caught it). A connection resolver that knows its page therefore reads the
// relationships its selection asks for itself, one batch reader call each,
// and primes the loaders with the result: the fields then read the cache,
// and the number of statements no longer depends on timing. Errors are not
// primed: the field's own load reports them.

// selectionAt returns the fields selected below the current field along
// path (field names, whatever their aliases).
func selectionAt(ctx context.Context, path ...string) []graphql.CollectedField {
	oc, fc := graphql.GetOperationContext(ctx), graphql.GetFieldContext(ctx)
	if oc == nil || fc == nil {
		return nil
	}
	sets := []ast.SelectionSet{fc.Field.Selections}
	for _, name := range path {
		var next []ast.SelectionSet
		for _, s := range sets {
			for _, f := range graphql.CollectFields(oc, s, nil) {
				if f.Name == name {
					next = append(next, f.Selections)
				}
			}
		}
		sets = next
	}
	var out []graphql.CollectedField
	for _, s := range sets {
		out = append(out, graphql.CollectFields(oc, s, nil)...)
	}
	return out
}

// childrenOf returns the fields selected below f.
func childrenOf(ctx context.Context, f graphql.CollectedField) []graphql.CollectedField {
	return graphql.CollectFields(graphql.GetOperationContext(ctx), f.Selections, nil)
}

// operationLoaders returns the operation's loaders, or nil outside an
// operation (then there is nothing to prime).
func operationLoaders(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	return l
}

// primeGroup reads the children of keys with one fetch and primes l.
func primeGroup[T any](ctx context.Context, l *dataloadgen.Loader[string, []T], keys []string,
	fetch func(context.Context, []string) ([]T, error), parentOf func(T) string) []T {
	list, err := fetch(ctx, keys)
	if err != nil {
		return nil
	}
	byParent := make(map[string][]T, len(keys))
	for _, v := range list {
		p := parentOf(v)
		byParent[p] = append(byParent[p], v)
	}
	for _, k := range keys {
		v := byParent[k]
		if v == nil {
			v = []T{}
		}
		l.Prime(k, v)
	}
	return list
}

// primeMerchantModel primes the model lists that fields select for ms.
func (r *Resolver) primeMerchantModel(ctx context.Context, ms []*merchant.Merchant, fields []graphql.CollectedField) {
	l := operationLoaders(ctx)
	if l == nil || len(ms) < 2 || len(fields) == 0 {
		return
	}
	ids := make([]string, 0, len(ms))
	seen := make(map[string]bool, len(ms))
	for _, m := range ms {
		if m != nil && !seen[m.ID] {
			seen[m.ID] = true
			ids = append(ids, m.ID)
		}
	}
	o := r.MerchantOps
	done := map[string]bool{}
	for _, f := range fields {
		if done[f.Name] {
			continue
		}
		done[f.Name] = true
		switch f.Name {
		case "companies":
			primeGroup(ctx, l.Companies, ids, o.CompaniesOf, func(c *merchant.Company) string { return c.MerchantID })
		case "stores":
			primeGroup(ctx, l.Stores, ids, o.StoresOf, func(s *merchant.Shop) string { return s.MerchantID })
		case "campaigns":
			primeGroup(ctx, l.Campaigns, ids, o.CampaignsOf, func(c *merchant.Campaign) string { return c.MerchantID })
		case "derivedShares":
			primeGroup(ctx, l.DerivedShares, ids, o.DerivedSharesOf, func(d *merchant.DerivedShare) string { return d.MerchantID })
		case "categories":
			cats := primeGroup(ctx, l.Categories, ids, o.CategoriesOf, func(c *merchant.Category) string { return c.MerchantID })
			if len(cats) < 2 || !selects(ctx, f, "products") {
				continue
			}
			catIDs := make([]string, len(cats))
			for i, c := range cats {
				catIDs[i] = c.ID
			}
			primeGroup(ctx, l.Products, catIDs, o.ProductsOf, func(p *merchant.Product) string { return p.CategoryID })
		}
	}
}

// selects reports whether name is selected below any field named as f.
func selects(ctx context.Context, f graphql.CollectedField, name string) bool {
	for _, c := range childrenOf(ctx, f) {
		if c.Name == name {
			return true
		}
	}
	return false
}

// primeMerchantPage primes the model lists of a merchant connection's page
// (Query.merchants): what nodes and edges.node select.
func (r *Resolver) primeMerchantPage(ctx context.Context, ms []*merchant.Merchant) {
	r.primeMerchantModel(ctx, ms, append(selectionAt(ctx, "nodes"), selectionAt(ctx, "edges", "node")...))
}

// primeSettlementPage primes the merchants of a settlement connection's
// page, and what their selection asks for, when the page selects merchant.
func (r *Resolver) primeSettlementPage(ctx context.Context, page []*settlement.Settlement) {
	l := operationLoaders(ctx)
	if l == nil || len(page) < 2 {
		return
	}
	var fields []graphql.CollectedField
	selected := false
	for _, path := range [][]string{{"nodes"}, {"edges", "node"}} {
		for _, f := range selectionAt(ctx, path...) {
			if f.Name == "merchant" {
				selected = true
				fields = append(fields, childrenOf(ctx, f)...)
			}
		}
	}
	if !selected {
		return
	}
	ids := make([]string, 0, len(page))
	seen := map[string]bool{}
	for _, s := range page {
		if !seen[s.MerchantID] {
			seen[s.MerchantID] = true
			ids = append(ids, s.MerchantID)
		}
	}
	ms, err := r.MerchantOps.GetMany(ctx, ids)
	if err != nil {
		return
	}
	found := make(map[string]*merchant.Merchant, len(ms))
	for _, m := range ms {
		found[m.ID] = m
	}
	for _, id := range ids {
		l.Merchants.Prime(id, found[id]) // nil: not found or out of reach, as the loader says
	}
	r.primeMerchantModel(ctx, ms, fields)
}
