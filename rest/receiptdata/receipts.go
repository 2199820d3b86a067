package receiptdata

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/receipt"
	"loyaltygraph/rest/storebox"
)

// timeLayout is how times are written: ISO-8601 with the till's offset.
const timeLayout = time.RFC3339

// grandTotal is a receipt's total as the Receipt Data API writes it.
type grandTotal struct {
	Amount   storebox.Number `json:"amount" doc:"The total paid, VAT included."`
	Currency string          `json:"currency" doc:"ISO 4217 currency code."`
	VAT      storebox.Number `json:"vat" doc:"The VAT of the total."`
}

// merchantRef is a receipt's merchant: its id, name and logo in lists,
// and its store and profile in details (seed 001).
type merchantRef struct {
	MerchantID         string   `json:"merchantId"`
	StoreID            string   `json:"storeId,omitempty"`
	Name               string   `json:"name"`
	Address            string   `json:"address,omitempty"`
	ZipCode            string   `json:"zipCode,omitempty"`
	City               string   `json:"city,omitempty"`
	Country            string   `json:"country,omitempty"`
	PhoneNumber        string   `json:"phoneNumber,omitempty"`
	RegistrationNumber string   `json:"registrationNumber,omitempty"`
	Logo               *logoOut `json:"logo,omitempty"`
}

// merchantOf is the receipt's merchant; with details, its store and
// profile too. Logo URLs start with baseURL.
func merchantOf(r *receipt.Receipt, baseURL string, details bool) merchantRef {
	m := merchantRef{MerchantID: r.MerchantID, Name: r.Merchant.Name}
	if l := r.Merchant.Logo; l != nil && l.Version != "" {
		m.Logo = &logoOut{URL: LogoURL(baseURL, r.MerchantID, l.Version), Version: l.Version}
	}
	if details {
		p := r.Merchant.Profile
		m.StoreID, m.Address, m.ZipCode, m.City, m.Country, m.PhoneNumber, m.RegistrationNumber =
			r.StoreID, p.Address, p.ZipCode, p.City, p.Country, p.PhoneNumber, p.RegistrationNumber
	}
	return m
}

// summary is one receipt of a list.
type summary struct {
	ReceiptID        string      `json:"receiptId"`
	MerchantID       string      `json:"merchantId"`
	PurchaseDateTime string      `json:"purchaseDateTime" openapi:"format=date-time" doc:"The purchase time at the till, ISO-8601 with the till's offset."`
	GrandTotal       grandTotal  `json:"grandTotal"`
	StoreName        string      `json:"storeName,omitempty"`
	Merchant         merchantRef `json:"merchant"`
}

func totalOf(r *receipt.Receipt) grandTotal {
	return grandTotal{Amount: storebox.Number(r.Total.Amount), Currency: r.Total.Currency, VAT: storebox.Number(r.VAT())}
}

func summaryOf(r *receipt.Receipt, baseURL string) summary {
	return summary{ReceiptID: r.ID, MerchantID: r.MerchantID, PurchaseDateTime: r.PurchaseDateTime.Format(timeLayout),
		GrandTotal: totalOf(r), StoreName: r.StoreName, Merchant: merchantOf(r, baseURL, false)}
}

// filterOf reads the list's query parameters; errors name the parameter.
func filterOf(r *http.Request) (receipt.Filter, error) {
	q := r.URL.Query()
	f := receipt.Filter{
		OrderBy: receipt.OrderField(q.Get("orderBy")), Direction: receipt.Direction(q.Get("direction")),
		Search: q.Get("search"), MerchantID: q.Get("merchantId"),
	}
	var err error
	if f.Offset, err = storebox.QueryInt(r, "offset", 0, 1<<31-1); err != nil {
		return f, err
	}
	if f.Limit, err = storebox.QueryInt(r, "limit", receipt.DefaultPageSize, receipt.MaxPageSize); err != nil {
		return f, err
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"startDate", &f.From}, {"endDate", &f.To}} {
		if s := q.Get(p.name); s != "" {
			// An offset's "+" often arrives unescaped and decodes as a space.
			t, err := parseTime(p.name, strings.ReplaceAll(s, " ", "+"))
			if err != nil {
				return f, err
			}
			*p.dst = &t
		}
	}
	for _, p := range []struct {
		name string
		dst  **decimal.Decimal
	}{{"startGrandTotal", &f.MinTotal}, {"endGrandTotal", &f.MaxTotal}} {
		if s := q.Get(p.name); s != "" {
			d, err := optNumber(p.name, []byte(strconv.Quote(s)))
			if err != nil {
				return f, err
			}
			*p.dst = d
		}
	}
	return f, f.Validate()
}

