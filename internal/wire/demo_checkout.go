package wire

import (
	"bytes"
	"context"
	"fmt"

	"loyaltygraph/domain/checkout"
)

// demoCheckoutEmail is the demo checkout account (seed 004).
const demoCheckoutEmail = "demo.checkout@example.com"

// demoCheckoutOrders are the demo account's two orders, in the import
// format (loyaltygraph checkout import-orders).
const demoCheckoutOrders = `{"orders": [
 {"email": "demo.checkout@example.com", "order": "demo-575", "status": "untouched", "statusDescription": "Pending",
  "message": "Thank you for your order!", "date": "2026-11-20 16:01:34", "currency": "USD",
  "paymentMethod": "paypal", "paymentMethodName": "PäjPäl", "shippingMethod": "", "shippingMethodName": "",
  "items": [{"item": "2-1", "product": "2", "brandName": "Brand", "productName": "√Ett", "size": "", "sku": "p1v1",
    "ean": "", "quantity": 1, "storePickup": false, "line": "17d0eaf6e6a165676cf39222ffc81bff", "priceEach": 4,
    "totalPrice": 4, "priceEachBeforeDiscount": 4, "anyDiscount": false, "taxPercent": 25, "priceEachWithoutTax": 3.2}],
  "discounts": {"anyDiscount": false, "discount": 0, "automaticDiscounts": [], "vouchers": []},
  "totals": {"itemsTotalPrice": 4, "totalDiscountPrice": null, "shippingPrice": 99, "handlingCostPrice": 0,
    "totalQuantity": 1, "taxDeducted": -20.6, "taxAdded": null, "taxPercent": 0, "grandTotalPrice": 82.4,
    "grandTotalPriceTax": 0},
  "vatExempt": true,
  "address": {"email": "fr@example.com", "firstName": "First", "lastName": "Last", "company": "", "address1": "Rue",
    "address2": "", "zipCode": "75000", "city": "Paris", "state": "Alsace", "country": "FR", "countryName": "France",
    "phoneNumber": "1234556"},
  "shippingAddress": {"email": "fr@example.com", "firstName": "First", "lastName": "Last", "company": "",
    "address1": "Rue", "address2": "", "zipCode": "75000", "city": "Paris", "state": "Alsace", "country": "FR",
    "countryName": "France", "phoneNumber": "12345678"},
  "giftMessage": null,
  "shipments": [{"shippedDate": "2026-11-21 16:22:20", "carrier": "UPS", "service": "Ground",
    "trackingId": "1Z123123123123", "trackingUrl": "http://example.com/tracking?1Z123123123123"}],
  "currencyFormat": {"currency": "USD", "name": "USD", "prefix": "$ ", "suffix": " USD", "decimalPoint": ".",
    "decimalDigits": 0, "uri": "usd"}},
 {"email": "demo.checkout@example.com", "order": "demo-574", "status": "untouched", "statusDescription": "Pending",
  "message": "Thank you for your order!", "date": "2026-11-20 15:58:21", "currency": "USD",
  "paymentMethod": "paypal", "paymentMethodName": "PäjPäl", "shippingMethod": "", "shippingMethodName": "",
  "items": [{"item": "2-1", "product": "2", "brandName": "Brand", "productName": "√Ett", "size": "", "sku": "p1v1",
    "ean": "", "quantity": 1, "storePickup": false, "line": "58b36250237a1d67e67fc95ce18c8f7d", "priceEach": 4,
    "totalPrice": 4, "priceEachBeforeDiscount": 4, "anyDiscount": false, "taxPercent": 25, "priceEachWithoutTax": 3.2}],
  "discounts": {"anyDiscount": false, "discount": 0, "automaticDiscounts": [], "vouchers": []},
  "totals": {"itemsTotalPrice": 4, "totalDiscountPrice": null, "shippingPrice": 99, "handlingCostPrice": 0,
    "totalQuantity": 1, "taxDeducted": null, "taxAdded": null, "taxPercent": 25, "grandTotalPrice": 103,
    "grandTotalPriceTax": 20.6},
  "vatExempt": false,
  "address": {"email": "fr@example.com", "firstName": "First", "lastName": "Last", "company": "", "address1": "Rue",
    "address2": "", "zipCode": "75000", "city": "Paris", "state": "Alsace", "country": "FR", "countryName": "France",
    "phoneNumber": "1234556"},
  "shippingAddress": {"email": "fr@example.com", "firstName": "First", "lastName": "Last", "company": "",
    "address1": "Rue", "address2": "", "zipCode": "75000", "city": "Paris", "state": "Alsace", "country": "FR",
    "countryName": "France", "phoneNumber": "12345678"},
  "giftMessage": null, "shipments": [],
  "currencyFormat": {"currency": "USD", "name": "USD", "prefix": "$ ", "suffix": " USD", "decimalPoint": ".",
    "decimalDigits": 0, "uri": "usd"}}
]}`

// loadDemoCheckout adds the demo checkout account with its two orders.
// Loading it again changes nothing.
func (a *App) loadDemoCheckout(ctx context.Context, d *Demo) error {
	d.CheckoutEmail, d.CheckoutPassword = demoCheckoutEmail, a.demoSecret("checkout")
	first, last, city, country := "Demo", "Checkout", "Paris", "FR"
	if _, err := a.demo.checkout.EnsureAccount(ctx, d.CheckoutEmail, d.CheckoutPassword,
		checkout.AddressUpdate{FirstName: &first, LastName: &last, City: &city, Country: &country}); err != nil {
		return fmt.Errorf("demo checkout account: %w", err)
	}
	orders, err := checkout.ParseImport(bytes.NewReader([]byte(demoCheckoutOrders)))
	if err != nil {
		return fmt.Errorf("demo checkout orders: %w", err)
	}
	if _, err := a.demo.checkout.ImportOrders(ctx, orders); err != nil {
		return fmt.Errorf("demo checkout orders: %w", err)
	}
	return nil
}
