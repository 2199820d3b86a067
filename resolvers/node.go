package resolvers

import (
	"context"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/resolvers/gqltypes"
)

// maxNodes bounds one nodes(ids:) call.
const maxNodes = 100

// The node types of the Loyalty Settlement API (see globalid.go). Those
// whose native id is composite say what it joins (settlement_graphql.go).
const (
	typeCompany               = "Company"
	typeStore                 = "Store"
	typeCategory              = "Category"
	typeProduct               = "Product" // categoryId/productId
	typeCampaign              = "Campaign"
	typeDerivedShare          = "DerivedShare"
	typeBlockedProduct        = "BlockedProduct"
	typeSettlement            = "Settlement" // merchantId/processed µs/settlementId
	typeSettlementBatch       = "SettlementBatch"
	typeTransactionBatch      = "TransactionBatch"
	typeInvoice               = "Invoice" // settle run/merchantId/type/currency
	typeSettleRun             = "SettleRun"
	typeSettlementSourceState = "SettlementSourceState" // merchantId/source
)

// resolveNodes loads objects by global id, and returns them in the order
// asked, nil where missing or not visible to the principal.
func (r *Resolver) resolveNodes(ctx context.Context, gids []string) ([]gqltypes.Node, error) {
	if len(gids) > maxNodes {
		return nil, errs.InvalidField("ids", "at most %d ids at once", maxNodes)
	}
	out := make([]gqltypes.Node, len(gids))
	byType := map[string][]int{}
	natives := make([]string, len(gids))
	for i, gid := range gids {
		typ, id, err := parseGlobalID(gid)
		if err != nil {
			return nil, err
		}
		natives[i] = id
		byType[typ] = append(byType[typ], i)
	}
	for typ, idx := range byType {
		switch typ {
		case typeUser, typeCard:
			// One user or card per id: nodes of these types come one at a
			// time from clients, and the scope check is per object.
			for _, i := range idx {
				var n gqltypes.Node
				var err error
				if typ == typeUser {
					n, err = r.UserOps.Get(ctx, natives[i])
				} else {
					n, err = r.UserOps.Card(ctx, natives[i])
				}
				switch c := errs.CodeOf(err); {
				case err == nil:
					out[i] = n
				case c == errs.NotFound || c == errs.Forbidden || c == errs.Invalid || c == errs.Unauthenticated:
				default:
					return nil, err
				}
			}
		default:
			find := r.nodeFinder(typ)
			if find == nil {
				continue // an unknown type: nothing has this id
			}
			ids := make([]string, len(idx))
			for j, i := range idx {
				ids[j] = natives[i]
			}
			found, err := find(ctx, ids)
			if errs.Is(err, errs.Forbidden) {
				continue // not visible to this principal: null, as for a missing node
			}
			if err != nil {
				return nil, err
			}
			for _, i := range idx {
				if n, ok := found[natives[i]]; ok {
					out[i] = n
				}
			}
		}
	}
	return out, nil
}

// nodeFinder returns the lookup of one node type: it loads the objects
// among native ids that exist, keyed by native id; nil for unknown types.
func (r *Resolver) nodeFinder(typ string) func(context.Context, []string) (map[string]gqltypes.Node, error) {
	m := r.MerchantOps
	switch typ {
	case typeMerchant:
		return func(ctx context.Context, ids []string) (map[string]gqltypes.Node, error) {
			list, err := r.MerchantOps.GetMany(ctx, ids)
			return keyed(list, err, func(m *merchant.Merchant) string { return m.ID })
		}
	case typeCompany:
		return eachNode(m.Company)
	case typeStore:
		return eachNode(m.Store)
	case typeCategory:
		return eachNode(m.Category)
	case typeCampaign:
		return eachNode(m.Campaign)
	case typeDerivedShare:
		return eachNode(m.DerivedShare)
	case typeProduct:
		return r.findProducts
	case typeBlockedProduct:
		return r.findBlockedProducts
	case typeSettlement:
		return r.findSettlements
	case typeSettlementBatch:
		return func(ctx context.Context, ids []string) (map[string]gqltypes.Node, error) {
			list, _, err := r.SettlementOps.Batches(ctx, settlement.BatchFilter{IDs: ids, Limit: len(ids)})
			return keyed(list, err, func(b *settlement.SettlementBatch) string { return b.BatchID })
		}
	case typeTransactionBatch:
		return func(ctx context.Context, ids []string) (map[string]gqltypes.Node, error) {
			list, _, err := r.SettlementOps.TransactionBatches(ctx, settlement.BatchFilter{IDs: ids, Limit: len(ids)})
			return keyed(list, err, func(b *settlement.TransactionBatch) string { return b.BatchID })
		}
	case typeSettleRun:
		return eachNode(func(ctx context.Context, id string) (*gqltypes.SettleRun, error) {
			invoices, err := r.SettlementOps.Invoices(ctx, id, "")
			if err != nil {
				return nil, err
			}
			return &gqltypes.SettleRun{SettlementID: id, Invoices: invoices}, nil
		})
	case typeInvoice:
		return r.findInvoices
	case typeSettlementSourceState:
		return r.findSourceStates
	case typeReceipt:
		return r.findReceipts
	case typeCustomer:
		return r.findCustomers
	}
	return r.moreNodeFinder(typ)
}

