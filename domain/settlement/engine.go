package settlement

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/merchant"
)

// Source is the kind of data a store is settled from: the merchant
// context's own enum, so a store's source needs no conversion.
type Source = merchant.Source

// The store sources of the Loyalty Settlement API.
const (
	// SourceTransaction: the store's payment card transactions are settled.
	SourceTransaction = merchant.SourceTransaction
	// SourceReceipt: the store's receipts are settled line by line.
	SourceReceipt = merchant.SourceReceipt
)

// ShareSide names the share a derived share is for.
type ShareSide string

// The sides of a derived share.
const (
	// SideEither: the derived share serves whichever share is derived; the
	// Loyalty Settlement API stores derived shares without a side.
	SideEither ShareSide = ""
	// SideUser: the derived share serves only a derived user share.
	SideUser ShareSide = "user"
	// SideProvider: the derived share serves only a derived provider share.
	SideProvider ShareSide = "provider"
)

// Valid reports whether s is a known side.
func (s ShareSide) Valid() bool { return s == SideEither || s == SideUser || s == SideProvider }

// Reason says why a transaction or receipt line was not settled.
type Reason string

// The reasons for not settling.
const (
	ReasonNoMatch                Reason = "no matching store or company"
	ReasonZeroShareCompany       Reason = "company shares are zero"
	ReasonReceiptStore           Reason = "store settles receipts, not transactions"
	ReasonTransactionStore       Reason = "store settles transactions, not receipts"
	ReasonNoStore                Reason = "no matching store"
	ReasonBlockedProduct         Reason = "blocked product"
	ReasonUnknownProduct         Reason = "unknown product"
	ReasonNoCategory             Reason = "no category for the product at this store"
	ReasonBothDerived            Reason = "both shares derived"
	ReasonNoDerivedUserShare     Reason = "no derived share for the user share"
	ReasonNoDerivedProviderShare Reason = "no derived share for the provider share"
	ReasonInvalidRule            Reason = "invalid share or source in the rule"
	ReasonNegativeAmount         Reason = "negative amount is not settled"
)

// Valid reports whether r is a known reason.
func (r Reason) Valid() bool {
	switch r {
	case ReasonNoMatch, ReasonZeroShareCompany, ReasonReceiptStore, ReasonTransactionStore, ReasonNoStore,
		ReasonBlockedProduct, ReasonUnknownProduct, ReasonNoCategory, ReasonBothDerived,
		ReasonNoDerivedUserShare, ReasonNoDerivedProviderShare, ReasonInvalidRule, ReasonNegativeAmount:
		return true
	}
	return false
}

// Rules are one merchant's settlement rules at the time of settling.
type Rules struct {
	MerchantID string
	// OwnerID is the settlement client that owns the merchant (0: none).
	OwnerID    int64
	Stores     []StoreRule
	Companies  []CompanyRule
	Campaigns  []CampaignRule
	Derived    []DerivedShare
	Categories []CategoryRule
	Products   []ProductRule
	// Blocked holds the product numbers that are never settled.
	Blocked map[string]bool
}

// StoreRule is a store of the merchant, found by its store number.
type StoreRule struct {
	StoreID     string
	StoreNumber string
	Name        string
	User        merchant.Share
	Provider    merchant.Share
	// Source is SourceTransaction when empty, the API's default.
	Source Source
}

// CompanyRule is a company of the merchant, found by its registration number.
type CompanyRule struct {
	CompanyID          string
	RegistrationNumber string
	User               merchant.Share
	Provider           merchant.Share
}

// CampaignRule replaces the shares in a period, optionally only for a store,
// a category or a product ("" means any).
type CampaignRule struct {
	CampaignID    string
	StoreNumber   string
	CategoryID    string
	ProductNumber string
	Start         time.Time
	End           time.Time
	User          merchant.Share
	Provider      merchant.Share
}

// ActiveAt reports whether the campaign runs at t: Start ≤ t < End.
func (c CampaignRule) ActiveAt(t time.Time) bool { return !t.Before(c.Start) && t.Before(c.End) }

