package settlement

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/pan"
)

// RawTransaction is one card transaction as the card acquirer delivers it.
type RawTransaction struct {
	TransactionID             string          `json:"transactionId"`
	Amount                    decimal.Decimal `json:"amount"`
	Currency                  string          `json:"currency"`
	TransactionDateTime       time.Time       `json:"transactionDateTime"`
	CardAcceptorID            string          `json:"cardAcceptorId"`
	CompanyRegistrationNumber string          `json:"companyRegistrationNumber"`
	CardToken                 string          `json:"cardToken"`
	TruncatedCardNumber       string          `json:"truncatedCardNumber"`
	CardType                  string          `json:"cardType"`
	ApprovalCode              string          `json:"approvalCode"`
	CardAcceptorTerminalID    string          `json:"cardAcceptorTerminalId"`
	SystemTraceAuditNumber    string          `json:"systemTraceAuditNumber"`
	RetrievalReferenceNumber  string          `json:"retrievalReferenceNumber"`
}

// TransactionFields are the field names of a raw transaction, in CSV
// column order.
var TransactionFields = []string{
	"transactionId", "amount", "currency", "transactionDateTime", "cardAcceptorId", "companyRegistrationNumber",
	"cardToken", "truncatedCardNumber", "cardType", "approvalCode", "cardAcceptorTerminalId",
	"systemTraceAuditNumber", "retrievalReferenceNumber",
}

const maxTextField = 128

// Validate checks a raw transaction; field names in errors carry prefix
// (such as "transactions[3].").
//
// Text fields must be valid UTF-8 without NUL bytes and carry no card
// number; truncatedCardNumber must be in the masked 6+4 form (package pan).
// cardToken is exempt from the card-number scan: it is never stored, only
// its keyed hash.
func (t *RawTransaction) Validate(prefix string) error {
	if t.TransactionID == "" || utf8.RuneCountInString(t.TransactionID) > 64 {
		return errs.InvalidField(prefix+"transactionId", "transactionId is required (1 to 64 characters)")
	}
	if err := checkText(prefix, "transactionId", t.TransactionID, true); err != nil {
		return err
	}
	if t.Currency == "" || len(t.Currency) != 3 || strings.ToUpper(t.Currency) != t.Currency {
		return errs.InvalidField(prefix+"currency", "currency must be a 3-letter ISO 4217 code such as DKK")
	}
	if t.TransactionDateTime.IsZero() {
		return errs.InvalidField(prefix+"transactionDateTime", "transactionDateTime is required (ISO-8601)")
	}
	if t.Amount.Exponent() < -4 || t.Amount.Abs().GreaterThan(decimal.NewFromInt(1_000_000_000)) {
		return errs.InvalidField(prefix+"amount", "amount must be a decimal with at most 4 decimals")
	}
	for _, f := range [...]struct {
		name, value string
		scan        bool
	}{
		{"cardAcceptorId", t.CardAcceptorID, true}, {"companyRegistrationNumber", t.CompanyRegistrationNumber, true},
		{"cardToken", t.CardToken, false}, {"truncatedCardNumber", t.TruncatedCardNumber, false},
		{"cardType", t.CardType, true}, {"approvalCode", t.ApprovalCode, true},
		{"cardAcceptorTerminalId", t.CardAcceptorTerminalID, true},
		{"systemTraceAuditNumber", t.SystemTraceAuditNumber, true},
		{"retrievalReferenceNumber", t.RetrievalReferenceNumber, true},
	} {
		if utf8.RuneCountInString(f.value) > maxTextField {
			return errs.InvalidField(prefix+f.name, "%s must be at most %d characters", f.name, maxTextField)
		}
		if err := checkText(prefix, f.name, f.value, f.scan); err != nil {
			return err
		}
	}
	// SECURITY: a full card number is never stored (DESIGN "PAN guard").
	if err := pan.CheckMasked(prefix+"truncatedCardNumber", t.TruncatedCardNumber); err != nil {
		return err
	}
	return nil
}

// checkText refuses invalid UTF-8, NUL bytes (PostgreSQL text cannot hold
// them) and, when scan is set, a card number in a text field.
func checkText(prefix, name, v string, scan bool) error {
	if !utf8.ValidString(v) {
		return errs.InvalidField(prefix+name, "%s must be valid UTF-8", name)
	}
	if strings.IndexByte(v, 0) >= 0 {
		return errs.InvalidField(prefix+name, "%s must not contain NUL bytes", name)
	}
	if scan && pan.Contains(v) {
		// SECURITY: refused without echoing the value.
		return errs.InvalidField(prefix+name, "%s must not contain a card number", name)
	}
	return nil
}

