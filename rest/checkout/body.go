package checkout

import (
	"strconv"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/checkout"
	"loyaltygraph/rest/storebox"
)

// sessionBody is the regular JSON of every answer: the token, the
// selection and, when logged in, the account's address.
type sessionBody struct {
	Token     string        `json:"token"`
	Selection selectionBody `json:"selection"`
	LoggedIn  *loggedInBody `json:"loggedIn,omitempty"`
	// Orders and OrdersPaging are set by POST orders only.
	Orders       *[]orderBody `json:"orders,omitempty"`
	OrdersPaging *pagingBody  `json:"ordersPaging,omitempty"`
}

type selectionBody struct {
	Items []selectionItemBody `json:"items"`
}

type selectionItemBody struct {
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

// loggedInBody is the seed's "loggedIn" object, with the newsletter
// choice registration takes.
type loggedInBody struct {
	Email       string `json:"email"`
	FirstName   string `json:"firstName"`
	LastName    string `json:"lastName"`
	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	ZipCode     string `json:"zipCode"`
	City        string `json:"city"`
	State       string `json:"state"`
	Country     string `json:"country"`
	PhoneNumber string `json:"phoneNumber"`
	Newsletter  bool   `json:"newsletter"`
}

type pagingBody struct {
	From      int `json:"from"`
	Size      int `json:"size"`
	TotalSize int `json:"totalSize"`
}

func newSessionBody(st *checkout.State) sessionBody {
	b := sessionBody{Token: st.Session.Token, Selection: selectionBody{Items: []selectionItemBody{}}}
	for _, l := range st.Selection {
		b.Selection.Items = append(b.Selection.Items, selectionItemBody(l))
	}
	if a := st.Account; a != nil {
		b.LoggedIn = &loggedInBody{Email: a.Email, FirstName: a.FirstName, LastName: a.LastName, Address1: a.Address1,
			Address2: a.Address2, ZipCode: a.ZipCode, City: a.City, State: a.State, Country: a.Country,
			PhoneNumber: a.PhoneNumber, Newsletter: a.Newsletter}
	}
	return b
}

// orderBody is one order of the seed's "orders" list: every amount as a
// string in the order's currency format and as a number.
type orderBody struct {
	Order              string             `json:"order"`
	Status             string             `json:"status"`
	StatusDescription  string             `json:"statusDescription"`
	Message            string             `json:"message"`
	Date               string             `json:"date"`
	Currency           string             `json:"currency"`
	PaymentMethod      string             `json:"paymentMethod"`
	PaymentMethodName  string             `json:"paymentMethodName"`
	ShippingMethod     string             `json:"shippingMethod"`
	ShippingMethodName string             `json:"shippingMethodName"`
	Items              []orderItemBody    `json:"items"`
	Discounts          discountsBody      `json:"discounts"`
	Totals             totalsBody         `json:"totals"`
	VATExempt          bool               `json:"vatExempt"`
	Address            orderAddressBody   `json:"address"`
	ShippingAddress    orderAddressBody   `json:"shippingAddress"`
	GiftMessage        *string            `json:"giftMessage"`
	Shipments          []shipmentBody     `json:"shipments"`
	CurrencyFormat     currencyFormatBody `json:"currencyFormat"`
}

type orderItemBody struct {
	Item                            string          `json:"item"`
	Product                         string          `json:"product"`
	BrandName                       string          `json:"brandName"`
	ProductName                     string          `json:"productName"`
	Size                            string          `json:"size"`
	SKU                             string          `json:"sku"`
	EAN                             string          `json:"ean"`
	Quantity                        int             `json:"quantity"`
	StorePickup                     bool            `json:"storePickup"`
	Line                            string          `json:"line"`
	PriceEach                       string          `json:"priceEach"`
	PriceEachAsNumber               storebox.Number `json:"priceEachAsNumber"`
	TotalPrice                      string          `json:"totalPrice"`
	TotalPriceAsNumber              storebox.Number `json:"totalPriceAsNumber"`
	PriceEachBeforeDiscount         string          `json:"priceEachBeforeDiscount"`
	PriceEachBeforeDiscountAsNumber storebox.Number `json:"priceEachBeforeDiscountAsNumber"`
	AnyDiscount                     bool            `json:"anyDiscount"`
	TaxPercent                      storebox.Number `json:"taxPercent"`
	PriceEachWithoutTax             string          `json:"priceEachWithoutTax"`
	PriceEachWithoutTaxAsNumber     storebox.Number `json:"priceEachWithoutTaxAsNumber"`
}

type discountsBody struct {
	AnyDiscount        bool            `json:"anyDiscount"`
	Discount           string          `json:"discount"`
	DiscountAsNumber   storebox.Number `json:"discountAsNumber"`
	AutomaticDiscounts []discountBody  `json:"automaticDiscounts"`
	Vouchers           []discountBody  `json:"vouchers"`
}

type discountBody struct {
	Voucher          string          `json:"voucher,omitempty"`
	Description      string          `json:"description"`
	PriceOff         string          `json:"priceOff"`
	PriceOffAsNumber storebox.Number `json:"priceOffAsNumber"`
}

// totalsBody: a total that does not apply is false in both forms, as in
// the seed ("taxAdded": false, "taxAddedAsNumber": false).
type totalsBody struct {
	ItemsTotalPrice            string          `json:"itemsTotalPrice"`
	ItemsTotalPriceAsNumber    storebox.Number `json:"itemsTotalPriceAsNumber"`
	TotalDiscountPrice         any             `json:"totalDiscountPrice"`
	TotalDiscountPriceAsNumber any             `json:"totalDiscountPriceAsNumber"`
	ShippingPrice              string          `json:"shippingPrice"`
	ShippingPriceAsNumber      storebox.Number `json:"shippingPriceAsNumber"`
	HandlingCostPrice          string          `json:"handlingCostPrice"`
	HandlingCostPriceAsNumber  storebox.Number `json:"handlingCostPriceAsNumber"`
	TotalQuantity              int             `json:"totalQuantity"`
	TaxDeducted                any             `json:"taxDeducted"`
	TaxDeductedAsNumber        any             `json:"taxDeductedAsNumber"`
	TaxAdded                   any             `json:"taxAdded"`
	TaxAddedAsNumber           any             `json:"taxAddedAsNumber"`
	TaxPercent                 storebox.Number `json:"taxPercent"`
	GrandTotalPrice            string          `json:"grandTotalPrice"`
	GrandTotalPriceAsNumber    storebox.Number `json:"grandTotalPriceAsNumber"`
	GrandTotalPriceTax         string          `json:"grandTotalPriceTax"`
	GrandTotalPriceTaxAsNumber storebox.Number `json:"grandTotalPriceTaxAsNumber"`
}

type orderAddressBody checkout.OrderAddress

type shipmentBody struct {
	ShippedDate string `json:"shippedDate"`
	Carrier     string `json:"carrier"`
	Service     string `json:"service"`
	TrackingID  string `json:"trackingId"`
	TrackingURL string `json:"trackingUrl"`
}

type currencyFormatBody struct {
	Currency      string `json:"currency"`
	Name          string `json:"name"`
	Prefix        string `json:"prefix"`
	Suffix        string `json:"suffix"`
	DecimalPoint  string `json:"decimalPoint"`
	DecimalDigits string `json:"decimalDigits"`
	URI           string `json:"uri"`
}

func newOrderBody(o *checkout.Order) orderBody {
	f := o.CurrencyFormat
	money := func(d decimal.Decimal) (string, storebox.Number) { return f.Format(d), storebox.Number(d) }
	optional := func(d *decimal.Decimal) (any, any) {
		if d == nil {
			return false, false
		}
		return f.Format(*d), storebox.Number(*d)
	}
	b := orderBody{Order: o.Order, Status: o.Status, StatusDescription: o.StatusDescription, Message: o.Message,
		Date: o.Date.UTC().Format(checkout.DateLayout), Currency: o.Currency, PaymentMethod: o.PaymentMethod,
		PaymentMethodName: o.PaymentMethodName, ShippingMethod: o.ShippingMethod, ShippingMethodName: o.ShippingMethodName,
		Items: []orderItemBody{}, VATExempt: o.VATExempt, Address: orderAddressBody(o.Address),
		ShippingAddress: orderAddressBody(o.ShippingAddress), GiftMessage: o.GiftMessage, Shipments: []shipmentBody{},
		CurrencyFormat: currencyFormatBody{Currency: f.Currency, Name: f.Name, Prefix: f.Prefix, Suffix: f.Suffix,
			DecimalPoint: f.DecimalPoint, DecimalDigits: strconv.Itoa(f.DecimalDigits), URI: f.URI}}
	for _, it := range o.Items {
		ib := orderItemBody{Item: it.Item, Product: it.Product, BrandName: it.BrandName, ProductName: it.ProductName,
			Size: it.Size, SKU: it.SKU, EAN: it.EAN, Quantity: it.Quantity, StorePickup: it.StorePickup, Line: it.Line,
			AnyDiscount: it.AnyDiscount, TaxPercent: storebox.Number(it.TaxPercent)}
		ib.PriceEach, ib.PriceEachAsNumber = money(it.PriceEach)
		ib.TotalPrice, ib.TotalPriceAsNumber = money(it.TotalPrice)
		ib.PriceEachBeforeDiscount, ib.PriceEachBeforeDiscountAsNumber = money(it.PriceEachBeforeDiscount)
		ib.PriceEachWithoutTax, ib.PriceEachWithoutTaxAsNumber = money(it.PriceEachWithoutTax)
		b.Items = append(b.Items, ib)
	}
	d := o.Discounts
	b.Discounts = discountsBody{AnyDiscount: d.AnyDiscount, AutomaticDiscounts: []discountBody{}, Vouchers: []discountBody{}}
	b.Discounts.Discount, b.Discounts.DiscountAsNumber = money(d.Discount)
	for _, x := range d.AutomaticDiscounts {
		db := discountBody{Description: x.Description}
		db.PriceOff, db.PriceOffAsNumber = money(x.Amount)
		b.Discounts.AutomaticDiscounts = append(b.Discounts.AutomaticDiscounts, db)
	}
	for _, x := range d.Vouchers {
		db := discountBody{Voucher: x.Code, Description: x.Description}
		db.PriceOff, db.PriceOffAsNumber = money(x.Amount)
		b.Discounts.Vouchers = append(b.Discounts.Vouchers, db)
	}
	t := o.Totals
	tb := totalsBody{TotalQuantity: t.TotalQuantity, TaxPercent: storebox.Number(t.TaxPercent)}
	tb.ItemsTotalPrice, tb.ItemsTotalPriceAsNumber = money(t.ItemsTotalPrice)
	tb.TotalDiscountPrice, tb.TotalDiscountPriceAsNumber = optional(t.TotalDiscountPrice)
	tb.ShippingPrice, tb.ShippingPriceAsNumber = money(t.ShippingPrice)
	tb.HandlingCostPrice, tb.HandlingCostPriceAsNumber = money(t.HandlingCostPrice)
	tb.TaxDeducted, tb.TaxDeductedAsNumber = optional(t.TaxDeducted)
	tb.TaxAdded, tb.TaxAddedAsNumber = optional(t.TaxAdded)
	tb.GrandTotalPrice, tb.GrandTotalPriceAsNumber = money(t.GrandTotalPrice)
	tb.GrandTotalPriceTax, tb.GrandTotalPriceTaxAsNumber = money(t.GrandTotalPriceTax)
	b.Totals = tb
	for _, s := range o.Shipments {
		b.Shipments = append(b.Shipments, shipmentBody{ShippedDate: s.ShippedDate.UTC().Format(checkout.DateLayout),
			Carrier: s.Carrier, Service: s.Service, TrackingID: s.TrackingID, TrackingURL: s.TrackingURL})
	}
	return b
}
