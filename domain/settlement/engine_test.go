package settlement

import (
	"fmt"
	"go/build"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/merchant"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func pctShare(v string) merchant.Share {
	return merchant.Share{Value: dec(v), Type: merchant.SharePercentage}
}

func fixedShare(v string) merchant.Share {
	return merchant.Share{Value: dec(v), Type: merchant.ShareFixedAmount}
}

// The engine may import only the standard library, decimal, errs and
// merchant, so that it stays a pure function of its inputs; the rest of the
// package may add other domain packages, never an edge or a driver.
func TestImportsOnlyAllowed(t *testing.T) {
	isStd := func(imp string) bool {
		first, _, _ := strings.Cut(imp, "/")
		return !strings.Contains(first, ".") && first != "loyaltygraph"
	}
	engineAllowed := map[string]bool{
		"github.com/shopspring/decimal": true,
		"loyaltygraph/domain/errs":      true,
		"loyaltygraph/domain/merchant":  true,
	}
	fset := token.NewFileSet()
	for _, name := range []string{"engine.go", "doc.go"} {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			if !isStd(imp) && !engineAllowed[imp] {
				t.Errorf("%s imports %s", name, imp)
			}
		}
	}
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if !isStd(imp) && imp != "github.com/shopspring/decimal" && !strings.HasPrefix(imp, "loyaltygraph/domain/") {
			t.Errorf("domain/settlement imports %s", imp)
		}
	}
}

// shopspring's Round rounds half away from zero; for the non-negative
// amounts the engine settles that is half up, as DESIGN.md asks.
func TestDecimalRoundIsHalfAwayFromZero(t *testing.T) {
	for in, want := range map[string]string{
		"0.25125": "0.25", "0.00525": "0.01", "0.505": "0.51", "0.005": "0.01", "0.0049999": "0",
		"-0.505": "-0.51", "-0.00525": "-0.01", "2.675": "2.68",
	} {
		if got := dec(in).Round(2); !got.Equal(dec(want)) {
			t.Errorf("Round(%s, 2) = %s, want %s", in, got, want)
		}
	}
}

func TestPercentCents(t *testing.T) {
	cases := []struct {
		coef       uint64
		exp        int32
		hundredths uint64
		want       uint64
		ok         bool
	}{
		{1005, -2, 250, 25, true},                   // 10.05 × 2.5% = 0.25125 → 0.25
		{21, -2, 250, 1, true},                      // 0.21 × 2.5% = 0.00525 → 0.01
		{101, -2, 5000, 51, true},                   // 1.01 × 50% = 0.505 → 0.51
		{100050, -4, 10000, 1001, true},             // 10.0050 × 100% = 10.005 → 10.01
		{5, 3, 250, 12500, true},                    // 5E3 × 2.5% = 125.00
		{7, 0, 1, 0, true},                          // 7 × 0.01% = 0.0007 → 0.00
		{0, -2, 10000, 0, true},                     // 0 × 100%
		{1, 20, 100, 0, false},                      // 1E20 × 1% = 1E18 = 10^20 cents: above 2^63
		{1 << 62, 0, 10000, 0, false},               // result above 2^63
		{999_999_999_999_999_999, -30, 1, 0, false}, // too many places to drop
	}
	for _, c := range cases {
		got, ok := percentCents(c.coef, c.exp, c.hundredths)
		if got != c.want || ok != c.ok {
			t.Errorf("percentCents(%d, %d, %d) = %d, %v; want %d, %v", c.coef, c.exp, c.hundredths, got, ok, c.want, c.ok)
		}
	}
}

