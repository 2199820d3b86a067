// Package receiptpdf renders a receipt (seed 001) as a printable PDF
// document: the merchant and its profile, the store, the lines, VAT,
// totals, payments (card numbers only masked) and the barcode's value,
// with its static texts in Danish, Norwegian, Swedish, Finnish or English.
// The Go fonts are embedded (subset, with their Unicode map), so that
// every letter of Latin-1 and Latin Extended-A prints and extracts.
package receiptpdf

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
	"github.com/shopspring/decimal"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"

	"loyaltygraph/domain/pan"
	"loyaltygraph/domain/receipt"
)

// Renderer renders receipts as PDF documents. It holds no state: one
// Renderer serves concurrent requests.
type Renderer struct{}

// New returns the PDF renderer.
func New() *Renderer { return &Renderer{} }

// Page geometry in millimetres (A4).
const (
	margin     = 20.0
	pageWidth  = 210.0
	contentW   = pageWidth - 2*margin
	itemW      = 95.0
	qtyW       = 20.0
	priceW     = (contentW - itemW - qtyW) / 2
	lineH      = 5.0
	fontFamily = "go"
)

// PDF renders r with the static texts of lang (English when empty or
// unknown).
func (*Renderer) PDF(r *receipt.Receipt, lang string) ([]byte, error) {
	l := Lang(lang)
	f := fpdf.New("P", "mm", "A4", "")
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, 15)
	f.AddUTF8FontFromBytes(fontFamily, "", goregular.TTF)
	f.AddUTF8FontFromBytes(fontFamily, "B", gobold.TTF)
	f.SetTitle(text(l.Receipt+" "+merchantName(r)), true)
	f.SetCreator("loyaltygraph", true)
	f.SetLang(l.Lang)
	created := r.UpdatedAt
	if created.IsZero() {
		created = time.Now()
	}
	f.SetCreationDate(created.UTC())
	f.SetModificationDate(created.UTC())
	f.AddPage()

	p := &page{f: f, l: l}
	p.header(r)
	p.lines(r)
	p.totals(r)
	p.payments(r)
	p.trailer(r)

	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("render receipt pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("render receipt pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// page writes one receipt onto its document.
type page struct {
	f *fpdf.Fpdf
	l Labels
}

func (p *page) font(style string, size float64) { p.f.SetFont(fontFamily, style, size) }

// row writes one full-width line of text, wrapped.
func (p *page) row(s string) {
	if s = text(s); s != "" {
		p.f.MultiCell(contentW, lineH, s, "", "L", false)
	}
}

// field writes "label: value" when value is set.
func (p *page) field(label, value string) {
	if strings.TrimSpace(value) != "" {
		p.row(label + ": " + value)
	}
}

func (p *page) rule() {
	y := p.f.GetY() + 1.5
	p.f.Line(margin, y, pageWidth-margin, y)
	p.f.SetY(y + 2)
}

func merchantName(r *receipt.Receipt) string {
	if strings.TrimSpace(r.Merchant.Name) != "" {
		return r.Merchant.Name
	}
	return r.MerchantID
}

func (p *page) header(r *receipt.Receipt) {
	p.font("B", 16)
	p.f.MultiCell(contentW, 8, text(merchantName(r)), "", "L", false)
	p.font("", 10)
	prof := r.Merchant.Profile
	p.row(prof.Address)
	p.row(strings.TrimSpace(prof.ZipCode + " " + prof.City))
	p.row(prof.Country)
	p.field(p.l.Phone, prof.PhoneNumber)
	p.field(p.l.RegNumber, prof.RegistrationNumber)
	p.rule()

	p.font("B", 12)
	p.row(p.l.Receipt)
	p.font("", 10)
	p.field(p.l.Store, r.StoreName)
	p.field(p.l.Date, r.PurchaseDateTime.Format("2006-01-02 15:04"))
	p.field(p.l.OrderNumber, r.Optionals.OrderNumber)
	p.field(p.l.Terminal, r.Optionals.TerminalID)
	p.field(p.l.ServedBy, r.Optionals.SalesEmployeeName)
	for _, h := range r.Optionals.HeaderText {
		p.row(h)
	}
	p.rule()
}

// cells writes one table row: the item column wrapped, the numbers right
// aligned on its first line.
func (p *page) cells(item, qty, price, amount string) {
	item = text(item)
	parts := p.f.SplitText(item, itemW)
	if len(parts) == 0 {
		parts = []string{""}
	}
	for i, part := range parts {
		p.f.CellFormat(itemW, lineH, part, "", 0, "L", false, 0, "")
		if i == 0 {
			p.f.CellFormat(qtyW, lineH, qty, "", 0, "R", false, 0, "")
			p.f.CellFormat(priceW, lineH, price, "", 0, "R", false, 0, "")
			p.f.CellFormat(priceW, lineH, amount, "", 1, "R", false, 0, "")
		} else {
			p.f.Ln(lineH)
		}
	}
}

func (p *page) lines(r *receipt.Receipt) {
	p.font("B", 10)
	p.cells(p.l.Item, p.l.Quantity, p.l.Price, p.l.Amount)
	p.font("", 10)
	for _, ln := range r.Lines {
		qty, price := "", ""
		if ln.Count != nil {
			qty = p.number(*ln.Count)
		}
		if ln.ItemPrice != nil {
			price = p.money(*ln.ItemPrice)
		}
		p.cells(ln.Name, qty, price, p.money(ln.TotalPrice))
		if ln.Description != "" {
			p.font("", 8)
			p.cells(ln.Description, "", "", "")
			p.font("", 10)
		}
	}
	p.rule()
}

func (p *page) totals(r *receipt.Receipt) {
	p.font("B", 12)
	p.f.CellFormat(contentW-2*priceW, 7, text(p.l.Total+" "+r.Total.Currency), "", 0, "L", false, 0, "")
	p.f.CellFormat(2*priceW, 7, p.money(r.Total.Amount), "", 1, "R", false, 0, "")
	p.font("", 10)
	if len(r.VATRates) > 0 {
		p.cells(p.l.VATRate, "", "", p.l.VAT)
		for _, v := range r.VATRates {
			p.cells(p.l.VAT+" "+p.number(v.Rate)+" %", "", "", p.money(v.Value))
		}
		p.cells(p.l.VAT+" "+strings.ToLower(p.l.Total), "", "", p.money(r.VAT()))
	}
	p.rule()
}

func (p *page) payments(r *receipt.Receipt) {
	if len(r.Payments) == 0 {
		return
	}
	p.font("B", 10)
	p.row(p.l.Payments)
	p.font("", 10)
	for _, pm := range r.Payments {
		desc := pm.Type
		if pm.TruncatedCardNumber != "" {
			desc += "  " + p.l.Card + " " + maskedCard(pm.TruncatedCardNumber)
		}
		p.cells(desc, "", pm.Currency, p.money(pm.Amount))
	}
	p.rule()
}

func (p *page) trailer(r *receipt.Receipt) {
	p.font("", 10)
	if r.Barcode != nil {
		v := r.Barcode.Value
		if r.Barcode.DisplayValue != "" && r.Barcode.DisplayValue != v {
			v += " (" + r.Barcode.DisplayValue + ")"
		}
		p.field(p.l.Barcode, v)
	}
	for _, t := range r.Optionals.FooterText {
		p.row(t)
	}
	p.font("", 8)
	p.field(p.l.ReceiptID, r.ID)
}

// maskedCard is a payment's card number as printed: the masked 6+4 form
// as kept, and anything else reduced to its last four digits.
func maskedCard(s string) string {
	if pan.IsMasked(s) {
		return strings.ToUpper(strings.ReplaceAll(s, "*", "X"))
	}
	var digits []rune
	for _, c := range s {
		if c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	if len(digits) > 4 {
		digits = digits[len(digits)-4:]
	}
	return "XXXX" + string(digits)
}

// number writes a decimal as the language does.
func (p *page) number(d decimal.Decimal) string {
	s := d.String()
	if p.l.DecimalComma {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// money writes an amount with two decimals as the language does.
func (p *page) money(d decimal.Decimal) string {
	s := d.StringFixed(2)
	if p.l.DecimalComma {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// text makes receipt text printable: card numbers masked (they are
// refused at ingestion; this is the second line of defence), control
// characters dropped, and letters the embedded fonts lack replaced by "?".
func text(s string) string {
	s = pan.Redact(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case unicode.IsControl(r) || r == unicode.ReplacementChar:
			return -1
		case !covered(r):
			return '?'
		}
		return r
	}, s)
}

var coverage struct {
	once sync.Once
	bits [0x10000 / 64]uint64
}

// covered reports whether both embedded fonts have a glyph for r.
func covered(r rune) bool {
	if r < 0x20 || r >= 0x10000 {
		return false
	}
	coverage.once.Do(func() {
		regular, err1 := sfnt.Parse(goregular.TTF)
		bold, err2 := sfnt.Parse(gobold.TTF)
		if err1 != nil || err2 != nil {
			return // nothing is covered: every letter prints as "?"
		}
		var buf sfnt.Buffer
		for c := rune(0x20); c < 0x10000; c++ {
			g1, err1 := regular.GlyphIndex(&buf, c)
			g2, err2 := bold.GlyphIndex(&buf, c)
			if err1 == nil && err2 == nil && g1 != 0 && g2 != 0 {
				coverage.bits[c/64] |= 1 << (c % 64)
			}
		}
	})
	return coverage.bits[r/64]&(1<<(r%64)) != 0
}
