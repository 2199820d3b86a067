package bench

// Settlement ingestion at scale: end-to-end ingestion of generated card
// transactions as CSV through the HTTP server, and the settle run after it,
// beside a plain COPY of the same rows into the same table. See README.md,
// "Settlement ingestion".

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/store/postgres"
)

// benchSizes are the batch sizes of BenchmarkIngest1M: LG_BENCH_N, a
// comma-separated list (default 1000000).
func benchSizes(tb testing.TB) []int {
	v := os.Getenv("LG_BENCH_N")
	if v == "" {
		return []int{1_000_000}
	}
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(f, "_", "")))
		if err != nil || n <= 0 {
			tb.Fatalf("LG_BENCH_N=%q: want positive integers separated by commas", v)
		}
		out = append(out, n)
	}
	return out
}

// scaleRun is one measured round at one batch size.
type scaleRun struct {
	n                   int
	gen, copy, e2e      time.Duration // generator alone, plain COPY, end to end
	settle              time.Duration // settle run (invoices) after ingestion
	copyMem, e2eMem     memPeak
	e2eAllocs, e2eBytes uint64 // Go heap allocations during ingestion
	got                 outcomeCounts
	invoices            int
}

// timeGen is what producing the rows costs alone, so that it can be told
// apart from the cost of storing them (both timed paths include it).
func timeGen(spec genSpec, n int) (time.Duration, error) {
	g := newTxGen(spec, "gen-", n)
	start := time.Now()
	for {
		if _, err := g.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				return time.Since(start), nil
			}
			return 0, err
		}
	}
}

const memSampleEvery = 20 * time.Millisecond

// runScale times the generator, then a plain COPY of n generated rows,
// then the end-to-end ingestion of the same rows through HTTP (and, when
// settle is set, a settle run), each from empty tables;
// it checks the outcome against what the generator says it should be.
// When b is not nil, its timer runs only during the end-to-end ingestion.
func runScale(tb testing.TB, b *testing.B, e *settleEnv, n int, settle bool) scaleRun {
	tb.Helper()
	ctx := context.Background()
	r := scaleRun{n: n}
	var err error
	if r.gen, err = timeGen(e.spec, n); err != nil {
		tb.Fatalf("generator: %v", err)
	}

	e.reset(tb)
	g := newTxGen(e.spec, "tx-", n)
	w := startMemWatch(memSampleEvery)
	start := time.Now()
	copied, err := e.plainCopy(ctx, g)
	r.copy = time.Since(start)
	r.copyMem = w.stop()
	if err != nil {
		tb.Fatalf("plain COPY: %v", err)
	}
	if copied != int64(n) {
		tb.Fatalf("plain COPY stored %d rows, want %d", copied, n)
	}
	if got, err := e.counts(ctx); err != nil || got.Transactions != n {
		tb.Fatalf("after plain COPY: %+v, %v", got, err)
	}

	e.reset(tb)
	g = newTxGen(e.spec, "tx-", n)
	var before, after runtime.MemStats
	w = startMemWatch(memSampleEvery)
	runtime.ReadMemStats(&before)
	if b != nil {
		b.StartTimer()
	}
	start = time.Now()
	_, stored, err := e.door.ingestCSV(ctx, g)
	r.e2e = time.Since(start)
	if b != nil {
		b.StopTimer()
	}
	runtime.ReadMemStats(&after)
	r.e2eMem = w.stop()
	r.e2eAllocs, r.e2eBytes = after.Mallocs-before.Mallocs, after.TotalAlloc-before.TotalAlloc
	if err != nil {
		tb.Fatalf("ingest: %v", err)
	}
	if r.got, err = e.counts(ctx); err != nil {
		tb.Fatalf("counts: %v", err)
	}
	if want := g.want(); r.got != want || stored != n {
		tb.Fatalf("ingested %d of %d; stored %+v, want %+v", stored, n, r.got, want)
	}

	if settle {
		start = time.Now()
		runID, err := e.door.settle(ctx)
		r.settle = time.Since(start)
		if err != nil {
			tb.Fatalf("settle: %v", err)
		}
		inv, err := e.app.Ops.Settlements.Invoices(e.admin, runID, "")
		if err != nil {
			tb.Fatalf("invoices: %v", err)
		}
		r.invoices = len(inv)
	}
	return r
}

