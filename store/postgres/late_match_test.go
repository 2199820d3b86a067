package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/domain/user"
	"loyaltygraph/store/postgres"
)

// eventRecorder is an outbox that keeps the events written through it.
type eventRecorder struct{ events []notify.Event }

func (r *eventRecorder) Enqueue(_ context.Context, _ pgx.Tx, events ...notify.Event) error {
	r.events = append(r.events, events...)
	return nil
}

// TestCardInsertMatchesReceiptsOfTheLast30Days: every card registration
// of the user store (a new user with a card, AddCard) gives the user the
// unmatched receipts its token paid for in the 30 days before, in the
// card's transaction, with one CREATED notification each to the user's
// partner; older receipts and copies stay unmatched, and a card added
// again matches nothing twice.
func TestCardInsertMatchesReceiptsOfTheLast30Days(t *testing.T) {
	ctx := context.Background()
	f := newReceiptFixture(t)
	tok := "late-" + ids.LowerAlnum(10)
	save := func(ext string, ago time.Duration) *receipt.Receipt {
		in := f.receiptInput(ext, "Rugbrød")
		in.PurchaseDateTime = f.now.Add(-ago)
		in.Payments[0].CardToken = tok
		r, created, matches := f.save(t, in)
		if !created || len(matches) != 0 {
			t.Fatalf("%s: created %v, matches %v", ext, created, matches)
		}
		return r
	}
	recent, edge, old := save("late-1", 2*24*time.Hour), save("late-2", 29*24*time.Hour), save("late-3", 31*24*time.Hour)

	rec := &eventRecorder{}
	users := postgres.NewUserStore(f.db, rec, nil)
	partner := newOwner(t, f.db)
	u := &user.User{ID: ids.New(), Provider: user.Provider{ID: partner}, Phone: "4599123456",
		MemberID: ids.LowerAlnum(8), CreatedAt: f.now, UpdatedAt: f.now}
	card := &user.Card{ID: ids.New(), TruncatedPAN: "457100XXXXXX0001", SealedToken: []byte("sealed"), TokenHash: tokenHash(tok), CreatedAt: f.now}
	created := notify.Event{Type: notify.EventUserCreated, OwnerID: partner}
	if err := users.CreateUser(ctx, u, card, []notify.Event{created}); err != nil {
		t.Fatal(err)
	}
	rs, total, err := f.st.FindUserReceipts(ctx, u.ID, receipt.Filter{OrderBy: receipt.OrderByDate, Direction: receipt.Desc, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || rs[0].ID != recent.ID || rs[1].ID != edge.ID {
		t.Fatalf("late-matched %d receipts %v, want %s and %s (not %s)", total, rs, recent.ID, edge.ID, old.ID)
	}
	if len(rs[0].MatchedCards) != 1 || rs[0].MatchedCards[0].CardID != card.ID {
		t.Fatalf("matched cards: %+v", rs[0].MatchedCards)
	}
	// The user's own event first, then one RECEIPT per receipt.
	if len(rec.events) != 3 || rec.events[0].Type != notify.EventUserCreated {
		t.Fatalf("events: %+v", rec.events)
	}
	for _, ev := range rec.events[1:] {
		n, ok := ev.Payload.(receipt.Notification)
		if ev.Type != notify.EventReceipt || ev.OwnerID != partner || !ok || n.UserID != u.ID || n.Status != receipt.StatusCreated ||
			len(n.CardIDs) != 1 || n.CardIDs[0] != card.ID || len(n.Transactions) != 1 {
			t.Fatalf("RECEIPT event: %+v", ev)
		}
	}

	// The same token again for the same user is the stored card: nothing
	// is matched or notified again.
	rec.events = nil
	again := *card
	again.ID = ids.New()
	if got, err := users.AddCard(ctx, partner, &again); err != nil || got.ID != card.ID {
		t.Fatalf("add the card again: %v %v", got, err)
	}
	if len(rec.events) != 0 {
		t.Fatalf("events on re-adding: %+v", rec.events)
	}

	// Another card of the same token (another partner's user) gets the
	// same receipts through AddCard.
	other := newOwner(t, f.db)
	v := &user.User{ID: ids.New(), Provider: user.Provider{ID: other}, Phone: "4598123456", MemberID: ids.LowerAlnum(8),
		CreatedAt: f.now, UpdatedAt: f.now}
	if err := users.CreateUser(ctx, v, nil, nil); err != nil {
		t.Fatal(err)
	}
	vc := &user.Card{ID: ids.New(), UserID: v.ID, TruncatedPAN: "457100XXXXXX0001", SealedToken: []byte("sealed"), TokenHash: tokenHash(tok), CreatedAt: f.now}
	if _, err := users.AddCard(ctx, other, vc); err != nil {
		t.Fatal(err)
	}
	if len(rec.events) != 2 || rec.events[0].OwnerID != other {
		t.Fatalf("AddCard events: %+v", rec.events)
	}
}
