package settlement_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/settlement"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func pct(v string) merchant.Share { return merchant.Share{Value: d(v), Type: merchant.SharePercentage} }

func fixed(v string) merchant.Share {
	return merchant.Share{Value: d(v), Type: merchant.ShareFixedAmount}
}

// derived is a derived share; its value is never read.
func derived() merchant.Share { return merchant.Share{Value: d("0"), Type: merchant.ShareDerived} }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

const (
	pctType   = merchant.SharePercentage
	fixedType = merchant.ShareFixedAmount
)

// goldenRules is one merchant with every kind of rule. The merchant-wide
// campaign runs through June 2024; dates in May 2024 see the base shares
// (except for receipt lines, which have May campaigns of their own).
func goldenRules() *settlement.Rules {
	return &settlement.Rules{
		MerchantID: "m-golden",
		Stores: []settlement.StoreRule{
			{StoreID: "st-1001", StoreNumber: "1001", User: pct("7.5"), Provider: pct("2.5"), Source: settlement.SourceTransaction},
			{StoreID: "st-1002", StoreNumber: "1002", User: fixed("5"), Provider: pct("1"), Source: settlement.SourceTransaction},
			{StoreID: "st-1003", StoreNumber: "1003", User: derived(), Provider: pct("2.5"), Source: settlement.SourceTransaction},
			{StoreID: "st-1004", StoreNumber: "1004", User: pct("3"), Provider: derived(), Source: settlement.SourceTransaction},
			{StoreID: "st-1005", StoreNumber: "1005", User: derived(), Provider: pct("4"), Source: settlement.SourceTransaction},
			{StoreID: "st-1006", StoreNumber: "1006", User: pct("0"), Provider: pct("100"), Source: settlement.SourceTransaction},
			{StoreID: "st-1007", StoreNumber: "1007", User: derived(), Provider: derived(), Source: settlement.SourceTransaction},
			{StoreID: "st-1008", StoreNumber: "1008", User: pct("2.5"), Provider: pct("50"), Source: settlement.SourceTransaction},
			{StoreID: "st-1009", StoreNumber: "1009", User: pct("2.5"), Provider: derived(), Source: settlement.SourceTransaction},
			{StoreID: "st-1010", StoreNumber: "1010", User: merchant.Share{Value: d("5")}, Provider: merchant.Share{Value: d("1"), Type: "percent"}},
			{StoreID: "st-1011", StoreNumber: "1011", User: merchant.Share{Value: d("5")}, Provider: pct("1")},
			{StoreID: "st-1012", StoreNumber: "1012", User: pct("5"), Provider: pct("1"), Source: "pos"},
			{StoreID: "st-2001", StoreNumber: "2001", User: pct("1"), Provider: pct("1"), Source: settlement.SourceReceipt},
			{StoreID: "st-2002", StoreNumber: "2002", User: pct("1"), Provider: pct("1"), Source: settlement.SourceReceipt},
		},
		Companies: []settlement.CompanyRule{
			{CompanyID: "co-111", RegistrationNumber: "DK111", User: pct("1"), Provider: pct("0.5")},
			{CompanyID: "co-222", RegistrationNumber: "DK222", User: pct("0"), Provider: fixed("0.00")},
			{CompanyID: "co-333", RegistrationNumber: "DK333", User: pct("0"), Provider: pct("1")},
		},
		Campaigns: []settlement.CampaignRule{
			{CampaignID: "cmp-wide-june", Start: at("2024-06-01T00:00:00Z"), End: at("2024-07-01T00:00:00Z"), User: pct("10"), Provider: pct("3")},
			{CampaignID: "cmp-1001-a", StoreNumber: "1001", Start: at("2024-06-10T00:00:00Z"), End: at("2024-06-20T00:00:00Z"), User: pct("12"), Provider: pct("2")},
			{CampaignID: "cmp-1001-b", StoreNumber: "1001", Start: at("2024-06-15T00:00:00Z"), End: at("2024-06-20T00:00:00Z"), User: pct("15"), Provider: pct("2")},
			{CampaignID: "cmp-1002-y", StoreNumber: "1002", Start: at("2024-08-01T00:00:00Z"), End: at("2024-08-03T00:00:00Z"), User: pct("8"), Provider: pct("1")},
			{CampaignID: "cmp-1002-x", StoreNumber: "1002", Start: at("2024-08-01T00:00:00Z"), End: at("2024-08-02T00:00:00Z"), User: pct("6"), Provider: pct("1")},
			{CampaignID: "cmp-cheese", ProductNumber: "2000", Start: at("2024-05-01T00:00:00Z"), End: at("2024-06-01T00:00:00Z"), User: pct("20"), Provider: pct("5")},
			{CampaignID: "cmp-dairy", CategoryID: "cat-dairy", Start: at("2024-05-01T00:00:00Z"), End: at("2024-06-01T00:00:00Z"), User: pct("4"), Provider: pct("1")},
			{CampaignID: "cmp-2002", StoreNumber: "2002", Start: at("2024-05-01T00:00:00Z"), End: at("2024-06-01T00:00:00Z"), User: pct("3"), Provider: pct("3")},
		},
		Derived: []settlement.DerivedShare{
			{DerivedShareID: "ds-any-25", For: settlement.SideEither, Match: d("2.50"), Share: pct("9")},
			{DerivedShareID: "ds-u-25", For: settlement.SideUser, Match: d("2.5"), Share: pct("0.5")},
			{DerivedShareID: "ds-p-3", For: settlement.SideProvider, Match: d("3"), Share: fixed("1.00")},
		},
		Categories: []settlement.CategoryRule{
			{CategoryID: "cat-dairy", Name: "Dairy", User: pct("2"), Provider: pct("1")},
			{CategoryID: "cat-mag", Name: "Magazines", User: pct("7.5"), Provider: pct("2.5")},
			{CategoryID: "cat-mag-2001", Name: "Magazines at 2001", StoreNumber: "2001", User: pct("10"), Provider: pct("0")},
			{CategoryID: "cat-local", Name: "Local goods", StoreNumber: "3001", User: pct("5"), Provider: pct("5")},
		},
		Products: []settlement.ProductRule{
			{ProductNumber: "1000", CategoryID: "cat-dairy"},    // milk
			{ProductNumber: "2000", CategoryID: "cat-dairy"},    // cheese
			{ProductNumber: "3000", CategoryID: "cat-mag"},      // magazine
			{ProductNumber: "3000", CategoryID: "cat-mag-2001"}, // the same magazine at store 2001
			{ProductNumber: "4000", CategoryID: "cat-dairy"},    // beer, blocked
			{ProductNumber: "5000", CategoryID: "cat-local"},    // sold only at store 3001
		},
		Blocked: map[string]bool{"4000": true},
	}
}

