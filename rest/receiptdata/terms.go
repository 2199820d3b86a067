package receiptdata

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"loyaltygraph/domain/merchant"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// Terms are the terms operations this family calls (app/terms).
type Terms interface {
	Find(ctx context.Context, lang string, date *time.Time) (*merchant.Terms, error)
}

// termsBody is terms as the Receipt Data API writes them.
type termsBody struct {
	Lang      string `json:"lang"`
	ValidFrom string `json:"validFrom" openapi:"format=date" doc:"The first day the terms are valid, YYYY-MM-DD."`
	Title     string `json:"title"`
	Body      string `json:"body"`
}

// termsHandler serves the terms of the family.
type termsHandler struct {
	terms Terms
	log   *slog.Logger
}

// RegisterTerms adds the terms of the family to mux. They are public: the
// seed reads them without credentials.
func RegisterTerms(mux *http.ServeMux, terms Terms, log *slog.Logger) {
	openapi.Register(mux, termsOperations(&termsHandler{terms: terms, log: log}), nil)
}

func (h *termsHandler) find(w http.ResponseWriter, r *http.Request, date *time.Time) {
	t, err := h.terms.Find(r.Context(), r.URL.Query().Get("lang"), date)
	if err != nil {
		storebox.WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, termsBody{Lang: t.Lang, ValidFrom: t.ValidFrom.Format(merchant.DateLayout),
		Title: t.Title, Body: t.Body})
}

// current is "get the currently active terms".
func (h *termsHandler) current(w http.ResponseWriter, r *http.Request) { h.find(w, r, nil) }

// atDate is "get the terms that were valid at a given date".
func (h *termsHandler) atDate(w http.ResponseWriter, r *http.Request) {
	d, err := merchant.ParseDate("date", r.PathValue("date"))
	if err != nil {
		storebox.WriteError(w, r, h.log, err)
		return
	}
	h.find(w, r, &d)
}
