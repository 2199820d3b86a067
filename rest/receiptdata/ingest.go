package receiptdata

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// ingestBody is a receipt as the POS API documents it. Money members stay
// raw so that a JSON number or a decimal string is read exactly and a bad
// one is named by its path. Members without omitempty are required (the
// document says so).
type ingestBody struct {
	ExternalReceiptID     string        `json:"externalReceiptId" doc:"The till's id of the receipt; with its type, the key of a re-post."`
	ExternalReceiptIDType string        `json:"externalReceiptIdType" doc:"The kind of external id, e.g. the till system's name."`
	PurchaseDateTime      string        `json:"purchaseDateTime" openapi:"format=date-time" doc:"ISO-8601 with offset, e.g. 2018-11-01T10:34:23+02:00."`
	StoreID               string        `json:"storeId,omitempty"`
	StoreName             string        `json:"storeName,omitempty"`
	OrderNumber           string        `json:"orderNumber,omitempty"`
	TerminalID            string        `json:"terminalId,omitempty"`
	SalesEmployeeName     string        `json:"salesEmployeeName,omitempty"`
	HeaderText            []string      `json:"headerText,omitempty"`
	FooterText            []string      `json:"footerText,omitempty"`
	TotalOrderPrice       *totalBody    `json:"totalOrderPrice"`
	ReceiptLines          []lineBody    `json:"receiptLines,omitempty"`
	Payments              []paymentBody `json:"payments,omitempty"`
	Barcode               *barcodeBody  `json:"barcode,omitempty"`
	Customer              *customerBody `json:"customer,omitempty"`
}

// decimalJSON is a money member as it arrives, a JSON number or a numeric
// string, kept raw (as json.RawMessage is).
type decimalJSON []byte

// UnmarshalJSON keeps the member's bytes.
func (d *decimalJSON) UnmarshalJSON(b []byte) error {
	*d = append((*d)[:0], b...)
	return nil
}

// OpenAPISchema: a decimal as a JSON number or a numeric string.
func (decimalJSON) OpenAPISchema() openapi.Schema {
	return openapi.Schema{"type": []any{"number", "string", "null"}, "examples": []any{150.50, "150.50"}}
}

type totalBody struct {
	Amount   decimalJSON `json:"amount"`
	Currency string      `json:"currency"`
	VATRates []struct {
		Rate  decimalJSON `json:"rate"`
		Value decimalJSON `json:"value"`
	} `json:"vatRates,omitempty"`
}

type lineBody struct {
	LineNumber    *int        `json:"lineNumber,omitempty"`
	ProductNumber string      `json:"productNumber,omitempty"`
	Name          string      `json:"name"`
	Description   string      `json:"description,omitempty"`
	Count         decimalJSON `json:"count,omitempty"`
	ItemPrice     decimalJSON `json:"itemPrice,omitempty"`
	TotalPrice    decimalJSON `json:"totalPrice"`
	VATRate       decimalJSON `json:"vatRate,omitempty"`
	Category      string      `json:"category,omitempty"`
}

type paymentBody struct {
	Type                     string      `json:"type"`
	Amount                   decimalJSON `json:"amount"`
	Currency                 string      `json:"currency,omitempty"`
	CardToken                string      `json:"cardToken,omitempty" doc:"The acquirer's token of the card, matched to users' cards; never returned."`
	TruncatedCardNumber      string      `json:"truncatedCardNumber,omitempty" doc:"A part of the card number, e.g. 457100XXXXXX0001; a full card number is refused."`
	TransactionID            string      `json:"transactionId,omitempty"`
	ApprovalCode             string      `json:"approvalCode,omitempty"`
	CardAcceptorID           string      `json:"cardAcceptorId,omitempty"`
	CardAcceptorTerminalID   string      `json:"cardAcceptorTerminalId,omitempty"`
	SystemTraceAuditNumber   string      `json:"systemTraceAuditNumber,omitempty"`
	RetrievalReferenceNumber string      `json:"retrievalReferenceNumber,omitempty"`
}

type barcodeBody struct {
	Type         string `json:"type,omitempty"`
	Value        string `json:"value"`
	DisplayValue string `json:"displayValue,omitempty"`
}

type customerBody struct {
	UserIDType string `json:"userIdType"`
	CID        string `json:"cid"`
}

// maxExponent bounds the decimal exponent of a number in a request.
const maxExponent = 30

// number reads a decimal given as a JSON number or a numeric string; null
// or absent is not present.
func number(path string, raw []byte, required bool) (decimal.Decimal, bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		if required {
			return decimal.Zero, false, errs.InvalidField(path, "%s is required", path)
		}
		return decimal.Zero, false, nil
	}
	s := string(raw)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return decimal.Zero, false, errs.InvalidField(path, "%s must be a number", path)
		}
	}
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	// A huge exponent ("1e999999999") is refused before anything prints it.
	if err != nil || d.Exponent() < -maxExponent || d.Exponent() > maxExponent {
		return decimal.Zero, false, errs.InvalidField(path, "%s must be a number", path)
	}
	return d, true, nil
}

