package resolvers

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"loyaltygraph/domain/settlement"
	"loyaltygraph/graph/model"
)

// This file holds the GraphQL plumbing of the Loyalty Settlement
// resolvers: mutation payloads, connections over the operations' offset
// pages, composite global ids, and the transaction list adapter.

// payload builds a mutation payload from an operation's result: v and no
// userErrors on success, the userErrors on a fixable failure, and a
// top-level error (null payload) for the rest, such as authorization.
func payload[T, P any](v T, err error, build func(T, []*model.UserError) P) (P, error) {
	if err != nil {
		ue, err := userErrors(err)
		var zero T
		return build(zero, ue), err
	}
	return build(v, noUserErrors()), nil
}

// deletedPayload builds the payload of a delete: the id on success.
func deletedPayload[P any](id string, err error, build func(*string, []*model.UserError) P) (P, error) {
	return payload(&id, err, build)
}

// nonEmpty is nil for "", as GraphQL shows an absent value.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// edges returns a connection's edges, a cursor each, when the selection
// asks for them; nodes alone need none.
func edges[T, E any](ctx context.Context, offset int, list []T, edge func(cursor string, node T) E) []E {
	if !slices.Contains(graphql.CollectAllFields(ctx), "edges") {
		return []E{}
	}
	out := make([]E, len(list))
	for i, n := range list {
		out[i] = edge(OffsetCursor(offset+i), n)
	}
	return out
}

// window cuts the page at offset, limit out of a whole list.
func window[T any](all []T, offset, limit int) []T {
	if offset >= len(all) {
		return []T{}
	}
	return all[offset:min(len(all), offset+limit)]
}

// pageOfMore is a page of a list without a total: the operation was asked
// for one item more than the page, to learn whether another page follows.
func pageOfMore[T any](list []T, offset, limit int) ([]T, *model.PageInfo) {
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	if list == nil {
		list = []T{}
	}
	total := offset + len(list)
	if more {
		total++
	}
	return list, pageInfo(offset, len(list), total)
}

// settlementConnection pages the settlements that f selects.
func (r *Resolver) settlementConnection(ctx context.Context, f settlement.SettlementFilter, first *int, after *string) (*model.SettlementConnection, error) {
	offset, limit, err := pageWindow(first, after)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = offset, limit
	list, total, err := r.SettlementOps.Settlements(ctx, f)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []*settlement.Settlement{}
	}
	return &model.SettlementConnection{
		Edges: edges(ctx, offset, list, func(c string, n *settlement.Settlement) *model.SettlementEdge {
			return &model.SettlementEdge{Cursor: c, Node: n}
		}),
		Nodes: list, PageInfo: pageInfo(offset, len(list), total), TotalCount: total,
	}, nil
}

// transactionConnection pages a transaction batch's transactions.
func (r *Resolver) transactionConnection(ctx context.Context, batchID string, first *int, after *string) (*model.TransactionConnection, error) {
	offset, limit, err := pageWindow(first, after)
	if err != nil {
		return nil, err
	}
	list, total, err := r.SettlementOps.Transactions(ctx, batchID, offset, limit)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []*settlement.StoredTransaction{}
	}
	return &model.TransactionConnection{
		Edges: edges(ctx, offset, list, func(c string, n *settlement.StoredTransaction) *model.TransactionEdge {
			return &model.TransactionEdge{Cursor: c, Node: n}
		}),
		Nodes: list, PageInfo: pageInfo(offset, len(list), total), TotalCount: total,
	}, nil
}

// sliceTransactions reads a GraphQL list of transactions as a
// settlement.TransactionReader, the way the REST edge streams its body.
type sliceTransactions struct {
	list []*settlement.RawTransaction
	next int
}

// Next returns the next transaction, or io.EOF after the last.
func (s *sliceTransactions) Next() (*settlement.RawTransaction, error) {
	if s.next >= len(s.list) {
		return nil, io.EOF
	}
	t := s.list[s.next]
	s.next++
	return t, nil
}

// Composite native ids. Some objects have no id of their own (an invoice,
// a source state), or are found through their parent (a product through
// its category, a settlement through its merchant and processing time);
// their global ids carry what finds them, joined by "/", which no id
// contains (merchant.ValidateID).

func productNativeID(categoryID, productID string) string { return categoryID + "/" + productID }

func settlementNativeID(s *settlement.Settlement) string {
	return s.MerchantID + "/" + strconv.FormatInt(s.ProcessedDateTime.UnixMicro(), 10) + "/" + s.SettlementID
}

func invoiceNativeID(inv *settlement.Invoice) string {
	return inv.SettlementID + "/" + inv.MerchantID + "/" + string(inv.Type) + "/" + inv.Currency
}

func sourceStateNativeID(st *settlement.SourceState) string {
	return st.MerchantID + "/" + string(st.Source)
}

// splitNativeID splits a composite native id into exactly n parts, none
// empty.
func splitNativeID(id string, n int) ([]string, bool) {
	parts := strings.Split(id, "/")
	if len(parts) != n || slices.Contains(parts, "") {
		return nil, false
	}
	return parts, true
}