// want is the expected settlement; shares are compared by value.
type want struct {
	matched            bool
	reason             settlement.Reason
	store, company     string
	campaign, category string
	user, provider     string
	userType, provType merchant.ShareType
}

func checkResult(t *testing.T, name string, got settlement.Result, w want, amount decimal.Decimal, currency string) {
	t.Helper()
	if got.Matched != w.matched || got.Reason != w.reason {
		t.Errorf("%s: matched %v reason %q, want %v %q", name, got.Matched, got.Reason, w.matched, w.reason)
	}
	if got.StoreID != w.store || got.CompanyID != w.company || got.CampaignID != w.campaign || got.CategoryID != w.category {
		t.Errorf("%s: store %q company %q campaign %q category %q, want %q %q %q %q", name,
			got.StoreID, got.CompanyID, got.CampaignID, got.CategoryID, w.store, w.company, w.campaign, w.category)
	}
	wantUser, wantProvider := decimal.Zero, decimal.Zero
	if w.matched {
		wantUser, wantProvider = d(w.user), d(w.provider)
	}
	if !got.UserShare.Equal(wantUser) || !got.ProviderShare.Equal(wantProvider) {
		t.Errorf("%s: shares %s / %s, want %s / %s", name, got.UserShare, got.ProviderShare, wantUser, wantProvider)
	}
	if got.UserShareType != w.userType || got.ProviderShareType != w.provType {
		t.Errorf("%s: types %q / %q, want %q / %q", name, got.UserShareType, got.ProviderShareType, w.userType, w.provType)
	}
	if got.MerchantID != "m-golden" || !got.Amount.Equal(amount) || got.Currency != currency {
		t.Errorf("%s: merchant %q amount %s currency %q do not pass through", name, got.MerchantID, got.Amount, got.Currency)
	}
}

