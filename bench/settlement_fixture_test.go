package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/store/postgres"
)

// settleEnv is the settlement benchmark's world: a database of its own (so
// that millions of rows neither slow down nor change what the other
// benchmarks of this package see), the whole app wired on it by wire.New,
// the merchant model and the card holders of the generator.
type settleEnv struct {
	spec  genSpec
	app   *wire.App
	db    *postgres.DB
	admin context.Context // carries an admin principal
	// owner carries the principal of the settlement client that owns the
	// benchmark's merchants, and ownerCred is its credential.
	owner     context.Context
	ownerCred *auth.NewCredential
	// door serves the app on a loopback listener for a settlement client.
	door *httpDoor
	// sharedWinner maps the token of each card registered twice to the user
	// that registered it first.
	sharedWinner map[string]string
}

// newSettleEnv creates and migrates a database, builds the app on it and
// seeds it; the database is dropped when tb ends.
func newSettleEnv(tb testing.TB, spec genSpec) *settleEnv {
	tb.Helper()
	rc := testenv.Redis(tb) // also fails clearly without TEST_DATABASE_URL / TEST_REDIS_URL
	adminURL := os.Getenv("TEST_DATABASE_URL")
	ctx := context.Background()
	name := "lg_bench_settle_" + ids.LowerAlnum(10)
	if err := adminExec(ctx, adminURL, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("create benchmark database: %v", err)
	}
	db, err := postgres.Open(ctx, withDatabase(adminURL, name))
	if err != nil {
		tb.Fatalf("open benchmark database: %v", err)
	}
	tb.Cleanup(func() {
		db.Close()
		_ = adminExec(context.Background(), adminURL, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
	})
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate benchmark database: %v", err)
	}
	a, err := wire.New(wire.Options{SecretKey: testenv.SecretKey, Log: testenv.Logger(), Argon2: &testenv.CheapArgon2,
		PublicBaseURL: "http://localhost:8080", NotifyAllowPrivate: true}, db, rc)
	if err != nil {
		tb.Fatalf("build app: %v", err)
	}
	e := &settleEnv{spec: spec, app: a, db: db,
		admin: auth.WithPrincipal(ctx, &auth.Principal{Kind: auth.KindAdmin, Name: "bench"})}
	// The merchants belong to one settlement client, which ingests and
	// settles them, as in production.
	e.ownerCred = testenv.Credential(tb, a, auth.KindSettlement)
	owner, err := a.Auth.AuthenticateBasic(ctx, e.ownerCred.Username, e.ownerCred.Secret)
	if err != nil {
		tb.Fatalf("settlement client: %v", err)
	}
	e.owner = auth.WithPrincipal(ctx, owner)
	start := time.Now()
	if err := e.seedModel(); err != nil {
		tb.Fatalf("seed merchant model: %v", err)
	}
	if err := e.seedCards(); err != nil {
		tb.Fatalf("seed users and cards: %v", err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE`); err != nil {
		tb.Fatalf("analyze: %v", err)
	}
	e.door = newHTTPDoor(tb, e)
	tb.Logf("settlement bench world: %d merchants, %d stores, %d cards (%d registered twice); seeded in %v",
		spec.Merchants, spec.Merchants*spec.StoresPerMerchant, spec.Cards, spec.SharedCards, time.Since(start).Round(time.Millisecond))
	return e
}

func adminExec(ctx context.Context, adminURL, sql string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

func pct(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func shareType(t merchant.ShareType) *merchant.ShareType { return &t }

// storeShares are the shares of store s of merchant m: plain percentages,
// a fixed amount in every tenth store, or one derived side for the merchants
// that derive.
func storeShares(spec genSpec, m, s int) merchant.SharesCreate {
	switch {
	case derivesProvider(spec, m):
		return merchant.SharesCreate{UserShare: pct([]string{"2", "3", "4"}[s%3]), UserShareType: shareType(merchant.SharePercentage),
			ProviderShareType: shareType(merchant.ShareDerived)}
	case derivesUser(spec, m):
		return merchant.SharesCreate{UserShareType: shareType(merchant.ShareDerived),
			ProviderShare: pct([]string{"1", "1.5"}[s%2]), ProviderShareType: shareType(merchant.SharePercentage)}
	case s == 9:
		return merchant.SharesCreate{UserShare: pct("2"), UserShareType: shareType(merchant.ShareFixedAmount),
			ProviderShare: pct("0.75"), ProviderShareType: shareType(merchant.SharePercentage)}
	default:
		return merchant.SharesCreate{
			UserShare: decimal.New(int64(100+((m+s)%8)*50), -2), UserShareType: shareType(merchant.SharePercentage),
			ProviderShare: decimal.New(int64(25+(s%4)*25), -2), ProviderShareType: shareType(merchant.SharePercentage)}
	}
}

// seedModel creates the merchants, companies, stores, derived shares and
// campaigns through the resolver operations (the merchant service).
func (e *settleEnv) seedModel() error {
	ops, mops, ctx, spec := e.app.Ops.Merchants, e.app.Ops.Merchants, e.owner, e.spec
	str := func(s string) *string { return &s }
	for m := range spec.Merchants {
		if _, err := mops.Create(ctx, merchant.Create{ID: str(merchantID(m)), Name: fmt.Sprintf("Bench Settlement Merchant %02d", m)}); err != nil {
			return err
		}
		company := merchant.SharesCreate{UserShare: pct("5"), ProviderShare: pct("1.5")}
		switch {
		case derivesProvider(spec, m):
			company = merchant.SharesCreate{UserShare: pct("3"), ProviderShareType: shareType(merchant.ShareDerived)}
		case derivesUser(spec, m):
			company = merchant.SharesCreate{UserShareType: shareType(merchant.ShareDerived), ProviderShare: pct("1.5")}
		}
		if _, err := ops.CreateCompany(ctx, merchant.CompanyCreate{ID: str(companyID(m)), MerchantID: merchantID(m),
			Name: fmt.Sprintf("Bench Company %02d ApS", m), RegistrationNumber: companyNumber(m), SharesCreate: company}); err != nil {
			return err
		}
		for s := range spec.StoresPerMerchant {
			if _, err := ops.CreateStore(ctx, merchant.ShopCreate{ID: str(storeID(m, s)), MerchantID: merchantID(m),
				StoreNumber: storeNumber(m, s), Name: fmt.Sprintf("Bench Store %02d-%02d", m, s),
				SharesCreate: storeShares(spec, m, s)}); err != nil {
				return err
			}
		}
		var derived []merchant.DerivedShareCreate
		switch {
		case derivesProvider(spec, m): // the provider share is found by the user share
			derived = []merchant.DerivedShareCreate{
				{Share: pct("2"), DerivedShare: pct("0.5"), DerivedShareType: shareType(merchant.ShareFixedAmount)},
				{Share: pct("3"), DerivedShare: pct("1.25"), DerivedShareType: shareType(merchant.SharePercentage)},
				{Share: pct("4"), DerivedShare: pct("0.75"), DerivedShareType: shareType(merchant.ShareFixedAmount)},
			}
		case derivesUser(spec, m): // the user share is found by the provider share
			derived = []merchant.DerivedShareCreate{
				{Share: pct("1"), DerivedShare: pct("3"), DerivedShareType: shareType(merchant.SharePercentage)},
				{Share: pct("1.5"), DerivedShare: pct("1"), DerivedShareType: shareType(merchant.ShareFixedAmount)},
			}
		}
		for _, d := range derived {
			d.MerchantID = merchantID(m)
			if _, err := ops.CreateDerivedShare(ctx, d); err != nil {
				return err
			}
		}
		if spec.WideCampaignEvery > 0 && m%spec.WideCampaignEvery == 0 {
			shares := merchant.SharesCreate{UserShare: pct("12"), ProviderShare: pct("3")}
			if derivesProvider(spec, m) {
				shares = merchant.SharesCreate{UserShare: pct("3"), ProviderShareType: shareType(merchant.ShareDerived)}
			}
			if _, err := ops.CreateCampaign(ctx, merchant.CampaignCreate{MerchantID: merchantID(m), Name: "March",
				Start: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC),
				SharesCreate: shares}); err != nil {
				return err
			}
		}
		if spec.StoreCampaignEvery > 0 && m%spec.StoreCampaignEvery == 1 {
			if _, err := ops.CreateCampaign(ctx, merchant.CampaignCreate{MerchantID: merchantID(m), Name: "Summer store 0",
				Start: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC),
				StoreNumber: str(storeNumber(m, 0)), SharesCreate: merchant.SharesCreate{UserShare: pct("15"), ProviderShare: pct("4")}}); err != nil {
				return err
			}
			// One that ended before the generated period and one that starts
			// after it: looked at, never applied.
			if _, err := ops.CreateCampaign(ctx, merchant.CampaignCreate{MerchantID: merchantID(m), Name: "Last year",
				Start: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC),
				SharesCreate: merchant.SharesCreate{UserShare: pct("20"), ProviderShare: pct("5")}}); err != nil {
				return err
			}
			if _, err := ops.CreateCampaign(ctx, merchant.CampaignCreate{MerchantID: merchantID(m), Name: "Next year",
				Start: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC),
				StoreNumber: str(storeNumber(m, 1)), SharesCreate: merchant.SharesCreate{UserShare: pct("20"), ProviderShare: pct("5")}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// seedCards inserts, with COPY, one user per registered card of partner A,
// and for SharedCards of them a second registration of the same token by a
// user of partner B: half of those earlier than A's, half later, so that
// "the user that registered it first" is not always the same partner. Card
// ids of B sort before A's, so an order by card id alone would pick wrong.
func (e *settleEnv) seedCards() error {
	ctx, spec, keys := context.Background(), e.spec, e.app.Keys
	partnerID := func(name string) (int64, error) {
		nc, err := e.app.Auth.CreateCredential(ctx, auth.KindPartner, name)
		if err != nil {
			return 0, err
		}
		var id int64
		return id, e.db.Pool.QueryRow(ctx, `SELECT id FROM credentials WHERE username = $1`, nc.Username).Scan(&id)
	}
	provA, err := partnerID("bench partner A")
	if err != nil {
		return err
	}
	provB, err := partnerID("bench partner B")
	if err != nil {
		return err
	}
	base := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
	type reg struct {
		userID, cardID string
		provider       int64
		k              int
		at             time.Time
	}
	var regs []reg
	for k := range spec.Cards {
		regs = append(regs, reg{fmt.Sprintf("bench-u%06d", k), fmt.Sprintf("bench-card-%06d", k), provA, k, base.Add(time.Duration(k) * time.Minute)})
	}
	e.sharedWinner = map[string]string{}
	for i := range spec.SharedCards {
		k := i * (spec.Cards / max(spec.SharedCards, 1))
		at := regs[k].at.Add(time.Hour)
		winner := regs[k].userID
		if i%2 == 1 {
			at = regs[k].at.Add(-time.Hour)
			winner = fmt.Sprintf("bench-v%06d", k)
		}
		regs = append(regs, reg{fmt.Sprintf("bench-v%06d", k), fmt.Sprintf("a-bench-card-%06d", k), provB, k, at})
		e.sharedWinner[cardToken(k)] = winner
	}
	return pgx.BeginFunc(ctx, e.db.Pool, func(tx pgx.Tx) error {
		i := 0
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"users"},
			[]string{"user_id", "provider_id", "phone", "member_id", "created_at", "updated_at"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if i == len(regs) {
					return nil, nil
				}
				r := regs[i]
				i++
				return []any{r.userID, r.provider, fmt.Sprintf("+452%07d", r.k), fmt.Sprintf("mem%06d", r.k), r.at, r.at}, nil
			})); err != nil {
			return err
		}
		i = 0
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"cards"},
			[]string{"card_id", "user_id", "provider_id", "token_type", "truncated_pan", "payment", "sealed_token", "token_hash", "created_at"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if i == len(regs) {
					return nil, nil
				}
				r := regs[i]
				i++
				tok := cardToken(r.k)
				sealed, err := keys.Seal([]byte(tok))
				if err != nil {
					return nil, err
				}
				return []any{r.cardID, r.userID, r.provider, "VISA", cardTruncated(r.k), true, sealed, keys.LookupHash([]byte(tok)), r.at}, nil
			}))
		return err
	})
}

// reset empties every settlement table and checkpoints, so that each timed
// run starts from the same state with no dirty buffers of the one before.
func (e *settleEnv) reset(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	if _, err := e.db.Pool.Exec(ctx, `TRUNCATE invoices, settlement_lots, settle_runs, settlements, settlement_batches, transactions, transaction_batches`); err != nil {
		tb.Fatalf("truncate: %v", err)
	}
	if _, err := e.db.Pool.Exec(ctx, `CHECKPOINT`); err != nil {
		tb.Fatalf("checkpoint: %v", err)
	}
}

// copyColumns are the columns of transactions that ingestion fills.
var copyColumns = []string{
	"transaction_id", "batch_id", "amount", "currency", "transaction_at", "card_acceptor_id",
	"company_registration_number", "card_token_hash", "truncated_card_number", "card_type", "approval_code",
	"card_acceptor_terminal_id", "system_trace_audit_number", "retrieval_reference_number", "merchant_id",
	"state", "reason", "received_at",
}

// plainCopy is the floor: the same generated rows, with the card token's
// keyed hash and the outcome the generator knows, copied straight into
// transactions under a fresh batch row, in one transaction. No rules, no
// card look-up, no settlements.
func (e *settleEnv) plainCopy(ctx context.Context, g *txGen) (int64, error) {
	batchID, now := ids.New(), time.Now().UTC()
	merchants := make([]any, e.spec.Merchants)
	for m := range merchants {
		merchants[m] = merchantID(m)
	}
	keys := e.app.Keys
	var n int64
	err := pgx.BeginFunc(ctx, e.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO transaction_batches (batch_id, created_at) VALUES ($1, $2)`, batchID, now); err != nil {
			return err
		}
		var row [18]any
		var err error
		n, err = tx.CopyFrom(ctx, pgx.Identifier{"transactions"}, copyColumns, pgx.CopyFromFunc(func() ([]any, error) {
			t, err := g.Next()
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			var merchantID any
			state, reason := "settled", ""
			switch g.outcome {
			case outUnknownCard:
				state, reason, merchantID = "unmatched", "unknown_card", merchants[g.merchant]
			case outNoMerchant:
				state, reason = "unmatched", string(settlement.ReasonNoMatch)
			default:
				merchantID = merchants[g.merchant]
			}
			row = [18]any{t.TransactionID, batchID, t.Amount, t.Currency, t.TransactionDateTime, t.CardAcceptorID,
				t.CompanyRegistrationNumber, keys.LookupHash([]byte(t.CardToken)), t.TruncatedCardNumber, t.CardType,
				t.ApprovalCode, t.CardAcceptorTerminalID, t.SystemTraceAuditNumber, t.RetrievalReferenceNumber,
				merchantID, state, reason, now}
			return row[:], nil
		}))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE transaction_batches SET transactions = $2 WHERE batch_id = $1`, batchID, n)
		return err
	})
	return n, err
}

// outcomeCounts reads how the stored transactions ended.
type outcomeCounts struct {
	Transactions, Settled, Unmatched, UnknownCard, NoMatch, Settlements int
}

func (e *settleEnv) counts(ctx context.Context) (outcomeCounts, error) {
	var c outcomeCounts
	err := e.db.Pool.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE state = 'settled'), count(*) FILTER (WHERE state = 'unmatched'),
			count(*) FILTER (WHERE reason = 'unknown_card'), count(*) FILTER (WHERE reason = $1),
			(SELECT count(*) FROM settlements)
		FROM transactions`, string(settlement.ReasonNoMatch)).
		Scan(&c.Transactions, &c.Settled, &c.Unmatched, &c.UnknownCard, &c.NoMatch, &c.Settlements)
	return c, err
}

// want is what the generator's rows should become.
func (g *txGen) want() outcomeCounts {
	s, u, n := g.counts[outSettled], g.counts[outUnknownCard], g.counts[outNoMerchant]
	return outcomeCounts{Transactions: s + u + n, Settled: s, Unmatched: u + n, UnknownCard: u, NoMatch: n, Settlements: s}
}
