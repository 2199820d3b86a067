package resolvers

import (
	"context"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/domain/user"
	"loyaltygraph/graph/model"
	"loyaltygraph/resolvers/gqltypes"
)

// typeReceipt is the node type of a receipt as one user sees it; its
// native id is userId/receiptId.
const typeReceipt = "Receipt"

func receiptNativeID(r *receipt.Receipt) string { return r.UserID + "/" + r.ID }

// findReceipt is the node lookup of receipts: each through the user it
// names, so that the caller must reach that user.
func (r *Resolver) findReceipts(ctx context.Context, ids []string) (map[string]gqltypes.Node, error) {
	found := map[string]gqltypes.Node{}
	for _, id := range ids {
		parts, ok := splitNativeID(id, 2)
		if !ok {
			continue
		}
		rc, err := r.ReceiptOps.Get(ctx, parts[0], parts[1])
		switch c := errs.CodeOf(err); {
		case err == nil:
			found[id] = rc
		case c == errs.NotFound || c == errs.Invalid:
		default:
			return nil, err
		}
	}
	return found, nil
}

// optional is nil for an empty string.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// receiptFilter turns the GraphQL filter and order into the domain's;
// without an order the newest receipts come first.
func receiptFilter(in *model.ReceiptFilter, order *model.ReceiptOrder) receipt.Filter {
	f := receipt.Filter{OrderBy: receipt.OrderByDate, Direction: receipt.Desc}
	if order != nil {
		f.OrderBy, f.Direction = order.Field, order.Direction
	}
	if in != nil {
		f.Search, f.MerchantID = deref(in.Search), deref(in.MerchantID)
		f.From, f.To, f.MinTotal, f.MaxTotal = in.From, in.To, in.MinTotal, in.MaxTotal
	}
	return f
}

// ingestInput turns ingestReceipt's input into the domain's; the domain
// validates it and names fields by the same paths as the input.
func ingestInput(in model.IngestReceiptInput) receipt.Input {
	out := receipt.Input{
		ExternalID: in.ExternalReceiptID, ExternalIDType: in.ExternalReceiptIDType, PurchaseDateTime: in.PurchaseDateTime,
		StoreID: deref(in.StoreID), StoreName: deref(in.StoreName),
		Optionals: receipt.Optionals{OrderNumber: deref(in.OrderNumber), TerminalID: deref(in.TerminalID),
			SalesEmployeeName: deref(in.SalesEmployeeName), HeaderText: in.HeaderText, FooterText: in.FooterText},
	}
	if t := in.TotalOrderPrice; t != nil {
		out.Total = receipt.Money{Amount: t.Amount, Currency: t.Currency}
		for _, v := range t.VatRates {
			out.VATRates = append(out.VATRates, receipt.VATRate{Rate: v.Rate, Value: v.Value})
		}
	}
	for _, l := range in.ReceiptLines {
		out.Lines = append(out.Lines, receipt.Line{LineNumber: l.LineNumber, ProductNumber: deref(l.ProductNumber),
			Name: l.Name, Description: deref(l.Description), Count: l.Count, ItemPrice: l.ItemPrice,
			TotalPrice: l.TotalPrice, VATRate: l.VatRate, Category: deref(l.Category)})
	}
	for _, p := range in.Payments {
		out.Payments = append(out.Payments, receipt.PaymentInput{Payment: receipt.Payment{Type: p.Type, Amount: p.Amount,
			Currency: deref(p.Currency), TruncatedCardNumber: deref(p.TruncatedCardNumber), TransactionID: deref(p.TransactionID),
			ApprovalCode: deref(p.ApprovalCode), CardAcceptorID: deref(p.CardAcceptorID),
			CardAcceptorTerminalID: deref(p.CardAcceptorTerminalID), SystemTraceAuditNumber: deref(p.SystemTraceAuditNumber),
			RetrievalReferenceNumber: deref(p.RetrievalReferenceNumber)}, CardToken: deref(p.CardToken)})
	}
	if b := in.Barcode; b != nil {
		out.Barcode = &receipt.Barcode{Type: deref(b.Type), Value: b.Value, DisplayValue: deref(b.DisplayValue)}
	}
	if c := in.Customer; c != nil {
		out.Customer = &receipt.Customer{UserIDType: c.UserIDType, CID: c.Cid}
	}
	return out
}

// matchedCards loads the cards a receipt matched that still exist, through
// the per-request card loader.
func (r *Resolver) matchedCards(ctx context.Context, obj *receipt.Receipt) ([]*user.Card, error) {
	ids := make([]string, len(obj.MatchedCards))
	for i, c := range obj.MatchedCards {
		ids[i] = c.CardID
	}
	cards, err := r.loaders(ctx).Cards.LoadAll(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := []*user.Card{}
	for _, c := range cards {
		if c != nil {
			out = append(out, c)
		}
	}
	return out, nil
}
