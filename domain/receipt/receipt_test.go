package receipt

import (
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
)

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func hash(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func decp(s string) *decimal.Decimal { d := dec(s); return &d }

// valid returns a receipt input that passes every rule.
func valid() Input {
	return Input{
		ExternalID: "R-1001", ExternalIDType: "pos-1",
		PurchaseDateTime: time.Date(2026, 11, 29, 10, 34, 23, 0, time.FixedZone("", 2*3600)),
		StoreID:          "s1", StoreName: "Ærø Bageri",
		Optionals: Optionals{OrderNumber: "42", HeaderText: []string{"Velkommen"}, FooterText: []string{"Tak for besøget"}},
		Total:     Money{Amount: dec("89.50"), Currency: "DKK"},
		VATRates:  []VATRate{{Rate: dec("25"), Value: dec("17.90")}},
		Lines: []Line{
			{Name: "Smørrebrød med æg", Count: decp("2"), ItemPrice: decp("34.75"), TotalPrice: dec("69.50"), VATRate: decp("25")},
			{Name: "Kaffe", TotalPrice: dec("20"), ProductNumber: "5701234567892"},
		},
		Payments: []PaymentInput{{Payment: Payment{Type: "CARD", Amount: dec("89.50"), TruncatedCardNumber: "457100XXXXXX0001",
			TransactionID: "300001116910"}, CardToken: "tok_abc"}},
		Barcode:  &Barcode{Type: "code128", Value: "R1001"},
		Customer: &Customer{UserIDType: "shop", CID: "c-77"},
	}
}

func TestNewKeepsAValidReceipt(t *testing.T) {
	r, err := New("m1", "Ærø Bageri A/S", valid(), now, hash)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ID) != ids.StoreboxLength || !ids.IsLowerAlnum(r.ID) {
		t.Errorf("id %q is not 32 of [0-9a-z]", r.ID)
	}
	if len(r.TokenHashes) != len(r.Payments) || string(r.TokenHashes[0]) != string(hash([]byte("tok_abc"))) {
		t.Errorf("token hashes = %x", r.TokenHashes)
	}
	if r.Payments[0].Currency != "DKK" {
		t.Errorf("payment currency = %q, want the receipt's DKK", r.Payments[0].Currency)
	}
	if !r.VAT().Equal(dec("17.90")) {
		t.Errorf("VAT = %s", r.VAT())
	}
	if !strings.Contains(r.SearchText, "smørrebrød med æg") || !strings.Contains(r.SearchText, "ærø bageri a/s") {
		t.Errorf("search text %q lacks the lower-cased names", r.SearchText)
	}
	if _, off := r.PurchaseDateTime.Zone(); off != 2*3600 {
		t.Errorf("purchase time lost its offset: %v", r.PurchaseDateTime)
	}
}

