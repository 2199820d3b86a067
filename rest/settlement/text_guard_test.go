package settlement_test

import (
	"net/http"
	"strings"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
)

// TestIngestionRefusesCardNumbersNULAndBadUTF8 sends, in JSON and in CSV,
// transactions carrying a full card number, a NUL byte or invalid UTF-8:
// each is a 400 naming the field (never a 500 from PostgreSQL), the card
// number is not echoed, and nothing of the batch is stored.
func TestIngestionRefusesCardNumbersNULAndBadUTF8(t *testing.T) {
	c := newClient(t, auth.KindSettlement)
	var before []any
	c.do("GET", "/api/v1/transactions/batches", nil).JSON(t, &before)
	const visa, visa19 = "4111111111111111", "4000000000000000006"
	json := func(field, value string) string {
		tx := map[string]string{"transactionId": "tg-1", "amount": "10.00", "currency": "DKK",
			"transactionDateTime": "2024-05-18T08:00:00Z", "truncatedCardNumber": "457100XXXXXX0001", "approvalCode": "123456"}
		tx[field] = value
		var b strings.Builder
		b.WriteString(`{"transactions":[{"transactionId":"tg-0","amount":1,"currency":"DKK","transactionDateTime":"2024-05-18T08:00:00Z"},{`)
		first := true
		for k, v := range tx {
			if !first {
				b.WriteString(",")
			}
			first = false
			b.WriteString(`"` + k + `":"` + v + `"`)
		}
		b.WriteString("}]}")
		return b.String()
	}
	jsonCases := []struct{ field, value string }{
		{"truncatedCardNumber", visa},
		{"truncatedCardNumber", visa19},
		{"truncatedCardNumber", "4111 1111 1111 1111"},
		{"approvalCode", visa},
		{"cardAcceptorId", "S-" + visa},
		{"retrievalReferenceNumber", visa19},
		{"approvalCode", `12\u00003`},
		{"transactionId", `tg\u0000`},
		{"cardType", `VISA\u0000`},
	}
	for _, tc := range jsonCases {
		r := testenv.Do(t, c.h, "POST", "/api/v1/transactions/batches", json(tc.field, tc.value), "Authorization", c.auth)
		wantError(t, r, http.StatusBadRequest, "invalid", "transactions[1]."+tc.field)
		if strings.Contains(string(r.Body), "1111111111") || strings.Contains(string(r.Body), "0000000000") {
			t.Fatalf("%s: the card number is echoed: %s", tc.field, r.Body)
		}
	}
	header := "transactionId,amount,currency,transactionDateTime,truncatedCardNumber,approvalCode\n"
	good := "tg-c0,1.00,DKK,2024-05-18T08:00:00Z,457100XXXXXX0001,1\n"
	csvCases := []struct{ row, field string }{
		{"tg-c1,1.00,DKK,2024-05-18T08:00:00Z," + visa + ",1\n", "truncatedCardNumber"},
		{"tg-c1,1.00,DKK,2024-05-18T08:00:00Z,457100XXXXXX0001,\"4111 1111 1111 1111\"\n", "approvalCode"},
		{"tg-c1,1.00,DKK,2024-05-18T08:00:00Z,457100XXXXXX0001,1\x002\n", "approvalCode"},
		{"tg-c1,1.00,DKK,2024-05-18T08:00:00Z,457100XXXXXX0001,\xff\xfe\n", "approvalCode"},
		{"tg-\x00,1.00,DKK,2024-05-18T08:00:00Z,457100XXXXXX0001,1\n", "transactionId"},
		{"tg-\xc3\x28,1.00,DKK,2024-05-18T08:00:00Z,457100XXXXXX0001,1\n", "transactionId"},
	}
	for _, tc := range csvCases {
		r := testenv.Do(t, c.h, "POST", "/api/v1/transactions/batches", header+good+tc.row, "Authorization", c.auth, "Content-Type", "text/csv")
		wantError(t, r, http.StatusBadRequest, "invalid", "transactions[1]."+tc.field)
		if strings.Contains(string(r.Body), "1111111111") {
			t.Fatalf("%s: the card number is echoed: %s", tc.field, r.Body)
		}
	}
	// Nothing of the refused batches was stored.
	var batches []any
	c.do("GET", "/api/v1/transactions/batches", nil).JSON(t, &batches)
	if len(batches) != len(before) {
		t.Fatalf("refused batches stored: %v", batches)
	}
	// GraphQL ingestion runs the same domain rule; a NUL is refused even
	// earlier, by the GraphQL door's check of every text input.
	for _, v := range []string{"a\x00b", visa} {
		_, res := testenv.GraphQL(t, c.h, c.auth, `mutation($v: String!) { ingestTransactions(transactions: [{transactionId: "tg-g", amount: "1",
			currency: "DKK", transactionDateTime: "2024-05-18T08:00:00Z", approvalCode: $v}]) { userErrors { field code } } }`, map[string]any{"v": v})
		refusedByDomain := strings.Contains(string(res.Data), "approvalCode") && len(res.Errors) == 0
		refusedByDoor := len(res.Errors) == 1 && res.Errors[0].Extensions["code"] == "BAD_USER_INPUT" && res.Errors[0].Extensions["field"] == "v"
		if !refusedByDomain && !refusedByDoor {
			t.Fatalf("GraphQL ingestion of %q: %s %+v", v, res.Data, res.Errors)
		}
	}
	// The masked form goes in and comes out as sent.
	r := testenv.Do(t, c.h, "POST", "/api/v1/transactions/batches", header+good, "Authorization", c.auth, "Content-Type", "text/csv")
	if r.Status != http.StatusCreated {
		t.Fatalf("masked transaction: %d %s", r.Status, r.Body)
	}
}