// The integer fast path and the exact decimal path agree on every amount and
// percentage, including ties, many decimals and huge amounts.
func TestFastPathMatchesDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200_000; i++ {
		var amount decimal.Decimal
		switch rng.IntN(4) {
		case 0: // cents, as most amounts are
			amount = decimal.New(rng.Int64N(10_000_000), -2)
		case 1: // any exponent
			amount = decimal.New(rng.Int64N(1_000_000_000), int32(rng.IntN(12)-9))
		case 2: // ties: an odd number of half cents
			amount = decimal.New(rng.Int64N(100_000)*10+5, -3)
		default: // beyond int64
			amount = dec(fmt.Sprintf("%d%018d.%02d", rng.Int64N(1000)+1, rng.Int64N(1e18), rng.IntN(100)))
		}
		pct := decimal.New(rng.Int64N(10_001), -2)
		if rng.IntN(10) == 0 {
			pct = decimal.New(rng.Int64N(101), 0)
		}
		s, ok := compileShare(merchant.Share{Value: pct, Type: merchant.SharePercentage})
		if !ok || !s.fast {
			t.Fatalf("compileShare(%s) = %+v, %v", pct, s, ok)
		}
		got := s.of(splitAmount(amount))
		want := percentSlow(amount, pct)
		if !got.Equal(want) {
			t.Fatalf("%s × %s%%: fast %s, decimal %s", amount, pct, got, want)
		}
	}
}

func TestCompileShare(t *testing.T) {
	for _, c := range []struct {
		share      merchant.Share
		ok, fast   bool
		hundredths uint64
	}{
		{pctShare("2.5"), true, true, 250},
		{pctShare("2.500"), true, true, 250},
		{pctShare("100"), true, true, 10000},
		{pctShare("0"), true, true, 0},
		{pctShare("2.125"), true, false, 0}, // more than 2 decimals: exact decimal path
		{fixedShare("5"), true, false, 0},
		{pctShare("-1"), false, false, 0},
		{fixedShare("-0.01"), false, false, 0},
		{merchant.Share{Value: dec("1"), Type: merchant.ShareDerived}, false, false, 0},
		{merchant.Share{Value: dec("1")}, true, true, 100}, // the API's default type, percentage
		{merchant.Share{Value: dec("1"), Type: "percent"}, false, false, 0},
	} {
		s, ok := compileShare(c.share)
		if ok != c.ok || s.fast != c.fast || s.hundredths != c.hundredths {
			t.Errorf("compileShare(%v %s) = %+v, %v", c.share.Type, c.share.Value, s, ok)
		}
	}
	// A percentage with more than 2 decimals is still exact.
	s, _ := compileShare(pctShare("2.125"))
	if got := s.of(splitAmount(dec("100.20"))); !got.Equal(dec("2.13")) { // 100.20 × 2.125% = 2.129250
		t.Errorf("100.20 × 2.125%% = %s, want 2.13", got)
	}
}

func TestSmallCentsTable(t *testing.T) {
	for _, c := range []uint64{0, 1, 99, 1234, smallCentsLen - 1, smallCentsLen, 1 << 40} {
		if got, want := centsDecimal(c), decimal.New(int64(c), -2); !got.Equal(want) || got.Exponent() != -2 {
			t.Errorf("centsDecimal(%d) = %s (exp %d), want %s", c, got, got.Exponent(), want)
		}
	}
	// A result from the shared table can be used in arithmetic without
	// changing the table.
	a := centsDecimal(250)
	_ = a.Add(dec("1")).Mul(dec("3")).Neg()
	if !centsDecimal(250).Equal(dec("2.5")) {
		t.Fatal("shared table entry changed")
	}
}

func TestEnumsValid(t *testing.T) {
	if !SourceTransaction.Valid() || !SourceReceipt.Valid() || Source("").Valid() || Source("pos").Valid() {
		t.Error("Source.Valid")
	}
	if !SideEither.Valid() || !SideUser.Valid() || !SideProvider.Valid() || ShareSide("both").Valid() {
		t.Error("ShareSide.Valid")
	}
	for _, r := range []Reason{ReasonNoMatch, ReasonZeroShareCompany, ReasonReceiptStore, ReasonTransactionStore,
		ReasonNoStore, ReasonBlockedProduct, ReasonUnknownProduct, ReasonNoCategory, ReasonBothDerived,
		ReasonNoDerivedUserShare, ReasonNoDerivedProviderShare, ReasonInvalidRule, ReasonNegativeAmount} {
		if !r.Valid() {
			t.Errorf("%q not valid", r)
		}
	}
	if Reason("").Valid() || Reason("because").Valid() {
		t.Error("Reason.Valid accepts unknown reasons")
	}
}