func rate(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }

func (r scaleRun) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "n=%d: generator alone %v (%.0f rows/s); plain COPY %v (%.0f rows/s); end to end %v (%.0f rows/s); ratio %.2f× (%.2f× without the generator)\n",
		r.n, r.gen.Round(time.Millisecond), rate(r.n, r.gen), r.copy.Round(time.Millisecond), rate(r.n, r.copy),
		r.e2e.Round(time.Millisecond), rate(r.n, r.e2e), r.e2e.Seconds()/r.copy.Seconds(),
		(r.e2e-r.gen).Seconds()/(r.copy-r.gen).Seconds())
	fmt.Fprintf(&sb, "  settlements %d, unmatched %d (unknown card %d, no merchant %d)",
		r.got.Settlements, r.got.Unmatched, r.got.UnknownCard, r.got.NoMatch)
	if r.settle > 0 {
		fmt.Fprintf(&sb, "; settle run %v, %d invoices; ingestion + settle run %v: %.2f× the plain COPY",
			r.settle.Round(time.Millisecond), r.invoices, (r.e2e + r.settle).Round(time.Millisecond),
			(r.e2e+r.settle).Seconds()/r.copy.Seconds())
	}
	fmt.Fprintf(&sb, "\n  end to end: peak RSS %.1f MiB (%.1f at start), peak heap in use %.1f MiB, %.1f allocs and %.0f B per row\n",
		float64(r.e2eMem.RSS)/mib, float64(r.e2eMem.StartRSS)/mib, float64(r.e2eMem.HeapInuse)/mib,
		float64(r.e2eAllocs)/float64(r.n), float64(r.e2eBytes)/float64(r.n))
	fmt.Fprintf(&sb, "  plain COPY: peak RSS %.1f MiB (%.1f at start), peak heap in use %.1f MiB",
		float64(r.copyMem.RSS)/mib, float64(r.copyMem.StartRSS)/mib, float64(r.copyMem.HeapInuse)/mib)
	return sb.String()
}

// BenchmarkIngest1M ingests and settles LG_BENCH_N (default 1,000,000)
// generated transactions end to end through the HTTP door: a settlement
// client posts them as one CSV body, streamed from the generator, to
// POST /api/v1/transactions/batches on the whole service handler served on
// 127.0.0.1 (wire.New, the production server's timeouts), then starts a
// settle run with POST /api/v1/merchants/settle. Beside it the same rows are
// copied into the same table with a plain COPY. ns/op is the ingestion time
// of one batch; e2e/copy and e2e+settle/copy are the ratios. With
// LG_BENCH_N=100000,1000000 the peak heap of both sizes can be compared.
func BenchmarkIngest1M(b *testing.B) {
	sizes := benchSizes(b)
	e := newSettleEnv(b, defaultSpec)
	settle := os.Getenv("LG_BENCH_SETTLE") != "0"
	for _, n := range sizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			var runs []scaleRun
			for b.Loop() {
				b.StopTimer()
				r := runScale(b, b, e, n, settle)
				b.Log(r)
				runs = append(runs, r)
				b.StartTimer()
			}
			b.StopTimer()
			var gen, cp, e2e, st time.Duration
			var heap, rss uint64
			for _, r := range runs {
				gen, cp, e2e, st = gen+r.gen, cp+r.copy, e2e+r.e2e, st+r.settle
				heap, rss = max(heap, r.e2eMem.HeapInuse), max(rss, r.e2eMem.RSS)
			}
			last := runs[len(runs)-1]
			k := float64(len(runs))
			b.ReportMetric(float64(n)*k/e2e.Seconds(), "e2e-rows/s")
			b.ReportMetric(float64(n)*k/cp.Seconds(), "copy-rows/s")
			b.ReportMetric(e2e.Seconds()/cp.Seconds(), "e2e/copy")
			b.ReportMetric((e2e-gen).Seconds()/(cp-gen).Seconds(), "e2e/copy-nogen")
			b.ReportMetric(float64(last.got.Settlements), "settlements")
			b.ReportMetric(float64(last.got.Unmatched), "unmatched")
			b.ReportMetric(float64(rss)/mib, "peak-rss-MiB")
			b.ReportMetric(float64(heap)/mib, "peak-heap-MiB")
			if settle {
				b.ReportMetric(st.Seconds()/k, "settle-s")
				b.ReportMetric((e2e+st).Seconds()/cp.Seconds(), "e2e+settle/copy")
			}
		})
	}
}

