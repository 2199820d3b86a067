package errs

import (
	"testing"
	"time"
)

func TestItemPlacesTheFieldUnderTheListItem(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{InvalidField("name", "bad"), "products[2].name"},
		{E(Invalid, "bad"), "products[2]"},
		{Conflictf("productNumber", "taken"), "products[2].productNumber"},
		{Item("lines", 0, InvalidField("amount", "bad")), "products[2].lines[0].amount"},
	} {
		if got := As(Item("products", 2, tc.err)).Field; got != tc.want {
			t.Errorf("Item(%v) names %q, want %q", tc.err, got, tc.want)
		}
	}
	if err := Item("products", 2, ErrForbidden); err != ErrForbidden {
		t.Errorf("a forbidden error was moved onto an item: %v", err)
	}
	if Item("products", 2, nil) != nil {
		t.Error("nil became an error")
	}
}

func TestFieldMapNamesPathsForOneEdge(t *testing.T) {
	m := FieldMap{"period.end": "enddate", "merchant.name": "merchantName", "products": "", "lines": "receiptLines"}
	for path, want := range map[string]string{
		"":                          "",
		"period.end":                "enddate",
		"merchant.name":             "merchantName",
		"merchant.status":           "merchant.status",
		"products[3].name":          "[3].name",
		"products[3]":               "[3]",
		"blockedProducts[1].number": "blockedProducts[1].number",
		"lines[0].merchant.name":    "receiptLines[0].merchantName",
		"broken[":                   "broken[",
	} {
		if got := m.Name(path); got != want {
			t.Errorf("Name(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestRetryAfterSecondsOnRateLimitedAndUnavailable(t *testing.T) {
	for _, tc := range []struct {
		err  *Error
		want int
	}{
		{RateLimitedf(1500*time.Millisecond, "slow down"), 2},
		{RateLimitedf(0, "slow down"), 0},
		{E(Unavailable, "database is unavailable"), int(UnavailableRetryAfter / time.Second)},
		{&Error{Code: Unavailable, RetryAfter: 7 * time.Second}, 7},
		{E(Internal, "x"), 0},
		{&Error{Code: Invalid, RetryAfter: time.Second}, 0},
		{nil, 0},
	} {
		if got := tc.err.RetryAfterSeconds(); got != tc.want {
			t.Errorf("%v: RetryAfterSeconds() = %d, want %d", tc.err, got, tc.want)
		}
	}
}
