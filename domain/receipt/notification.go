package receipt

import (
	"bytes"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/notify"
)

// notificationTimeLayout is the seed's purchaseDateTime of a notification:
// ISO 8601 with milliseconds and the till's offset
// ("1970-01-01T00:00:00.000+00:00").
const notificationTimeLayout = "2006-01-02T15:04:05.000-07:00"

// jsonNumber writes a decimal as a JSON number, as the seed's
// totalOrderPrice is.
type jsonNumber decimal.Decimal

// MarshalJSON writes the decimal's exact digits.
func (n jsonNumber) MarshalJSON() ([]byte, error) { return []byte(decimal.Decimal(n).String()), nil }

// Notification is the body of the RECEIPT notification (seed 001 "New/
// updated receipt") to the partner of one matched user: an indication
// that the receipt can be downloaded, not the receipt. It never holds a
// card token or a full card number: card numbers are the masked 6+4 form
// the receipt keeps.
type Notification struct {
	// MerchantID is our merchant id.
	MerchantID       string `json:"merchantId"`
	PurchaseDateTime string `json:"purchaseDateTime"`
	// ReceiptID is our receipt id, the one the Receipt Data API reads the
	// receipt by.
	ReceiptID       string     `json:"receiptId"`
	StoreID         string     `json:"storeId,omitempty"`
	StoreName       string     `json:"storeName,omitempty"`
	TotalOrderPrice jsonNumber `json:"totalOrderPrice"`
	Currency        string     `json:"currency,omitempty"`
	UserID          string     `json:"userId"`
	// CardIDs are the user's cards that paid for the receipt.
	CardIDs []string `json:"cardIds"`
	// Transactions are the payments made with those cards.
	Transactions []NotificationTransaction `json:"transactions,omitempty"`
	Status       Status                    `json:"status"`
	// ExternalReceiptID and ExternalReceiptIDType are the till's key of
	// the receipt.
	ExternalReceiptID     string `json:"externalReceiptId"`
	ExternalReceiptIDType string `json:"externalReceiptIdType"`
}

// NotificationTransaction is one card payment of a notification.
type NotificationTransaction struct {
	TruncatedCardNumber      string `json:"truncatedCardNumber,omitempty"`
	TransactionID            string `json:"transactionId,omitempty"`
	ApprovalCode             string `json:"approvalCode,omitempty"`
	CardAcceptorID           string `json:"cardAcceptorId,omitempty"`
	CardAcceptorTerminalID   string `json:"cardAcceptorTerminalId,omitempty"`
	SystemTraceAuditNumber   string `json:"systemTraceAuditNumber,omitempty"`
	RetrievalReferenceNumber string `json:"retrievalReferenceNumber,omitempty"`
}

// Events returns the RECEIPT notifications of r with status: one per
// matched user, in the order of matches, to the partner that owns the
// user. r must carry its payments and the payments' token hashes.
func Events(r *Receipt, status Status, matches []Match) []notify.Event {
	type userMatch struct {
		providerID int64
		cards      []Match
	}
	var order []string
	users := map[string]*userMatch{}
	for _, m := range matches {
		u := users[m.UserID]
		if u == nil {
			u = &userMatch{providerID: m.ProviderID}
			users[m.UserID] = u
			order = append(order, m.UserID)
		}
		u.cards = append(u.cards, m)
	}
	events := make([]notify.Event, 0, len(order))
	for _, userID := range order {
		u := users[userID]
		n := Notification{
			MerchantID: r.MerchantID, PurchaseDateTime: r.PurchaseDateTime.Format(notificationTimeLayout), ReceiptID: r.ID,
			StoreID: r.StoreID, StoreName: r.StoreName, TotalOrderPrice: jsonNumber(r.Total.Amount), Currency: r.Total.Currency,
			UserID: userID, CardIDs: make([]string, 0, len(u.cards)), Status: status,
			ExternalReceiptID: r.ExternalID, ExternalReceiptIDType: r.ExternalIDType,
		}
		paid := make([]bool, len(r.Payments))
		for _, m := range u.cards {
			if m.Card.CardID == "" {
				continue // matched by its customer block (a whitelabel user)
			}
			n.CardIDs = append(n.CardIDs, m.Card.CardID)
			for i, h := range r.TokenHashes {
				if i < len(paid) && h != nil && bytes.Equal(h, m.TokenHash) {
					paid[i] = true
				}
			}
		}
		for i, p := range r.Payments {
			if paid[i] {
				n.Transactions = append(n.Transactions, NotificationTransaction{
					TruncatedCardNumber: p.TruncatedCardNumber, TransactionID: p.TransactionID, ApprovalCode: p.ApprovalCode,
					CardAcceptorID: p.CardAcceptorID, CardAcceptorTerminalID: p.CardAcceptorTerminalID,
					SystemTraceAuditNumber: p.SystemTraceAuditNumber, RetrievalReferenceNumber: p.RetrievalReferenceNumber,
				})
			}
		}
		events = append(events, notify.Event{Type: notify.EventReceipt, OwnerID: u.providerID, Payload: n,
			UserID: userID, ObjectID: r.ID})
	}
	return events
}
