package checkout

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/pan"
)

// Order is an order placed in the shop, as the seed's "orders" list shows
// it. Amounts are decimals; the edges show each as a string formatted in
// the order's currency format and as a number (the "…AsNumber" twin).
// Its JSON form (amounts as decimal strings or numbers) is the import
// format and the stored document.
type Order struct {
	Order              string         `json:"order"`
	Status             string         `json:"status"`
	StatusDescription  string         `json:"statusDescription"`
	Message            string         `json:"message"`
	Date               time.Time      `json:"date"`
	Currency           string         `json:"currency"`
	PaymentMethod      string         `json:"paymentMethod"`
	PaymentMethodName  string         `json:"paymentMethodName"`
	ShippingMethod     string         `json:"shippingMethod"`
	ShippingMethodName string         `json:"shippingMethodName"`
	Items              []OrderItem    `json:"items"`
	Discounts          Discounts      `json:"discounts"`
	Totals             Totals         `json:"totals"`
	VATExempt          bool           `json:"vatExempt"`
	Address            OrderAddress   `json:"address"`
	ShippingAddress    OrderAddress   `json:"shippingAddress"`
	GiftMessage        *string        `json:"giftMessage"`
	Shipments          []Shipment     `json:"shipments"`
	CurrencyFormat     CurrencyFormat `json:"currencyFormat"`
}

// OrderItem is one line of an order.
type OrderItem struct {
	Item                    string          `json:"item"`
	Product                 string          `json:"product"`
	BrandName               string          `json:"brandName"`
	ProductName             string          `json:"productName"`
	Size                    string          `json:"size"`
	SKU                     string          `json:"sku"`
	EAN                     string          `json:"ean"`
	Quantity                int             `json:"quantity"`
	StorePickup             bool            `json:"storePickup"`
	Line                    string          `json:"line"`
	PriceEach               decimal.Decimal `json:"priceEach"`
	TotalPrice              decimal.Decimal `json:"totalPrice"`
	PriceEachBeforeDiscount decimal.Decimal `json:"priceEachBeforeDiscount"`
	AnyDiscount             bool            `json:"anyDiscount"`
	TaxPercent              decimal.Decimal `json:"taxPercent"`
	PriceEachWithoutTax     decimal.Decimal `json:"priceEachWithoutTax"`
}

// Discounts are an order's discounts.
type Discounts struct {
	AnyDiscount        bool            `json:"anyDiscount"`
	Discount           decimal.Decimal `json:"discount"`
	AutomaticDiscounts []Discount      `json:"automaticDiscounts"`
	Vouchers           []Discount      `json:"vouchers"`
}

// Discount is one automatic discount or voucher.
type Discount struct {
	// Code is the voucher's code; empty for automatic discounts.
	Code        string          `json:"code,omitempty"`
	Description string          `json:"description"`
	Amount      decimal.Decimal `json:"amount"`
}

// Totals are an order's totals. The seed shows a total that does not apply
// (no discount, no tax added or deducted) as false; those are nil here.
type Totals struct {
	ItemsTotalPrice    decimal.Decimal  `json:"itemsTotalPrice"`
	TotalDiscountPrice *decimal.Decimal `json:"totalDiscountPrice"`
	ShippingPrice      decimal.Decimal  `json:"shippingPrice"`
	HandlingCostPrice  decimal.Decimal  `json:"handlingCostPrice"`
	TotalQuantity      int              `json:"totalQuantity"`
	TaxDeducted        *decimal.Decimal `json:"taxDeducted"`
	TaxAdded           *decimal.Decimal `json:"taxAdded"`
	TaxPercent         decimal.Decimal  `json:"taxPercent"`
	GrandTotalPrice    decimal.Decimal  `json:"grandTotalPrice"`
	GrandTotalPriceTax decimal.Decimal  `json:"grandTotalPriceTax"`
}

// OrderAddress is a billing or shipping address of an order.
type OrderAddress struct {
	Email       string `json:"email"`
	FirstName   string `json:"firstName"`
	LastName    string `json:"lastName"`
	Company     string `json:"company"`
	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	ZipCode     string `json:"zipCode"`
	City        string `json:"city"`
	State       string `json:"state"`
	Country     string `json:"country"`
	CountryName string `json:"countryName"`
	PhoneNumber string `json:"phoneNumber"`
}

// Shipment is one shipment of an order, with its tracking.
type Shipment struct {
	ShippedDate time.Time `json:"shippedDate"`
	Carrier     string    `json:"carrier"`
	Service     string    `json:"service"`
	TrackingID  string    `json:"trackingId"`
	TrackingURL string    `json:"trackingUrl"`
}

// CurrencyFormat says how an order's amounts are written: "$ 4 USD" is
// prefix "$ ", suffix " USD" and no decimal digits.
type CurrencyFormat struct {
	Currency      string `json:"currency"`
	Name          string `json:"name"`
	Prefix        string `json:"prefix"`
	Suffix        string `json:"suffix"`
	DecimalPoint  string `json:"decimalPoint"`
	DecimalDigits int    `json:"decimalDigits"`
	URI           string `json:"uri"`
}

