package openloyalty

import (
	"net/http"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/loyalty"
	"loyaltygraph/rest/storebox"
)

// statusBody is a customer's status as the seed writes it.
type statusBodyOL struct {
	FirstName                                         string                     `json:"firstName"`
	LastName                                          string                     `json:"lastName"`
	CustomerID                                        string                     `json:"customerId"`
	Points                                            storebox.Number            `json:"points"`
	P2PPoints                                         storebox.Number            `json:"p2pPoints"`
	TotalEarnedPoints                                 storebox.Number            `json:"totalEarnedPoints"`
	UsedPoints                                        storebox.Number            `json:"usedPoints"`
	ExpiredPoints                                     storebox.Number            `json:"expiredPoints"`
	LockedPoints                                      storebox.Number            `json:"lockedPoints"`
	Level                                             string                     `json:"level,omitempty"`
	LevelName                                         string                     `json:"levelName,omitempty"`
	LevelConditionValue                               *storebox.Number           `json:"levelConditionValue,omitempty"`
	NextLevel                                         string                     `json:"nextLevel,omitempty"`
	NextLevelName                                     string                     `json:"nextLevelName,omitempty"`
	NextLevelConditionValue                           *storebox.Number           `json:"nextLevelConditionValue,omitempty"`
	TransactionsAmountToNextLevelWithoutDeliveryCosts *storebox.Number           `json:"transactionsAmountToNextLevelWithoutDeliveryCosts,omitempty"`
	TransactionsAmountWithoutDeliveryCosts            storebox.Number            `json:"transactionsAmountWithoutDeliveryCosts"`
	AverageTransactionsAmount                         string                     `json:"averageTransactionsAmount"`
	TransactionsCount                                 int                        `json:"transactionsCount"`
	TransactionsAmount                                storebox.Number            `json:"transactionsAmount"`
	Currency                                          string                     `json:"currency"`
	PointsExpiringNextMonth                           storebox.Number            `json:"pointsExpiringNextMonth"`
	PointsExpiringBreakdown                           map[string]storebox.Number `json:"pointsExpiringBreakdown"`
}

func number(d decimal.Decimal) *storebox.Number { n := storebox.Number(d); return &n }

func statusOf(s *loyalty.Status) statusBodyOL {
	c := s.Customer
	b := statusBodyOL{FirstName: c.FirstName, LastName: c.LastName, CustomerID: c.ID,
		Points: storebox.Number(s.Points), P2PPoints: storebox.Number(decimal.Zero),
		TotalEarnedPoints: storebox.Number(s.TotalEarnedPoints), UsedPoints: storebox.Number(s.UsedPoints),
		ExpiredPoints: storebox.Number(s.ExpiredPoints), LockedPoints: storebox.Number(s.LockedPoints),
		TransactionsAmountWithoutDeliveryCosts: storebox.Number(c.TransactionsAmount),
		AverageTransactionsAmount:              c.AverageTransactionAmount().StringFixed(2),
		TransactionsCount:                      c.TransactionsCount, TransactionsAmount: storebox.Number(c.TransactionsAmount),
		Currency: currency, PointsExpiringNextMonth: storebox.Number(s.PointsExpiringNextMonth),
		PointsExpiringBreakdown: map[string]storebox.Number{}}
	if s.Level != nil {
		b.Level, b.LevelName, b.LevelConditionValue = s.Level.Percent(), s.Level.Name, number(s.Level.ConditionValue)
	}
	if s.NextLevel != nil {
		b.NextLevel, b.NextLevelName, b.NextLevelConditionValue = s.NextLevel.Percent(), s.NextLevel.Name, number(s.NextLevel.ConditionValue)
		b.TransactionsAmountToNextLevelWithoutDeliveryCosts = number(s.TransactionsAmountToNextLevel)
	}
	for day, p := range s.PointsExpiringBreakdown {
		b.PointsExpiringBreakdown[day] = storebox.Number(p)
	}
	return b
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	s, err := h.ops.Status(r.Context(), r.PathValue("storeCode"), r.PathValue("customer"))
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, statusOf(s))
}

func (h *Handler) assignLevel(w http.ResponseWriter, r *http.Request) {
	v, err := readValues(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	if err := h.ops.AssignLevel(r.Context(), r.PathValue("storeCode"), r.PathValue("customer"), v["levelId"]); err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, emptyBody{})
}

func (h *Handler) removeManualLevel(w http.ResponseWriter, r *http.Request) {
	if err := h.ops.RemoveManualLevel(r.Context(), r.PathValue("storeCode"), r.PathValue("customer")); err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
