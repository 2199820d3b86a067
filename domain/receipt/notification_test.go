package receipt

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/notify"
)

// TestEventsOnePerUserWithTheirOwnCards: one RECEIPT event per matched
// user, to the user's partner, naming only that user's cards and the
// payments they made, with the seed's field formats.
func TestEventsOnePerUserWithTheirOwnCards(t *testing.T) {
	hashA, hashB := []byte("hash-a"), []byte("hash-b")
	r := &Receipt{ID: "r1", MerchantID: "m1", ExternalID: "x1", ExternalIDType: "till",
		PurchaseDateTime: time.Date(2026, 11, 1, 10, 34, 23, 0, time.FixedZone("", 2*3600)),
		Total:            Money{Amount: decimal.RequireFromString("10.25"), Currency: "EUR"},
		Payments: []Payment{
			{Type: "CARD", TruncatedCardNumber: "457100XXXXXX0001", TransactionID: "t-a"},
			{Type: "CASH"},
			{Type: "CARD", TruncatedCardNumber: "520000XXXXXX0002", TransactionID: "t-b", CardAcceptorID: "4611721"},
		},
		TokenHashes: [][]byte{hashA, nil, hashB},
	}
	matches := []Match{
		{UserID: "u1", ProviderID: 7, Card: MatchedCard{CardID: "c1"}, TokenHash: hashA},
		{UserID: "u2", ProviderID: 8, Card: MatchedCard{CardID: "c2"}, TokenHash: hashB},
		{UserID: "u1", ProviderID: 7, Card: MatchedCard{CardID: "c3"}, TokenHash: hashB},
	}
	events := Events(r, StatusUpdated, matches)
	if len(events) != 2 || events[0].OwnerID != 7 || events[1].OwnerID != 8 || events[0].Type != notify.EventReceipt {
		t.Fatalf("events: %+v", events)
	}
	body, err := json.Marshal(events[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"merchantId":"m1","purchaseDateTime":"2026-11-01T10:34:23.000+02:00","receiptId":"r1","totalOrderPrice":10.25,` +
		`"currency":"EUR","userId":"u1","cardIds":["c1","c3"],"transactions":[{"truncatedCardNumber":"457100XXXXXX0001",` +
		`"transactionId":"t-a"},{"truncatedCardNumber":"520000XXXXXX0002","transactionId":"t-b","cardAcceptorId":"4611721"}],` +
		`"status":"UPDATED","externalReceiptId":"x1","externalReceiptIdType":"till"}`
	if string(body) != want {
		t.Fatalf("payload\n got %s\nwant %s", body, want)
	}
	other, _ := json.Marshal(events[1].Payload)
	if strings.Contains(string(other), "c1") || strings.Contains(string(other), "t-a") || !strings.Contains(string(other), `"cardIds":["c2"]`) {
		t.Fatalf("u2's payload names u1's card or payment: %s", other)
	}
	if len(Events(r, StatusCreated, nil)) != 0 {
		t.Fatal("events without a match")
	}
}