func TestGoldenTransactions(t *testing.T) {
	const may = "2024-05-15T12:00:00Z"
	cases := []struct {
		name               string
		store, reg, amount string
		at                 string
		currency           string
		want               want
	}{
		// Store, company, no match.
		{"store wins over company", "1001", "DK111", "100.00", may, "",
			// 100.00 × 7.5 / 100 = 7.50; 100.00 × 2.5 / 100 = 2.50
			want{matched: true, store: "st-1001", user: "7.50", provider: "2.50", userType: pctType, provType: pctType}},
		{"company when the store number is unknown", "9999", "DK111", "199.99", may, "",
			// 199.99 × 1 / 100 = 1.9999 → 2.00; 199.99 × 0.5 / 100 = 0.99995 → 1.00
			want{matched: true, company: "co-111", user: "2.00", provider: "1.00", userType: pctType, provType: pctType}},
		{"company without a store number", "", "DK111", "50", may, "",
			// 50 × 1 / 100 = 0.50; 50 × 0.5 / 100 = 0.25
			want{matched: true, company: "co-111", user: "0.50", provider: "0.25", userType: pctType, provType: pctType}},
		{"zero-share company does not match", "9999", "DK222", "100.00", may, "",
			want{reason: settlement.ReasonZeroShareCompany, company: "co-222"}},
		{"zero-share company matches through a store", "1001", "DK222", "100.00", may, "",
			// the store's shares: 7.50 / 2.50
			want{matched: true, store: "st-1001", user: "7.50", provider: "2.50", userType: pctType, provType: pctType}},
		{"zero-share company does not match in a campaign either", "9999", "DK222", "100.00", "2024-06-12T00:00:00Z", "",
			want{reason: settlement.ReasonZeroShareCompany, company: "co-222"}},
		{"company with one zero share matches", "9999", "DK333", "100.00", may, "",
			// 100.00 × 0 / 100 = 0.00; 100.00 × 1 / 100 = 1.00
			want{matched: true, company: "co-333", user: "0", provider: "1.00", userType: pctType, provType: pctType}},
		{"no matching store or company", "9999", "DK999", "100.00", may, "",
			want{reason: settlement.ReasonNoMatch}},
		{"empty numbers never match", "", "", "100.00", may, "",
			want{reason: settlement.ReasonNoMatch}},
		{"receipt-sourced store does not settle transactions nor fall through to the company", "2001", "DK111", "100.00", may, "",
			want{reason: settlement.ReasonReceiptStore, store: "st-2001"}},

		// Campaign periods: start ≤ t < end.
		{"campaign active at its exact start", "1002", "", "80.00", "2024-06-01T00:00:00Z", "",
			// cmp-wide-june: 80.00 × 10 / 100 = 8.00; 80.00 × 3 / 100 = 2.40
			want{matched: true, store: "st-1002", campaign: "cmp-wide-june", user: "8.00", provider: "2.40", userType: pctType, provType: pctType}},
		{"campaign start is an instant, not a wall-clock time", "1002", "", "80.00", "2024-06-01T02:00:00+02:00", "",
			// the same instant as above: 8.00 / 2.40
			want{matched: true, store: "st-1002", campaign: "cmp-wide-june", user: "8.00", provider: "2.40", userType: pctType, provType: pctType}},
		{"one nanosecond before the start", "1002", "", "80.00", "2024-05-31T23:59:59.999999999Z", "",
			// the store's shares: fixed 5 as is; 80.00 × 1 / 100 = 0.80
			want{matched: true, store: "st-1002", user: "5", provider: "0.80", userType: fixedType, provType: pctType}},
		{"campaign active one nanosecond before its end", "1002", "", "80.00", "2024-06-30T23:59:59.999999999Z", "",
			want{matched: true, store: "st-1002", campaign: "cmp-wide-june", user: "8.00", provider: "2.40", userType: pctType, provType: pctType}},
		{"campaign inactive at its exact end", "1002", "", "80.00", "2024-07-01T00:00:00Z", "",
			// the store's shares: 5 / 0.80
			want{matched: true, store: "st-1002", user: "5", provider: "0.80", userType: fixedType, provType: pctType}},

		// Specificity and ties.
		{"store campaign beats merchant-wide campaign", "1001", "", "100.00", "2024-06-12T00:00:00Z", "",
			// cmp-1001-a: 100.00 × 12 / 100 = 12.00; × 2 / 100 = 2.00
			want{matched: true, store: "st-1001", campaign: "cmp-1001-a", user: "12.00", provider: "2.00", userType: pctType, provType: pctType}},
		{"latest start wins among store campaigns", "1001", "", "100.00", "2024-06-16T00:00:00Z", "",
			// cmp-1001-b (starts 15th) beats cmp-1001-a (10th): 100.00 × 15 / 100 = 15.00; 2.00
			want{matched: true, store: "st-1001", campaign: "cmp-1001-b", user: "15.00", provider: "2.00", userType: pctType, provType: pctType}},
		{"merchant-wide campaign after the store campaigns end", "1001", "", "100.00", "2024-06-25T00:00:00Z", "",
			// cmp-wide-june: 10.00 / 3.00
			want{matched: true, store: "st-1001", campaign: "cmp-wide-june", user: "10.00", provider: "3.00", userType: pctType, provType: pctType}},
		{"same start: smallest campaign id wins", "1002", "", "50.00", "2024-08-01T12:00:00Z", "",
			// cmp-1002-x < cmp-1002-y: 50.00 × 6 / 100 = 3.00; 50.00 × 1 / 100 = 0.50
			want{matched: true, store: "st-1002", campaign: "cmp-1002-x", user: "3.00", provider: "0.50", userType: pctType, provType: pctType}},
		{"merchant-wide campaign applies to a company match", "9999", "DK111", "100.00", "2024-06-12T00:00:00Z", "",
			// cmp-wide-june (cmp-1001-a is for store 1001 only): 10.00 / 3.00
			want{matched: true, company: "co-111", campaign: "cmp-wide-june", user: "10.00", provider: "3.00", userType: pctType, provType: pctType}},
		{"category and product campaigns never apply to transactions", "1001", "", "100.00", "2024-05-20T00:00:00Z", "",
			// cmp-dairy and cmp-cheese run in May, but only for receipt lines: 7.50 / 2.50
			want{matched: true, store: "st-1001", user: "7.50", provider: "2.50", userType: pctType, provType: pctType}},

		// Derived shares.
		{"user share derived from the provider share value", "1003", "", "200.00", may, "",
			// provider 2.5 → ds-u-25 (user side beats either side): 200.00 × 0.5 / 100 = 1.00; 200.00 × 2.5 / 100 = 5.00
			want{matched: true, store: "st-1003", user: "1.00", provider: "5.00", userType: pctType, provType: pctType}},
		{"provider share derived from the user share value", "1004", "", "200.00", may, "",
			// user 3 → ds-p-3, fixed 1.00: 200.00 × 3 / 100 = 6.00; 1.00 as is
			want{matched: true, store: "st-1004", user: "6.00", provider: "1.00", userType: pctType, provType: fixedType}},
		{"derived share for either side, matched by value 2.5 = 2.50", "1009", "", "100.00", may, "",
			// user 2.5 → no provider-side entry → ds-any-25 (9%): 100.00 × 2.5 / 100 = 2.50; 100.00 × 9 / 100 = 9.00
			want{matched: true, store: "st-1009", user: "2.50", provider: "9.00", userType: pctType, provType: pctType}},
		{"missing derived entry", "1005", "", "100.00", may, "",
			// provider 4 has no derived entry
			want{reason: settlement.ReasonNoDerivedUserShare, store: "st-1005"}},
		{"both shares derived", "1007", "", "100.00", may, "",
			want{reason: settlement.ReasonBothDerived, store: "st-1007"}},

		// The API's defaults and invalid rules.
		{"empty source and share type are the API defaults", "1011", "", "100.00", may, "",
			// source transaction; user share 5 read as percentage: 100.00 × 5 / 100 = 5.00; 1.00
			want{matched: true, store: "st-1011", user: "5.00", provider: "1.00", userType: pctType, provType: pctType}},
		{"unknown share type", "1010", "", "100.00", may, "",
			want{reason: settlement.ReasonInvalidRule, store: "st-1010"}},
		{"unknown store source", "1012", "DK111", "100.00", may, "",
			want{reason: settlement.ReasonInvalidRule, store: "st-1012"}},

		// Amounts and rounding.
		{"fixed amount taken as is", "1002", "", "33.33", may, "",
			// user fixed 5; 33.33 × 1 / 100 = 0.3333 → 0.33
			want{matched: true, store: "st-1002", user: "5", provider: "0.33", userType: fixedType, provType: pctType}},
		{"fixed amount of a zero amount", "1002", "", "0", may, "",
			// 5 as is; 0 × 1 / 100 = 0.00
			want{matched: true, store: "st-1002", user: "5", provider: "0", userType: fixedType, provType: pctType}},
		{"round down below the half cent", "1008", "", "10.05", may, "",
			// 10.05 × 2.5 / 100 = 0.25125 → 0.25; 10.05 × 50 / 100 = 5.025 → 5.03 (tie, half up)
			want{matched: true, store: "st-1008", user: "0.25", provider: "5.03", userType: pctType, provType: pctType}},
		{"round up above the half cent", "1008", "", "0.21", may, "",
			// 0.21 × 2.5 / 100 = 0.00525 → 0.01; 0.21 × 50 / 100 = 0.105 → 0.11 (tie, half up)
			want{matched: true, store: "st-1008", user: "0.01", provider: "0.11", userType: pctType, provType: pctType}},
		{"half cent ties round up", "1008", "", "1.01", may, "",
			// 1.01 × 2.5 / 100 = 0.02525 → 0.03; 1.01 × 50 / 100 = 0.505 → 0.51
			want{matched: true, store: "st-1008", user: "0.03", provider: "0.51", userType: pctType, provType: pctType}},
		{"0% and 100%", "1006", "", "123.45", may, "",
			// 123.45 × 0 / 100 = 0.00; 123.45 × 100 / 100 = 123.45
			want{matched: true, store: "st-1006", user: "0", provider: "123.45", userType: pctType, provType: pctType}},
		{"100% of an amount with 4 decimals rounds to cents", "1006", "", "10.0050", may, "",
			// 10.0050 × 100 / 100 = 10.005 → 10.01
			want{matched: true, store: "st-1006", user: "0", provider: "10.01", userType: pctType, provType: pctType}},
		{"amount beyond int64 is exact", "1001", "", "123456789012345678901.23", may, "",
			// × 7.5 / 100 = 9259259175925925917.59225 → ….59; × 2.5 / 100 = 3086419725308641972.53075 → ….53
			want{matched: true, store: "st-1001", user: "9259259175925925917.59", provider: "3086419725308641972.53", userType: pctType, provType: pctType}},
		{"refunds are not settled", "1001", "", "-100.00", may, "",
			want{reason: settlement.ReasonNegativeAmount, store: "st-1001"}},
		{"currency passes through", "1001", "", "40.00", may, "EUR",
			// 40.00 × 7.5 / 100 = 3.00; 40.00 × 2.5 / 100 = 1.00
			want{matched: true, store: "st-1001", user: "3.00", provider: "1.00", userType: pctType, provType: pctType}},
	}
	if len(cases) < 24 {
		t.Fatalf("only %d golden cases", len(cases))
	}
	x := goldenRules().Index()
	for _, c := range cases {
		currency := c.currency
		if currency == "" {
			currency = "DKK"
		}
		tx := settlement.Transaction{
			TransactionID: c.name, Amount: d(c.amount), Currency: currency, At: at(c.at),
			StoreNumber: c.store, CompanyRegistrationNumber: c.reg,
		}
		checkResult(t, c.name, x.SettleTransaction(tx), c.want, tx.Amount, currency)
		// The shorthand builds its own Index and agrees.
		checkResult(t, c.name+" (SettleTransaction)", settlement.SettleTransaction(goldenRules(), tx), c.want, tx.Amount, currency)
	}
}

