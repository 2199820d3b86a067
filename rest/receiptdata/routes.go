// Package receiptdata serves the receipts of the Storebox Receipt Data API
// (seed 001) under /receipt-data/v1, and the POS receipt receiver at
// /api/receipt-receiver/v2/receipts. Every handler decodes the legacy
// request, calls the same application-layer operation as GraphQL, and
// encodes the legacy response.
package receiptdata

import (
	"context"
	"log/slog"
	"net/http"

	"loyaltygraph/app/receipts"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/rest/storebox"
)

// Receipts are the receipt operations this family calls (app/receipts).
type Receipts interface {
	Ingest(ctx context.Context, in receipt.Input) (*receipt.Receipt, receipt.Status, []receipt.Match, error)
	List(ctx context.Context, userID string, f receipt.Filter) ([]*receipt.Receipt, int, error)
	Get(ctx context.Context, userID, receiptID string) (*receipt.Receipt, error)
	Delete(ctx context.Context, userID, receiptID string) error
	Copy(ctx context.Context, userID, receiptID, toUserID string) (*receipt.Receipt, error)
	ViewExternal(ctx context.Context, externalID, idType, signature string) (*receipt.Receipt, error)
	PDF(ctx context.Context, userID, receiptID, lang string) ([]byte, error)
	CreatePDFSession(ctx context.Context, userID, receiptID string) (*receipts.PDFLink, error)
	PDFBySession(ctx context.Context, userID, receiptID, sessionID, lang string) ([]byte, error)
}

// Handler serves the Receipt Data API's receipts.
type Handler struct {
	receipts Receipts
	// baseURL is the public base URL that logo URLs start with.
	baseURL string
	log     *slog.Logger
}

// Register adds the receipts of the family to mux; merchants carries the
// marketing message route that shares a pattern with the external view.
func Register(mux *http.ServeMux, receipts Receipts, merchants *MerchantHandler, log *slog.Logger) {
	h := &Handler{receipts: receipts, log: log}
	if merchants != nil {
		h.baseURL = merchants.baseURL
	}
	handle := func(pattern string, fn http.HandlerFunc) {
		mux.Handle(pattern, storebox.Require(log, fn))
	}
	handle("POST /api/receipt-receiver/v2/receipts", h.ingest)
	handle("GET /receipt-data/v1/users/{userId}/receipts", h.list)
	handle("GET /receipt-data/v1/users/{userId}/receipts/{receiptId}", h.details)
	handle("DELETE /receipt-data/v1/users/{userId}/receipts/{receiptId}", h.delete)
	handle("POST /receipt-data/v1/users/{userId}/receipts/{receiptId}/copy", h.copy)
	// ServeMux cannot register both GET /receipts/external/{externalReceiptId}
	// and GET /receipts/{receiptId}/message (which one serves
	// /receipts/external/message?), so one pattern routes both. A receipt
	// id is 32 of [0-9a-z] and never "external".
	handle("GET /receipt-data/v1/receipts/{receiptId}/{view}", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.PathValue("receiptId") == "external":
			r.SetPathValue("externalReceiptId", r.PathValue("view"))
			h.external(w, r)
		case r.PathValue("view") == "message" && merchants != nil:
			merchants.message(w, r)
		default:
			h.fail(w, r, errs.NotFoundf("not found"))
		}
	})
	handle("GET /receipt-data/v1/users/{userId}/receipts/{receiptId}/pdf", h.pdf)
	handle("GET /receipt-data/v1/users/{userId}/receipts/{receiptId}/pdfsession", h.pdfSession)
	// No credentials: the session id is the capability (the operation
	// checks it).
	mux.HandleFunc("GET /receipt-data/v1/users/{userId}/receipts/{receiptId}/pdf/{sessionId}", h.pdfBySession)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	storebox.WriteError(w, r, h.log, err)
}