// Format writes d in the format: rounded half away from zero to the
// format's digits, its decimal point, the prefix and suffix around it, and
// spaces as no-break spaces, as the seed's "$\u00a04\u00a0USD".
func (f CurrencyFormat) Format(d decimal.Decimal) string {
	s := d.StringFixed(int32(f.DecimalDigits))
	if f.DecimalPoint != "" && f.DecimalPoint != "." {
		s = strings.Replace(s, ".", f.DecimalPoint, 1)
	}
	return strings.ReplaceAll(f.Prefix+s+f.Suffix, " ", "\u00a0")
}

// DateLayout is how the seed writes an order's dates.
const DateLayout = "2006-01-02 15:04:05"

// ImportedOrder is one order of an import file: the order and the e-mail
// address of the account it belongs to.
type ImportedOrder struct {
	Email string
	Order *Order
}

// Limits of an import.
const (
	MaxImportOrders = 10000
	maxOrderItems   = 500
	maxOrderText    = 1000
)

// importDoc is the import file: {"orders": [{"email": ..., "order": ...,
// ...}]}, or the list itself.
type importOrder struct {
	Email string `json:"email"`
	Order
	Date string `json:"date"`
	// Shipments' dates are read as text too.
	Shipments []struct {
		Shipment
		ShippedDate string `json:"shippedDate"`
	} `json:"shipments"`
}

// ParseImport reads an import file: a JSON list of orders, or an object
// whose "orders" member is that list. Each order is the order of the
// seed with "email" naming its account, its amounts as numbers, dates as
// "2015-10-20 16:01:34" (read in UTC) or RFC 3339; formatted strings and
// "…AsNumber" members are not read (they are derived). Errors name the
// order at fault ("orders[3].items[0].priceEach").
func ParseImport(r io.Reader) ([]ImportedOrder, error) {
	body, err := io.ReadAll(io.LimitReader(r, 64<<20+1))
	if err != nil {
		return nil, fmt.Errorf("read import: %w", err)
	}
	if len(body) > 64<<20 {
		return nil, errs.InvalidField("orders", "the import file is larger than 64 MiB")
	}
	if !utf8.Valid(body) || bytes.Contains(body, []byte(`\u0000`)) {
		return nil, errs.InvalidField("orders", "the import file must be UTF-8 text without NUL characters")
	}
	trimmed := bytes.TrimSpace(body)
	var raw []json.RawMessage
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var doc struct {
			Orders []json.RawMessage `json:"orders"`
		}
		if err := json.Unmarshal(trimmed, &doc); err != nil {
			return nil, errs.InvalidField("orders", "the import file is not valid JSON")
		}
		raw = doc.Orders
	} else if err := json.Unmarshal(trimmed, &raw); err != nil {
		return nil, errs.InvalidField("orders", "the import file must be a JSON list of orders or {\"orders\": [...]}")
	}
	if len(raw) == 0 {
		return nil, errs.InvalidField("orders", "the import file holds no orders")
	}
	if len(raw) > MaxImportOrders {
		return nil, errs.InvalidField("orders", "at most %d orders are imported at once", MaxImportOrders)
	}
	out := make([]ImportedOrder, 0, len(raw))
	seen := map[string]bool{}
	for i, m := range raw {
		o, email, err := parseOrder(m)
		if err != nil {
			return nil, errs.Item("orders", i, err)
		}
		if seen[o.Order] {
			return nil, errs.Item("orders", i, errs.InvalidField("order", "order %s appears twice in the file", o.Order))
		}
		seen[o.Order] = true
		out = append(out, ImportedOrder{Email: email, Order: o})
	}
	return out, nil
}

func parseOrder(m json.RawMessage) (*Order, string, error) {
	var in importOrder
	dec := json.NewDecoder(bytes.NewReader(m))
	if err := dec.Decode(&in); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return nil, "", errs.InvalidField(typeErr.Field, "%s has the wrong type", typeErr.Field)
		}
		return nil, "", errs.E(errs.Invalid, "the order is not a valid JSON object: %v", err)
	}
	email, err := NormalizeEmail("email", in.Email)
	if err != nil {
		return nil, "", err
	}
	o := in.Order
	if o.Date, err = parseDate("date", in.Date); err != nil {
		return nil, "", err
	}
	o.Shipments = make([]Shipment, 0, len(in.Shipments))
	for i, s := range in.Shipments {
		sh := s.Shipment
		if sh.ShippedDate, err = parseDate("shippedDate", s.ShippedDate); err != nil {
			return nil, "", errs.Item("shipments", i, err)
		}
		o.Shipments = append(o.Shipments, sh)
	}
	if err := o.Validate(); err != nil {
		return nil, "", err
	}
	return &o, email, nil
}

