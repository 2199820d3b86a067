package settlement

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
)

func validRaw() RawTransaction {
	return RawTransaction{
		TransactionID: "300001116910", Amount: decimal.RequireFromString("100.50"), Currency: "DKK",
		TransactionDateTime: time.Date(2024, 5, 18, 8, 0, 0, 0, time.UTC), CardAcceptorID: "4611721",
		CompanyRegistrationNumber: "12345678", CardToken: "tok-1", TruncatedCardNumber: "457100XXXXXX0001",
		CardType: "VISA", ApprovalCode: "1234567", CardAcceptorTerminalID: "T1", SystemTraceAuditNumber: "000123",
		RetrievalReferenceNumber: "200101110011",
	}
}

func TestValidateTransactionText(t *testing.T) {
	ok := validRaw()
	if err := ok.Validate(""); err != nil {
		t.Fatalf("valid transaction refused: %v", err)
	}
	// A card token may be a network token that passes Luhn: it is only
	// stored as a keyed hash.
	tok := validRaw()
	tok.CardToken = "4111111111111111"
	if err := tok.Validate(""); err != nil {
		t.Fatalf("digit card token refused: %v", err)
	}
	const visa, visa19 = "4111111111111111", "4000000000000000006"
	cases := []struct {
		field string
		set   func(*RawTransaction)
	}{
		{"truncatedCardNumber", func(r *RawTransaction) { r.TruncatedCardNumber = visa }},
		{"truncatedCardNumber", func(r *RawTransaction) { r.TruncatedCardNumber = visa19 }},
		{"truncatedCardNumber", func(r *RawTransaction) { r.TruncatedCardNumber = "4111 1111 1111 1111" }},
		{"truncatedCardNumber", func(r *RawTransaction) { r.TruncatedCardNumber = "4571000000000002" }},
		{"truncatedCardNumber", func(r *RawTransaction) { r.TruncatedCardNumber = "457100XXXX0001" + "\x00" }},
		{"approvalCode", func(r *RawTransaction) { r.ApprovalCode = visa }},
		{"transactionId", func(r *RawTransaction) { r.TransactionID = "t-" + visa }},
		{"cardAcceptorId", func(r *RawTransaction) { r.CardAcceptorID = "4111-1111-1111-1111" }},
		{"companyRegistrationNumber", func(r *RawTransaction) { r.CompanyRegistrationNumber = visa19 }},
		{"cardType", func(r *RawTransaction) { r.CardType = "VISA " + visa }},
		{"cardAcceptorTerminalId", func(r *RawTransaction) { r.CardAcceptorTerminalID = visa }},
		{"systemTraceAuditNumber", func(r *RawTransaction) { r.SystemTraceAuditNumber = visa }},
		{"retrievalReferenceNumber", func(r *RawTransaction) { r.RetrievalReferenceNumber = visa }},
		{"transactionId", func(r *RawTransaction) { r.TransactionID = "t\x00" }},
		{"transactionId", func(r *RawTransaction) { r.TransactionID = "t\xff" }},
		{"approvalCode", func(r *RawTransaction) { r.ApprovalCode = "a\x00b" }},
		{"cardToken", func(r *RawTransaction) { r.CardToken = "tok\x00" }},
		{"cardType", func(r *RawTransaction) { r.CardType = "\xc3\x28" }},
	}
	for _, c := range cases {
		r := validRaw()
		c.set(&r)
		err := r.Validate("transactions[2].")
		e := errs.As(err)
		if err == nil || e.Code != errs.Invalid || e.Field != "transactions[2]."+c.field {
			t.Errorf("%s: got %v, want invalid transactions[2].%s", c.field, err, c.field)
			continue
		}
		if strings.Contains(e.Message, "1111111111") || strings.Contains(e.Message, "0000000000") {
			t.Errorf("%s: the error echoes the card number: %s", c.field, e.Message)
		}
	}
}
