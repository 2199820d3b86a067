package receiptdata_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/internal/testenv"
)

// TestReceiptPageLoadsCardsThroughDataloaders: a page of 50 receipts with
// their merchants, matched cards and payment cards costs as many SQL
// statements as a page of one (no statement per receipt or card).
func TestReceiptPageLoadsCardsThroughDataloaders(t *testing.T) {
	e := newEnv(t)
	tok := "tok-dl-" + ids.LowerAlnum(8)
	payer, card := e.newUser(e.partnerID, tok)
	for i := range 50 {
		b := receiptBody(fmt.Sprintf("DL%d-%s", i, tok))
		b["payments"].([]any)[0].(map[string]any)["cardToken"] = tok
		e.post(b)
	}
	a, counter := testenv.CountingApp(t)
	const query = `query($u: ID!, $n: Int!) { user(userId: $u) { receipts(first: $n) { totalCount nodes {
	  receiptId merchant { merchantId merchantName } matchedCards { nodes { cardId truncatedPan } }
	  payments { amount card { cardId } } } } } }`
	type page struct {
		User struct {
			Receipts struct {
				TotalCount int
				Nodes      []struct {
					ReceiptID    string
					Merchant     struct{ MerchantID string }
					MatchedCards testenv.Nodes[struct{ CardID string }]
					Payments     []struct{ Card *struct{ CardID string } }
				}
			}
		}
	}
	statements := func(n int) (int64, page) {
		t.Helper()
		var out page
		// Once before counting, so that credential look-ups and prepared
		// statements are warm alike for both pages.
		testenv.GraphQL(t, a.Handler, e.partner, query, map[string]any{"u": payer, "n": n})
		before := counter.Count()
		_, res := testenv.GraphQL(t, a.Handler, e.partner, query, map[string]any{"u": payer, "n": n})
		if len(res.Errors) > 0 {
			t.Fatalf("%+v", res.Errors)
		}
		count := counter.Count() - before
		if err := jsonUnmarshal(res.Data, &out); err != nil {
			t.Fatal(err)
		}
		return count, out
	}
	one, _ := statements(1)
	fifty, p := statements(50)
	nodes := p.User.Receipts.Nodes
	if p.User.Receipts.TotalCount != 50 || len(nodes) != 50 {
		t.Fatalf("page of %d of %d", len(nodes), p.User.Receipts.TotalCount)
	}
	for _, n := range nodes {
		if n.Merchant.MerchantID != e.merchant || len(n.MatchedCards) != 1 || n.MatchedCards[0].CardID != card ||
			len(n.Payments) != 1 || n.Payments[0].Card == nil || n.Payments[0].Card.CardID != card {
			t.Fatalf("receipt %+v", n)
		}
	}
	if fifty > one+1 {
		t.Fatalf("a page of 50 receipts took %d SQL statements, a page of 1 took %d: the statements grow with the page", fifty, one)
	}
	t.Logf("SQL statements: page of 1: %d, page of 50: %d", one, fifty)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// principalOf authenticates a Basic Authorization header value.
func (e *env) principalOf(header string) *auth.Principal {
	e.t.Helper()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(header, "Basic "))
	if err != nil {
		e.t.Fatal(err)
	}
	name, secret, _ := strings.Cut(string(raw), ":")
	p, err := e.app.Auth.AuthenticateBasic(context.Background(), name, secret)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// TestCardsByIDReachesOnlyTheCallersCards: the batch read behind the
// card fields leaves out other partners' cards, malformed ids and, for an
// end user, other users' cards.
func TestCardsByIDReachesOnlyTheCallersCards(t *testing.T) {
	e := newEnv(t)
	var carolCard string
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT card_id FROM cards WHERE user_id = $1`, e.carol).Scan(&carolCard); err != nil {
		t.Fatal(err)
	}
	_, bobCard := e.newUser(e.partnerID, "tok-b-"+ids.LowerAlnum(6))
	ask := []string{e.aliceCard, carolCard, bobCard, "NOT an id", ""}
	got := func(p *auth.Principal) map[string]bool {
		cards, err := e.app.Ops.Users.CardsByID(auth.WithPrincipal(context.Background(), p), ask)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, c := range cards {
			out[c.ID] = true
		}
		return out
	}
	if g := got(e.principalOf(e.partner)); len(g) != 2 || !g[e.aliceCard] || !g[bobCard] {
		t.Fatalf("partner reads %v", g)
	}
	if g := got(e.principalOf(e.other)); len(g) != 1 || !g[carolCard] {
		t.Fatalf("other partner reads %v", g)
	}
	if g := got(&auth.Principal{Kind: auth.KindUser, UserID: e.alice, ProviderID: e.partnerID}); len(g) != 1 || !g[e.aliceCard] {
		t.Fatalf("alice reads %v", g)
	}
	if _, err := e.app.Ops.Users.CardsByID(auth.WithPrincipal(context.Background(), e.principalOf(e.pos)), ask); err == nil {
		t.Fatal("a till read cards")
	}
}