// DerivedShare gives the share to use for a derived share when the other
// share's value equals Match.
type DerivedShare struct {
	DerivedShareID string
	For            ShareSide
	Match          decimal.Decimal
	// Share is a percentage or fixed_amount share, never derived.
	Share merchant.Share
}

// CategoryRule is a product category with its shares; StoreNumber limits it
// to one store ("" means every store).
type CategoryRule struct {
	CategoryID  string
	Name        string
	StoreNumber string
	User        merchant.Share
	Provider    merchant.Share
}

// ProductRule puts a product number in a category.
type ProductRule struct {
	ProductNumber string
	CategoryID    string
}

// Transaction is a payment card transaction to settle.
type Transaction struct {
	TransactionID string
	Amount        decimal.Decimal
	Currency      string
	At            time.Time
	// StoreNumber is the cardAcceptorId of the transaction.
	StoreNumber               string
	CompanyRegistrationNumber string
}

// Receipt is a receipt to settle line by line.
type Receipt struct {
	StoreNumber string
	At          time.Time
	Currency    string
	Lines       []Line
}

// Line is one receipt line: a product and the amount paid for it.
type Line struct {
	ProductNumber string
	Amount        decimal.Decimal
}

// Result is the settlement of a transaction or receipt line. The ids name the
// rules that were found, also when the result is not matched.
type Result struct {
	Matched    bool
	Reason     Reason
	MerchantID string
	StoreID    string
	CompanyID  string
	CampaignID string
	CategoryID string
	Amount     decimal.Decimal
	Currency   string
	// UserShare and ProviderShare are the computed amounts, never negative;
	// zero when not matched.
	UserShare     decimal.Decimal
	ProviderShare decimal.Decimal
	// UserShareType and ProviderShareType are the effective types: after a
	// campaign, and for a derived share the type of the derived share found.
	UserShareType     merchant.ShareType
	ProviderShareType merchant.ShareType
}

// LineResult is the settlement of one receipt line.
type LineResult struct {
	Line   Line
	Result Result
}

// SettleTransaction settles one transaction; it builds an Index for the call,
// so use Rules.Index to settle many.
func SettleTransaction(r *Rules, t Transaction) Result { return r.Index().SettleTransaction(t) }

// SettleReceipt settles the lines of one receipt; it builds an Index for the
// call, so use Rules.Index to settle many.
func SettleReceipt(r *Rules, rc Receipt) []LineResult { return r.Index().SettleReceipt(rc) }

// Index is a compiled, immutable form of Rules for fast settling; it is safe
// for concurrent use and does not change when the Rules it came from do.
type Index struct {
	merchantID string
	stores     map[string]*storeEntry
	companies  map[string]*companyEntry
	// Campaigns are bucketed by their most specific field and each bucket is
	// sorted best first, so the first applicable one of a bucket wins it.
	productCampaigns  map[string][]*campaignEntry
	categoryCampaigns map[string][]*campaignEntry
	storeCampaigns    map[string][]*campaignEntry
	wideCampaigns     []*campaignEntry
	// products lists each product's categories, store-specific first.
	products map[string][]*categoryEntry
	blocked  map[string]bool
}

type storeEntry struct {
	id     string
	source Source
	shares shares
}

type companyEntry struct {
	id     string
	zero   bool
	shares shares
}

type categoryEntry struct {
	id     string
	store  string
	shares shares
}

type campaignEntry struct {
	rule   CampaignRule
	rank   int
	shares shares
}

// shares is a resolved pair of shares, or the reason it cannot be used.
type shares struct {
	user, provider share
	reason         Reason
}

// share is a percentage or fixed amount ready to apply.
type share struct {
	typ   merchant.ShareType
	value decimal.Decimal
	// hundredths is value × 100 when that is an integer below 2^63, for the
	// integer fast path (fast true).
	hundredths uint64
	fast       bool
}

