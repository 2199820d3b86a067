// Package receipt is the receipt bounded context of the Receipt Data API
// (seed 001): receipts that a merchant's till (POS) posts, with their lines,
// VAT, payments and barcode, matched to users by the payment card's token,
// listed, searched, copied and deleted per user.
//
// A full card number never enters a receipt: card fields take the masked
// 6+4 form only, free text is scanned for card numbers, and a payment's card
// token is kept only as a keyed hash (the same hash that finds users' cards).
package receipt

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/merchant"
)

// Money is an amount in a currency (ISO 4217 code).
type Money struct {
	Amount   decimal.Decimal `json:"amount"`
	Currency string          `json:"currency"`
}

// VATRate is the VAT of one rate: the rate in percent and the VAT amount.
type VATRate struct {
	Rate  decimal.Decimal `json:"rate"`
	Value decimal.Decimal `json:"value"`
}

// Line is one receipt line.
type Line struct {
	LineNumber    *int             `json:"lineNumber,omitempty"`
	ProductNumber string           `json:"productNumber,omitempty"`
	Name          string           `json:"name"`
	Description   string           `json:"description,omitempty"`
	Count         *decimal.Decimal `json:"count,omitempty"`
	ItemPrice     *decimal.Decimal `json:"itemPrice,omitempty"`
	TotalPrice    decimal.Decimal  `json:"totalPrice"`
	VATRate       *decimal.Decimal `json:"vatRate,omitempty"`
	Category      string           `json:"category,omitempty"`
}

// Payment is one payment of a receipt as it is kept: never a card token,
// and a card number only in its masked form.
type Payment struct {
	Type                     string          `json:"type"`
	Amount                   decimal.Decimal `json:"amount"`
	Currency                 string          `json:"currency"`
	TruncatedCardNumber      string          `json:"truncatedCardNumber,omitempty"`
	TransactionID            string          `json:"transactionId,omitempty"`
	ApprovalCode             string          `json:"approvalCode,omitempty"`
	CardAcceptorID           string          `json:"cardAcceptorId,omitempty"`
	CardAcceptorTerminalID   string          `json:"cardAcceptorTerminalId,omitempty"`
	SystemTraceAuditNumber   string          `json:"systemTraceAuditNumber,omitempty"`
	RetrievalReferenceNumber string          `json:"retrievalReferenceNumber,omitempty"`
	// CardID is, in the view of one user, that user's card whose token
	// the payment carried; it is never stored with the receipt.
	CardID string `json:"-"`
}

// PaymentInput is a payment as the till posts it, with its card token.
type PaymentInput struct {
	Payment
	// CardToken is the card's token from the acquirer; it is hashed with
	// the server key for matching and then dropped.
	CardToken string
}

// Barcode is the barcode printed on a receipt.
type Barcode struct {
	Type         string `json:"type,omitempty"`
	Value        string `json:"value"`
	DisplayValue string `json:"displayValue,omitempty"`
}

// Customer names the whitelabel user a receipt is for.
type Customer struct {
	UserIDType string `json:"userIdType"`
	CID        string `json:"cid"`
}

// Optionals are the till's own details of a receipt.
type Optionals struct {
	OrderNumber       string   `json:"orderNumber,omitempty"`
	TerminalID        string   `json:"terminalId,omitempty"`
	SalesEmployeeName string   `json:"salesEmployeeName,omitempty"`
	HeaderText        []string `json:"headerText,omitempty"`
	FooterText        []string `json:"footerText,omitempty"`
}

// Input is a receipt as the till posts it.
type Input struct {
	ExternalID       string
	ExternalIDType   string
	PurchaseDateTime time.Time
	StoreID          string
	StoreName        string
	Optionals        Optionals
	Total            Money
	VATRates         []VATRate
	Lines            []Line
	Payments         []PaymentInput
	Barcode          *Barcode
	Customer         *Customer
}

// Receipt is a receipt as it is kept.
type Receipt struct {
	ID             string
	MerchantID     string
	ExternalID     string
	ExternalIDType string
	// PurchaseDateTime keeps the till's UTC offset.
	PurchaseDateTime time.Time
	StoreID          string
	StoreName        string
	Optionals        Optionals
	Total            Money
	VATRates         []VATRate
	Lines            []Line
	Payments         []Payment
	Barcode          *Barcode
	Customer         *Customer
	// CopyOf is the receipt this one was copied from, if any.
	CopyOf    string
	CreatedAt time.Time
	UpdatedAt time.Time
	// SearchText is what free-text search matches: the merchant's name,
	// the store's name and the line names, lower-cased (Unicode rules).
	SearchText string
	// TokenHashes are the keyed hashes of the payments' card tokens, one
	// per payment (nil for a payment without a token).
	TokenHashes [][]byte

	// The rest is the view of one user.

	// UserID is the user whose view this is.
	UserID string
	// Merchant is the merchant as it is now (at ingestion: its id and name).
	Merchant merchant.Merchant
	// MatchedCards are the user's cards that matched the payments.
	MatchedCards []MatchedCard
	// CopyHistory lists the copies made from or to this receipt.
	CopyHistory []Copy
}

