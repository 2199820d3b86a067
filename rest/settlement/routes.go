// Package settlement serves the Storebox Loyalty Settlement API (seed 002)
// on its legacy paths. Every handler decodes the legacy request, calls the
// same resolver operation as GraphQL, and encodes the legacy response.
package settlement

import (
	"log/slog"
	"net/http"

	"loyaltygraph/resolvers"
	"loyaltygraph/rest/storebox"
)

// Handler serves the Loyalty Settlement family.
type Handler struct {
	res *resolvers.Resolver
	log *slog.Logger
}

// Register adds the whole surface of the family to mux. Paths live under
// /api/v1; settlements and invoices also answer under /api (both documented).
func Register(mux *http.ServeMux, res *resolvers.Resolver, log *slog.Logger) {
	h := &Handler{res: res, log: log}
	handle := func(pattern string, fn http.HandlerFunc) {
		mux.Handle(pattern, storebox.Require(log, fn))
	}
	handle("POST /api/v1/merchants", h.createMerchant)
	handle("GET /api/v1/merchants", h.listMerchants)
	handle("GET /api/v1/merchants/{merchantId}", h.getMerchant)
	handle("PATCH /api/v1/merchants/{merchantId}", h.updateMerchant)
	handle("PUT /api/v1/merchants/{merchantId}", h.updateMerchant)
	handle("DELETE /api/v1/merchants/{merchantId}", h.deleteMerchant)
	h.registerModel(handle)
	h.registerSettlements(handle)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	storebox.WriteError(w, r, h.log, err)
}
