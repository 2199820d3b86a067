package settlement

import (
	"mime"
	"net/http"
	"strings"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

func (h *Handler) ingest(w http.ResponseWriter, r *http.Request) {
	extendIngestDeadlines(w)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var reader settlement.TransactionReader
	var err error
	switch mt {
	case "text/csv", "application/csv":
		reader, err = newCSVTransactions(r.Body)
	case "application/json", "":
		reader, err = newJSONTransactions(r.Body)
	default:
		err = errs.InvalidField("Content-Type", "send application/json or text/csv")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := h.settlements.Ingest(r.Context(), reader)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusCreated, ingestJSON{BatchID: b.BatchID, Transactions: b.Transactions})
}

func (h *Handler) transactionBatches(w http.ResponseWriter, r *http.Request) {
	list, err := allPages(func(offset, limit int) ([]*settlement.TransactionBatch, int, error) {
		return h.settlements.TransactionBatches(r.Context(), settlement.BatchFilter{Offset: offset, Limit: limit})
	})
	writeList(h, w, r, list, err, func(b *settlement.TransactionBatch) transactionBatchJSON {
		return transactionBatchJSON{BatchID: b.BatchID, Transactions: b.Transactions, Created: seedTime(b.Created)}
	})
}

// seedTime is a time as the seed writes it: UTC, whole seconds, "Z"
// (2019-08-24T14:15:22Z), so that it reads the same wherever it appears.
type seedTime time.Time

// MarshalJSON writes the time in the seed's format.
func (t seedTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05Z") + `"`), nil
}

// OpenAPISchema: a date-time string.
func (seedTime) OpenAPISchema() openapi.Schema {
	return openapi.Schema{"type": "string", "format": "date-time", "examples": []any{"2019-08-24T14:15:22Z"}}
}

// optionalSeedTime is a seedTime that may be absent (null).
func optionalSeedTime(t *time.Time) *seedTime {
	if t == nil {
		return nil
	}
	st := seedTime(*t)
	return &st
}

// ingestJSON answers a delivered transaction batch.
type ingestJSON struct {
	BatchID      string `json:"batchId"`
	Transactions int    `json:"transactions"`
}

// transactionPageJSON is a page of a batch's transactions. Its members are
// in the order the service has always written them (alphabetical).
type transactionPageJSON struct {
	Limit     int               `json:"limit"`
	Offset    int               `json:"offset"`
	Results   []transactionJSON `json:"results"`
	TotalSize int               `json:"totalSize"`
}

// settlementPageJSON is a page of settlements, members in alphabetical
// order as the service has always written them.
type settlementPageJSON struct {
	Limit       int              `json:"limit"`
	Offset      int              `json:"offset"`
	Settlements []settlementJSON `json:"settlements"`
	TotalSize   int              `json:"totalSize"`
}

// settleJSON answers a settle run.
type settleJSON struct {
	SettlementID string `json:"settlementId"`
}

type transactionBatchJSON struct {
	BatchID      string   `json:"batchId"`
	Transactions int      `json:"transactions"`
	Created      seedTime `json:"created"`
}

type settlementBatchJSON struct {
	BatchID     string   `json:"batchId"`
	Settlements int      `json:"settlements"`
	Created     seedTime `json:"created"`
}

func toSettlementBatchJSON(b *settlement.SettlementBatch) settlementBatchJSON {
	return settlementBatchJSON{BatchID: b.BatchID, Settlements: b.Settlements, Created: seedTime(b.Created)}
}

// allPages reads a list the seed documents whole ("get all batches") one
// page of listPageSize at a time.
func allPages[T any](page func(offset, limit int) ([]T, int, error)) ([]T, error) {
	size := listPageSize
	out := []T{}
	for {
		list, total, err := page(len(out), size)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
		if len(list) == 0 || len(out) >= total {
			return out, nil
		}
	}
}

type transactionJSON struct {
	TransactionID             string          `json:"transactionId"`
	Amount                    storebox.Number `json:"amount"`
	Currency                  string          `json:"currency"`
	TransactionDateTime       seedTime        `json:"transactionDateTime"`
	CardAcceptorID            string          `json:"cardAcceptorId"`
	CompanyRegistrationNumber string          `json:"companyRegistrationNumber"`
	TruncatedCardNumber       string          `json:"truncatedCardNumber"`
	CardType                  string          `json:"cardType"`
	ApprovalCode              string          `json:"approvalCode"`
	CardAcceptorTerminalID    string          `json:"cardAcceptorTerminalId"`
	SystemTraceAuditNumber    string          `json:"systemTraceAuditNumber"`
	RetrievalReferenceNumber  string          `json:"retrievalReferenceNumber"`
	BatchID                   string          `json:"batchId"`
	MerchantID                string          `json:"merchantId,omitempty"`
	State                     string          `json:"state" openapi:"enum=settled|unmatched"`
	Reason                    string          `json:"reason,omitempty"`
}

// maxSettlementPage is the largest page of settlements and batches.
const maxSettlementPage = 1000

// page reads a list's offset and limit.
func (h *Handler) page(r *http.Request) (int, int, error) {
	return storebox.Page(r, maxSettlementPage)
}

func (h *Handler) transactions(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := h.page(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, total, err := h.settlements.Transactions(r.Context(), r.PathValue("batchId"), offset, limit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]transactionJSON, len(list))
	for i, t := range list {
		out[i] = transactionJSON{TransactionID: t.TransactionID, Amount: storebox.Number(t.Amount), Currency: t.Currency,
			TransactionDateTime: seedTime(t.TransactionDateTime), CardAcceptorID: t.CardAcceptorID,
			CompanyRegistrationNumber: t.CompanyRegistrationNumber, TruncatedCardNumber: t.TruncatedCardNumber,
			CardType: t.CardType, ApprovalCode: t.ApprovalCode, CardAcceptorTerminalID: t.CardAcceptorTerminalID,
			SystemTraceAuditNumber: t.SystemTraceAuditNumber, RetrievalReferenceNumber: t.RetrievalReferenceNumber,
			BatchID: t.BatchID, MerchantID: t.MerchantID, State: t.State, Reason: t.Reason}
	}
	storebox.WriteJSON(w, http.StatusOK, transactionPageJSON{Limit: limit, Offset: offset, Results: out, TotalSize: total})
}

// settlementJSON is a settlement as the seed names its fields.
type settlementJSON struct {
	SettlementID        string          `json:"settlementId"`
	BatchID             string          `json:"batchId,omitempty"`
	MerchantID          string          `json:"merchantId"`
	CompanyID           string          `json:"companyId,omitempty"`
	StoreID             string          `json:"storeId,omitempty"`
	CampaignID          string          `json:"campaignId,omitempty"`
	Source              string          `json:"source" openapi:"enum=transaction|receipt"`
	TransactionID       string          `json:"transactionId"`
	TransactionDateTime seedTime        `json:"transactionDateTime"`
	ProcessedDateTime   seedTime        `json:"processedDateTime"`
	Amount              storebox.Number `json:"amount"`
	Currency            string          `json:"currency"`
	UserShare           storebox.Number `json:"userShare"`
	ProviderShare       storebox.Number `json:"providerShare"`
	UserShareType       string          `json:"userShareType" openapi:"enum=percentage|fixed_amount|derived"`
	ProviderShareType   string          `json:"providerShareType" openapi:"enum=percentage|fixed_amount|derived"`
	CardType            string          `json:"cardType,omitempty"`
	TruncatedCardNumber string          `json:"truncatedCardNumber,omitempty"`
	UserID              string          `json:"userId"`
}

func toSettlementJSON(s *settlement.Settlement) settlementJSON {
	return settlementJSON{SettlementID: s.SettlementID, BatchID: s.BatchID, MerchantID: s.MerchantID, CompanyID: s.CompanyID,
		StoreID: s.StoreID, CampaignID: s.CampaignID, Source: string(s.Source), TransactionID: s.TransactionID,
		TransactionDateTime: seedTime(s.TransactionDateTime), ProcessedDateTime: seedTime(s.ProcessedDateTime), Amount: storebox.Number(s.Amount),
		Currency: s.Currency, UserShare: storebox.Number(s.UserShare), ProviderShare: storebox.Number(s.ProviderShare),
		UserShareType: string(s.UserShareType), ProviderShareType: string(s.ProviderShareType), CardType: s.CardType,
		TruncatedCardNumber: s.TruncatedCardNumber, UserID: s.UserID}
}

// merchantsParam reads merchant=m1,m2 or _all_.
func merchantsParam(r *http.Request) []string {
	v := strings.TrimSpace(r.URL.Query().Get("merchant"))
	if v == "" || v == "_all_" {
		return nil
	}
	var out []string
	for _, m := range strings.Split(v, ",") {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// queryTime reads a date-time parameter under either of its documented
// spellings.
func queryTime(r *http.Request, names ...string) (*time.Time, string, error) {
	for _, n := range names {
		v := r.URL.Query().Get(n)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, n, errs.InvalidField(n, "%s must be ISO-8601 with a zone, such as 2018-05-18T08:00:00+02:00", n)
		}
		return &t, n, nil
	}
	return nil, names[0], nil
}

func (h *Handler) writeSettlements(w http.ResponseWriter, r *http.Request, f settlement.SettlementFilter) {
	list, total, err := h.settlements.Settlements(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]settlementJSON, len(list))
	for i, s := range list {
		out[i] = toSettlementJSON(s)
	}
	storebox.WriteJSON(w, http.StatusOK, settlementPageJSON{Limit: f.Limit, Offset: f.Offset, Settlements: out, TotalSize: total})
}

func (h *Handler) settlementsByDate(w http.ResponseWriter, r *http.Request) {
	from, name, err := queryTime(r, "startdate", "startDate")
	if err == nil && from == nil {
		err = errs.InvalidField(name, "startdate is required")
	}
	var to *time.Time
	if err == nil {
		to, name, err = queryTime(r, "enddate", "endDate")
		if err == nil && to == nil {
			err = errs.InvalidField(name, "enddate is required")
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	offset, limit, err := h.page(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeSettlements(w, r, settlement.SettlementFilter{From: from, To: to, MerchantIDs: merchantsParam(r), Offset: offset, Limit: limit})
}

func (h *Handler) settlementsByBatch(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := h.page(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeSettlements(w, r, settlement.SettlementFilter{BatchID: r.PathValue("batchId"), MerchantIDs: merchantsParam(r), Offset: offset, Limit: limit})
}

func (h *Handler) createSettlementBatch(w http.ResponseWriter, r *http.Request) {
	b, err := h.settlements.CreateBatch(r.Context())
	writeOne(h, w, r, http.StatusCreated, b, err, toSettlementBatchJSON)
}

func (h *Handler) settlementBatches(w http.ResponseWriter, r *http.Request) {
	list, err := allPages(func(offset, limit int) ([]*settlement.SettlementBatch, int, error) {
		return h.settlements.Batches(r.Context(), settlement.BatchFilter{Offset: offset, Limit: limit})
	})
	writeList(h, w, r, list, err, toSettlementBatchJSON)
}

func (h *Handler) settle(w http.ResponseWriter, r *http.Request) {
	id, err := h.settlements.Settle(r.Context(), r.URL.Query().Get("externalMerchantId"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, settleJSON{SettlementID: id})
}

func (h *Handler) writeInvoices(w http.ResponseWriter, r *http.Request, runID, merchantID string) {
	list, err := h.settlements.Invoices(r.Context(), runID, merchantID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]invoiceJSON, len(list))
	for i, inv := range list {
		out[i] = invoiceJSON{SettlementID: inv.SettlementID, MerchantID: inv.MerchantID, Type: string(inv.Type),
			Amount: storebox.Number(inv.Amount), Currency: inv.Currency, SettlementCount: inv.SettlementCount, Created: seedTime(inv.Created)}
	}
	storebox.WriteJSON(w, http.StatusOK, out)
}

// invoiceJSON is an invoice: a merchant's sum of one share type.
type invoiceJSON struct {
	SettlementID    string          `json:"settlementId"`
	MerchantID      string          `json:"merchantId"`
	Type            string          `json:"type" openapi:"enum=userShare|providerShare"`
	Amount          storebox.Number `json:"amount"`
	Currency        string          `json:"currency"`
	SettlementCount int             `json:"settlementCount"`
	Created         seedTime        `json:"created"`
}

func (h *Handler) invoices(w http.ResponseWriter, r *http.Request) {
	h.writeInvoices(w, r, r.PathValue("settlementId"), "")
}

func (h *Handler) merchantInvoices(w http.ResponseWriter, r *http.Request) {
	if _, err := h.merchants.Get(r.Context(), r.PathValue("merchantId")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeInvoices(w, r, "", r.PathValue("merchantId"))
}

func (h *Handler) sourceStates(w http.ResponseWriter, r *http.Request) {
	if _, err := h.merchants.Get(r.Context(), r.PathValue("merchantId")); err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.settlements.SourceStates(r.Context(), r.PathValue("merchantId"))
	writeList(h, w, r, list, err, func(s *settlement.SourceState) sourceStateJSON {
		return sourceStateJSON{MerchantID: s.MerchantID, Source: string(s.Source), Settled: s.Settled, Unmatched: s.Unmatched,
			LastReceived: optionalSeedTime(s.LastReceived), LastSettled: optionalSeedTime(s.LastSettled), Unbatched: s.UnbatchedCount}
	})
}

// sourceStateJSON is how far a merchant's settlement source has come.
type sourceStateJSON struct {
	MerchantID   string    `json:"merchantId"`
	Source       string    `json:"source" openapi:"enum=transaction|receipt"`
	Settled      int       `json:"settled"`
	Unmatched    int       `json:"unmatched"`
	LastReceived *seedTime `json:"lastReceived"`
	LastSettled  *seedTime `json:"lastSettled"`
	Unbatched    int       `json:"unbatched"`
}