func TestCampaignActiveAt(t *testing.T) {
	start := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	c := CampaignRule{Start: start, End: start.Add(time.Hour)}
	for at, want := range map[time.Time]bool{
		start.Add(-time.Nanosecond): false,
		start:                       true,
		start.In(time.FixedZone("CEST", 2*60*60)):   true,
		start.Add(time.Hour - time.Nanosecond):      true,
		start.Add(time.Hour):                        false,
		time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC): false,
	} {
		if got := c.ActiveAt(at); got != want {
			t.Errorf("ActiveAt(%s) = %v, want %v", at, got, want)
		}
	}
	if (CampaignRule{Start: start, End: start}).ActiveAt(start) {
		t.Error("an empty period is active")
	}
}

// An Index is a snapshot: changing the Rules afterwards does not change it.
func TestIndexIsSnapshot(t *testing.T) {
	r := &Rules{
		MerchantID: "m",
		Stores:     []StoreRule{{StoreID: "s", StoreNumber: "1", User: pctShare("10"), Provider: pctShare("1"), Source: SourceTransaction}},
		Blocked:    map[string]bool{},
	}
	x := r.Index()
	r.Stores[0].User = pctShare("50")
	r.Stores[0].StoreNumber = "2"
	r.Blocked["p"] = true
	got := x.SettleTransaction(Transaction{Amount: dec("100"), StoreNumber: "1"})
	if !got.Matched || !got.UserShare.Equal(dec("10")) {
		t.Fatalf("got %+v", got)
	}
}