func TestGoldenReceipts(t *testing.T) {
	type line struct {
		product, amount string
		want            want
	}
	cases := []struct {
		name  string
		store string
		at    string
		lines []line
	}{
		{"receipt store in May: category, product and store-specific category", "2001", "2024-05-15T12:00:00Z", []line{
			{"1000", "100.00",
				// milk, cat-dairy; cmp-dairy (category campaign) overrides: 100.00 × 4 / 100 = 4.00; × 1 / 100 = 1.00
				want{matched: true, store: "st-2001", category: "cat-dairy", campaign: "cmp-dairy", user: "4.00", provider: "1.00", userType: pctType, provType: pctType}},
			{"2000", "50.00",
				// cheese: product campaign cmp-cheese beats category campaign: 50.00 × 20 / 100 = 10.00; × 5 / 100 = 2.50
				want{matched: true, store: "st-2001", category: "cat-dairy", campaign: "cmp-cheese", user: "10.00", provider: "2.50", userType: pctType, provType: pctType}},
			{"3000", "20.00",
				// magazine: store-specific cat-mag-2001 beats cat-mag: 20.00 × 10 / 100 = 2.00; × 0 = 0.00
				want{matched: true, store: "st-2001", category: "cat-mag-2001", user: "2.00", provider: "0", userType: pctType, provType: pctType}},
			{"4000", "30.00", want{reason: settlement.ReasonBlockedProduct, store: "st-2001"}},
			{"9999", "10.00", want{reason: settlement.ReasonUnknownProduct, store: "st-2001"}},
			{"5000", "10.00", want{reason: settlement.ReasonNoCategory, store: "st-2001"}}, // cat-local is for store 3001
			{"1000", "-5.00", want{reason: settlement.ReasonNegativeAmount, store: "st-2001", category: "cat-dairy", campaign: "cmp-dairy"}},
		}},
		{"store campaign for lines without a more specific campaign", "2002", "2024-05-15T12:00:00Z", []line{
			{"3000", "20.00",
				// cat-mag (merchant-wide); cmp-2002 overrides: 20.00 × 3 / 100 = 0.60; 0.60
				want{matched: true, store: "st-2002", category: "cat-mag", campaign: "cmp-2002", user: "0.60", provider: "0.60", userType: pctType, provType: pctType}},
			{"1000", "100.00",
				// category campaign beats store campaign: 4.00 / 1.00
				want{matched: true, store: "st-2002", category: "cat-dairy", campaign: "cmp-dairy", user: "4.00", provider: "1.00", userType: pctType, provType: pctType}},
		}},
		{"merchant-wide campaign covers receipt lines", "2001", "2024-06-15T12:00:00Z", []line{
			{"1000", "100.00",
				// cmp-wide-june: 100.00 × 10 / 100 = 10.00; × 3 / 100 = 3.00
				want{matched: true, store: "st-2001", category: "cat-dairy", campaign: "cmp-wide-june", user: "10.00", provider: "3.00", userType: pctType, provType: pctType}},
		}},
		{"category shares without campaigns", "2001", "2024-07-15T12:00:00Z", []line{
			{"1000", "100.00",
				// cat-dairy: 100.00 × 2 / 100 = 2.00; × 1 / 100 = 1.00
				want{matched: true, store: "st-2001", category: "cat-dairy", user: "2.00", provider: "1.00", userType: pctType, provType: pctType}},
			{"2000", "10.05",
				// cat-dairy: 10.05 × 2 / 100 = 0.201 → 0.20; 10.05 × 1 / 100 = 0.1005 → 0.10
				want{matched: true, store: "st-2001", category: "cat-dairy", user: "0.20", provider: "0.10", userType: pctType, provType: pctType}},
		}},
		{"transaction-sourced store does not settle receipts", "1001", "2024-05-15T12:00:00Z", []line{
			{"1000", "100.00", want{reason: settlement.ReasonTransactionStore, store: "st-1001"}},
			{"4000", "30.00", want{reason: settlement.ReasonBlockedProduct, store: "st-1001"}},
		}},
		{"unknown store", "9999", "2024-05-15T12:00:00Z", []line{
			{"1000", "100.00", want{reason: settlement.ReasonNoStore}},
			{"4000", "30.00", want{reason: settlement.ReasonBlockedProduct}},
		}},
	}
	x := goldenRules().Index()
	for _, c := range cases {
		rc := settlement.Receipt{StoreNumber: c.store, At: at(c.at), Currency: "DKK"}
		for _, l := range c.lines {
			rc.Lines = append(rc.Lines, settlement.Line{ProductNumber: l.product, Amount: d(l.amount)})
		}
		for _, got := range [][]settlement.LineResult{x.SettleReceipt(rc), settlement.SettleReceipt(goldenRules(), rc)} {
			if len(got) != len(rc.Lines) {
				t.Fatalf("%s: %d results for %d lines", c.name, len(got), len(rc.Lines))
			}
			for i, l := range c.lines {
				if got[i].Line.ProductNumber != l.product || !got[i].Line.Amount.Equal(d(l.amount)) {
					t.Errorf("%s line %d: result for line %+v", c.name, i, got[i].Line)
				}
				checkResult(t, c.name+" line "+l.product, got[i].Result, l.want, d(l.amount), "DKK")
			}
		}
	}
}
