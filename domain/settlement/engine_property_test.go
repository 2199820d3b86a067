package settlement_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/settlement"
)

// The property tests draw random merchants from small pools of numbers, so
// that store numbers, campaign starts and derived values collide often.

var (
	propBase     = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	storePool    = []string{"S0", "S1", "S2", "S3", "S4", "S5"}
	regPool      = []string{"R0", "R1", "R2", "R3"}
	productPool  = []string{"P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7"}
	categoryPool = []string{"C0", "C1", "C2", "C3"}
	valuePool    = []string{"0", "0.5", "1", "2.5", "2.50", "3", "7.5", "10", "50", "100"}
)

func pick[T any](rng *rand.Rand, pool []T) T { return pool[rng.IntN(len(pool))] }

// maybe returns one of pool, or "" one time in three.
func maybe(rng *rand.Rand, pool []string) string {
	if rng.IntN(3) == 0 {
		return ""
	}
	return pick(rng, pool)
}

// randValue is a share value from 0 to 100 with at most 2 decimals.
func randValue(rng *rand.Rand) decimal.Decimal {
	if rng.IntN(2) == 0 {
		return d(pick(rng, valuePool))
	}
	return decimal.New(rng.Int64N(10_001), -2)
}

func randShare(rng *rand.Rand, allowDerived bool) merchant.Share {
	s := merchant.Share{Value: randValue(rng), Type: merchant.SharePercentage}
	switch n := rng.IntN(100); {
	case n < 20:
		s.Type = merchant.ShareFixedAmount
	case n < 40 && allowDerived:
		s.Type = merchant.ShareDerived
	case n == 98: // not settled: the engine applies no API defaults
		s.Type = pick(rng, []merchant.ShareType{"", "percent"})
	case n == 99:
		s.Value = s.Value.Neg().Sub(d("0.01"))
	}
	return s
}

// randDay is a day in June 2024, from a few so that starts tie.
func randDay(rng *rand.Rand) time.Time { return propBase.AddDate(0, 0, rng.IntN(6)*3) }

func randRules(rng *rand.Rand) *settlement.Rules {
	r := &settlement.Rules{MerchantID: "m-prop", Blocked: map[string]bool{}}
	for i := range rng.IntN(8) {
		source := settlement.SourceTransaction
		switch rng.IntN(40) {
		case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12:
			source = settlement.SourceReceipt
		case 13:
			source = "" // the API's default, transaction
		case 14:
			source = "pos" // not settled
		}
		r.Stores = append(r.Stores, settlement.StoreRule{
			StoreID: fmt.Sprintf("st-%02d", i), StoreNumber: pick(rng, storePool), Source: source,
			User: randShare(rng, true), Provider: randShare(rng, true),
		})
	}
	for i := range rng.IntN(5) {
		c := settlement.CompanyRule{
			CompanyID: fmt.Sprintf("co-%02d", i), RegistrationNumber: pick(rng, regPool),
			User: randShare(rng, true), Provider: randShare(rng, true),
		}
		if rng.IntN(4) == 0 {
			c.User.Value, c.Provider.Value = decimal.Zero, d("0.00")
		}
		r.Companies = append(r.Companies, c)
	}
	for i := range rng.IntN(10) {
		start := randDay(rng)
		c := settlement.CampaignRule{
			CampaignID: fmt.Sprintf("cmp-%02d", i), Start: start, End: start.AddDate(0, 0, 1+rng.IntN(10)),
			StoreNumber: maybe(rng, storePool), User: randShare(rng, true), Provider: randShare(rng, true),
		}
		if rng.IntN(3) == 0 {
			c.CategoryID = pick(rng, categoryPool)
		}
		if rng.IntN(3) == 0 {
			c.ProductNumber = pick(rng, productPool)
		}
		r.Campaigns = append(r.Campaigns, c)
	}
	for i := range rng.IntN(8) {
		r.Derived = append(r.Derived, settlement.DerivedShare{
			DerivedShareID: fmt.Sprintf("ds-%02d", i),
			For:            pick(rng, []settlement.ShareSide{settlement.SideEither, settlement.SideUser, settlement.SideProvider}),
			Match:          d(pick(rng, valuePool)), Share: randShare(rng, false),
		})
	}
	for _, id := range categoryPool {
		if rng.IntN(4) != 0 {
			r.Categories = append(r.Categories, settlement.CategoryRule{
				CategoryID: id, Name: id, StoreNumber: maybe(rng, storePool),
				User: randShare(rng, true), Provider: randShare(rng, true),
			})
		}
	}
	for range rng.IntN(12) {
		r.Products = append(r.Products, settlement.ProductRule{ProductNumber: pick(rng, productPool), CategoryID: pick(rng, categoryPool)})
	}
	for _, p := range productPool {
		if rng.IntN(6) == 0 {
			r.Blocked[p] = true
		}
	}
	return r
}