// VAT is the receipt's total VAT: the sum of its VAT rates' values.
func (r *Receipt) VAT() decimal.Decimal {
	sum := decimal.Zero
	for _, v := range r.VATRates {
		sum = sum.Add(v.Value)
	}
	return sum
}

// MatchedCard is a user's card that a payment of the receipt matched.
type MatchedCard struct {
	CardID              string `json:"cardId"`
	TruncatedCardNumber string `json:"truncatedCardNumber"`
}

// Copy is one copy of a receipt from one user to another.
type Copy struct {
	FromUserID string
	ToUserID   string
	// From and To are the original receipt and the copy.
	From     string
	To       string
	CopiedAt time.Time
}

// Limits of a posted receipt.
const (
	maxExternalID   = 128
	maxShortText    = 64
	maxText         = 256
	maxTextLines    = 50
	maxLines        = 1000
	maxPayments     = 50
	maxVATRates     = 20
	maxCardToken    = 256
	maxFutureSkew   = 24 * time.Hour
	maxAmountDigits = 15
)

// textField is one free-text field to check: its path, value and limit.
type textField struct {
	path  string
	value string
	max   int
}

// checkText checks length, UTF-8, control characters and card numbers.
func checkText(f textField) error {
	if !utf8.ValidString(f.value) || strings.ContainsFunc(f.value, isControl) {
		return errs.InvalidField(f.path, "%s must be valid text without control characters", f.path)
	}
	if utf8.RuneCountInString(f.value) > f.max {
		return errs.InvalidField(f.path, "%s must be at most %d characters", f.path, f.max)
	}
	return refuseCardNumber(f.path, f.value)
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f || r == utf8.RuneError }

// checkCode checks an identifier-like field: printable ASCII without spaces.
func checkCode(path, v string, required bool, max int) error {
	if v == "" {
		if required {
			return errs.InvalidField(path, "%s is required", path)
		}
		return nil
	}
	if len(v) > max || strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return errs.InvalidField(path, "%s must be 1 to %d printable characters without spaces", path, max)
	}
	return nil
}

// checkCurrency checks an ISO 4217 code (three upper-case letters).
func checkCurrency(path, c string) error {
	if len(c) != 3 || strings.ContainsFunc(c, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		return errs.InvalidField(path, "%s must be an ISO 4217 code such as DKK", path)
	}
	return nil
}

// checkAmount bounds an amount so that it fits NUMERIC(17,2)-like columns
// and stays printable.
func checkAmount(path string, d decimal.Decimal) error {
	if d.Exponent() < -4 || d.Exponent() > maxAmountDigits || len(d.Abs().Truncate(0).String()) > maxAmountDigits {
		return errs.InvalidField(path, "%s must have at most %d integer and 4 decimal digits", path, maxAmountDigits)
	}
	return nil
}

// checkRate checks a VAT rate in percent.
func checkRate(path string, d decimal.Decimal) error {
	if d.IsNegative() || d.Exponent() < -4 || d.GreaterThan(decimal.NewFromInt(100)) {
		return errs.InvalidField(path, "%s must be a percentage between 0 and 100", path)
	}
	return nil
}

