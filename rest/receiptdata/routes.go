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
	"loyaltygraph/rest/openapi"
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

// Register adds the receipts of the family and the POS receiver to mux;
// merchants serves the marketing message, whose route shares a pattern
// with the external view (viewRoute).
func Register(mux *http.ServeMux, receipts Receipts, merchants *MerchantHandler, log *slog.Logger) {
	h := &Handler{receipts: receipts, log: log}
	if merchants != nil {
		h.baseURL = merchants.baseURL
	}
	ops, external := takeOp(operations(h), opViewExternal)
	var message http.Handler
	if merchants != nil {
		_, m := takeOp(merchantOperations(merchants), opGetMessage)
		message = m.Handler
	}
	openapi.Register(mux, posOperations(h), nil)
	openapi.Register(mux, append(ops, viewRoute(log, external.Handler, message)), nil)
}

// takeOp returns ops without the operation id, and that operation.
func takeOp(ops []openapi.Op, id string) ([]openapi.Op, openapi.Op) {
	for i, op := range ops {
		if op.ID == id {
			return append(ops[:i:i], ops[i+1:]...), op
		}
	}
	panic("receiptdata: no operation " + id)
}

// viewPath is the one ServeMux pattern of GET
// /receipts/external/{externalReceiptId} and GET
// /receipts/{receiptId}/message: ServeMux cannot register both (which one
// would serve /receipts/external/message?). A receipt id is 32 of
// [0-9a-z] and never "external".
const viewPath = "/receipt-data/v1/receipts/{receiptId}/{view}"

// viewRoute routes viewPath to the external view or to the marketing
// message (nil: not served); the document describes the two operations.
func viewRoute(log *slog.Logger, external, message http.Handler) openapi.Op {
	return openapi.Op{Method: http.MethodGet, Path: viewPath, ID: "receiptDataViews",
		Handler: storebox.Require(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.PathValue("receiptId") == "external":
				r.SetPathValue("externalReceiptId", r.PathValue("view"))
				external.ServeHTTP(w, r)
			case r.PathValue("view") == "message" && message != nil:
				message.ServeHTTP(w, r)
			default:
				storebox.WriteError(w, r, log, errs.NotFoundf("not found"))
			}
		}))}
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	storebox.WriteError(w, r, h.log, err)
}