// randAmount is mostly a non-negative amount in cents.
func randAmount(rng *rand.Rand) decimal.Decimal {
	switch rng.IntN(20) {
	case 0:
		return decimal.Zero
	case 1:
		return decimal.New(-rng.Int64N(100_000), -2)
	case 2:
		return decimal.New(rng.Int64N(1_000_000_000), -2) // up to 10,000,000.00
	}
	return decimal.New(rng.Int64N(200_000), -2)
}

// randTime is often a campaign boundary.
func randTime(rng *rand.Rand, r *settlement.Rules) time.Time {
	if len(r.Campaigns) > 0 && rng.IntN(3) == 0 {
		c := pick(rng, r.Campaigns)
		return pick(rng, []time.Time{c.Start, c.End, c.End.Add(-time.Nanosecond), c.Start.Add(-time.Nanosecond)})
	}
	return propBase.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
}

func randTransaction(rng *rand.Rand, r *settlement.Rules) settlement.Transaction {
	return settlement.Transaction{
		TransactionID: fmt.Sprint(rng.Uint64()), Amount: randAmount(rng), Currency: "DKK", At: randTime(rng, r),
		StoreNumber: maybe(rng, append(slices.Clone(storePool), "S-unknown")), CompanyRegistrationNumber: maybe(rng, append(slices.Clone(regPool), "R-unknown")),
	}
}

func randReceipt(rng *rand.Rand, r *settlement.Rules) settlement.Receipt {
	rc := settlement.Receipt{StoreNumber: pick(rng, storePool), At: randTime(rng, r), Currency: "DKK"}
	var receiptStores []string
	for _, s := range r.Stores {
		if s.Source == settlement.SourceReceipt {
			receiptStores = append(receiptStores, s.StoreNumber)
		}
	}
	if len(receiptStores) > 0 && rng.IntN(3) != 0 {
		rc.StoreNumber = pick(rng, receiptStores)
	}
	for range 1 + rng.IntN(6) {
		rc.Lines = append(rc.Lines, settlement.Line{ProductNumber: pick(rng, append(slices.Clone(productPool), "P-unknown")), Amount: randAmount(rng)})
	}
	return rc
}

func shuffled(rng *rand.Rand, r *settlement.Rules) *settlement.Rules {
	s := *r
	s.Stores, s.Companies, s.Campaigns = slices.Clone(r.Stores), slices.Clone(r.Companies), slices.Clone(r.Campaigns)
	s.Derived, s.Categories, s.Products = slices.Clone(r.Derived), slices.Clone(r.Categories), slices.Clone(r.Products)
	rng.Shuffle(len(s.Stores), func(i, j int) { s.Stores[i], s.Stores[j] = s.Stores[j], s.Stores[i] })
	rng.Shuffle(len(s.Companies), func(i, j int) { s.Companies[i], s.Companies[j] = s.Companies[j], s.Companies[i] })
	rng.Shuffle(len(s.Campaigns), func(i, j int) { s.Campaigns[i], s.Campaigns[j] = s.Campaigns[j], s.Campaigns[i] })
	rng.Shuffle(len(s.Derived), func(i, j int) { s.Derived[i], s.Derived[j] = s.Derived[j], s.Derived[i] })
	rng.Shuffle(len(s.Categories), func(i, j int) { s.Categories[i], s.Categories[j] = s.Categories[j], s.Categories[i] })
	rng.Shuffle(len(s.Products), func(i, j int) { s.Products[i], s.Products[j] = s.Products[j], s.Products[i] })
	return &s
}

// sameResult compares results by value (2.5 equals 2.50).
func sameResult(a, b settlement.Result) bool {
	return a.Matched == b.Matched && a.Reason == b.Reason && a.MerchantID == b.MerchantID &&
		a.StoreID == b.StoreID && a.CompanyID == b.CompanyID && a.CampaignID == b.CampaignID &&
		a.CategoryID == b.CategoryID && a.Amount.Equal(b.Amount) && a.Currency == b.Currency &&
		a.UserShare.Equal(b.UserShare) && a.ProviderShare.Equal(b.ProviderShare) &&
		a.UserShareType == b.UserShareType && a.ProviderShareType == b.ProviderShareType
}

