package bench

// The generated world of the settlement benchmark: a merchant model (50
// merchants with a company and 10 transaction-sourced stores each, campaigns
// and derived shares), card holders, and a deterministic stream of card
// transactions over them that is produced one row at a time.

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/settlement"
)

// genSpec sizes the generated world. The zero value is not useful; start
// from defaultSpec.
type genSpec struct {
	Seed              uint64
	Merchants         int // each with one company
	StoresPerMerchant int // transaction-sourced stores
	Cards             int // registered cards, one user each
	// SharedCards of the registered cards are registered again, later, by a
	// second partner's user: the first registration must win.
	SharedCards int
	// Out of 1000 transactions: how many carry a card no user has, how many
	// name an unknown store but a known company, and how many name neither.
	UnknownCardPerMille  int
	CompanyOnlyPerMille  int
	NoMerchantPerMille   int
	Start                time.Time // transactions fall in [Start, Start+Span)
	Span                 time.Duration
	StoreCampaignEvery   int // every n-th merchant has a store campaign
	WideCampaignEvery    int // every n-th merchant has a merchant-wide campaign
	DerivedProviderEvery int // every n-th merchant derives its provider shares
	DerivedUserEvery     int // every n-th merchant (offset 1) derives its user shares
}

var defaultSpec = genSpec{
	Seed:                 20261123,
	Merchants:            50,
	StoresPerMerchant:    10,
	Cards:                10_000,
	SharedCards:          200,
	UnknownCardPerMille:  100, // the 10% unmatched cards
	CompanyOnlyPerMille:  50,
	NoMerchantPerMille:   20,
	Start:                time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	Span:                 366 * 24 * time.Hour,
	StoreCampaignEvery:   4,
	WideCampaignEvery:    3,
	DerivedProviderEvery: 5,
	DerivedUserEvery:     5,
}

func merchantID(m int) string     { return fmt.Sprintf("bench-m%02d", m) }
func companyID(m int) string      { return fmt.Sprintf("bench-c%02d", m) }
func companyNumber(m int) string  { return fmt.Sprintf("DK%08d", 31_000_000+m*7) }
func storeID(m, s int) string     { return fmt.Sprintf("bench-s%02d-%02d", m, s) }
func storeNumber(m, s int) string { return fmt.Sprintf("%04d%02d", 4000+m, s) }
func cardToken(k int) string      { return fmt.Sprintf("tok-%08d-bench", k) }
func cardTruncated(k int) string  { return fmt.Sprintf("457100XXXXXX%04d", k%10000) }
func derivesProvider(s genSpec, m int) bool {
	return s.DerivedProviderEvery > 0 && m%s.DerivedProviderEvery == 0
}
func derivesUser(s genSpec, m int) bool {
	return s.DerivedUserEvery > 0 && m%s.DerivedUserEvery == 1
}

// genOutcome is what a generated transaction should become.
type genOutcome int

const (
	outSettled     genOutcome = iota // known card, known store or company
	outUnknownCard                   // known store or company, card no user has
	outNoMerchant                    // neither store nor company known
)

// txGen implements settlement.TransactionReader: it yields N transactions
// made on the fly from a seeded generator; it never holds more than the
// current row. Two generators with the same spec, prefix and n yield the
// same rows.
type txGen struct {
	spec   genSpec
	n, i   int
	prefix string
	rng    *rand.Rand
	stores [][]string // store numbers per merchant (the fixture, not the batch)
	cvr    []string
	tokens []string
	trunc  []string
	buf    []byte

	// About the row last returned.
	merchant int
	outcome  genOutcome
	// Counts of the rows returned so far.
	counts [3]int
}

var _ settlement.TransactionReader = (*txGen)(nil)

var cardTypes = [...]string{"VISA", "MC", "DANKORT", "VISA", "MC"}

func newTxGen(spec genSpec, prefix string, n int) *txGen {
	g := &txGen{spec: spec, n: n, prefix: prefix, rng: rand.New(rand.NewPCG(spec.Seed, uint64(n))),
		buf: make([]byte, 0, 64)}
	for m := range spec.Merchants {
		var list []string
		for s := range spec.StoresPerMerchant {
			list = append(list, storeNumber(m, s))
		}
		g.stores = append(g.stores, list)
		g.cvr = append(g.cvr, companyNumber(m))
	}
	for k := range spec.Cards {
		g.tokens = append(g.tokens, cardToken(k))
		g.trunc = append(g.trunc, cardTruncated(k))
	}
	return g
}

// digits returns v as a zero-padded decimal of width digits, after prefix.
func (g *txGen) digits(prefix string, v uint64, width int) string {
	b := append(g.buf[:0], prefix...)
	var tmp [20]byte
	d := strconv.AppendUint(tmp[:0], v, 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	b = append(b, d...)
	g.buf = b
	return string(b)
}

// Next returns the next generated transaction, or io.EOF after n.
func (g *txGen) Next() (*settlement.RawTransaction, error) {
	if g.i >= g.n {
		return nil, io.EOF
	}
	g.i++
	r, s := g.rng, g.spec
	t := &settlement.RawTransaction{
		TransactionID: g.digits(g.prefix, uint64(g.i), 12),
		Currency:      "DKK",
		TransactionDateTime: s.Start.Add(time.Duration(r.Int64N(int64(s.Span/time.Second))) * time.Second).
			Add(time.Duration(r.IntN(1000)) * time.Millisecond),
		CardType:                 cardTypes[r.IntN(len(cardTypes))],
		ApprovalCode:             g.digits("", r.Uint64N(1_000_000), 6),
		CardAcceptorTerminalID:   g.digits("T", r.Uint64N(100_000_000), 8),
		SystemTraceAuditNumber:   g.digits("", r.Uint64N(1_000_000), 6),
		RetrievalReferenceNumber: g.digits("", r.Uint64N(1_000_000_000_000), 12),
	}
	cents := 500 + r.Int64N(99_500) // 5.00 to 999.99
	if r.IntN(100) == 0 {
		cents = 100_000 + r.Int64N(9_900_000) // 1% larger: to 99,999.99
	}
	t.Amount = decimal.New(cents, -2)

	g.merchant = r.IntN(s.Merchants)
	g.outcome = outSettled
	switch p := r.IntN(1000); {
	case p < s.NoMerchantPerMille:
		t.CardAcceptorID = g.digits("9", r.Uint64N(100_000), 5) // no such store
		t.CompanyRegistrationNumber = g.digits("NO", r.Uint64N(100_000_000), 8)
		g.outcome = outNoMerchant
	case p < s.NoMerchantPerMille+s.CompanyOnlyPerMille:
		t.CardAcceptorID = g.digits("8", r.Uint64N(100_000), 5)
		t.CompanyRegistrationNumber = g.cvr[g.merchant]
	default:
		t.CardAcceptorID = g.stores[g.merchant][r.IntN(s.StoresPerMerchant)]
		t.CompanyRegistrationNumber = g.cvr[g.merchant]
	}
	if r.IntN(1000) < s.UnknownCardPerMille {
		t.CardToken = g.digits("unknown-", r.Uint64N(1_000_000_000), 10)
		t.TruncatedCardNumber = "492900XXXXXX" + t.CardToken[len(t.CardToken)-4:]
		if g.outcome == outSettled {
			g.outcome = outUnknownCard
		}
	} else {
		k := r.IntN(s.Cards)
		t.CardToken, t.TruncatedCardNumber = g.tokens[k], g.trunc[k]
	}
	g.counts[g.outcome]++
	return t, nil
}
