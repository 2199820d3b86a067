package receiptdata_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"loyaltygraph/internal/testenv"
)

// gql runs a GraphQL operation and decodes its data into out, failing on
// any top-level error.
func (e *env) gql(authz, query string, vars map[string]any, out any) {
	e.t.Helper()
	_, res := testenv.GraphQL(e.t, e.app.Handler, authz, query, vars)
	if len(res.Errors) > 0 {
		e.t.Fatalf("%s: %+v", query, res.Errors)
	}
	if err := json.Unmarshal(res.Data, out); err != nil {
		e.t.Fatal(err)
	}
}

const ingestMutation = `mutation($in: IngestReceiptInput!) {
  ingestReceipt(input: $in) { receiptId status userErrors { field code message } }
}`

type ingestResult struct {
	IngestReceipt struct {
		ReceiptID  *string
		Status     *string
		UserErrors []struct{ Field, Code, Message string }
	}
}

func graphqlReceipt(ext string) map[string]any {
	return map[string]any{
		"externalReceiptId": ext, "externalReceiptIdType": "till", "purchaseDateTime": "2026-11-01T10:34:23+02:00",
		"storeName":       "Ærø Bageri Nørrebro",
		"totalOrderPrice": map[string]any{"amount": "34.50", "currency": "DKK", "vatRates": []any{map[string]any{"rate": "25", "value": "6.90"}}},
		"receiptLines":    []any{map[string]any{"name": "Smørrebrød med æg", "totalPrice": "34.50"}},
		"payments": []any{map[string]any{"type": "CARD", "amount": "34.50", "cardToken": "tok-a",
			"truncatedCardNumber": "457100XXXXXX0001"}},
	}
}

