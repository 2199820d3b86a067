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
	c, err := connect(ctx, first, after, func(offset, limit int) ([]*settlement.Settlement, int, error) {
		f.Offset, f.Limit = offset, limit
		return r.SettlementOps.Settlements(ctx, f)
	}, func(cursor string, n *settlement.Settlement) model.SettlementEdge {
		return model.SettlementEdge{Cursor: cursor, Node: n}
	})
	if err != nil {
		return nil, err
	}
	r.primeSettlementPage(ctx, c.Nodes)
	return &model.SettlementConnection{Edges: c.Edges, Nodes: c.Nodes, PageInfo: c.PageInfo, TotalCount: c.Total}, nil
}

// transactionConnection pages a transaction batch's transactions.
func (r *Resolver) transactionConnection(ctx context.Context, batchID string, first *int, after *string) (*model.TransactionConnection, error) {
	c, err := connect(ctx, first, after, func(offset, limit int) ([]*settlement.StoredTransaction, int, error) {
		return r.SettlementOps.Transactions(ctx, batchID, offset, limit)
	}, func(cursor string, n *settlement.StoredTransaction) model.TransactionEdge {
		return model.TransactionEdge{Cursor: cursor, Node: n}
	})
	if err != nil {
		return nil, err
	}
	return &model.TransactionConnection{Edges: c.Edges, Nodes: c.Nodes, PageInfo: c.PageInfo, TotalCount: c.Total}, nil
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