// pageURL is the relative URL of the list page at offset.
func pageURL(r *http.Request, offset int) string {
	q := r.URL.Query()
	q.Set("offset", strconv.Itoa(offset))
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}

// receiptList is a page of "get receipts".
type receiptList struct {
	TotalSize int       `json:"totalSize" doc:"The number of receipts that match, on every page."`
	Receipts  []summary `json:"receipts"`
	// Previous and Next are relative URLs of the neighbouring pages.
	Previous string `json:"previous,omitempty" doc:"The relative URL of the previous page; absent on the first."`
	Next     string `json:"next,omitempty" doc:"The relative URL of the next page; absent on the last."`
}

// list is "get receipts": a page with previous and next links, both absent
// when the page is the whole set.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rs, total, err := h.receipts.List(r.Context(), r.PathValue("userId"), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := receiptList{TotalSize: total, Receipts: make([]summary, 0, len(rs))}
	for _, rc := range rs {
		out.Receipts = append(out.Receipts, summaryOf(rc, h.baseURL))
	}
	if f.Offset > 0 && f.Limit > 0 {
		out.Previous = pageURL(r, max(0, f.Offset-f.Limit))
	}
	if f.Limit > 0 && f.Offset+len(rs) < total && len(rs) > 0 {
		out.Next = pageURL(r, f.Offset+len(rs))
	}
	storebox.WriteJSON(w, http.StatusOK, out)
}

type lineOut struct {
	LineNumber    *int             `json:"lineNumber,omitempty"`
	ProductNumber string           `json:"productNumber,omitempty"`
	Name          string           `json:"name"`
	Description   string           `json:"description,omitempty"`
	Count         *storebox.Number `json:"count,omitempty"`
	ItemPrice     *storebox.Number `json:"itemPrice,omitempty"`
	TotalPrice    storebox.Number  `json:"totalPrice"`
	VATRate       *storebox.Number `json:"vatRate,omitempty"`
	Category      string           `json:"category,omitempty"`
}

type price struct {
	Amount   storebox.Number `json:"amount"`
	Currency string          `json:"currency"`
}

type cardOut struct {
	TruncatedCardNumber string `json:"truncatedCardNumber,omitempty" doc:"A part of the card number, e.g. 457100XXXXXX0001; never the full number."`
	CardID              string `json:"cardId,omitempty" doc:"The user's card that paid, when matched."`
}

type paymentOut struct {
	Type          string   `json:"type"`
	TransactionID string   `json:"transactionId,omitempty"`
	Price         price    `json:"price"`
	Card          *cardOut `json:"card,omitempty"`
}

type copyOut struct {
	FromUserID string `json:"fromUserId"`
	ToUserID   string `json:"toUserId"`
	CopiedAt   string `json:"copiedAt" openapi:"format=date-time"`
}

type optionalsOut struct {
	OrderNumber           string   `json:"orderNumber,omitempty"`
	TerminalID            string   `json:"terminalId,omitempty"`
	SalesEmployeeName     string   `json:"salesEmployeeName,omitempty"`
	HeaderText            []string `json:"headerText"`
	FooterText            []string `json:"footerText"`
	ExternalReceiptID     string   `json:"externalReceiptId"`
	ExternalReceiptIDType string   `json:"externalReceiptIdType"`
}

type vatOut struct {
	Rate  storebox.Number `json:"rate"`
	Value storebox.Number `json:"value"`
}

// detailsOut is "receipt details" with the seed's keys. It never holds a
// card token.
type detailsOut struct {
	ReceiptID          string                `json:"receiptId"`
	MerchantID         string                `json:"merchantId"`
	PurchaseDateTime   string                `json:"purchaseDateTime" openapi:"format=date-time" doc:"The purchase time at the till, ISO-8601 with the till's offset."`
	GrandTotal         grandTotal            `json:"grandTotal"`
	VATRates           []vatOut              `json:"vatRates"`
	Merchant           merchantRef           `json:"merchant"`
	ReceiptLines       []lineOut             `json:"receiptLines"`
	Payments           []paymentOut          `json:"payments"`
	Barcode            *receipt.Barcode      `json:"barcode,omitempty"`
	ReceiptCopyHistory []copyOut             `json:"receiptCopyHistory"`
	Optionals          optionalsOut          `json:"optionals"`
	MatchedCards       []receipt.MatchedCard `json:"matchedCards"`
}

