package openloyalty

import (
	"time"

	"loyaltygraph/domain/loyalty"
	"loyaltygraph/rest/storebox"
)

// timeLayout is how Open Loyalty writes times: "2018-02-02T11:39:17+0100".
const timeLayout = "2006-01-02T15:04:05-0700"

// currency is the currency Open Loyalty's default configuration reports.
const currency = "eur"

type levelRef struct {
	LevelID struct {
		ID string `json:"id"`
	} `json:"levelId"`
	Name string `json:"name"`
}

type statusBody struct {
	AvailableTypes  []string `json:"availableTypes"`
	AvailableStates []string `json:"availableStates"`
	Type            string   `json:"type"`
	State           string   `json:"state,omitempty"`
}

// customerBody is a customer as the seed writes it.
type customerBody struct {
	CustomerID                             string           `json:"customerId"`
	Active                                 bool             `json:"active"`
	POSID                                  string           `json:"posId,omitempty"`
	SellerID                               string           `json:"sellerId,omitempty"`
	FirstName                              string           `json:"firstName"`
	LastName                               string           `json:"lastName"`
	Gender                                 string           `json:"gender,omitempty"`
	Email                                  string           `json:"email,omitempty"`
	Phone                                  string           `json:"phone,omitempty"`
	BirthDate                              string           `json:"birthDate,omitempty"`
	Address                                *loyalty.Address `json:"address"`
	Company                                *loyalty.Company `json:"company,omitempty"`
	LoyaltyCardNumber                      string           `json:"loyaltyCardNumber,omitempty"`
	CreatedAt                              string           `json:"createdAt"`
	LevelID                                string           `json:"levelId,omitempty"`
	ManuallyAssignedLevelID                string           `json:"manuallyAssignedLevelId,omitempty"`
	Agreement1                             bool             `json:"agreement1"`
	Agreement2                             bool             `json:"agreement2"`
	Agreement3                             bool             `json:"agreement3"`
	Status                                 statusBody       `json:"status"`
	UpdatedAt                              string           `json:"updatedAt"`
	CampaignPurchases                      []any            `json:"campaignPurchases"`
	TransactionsCount                      int              `json:"transactionsCount"`
	TransactionsAmount                     storebox.Number  `json:"transactionsAmount"`
	TransactionsAmountWithoutDeliveryCosts storebox.Number  `json:"transactionsAmountWithoutDeliveryCosts"`
	AmountExcludedForLevel                 int              `json:"amountExcludedForLevel"`
	AverageTransactionAmount               storebox.Number  `json:"averageTransactionAmount"`
	LastTransactionDate                    string           `json:"lastTransactionDate,omitempty"`
	Labels                                 []loyalty.Label  `json:"labels" openapi:"nullable"`
	Level                                  *levelRef        `json:"level,omitempty"`
	Currency                               string           `json:"currency"`
	LevelPercent                           string           `json:"levelPercent"`
}

func formatTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(timeLayout)
}

func customerOf(c *loyalty.Customer) customerBody {
	b := customerBody{
		CustomerID: c.ID, Active: c.Active, POSID: c.POSID, SellerID: c.SellerID, FirstName: c.FirstName,
		LastName: c.LastName, Gender: string(c.Gender), Email: c.Email, Phone: c.Phone,
		BirthDate: formatTime(c.BirthDate), Address: c.Address, Company: c.Company,
		LoyaltyCardNumber: c.LoyaltyCardNumber, CreatedAt: formatTime(&c.CreatedAt), LevelID: c.LevelID,
		ManuallyAssignedLevelID: c.ManualLevelID,
		Agreement1:              c.Agreement1, Agreement2: c.Agreement2, Agreement3: c.Agreement3,
		UpdatedAt: formatTime(&c.UpdatedAt), CampaignPurchases: []any{},
		TransactionsCount: c.TransactionsCount, TransactionsAmount: storebox.Number(c.TransactionsAmount),
		TransactionsAmountWithoutDeliveryCosts: storebox.Number(c.TransactionsAmount),
		AverageTransactionAmount:               storebox.Number(c.AverageTransactionAmount()),
		LastTransactionDate:                    formatTime(c.LastTransactionAt),
		Labels:                                 c.Labels, Currency: currency, LevelPercent: c.Level.Percent(),
		Status: statusBody{AvailableTypes: []string{"new", "active", "blocked", "deleted"},
			AvailableStates: []string{"no-card", "card-sent", "with-card"}},
	}
	if b.Address == nil {
		b.Address = &loyalty.Address{}
	}
	switch {
	case c.Anonymized:
		b.Status.Type = "deleted"
	case c.Active:
		b.Status.Type = "active"
	default:
		b.Status.Type = "blocked"
	}
	if !c.Anonymized {
		b.Status.State = "no-card"
		if c.LoyaltyCardNumber != "" {
			b.Status.State = "with-card"
		}
	}
	if c.Level != nil {
		b.Level = &levelRef{Name: c.Level.Name}
		b.Level.LevelID.ID = c.Level.ID
	}
	return b
}

func customersOf(cs []*loyalty.Customer) []customerBody {
	out := make([]customerBody, len(cs))
	for i, c := range cs {
		out[i] = customerOf(c)
	}
	return out
}
