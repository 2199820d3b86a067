package resolvers

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"

	"loyaltygraph/domain/settlement"
	"loyaltygraph/graph/model"
)

// This file holds the GraphQL plumbing of the Loyalty Settlement
// resolvers: its connections, composite global ids, and the transaction
// list adapter.

// nonEmpty is nil for "", as GraphQL shows an absent value.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
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
		Edges: edges(ctx, offset, list, func(c string, n *settlement.Settlement) model.SettlementEdge {
			return model.SettlementEdge{Cursor: c, Node: n}
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
		Edges: edges(ctx, offset, list, func(c string, n *settlement.StoredTransaction) model.TransactionEdge {
			return model.TransactionEdge{Cursor: c, Node: n}
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