// An Index is safe for concurrent use (run with -race).
func TestIndexConcurrentUse(t *testing.T) {
	x := benchRules().Index()
	txs := benchTransactions(256, false)
	want := make([]Result, len(txs))
	for i, tx := range txs {
		want[i] = x.SettleTransaction(tx)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, tx := range txs {
				// %v prints decimals by value.
				if got := x.SettleTransaction(tx); fmt.Sprintf("%v", got) != fmt.Sprintf("%v", want[i]) {
					t.Errorf("transaction %d: %+v, want %+v", i, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// benchRules is a merchant with 10 stores, 5 companies, 5 campaigns and
// derived shares.
func benchRules() *Rules {
	r := &Rules{MerchantID: "bench"}
	for i := range 10 {
		s := StoreRule{
			StoreID: fmt.Sprintf("store-%02d", i), StoreNumber: fmt.Sprint(39898630 + i),
			User: pctShare("7.5"), Provider: pctShare("2.5"), Source: SourceTransaction,
		}
		switch i % 4 {
		case 1:
			s.User = merchant.Share{Type: merchant.ShareDerived}
		case 2:
			s.Provider = merchant.Share{Type: merchant.ShareDerived}
		case 3:
			s.User = fixedShare("5")
		}
		r.Stores = append(r.Stores, s)
	}
	for i := range 5 {
		r.Companies = append(r.Companies, CompanyRule{
			CompanyID: fmt.Sprintf("company-%d", i), RegistrationNumber: fmt.Sprint(25313763 + i),
			User: pctShare("1.5"), Provider: pctShare("0.5"),
		})
	}
	base := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		c := CampaignRule{
			CampaignID: fmt.Sprintf("campaign-%d", i), Start: base.AddDate(0, 0, i), End: base.AddDate(0, 1, i),
			User: pctShare("10"), Provider: pctShare("3"),
		}
		if i%2 == 0 {
			c.StoreNumber = fmt.Sprint(39898630 + i)
		}
		r.Campaigns = append(r.Campaigns, c)
	}
	for _, v := range []string{"2.5", "7.5", "1.5", "0.5"} {
		r.Derived = append(r.Derived,
			DerivedShare{DerivedShareID: "u" + v, For: SideUser, Match: dec(v), Share: pctShare("0.5")},
			DerivedShare{DerivedShareID: "p" + v, For: SideProvider, Match: dec(v), Share: fixedShare("1")},
		)
	}
	return r
}

// benchTransactions mixes store matches, company matches, misses, campaign
// periods and amounts from 1.00 to 899.99 (shares below 100.00), or amounts
// from 20,000.00 whose shares are not in the shared table.
func benchTransactions(n int, large bool) []Transaction {
	rng := rand.New(rand.NewPCG(7, 7))
	base := time.Date(2024, 5, 20, 0, 0, 0, 0, time.UTC)
	out := make([]Transaction, n)
	for i := range out {
		cents := 100 + rng.Int64N(89_900) // 1.00 to 899.99: shares up to 89.99
		if large {
			cents = 2_000_000 + rng.Int64N(10_000_000)
		}
		t := Transaction{
			TransactionID: fmt.Sprint(i), Amount: decimal.New(cents, -2), Currency: "DKK",
			At: base.Add(time.Duration(rng.Int64N(int64(60 * 24 * time.Hour)))),
		}
		switch rng.IntN(10) {
		case 0, 1, 2, 3, 4, 5:
			t.StoreNumber = fmt.Sprint(39898630 + rng.IntN(10))
		case 6, 7, 8:
			t.StoreNumber = fmt.Sprint(11111110 + rng.IntN(10))
			t.CompanyRegistrationNumber = fmt.Sprint(25313763 + rng.IntN(5))
		default:
			t.CompanyRegistrationNumber = "99999999"
		}
		out[i] = t
	}
	return out
}

func TestSettleTransactionDoesNotAllocate(t *testing.T) {
	x := benchRules().Index()
	txs := benchTransactions(1024, false)
	for _, tx := range txs {
		x.SettleTransaction(tx) // build the shared table first
	}
	// AllocsPerRun rounds down, so count over all the transactions at once.
	allocs := testing.AllocsPerRun(20, func() {
		for _, tx := range txs {
			x.SettleTransaction(tx)
		}
	})
	if allocs != 0 {
		t.Errorf("settling %d transactions allocates %.0f times, want 0", len(txs), allocs)
	}
}

func BenchmarkSettleTransaction(b *testing.B) {
	x := benchRules().Index()
	run := func(txs []Transaction) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				x.SettleTransaction(txs[i&1023])
				i++
			}
		}
	}
	b.Run("typical", run(benchTransactions(1024, false)))
	b.Run("shares-above-100", run(benchTransactions(1024, true)))
	b.Run("parallel", func(b *testing.B) {
		txs := benchTransactions(1024, false)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				x.SettleTransaction(txs[i&1023])
				i++
			}
		})
	})
	b.Run("without-index", func(b *testing.B) {
		r, txs := benchRules(), benchTransactions(1024, false)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			SettleTransaction(r, txs[i&1023])
			i++
		}
	})
}

func BenchmarkIndex(b *testing.B) {
	r := benchRules()
	b.ReportAllocs()
	for b.Loop() {
		r.Index()
	}
}

func BenchmarkSettleReceipt(b *testing.B) {
	r := benchRules()
	r.Stores = append(r.Stores, StoreRule{StoreID: "receipts", StoreNumber: "500", Source: SourceReceipt,
		User: pctShare("1"), Provider: pctShare("1")})
	r.Categories = []CategoryRule{
		{CategoryID: "dairy", User: pctShare("2"), Provider: pctShare("1")},
		{CategoryID: "magazines", User: pctShare("7.5"), Provider: pctShare("2.5")},
	}
	for i := range 100 {
		r.Products = append(r.Products, ProductRule{ProductNumber: fmt.Sprint(1000 + i), CategoryID: []string{"dairy", "magazines"}[i%2]})
	}
	r.Blocked = map[string]bool{"1007": true}
	x := r.Index()
	rc := Receipt{StoreNumber: "500", At: time.Date(2024, 6, 10, 0, 0, 0, 0, time.UTC), Currency: "DKK"}
	for i := range 10 {
		rc.Lines = append(rc.Lines, Line{ProductNumber: fmt.Sprint(1000 + i), Amount: decimal.New(int64(1000+137*i), -2)})
	}
	b.ReportAllocs()
	for b.Loop() {
		x.SettleReceipt(rc)
	}
}