// forEachSettlement settles random transactions and receipt lines against
// random merchants and calls check with each result.
func forEachSettlement(t *testing.T, seed uint64, merchants, perMerchant int,
	check func(r *settlement.Rules, x *settlement.Index, res settlement.Result, settleAgain func(*settlement.Index) settlement.Result)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x5e771e))
	for range merchants {
		r := randRules(rng)
		x := r.Index()
		for range perMerchant {
			tx := randTransaction(rng, r)
			check(r, x, x.SettleTransaction(tx), func(y *settlement.Index) settlement.Result { return y.SettleTransaction(tx) })
			rc := randReceipt(rng, r)
			for i, lr := range x.SettleReceipt(rc) {
				check(r, x, lr.Result, func(y *settlement.Index) settlement.Result { return y.SettleReceipt(rc)[i].Result })
			}
		}
	}
}

func TestPropertySharesNeverNegative(t *testing.T) {
	counts := map[bool]int{}
	forEachSettlement(t, 1, 400, 100, func(_ *settlement.Rules, _ *settlement.Index, res settlement.Result, _ func(*settlement.Index) settlement.Result) {
		counts[res.Matched]++
		if res.Matched != (res.Reason == "") || (!res.Matched && !res.Reason.Valid()) {
			t.Fatalf("matched %v with reason %q", res.Matched, res.Reason)
		}
		if res.UserShare.IsNegative() || res.ProviderShare.IsNegative() {
			t.Fatalf("negative share: %+v", res)
		}
		if res.Matched && res.Amount.IsNegative() {
			t.Fatalf("negative amount settled: %+v", res)
		}
		if !res.Matched && (!res.UserShare.IsZero() || !res.ProviderShare.IsZero() || res.UserShareType != "" || res.ProviderShareType != "") {
			t.Fatalf("unmatched result with shares: %+v", res)
		}
		if res.Matched && (!res.UserShareType.Valid() || res.UserShareType == merchant.ShareDerived ||
			!res.ProviderShareType.Valid() || res.ProviderShareType == merchant.ShareDerived) {
			t.Fatalf("effective share types %q / %q", res.UserShareType, res.ProviderShareType)
		}
	})
	// The generator must exercise both outcomes.
	if counts[true] < 1000 || counts[false] < 1000 {
		t.Fatalf("matched %d, unmatched %d: the generator is lopsided", counts[true], counts[false])
	}
}

func TestPropertyPercentageAtMostAmount(t *testing.T) {
	checked := 0
	forEachSettlement(t, 2, 400, 100, func(_ *settlement.Rules, _ *settlement.Index, res settlement.Result, _ func(*settlement.Index) settlement.Result) {
		if !res.Matched {
			return
		}
		// Percentages are at most 100 and amounts have at most 2 decimals.
		for _, s := range []struct {
			typ   merchant.ShareType
			share decimal.Decimal
		}{{res.UserShareType, res.UserShare}, {res.ProviderShareType, res.ProviderShare}} {
			if s.typ == merchant.SharePercentage {
				checked++
				if s.share.GreaterThan(res.Amount) {
					t.Fatalf("percentage share %s of %s", s.share, res.Amount)
				}
				if s.share.Exponent() < -2 {
					t.Fatalf("share %s has more than 2 decimals", s.share)
				}
			}
		}
	})
	if checked < 1000 {
		t.Fatalf("only %d percentage shares checked", checked)
	}
}

func TestPropertyDeterministic(t *testing.T) {
	forEachSettlement(t, 3, 200, 50, func(r *settlement.Rules, x *settlement.Index, res settlement.Result, again func(*settlement.Index) settlement.Result) {
		if second := again(x); !sameResult(res, second) {
			t.Fatalf("settled twice:\n%+v\n%+v", res, second)
		}
		if fresh := again(r.Index()); !sameResult(res, fresh) {
			t.Fatalf("a fresh Index settles differently:\n%+v\n%+v", res, fresh)
		}
	})
}

func TestPropertyIndependentOfRuleOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	forEachSettlement(t, 4, 300, 30, func(r *settlement.Rules, _ *settlement.Index, res settlement.Result, again func(*settlement.Index) settlement.Result) {
		for range 3 {
			if other := again(shuffled(rng, r).Index()); !sameResult(res, other) {
				t.Fatalf("shuffled rules settle differently:\n%+v\n%+v", res, other)
			}
		}
	})
}

// TestPropertyMatchesReference compares the Index with a naive reading of
// the rules: linear scans and decimal arithmetic, no maps, no fast path.
func TestPropertyMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for range 500 {
		r := randRules(rng)
		x := r.Index()
		for range 100 {
			tx := randTransaction(rng, r)
			if got, want := x.SettleTransaction(tx), referenceTransaction(r, tx); !sameResult(got, want) {
				t.Fatalf("transaction %+v\nrules %+v\nindex     %+v\nreference %+v", tx, r, got, want)
			}
			rc := randReceipt(rng, r)
			for i, lr := range x.SettleReceipt(rc) {
				if want := referenceLine(r, rc, rc.Lines[i]); !sameResult(lr.Result, want) {
					t.Fatalf("receipt %+v line %d\nrules %+v\nindex     %+v\nreference %+v", rc, i, r, lr.Result, want)
				}
			}
		}
	}
}

func referenceTransaction(r *settlement.Rules, tx settlement.Transaction) settlement.Result {
	res := settlement.Result{MerchantID: r.MerchantID, Amount: tx.Amount, Currency: tx.Currency}
	var user, provider merchant.Share
	var store *settlement.StoreRule
	for i := range r.Stores {
		s := &r.Stores[i]
		if s.StoreNumber == tx.StoreNumber && tx.StoreNumber != "" && (store == nil || s.StoreID < store.StoreID) {
			store = s
		}
	}
	var company *settlement.CompanyRule
	for i := range r.Companies {
		c := &r.Companies[i]
		if c.RegistrationNumber == tx.CompanyRegistrationNumber && tx.CompanyRegistrationNumber != "" && (company == nil || c.CompanyID < company.CompanyID) {
			company = c
		}
	}
	switch {
	case store != nil:
		res.StoreID = store.StoreID
		switch store.Source {
		case settlement.SourceReceipt:
			res.Reason = settlement.ReasonReceiptStore
			return res
		case settlement.SourceTransaction, "": // "" is the API's default, transaction
		default:
			res.Reason = settlement.ReasonInvalidRule
			return res
		}
		user, provider = store.User, store.Provider
	case company != nil:
		res.CompanyID = company.CompanyID
		if company.User.Value.IsZero() && company.Provider.Value.IsZero() {
			res.Reason = settlement.ReasonZeroShareCompany
			return res
		}
		user, provider = company.User, company.Provider
	default:
		res.Reason = settlement.ReasonNoMatch
		return res
	}
	if c := referenceCampaign(r, tx.StoreNumber, "", "", tx.At); c != nil {
		res.CampaignID = c.CampaignID
		user, provider = c.User, c.Provider
	}
	return referenceShares(r, res, user, provider)
}

func referenceLine(r *settlement.Rules, rc settlement.Receipt, l settlement.Line) settlement.Result {
	res := settlement.Result{MerchantID: r.MerchantID, Amount: l.Amount, Currency: rc.Currency}
	var store *settlement.StoreRule
	for i := range r.Stores {
		s := &r.Stores[i]
		if s.StoreNumber == rc.StoreNumber && (store == nil || s.StoreID < store.StoreID) {
			store = s
		}
	}
	if store != nil {
		res.StoreID = store.StoreID
	}
	switch {
	case r.Blocked[l.ProductNumber]:
		res.Reason = settlement.ReasonBlockedProduct
		return res
	case store == nil:
		res.Reason = settlement.ReasonNoStore
		return res
	case store.Source != settlement.SourceReceipt && store.Source != settlement.SourceTransaction && store.Source != "":
		res.Reason = settlement.ReasonInvalidRule
		return res
	case store.Source != settlement.SourceReceipt:
		res.Reason = settlement.ReasonTransactionStore
		return res
	}
	known := false
	var category *settlement.CategoryRule
	for _, p := range r.Products {
		if p.ProductNumber != l.ProductNumber {
			continue
		}
		known = true
		for i := range r.Categories {
			c := &r.Categories[i]
			if c.CategoryID != p.CategoryID || (c.StoreNumber != "" && c.StoreNumber != rc.StoreNumber) {
				continue
			}
			better := category == nil ||
				(c.StoreNumber != "" && category.StoreNumber == "") ||
				((c.StoreNumber != "") == (category.StoreNumber != "") && c.CategoryID < category.CategoryID)
			if better {
				category = c
			}
		}
	}
	switch {
	case !known:
		res.Reason = settlement.ReasonUnknownProduct
		return res
	case category == nil:
		res.Reason = settlement.ReasonNoCategory
		return res
	}
	res.CategoryID = category.CategoryID
	user, provider := category.User, category.Provider
	if c := referenceCampaign(r, rc.StoreNumber, category.CategoryID, l.ProductNumber, rc.At); c != nil {
		res.CampaignID = c.CampaignID
		user, provider = c.User, c.Provider
	}
	return referenceShares(r, res, user, provider)
}

