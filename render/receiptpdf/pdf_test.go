package receiptpdf_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/render/receiptpdf"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ptr[T any](v T) *T { return &v }

func sample() *receipt.Receipt {
	return &receipt.Receipt{
		ID: "4sh8tz51gwthdbdywap34zpmwim7e9z7", MerchantID: "baker",
		Merchant: merchant.Merchant{ID: "baker", Name: "Ærø Bageri", Profile: merchant.Profile{
			Country: "DK", Address: "Søndergade 1", ZipCode: "5970", City: "Ærøskøbing", PhoneNumber: "+4512345678",
			RegistrationNumber: "DK12345678"}},
		PurchaseDateTime: time.Date(2026, 11, 1, 10, 34, 0, 0, time.FixedZone("", 3600)),
		StoreName:        "Ærø Bageri Nørrebro",
		Optionals:        receipt.Optionals{OrderNumber: "42", HeaderText: []string{"Velkommen"}, FooterText: []string{"Tak for besøget"}},
		Total:            receipt.Money{Amount: dec("1234.5"), Currency: "DKK"},
		VATRates:         []receipt.VATRate{{Rate: dec("25"), Value: dec("246.9")}},
		Lines: []receipt.Line{
			{Name: "Smørrebrød med æg", Count: ptr(dec("2")), ItemPrice: ptr(dec("17.25")), TotalPrice: dec("34.5"), VATRate: ptr(dec("25"))},
			{Name: "Kanelbolle, å ä ö", TotalPrice: dec("1200"), Description: "Café crème"},
		},
		Payments: []receipt.Payment{{Type: "CARD", Amount: dec("1234.50"), Currency: "DKK", TruncatedCardNumber: "457100XXXXXX0001"}},
		Barcode:  &receipt.Barcode{Type: "code128", Value: "RCPT-000042"},
	}
}

func render(t *testing.T, r *receipt.Receipt, lang string) string {
	t.Helper()
	pdf, err := receiptpdf.New().PDF(r, lang)
	if err != nil {
		t.Fatal(err)
	}
	return testenv.PDFText(t, pdf)
}

func TestPDFHoldsTheReceiptAndEveryLetterExtracts(t *testing.T) {
	txt := render(t, sample(), "da")
	for _, want := range []string{"Ærø Bageri", "Søndergade 1", "5970 Ærøskøbing", "DK", "+4512345678", "CVR-nr.: DK12345678",
		"Ærø Bageri Nørrebro", "2026-11-01 10:34", "Velkommen", "Smørrebrød med æg", "17,25", "34,50", "Kanelbolle, å ä ö",
		"Café crème", "I alt DKK", "1234,50", "Moms 25 %", "246,90", "457100XXXXXX0001", "RCPT-000042", "Tak for besøget",
		"4sh8tz51gwthdbdywap34zpmwim7e9z7"} {
		if !strings.Contains(txt, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, txt)
		}
	}
}

func TestPDFStaticTextsInEachLanguage(t *testing.T) {
	for lang, want := range map[string][]string{
		"da":    {"I alt", "Beløb", "Stregkode", "Moms"},
		"no":    {"Totalt", "Beløp", "Strekkode", "MVA", "Org.nr."},
		"nb":    {"Totalt", "Beløp", "Strekkode"},
		"sv":    {"Totalt", "Belopp", "Streckkod", "Moms", "Betalning"},
		"fi":    {"Yhteensä", "Summa", "Viivakoodi", "ALV", "Maksu"},
		"en":    {"Total", "Amount", "Barcode", "VAT", "Payment", "1234.50"},
		"":      {"Total", "Amount", "Barcode"},
		"xx":    {"Total", "Amount", "Barcode"},
		"DA-dk": {"I alt"},
	} {
		txt := render(t, sample(), lang)
		for _, w := range want {
			if !strings.Contains(txt, w) {
				t.Errorf("lang %q: PDF text lacks %q", lang, w)
			}
		}
		if lang == "xx" && (strings.Contains(txt, "I alt") || strings.Contains(txt, "1234,50")) {
			t.Errorf("an unknown language is not English:\n%s", txt)
		}
	}
}

func TestPDFNeverPrintsAFullCardNumber(t *testing.T) {
	r := sample()
	// Neither can be stored (ingestion refuses them); the renderer masks
	// them all the same.
	r.Payments[0].TruncatedCardNumber = "4571000000000001"
	r.Lines[0].Name = "Gift card 4571 0000 0000 0001"
	txt := render(t, r, "en")
	digits := strings.NewReplacer(" ", "", "\n", "").Replace(txt)
	if strings.Contains(digits, "4571000000000001") {
		t.Fatalf("a full card number is in the PDF:\n%s", txt)
	}
	if !strings.Contains(txt, "XXXX0001") || !strings.Contains(txt, "457100XXXXXX0001") {
		t.Errorf("card numbers are not shown masked:\n%s", txt)
	}
}

func TestPDFSurvivesLettersTheFontLacks(t *testing.T) {
	r := sample()
	r.Lines[0].Name = "漢字 🎉 smørrebrød"
	r.StoreName = strings.Repeat("Lang butik ", 40)
	for range 200 {
		r.Lines = append(r.Lines, receipt.Line{Name: strings.Repeat("wrap ", 60), TotalPrice: dec("1")})
	}
	txt := render(t, r, "en")
	if !strings.Contains(txt, "smørrebrød") || !strings.Contains(txt, "1234.50") {
		t.Errorf("PDF text lacks the receipt:\n%.2000s", txt)
	}
}