// TestIngestGeneratedBatch runs the benchmark's path on 20,000 generated
// transactions (part of `make test`) and checks what ingestion stores: the
// counts the generator predicts, the engine's shares for every settlement,
// the first registration of a shared card, re-ingestion and duplicate ids
// within a batch, and a settle run over it.
func TestIngestGeneratedBatch(t *testing.T) {
	const n = 20_000
	e := newSettleEnv(t, defaultSpec)
	ctx := context.Background()
	r := runScale(t, nil, e, n, false)
	t.Log(r)
	if r.got.Settlements < n/2 || r.got.UnknownCard == 0 || r.got.NoMatch == 0 {
		t.Fatalf("generated batch is not the intended mix: %+v", r.got)
	}

	// Every settlement carries the engine's result for its transaction.
	want, err := engineTotals(ctx, e, n)
	if err != nil {
		t.Fatal(err)
	}
	var got settleTotals
	if err := e.db.Pool.QueryRow(ctx, `
		SELECT count(*), sum(user_share), sum(provider_share), count(*) FILTER (WHERE campaign_id <> ''),
			count(*) FILTER (WHERE store_id <> ''), count(*) FILTER (WHERE company_id <> ''),
			count(*) FILTER (WHERE user_share_type = 'fixed_amount'), count(*) FILTER (WHERE provider_share_type = 'fixed_amount'),
			count(DISTINCT merchant_id), count(DISTINCT user_id)
		FROM settlements`).Scan(&got.Count, &got.User, &got.Provider, &got.Campaign, &got.Store, &got.Company,
		&got.UserFixed, &got.ProviderFixed, &got.Merchants, &got.Users); err != nil {
		t.Fatal(err)
	}
	if !got.User.Equal(want.User) || !got.Provider.Equal(want.Provider) {
		t.Fatalf("settlement sums %v / %v, engine %v / %v", got.User, got.Provider, want.User, want.Provider)
	}
	got.User, got.Provider, want.User, want.Provider = decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero
	want.Users = got.Users // the engine does not know users
	if got != want {
		t.Fatalf("settlements %+v, engine %+v", got, want)
	}
	if want.Campaign == 0 || want.UserFixed == 0 || want.ProviderFixed == 0 || want.Company == 0 {
		t.Fatalf("the generated batch misses campaigns, fixed or derived shares, or company matches: %+v", want)
	}

	// A card registered twice settles for the user that registered it
	// first, whichever partner that is.
	rows, err := e.db.Pool.Query(ctx, `
		SELECT s.user_id, t.card_token_hash FROM settlements s JOIN transactions t USING (transaction_id)`)
	if err != nil {
		t.Fatal(err)
	}
	winnerByHash := map[string]string{}
	for tok, u := range e.sharedWinner {
		winnerByHash[string(e.app.Keys.LookupHash([]byte(tok)))] = u
	}
	checked, seconds := 0, 0
	for rows.Next() {
		var userID string
		var hash []byte
		if err := rows.Scan(&userID, &hash); err != nil {
			t.Fatal(err)
		}
		if w, ok := winnerByHash[string(hash)]; ok {
			checked++
			if userID != w {
				t.Fatalf("shared card settled for %s, want the first registration's user %s", userID, w)
			}
			if strings.HasPrefix(w, "bench-v") {
				seconds++
			}
		} else if !strings.HasPrefix(userID, "bench-u") {
			t.Fatalf("settlement for user %s", userID)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if checked == 0 || seconds == 0 || seconds == checked {
		t.Fatalf("checked %d settlements of shared cards (%d of the second partner): too few to tell", checked, seconds)
	}

	// Re-ingesting the same transactions changes nothing.
	again, err := e.app.Ops.Settlements.Ingest(e.admin, newTxGen(e.spec, "tx-", n))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := e.counts(ctx); err != nil || again.Transactions != 0 || c != r.got {
		t.Fatalf("re-ingest: %d new, %+v (%v), want 0 new and %+v", again.Transactions, c, err, r.got)
	}

	// Within one batch the first of two transactions with one id wins, and
	// ids stored before are skipped.
	g := newTxGen(e.spec, "dup-", 100)
	var base []*settlement.RawTransaction
	for {
		tx, err := g.Next()
		if err != nil {
			break
		}
		if g.outcome == outSettled {
			base = append(base, tx)
		}
	}
	unknown := func(tx *settlement.RawTransaction) *settlement.RawTransaction {
		c := *tx
		c.CardToken = "unknown-duplicate"
		return &c
	}
	old, _, err := e.app.Ops.Settlements.Transactions(e.admin, mustFirstBatch(t, e), 0, 1)
	if err != nil || len(old) != 1 {
		t.Fatalf("an already stored transaction: %v", err)
	}
	stale := old[0].RawTransaction
	staleCount := func() (n int) {
		if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM transactions t JOIN settlements s USING (transaction_id)
			WHERE t.transaction_id = $1 AND t.batch_id = $2`, stale.TransactionID, old[0].BatchID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	staleBefore := staleCount()
	batch := []*settlement.RawTransaction{unknown(base[0]), base[0], base[1], unknown(base[1]), &stale, base[2], base[1]}
	dup, err := e.app.Ops.Settlements.Ingest(e.admin, &sliceReader{rows: batch})
	if err != nil {
		t.Fatal(err)
	}
	if dup.Transactions != 3 {
		t.Fatalf("batch with duplicates stored %d transactions, want 3", dup.Transactions)
	}
	states := map[string]string{}
	list, _, err := e.app.Ops.Settlements.Transactions(e.admin, dup.BatchID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range list {
		states[tx.TransactionID] = tx.State + "/" + tx.Reason
	}
	if states[base[0].TransactionID] != "unmatched/unknown_card" || states[base[1].TransactionID] != "settled/" ||
		states[base[2].TransactionID] != "settled/" || len(states) != 3 {
		t.Fatalf("duplicates within a batch: %v", states)
	}
	var settled int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM settlements WHERE transaction_id = ANY($1)`,
		[]string{base[0].TransactionID, base[1].TransactionID, base[2].TransactionID}).Scan(&settled); err != nil {
		t.Fatal(err)
	}
	if settled != 2 || staleCount() != staleBefore {
		t.Fatalf("%d settlements for the duplicates batch, want 2 (base[1] and base[2]); the stored one changed: %v", settled, staleCount() != staleBefore)
	}

	// A bad transaction after a few chunks refuses the whole batch.
	before, err := e.counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.app.Ops.Settlements.Ingest(e.admin, &badAt{r: newTxGen(e.spec, "bad-", 20_000), at: 10_000})
	if err == nil || !strings.Contains(err.Error(), "transactions[10000].currency") {
		t.Fatalf("bad transaction at 10,000: %v", err)
	}
	if after, err := e.counts(ctx); err != nil || after != before {
		t.Fatalf("a refused batch stored rows: %+v, want %+v (%v)", after, before, err)
	}

	// Ids stored before at the end of a batch are skipped too.
	tail, err := e.app.Ops.Settlements.Ingest(e.admin, &sliceReader{rows: []*settlement.RawTransaction{base[3], base[4], &stale}})
	if err != nil || tail.Transactions != 2 {
		t.Fatalf("batch ending with a stored id: %v, %+v", err, tail)
	}
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM settlements WHERE transaction_id = ANY($1)`,
		[]string{base[3].TransactionID, base[4].TransactionID}).Scan(&settled); err != nil || settled != 2 || staleCount() != staleBefore {
		t.Fatalf("batch ending with a stored id: %d settlements (%v)", settled, err)
	}

	// Amounts and times are stored exactly as pgx would encode them: the
	// same numeric scale, microseconds, any offset.
	checkStoredValues(t, e)

	// A settle run invoices every settlement once.
	runID, err := e.app.Ops.Settlements.Settle(e.admin, "")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := e.app.Ops.Settlements.Invoices(e.admin, runID, "")
	if err != nil {
		t.Fatal(err)
	}
	count, sum := 0, decimal.Zero
	for _, i := range inv {
		if i.Type == settlement.InvoiceUserShare {
			count += i.SettlementCount
			sum = sum.Add(i.Amount)
		}
	}
	var total decimal.Decimal
	var rowsN int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*), sum(user_share) FROM settlements`).Scan(&rowsN, &total); err != nil {
		t.Fatal(err)
	}
	if count != rowsN || !sum.Equal(total) {
		t.Fatalf("invoices: %d settlements, %v; stored %d, %v", count, sum, rowsN, total)
	}
	// Each invoice is, to the scale, the sum of its merchant's settlements
	// of its share type, as summing the settlements in SQL makes it.
	var mismatched int
	if err := e.db.Pool.QueryRow(ctx, `
		WITH direct AS (
			SELECT merchant_id, currency, 'userShare' AS type, sum(user_share)::text AS amount, count(*) AS n FROM settlements GROUP BY 1, 2
			UNION ALL
			SELECT merchant_id, currency, 'providerShare', sum(provider_share)::text, count(*) FROM settlements GROUP BY 1, 2
		)
		SELECT count(*) FROM direct d FULL JOIN (SELECT * FROM invoices WHERE settlement_id = $1) i USING (merchant_id, currency, type)
		WHERE i.amount IS NULL OR d.amount IS NULL OR i.amount::text <> d.amount OR i.settlement_count <> d.n`, runID).Scan(&mismatched); err != nil {
		t.Fatal(err)
	}
	if mismatched != 0 || len(inv) == 0 {
		t.Fatalf("%d of %d invoices differ from the sums of their settlements", mismatched, len(inv))
	}
	// A second run finds nothing left to invoice.
	second, err := e.app.Ops.Settlements.Settle(e.admin, "")
	if err != nil {
		t.Fatal(err)
	}
	if inv, err := e.app.Ops.Settlements.Invoices(e.admin, second, ""); err != nil || len(inv) != 0 {
		t.Fatalf("second settle run: %d invoices, %v", len(inv), err)
	}
}

func mustFirstBatch(t *testing.T, e *settleEnv) string {
	t.Helper()
	_, total, err := e.app.Ops.Settlements.TransactionBatches(e.admin, settlement.BatchFilter{})
	if err != nil || total == 0 {
		t.Fatalf("transaction batches: %v", err)
	}
	list, _, err := e.app.Ops.Settlements.TransactionBatches(e.admin, settlement.BatchFilter{Offset: total - 1, Limit: 1})
	if err != nil || len(list) != 1 {
		t.Fatalf("oldest transaction batch: %v", err)
	}
	return list[0].BatchID
}

// sliceReader yields a few given transactions.
type sliceReader struct {
	rows []*settlement.RawTransaction
	i    int
}

func (r *sliceReader) Next() (*settlement.RawTransaction, error) {
	if r.i == len(r.rows) {
		return nil, io.EOF
	}
	r.i++
	return r.rows[r.i-1], nil
}

// badAt yields r's transactions with an invalid currency at index at.
type badAt struct {
	r  settlement.TransactionReader
	i  int
	at int
}

func (b *badAt) Next() (*settlement.RawTransaction, error) {
	t, err := b.r.Next()
	if err == nil && b.i == b.at {
		t.Currency = "kroner"
	}
	b.i++
	return t, err
}

// settleTotals summarises settlements.
type settleTotals struct {
	Count                    int
	User, Provider           decimal.Decimal
	Campaign, Store, Company int
	UserFixed, ProviderFixed int
	Merchants, Users         int
}

// engineTotals settles the generated rows that should settle with the
// engine directly, on the rules the merchant service loads.
func engineTotals(ctx context.Context, e *settleEnv, n int) (settleTotals, error) {
	all, err := settlement.ModelRules{Model: merchant.NewService(postgres.NewMerchantStore(e.db), time.Now)}.AllRules(ctx)
	if err != nil {
		return settleTotals{}, err
	}
	idx := map[string]*settlement.Index{}
	for _, r := range all {
		idx[r.MerchantID] = r.Index()
	}
	out := settleTotals{User: decimal.Zero, Provider: decimal.Zero}
	merchants := map[string]bool{}
	g := newTxGen(e.spec, "tx-", n)
	for {
		raw, err := g.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, err
		}
		if g.outcome != outSettled {
			continue
		}
		res := idx[merchantID(g.merchant)].SettleTransaction(settlement.Transaction{TransactionID: raw.TransactionID,
			Amount: raw.Amount, Currency: raw.Currency, At: raw.TransactionDateTime, StoreNumber: raw.CardAcceptorID,
			CompanyRegistrationNumber: raw.CompanyRegistrationNumber})
		if !res.Matched {
			return out, fmt.Errorf("generated transaction %s not matched by the engine: %s", raw.TransactionID, res.Reason)
		}
		out.Count++
		out.User, out.Provider = out.User.Add(res.UserShare), out.Provider.Add(res.ProviderShare)
		if res.CampaignID != "" {
			out.Campaign++
		}
		if res.StoreID != "" {
			out.Store++
		}
		if res.CompanyID != "" {
			out.Company++
		}
		if res.UserShareType == merchant.ShareFixedAmount {
			out.UserFixed++
		}
		if res.ProviderShareType == merchant.ShareFixedAmount {
			out.ProviderFixed++
		}
		merchants[res.MerchantID] = true
	}
	out.Merchants = len(merchants)
	return out, nil
}

