package resolvers

import (
	"context"
	"sync"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/checkout"
	"loyaltygraph/domain/errs"
	"loyaltygraph/graph/model"
	"loyaltygraph/resolvers/gqltypes"
)

// checkoutKey carries the request's checkout session (seed 004).
type checkoutKey struct{}

// checkoutHolder is the checkout session of one GraphQL request: the token
// of the API-Token header, then the state each checkout field leaves, so
// that the fields of one request share one session (a request without a
// token makes one new session, not one per field).
type checkoutHolder struct {
	mu    sync.Mutex
	token string
	state *checkout.State
}

// WithCheckoutToken returns a context that carries the request's checkout
// session token (the API-Token header), which may be empty.
func WithCheckoutToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, checkoutKey{}, &checkoutHolder{token: token})
}

func checkoutHolderOf(ctx context.Context) *checkoutHolder {
	if h, ok := ctx.Value(checkoutKey{}).(*checkoutHolder); ok {
		return h
	}
	return &checkoutHolder{}
}

// checkoutState opens the request's session once.
func (r *Resolver) checkoutState(ctx context.Context) (*checkout.State, *checkoutHolder, error) {
	h := checkoutHolderOf(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state != nil {
		return h.state, h, nil
	}
	st, err := r.CheckoutOps.Open(ctx, h.token)
	if err != nil {
		return nil, h, err
	}
	h.state, h.token = st, st.Session.Token
	return st, h, nil
}

// checkoutCurrent returns the request's session without opening a new
// one: nil when the request names none.
func (r *Resolver) checkoutCurrent(ctx context.Context) (*checkout.State, error) {
	h := checkoutHolderOf(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state != nil {
		return h.state, nil
	}
	st, err := r.CheckoutOps.Current(ctx, h.token)
	if err != nil || st == nil {
		return nil, err
	}
	h.state = st
	return st, nil
}

func (h *checkoutHolder) set(st *checkout.State) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state = st
}

// checkoutMutation runs op on the request's session and builds its
// payload: the new session, or the session as it was with the userErrors.
func (r *Resolver) checkoutMutation(ctx context.Context, op func(st *checkout.State) (*checkout.State, error)) (*model.CheckoutSessionPayload, error) {
	st, h, err := r.checkoutState(ctx)
	if err != nil {
		return nil, err
	}
	next, err := op(st)
	if err != nil {
		ue, err := userErrors(err)
		if err != nil {
			return nil, err
		}
		return &model.CheckoutSessionPayload{Session: checkoutSessionModel(st), UserErrors: ue}, nil
	}
	h.set(next)
	return &model.CheckoutSessionPayload{Session: checkoutSessionModel(next), UserErrors: noUserErrors()}, nil
}

func checkoutSessionModel(st *checkout.State) *model.CheckoutSession {
	s := &model.CheckoutSession{Token: st.Session.Token, Selection: []*model.CheckoutSelectionItem{}}
	for _, l := range st.Selection {
		s.Selection = append(s.Selection, &model.CheckoutSelectionItem{Item: l.Item, Quantity: l.Quantity})
	}
	if st.Account != nil {
		s.LoggedIn = &gqltypes.CheckoutAccount{Account: st.Account, Session: st}
	}
	return s
}

func checkoutAddressUpdate(in *model.CheckoutAddressInput) checkout.AddressUpdate {
	if in == nil {
		return checkout.AddressUpdate{}
	}
	return checkout.AddressUpdate{FirstName: in.FirstName, LastName: in.LastName, Address1: in.Address1,
		Address2: in.Address2, ZipCode: in.ZipCode, City: in.City, State: in.State, Country: in.Country,
		PhoneNumber: in.PhoneNumber, Newsletter: in.Newsletter}
}

func checkoutOrderModel(o *checkout.Order) *model.CheckoutOrder {
	f := o.CurrencyFormat
	price := func(d decimal.Decimal) *model.CheckoutPrice {
		return &model.CheckoutPrice{Formatted: f.Format(d), Amount: d}
	}
	optional := func(d *decimal.Decimal) *model.CheckoutPrice {
		if d == nil {
			return nil
		}
		return price(*d)
	}
	address := func(a checkout.OrderAddress) *model.CheckoutOrderAddress {
		m := model.CheckoutOrderAddress(a)
		return &m
	}
	discounts := func(list []checkout.Discount) []*model.CheckoutDiscount {
		out := make([]*model.CheckoutDiscount, 0, len(list))
		for _, d := range list {
			md := &model.CheckoutDiscount{Description: d.Description, PriceOff: price(d.Amount)}
			if d.Code != "" {
				code := d.Code
				md.Voucher = &code
			}
			out = append(out, md)
		}
		return out
	}
	m := &model.CheckoutOrder{Order: o.Order, Status: o.Status, StatusDescription: o.StatusDescription,
		Message: o.Message, Date: o.Date.UTC().Format(checkout.DateLayout), Currency: o.Currency,
		PaymentMethod: o.PaymentMethod, PaymentMethodName: o.PaymentMethodName, ShippingMethod: o.ShippingMethod,
		ShippingMethodName: o.ShippingMethodName, Items: []*model.CheckoutOrderItem{},
		Discounts: &model.CheckoutDiscounts{AnyDiscount: o.Discounts.AnyDiscount, Discount: price(o.Discounts.Discount),
			AutomaticDiscounts: discounts(o.Discounts.AutomaticDiscounts), Vouchers: discounts(o.Discounts.Vouchers)},
		Totals: &model.CheckoutTotals{ItemsTotalPrice: price(o.Totals.ItemsTotalPrice),
			TotalDiscountPrice: optional(o.Totals.TotalDiscountPrice), ShippingPrice: price(o.Totals.ShippingPrice),
			HandlingCostPrice: price(o.Totals.HandlingCostPrice), TotalQuantity: o.Totals.TotalQuantity,
			TaxDeducted: optional(o.Totals.TaxDeducted), TaxAdded: optional(o.Totals.TaxAdded),
			TaxPercent: o.Totals.TaxPercent, GrandTotalPrice: price(o.Totals.GrandTotalPrice),
			GrandTotalPriceTax: price(o.Totals.GrandTotalPriceTax)},
		VatExempt: o.VATExempt, Address: address(o.Address), ShippingAddress: address(o.ShippingAddress),
		GiftMessage: o.GiftMessage, Shipments: []*model.CheckoutShipment{},
		CurrencyFormat: &model.CheckoutCurrencyFormat{Currency: f.Currency, Name: f.Name, Prefix: f.Prefix,
			Suffix: f.Suffix, DecimalPoint: f.DecimalPoint, DecimalDigits: f.DecimalDigits, URI: f.URI}}
	for _, it := range o.Items {
		m.Items = append(m.Items, &model.CheckoutOrderItem{Item: it.Item, Product: it.Product, BrandName: it.BrandName,
			ProductName: it.ProductName, Size: it.Size, Sku: it.SKU, Ean: it.EAN, Quantity: it.Quantity,
			StorePickup: it.StorePickup, Line: it.Line, PriceEach: price(it.PriceEach), TotalPrice: price(it.TotalPrice),
			PriceEachBeforeDiscount: price(it.PriceEachBeforeDiscount), AnyDiscount: it.AnyDiscount,
			TaxPercent: it.TaxPercent, PriceEachWithoutTax: price(it.PriceEachWithoutTax)})
	}
	for _, s := range o.Shipments {
		m.Shipments = append(m.Shipments, &model.CheckoutShipment{ShippedDate: s.ShippedDate.UTC().Format(checkout.DateLayout),
			Carrier: s.Carrier, Service: s.Service, TrackingID: s.TrackingID, TrackingURL: s.TrackingURL})
	}
	return m
}

// checkoutOrdersWindow turns the arguments of CheckoutAccount.orders into
// an offset and a size: a Relay page (first ≤ 100, default 20, after a
// cursor), or the seed's paging (from, size 1 to 1000), not both.
func checkoutOrdersWindow(first *int, after *string, from, size *int) (offset, limit int, err error) {
	if from == nil && size == nil {
		return pageWindow(first, after)
	}
	if first != nil || after != nil {
		return 0, 0, errs.InvalidField("from", "from and size page the seed's way; they do not go with first or after")
	}
	offset, limit = deref(from), checkout.MaxOrdersPage
	if size != nil {
		limit = *size
	}
	if offset < 0 {
		return 0, 0, errs.InvalidField("from", checkout.MsgNotValid)
	}
	if limit < 1 || limit > checkout.MaxOrdersPage {
		return 0, 0, errs.InvalidField("size", checkout.MsgNotValid)
	}
	return offset, limit, nil
}

// sessionOrders reads a page of the orders of the account logged in with
// st, as the session's POST orders does.
func (r *Resolver) sessionOrders(ctx context.Context, st *checkout.State, offset, limit int) (*checkout.OrderPage, error) {
	// The operation's pages hold one order at least; a page of none
	// still tells the total.
	orders, total, err := r.CheckoutOps.Orders(ctx, st, &checkout.Page{From: offset, Size: max(limit, 1)})
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		orders = []*checkout.Order{}
	}
	return &checkout.OrderPage{Orders: orders, Total: total}, nil
}

// checkoutOrderConnection builds the connection of a page of orders that
// starts at offset and was asked with size limit: the Relay fields and the
// seed's.
func checkoutOrderConnection(ctx context.Context, page *checkout.OrderPage, offset, limit int) *model.CheckoutOrderConnection {
	nodes := make([]*model.CheckoutOrder, len(page.Orders))
	for i, o := range page.Orders {
		nodes[i] = checkoutOrderModel(o)
	}
	return &model.CheckoutOrderConnection{
		Nodes: nodes, Orders: nodes, TotalCount: page.Total,
		Edges: edges(ctx, offset, nodes, func(cursor string, n *model.CheckoutOrder) model.CheckoutOrderEdge {
			return model.CheckoutOrderEdge{Cursor: cursor, Node: n}
		}),
		PageInfo:     pageInfo(offset, len(nodes), page.Total),
		OrdersPaging: &model.CheckoutOrdersPaging{From: offset, Size: limit, TotalSize: page.Total},
	}
}