func TestNewNamesTheFieldAtFault(t *testing.T) {
	const pan = "4571000000000001" // Luhn-valid
	cases := []struct {
		name  string
		edit  func(*Input)
		field string
	}{
		{"no external id", func(in *Input) { in.ExternalID = "" }, "externalReceiptId"},
		{"external id with space", func(in *Input) { in.ExternalID = "a b" }, "externalReceiptId"},
		{"no external id type", func(in *Input) { in.ExternalIDType = "" }, "externalReceiptIdType"},
		{"no purchase time", func(in *Input) { in.PurchaseDateTime = time.Time{} }, "purchaseDateTime"},
		{"purchase in the future", func(in *Input) { in.PurchaseDateTime = now.Add(48 * time.Hour) }, "purchaseDateTime"},
		{"no currency", func(in *Input) { in.Total.Currency = "" }, "totalOrderPrice.currency"},
		{"bad currency", func(in *Input) { in.Total.Currency = "dkk" }, "totalOrderPrice.currency"},
		{"too precise total", func(in *Input) { in.Total.Amount = dec("1.000001") }, "totalOrderPrice.amount"},
		{"vat rate above 100", func(in *Input) { in.VATRates[0].Rate = dec("101") }, "totalOrderPrice.vatRates[0].rate"},
		{"line without name", func(in *Input) { in.Lines[1].Name = " " }, "receiptLines[1].name"},
		{"line total too large", func(in *Input) { in.Lines[1].TotalPrice = dec("1e20") }, "receiptLines[1].totalPrice"},
		{"line negative vat", func(in *Input) { in.Lines[0].VATRate = decp("-1") }, "receiptLines[0].vatRate"},
		{"line negative number", func(in *Input) { n := -1; in.Lines[0].LineNumber = &n }, "receiptLines[0].lineNumber"},
		{"line name control char", func(in *Input) { in.Lines[0].Name = "a\x00b" }, "receiptLines[0].name"},
		{"payment without type", func(in *Input) { in.Payments[0].Type = "" }, "payments[0].type"},
		{"payment bad currency", func(in *Input) { in.Payments[0].Currency = "KRONER" }, "payments[0].currency"},
		{"header line too long", func(in *Input) { in.Optionals.HeaderText = []string{"ok", strings.Repeat("x", 257)} }, "headerText[1]"},
		{"barcode without value", func(in *Input) { in.Barcode = &Barcode{Type: "qr"} }, "barcode.value"},
		{"customer without cid", func(in *Input) { in.Customer = &Customer{UserIDType: "shop"} }, "customer.cid"},
		{"too many lines", func(in *Input) { in.Lines = make([]Line, maxLines+1) }, "receiptLines"},
		// Card numbers, wherever they hide.
		{"full PAN as truncated number", func(in *Input) { in.Payments[0].TruncatedCardNumber = pan }, "payments[0].truncatedCardNumber"},
		{"7+4 masked", func(in *Input) { in.Payments[0].TruncatedCardNumber = "4571000XXXXX0001" }, "payments[0].truncatedCardNumber"},
		{"PAN as card token", func(in *Input) { in.Payments[0].CardToken = pan }, "payments[0].cardToken"},
		{"PAN in line name", func(in *Input) { in.Lines[0].Name = "card " + pan }, "receiptLines[0].name"},
		{"grouped PAN in footer", func(in *Input) { in.Optionals.FooterText = []string{"4571 0000 0000 0001"} }, "footerText[0]"},
		{"PAN in barcode", func(in *Input) { in.Barcode.Value = pan }, "barcode.value"},
		{"PAN in customer id", func(in *Input) { in.Customer.CID = pan }, "customer.cid"},
		{"PAN in order number", func(in *Input) { in.Optionals.OrderNumber = pan }, "orderNumber"},
		{"PAN in transaction id", func(in *Input) { in.Payments[0].TransactionID = pan }, "payments[0].transactionId"},
		{"PAN as external id", func(in *Input) { in.ExternalID = pan }, "externalReceiptId"},
		{"PAN in store name", func(in *Input) { in.StoreName = "x-" + pan + "-y" }, "storeName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := valid()
			tc.edit(&in)
			_, err := New("m1", "M", in, now, hash)
			e := errs.As(err)
			if err == nil || e.Code != errs.Invalid || e.Field != tc.field {
				t.Fatalf("error = %v, want invalid naming %s", err, tc.field)
			}
			if strings.Contains(e.Message, pan) || strings.Contains(e.Message, "4571 0000") {
				t.Errorf("message echoes the card number: %s", e.Message)
			}
		})
	}
}

func TestCodesAndShortNumbersAreNotCardNumbers(t *testing.T) {
	in := valid()
	in.Lines[0].ProductNumber = "4006381333931" // EAN-13 that passes Luhn
	in.Barcode.Value = "4006381333931"
	in.Optionals.OrderNumber = "123456789012" // 12 digits
	in.Payments[0].TransactionID = "4571000000000002"
	if _, err := New("m1", "M", in, now, hash); err != nil {
		t.Fatalf("article codes and non-Luhn numbers refused: %v", err)
	}
}

func TestFilterValidate(t *testing.T) {
	from, to := now, now.Add(-time.Hour)
	cases := []struct {
		f     Filter
		field string
	}{
		{Filter{Direction: Asc}, "orderBy"},
		{Filter{OrderBy: "price", Direction: Asc}, "orderBy"},
		{Filter{OrderBy: OrderByDate}, "direction"},
		{Filter{OrderBy: OrderByDate, Direction: "up"}, "direction"},
		{Filter{OrderBy: OrderByDate, Direction: Asc, Limit: MaxPageSize + 1}, "limit"},
		{Filter{OrderBy: OrderByDate, Direction: Asc, From: &from, To: &to}, "endDate"},
		{Filter{OrderBy: OrderByDate, Direction: Asc, MinTotal: decp("10"), MaxTotal: decp("9")}, "endGrandTotal"},
		{Filter{OrderBy: OrderByDate, Direction: Asc, Search: strings.Repeat("ø", maxSearch+1)}, "search"},
	}
	for _, tc := range cases {
		if e := errs.As(tc.f.Validate()); e == nil || e.Field != tc.field {
			t.Errorf("%+v: error %v, want one naming %s", tc.f, e, tc.field)
		}
	}
	f := Filter{OrderBy: OrderByStore, Direction: Desc, Search: "  SMØRREBRØD "}
	if err := f.Validate(); err != nil || f.Search != "smørrebrød" {
		t.Errorf("search normalised to %q (%v)", f.Search, err)
	}
}