// checkStoredValues ingests transactions with unusual amounts and times
// and compares what is stored with the same values sent as query
// parameters through pgx.
func checkStoredValues(t *testing.T, e *settleEnv) {
	t.Helper()
	ctx := context.Background()
	amounts := []string{"0", "0.00", "0.0001", "-0.0001", "12.5000", "-3.25", "1E+2", "5E+3", "1000000000",
		"999999999.9999", "-1000000000", "0.1", "7.100", "123456789.12", "10000.5", "0.0100", "99.99"}
	times := []time.Time{
		time.Date(2024, 5, 18, 10, 0, 0, 123456789, time.FixedZone("", 2*3600)),
		time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 1000, time.FixedZone("", -5*3600-1800)),
		time.Date(2124, 2, 29, 12, 0, 0, 0, time.UTC),
	}
	var rows []*settlement.RawTransaction
	for i, a := range amounts {
		rows = append(rows, &settlement.RawTransaction{TransactionID: fmt.Sprintf("exact-%02d", i),
			Amount: decimal.RequireFromString(a), Currency: "DKK", TransactionDateTime: times[i%len(times)],
			CardAcceptorID: storeNumber(1, 1), CompanyRegistrationNumber: companyNumber(1), CardToken: cardToken(7),
			TruncatedCardNumber: "457100XXXXXX0007", CardType: "VISA", ApprovalCode: "ÆØÅ-ünï"})
	}
	b, err := e.app.Ops.Settlements.Ingest(e.admin, &sliceReader{rows: rows})
	if err != nil || b.Transactions != len(rows) {
		t.Fatalf("ingest exact values: %v, %+v", err, b)
	}
	for _, r := range rows {
		var stored, sent string
		var same, sameAt bool
		if err := e.db.Pool.QueryRow(ctx, `SELECT t.amount::text, $2::numeric::text, t.amount::text = $2::numeric::text,
				t.transaction_at = $3, t.approval_code = $4
			FROM transactions t WHERE t.transaction_id = $1`, r.TransactionID, r.Amount, r.TransactionDateTime, r.ApprovalCode).
			Scan(&stored, &sent, &same, &sameAt, new(bool)); err != nil {
			t.Fatal(err)
		}
		if !same || !sameAt {
			t.Fatalf("%s: stored amount %s, pgx sends %s; same time %v", r.TransactionID, stored, sent, sameAt)
		}
	}
	var bad int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM settlements s JOIN transactions t USING (transaction_id)
		WHERE t.transaction_id LIKE 'exact-%' AND (s.amount::text <> t.amount::text OR s.transaction_at <> t.transaction_at)`).Scan(&bad); err != nil || bad != 0 {
		t.Fatalf("settlements differ from their transactions in %d rows (%v)", bad, err)
	}
}