// New validates a posted receipt and returns it as it will be kept, with a
// new id, for the merchant merchantID whose name is merchantName. Every
// error names the field at fault by its canonical path
// ("receiptLines[2].totalPrice"); hash turns card tokens into their keyed
// hashes.
func New(merchantID, merchantName string, in Input, now time.Time, hash func([]byte) []byte) (*Receipt, error) {
	if err := checkCode("externalReceiptId", in.ExternalID, true, maxExternalID); err != nil {
		return nil, err
	}
	if err := refuseCardNumber("externalReceiptId", in.ExternalID); err != nil {
		return nil, err
	}
	if err := checkCode("externalReceiptIdType", in.ExternalIDType, true, maxShortText); err != nil {
		return nil, err
	}
	if err := refuseCardNumber("externalReceiptIdType", in.ExternalIDType); err != nil {
		return nil, err
	}
	if in.PurchaseDateTime.IsZero() {
		return nil, errs.InvalidField("purchaseDateTime", "purchaseDateTime is required")
	}
	if in.PurchaseDateTime.After(now.Add(maxFutureSkew)) {
		return nil, errs.InvalidField("purchaseDateTime", "purchaseDateTime must not be in the future")
	}
	if err := checkCode("storeId", in.StoreID, false, maxShortText); err != nil {
		return nil, err
	}
	if err := refuseCardNumber("storeId", in.StoreID); err != nil {
		return nil, err
	}
	texts := []textField{
		{"storeName", in.StoreName, maxText},
		{"orderNumber", in.Optionals.OrderNumber, maxShortText},
		{"terminalId", in.Optionals.TerminalID, maxShortText},
		{"salesEmployeeName", in.Optionals.SalesEmployeeName, maxText},
	}
	for _, list := range []struct {
		name  string
		lines []string
	}{{"headerText", in.Optionals.HeaderText}, {"footerText", in.Optionals.FooterText}} {
		if len(list.lines) > maxTextLines {
			return nil, errs.InvalidField(list.name, "%s must have at most %d lines", list.name, maxTextLines)
		}
		for i, l := range list.lines {
			texts = append(texts, textField{fmt.Sprintf("%s[%d]", list.name, i), l, maxText})
		}
	}
	for _, f := range texts {
		if err := checkText(f); err != nil {
			return nil, err
		}
	}
	if err := checkTotal(in); err != nil {
		return nil, err
	}
	if len(in.Lines) > maxLines {
		return nil, errs.InvalidField("receiptLines", "receiptLines must have at most %d lines", maxLines)
	}
	for i := range in.Lines {
		if err := checkLine(&in.Lines[i]); err != nil {
			return nil, errs.Item("receiptLines", i, err)
		}
	}
	if len(in.Payments) > maxPayments {
		return nil, errs.InvalidField("payments", "payments must have at most %d payments", maxPayments)
	}
	r := &Receipt{
		ID: ids.New(), MerchantID: merchantID, Merchant: merchant.Merchant{ID: merchantID, Name: merchantName},
		ExternalID: in.ExternalID, ExternalIDType: in.ExternalIDType,
		PurchaseDateTime: in.PurchaseDateTime.Truncate(time.Second), StoreID: in.StoreID, StoreName: in.StoreName,
		Optionals: in.Optionals, Total: in.Total, VATRates: in.VATRates, Lines: in.Lines,
		Payments: make([]Payment, 0, len(in.Payments)), TokenHashes: make([][]byte, len(in.Payments)), Barcode: in.Barcode, Customer: in.Customer,
		CreatedAt: now, UpdatedAt: now,
	}
	for i, p := range in.Payments {
		if err := checkPayment(&p, in.Total.Currency); err != nil {
			return nil, errs.Item("payments", i, err)
		}
		if p.CardToken != "" {
			r.TokenHashes[i] = hash([]byte(p.CardToken))
		}
		r.Payments = append(r.Payments, p.Payment)
	}
	if err := checkBarcode(in.Barcode); err != nil {
		return nil, err
	}
	if err := checkCustomer(in.Customer); err != nil {
		return nil, err
	}
	r.SearchText = searchText(merchantName, r)
	return r, nil
}

func checkTotal(in Input) error {
	if err := checkAmount("totalOrderPrice.amount", in.Total.Amount); err != nil {
		return err
	}
	if in.Total.Currency == "" {
		return errs.InvalidField("totalOrderPrice.currency", "totalOrderPrice.currency is required")
	}
	if err := checkCurrency("totalOrderPrice.currency", in.Total.Currency); err != nil {
		return err
	}
	if len(in.VATRates) > maxVATRates {
		return errs.InvalidField("totalOrderPrice.vatRates", "totalOrderPrice.vatRates must have at most %d rates", maxVATRates)
	}
	for i, v := range in.VATRates {
		path := fmt.Sprintf("totalOrderPrice.vatRates[%d]", i)
		if err := checkRate(path+".rate", v.Rate); err != nil {
			return err
		}
		if err := checkAmount(path+".value", v.Value); err != nil {
			return err
		}
	}
	return nil
}

