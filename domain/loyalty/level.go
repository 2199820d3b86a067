package loyalty

import (
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/ids"
)

// Level is a loyalty level of a store: customers whose transactions
// amount reaches ConditionValue are at it (the highest such active level),
// and earn RewardPercent.
type Level struct {
	ID             string
	StoreCode      string
	Name           string
	ConditionValue decimal.Decimal
	RewardPercent  decimal.Decimal
	Active         bool
}

// Percent is the reward as Open Loyalty writes it: "15.00%".
func (l *Level) Percent() string {
	if l == nil {
		return "0.00%"
	}
	return l.RewardPercent.StringFixed(2) + "%"
}

// LevelFor returns the highest active level of levels (sorted by condition
// value, lowest first) whose condition value amount reaches, and the next
// active level above it (nil at the top).
func LevelFor(levels []*Level, amount decimal.Decimal) (current, next *Level) {
	for _, l := range levels {
		if !l.Active {
			continue
		}
		if l.ConditionValue.LessThanOrEqual(amount) {
			current = l
			continue
		}
		if next == nil {
			next = l
		}
	}
	return current, next
}

func newUUID() string { return ids.UUID() }

func isUUID(s string) bool { return ids.IsUUID(s) }

// randomToken returns n random bytes in hex.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return strings.ToLower(fmt.Sprintf("%x", b))
}