func num(d *decimal.Decimal) *storebox.Number {
	if d == nil {
		return nil
	}
	n := storebox.Number(*d)
	return &n
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func detailsOf(r *receipt.Receipt, baseURL string) detailsOut {
	out := detailsOut{
		ReceiptID: r.ID, MerchantID: r.MerchantID, PurchaseDateTime: r.PurchaseDateTime.Format(timeLayout),
		GrandTotal: totalOf(r), VATRates: []vatOut{},
		Merchant:     merchantOf(r, baseURL, true),
		ReceiptLines: []lineOut{}, Payments: []paymentOut{}, Barcode: r.Barcode, ReceiptCopyHistory: []copyOut{},
		Optionals: optionalsOut{OrderNumber: r.Optionals.OrderNumber, TerminalID: r.Optionals.TerminalID,
			SalesEmployeeName: r.Optionals.SalesEmployeeName, HeaderText: orEmpty(r.Optionals.HeaderText),
			FooterText: orEmpty(r.Optionals.FooterText), ExternalReceiptID: r.ExternalID, ExternalReceiptIDType: r.ExternalIDType},
		MatchedCards: r.MatchedCards,
	}
	if out.MatchedCards == nil {
		out.MatchedCards = []receipt.MatchedCard{}
	}
	for _, v := range r.VATRates {
		out.VATRates = append(out.VATRates, vatOut{Rate: storebox.Number(v.Rate), Value: storebox.Number(v.Value)})
	}
	for _, l := range r.Lines {
		out.ReceiptLines = append(out.ReceiptLines, lineOut{LineNumber: l.LineNumber, ProductNumber: l.ProductNumber,
			Name: l.Name, Description: l.Description, Count: num(l.Count), ItemPrice: num(l.ItemPrice),
			TotalPrice: storebox.Number(l.TotalPrice), VATRate: num(l.VATRate), Category: l.Category})
	}
	for _, p := range r.Payments {
		po := paymentOut{Type: p.Type, TransactionID: p.TransactionID, Price: price{Amount: storebox.Number(p.Amount), Currency: p.Currency}}
		if p.TruncatedCardNumber != "" || p.CardID != "" {
			po.Card = &cardOut{TruncatedCardNumber: p.TruncatedCardNumber, CardID: p.CardID}
		}
		out.Payments = append(out.Payments, po)
	}
	for _, c := range r.CopyHistory {
		out.ReceiptCopyHistory = append(out.ReceiptCopyHistory, copyOut{FromUserID: c.FromUserID, ToUserID: c.ToUserID,
			CopiedAt: c.CopiedAt.UTC().Format(timeLayout)})
	}
	return out
}

// details is "get receipt details".
func (h *Handler) details(w http.ResponseWriter, r *http.Request) {
	rc, err := h.receipts.Get(r.Context(), r.PathValue("userId"), r.PathValue("receiptId"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, detailsOf(rc, h.baseURL))
}

// delete is "delete receipt": 204, then 404.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.receipts.Delete(r.Context(), r.PathValue("userId"), r.PathValue("receiptId")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// copyBody is the body of "copy receipt"; it may be left out.
type copyBody struct {
	// ToUserID is the user to copy the receipt to; the same user when
	// absent.
	ToUserID string `json:"toUserId,omitempty"`
}

// receiptIDJSON answers "copy receipt" with the copy's id.
type receiptIDJSON struct {
	ReceiptID string `json:"receiptId"`
}

// copy is "copy receipt": 201 with the copy's receiptId; no toUserId means
// the same user.
func (h *Handler) copy(w http.ResponseWriter, r *http.Request) {
	var body copyBody
	if r.ContentLength != 0 {
		obj, err := storebox.DecodeObject(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if body.ToUserID, _, err = obj.String("toUserId"); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	cp, err := h.receipts.Copy(r.Context(), r.PathValue("userId"), r.PathValue("receiptId"), body.ToUserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusCreated, receiptIDJSON{ReceiptID: cp.ID})
}
