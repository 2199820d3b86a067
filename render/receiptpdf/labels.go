package receiptpdf

import "strings"

// Labels are the static texts of a receipt PDF in one language.
type Labels struct {
	// Lang is the language's code: da, no, sv, fi or en.
	Lang        string
	Receipt     string
	Store       string
	Date        string
	OrderNumber string
	Terminal    string
	ServedBy    string
	Phone       string
	RegNumber   string
	Item        string
	Quantity    string
	Price       string
	Amount      string
	Total       string
	VAT         string
	VATRate     string
	Payments    string
	Card        string
	Barcode     string
	ReceiptID   string
	// DecimalComma writes 12,50 instead of 12.50.
	DecimalComma bool
}

// languages are the static texts of every language the PDF speaks.
var languages = map[string]Labels{
	"en": {Lang: "en", Receipt: "Receipt", Store: "Store", Date: "Date", OrderNumber: "Order no.", Terminal: "Terminal",
		ServedBy: "Served by", Phone: "Phone", RegNumber: "Reg. no.", Item: "Item", Quantity: "Qty", Price: "Price",
		Amount: "Amount", Total: "Total", VAT: "VAT", VATRate: "VAT rate", Payments: "Payment", Card: "Card",
		Barcode: "Barcode", ReceiptID: "Receipt id"},
	"da": {Lang: "da", Receipt: "Kvittering", Store: "Butik", Date: "Dato", OrderNumber: "Ordrenr.", Terminal: "Terminal",
		ServedBy: "Ekspedient", Phone: "Telefon", RegNumber: "CVR-nr.", Item: "Vare", Quantity: "Antal", Price: "Pris",
		Amount: "Beløb", Total: "I alt", VAT: "Moms", VATRate: "Momssats", Payments: "Betaling", Card: "Kort",
		Barcode: "Stregkode", ReceiptID: "Kvitterings-id", DecimalComma: true},
	"no": {Lang: "no", Receipt: "Kvittering", Store: "Butikk", Date: "Dato", OrderNumber: "Ordrenr.", Terminal: "Terminal",
		ServedBy: "Betjent av", Phone: "Telefon", RegNumber: "Org.nr.", Item: "Vare", Quantity: "Antall", Price: "Pris",
		Amount: "Beløp", Total: "Totalt", VAT: "MVA", VATRate: "MVA-sats", Payments: "Betaling", Card: "Kort",
		Barcode: "Strekkode", ReceiptID: "Kvitterings-ID", DecimalComma: true},
	"sv": {Lang: "sv", Receipt: "Kvitto", Store: "Butik", Date: "Datum", OrderNumber: "Ordernr", Terminal: "Terminal",
		ServedBy: "Betjänad av", Phone: "Telefon", RegNumber: "Org.nr", Item: "Artikel", Quantity: "Antal", Price: "Pris",
		Amount: "Belopp", Total: "Totalt", VAT: "Moms", VATRate: "Momssats", Payments: "Betalning", Card: "Kort",
		Barcode: "Streckkod", ReceiptID: "Kvitto-id", DecimalComma: true},
	"fi": {Lang: "fi", Receipt: "Kuitti", Store: "Myymälä", Date: "Päivämäärä", OrderNumber: "Tilausnro", Terminal: "Pääte",
		ServedBy: "Myyjä", Phone: "Puhelin", RegNumber: "Y-tunnus", Item: "Tuote", Quantity: "Määrä", Price: "Hinta",
		Amount: "Summa", Total: "Yhteensä", VAT: "ALV", VATRate: "ALV-kanta", Payments: "Maksu", Card: "Kortti",
		Barcode: "Viivakoodi", ReceiptID: "Kuitin tunnus", DecimalComma: true},
}

// aliases are other codes of the same languages (Norwegian Bokmål and
// Nynorsk, the Swedish and Finnish country codes some apps send).
var aliases = map[string]string{"nb": "no", "nn": "no", "dk": "da", "se": "sv"}

// Lang returns the static texts of lang ("da", "da-DK", "DA" alike); an
// empty or unknown language is English.
func Lang(lang string) Labels {
	code, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(lang)), "-")
	code, _, _ = strings.Cut(code, "_")
	if a, ok := aliases[code]; ok {
		code = a
	}
	if l, ok := languages[code]; ok {
		return l
	}
	return languages["en"]
}
