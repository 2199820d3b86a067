package receiptdata

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"loyaltygraph/domain/merchant"
	"loyaltygraph/rest/storebox"
)

// Terms are the terms operations this family calls (app/terms).
type Terms interface {
	Find(ctx context.Context, lang string, date *time.Time) (*merchant.Terms, error)
}

// termsBody is terms as the Receipt Data API writes them.
type termsBody struct {
	Lang      string `json:"lang"`
	ValidFrom string `json:"validFrom"`
	Title     string `json:"title"`
	Body      string `json:"body"`
}

// RegisterTerms adds the terms of the family to mux. They are public: the
// seed reads them without credentials.
func RegisterTerms(mux *http.ServeMux, terms Terms, log *slog.Logger) {
	find := func(w http.ResponseWriter, r *http.Request, date *time.Time) {
		t, err := terms.Find(r.Context(), r.URL.Query().Get("lang"), date)
		if err != nil {
			storebox.WriteError(w, r, log, err)
			return
		}
		storebox.WriteJSON(w, http.StatusOK, termsBody{Lang: t.Lang, ValidFrom: t.ValidFrom.Format(merchant.DateLayout),
			Title: t.Title, Body: t.Body})
	}
	mux.HandleFunc("GET /receipt-data/v1/terms", func(w http.ResponseWriter, r *http.Request) { find(w, r, nil) })
	mux.HandleFunc("GET /receipt-data/v1/terms/{date}", func(w http.ResponseWriter, r *http.Request) {
		d, err := merchant.ParseDate("date", r.PathValue("date"))
		if err != nil {
			storebox.WriteError(w, r, log, err)
			return
		}
		find(w, r, &d)
	})
}