// referenceCampaign picks the best applicable campaign by comparing every
// pair: specificity (product, category, store), then latest start, then id.
func referenceCampaign(r *settlement.Rules, store, category, product string, at time.Time) *settlement.CampaignRule {
	key := func(c *settlement.CampaignRule) [3]bool {
		return [3]bool{c.ProductNumber != "", c.CategoryID != "", c.StoreNumber != ""}
	}
	var best *settlement.CampaignRule
	for i := range r.Campaigns {
		c := &r.Campaigns[i]
		if !c.ActiveAt(at) || (c.StoreNumber != "" && c.StoreNumber != store) ||
			(c.CategoryID != "" && c.CategoryID != category) || (c.ProductNumber != "" && c.ProductNumber != product) {
			continue
		}
		if best == nil {
			best = c
			continue
		}
		kc, kb := key(c), key(best)
		better := false
		decided := false
		for j := range kc {
			if kc[j] != kb[j] {
				better, decided = kc[j], true
				break
			}
		}
		if !decided {
			switch {
			case c.Start.After(best.Start):
				better = true
			case c.Start.Equal(best.Start):
				better = c.CampaignID < best.CampaignID
			}
		}
		if better {
			best = c
		}
	}
	return best
}

func referenceShares(r *settlement.Rules, res settlement.Result, user, provider merchant.Share) settlement.Result {
	lookup := func(side settlement.ShareSide, match decimal.Decimal) (merchant.Share, bool) {
		var best *settlement.DerivedShare
		for i := range r.Derived {
			ds := &r.Derived[i]
			if !ds.Match.Equal(match) || (ds.For != side && ds.For != settlement.SideEither) {
				continue
			}
			exact, bestExact := ds.For == side, best != nil && best.For == side
			if best == nil || (exact && !bestExact) || (exact == bestExact && ds.DerivedShareID < best.DerivedShareID) {
				best = ds
			}
		}
		if best == nil {
			return merchant.Share{}, false
		}
		return best.Share, true
	}
	if user.Type == merchant.ShareDerived && provider.Type == merchant.ShareDerived {
		res.Reason = settlement.ReasonBothDerived
		return res
	}
	if user.Type == merchant.ShareDerived {
		s, ok := lookup(settlement.SideUser, provider.Value)
		if !ok {
			res.Reason = settlement.ReasonNoDerivedUserShare
			return res
		}
		user = s
	}
	if provider.Type == merchant.ShareDerived {
		s, ok := lookup(settlement.SideProvider, user.Value)
		if !ok {
			res.Reason = settlement.ReasonNoDerivedProviderShare
			return res
		}
		provider = s
	}
	for _, s := range []*merchant.Share{&user, &provider} {
		if s.Type == "" {
			s.Type = merchant.SharePercentage // the API's default
		}
		if s.Value.IsNegative() || (s.Type != merchant.SharePercentage && s.Type != merchant.ShareFixedAmount) {
			res.Reason = settlement.ReasonInvalidRule
			return res
		}
	}
	if res.Amount.IsNegative() {
		res.Reason = settlement.ReasonNegativeAmount
		return res
	}
	amountOf := func(s merchant.Share) decimal.Decimal {
		if s.Type == merchant.ShareFixedAmount {
			return s.Value
		}
		return res.Amount.Mul(s.Value).Div(decimal.NewFromInt(100)).Round(2)
	}
	res.Matched = true
	res.UserShare, res.UserShareType = amountOf(user), user.Type
	res.ProviderShare, res.ProviderShareType = amountOf(provider), provider.Type
	return res
}