func optNumber(path string, raw []byte) (*decimal.Decimal, error) {
	d, ok, err := number(path, raw, false)
	if err != nil || !ok {
		return nil, err
	}
	return &d, nil
}

// parseTime reads an ISO-8601 time with a UTC offset.
func parseTime(path, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, errs.InvalidField(path, "%s must be an ISO-8601 time with offset such as 2018-11-01T10:34:23+02:00", path)
	}
	return t, nil
}

// input turns the body into the domain's input; errors name the path.
func (b *ingestBody) input() (receipt.Input, error) {
	in := receipt.Input{
		ExternalID: b.ExternalReceiptID, ExternalIDType: b.ExternalReceiptIDType,
		StoreID: b.StoreID, StoreName: b.StoreName,
		Optionals: receipt.Optionals{OrderNumber: b.OrderNumber, TerminalID: b.TerminalID,
			SalesEmployeeName: b.SalesEmployeeName, HeaderText: b.HeaderText, FooterText: b.FooterText},
	}
	if in.ExternalID == "" {
		return in, errs.InvalidField("externalReceiptId", "externalReceiptId is required")
	}
	if in.ExternalIDType == "" {
		return in, errs.InvalidField("externalReceiptIdType", "externalReceiptIdType is required")
	}
	if b.PurchaseDateTime == "" {
		return in, errs.InvalidField("purchaseDateTime", "purchaseDateTime is required")
	}
	var err error
	if in.PurchaseDateTime, err = parseTime("purchaseDateTime", b.PurchaseDateTime); err != nil {
		return in, err
	}
	if b.TotalOrderPrice == nil {
		return in, errs.InvalidField("totalOrderPrice", "totalOrderPrice is required")
	}
	if in.Total.Amount, _, err = number("totalOrderPrice.amount", b.TotalOrderPrice.Amount, true); err != nil {
		return in, err
	}
	in.Total.Currency = b.TotalOrderPrice.Currency
	for i, v := range b.TotalOrderPrice.VATRates {
		path := fmt.Sprintf("totalOrderPrice.vatRates[%d]", i)
		var vr receipt.VATRate
		if vr.Rate, _, err = number(path+".rate", v.Rate, true); err != nil {
			return in, err
		}
		if vr.Value, _, err = number(path+".value", v.Value, true); err != nil {
			return in, err
		}
		in.VATRates = append(in.VATRates, vr)
	}
	for i, l := range b.ReceiptLines {
		line := receipt.Line{LineNumber: l.LineNumber, ProductNumber: l.ProductNumber, Name: l.Name,
			Description: l.Description, Category: l.Category}
		path := fmt.Sprintf("receiptLines[%d]", i)
		if line.TotalPrice, _, err = number(path+".totalPrice", l.TotalPrice, true); err != nil {
			return in, err
		}
		if line.Count, err = optNumber(path+".count", l.Count); err != nil {
			return in, err
		}
		if line.ItemPrice, err = optNumber(path+".itemPrice", l.ItemPrice); err != nil {
			return in, err
		}
		if line.VATRate, err = optNumber(path+".vatRate", l.VATRate); err != nil {
			return in, err
		}
		in.Lines = append(in.Lines, line)
	}
	for i, p := range b.Payments {
		pay := receipt.PaymentInput{Payment: receipt.Payment{Type: p.Type, Currency: p.Currency,
			TruncatedCardNumber: p.TruncatedCardNumber, TransactionID: p.TransactionID, ApprovalCode: p.ApprovalCode,
			CardAcceptorID: p.CardAcceptorID, CardAcceptorTerminalID: p.CardAcceptorTerminalID,
			SystemTraceAuditNumber: p.SystemTraceAuditNumber, RetrievalReferenceNumber: p.RetrievalReferenceNumber},
			CardToken: p.CardToken}
		if pay.Amount, _, err = number(fmt.Sprintf("payments[%d].amount", i), p.Amount, true); err != nil {
			return in, err
		}
		in.Payments = append(in.Payments, pay)
	}
	if b.Barcode != nil {
		in.Barcode = &receipt.Barcode{Type: b.Barcode.Type, Value: b.Barcode.Value, DisplayValue: b.Barcode.DisplayValue}
	}
	if b.Customer != nil {
		in.Customer = &receipt.Customer{UserIDType: b.Customer.UserIDType, CID: b.Customer.CID}
	}
	return in, nil
}

// ingestResult answers a posted receipt.
type ingestResult struct {
	ReceiptID string `json:"receiptId"`
	// Status is CREATED for a new receipt, UPDATED for a re-post.
	Status string `json:"status" openapi:"enum=CREATED|UPDATED"`
}

// ingest is "POST /api/receipt-receiver/v2/receipts": 201 CREATED for a new
// receipt, 200 UPDATED with the same receiptId for a re-post.
func (h *Handler) ingest(w http.ResponseWriter, r *http.Request) {
	var body ingestBody
	if err := storebox.DecodeJSON(r, &body); err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := body.input()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rec, status, _, err := h.receipts.Ingest(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	code := http.StatusOK
	if status == receipt.StatusCreated {
		code = http.StatusCreated
	}
	storebox.WriteJSON(w, code, ingestResult{ReceiptID: rec.ID, Status: string(status)})
}