// Index compiles the rules into lookups: derived shares are resolved now, and
// duplicates and ties are decided by a total order, never by slice order.
func (r *Rules) Index() *Index {
	x := &Index{
		merchantID:        r.MerchantID,
		stores:            make(map[string]*storeEntry, len(r.Stores)),
		companies:         make(map[string]*companyEntry, len(r.Companies)),
		productCampaigns:  map[string][]*campaignEntry{},
		categoryCampaigns: map[string][]*campaignEntry{},
		storeCampaigns:    map[string][]*campaignEntry{},
		products:          make(map[string][]*categoryEntry, len(r.Products)),
		blocked:           make(map[string]bool, len(r.Blocked)),
	}
	derived := newDerivedTable(r.Derived)

	stores := slices.Clone(r.Stores)
	slices.SortFunc(stores, compareStores)
	for _, s := range stores {
		if s.StoreNumber == "" || x.stores[s.StoreNumber] != nil {
			continue
		}
		source := s.Source
		if source == "" {
			source = SourceTransaction // the API's default
		}
		x.stores[s.StoreNumber] = &storeEntry{id: s.StoreID, source: source, shares: derived.resolve(s.User, s.Provider)}
	}

	companies := slices.Clone(r.Companies)
	slices.SortFunc(companies, compareCompanies)
	for _, c := range companies {
		if c.RegistrationNumber == "" || x.companies[c.RegistrationNumber] != nil {
			continue
		}
		x.companies[c.RegistrationNumber] = &companyEntry{
			id:     c.CompanyID,
			zero:   c.User.Value.IsZero() && c.Provider.Value.IsZero(),
			shares: derived.resolve(c.User, c.Provider),
		}
	}

	for _, c := range r.Campaigns {
		e := &campaignEntry{rule: c, rank: campaignRank(c), shares: derived.resolve(c.User, c.Provider)}
		switch {
		case c.ProductNumber != "":
			x.productCampaigns[c.ProductNumber] = append(x.productCampaigns[c.ProductNumber], e)
		case c.CategoryID != "":
			x.categoryCampaigns[c.CategoryID] = append(x.categoryCampaigns[c.CategoryID], e)
		case c.StoreNumber != "":
			x.storeCampaigns[c.StoreNumber] = append(x.storeCampaigns[c.StoreNumber], e)
		default:
			x.wideCampaigns = append(x.wideCampaigns, e)
		}
	}
	for _, bucket := range []map[string][]*campaignEntry{x.productCampaigns, x.categoryCampaigns, x.storeCampaigns} {
		for _, list := range bucket {
			slices.SortFunc(list, compareCampaigns)
		}
	}
	slices.SortFunc(x.wideCampaigns, compareCampaigns)

	categories := slices.Clone(r.Categories)
	slices.SortFunc(categories, compareCategories)
	byID := make(map[string]*categoryEntry, len(categories))
	for _, c := range categories {
		if c.CategoryID == "" || byID[c.CategoryID] != nil {
			continue
		}
		byID[c.CategoryID] = &categoryEntry{id: c.CategoryID, store: c.StoreNumber, shares: derived.resolve(c.User, c.Provider)}
	}
	for _, p := range r.Products {
		c := byID[p.CategoryID]
		if p.ProductNumber == "" {
			continue
		}
		list := x.products[p.ProductNumber]
		if c != nil && !slices.Contains(list, c) {
			list = append(list, c)
		}
		// A product whose categories are all missing is known, not unknown.
		x.products[p.ProductNumber] = list
	}
	for _, list := range x.products {
		slices.SortFunc(list, func(a, b *categoryEntry) int {
			// Store-specific categories first, then by id.
			return cmp.Or(cmp.Compare(storeSpecific(b), storeSpecific(a)), cmp.Compare(a.id, b.id))
		})
	}

	for p, blocked := range r.Blocked {
		if blocked {
			x.blocked[p] = true
		}
	}
	return x
}

// SettleTransaction settles one transaction against the indexed rules.
func (x *Index) SettleTransaction(t Transaction) Result {
	res := Result{MerchantID: x.merchantID, Amount: t.Amount, Currency: t.Currency}
	x.settleTransaction(&res, t)
	return res
}

