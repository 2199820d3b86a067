package checkout

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
)

func TestCurrencyFormat(t *testing.T) {
	usd := CurrencyFormat{Prefix: "$ ", Suffix: " USD", DecimalPoint: ".", DecimalDigits: 0}
	sek := CurrencyFormat{Suffix: " kr", DecimalPoint: ",", DecimalDigits: 2}
	eur := CurrencyFormat{Prefix: "€", DecimalPoint: ".", DecimalDigits: 2}
	for _, c := range []struct {
		f    CurrencyFormat
		in   string
		want string
	}{
		// The seed's amounts.
		{usd, "4", "$\u00a04\u00a0USD"},
		{usd, "3.2", "$\u00a03\u00a0USD"},
		{usd, "-20.6", "$\u00a0-21\u00a0USD"},
		{usd, "82.4", "$\u00a082\u00a0USD"},
		{usd, "20.6", "$\u00a021\u00a0USD"},
		{usd, "0", "$\u00a00\u00a0USD"},
		// Half away from zero; other points and digits.
		{usd, "2.5", "$\u00a03\u00a0USD"},
		{usd, "-2.5", "$\u00a0-3\u00a0USD"},
		{sek, "1234.5", "1234,50\u00a0kr"},
		{sek, "0.005", "0,01\u00a0kr"},
		{eur, "19.999", "€20.00"},
	} {
		if got := c.f.Format(decimal.RequireFromString(c.in)); got != c.want {
			t.Errorf("Format(%s) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	for pw, ok := range map[string]bool{
		"correct horse": true, "Tr0ub4dor&3": true, "ÆØÅ æøå 12": true, strings.Repeat("x", 128): true,
		"": false, "short": false, "1234567": false, "password": false, "PASSWORD": false, "12345678": false,
		"        ": false, "a@example.com": false, strings.Repeat("x", 129): false, "new\nline pw": false,
	} {
		err := CheckPassword("password", pw, "a@example.com")
		if ok != (err == nil) {
			t.Errorf("CheckPassword(%q) = %v, want ok %v", pw, err, ok)
		}
		if err != nil && errs.As(err).Field != "password" {
			t.Errorf("CheckPassword(%q) names field %q", pw, errs.As(err).Field)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		" Hello@Example.COM ": "hello@example.com", "a.b+c@d.example": "a.b+c@d.example",
		"": "", "nope": "", "a b@c.example": "", "a@b..example": "", ".a@b.example": "", "a@-b.example<": "",
		"4111111111111111@b.example": "", "a@b": "", "Name <a@b.example>": "", "a@b.example\x00": "", strings.Repeat("a", 250) + "@b.example": "",
	} {
		got, err := NormalizeEmail("email", in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestLinkURI(t *testing.T) {
	for v, ok := range map[string]bool{
		"": true, "my-uri/with/slashes": true, "/reset": true, "a%20b": true,
		"https://evil.example": false, "//evil.example": false, "a//b": false, "../x": false, "a?b": false,
		"a#b": false, "a b": false, "a@b": false, "%zz": false, strings.Repeat("a", 501): false,
	} {
		if err := CheckLinkURI(v); ok != (err == nil) {
			t.Errorf("CheckLinkURI(%q) = %v, want ok %v", v, err, ok)
		}
	}
}

func TestSelectionLines(t *testing.T) {
	lines, err := AddLine(nil, "2-1", 2)
	if err != nil {
		t.Fatal(err)
	}
	lines, _ = AddLine(lines, "2-1", 998)
	lines, _ = AddLine(lines, "3-1", 1)
	if len(lines) != 2 || lines[0].Quantity != MaxQuantity {
		t.Fatalf("lines %v: want 2-1 capped at %d and 3-1", lines, MaxQuantity)
	}
	lines, _ = RemoveLine(lines, "2-1")
	if len(lines) != 1 || lines[0].Item != "3-1" {
		t.Fatalf("after remove: %v", lines)
	}
	for _, c := range []struct {
		item string
		q    int
	}{{"", 1}, {"a b", 1}, {"x\x00", 1}, {strings.Repeat("a", 65), 1}, {"ok", 0}, {"ok", 1000}} {
		if _, err := AddLine(nil, c.item, c.q); !errs.Is(err, errs.Invalid) {
			t.Errorf("AddLine(%q, %d) = %v, want invalid", c.item, c.q, err)
		}
	}
	full := []Line{}
	for i := range MaxSelectionItems {
		full = append(full, Line{Item: "i" + strings.Repeat("x", i%60) + string(rune('a'+i%26)), Quantity: 1})
	}
	if _, err := AddLine(full, "one-more", 1); err == nil {
		t.Fatal("a full selection took one more item")
	}
}

func TestParseImport(t *testing.T) {
	good := `{"email": "A@Example.com", "order": "1", "date": "2015-10-20 16:01:34", "currency": "USD",
		"items": [{"item": "2-1", "quantity": 1, "priceEach": 4.10, "taxPercent": 25}],
		"totals": {"grandTotalPrice": "82.40", "taxDeducted": -20.6},
		"currencyFormat": {"prefix": "$ ", "decimalPoint": ".", "decimalDigits": 2}}`
	orders, err := ParseImport(strings.NewReader(`{"orders": [` + good + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	o := orders[0]
	if o.Email != "a@example.com" || o.Order.Date.Format(DateLayout) != "2015-10-20 16:01:34" ||
		!o.Order.Items[0].PriceEach.Equal(decimal.RequireFromString("4.1")) || o.Order.Totals.TotalDiscountPrice != nil ||
		!o.Order.Totals.TaxDeducted.Equal(decimal.RequireFromString("-20.6")) || o.Order.CurrencyFormat.Currency != "USD" ||
		o.Order.Shipments == nil || o.Order.Discounts.Vouchers == nil {
		t.Fatalf("parsed %+v", o.Order)
	}
	for _, c := range []struct{ file, field string }{
		{`[` + strings.Replace(good, `"USD"`, `"usd"`, 1) + `]`, "orders[0].currency"},
		{`[` + strings.Replace(good, `"decimalDigits": 2`, `"decimalDigits": 9`, 1) + `]`, "orders[0].currencyFormat.decimalDigits"},
		{`[` + strings.Replace(good, `"A@Example.com"`, `"nope"`, 1) + `]`, "orders[0].email"},
		{`[` + good + `, ` + good + `]`, "orders[1].order"},
		{`[` + strings.Replace(good, `"2-1"`, `"4111111111111111"`, 1) + `]`, "orders[0].items[0].item"},
		{`{"orders": "x"}`, "orders"},
		{"[\"\\u0000\"]", "orders"},
	} {
		_, err := ParseImport(strings.NewReader(c.file))
		if e := errs.As(err); err == nil || e.Code != errs.Invalid || e.Field != c.field {
			t.Errorf("ParseImport(%.60s…) = %v, want invalid %s", c.file, err, c.field)
		}
	}
}
