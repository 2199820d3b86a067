package postgres_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/postgres"
)

func tokenHash(tok string) []byte { s := sha256.Sum256([]byte("k:" + tok)); return s[:] }

// receiptFixture holds a merchant and two users of one partner, the first
// with the card of token f.token (its own, so that no other test's
// receipt matches it late).
type receiptFixture struct {
	db           *postgres.DB
	st           *postgres.ReceiptStore
	merchant     string
	alice, bob   string
	aliceCard    string
	now          time.Time
	token        string
	receiptInput func(ext string, lines ...string) receipt.Input
}

func newReceiptFixture(t *testing.T) *receiptFixture {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	f := &receiptFixture{db: db, st: postgres.NewReceiptStore(db, nil), merchant: "m" + ids.LowerAlnum(8), now: time.Now().UTC(),
		token: "tok-" + ids.LowerAlnum(10)}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO merchants (merchant_id, name) VALUES ($1, 'Ærø Bageri')`, f.merchant); err != nil {
		t.Fatal(err)
	}
	partner := newOwner(t, db)
	users := postgres.NewUserStore(db, nil, nil)
	for i, id := range []*string{&f.alice, &f.bob} {
		*id = ids.New()
		u := &user.User{ID: *id, Provider: user.Provider{ID: partner}, Phone: "4512345" + string(rune('0'+i)) + "00",
			MemberID: ids.LowerAlnum(8), CreatedAt: f.now, UpdatedAt: f.now}
		var card *user.Card
		if i == 0 {
			f.aliceCard = ids.New()
			card = &user.Card{ID: f.aliceCard, TruncatedPAN: "457100XXXXXX0001", SealedToken: []byte("sealed"),
				TokenHash: tokenHash(f.token), CreatedAt: f.now}
		}
		if err := users.CreateUser(ctx, u, card, nil); err != nil {
			t.Fatal(err)
		}
	}
	f.receiptInput = func(ext string, lines ...string) receipt.Input {
		in := receipt.Input{ExternalID: ext, ExternalIDType: "till", PurchaseDateTime: f.now.Add(-time.Hour),
			Total: receipt.Money{Amount: decimal.RequireFromString("10.50"), Currency: "DKK"},
			Payments: []receipt.PaymentInput{{Payment: receipt.Payment{Type: "CARD", Amount: decimal.RequireFromString("10.50"),
				TruncatedCardNumber: "457100XXXXXX0001"}, CardToken: f.token}}}
		for _, l := range lines {
			in.Lines = append(in.Lines, receipt.Line{Name: l, TotalPrice: decimal.RequireFromString("5.25")})
		}
		return in
	}
	return f
}

func (f *receiptFixture) save(t *testing.T, in receipt.Input) (*receipt.Receipt, bool, []receipt.Match) {
	t.Helper()
	r, err := receipt.New(f.merchant, "Ærø Bageri", in, f.now, func(b []byte) []byte { return tokenHash(string(b)) })
	if err != nil {
		t.Fatal(err)
	}
	created, matches, err := f.st.SaveReceipt(context.Background(), r, receipt.Save{})
	if err != nil {
		t.Fatal(err)
	}
	return r, created, matches
}

func TestSaveReceiptMatchesByCardTokenAndUpdatesOnRepost(t *testing.T) {
	ctx := context.Background()
	f := newReceiptFixture(t)
	r1, created, matches := f.save(t, f.receiptInput("R1", "Smørrebrød med æg"))
	if !created || len(matches) != 1 || matches[0].UserID != f.alice || matches[0].Card.CardID != f.aliceCard {
		t.Fatalf("created=%v matches=%+v, want alice's card", created, matches)
	}
	in := f.receiptInput("R1", "Rugbrød")
	in.Total.Amount = decimal.RequireFromString("99")
	r2, created, _ := f.save(t, in)
	if created || r2.ID != r1.ID {
		t.Fatalf("re-post: created=%v id %s, want updated %s", created, r2.ID, r1.ID)
	}
	got, err := f.st.FindUserReceipt(ctx, f.alice, r1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Lines) != 1 || got.Lines[0].Name != "Rugbrød" || !got.Total.Amount.Equal(decimal.NewFromInt(99)) {
		t.Errorf("content not replaced: %+v %s", got.Lines, got.Total.Amount)
	}
	if len(got.MatchedCards) != 1 || got.MatchedCards[0].CardID != f.aliceCard || got.Payments[0].CardID != f.aliceCard {
		t.Errorf("matched cards %+v, payment card %q", got.MatchedCards, got.Payments[0].CardID)
	}
	if _, err := f.st.FindUserReceipt(ctx, f.bob, r1.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("bob sees alice's receipt: %v", err)
	}
	// Only the hash of the token is stored, never the token.
	var stored []byte
	if err := f.db.Pool.QueryRow(ctx, `SELECT token_hash FROM receipt_card_tokens WHERE receipt_id = $1`, r1.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, tokenHash(f.token)) {
		t.Errorf("stored token hash %x", stored)
	}
	var dump string
	if err := f.db.Pool.QueryRow(ctx, `SELECT r::text FROM receipts r WHERE receipt_id = $1`, r1.ID).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dump, f.token) {
		t.Errorf("receipt row holds the card token: %s", dump)
	}
}

func TestFindUserReceiptsSearchOrderAndRanges(t *testing.T) {
	ctx := context.Background()
	f := newReceiptFixture(t)
	a, _, _ := f.save(t, f.receiptInput("A", "Smørrebrød med æg"))
	in := f.receiptInput("B", "Kaffe")
	in.Total.Amount = decimal.NewFromInt(200)
	in.PurchaseDateTime = f.now.Add(-48 * time.Hour)
	b, _, _ := f.save(t, in)

	list := func(fl receipt.Filter) ([]string, int) {
		t.Helper()
		if fl.Limit == 0 {
			fl.Limit = 50
		}
		rs, total, err := f.st.FindUserReceipts(ctx, f.alice, fl)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out, total
	}
	if got, total := list(receipt.Filter{OrderBy: receipt.OrderByDate, Direction: receipt.Desc}); total != 2 || got[0] != a.ID || got[1] != b.ID {
		t.Errorf("by date desc: %v (%d)", got, total)
	}
	if got, _ := list(receipt.Filter{OrderBy: receipt.OrderByTotal, Direction: receipt.Desc}); got[0] != b.ID {
		t.Errorf("by total desc: %v", got)
	}
	for _, term := range []string{"smørrebrød", "SMØRREBRØD", "med æg", "ærø"} {
		fl := receipt.Filter{OrderBy: receipt.OrderByDate, Direction: receipt.Asc, Search: term}
		if err := fl.Validate(); err != nil {
			t.Fatal(err)
		}
		got, total := list(fl)
		want := 1
		if term == "ærø" { // the merchant's name is on both
			want = 2
		}
		if total != want || (want == 1 && got[0] != a.ID) {
			t.Errorf("search %q: %v (%d), want %d", term, got, total, want)
		}
	}
	if got, _ := list(receipt.Filter{OrderBy: receipt.OrderByDate, Direction: receipt.Asc, Search: "100%_"}); len(got) != 0 {
		t.Errorf("wildcards in the term matched: %v", got)
	}
	lo, hi := decimal.RequireFromString("10.50"), decimal.RequireFromString("10.50")
	if got, total := list(receipt.Filter{OrderBy: receipt.OrderByDate, Direction: receipt.Asc, MinTotal: &lo, MaxTotal: &hi}); total != 1 || got[0] != a.ID {
		t.Errorf("inclusive total range: %v", got)
	}
	from := b.PurchaseDateTime
	if got, total := list(receipt.Filter{OrderBy: receipt.OrderByDate, Direction: receipt.Asc, From: &from, To: &from}); total != 1 || got[0] != b.ID {
		t.Errorf("inclusive date range: %v", got)
	}
	if got, total := list(receipt.Filter{OrderBy: receipt.OrderByDate, Direction: receipt.Asc, Offset: 5}); len(got) != 0 || total != 2 {
		t.Errorf("past the end: %v total %d", got, total)
	}
}

func TestSearchIsServedByTheUsersIndexes(t *testing.T) {
	ctx := context.Background()
	f := newReceiptFixture(t)
	f.save(t, f.receiptInput("A", "Smørrebrød med æg"))
	// A user with thousands of receipts, so that the planner chooses by cost.
	for _, q := range []string{`INSERT INTO receipts (receipt_id, merchant_id, external_id_type, external_id, purchased_at,
			grand_total, currency, body, search_text, created_at, updated_at)
		SELECT md5('s' || g), $1, 'gen', g::text, now(), 1, 'DKK', '{}', 'line ' || md5(g::text), now(), now()
		FROM generate_series(1, 3000) g WHERE $2::text IS NOT NULL`,
		`INSERT INTO receipt_users (user_id, receipt_id, merchant_id, purchased_at, grand_total, created_at)
		SELECT $2, receipt_id, merchant_id, purchased_at, grand_total, now() FROM receipts WHERE external_id_type = 'gen' AND merchant_id = $1`,
		`VACUUM ANALYZE receipt_users`} {
		args := []any{f.merchant, f.alice}
		if strings.HasPrefix(q, "VACUUM") {
			args = nil
		}
		if _, err := f.db.Pool.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	tx, err := f.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// A test table is small enough to read whole; what matters is which
	// index serves the user's search.
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	// The store's page query, first part.
	rows, err := tx.Query(ctx, `EXPLAIN SELECT user_id, receipt_id, purchased_at, grand_total, store_name, COUNT(*) OVER ()
		FROM receipt_users ru WHERE user_id = $1 AND search_text LIKE '%smørrebrød%'
		ORDER BY purchased_at DESC, receipt_id DESC LIMIT 50`, f.alice)
	if err != nil {
		t.Fatal(err)
	}
	var plan strings.Builder
	for rows.Next() {
		var line string
		_ = rows.Scan(&line)
		plan.WriteString(line + "\n")
	}
	if p := plan.String(); !strings.Contains(p, "Index Only Scan Backward using receipt_users_list_idx") &&
		!strings.Contains(p, "receipt_users_search_idx") {
		t.Errorf("search is not served by the user's covering or trigram index:\n%s", p)
	}
}

// The search text each user's row keeps follows the receipt: a re-post
// with other lines, a copy, a user matched later.
func TestSearchFollowsRepostAndCopy(t *testing.T) {
	ctx := context.Background()
	f := newReceiptFixture(t)
	search := func(userID, term string) int {
		t.Helper()
		_, n, err := f.st.FindUserReceipts(ctx, userID, receipt.Filter{OrderBy: receipt.OrderByDate, Direction: receipt.Desc,
			Search: receipt.NormalizeSearch(term), Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	r, _, _ := f.save(t, f.receiptInput("S1", "Smørrebrød med æg"))
	if n := search(f.alice, "SMØRREBRØD"); n != 1 {
		t.Fatalf("search before re-post: %d", n)
	}
	f.save(t, f.receiptInput("S1", "Kanelsnegl"))
	if n := search(f.alice, "smørrebrød"); n != 0 {
		t.Errorf("the old line is still found after a re-post: %d", n)
	}
	if n := search(f.alice, "kanelsnegl"); n != 1 {
		t.Errorf("the new line is not found after a re-post: %d", n)
	}
	orig, err := f.st.FindUserReceipt(ctx, f.alice, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	svc := receipt.NewService(f.st, nil, nil, func() time.Time { return f.now })
	if _, err := svc.Copy(ctx, f.alice, orig.ID, f.bob); err != nil {
		t.Fatal(err)
	}
	if n := search(f.bob, "kanelsnegl"); n != 1 {
		t.Errorf("bob's copy is not found by its lines: %d", n)
	}
	if n := search(f.bob, "ærø bageri"); n != 1 {
		t.Errorf("bob's copy is not found by its merchant: %d", n)
	}
}

func TestDeleteAndCopyReceipt(t *testing.T) {
	ctx := context.Background()
	f := newReceiptFixture(t)
	r, _, _ := f.save(t, f.receiptInput("A", "Kaffe"))
	orig, err := f.st.FindUserReceipt(ctx, f.alice, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	svc := receipt.NewService(f.st, nil, nil, func() time.Time { return f.now })
	cp, err := svc.Copy(ctx, f.alice, orig.ID, f.bob)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.st.FindUserReceipt(ctx, f.bob, cp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CopyOf != r.ID || len(got.Lines) != 1 || len(got.CopyHistory) != 1 || got.CopyHistory[0].ToUserID != f.bob {
		t.Errorf("copy %+v", got)
	}
	orig, _ = f.st.FindUserReceipt(ctx, f.alice, r.ID)
	if len(orig.CopyHistory) != 1 || orig.CopyHistory[0].To != cp.ID {
		t.Errorf("original's copy history %+v", orig.CopyHistory)
	}
	// A re-post does not clash with the copy's external id.
	if _, created, _ := f.save(t, f.receiptInput("A", "Te")); created {
		t.Error("re-post after a copy created a new receipt")
	}
	if err := f.st.DeleteUserReceipt(ctx, f.alice, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.st.DeleteUserReceipt(ctx, f.alice, r.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, err := f.st.FindUserReceipt(ctx, f.bob, cp.ID); err != nil {
		t.Errorf("bob's copy went with alice's delete: %v", err)
	}
}