// settleTransaction fills res in place: Result is large, and copying it
// through helpers costs more than the lookups.
func (x *Index) settleTransaction(res *Result, t Transaction) {
	var base *shares
	if s := x.stores[t.StoreNumber]; s != nil {
		res.StoreID = s.id
		switch s.source {
		case SourceTransaction:
			base = &s.shares
		case SourceReceipt:
			res.Reason = ReasonReceiptStore
			return
		default:
			res.Reason = ReasonInvalidRule
			return
		}
	} else if c := x.companies[t.CompanyRegistrationNumber]; c != nil {
		res.CompanyID = c.id
		if c.zero {
			res.Reason = ReasonZeroShareCompany
			return
		}
		base = &c.shares
	} else {
		res.Reason = ReasonNoMatch
		return
	}
	if c := x.campaignFor(t.StoreNumber, "", "", t.At); c != nil {
		res.CampaignID = c.rule.CampaignID
		base = &c.shares
	}
	applyShares(res, base, t.Amount)
}

// SettleReceipt settles each line of a receipt from a receipt-sourced store.
func (x *Index) SettleReceipt(rc Receipt) []LineResult {
	out := make([]LineResult, len(rc.Lines))
	store := x.stores[rc.StoreNumber]
	for i, l := range rc.Lines {
		out[i].Line = l
		res := &out[i].Result
		res.MerchantID, res.Amount, res.Currency = x.merchantID, l.Amount, rc.Currency
		x.settleLine(res, store, rc, l)
	}
	return out
}

func (x *Index) settleLine(res *Result, store *storeEntry, rc Receipt, l Line) {
	if store != nil {
		res.StoreID = store.id
	}
	switch {
	case x.blocked[l.ProductNumber]:
		res.Reason = ReasonBlockedProduct
		return
	case store == nil:
		res.Reason = ReasonNoStore
		return
	case !store.source.Valid():
		res.Reason = ReasonInvalidRule
		return
	case store.source != SourceReceipt:
		res.Reason = ReasonTransactionStore
		return
	}
	categories, known := x.products[l.ProductNumber]
	if !known {
		res.Reason = ReasonUnknownProduct
		return
	}
	var category *categoryEntry
	for _, c := range categories {
		if c.store == "" || c.store == rc.StoreNumber {
			category = c
			break
		}
	}
	if category == nil {
		res.Reason = ReasonNoCategory
		return
	}
	res.CategoryID = category.id
	base := &category.shares
	if c := x.campaignFor(rc.StoreNumber, category.id, l.ProductNumber, rc.At); c != nil {
		res.CampaignID = c.rule.CampaignID
		base = &c.shares
	}
	applyShares(res, base, l.Amount)
}

// campaignFor returns the most specific active campaign for the store,
// category and product ("" for a transaction's category and product), or nil.
// Buckets are searched from the most specific down; any campaign of a more
// specific bucket outranks every campaign of a less specific one.
func (x *Index) campaignFor(store, category, product string, at time.Time) *campaignEntry {
	if product != "" {
		if c := firstApplicable(x.productCampaigns[product], store, category, product, at); c != nil {
			return c
		}
	}
	if category != "" {
		if c := firstApplicable(x.categoryCampaigns[category], store, category, product, at); c != nil {
			return c
		}
	}
	if store != "" {
		if c := firstApplicable(x.storeCampaigns[store], store, category, product, at); c != nil {
			return c
		}
	}
	return firstApplicable(x.wideCampaigns, store, category, product, at)
}

func firstApplicable(list []*campaignEntry, store, category, product string, at time.Time) *campaignEntry {
	for _, c := range list {
		r := &c.rule
		if (r.StoreNumber == "" || r.StoreNumber == store) &&
			(r.CategoryID == "" || r.CategoryID == category) &&
			(r.ProductNumber == "" || r.ProductNumber == product) &&
			!at.Before(r.Start) && at.Before(r.End) {
			return c
		}
	}
	return nil
}

// campaignRank orders campaigns by specificity: product, then category, then
// store.
func campaignRank(c CampaignRule) int {
	rank := 0
	if c.ProductNumber != "" {
		rank += 4
	}
	if c.CategoryID != "" {
		rank += 2
	}
	if c.StoreNumber != "" {
		rank++
	}
	return rank
}

// storeSpecific is 1 for a store-specific category, else 0.
func storeSpecific(c *categoryEntry) int {
	if c.store != "" {
		return 1
	}
	return 0
}

