// Package receipthtml renders a receipt (seed 001) as a clean, printable
// HTML page for a webview or an iframe: html/template escapes every
// receipt text, the page has no script, and its one style sheet is allowed
// by its hash in a strict Content-Security-Policy (CSP).
package receipthtml

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"strings"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/pan"
	"loyaltygraph/domain/receipt"
)

// pageCSS is the one style sheet of the HTML view. The Content-Security-
// Policy allows exactly this text by its hash, and nothing else: no
// script, no other style, no image, no font, no frame, no form.
const pageCSS = `
:root{color-scheme:light}
body{margin:0;background:#f4f4f4;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#111}
main{max-width:30rem;margin:1rem auto;background:#fff;padding:1.25rem 1.5rem;border:1px solid #ddd}
h1{font-size:1.4rem;margin:0 0 .25rem}
h2{font-size:1rem;margin:1rem 0 .25rem}
p{margin:0}
.muted{color:#555;font-size:.9rem}
table{width:100%;border-collapse:collapse;margin:.5rem 0}
th,td{padding:.15rem 0;vertical-align:top;text-align:left}
th{border-bottom:1px solid #999;font-weight:600}
.num{text-align:right;white-space:nowrap;padding-left:.75rem}
.total td{border-top:2px solid #111;font-weight:700;font-size:1.1rem;padding-top:.35rem}
.desc{color:#555;font-size:.85rem}
hr{border:0;border-top:1px dashed #999;margin:.75rem 0}
@media print{body{background:#fff}main{border:0;margin:0;max-width:none}}
`

// CSP is the Content-Security-Policy of the page: nothing but its own
// style sheet, allowed by its hash. The page also carries it in a meta
// element, for clients that show it without the HTTP header (GraphQL's
// Receipt.html).
var CSP = func() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; base-uri 'none'; form-action 'none'"
}()

// pageTemplate is the printable receipt. html/template escapes every
// receipt text by its context.
var pageTemplate = template.Must(template.New("receipt").Funcs(template.FuncMap{
	"money": func(d decimal.Decimal) string { return d.StringFixed(2) },
	"card":  printedCard,
	"text":  pan.Redact,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Receipt – {{text .Merchant}}</title>
<style>` + pageCSS + `</style>
</head>
<body>
<main>
<header>
<h1>{{text .Merchant}}</h1>
{{- with .R.Merchant.Profile}}
{{- if .Address}}<p class="muted">{{text .Address}}</p>{{end}}
{{- if or .ZipCode .City}}<p class="muted">{{text .ZipCode}} {{text .City}}</p>{{end}}
{{- if .Country}}<p class="muted">{{.Country}}</p>{{end}}
{{- if .PhoneNumber}}<p class="muted">Phone: {{text .PhoneNumber}}</p>{{end}}
{{- if .RegistrationNumber}}<p class="muted">Reg. no.: {{text .RegistrationNumber}}</p>{{end}}
{{- end}}
</header>
<hr>
{{- if .R.StoreName}}<p>Store: {{text .R.StoreName}}</p>{{end}}
<p>Date: <time datetime="{{.R.PurchaseDateTime.Format "2006-01-02T15:04:05Z07:00"}}">{{.R.PurchaseDateTime.Format "2006-01-02 15:04"}}</time></p>
{{- with .R.Optionals}}
{{- if .OrderNumber}}<p>Order no.: {{text .OrderNumber}}</p>{{end}}
{{- if .TerminalID}}<p>Terminal: {{text .TerminalID}}</p>{{end}}
{{- if .SalesEmployeeName}}<p>Served by: {{text .SalesEmployeeName}}</p>{{end}}
{{- range .HeaderText}}<p class="muted">{{text .}}</p>{{end}}
{{- end}}
<table>
<thead><tr><th>Item</th><th class="num">Qty</th><th class="num">Price</th><th class="num">Amount</th></tr></thead>
<tbody>
{{- range .R.Lines}}
<tr><td>{{text .Name}}{{if .Description}}<br><span class="desc">{{text .Description}}</span>{{end}}</td><td class="num">{{with .Count}}{{.String}}{{end}}</td><td class="num">{{with .ItemPrice}}{{money .}}{{end}}</td><td class="num">{{money .TotalPrice}}</td></tr>
{{- end}}
<tr class="total"><td colspan="3">Total {{.R.Total.Currency}}</td><td class="num">{{money .R.Total.Amount}}</td></tr>
</tbody>
</table>
{{- if .R.VATRates}}
<table>
<thead><tr><th>VAT rate</th><th class="num">VAT</th></tr></thead>
<tbody>
{{- range .R.VATRates}}
<tr><td>{{.Rate.String}} %</td><td class="num">{{money .Value}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
{{- if .R.Payments}}
<h2>Payment</h2>
<table>
<tbody>
{{- range .R.Payments}}
<tr><td>{{text .Type}}{{if .TruncatedCardNumber}} · Card {{card .TruncatedCardNumber}}{{end}}</td><td class="num">{{.Currency}} {{money .Amount}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
{{- with .R.Barcode}}
<p>Barcode: <span>{{text .Value}}</span>{{if .DisplayValue}} ({{text .DisplayValue}}){{end}}</p>
{{- end}}
{{- range .R.Optionals.FooterText}}<p class="muted">{{text .}}</p>{{end}}
<hr>
<p class="muted">Receipt id: {{.R.ID}}</p>
</main>
</body>
</html>
`))

// printedCard is a payment's card number as shown: the masked 6+4 form as
// kept, anything else reduced to its last four digits.
func printedCard(s string) string {
	if pan.IsMasked(s) {
		return strings.ToUpper(strings.ReplaceAll(s, "*", "X"))
	}
	var digits []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits = append(digits, s[i])
		}
	}
	if len(digits) > 4 {
		digits = digits[len(digits)-4:]
	}
	return "XXXX" + string(digits)
}

// Page renders the printable page of rc.
func Page(rc *receipt.Receipt) ([]byte, error) {
	name := rc.Merchant.Name
	if strings.TrimSpace(name) == "" {
		name = rc.MerchantID
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, struct {
		Merchant string
		CSP      string
		R        *receipt.Receipt
	}{name, CSP, rc}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