// keyed indexes a list by id; every object of the list is a candidate.
func keyed[T any](list []T, err error, id func(T) string) (map[string]gqltypes.Node, error) {
	if err != nil {
		return nil, err
	}
	found := make(map[string]gqltypes.Node, len(list))
	for _, v := range list {
		found[id(v)] = v
	}
	return found, nil
}

// eachNode makes a lookup from a getter of one object, for types whose
// operations find them one id at a time. An id that is unknown or not an
// id at all is just not found.
func eachNode[T any](get func(context.Context, string) (*T, error)) func(context.Context, []string) (map[string]gqltypes.Node, error) {
	return func(ctx context.Context, ids []string) (map[string]gqltypes.Node, error) {
		found := map[string]gqltypes.Node{}
		for _, id := range ids {
			v, err := get(ctx, id)
			switch c := errs.CodeOf(err); {
			case err == nil && v != nil:
				found[id] = v
			case err == nil, c == errs.NotFound || c == errs.Invalid:
			default:
				return nil, err
			}
		}
		return found, nil
	}
}

// findProducts loads products through their categories, one call for all.
func (r *Resolver) findProducts(ctx context.Context, ids []string) (map[string]gqltypes.Node, error) {
	var categories []string
	for _, id := range ids {
		if parts, ok := splitNativeID(id, 2); ok {
			categories = append(categories, parts[0])
		}
	}
	if len(categories) == 0 {
		return nil, nil
	}
	list, err := r.MerchantOps.ProductsOf(ctx, categories)
	return keyed(list, err, func(p *merchant.Product) string { return productNativeID(p.CategoryID, p.ID) })
}

// findBlockedProducts looks the blocked products up by id.
func (r *Resolver) findBlockedProducts(ctx context.Context, ids []string) (map[string]gqltypes.Node, error) {
	list, err := r.MerchantOps.BlockedProductsByID(ctx, ids)
	return keyed(list, err, func(b *merchant.BlockedProduct) string { return b.ID })
}

// findSettlements looks the settlements up by id, in one query; the global
// id also names the settlement's merchant and processing time, which must
// match.
func (r *Resolver) findSettlements(ctx context.Context, ids []string) (map[string]gqltypes.Node, error) {
	settlementIDs := make([]string, 0, len(ids))
	for _, id := range ids {
		if parts, ok := splitNativeID(id, 3); ok {
			settlementIDs = append(settlementIDs, parts[2])
		}
	}
	if len(settlementIDs) == 0 {
		return nil, nil
	}
	list, _, err := r.SettlementOps.Settlements(ctx, settlement.SettlementFilter{IDs: settlementIDs, Limit: len(settlementIDs)})
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	found := map[string]gqltypes.Node{}
	for _, s := range list {
		if id := settlementNativeID(s); want[id] {
			found[id] = s
		}
	}
	return found, nil
}

// findInvoices loads the invoices of each settle run and merchant asked
// for.
func (r *Resolver) findInvoices(ctx context.Context, ids []string) (map[string]gqltypes.Node, error) {
	type group struct{ runID, merchantID string }
	groups := map[group]bool{}
	for _, id := range ids {
		if parts, ok := splitNativeID(id, 4); ok {
			groups[group{parts[0], parts[1]}] = true
		}
	}
	found := map[string]gqltypes.Node{}
	for g := range groups {
		list, err := r.SettlementOps.Invoices(ctx, g.runID, g.merchantID)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, inv := range list {
			found[invoiceNativeID(inv)] = inv
		}
	}
	return found, nil
}

// findSourceStates loads the source states of each merchant asked for.
func (r *Resolver) findSourceStates(ctx context.Context, ids []string) (map[string]gqltypes.Node, error) {
	merchants := map[string]bool{}
	for _, id := range ids {
		if parts, ok := splitNativeID(id, 2); ok {
			merchants[parts[0]] = true
		}
	}
	found := map[string]gqltypes.Node{}
	for merchantID := range merchants {
		// Source states of a merchant that does not exist are all zero:
		// the merchant must exist for its states to.
		if _, err := r.MerchantOps.Get(ctx, merchantID); errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
			continue
		} else if err != nil {
			return nil, err
		}
		list, err := r.SettlementOps.SourceStates(ctx, merchantID)
		if err != nil {
			return nil, err
		}
		for _, st := range list {
			found[sourceStateNativeID(st)] = st
		}
	}
	return found, nil
}