func parseDate(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errs.InvalidField(field, MsgRequired)
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(DateLayout, s); err == nil {
		return t, nil
	}
	return time.Time{}, errs.InvalidField(field, "%s must be like 2015-10-20 16:01:34", field)
}

// Validate checks an order: an id of 1 to 64 letters, digits, dashes and
// underscores, a currency of three letters, at most 500 items, positive
// quantities, at most 4 decimal digits, and text without control
// characters or card numbers.
func (o *Order) Validate() error {
	if o.Order == "" {
		return errs.InvalidField("order", MsgRequired)
	}
	if len(o.Order) > 64 || strings.IndexFunc(o.Order, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_')
	}) >= 0 {
		return errs.InvalidField("order", MsgNotValid)
	}
	if len(o.Currency) != 3 || strings.ToUpper(o.Currency) != o.Currency || strings.IndexFunc(o.Currency, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return errs.InvalidField("currency", "currency must be three capital letters")
	}
	if o.CurrencyFormat.DecimalDigits < 0 || o.CurrencyFormat.DecimalDigits > 4 {
		return errs.InvalidField("currencyFormat.decimalDigits", "decimalDigits must be from 0 to 4")
	}
	if o.CurrencyFormat.Currency == "" {
		o.CurrencyFormat.Currency = o.Currency
	}
	if len(o.Items) > maxOrderItems {
		return errs.InvalidField("items", "an order has at most %d items", maxOrderItems)
	}
	if o.Items == nil {
		o.Items = []OrderItem{}
	}
	if o.Discounts.AutomaticDiscounts == nil {
		o.Discounts.AutomaticDiscounts = []Discount{}
	}
	if o.Discounts.Vouchers == nil {
		o.Discounts.Vouchers = []Discount{}
	}
	for i, it := range o.Items {
		if it.Quantity < 1 {
			return errs.Item("items", i, errs.InvalidField("quantity", "quantity must be at least 1"))
		}
		if err := checkTexts(map[string]string{"item": it.Item, "product": it.Product, "brandName": it.BrandName,
			"productName": it.ProductName, "size": it.Size, "sku": it.SKU, "line": it.Line}); err != nil {
			return errs.Item("items", i, err)
		}
		if err := pan.CheckCode("ean", it.EAN); err != nil {
			return errs.Item("items", i, err)
		}
	}
	if err := checkTexts(map[string]string{"status": o.Status, "statusDescription": o.StatusDescription, "message": o.Message,
		"paymentMethod": o.PaymentMethod, "paymentMethodName": o.PaymentMethodName, "shippingMethod": o.ShippingMethod,
		"shippingMethodName": o.ShippingMethodName, "currencyFormat.prefix": o.CurrencyFormat.Prefix,
		"currencyFormat.suffix": o.CurrencyFormat.Suffix, "currencyFormat.name": o.CurrencyFormat.Name,
		"currencyFormat.decimalPoint": o.CurrencyFormat.DecimalPoint, "currencyFormat.uri": o.CurrencyFormat.URI}); err != nil {
		return err
	}
	if o.GiftMessage != nil {
		if err := checkTexts(map[string]string{"giftMessage": *o.GiftMessage}); err != nil {
			return err
		}
	}
	for name, a := range map[string]OrderAddress{"address": o.Address, "shippingAddress": o.ShippingAddress} {
		if err := checkTexts(map[string]string{name + ".email": a.Email, name + ".firstName": a.FirstName,
			name + ".lastName": a.LastName, name + ".company": a.Company, name + ".address1": a.Address1,
			name + ".address2": a.Address2, name + ".zipCode": a.ZipCode, name + ".city": a.City, name + ".state": a.State,
			name + ".country": a.Country, name + ".countryName": a.CountryName, name + ".phoneNumber": a.PhoneNumber}); err != nil {
			return err
		}
	}
	for i, d := range append(append([]Discount{}, o.Discounts.AutomaticDiscounts...), o.Discounts.Vouchers...) {
		if err := checkTexts(map[string]string{"code": d.Code, "description": d.Description}); err != nil {
			return errs.Item("discounts", i, err)
		}
	}
	for i, s := range o.Shipments {
		if err := checkTexts(map[string]string{"carrier": s.Carrier, "service": s.Service, "trackingId": s.TrackingID,
			"trackingUrl": s.TrackingURL}); err != nil {
			return errs.Item("shipments", i, err)
		}
		if s.TrackingURL != "" && !strings.HasPrefix(s.TrackingURL, "https://") && !strings.HasPrefix(s.TrackingURL, "http://") {
			return errs.Item("shipments", i, errs.InvalidField("trackingUrl", "trackingUrl must be an http or https URL"))
		}
	}
	return nil
}

func checkTexts(fields map[string]string) error {
	for field, v := range fields {
		if !utf8.ValidString(v) || hasControl(v) || utf8.RuneCountInString(v) > maxOrderText {
			return errs.InvalidField(field, "%s must be text of at most %d characters", field, maxOrderText)
		}
		if err := pan.CheckText(field, v); err != nil {
			return err
		}
	}
	return nil
}
