package receiptdata

import (
	"net/http"

	"loyaltygraph/render/receipthtml"
)

// external is "view receipt by external receipt id": the printable HTML
// page, for a webview or an iframe, under a strict Content-Security-Policy.
func (h *Handler) external(w http.ResponseWriter, r *http.Request) {
	rc, err := h.receipts.ViewExternal(r.Context(), r.PathValue("externalReceiptId"), r.URL.Query().Get("type"),
		r.Header.Get("X-Auth-signature"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, err := receipthtml.Page(rc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", receipthtml.CSP)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(page)
}