// checkLine checks one line; its paths are relative to the line.
func checkLine(l *Line) error {
	if l.LineNumber != nil && *l.LineNumber < 0 {
		return errs.InvalidField("lineNumber", "lineNumber must not be negative")
	}
	if strings.TrimSpace(l.Name) == "" {
		return errs.InvalidField("name", "name is required")
	}
	if err := checkCode("productNumber", l.ProductNumber, false, maxShortText); err != nil {
		return err
	}
	if err := refuseCardNumberInCode("productNumber", l.ProductNumber); err != nil {
		return err
	}
	for _, f := range []textField{{"name", l.Name, maxText}, {"description", l.Description, maxText}, {"category", l.Category, maxShortText}} {
		if err := checkText(f); err != nil {
			return err
		}
	}
	if err := checkAmount("totalPrice", l.TotalPrice); err != nil {
		return err
	}
	if l.ItemPrice != nil {
		if err := checkAmount("itemPrice", *l.ItemPrice); err != nil {
			return err
		}
	}
	if l.Count != nil {
		if err := checkAmount("count", *l.Count); err != nil {
			return err
		}
	}
	if l.VATRate != nil {
		if err := checkRate("vatRate", *l.VATRate); err != nil {
			return err
		}
	}
	return nil
}

// checkPayment checks one payment; its paths are relative to the payment.
// A missing currency is the receipt's.
func checkPayment(p *PaymentInput, currency string) error {
	if err := checkCode("type", p.Type, true, maxShortText); err != nil {
		return err
	}
	if err := refuseCardNumber("type", p.Type); err != nil {
		return err
	}
	if err := checkAmount("amount", p.Amount); err != nil {
		return err
	}
	if p.Currency == "" {
		p.Currency = currency
	} else if err := checkCurrency("currency", p.Currency); err != nil {
		return err
	}
	if p.CardToken != "" {
		if len(p.CardToken) > maxCardToken || strings.ContainsFunc(p.CardToken, func(r rune) bool { return r <= ' ' || r > '~' }) {
			return errs.InvalidField("cardToken", "cardToken must be 1 to %d printable characters", maxCardToken)
		}
		if err := refuseCardNumber("cardToken", p.CardToken); err != nil {
			return err
		}
	}
	if p.TruncatedCardNumber != "" {
		if err := validateTruncatedCardNumber("truncatedCardNumber", p.TruncatedCardNumber); err != nil {
			return err
		}
	}
	for _, f := range []struct{ path, v string }{
		{"transactionId", p.TransactionID}, {"approvalCode", p.ApprovalCode}, {"cardAcceptorId", p.CardAcceptorID},
		{"cardAcceptorTerminalId", p.CardAcceptorTerminalID}, {"systemTraceAuditNumber", p.SystemTraceAuditNumber},
		{"retrievalReferenceNumber", p.RetrievalReferenceNumber},
	} {
		if err := checkCode(f.path, f.v, false, maxShortText); err != nil {
			return err
		}
		if err := refuseCardNumber(f.path, f.v); err != nil {
			return err
		}
	}
	p.CardID = ""
	return nil
}

func checkBarcode(b *Barcode) error {
	if b == nil {
		return nil
	}
	if b.Value == "" {
		return errs.InvalidField("barcode.value", "barcode.value is required")
	}
	for _, f := range []textField{{"barcode.type", b.Type, maxShortText}, {"barcode.value", b.Value, maxText}, {"barcode.displayValue", b.DisplayValue, maxText}} {
		if !utf8.ValidString(f.value) || strings.ContainsFunc(f.value, isControl) || utf8.RuneCountInString(f.value) > f.max {
			return errs.InvalidField(f.path, "%s must be at most %d characters of valid text", f.path, f.max)
		}
		if err := refuseCardNumberInCode(f.path, f.value); err != nil {
			return err
		}
	}
	return nil
}

func checkCustomer(c *Customer) error {
	if c == nil {
		return nil
	}
	if err := checkCode("customer.userIdType", c.UserIDType, true, maxShortText); err != nil {
		return err
	}
	if err := refuseCardNumber("customer.userIdType", c.UserIDType); err != nil {
		return err
	}
	if err := checkText(textField{"customer.cid", c.CID, maxExternalID}); err != nil {
		return err
	}
	if c.CID == "" {
		return errs.InvalidField("customer.cid", "customer.cid is required")
	}
	return nil
}

// searchText is the lower-cased text that free-text search matches.
// Lower-casing here, with Go's Unicode tables, makes "SMØRREBRØD" find
// "smørrebrød" whatever the database's locale.
func searchText(merchantName string, r *Receipt) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(merchantName))
	if r.StoreName != "" {
		b.WriteString("\n")
		b.WriteString(strings.ToLower(r.StoreName))
	}
	for _, l := range r.Lines {
		b.WriteString("\n")
		b.WriteString(strings.ToLower(l.Name))
	}
	return b.String()
}

// NormalizeSearch returns the form of a search term that matches
// SearchText: trimmed and lower-cased.
func NormalizeSearch(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