// applyShares computes both shares of amount into res, or says why it
// cannot.
func applyShares(res *Result, s *shares, amount decimal.Decimal) {
	if s.reason != "" {
		res.Reason = s.reason
		return
	}
	if amount.Sign() < 0 {
		res.Reason = ReasonNegativeAmount
		return
	}
	a := splitAmount(amount)
	res.Matched = true
	res.UserShare = s.user.of(a)
	res.ProviderShare = s.provider.of(a)
	res.UserShareType = s.user.typ
	res.ProviderShareType = s.provider.typ
}

// amountParts is a non-negative amount and, when its coefficient has at most
// 18 digits (fits), that coefficient and its exponent.
type amountParts struct {
	d    decimal.Decimal
	coef uint64
	exp  int32
	fits bool
}

func splitAmount(d decimal.Decimal) amountParts {
	a := amountParts{d: d}
	if d.NumDigits() <= 18 {
		a.coef, a.exp, a.fits = uint64(d.CoefficientInt64()), d.Exponent(), true
	}
	return a
}

// of is the share of amount a.
func (s *share) of(a amountParts) decimal.Decimal {
	if s.typ == merchant.ShareFixedAmount {
		return s.value
	}
	if s.fast && a.fits {
		if c, ok := percentCents(a.coef, a.exp, s.hundredths); ok {
			return centsDecimal(c)
		}
	}
	return percentSlow(a.d, s.value)
}

// percentSlow is amount × pct / 100 rounded half away from zero to 2
// decimals, in exact decimal arithmetic.
func percentSlow(amount, pct decimal.Decimal) decimal.Decimal {
	return amount.Mul(pct).Shift(-2).Round(2)
}

var pow10u64 = [20]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