// ParseField sets one field from its text form (CSV), naming the field in
// errors.
func (t *RawTransaction) ParseField(prefix, name, value string) error {
	switch name {
	case "transactionId":
		t.TransactionID = value
	case "amount":
		d, err := decimal.NewFromString(strings.TrimSpace(value))
		if err != nil {
			return errs.InvalidField(prefix+"amount", "amount must be a decimal number")
		}
		t.Amount = d
	case "currency":
		t.Currency = value
	case "transactionDateTime":
		at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(value))
		if err != nil {
			return errs.InvalidField(prefix+"transactionDateTime", "transactionDateTime must be ISO-8601 with a zone, such as 2024-05-18T08:00:00+02:00")
		}
		t.TransactionDateTime = at
	case "cardAcceptorId":
		t.CardAcceptorID = value
	case "companyRegistrationNumber":
		t.CompanyRegistrationNumber = value
	case "cardToken":
		t.CardToken = value
	case "truncatedCardNumber":
		t.TruncatedCardNumber = value
	case "cardType":
		t.CardType = value
	case "approvalCode":
		t.ApprovalCode = value
	case "cardAcceptorTerminalId":
		t.CardAcceptorTerminalID = value
	case "systemTraceAuditNumber":
		t.SystemTraceAuditNumber = value
	case "retrievalReferenceNumber":
		t.RetrievalReferenceNumber = value
	default:
		return errs.InvalidField(name, "unknown column %q", name)
	}
	return nil
}

// TransactionReader yields raw transactions one at a time; io.EOF ends it.
type TransactionReader interface {
	Next() (*RawTransaction, error)
}

// TransactionBatch is one delivery of raw transactions.
type TransactionBatch struct {
	BatchID      string    `json:"batchId"`
	Transactions int       `json:"transactions"`
	Created      time.Time `json:"created"`
	// OwnerID is the settlement client that posted the batch (0: an admin).
	OwnerID int64 `json:"-"`
}

// Settlement is a transaction with its computed contributions.
type Settlement struct {
	SettlementID  string
	BatchID       string // settlement batch, "" until batched
	MerchantID    string
	CompanyID     string
	StoreID       string
	CampaignID    string
	Source        Source
	TransactionID string
	// LineNumber is, for a receipt's settlement, the index of its line in
	// the receipt (TransactionID is the receipt's id); 0 for a transaction.
	LineNumber          int
	TransactionDateTime time.Time
	ProcessedDateTime   time.Time
	Amount              decimal.Decimal
	Currency            string
	UserShare           decimal.Decimal
	ProviderShare       decimal.Decimal
	UserShareType       merchant.ShareType
	ProviderShareType   merchant.ShareType
	CardType            string
	TruncatedCardNumber string
	UserID              string
}

// SettlementFilter selects settlements.
type SettlementFilter struct {
	From, To *time.Time // on ProcessedDateTime, inclusive
	// IDs limits the page to these settlements; empty means every one.
	IDs []string
	// OwnerID limits the page to the merchants of one settlement client;
	// 0 means every merchant.
	OwnerID     int64
	BatchID     string
	MerchantIDs []string // empty: all
	Offset      int
	Limit       int
}

// SettlementBatch is a batch of settlements handed to the provider.
type SettlementBatch struct {
	BatchID     string    `json:"batchId"`
	Settlements int       `json:"settlements"`
	Created     time.Time `json:"created"`
	// OwnerID is the settlement client whose settlements the batch holds
	// (0: every merchant's, made by an admin).
	OwnerID int64 `json:"-"`
}

// InvoiceType is the share an invoice sums.
type InvoiceType string

// The invoice types.
const (
	InvoiceUserShare     InvoiceType = "userShare"
	InvoiceProviderShare InvoiceType = "providerShare"
)

// Invoice is the sum of one merchant's not yet invoiced settlements of one
// share type, in one settle run.
type Invoice struct {
	SettlementID    string          `json:"settlementId"`
	MerchantID      string          `json:"merchantId"`
	Type            InvoiceType     `json:"type"`
	Amount          decimal.Decimal `json:"amount"`
	Currency        string          `json:"currency"`
	SettlementCount int             `json:"settlementCount"`
	Created         time.Time       `json:"created"`
}

// SourceState is how far settlement has come for one source of a merchant.
type SourceState struct {
	MerchantID     string     `json:"merchantId"`
	Source         Source     `json:"source"`
	Settled        int        `json:"settled"`
	Unmatched      int        `json:"unmatched"`
	LastReceived   *time.Time `json:"lastReceived"`
	LastSettled    *time.Time `json:"lastSettled"`
	UnbatchedCount int        `json:"unbatched"`
}

// validatePage checks offset and limit.
func validatePage(offset, limit int) error {
	if offset < 0 {
		return errs.InvalidField("offset", "offset must not be negative")
	}
	if limit < 0 || limit > 1000 {
		return errs.InvalidField("limit", "limit must be between 0 and 1000")
	}
	return nil
}