func TestGraphQLIngestAndReadAgreeWithREST(t *testing.T) {
	e := newEnv(t)
	var created, updated ingestResult
	e.gql(e.pos, ingestMutation, map[string]any{"in": graphqlReceipt("G1")}, &created)
	c := created.IngestReceipt
	if len(c.UserErrors) > 0 || c.ReceiptID == nil || *c.Status != "CREATED" {
		t.Fatalf("ingest: %+v", c)
	}
	e.gql(e.pos, ingestMutation, map[string]any{"in": graphqlReceipt("G1")}, &updated)
	if u := updated.IngestReceipt; u.ReceiptID == nil || *u.ReceiptID != *c.ReceiptID || *u.Status != "UPDATED" {
		t.Fatalf("re-post: %+v", u)
	}
	id := *c.ReceiptID

	// The same receipt through REST.
	res := e.do(e.partner, "GET", "/receipt-data/v1/users/"+e.alice+"/receipts/"+id, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("REST details of a GraphQL receipt: %d %s", res.Status, res.Body)
	}
	var rest struct {
		GrandTotal   struct{ Amount float64 }
		ReceiptLines []struct{ Name string }
	}
	res.JSON(t, &rest)

	var q struct {
		User struct {
			Receipts struct {
				TotalCount int
				Nodes      []struct {
					ID, ReceiptID string
					Merchant      struct{ MerchantID, MerchantName string }
					GrandTotal    struct{ Amount, Currency, Vat string }
					ReceiptLines  []struct{ Name string }
					Payments      []struct {
						TruncatedCardNumber string
						Card                *struct{ CardID string }
					}
					MatchedCards testenv.Nodes[struct{ CardID string }]
				}
			}
		}
	}
	e.gql(e.partner, `query($u: ID!, $s: String) { user(userId: $u) { receipts(filter: {search: $s}, orderBy: {field: DATE, direction: DESC}, first: 10) {
		totalCount nodes { id receiptId merchant { merchantId merchantName } grandTotal { amount currency vat }
		receiptLines { name } payments { truncatedCardNumber card { cardId } } matchedCards { nodes { cardId } } } } } }`,
		map[string]any{"u": e.alice, "s": "SMØRREBRØD"}, &q)
	rs := q.User.Receipts
	if rs.TotalCount != 1 || len(rs.Nodes) != 1 {
		t.Fatalf("receipts: %+v", rs)
	}
	n := rs.Nodes[0]
	if n.ReceiptID != id || n.Merchant.MerchantID != e.merchant || n.Merchant.MerchantName != "Ærø Bageri" ||
		n.GrandTotal.Amount != "34.5" || n.GrandTotal.Vat != "6.9" || rest.GrandTotal.Amount != 34.5 ||
		n.ReceiptLines[0].Name != rest.ReceiptLines[0].Name {
		t.Errorf("GraphQL %+v, REST %+v", n, rest)
	}
	if len(n.MatchedCards) != 1 || n.MatchedCards[0].CardID != e.aliceCard || n.Payments[0].Card == nil || n.Payments[0].Card.CardID != e.aliceCard {
		t.Errorf("matched cards %+v, payments %+v", n.MatchedCards, n.Payments)
	}

	// The node id finds the receipt for the partner, not for another.
	var node struct{ Node *struct{ ReceiptID string } }
	e.gql(e.partner, `query($id: ID!) { node(id: $id) { ... on Receipt { receiptId } } }`, map[string]any{"id": n.ID}, &node)
	if node.Node == nil || node.Node.ReceiptID != id {
		t.Errorf("node: %+v", node.Node)
	}
	node.Node = nil
	e.gql(e.other, `query($id: ID!) { node(id: $id) { ... on Receipt { receiptId } } }`, map[string]any{"id": n.ID}, &node)
	if node.Node != nil {
		t.Errorf("another partner reads the node: %+v", node.Node)
	}
	var one struct{ Receipt *struct{ ReceiptID string } }
	e.gql(e.other, `query($r: ID!, $u: ID) { receipt(receiptId: $r, userId: $u) { receiptId } }`, map[string]any{"r": id, "u": e.alice}, &one)
	if one.Receipt != nil {
		t.Errorf("another partner reads the receipt: %+v", one.Receipt)
	}

	var cp struct {
		CopyReceipt struct {
			Receipt    *struct{ ReceiptID, UserID string }
			UserErrors []struct{ Field, Code string }
		}
	}
	e.gql(e.partner, `mutation($r: ID!, $u: ID, $to: ID) { copyReceipt(receiptId: $r, userId: $u, toUserId: $to) {
		receipt { receiptId userId } userErrors { field code } } }`, map[string]any{"r": id, "u": e.alice, "to": e.bob}, &cp)
	if cp.CopyReceipt.Receipt == nil || cp.CopyReceipt.Receipt.UserID != e.bob {
		t.Fatalf("copy: %+v", cp.CopyReceipt)
	}
	var del struct {
		DeleteReceipt struct {
			DeletedReceiptID *string
			UserErrors       []struct{ Field, Code string }
		}
	}
	const deleteMutation = `mutation($r: ID!, $u: ID) { deleteReceipt(receiptId: $r, userId: $u) { deletedReceiptId userErrors { field code } } }`
	e.gql(e.partner, deleteMutation, map[string]any{"r": id, "u": e.alice}, &del)
	if del.DeleteReceipt.DeletedReceiptID == nil || *del.DeleteReceipt.DeletedReceiptID != id {
		t.Fatalf("delete: %+v", del.DeleteReceipt)
	}
	e.gql(e.partner, deleteMutation, map[string]any{"r": id, "u": e.alice}, &del)
	if d := del.DeleteReceipt; len(d.UserErrors) != 1 || d.UserErrors[0].Code != "NOT_FOUND" {
		t.Errorf("second delete: %+v", d)
	}
}

func TestGraphQLIngestNamesTheFieldAndRefusesCardNumbers(t *testing.T) {
	e := newEnv(t)
	in := graphqlReceipt("G2")
	in["payments"] = []any{map[string]any{"type": "CARD", "amount": "1", "truncatedCardNumber": pan}}
	var out ingestResult
	e.gql(e.pos, ingestMutation, map[string]any{"in": in}, &out)
	if ue := out.IngestReceipt.UserErrors; len(ue) != 1 || ue[0].Field != "payments[0].truncatedCardNumber" || ue[0].Code != "INVALID" {
		t.Fatalf("userErrors %+v", ue)
	}
	in = graphqlReceipt("G3")
	in["totalOrderPrice"] = map[string]any{"amount": "1", "currency": "kr"}
	e.gql(e.pos, ingestMutation, map[string]any{"in": in}, &out)
	if ue := out.IngestReceipt.UserErrors; len(ue) != 1 || ue[0].Field != "totalOrderPrice.currency" {
		t.Fatalf("userErrors %+v", ue)
	}
	if n := e.countReceipts(); n != 0 {
		t.Fatalf("%d receipts stored", n)
	}
	_, res := testenv.GraphQL(t, e.app.Handler, e.partner, ingestMutation, map[string]any{"in": graphqlReceipt("G4")})
	if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("partner ingesting: %+v", res.Errors)
	}
}