// percentCents returns coef·10^exp × (hundredths/100) / 100 in cents,
// rounded half up, for coef, hundredths ≥ 0: that is coef·hundredths·10^(exp−2).
// ok is false when the result or an intermediate does not fit.
func percentCents(coef uint64, exp int32, hundredths uint64) (cents uint64, ok bool) {
	hi, lo := bits.Mul64(coef, hundredths)
	k := 2 - int64(exp) // decimal places to drop
	if k <= 0 {
		if hi != 0 || -k >= int64(len(pow10u64)) {
			return 0, false
		}
		hi, lo = bits.Mul64(lo, pow10u64[-k])
		if hi != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		return lo, true
	}
	if k >= int64(len(pow10u64)) {
		return 0, false
	}
	div := pow10u64[k]
	if hi >= div {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, div)
	if r >= div-r { // r/div ≥ ½
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return q, true
}

// smallCentsLen bounds the table of shared share amounts: 0.00 to 99.99.
const smallCentsLen = 10000

// smallCents holds immutable decimals for small cent amounts, built on first
// use; decimal.Decimal never mutates its coefficient, so sharing is safe.
var smallCents = sync.OnceValue(func() *[smallCentsLen]decimal.Decimal {
	var t [smallCentsLen]decimal.Decimal
	for i := range t {
		t[i] = decimal.New(int64(i), -2)
	}
	return &t
})

func centsDecimal(c uint64) decimal.Decimal {
	if c < smallCentsLen {
		return smallCents()[c]
	}
	return decimal.New(int64(c), -2)
}

// compileShare checks a percentage or fixed_amount share and prepares it; an
// empty type is the API's default, percentage.
func compileShare(s merchant.Share) (share, bool) {
	if s.Value.Sign() < 0 {
		return share{}, false
	}
	if s.Type == "" {
		s.Type = merchant.SharePercentage
	}
	out := share{typ: s.Type, value: s.Value}
	switch s.Type {
	case merchant.ShareFixedAmount:
	case merchant.SharePercentage:
		h := s.Value.Shift(2)
		if h.IsInteger() && h.LessThan(decimal.New(1, 18)) {
			out.hundredths, out.fast = uint64(h.IntPart()), true
		}
	default:
		return share{}, false
	}
	return out, true
}

// derivedTable finds derived shares by side and matched value.
type derivedTable map[derivedKey]DerivedShare

type derivedKey struct {
	side  ShareSide
	match string
}

// valueKey is the same for equal decimals (2.5 and 2.50), whatever the
// package's string settings.
func valueKey(d decimal.Decimal) string {
	n := d.Normalize()
	return n.Coefficient().String() + "e" + strconv.Itoa(int(n.Exponent()))
}

func newDerivedTable(list []DerivedShare) derivedTable {
	t := make(derivedTable, len(list))
	for _, d := range list {
		if !d.For.Valid() {
			continue
		}
		k := derivedKey{d.For, valueKey(d.Match)}
		if old, ok := t[k]; !ok || compareDerived(d, old) < 0 {
			t[k] = d
		}
	}
	return t
}

func (t derivedTable) find(side ShareSide, match decimal.Decimal) (DerivedShare, bool) {
	key := valueKey(match)
	if d, ok := t[derivedKey{side, key}]; ok {
		return d, true
	}
	d, ok := t[derivedKey{SideEither, key}]
	return d, ok
}

// resolve prepares a rule's pair of shares, looking up a derived one.
func (t derivedTable) resolve(user, provider merchant.Share) shares {
	userDerived := user.Type == merchant.ShareDerived
	providerDerived := provider.Type == merchant.ShareDerived
	if userDerived && providerDerived {
		return shares{reason: ReasonBothDerived}
	}
	var out shares
	if userDerived {
		d, ok := t.find(SideUser, provider.Value)
		if !ok {
			return shares{reason: ReasonNoDerivedUserShare}
		}
		user = d.Share
	}
	if providerDerived {
		d, ok := t.find(SideProvider, user.Value)
		if !ok {
			return shares{reason: ReasonNoDerivedProviderShare}
		}
		provider = d.Share
	}
	var okU, okP bool
	out.user, okU = compileShare(user)
	out.provider, okP = compileShare(provider)
	if !okU || !okP {
		return shares{reason: ReasonInvalidRule}
	}
	return out
}

// The compare functions give total orders over the rules, so that
// duplicates and ties never depend on the order of the input slices.

func compareShare(a, b merchant.Share) int {
	if c := cmp.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	return a.Value.Cmp(b.Value)
}

func compareStores(a, b StoreRule) int {
	return cmp.Or(
		cmp.Compare(a.StoreNumber, b.StoreNumber),
		cmp.Compare(a.StoreID, b.StoreID),
		cmp.Compare(a.Source, b.Source),
		cmp.Compare(a.Name, b.Name),
		compareShare(a.User, b.User),
		compareShare(a.Provider, b.Provider),
	)
}

func compareCompanies(a, b CompanyRule) int {
	return cmp.Or(
		cmp.Compare(a.RegistrationNumber, b.RegistrationNumber),
		cmp.Compare(a.CompanyID, b.CompanyID),
		compareShare(a.User, b.User),
		compareShare(a.Provider, b.Provider),
	)
}

func compareCategories(a, b CategoryRule) int {
	return cmp.Or(
		cmp.Compare(a.CategoryID, b.CategoryID),
		cmp.Compare(a.StoreNumber, b.StoreNumber),
		cmp.Compare(a.Name, b.Name),
		compareShare(a.User, b.User),
		compareShare(a.Provider, b.Provider),
	)
}

// compareDerived prefers the smallest id among entries for the same side and
// value.
func compareDerived(a, b DerivedShare) int {
	return cmp.Or(
		cmp.Compare(a.DerivedShareID, b.DerivedShareID),
		a.Match.Cmp(b.Match),
		compareShare(a.Share, b.Share),
	)
}

// compareCampaigns sorts the best campaign first: most specific, latest
// start, smallest id.
func compareCampaigns(a, b *campaignEntry) int {
	x, y := &a.rule, &b.rule
	return cmp.Or(
		cmp.Compare(b.rank, a.rank),
		y.Start.Compare(x.Start),
		cmp.Compare(x.CampaignID, y.CampaignID),
		y.End.Compare(x.End),
		cmp.Compare(x.StoreNumber, y.StoreNumber),
		cmp.Compare(x.CategoryID, y.CategoryID),
		cmp.Compare(x.ProductNumber, y.ProductNumber),
		compareShare(x.User, y.User),
		compareShare(x.Provider, y.Provider),
	)
}
