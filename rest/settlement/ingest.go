package settlement

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/rest/openapi"
)

// ingestDeadline bounds reading a transaction batch and answering it,
// instead of the server's read and write timeouts, which are sized for
// small requests: a million transactions take about a minute to store.
const ingestDeadline = time.Hour

// extendIngestDeadlines gives an authenticated caller's batch, which is
// read while it is stored, ingestDeadline from now.
func extendIngestDeadlines(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(ingestDeadline)) // not every writer supports deadlines (recorders)
	_ = rc.SetWriteDeadline(time.Now().Add(ingestDeadline))
}

// unreadable reports a body that could not be read for a reason other than
// its format: one larger than the route's limit is refused with 413
// (errs.TooLarge); anything else is nil, and the caller names the format
// problem.
func unreadable(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errs.E(errs.TooLarge, "request body is larger than %d bytes", tooBig.Limit)
	}
	return nil
}

// jsonTransactions streams raw transactions from a JSON body that is either
// {"transactions": [...]} or a bare array, one element at a time.
type jsonTransactions struct {
	dec   *json.Decoder
	index int
	done  bool
}

func newJSONTransactions(r io.Reader) (*jsonTransactions, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		if e := unreadable(err); e != nil {
			return nil, e
		}
		return nil, errs.E(errs.Invalid, "request body is not valid JSON")
	}
	switch tok {
	case json.Delim('['):
	case json.Delim('{'):
		found := false
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				if e := unreadable(err); e != nil {
					return nil, e
				}
				return nil, errs.E(errs.Invalid, "request body is not valid JSON")
			}
			if key == "transactions" {
				if t, err := dec.Token(); err != nil || t != json.Delim('[') {
					if e := unreadable(err); e != nil {
						return nil, e
					}
					return nil, errs.InvalidField("transactions", "transactions must be an array")
				}
				found = true
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				if e := unreadable(err); e != nil {
					return nil, e
				}
				return nil, errs.E(errs.Invalid, "request body is not valid JSON")
			}
		}
		if !found {
			return nil, errs.InvalidField("transactions", "transactions is required")
		}
	default:
		return nil, errs.E(errs.Invalid, "request body must be {\"transactions\": [...]} or an array")
	}
	return &jsonTransactions{dec: dec}, nil
}

// wireTransaction decodes one element, with amount as a JSON number or
// string and the date as ISO-8601.
type wireTransaction struct {
	TransactionID             *string      `json:"transactionId"`
	Amount                    textOrNumber `json:"amount"`
	Currency                  string       `json:"currency"`
	TransactionDateTime       string       `json:"transactionDateTime"`
	CardAcceptorID            string       `json:"cardAcceptorId"`
	CompanyRegistrationNumber textOrNumber `json:"companyRegistrationNumber"`
	CardToken                 string       `json:"cardToken"`
	TruncatedCardNumber       string       `json:"truncatedCardNumber"`
	CardType                  string       `json:"cardType"`
	ApprovalCode              string       `json:"approvalCode"`
	CardAcceptorTerminalID    string       `json:"cardAcceptorTerminalId"`
	SystemTraceAuditNumber    string       `json:"systemTraceAuditNumber"`
	RetrievalReferenceNumber  string       `json:"retrievalReferenceNumber"`
}

// textOrNumber accepts a JSON string or number and keeps its text exactly.
type textOrNumber string

// OpenAPISchema: a string or a number.
func (textOrNumber) OpenAPISchema() openapi.Schema {
	return openapi.Schema{"type": []any{"string", "number"}}
}

func (v *textOrNumber) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = textOrNumber(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*v = textOrNumber(n)
	return nil
}

func (j *jsonTransactions) Next() (*settlement.RawTransaction, error) {
	if j.done {
		return nil, io.EOF
	}
	if !j.dec.More() {
		// The array must close properly; a truncated body is refused.
		if tok, err := j.dec.Token(); err != nil || tok != json.Delim(']') {
			if e := unreadable(err); e != nil {
				return nil, e
			}
			return nil, errs.InvalidField("transactions", "transactions is not a complete JSON array")
		}
		j.done = true
		return nil, io.EOF
	}
	prefix := fmt.Sprintf("transactions[%d].", j.index)
	var w wireTransaction
	if err := j.dec.Decode(&w); err != nil {
		if e := unreadable(err); e != nil {
			return nil, e
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, errs.InvalidField(prefix+typeErr.Field, "%s has the wrong type", typeErr.Field)
		}
		return nil, errs.InvalidField(strings.TrimSuffix(prefix, "."), "transaction %d is not a valid JSON object", j.index)
	}
	t := &settlement.RawTransaction{
		Currency: w.Currency, CardAcceptorID: w.CardAcceptorID, CompanyRegistrationNumber: string(w.CompanyRegistrationNumber),
		CardToken: w.CardToken, TruncatedCardNumber: w.TruncatedCardNumber, CardType: w.CardType, ApprovalCode: w.ApprovalCode,
		CardAcceptorTerminalID: w.CardAcceptorTerminalID, SystemTraceAuditNumber: w.SystemTraceAuditNumber,
		RetrievalReferenceNumber: w.RetrievalReferenceNumber,
	}
	if w.TransactionID != nil {
		t.TransactionID = *w.TransactionID
	}
	if w.Amount == "" {
		return nil, errs.InvalidField(prefix+"amount", "amount is required")
	}
	if err := t.ParseField(prefix, "amount", string(w.Amount)); err != nil {
		return nil, err
	}
	if w.TransactionDateTime != "" {
		if err := t.ParseField(prefix, "transactionDateTime", w.TransactionDateTime); err != nil {
			return nil, err
		}
	}
	j.index++
	return t, nil
}

// csvTransactions streams raw transactions from CSV with a header row of
// the field names.
type csvTransactions struct {
	r       *csv.Reader
	columns []string
	line    int
}

func newCSVTransactions(r io.Reader) (*csvTransactions, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		if e := unreadable(err); e != nil {
			return nil, e
		}
		return nil, errs.E(errs.Invalid, "CSV body needs a header row of field names")
	}
	known := map[string]bool{}
	for _, f := range settlement.TransactionFields {
		known[f] = true
	}
	columns := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !known[h] {
			return nil, errs.InvalidField(h, "unknown CSV column %q", h)
		}
		columns[i] = h
	}
	return &csvTransactions{r: cr, columns: columns}, nil
}

func (c *csvTransactions) Next() (*settlement.RawTransaction, error) {
	rec, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if err != nil {
		if e := unreadable(err); e != nil {
			return nil, e
		}
	}
	prefix := fmt.Sprintf("transactions[%d].", c.line)
	if err != nil {
		return nil, errs.InvalidField(strings.TrimSuffix(prefix, "."), "CSV row %d is malformed", c.line+2)
	}
	if len(rec) != len(c.columns) {
		return nil, errs.InvalidField(strings.TrimSuffix(prefix, "."), "CSV row %d has %d fields, the header %d", c.line+2, len(rec), len(c.columns))
	}
	t := &settlement.RawTransaction{}
	for i, v := range rec {
		if err := t.ParseField(prefix, c.columns[i], v); err != nil {
			return nil, err
		}
	}
	c.line++
	return t, nil
}
