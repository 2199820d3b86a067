package receiptdata

import (
	"net/http"
	"strconv"

	"loyaltygraph/rest/storebox"
)

// writePDF answers with a receipt's PDF document.
func writePDF(w http.ResponseWriter, receiptID string, pdf []byte) {
	hd := w.Header()
	hd.Set("Content-Type", "application/pdf")
	// The receipt id is 32 of [0-9a-z]: the operation found it.
	hd.Set("Content-Disposition", `inline; filename="receipt-`+receiptID+`.pdf"`)
	hd.Set("Content-Length", strconv.Itoa(len(pdf)))
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(pdf)
}

// pdf is "get PDF": the receipt as a PDF document, its static texts in
// the language lang (da, no, sv, fi, en; English when unknown).
func (h *Handler) pdf(w http.ResponseWriter, r *http.Request) {
	receiptID := r.PathValue("receiptId")
	pdf, err := h.receipts.PDF(r.Context(), r.PathValue("userId"), receiptID, r.URL.Query().Get("lang"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writePDF(w, receiptID, pdf)
}

// pdfSessionJSON answers "get PDF session".
type pdfSessionJSON struct {
	// SessionID opens the PDF without credentials for 15 minutes.
	SessionID string `json:"sessionId"`
}

// pdfSession is "get PDF session": {"sessionId"} for 15 minutes.
func (h *Handler) pdfSession(w http.ResponseWriter, r *http.Request) {
	link, err := h.receipts.CreatePDFSession(r.Context(), r.PathValue("userId"), r.PathValue("receiptId"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, pdfSessionJSON{SessionID: link.SessionID})
}

// pdfBySession is "get PDF from a session id": no credentials; the
// session id is the capability.
func (h *Handler) pdfBySession(w http.ResponseWriter, r *http.Request) {
	receiptID := r.PathValue("receiptId")
	pdf, err := h.receipts.PDFBySession(r.Context(), r.PathValue("userId"), receiptID, r.PathValue("sessionId"),
		r.URL.Query().Get("lang"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writePDF(w, receiptID, pdf)
}
