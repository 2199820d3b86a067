package postgres_test

import (
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/postgres"
)

// Batch lists are paged in SQL, newest first, with the total of the whole
// selection; a page past the end is empty but keeps the total, and IDs
// selects batches by id.
func TestBatchListsArePagedWithTotals(t *testing.T) {
	ctx := context.Background()
	st := postgres.NewSettlementStore(testenv.DB(t), nil)
	base := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC) // newer than any other batch of this database
	var txIDs, sbIDs []string
	for i := range 5 {
		b := &settlement.TransactionBatch{BatchID: ids.New(), Created: base.Add(time.Duration(i) * time.Hour)}
		if err := st.IngestBatch(ctx, b, func() (*settlement.Ingested, error) { return nil, io.EOF }); err != nil {
			t.Fatal(err)
		}
		txIDs = append(txIDs, b.BatchID)
		sb, err := st.CreateSettlementBatch(ctx, ids.New(), 0, base.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		sbIDs = append(sbIDs, sb.BatchID)
	}
	_, allTx, err := st.TransactionBatches(ctx, settlement.BatchFilter{})
	if err != nil || allTx < 5 {
		t.Fatalf("total %d, %v", allTx, err)
	}
	page, total, err := st.TransactionBatches(ctx, settlement.BatchFilter{Offset: 1, Limit: 2})
	if err != nil || total != allTx || len(page) != 2 || page[0].BatchID != txIDs[3] || page[1].BatchID != txIDs[2] {
		t.Fatalf("page 1+2 of transaction batches: %v %d %v", page, total, err)
	}
	page, total, err = st.TransactionBatches(ctx, settlement.BatchFilter{Offset: allTx + 3, Limit: 10})
	if err != nil || total != allTx || len(page) != 0 {
		t.Fatalf("page past the end: %v %d %v", page, total, err)
	}
	page, total, err = st.TransactionBatches(ctx, settlement.BatchFilter{IDs: []string{txIDs[0], txIDs[4], "nope"}, Limit: 10})
	if err != nil || total != 2 || len(page) != 2 || page[0].BatchID != txIDs[4] || page[1].BatchID != txIDs[0] {
		t.Fatalf("by id: %v %d %v", page, total, err)
	}

	spage, stotal, err := st.SettlementBatches(ctx, settlement.BatchFilter{Limit: 3})
	if err != nil || stotal < 5 || len(spage) != 3 || spage[0].BatchID != sbIDs[4] || spage[2].BatchID != sbIDs[2] {
		t.Fatalf("first page of settlement batches: %v %d %v", spage, stotal, err)
	}
	spage, _, err = st.SettlementBatches(ctx, settlement.BatchFilter{IDs: []string{sbIDs[1]}, Limit: 1})
	if err != nil || len(spage) != 1 || spage[0].BatchID != sbIDs[1] || !spage[0].Created.Equal(base.Add(time.Hour)) {
		t.Fatalf("settlement batch by id: %v %v", spage, err)
	}
}

// The sums a batch keeps of its settlement lots, which invoices add up, are
// what PostgreSQL's sum(numeric) over the settlements gives, to the scale:
// a settle run's invoices are what summing the settlements made them.
func TestLotSumsAreSQLSums(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	rng := rand.New(rand.NewPCG(7, 11))
	fixed := [][]string{
		{"0"}, {"1.50", "2", "0.25"}, {"1E+2", "0.001"}, {"-3.25", "3.25"}, {"999999999.9999", "0.00000001"},
		{"123456789012.34", "5"}, {"4611686018427.387904", "4611686018427.387904", "1"},
		{"0.0000001", "7.100"},
	}
	for k := range 200 {
		var texts []string
		if k < len(fixed) {
			texts = fixed[k]
		} else {
			for range 1 + rng.IntN(50) {
				exp := int32(rng.IntN(12)) - 9                                      // 10^-9 to 10^2
				coef := rng.Int64N(int64(pow(10, 1+rng.IntN(16)))) - rng.Int64N(10) // up to 16 digits, a few negative
				texts = append(texts, decimal.New(coef, exp).String())
			}
		}
		var values []decimal.Decimal
		for _, s := range texts {
			values = append(values, decimal.RequireFromString(s))
		}
		var want string
		if err := db.Pool.QueryRow(ctx, `SELECT sum(x)::text FROM unnest($1::numeric[]) AS x`, values).Scan(&want); err != nil {
			t.Fatal(err)
		}
		got := postgres.SumLikePostgres(values)
		gotText := got.String()
		if e := got.Exponent(); e < 0 {
			gotText = got.StringFixed(-e)
		}
		if gotText != want {
			t.Fatalf("sum of %v: %s, PostgreSQL %s", texts, gotText, want)
		}
	}
}

func pow(b, e int) int {
	r := 1
	for range e {
		r *= b
	}
	return r
}
