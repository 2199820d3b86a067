package loyalty

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func atp(s string) *time.Time { t := at(s); return &t }

// TestStatusHandComputed pins the status computation on an example worked
// out by hand (now = 2019-03-20 12:00 UTC):
//
//	add 100 (exp 03-01), add 50 (exp 04-14), add 120 (exp 04-15);
//	02-01 spend 40  -> from the 100 (expires first): 60 left;
//	add 30 (exp 05-20), add 25 (never);
//	03-05 spend 70  -> the 60 left of the 100 expired on 03-01 (expired 60);
//	                   50 from the 04-14 add, 20 from the 04-15 add (100 left);
//	03-10 add 40 locked until 03-25 (exp 04-30);
//	03-12 expire 10 -> from the 04-15 add (90 left).
//
// Available 90 + 30 + 25 = 145; locked 40; used 40 + 70 = 110; expired
// 60 + 10 = 70; earned 145 + 110 + 70 = 325. Expiring in April (the next
// calendar month): 90 (the locked 40 are not available). Breakdown:
// 2019-04-15: 90, 2019-05-20: 30. Transactions 2 for 100.00: average
// 50.00, level1 (20, 5%), next level2 (200, 10%), 100 to go.
func TestStatusHandComputed(t *testing.T) {
	levels := []*Level{
		{ID: "l0", Name: "level0", ConditionValue: d("0"), RewardPercent: d("0"), Active: true},
		{ID: "l1", Name: "level1", ConditionValue: d("20"), RewardPercent: d("5"), Active: true},
		{ID: "l2", Name: "level2", ConditionValue: d("200"), RewardPercent: d("10"), Active: true},
		{ID: "l3", Name: "level3", ConditionValue: d("500"), RewardPercent: d("15"), Active: false},
		{ID: "l4", Name: "level4", ConditionValue: d("1000"), RewardPercent: d("20"), Active: true},
	}
	c := &Customer{ID: "c", TransactionsCount: 2, TransactionsAmount: d("100.00")}
	tr := func(kind TransferKind, points, created string, exp, locked *time.Time) Transfer {
		return Transfer{Kind: kind, Points: d(points), CreatedAt: at(created), ExpiresAt: exp, LockedUntil: locked}
	}
	ledger := []Transfer{
		tr(TransferAdd, "100", "2019-01-01 10:00", atp("2019-03-01 00:00"), nil),
		tr(TransferAdd, "50", "2019-01-05 10:00", atp("2019-04-14 09:00"), nil),
		tr(TransferAdd, "120", "2019-01-10 10:00", atp("2019-04-15 09:00"), nil),
		tr(TransferSpend, "40", "2019-02-01 10:00", nil, nil),
		tr(TransferAdd, "30", "2019-02-10 10:00", atp("2019-05-20 09:00"), nil),
		tr(TransferAdd, "25", "2019-02-15 10:00", nil, nil),
		tr(TransferSpend, "70", "2019-03-05 10:00", nil, nil),
		tr(TransferAdd, "40", "2019-03-10 10:00", atp("2019-04-30 09:00"), atp("2019-03-25 00:00")),
		tr(TransferExpire, "10", "2019-03-12 10:00", nil, nil),
	}
	s := ComputeStatus(c, levels, ledger, at("2019-03-20 12:00"))
	for name, got := range map[string][2]decimal.Decimal{
		"points":                  {s.Points, d("145")},
		"lockedPoints":            {s.LockedPoints, d("40")},
		"usedPoints":              {s.UsedPoints, d("110")},
		"expiredPoints":           {s.ExpiredPoints, d("70")},
		"totalEarnedPoints":       {s.TotalEarnedPoints, d("325")},
		"pointsExpiringNextMonth": {s.PointsExpiringNextMonth, d("90")},
		"amountToNextLevel":       {s.TransactionsAmountToNextLevel, d("100")},
	} {
		if !got[0].Equal(got[1]) {
			t.Errorf("%s = %s, want %s", name, got[0], got[1])
		}
	}
	if len(s.PointsExpiringBreakdown) != 2 || !s.PointsExpiringBreakdown["2019-04-15"].Equal(d("90")) ||
		!s.PointsExpiringBreakdown["2019-05-20"].Equal(d("30")) {
		t.Errorf("breakdown = %v", s.PointsExpiringBreakdown)
	}
	if s.Level.Name != "level1" || s.Level.Percent() != "5.00%" || s.NextLevel.Name != "level2" || s.NextLevel.Percent() != "10.00%" {
		t.Errorf("levels = %v / %v", s.Level, s.NextLevel)
	}
	if got := c.AverageTransactionAmount().StringFixed(2); got != "50.00" {
		t.Errorf("average = %s", got)
	}

	// After the lock ends (03-25) the 40 are available and, expiring on
	// 04-30, count for April too.
	s = ComputeStatus(c, levels, ledger, at("2019-03-26 12:00"))
	if !s.Points.Equal(d("185")) || !s.LockedPoints.IsZero() || !s.PointsExpiringNextMonth.Equal(d("130")) {
		t.Errorf("after the lock: points %s locked %s next month %s", s.Points, s.LockedPoints, s.PointsExpiringNextMonth)
	}
	// In April the April points are this month's, not next month's.
	s = ComputeStatus(c, levels, ledger, at("2019-04-16 12:00"))
	if !s.PointsExpiringNextMonth.Equal(d("30")) || !s.ExpiredPoints.Equal(d("160")) {
		t.Errorf("in April: next month %s expired %s", s.PointsExpiringNextMonth, s.ExpiredPoints)
	}

	// A level assigned by hand wins; the next is the next active one.
	c.ManualLevelID = "l2"
	s = ComputeStatus(c, levels, ledger, at("2019-03-20 12:00"))
	if s.Level.Name != "level2" || s.NextLevel == nil || s.NextLevel.Name != "level4" || !s.TransactionsAmountToNextLevel.Equal(d("900")) {
		t.Errorf("manual level: %v next %v to go %s", s.Level, s.NextLevel, s.TransactionsAmountToNextLevel)
	}
	// A new customer without anything is at the lowest level.
	s = ComputeStatus(&Customer{}, levels, nil, at("2019-03-20 12:00"))
	if s.Level.Name != "level0" || !s.Points.IsZero() || s.NextLevel.Name != "level1" {
		t.Errorf("new customer: %v %v", s.Level, s.NextLevel)
	}
}
