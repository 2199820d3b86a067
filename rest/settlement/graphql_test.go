package settlement_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
)

// The GraphQL door of the Loyalty Settlement API: the same operations as
// REST, so what one door writes the other reads.

// gql runs a query as the world's settlement client and decodes data into
// v, failing on any top-level error.
func (w *world) gql(query string, vars map[string]any, v any) {
	w.c.t.Helper()
	_, res := testenv.GraphQL(w.c.t, w.c.h, w.c.auth, query, vars)
	if len(res.Errors) > 0 {
		w.c.t.Fatalf("errors: %+v (data %s)", res.Errors, res.Data)
	}
	if err := json.Unmarshal(res.Data, v); err != nil {
		w.c.t.Fatalf("data %s: %v", res.Data, err)
	}
}

type userError struct {
	Field   *string
	Code    string
	Message string
}

// wantUserError fails unless errs is exactly one error of code on field.
func wantUserError(t *testing.T, errs []userError, code, field string) {
	t.Helper()
	if len(errs) != 1 || errs[0].Code != code || errs[0].Field == nil || *errs[0].Field != field || errs[0].Message == "" {
		t.Fatalf("userErrors %+v, want one %s on %s", errs, code, field)
	}
}

const createCompany = `mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) {
    company { id companyId merchantId name companyRegistrationNumber userShare userShareType providerShare providerShareType }
    userErrors { field code message }
  }
}`

type companyPayload struct {
	CreateCompany struct {
		Company *struct {
			ID, CompanyID, MerchantID, Name, CompanyRegistrationNumber string
			UserShare, UserShareType, ProviderShare, ProviderShareType string
		}
		UserErrors []userError
	}
}

func TestGraphQLCompanyAndStoreMatchREST(t *testing.T) {
	w := newWorld(t)

	// GraphQL writes, REST reads.
	var cp companyPayload
	w.gql(createCompany, map[string]any{"input": map[string]any{
		"companyId": w.id("gc"), "merchantId": w.id("m1"), "name": "Via GraphQL", "companyRegistrationNumber": w.num("7"),
		"userShare": "7.25", "providerShare": "3", "providerShareType": "FIXED_AMOUNT",
	}}, &cp)
	if c := cp.CreateCompany.Company; c == nil || len(cp.CreateCompany.UserErrors) != 0 || c.ID == "" ||
		c.UserShare != "7.25" || c.UserShareType != "PERCENTAGE" || c.ProviderShare != "3" || c.ProviderShareType != "FIXED_AMOUNT" {
		t.Fatalf("createCompany: %+v", cp.CreateCompany)
	}
	got := exact(t, w.must("GET", "/api/v1/companies/"+w.id("gc"), nil, http.StatusOK))
	wantFields(t, got, map[string]any{"companyId": w.id("gc"), "merchantId": w.id("m1"), "name": "Via GraphQL",
		"companyRegistrationNumber": json.Number(w.num("7")), "userShare": json.Number("7.25"), "userShareType": "percentage",
		"providerShare": json.Number("3"), "providerShareType": "fixed_amount"})

	var sp struct {
		CreateStore struct {
			Store      *struct{ ID, StoreID, StoreNumber, Source, UserShare string }
			UserErrors []userError
		}
	}
	w.gql(`mutation($input: CreateStoreInput!) { createStore(input: $input) { store { id storeId storeNumber source userShare } userErrors { field code message } } }`,
		map[string]any{"input": map[string]any{"storeId": w.id("gs"), "merchantId": w.id("m1"), "storeNumber": w.num("8"), "name": "Till",
			"userShare": "12.5", "providerShare": "1", "source": "RECEIPT"}}, &sp)
	if s := sp.CreateStore.Store; s == nil || s.StoreID != w.id("gs") || s.Source != "RECEIPT" || s.UserShare != "12.5" {
		t.Fatalf("createStore: %+v", sp.CreateStore)
	}
	got = exact(t, w.must("GET", "/api/v1/stores/"+w.id("gs"), nil, http.StatusOK))
	wantFields(t, got, map[string]any{"storeNumber": w.num("8"), "source": "receipt", "userShare": json.Number("12.5"), "userShareType": "percentage"})

	// REST wrote the world's company and store; GraphQL reads them, by
	// native id and by global id.
	var read struct {
		Company struct{ ID, Name, UserShare, UserShareType, ProviderShare string }
		Store   struct{ ID, StoreNumber, UserShare, ProviderShare, Source string }
		Missing *struct{ CompanyID string }
	}
	w.gql(`query($c: ID!, $s: ID!) {
	  company(companyId: $c) { id name userShare userShareType providerShare }
	  store(storeId: $s) { id storeNumber userShare providerShare source }
	  missing: company(companyId: "nope") { companyId }
	}`, map[string]any{"c": w.id("c1"), "s": w.id("s1")}, &read)
	if read.Company.UserShare != "7.5" || read.Company.UserShareType != "PERCENTAGE" || read.Company.ProviderShare != "2.5" ||
		read.Store.StoreNumber != w.num("2") || read.Store.UserShare != "10" || read.Store.Source != "TRANSACTION" || read.Missing != nil {
		t.Fatalf("GraphQL reads %+v", read)
	}
	var nodes struct {
		Nodes []struct{ ID, CompanyID, StoreID string }
	}
	w.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Company { companyId } ... on Store { storeId } } }`,
		map[string]any{"ids": []string{read.Company.ID, read.Store.ID}}, &nodes)
	if len(nodes.Nodes) != 2 || nodes.Nodes[0].CompanyID != w.id("c1") || nodes.Nodes[1].StoreID != w.id("s1") {
		t.Fatalf("nodes: %+v", nodes)
	}

	// Updates change only what they name; deletes are seen by REST.
	var up struct {
		UpdateCompany struct {
			Company    struct{ Name, UserShare string }
			UserErrors []userError
		}
		DeleteStore struct {
			DeletedStoreID *string
			UserErrors     []userError
		}
	}
	w.gql(`mutation($c: ID!, $s: ID!) {
	  updateCompany(companyId: $c, input: {name: "Renamed"}) { company { name userShare } userErrors { field code message } }
	  deleteStore(storeId: $s) { deletedStoreId userErrors { field code message } }
	}`, map[string]any{"c": w.id("gc"), "s": w.id("gs")}, &up)
	if up.UpdateCompany.Company.Name != "Renamed" || up.UpdateCompany.Company.UserShare != "7.25" ||
		up.DeleteStore.DeletedStoreID == nil || *up.DeleteStore.DeletedStoreID != w.id("gs") {
		t.Fatalf("update/delete: %+v", up)
	}
	got = exact(t, w.must("GET", "/api/v1/companies/"+w.id("gc"), nil, http.StatusOK))
	wantFields(t, got, map[string]any{"name": "Renamed", "userShare": json.Number("7.25")})
	wantError(t, w.c.do("GET", "/api/v1/stores/"+w.id("gs"), nil), http.StatusNotFound, "not_found", "")

	// Unknown ids are NOT_FOUND userErrors, as REST answers 404.
	var missing struct {
		DeleteCompany struct {
			DeletedCompanyID *string
			UserErrors       []userError
		}
	}
	w.gql(`mutation { deleteCompany(companyId: "nope") { deletedCompanyId userErrors { field code message } } }`, nil, &missing)
	if missing.DeleteCompany.DeletedCompanyID != nil || len(missing.DeleteCompany.UserErrors) != 1 || missing.DeleteCompany.UserErrors[0].Code != "NOT_FOUND" {
		t.Fatalf("delete unknown: %+v", missing)
	}
}

func TestGraphQLShareUserErrorsNameTheField(t *testing.T) {
	w := newWorld(t)
	base := func(over map[string]any) map[string]any {
		in := map[string]any{"merchantId": w.id("m1"), "name": "Shares", "companyRegistrationNumber": w.num("5"), "userShare": "1", "providerShare": "1"}
		for k, v := range over {
			in[k] = v
		}
		return in
	}
	cases := []struct {
		name  string
		over  map[string]any
		field string
	}{
		{"three decimals", map[string]any{"userShare": "7.555"}, "userShare"},
		{"over 100", map[string]any{"providerShare": "100.01"}, "providerShare"},
		{"negative", map[string]any{"userShare": "-1"}, "userShare"},
		{"both derived", map[string]any{"userShareType": "DERIVED", "providerShareType": "DERIVED"}, "providerShareType"},
		{"unknown merchant", map[string]any{"merchantId": "nope"}, "merchantId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w.c.t = t
			var p companyPayload
			w.gql(createCompany, map[string]any{"input": base(tc.over)}, &p)
			if p.CreateCompany.Company != nil {
				t.Fatalf("company created: %+v", p.CreateCompany.Company)
			}
			wantUserError(t, p.CreateCompany.UserErrors, "INVALID", tc.field)
		})
	}
	w.c.t = t
	// Nothing was stored.
	list := exactList(t, w.must("GET", "/api/v1/merchants/"+w.id("m1")+"/companies", nil, http.StatusOK))
	if len(list) != 1 {
		t.Fatalf("refused companies stored: %v", list)
	}
	// An update is checked the same way and leaves the store as it was.
	var up struct {
		UpdateStore struct {
			Store      *struct{ UserShare string }
			UserErrors []userError
		}
	}
	w.gql(`mutation($id: ID!) { updateStore(storeId: $id, input: {userShare: "10.125"}) { store { userShare } userErrors { field code message } } }`,
		map[string]any{"id": w.id("s1")}, &up)
	wantUserError(t, up.UpdateStore.UserErrors, "INVALID", "userShare")
	wantFields(t, exact(t, w.must("GET", "/api/v1/stores/"+w.id("s1"), nil, http.StatusOK)), map[string]any{"userShare": json.Number("10")})

	// A share that is no decimal at all, or a float, is refused by the
	// Decimal scalar before any resolver runs.
	for _, bad := range []string{`"seven"`, `7.5`} {
		_, res := testenv.GraphQL(t, w.c.h, w.c.auth, `mutation { createCompany(input: {merchantId: "`+w.id("m1")+
			`", name: "x", companyRegistrationNumber: "1", userShare: `+bad+`, providerShare: "1"}) { company { id } } }`, nil)
		if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Fatalf("userShare %s: %s %+v", bad, res.Data, res.Errors)
		}
	}
}

func TestGraphQLSettlementNeedsSettlementCredentials(t *testing.T) {
	w := newWorld(t)
	queries := map[string]string{
		"createCompany":     `mutation { createCompany(input: {merchantId: "m", name: "n", companyRegistrationNumber: "1", userShare: "1", providerShare: "1"}) { company { id } } }`,
		"company":           `{ company(companyId: "x") { id } }`,
		"settlements":       `{ settlements { totalCount } }`,
		"ingest":            `mutation { ingestTransactions(transactions: []) { batch { batchId } } }`,
		"settleMerchants":   `mutation { settleMerchants { settlementId } }`,
		"blockedProducts":   `{ blockedProducts { nodes { productId } } }`,
		"settlementBatches": `{ settlementBatches { totalCount } }`,
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			_, res := testenv.GraphQL(t, w.c.h, w.partner, q, nil)
			if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
				t.Fatalf("partner: %s %+v", res.Data, res.Errors)
			}
			_, res = testenv.GraphQL(t, w.c.h, "", q, nil)
			if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
				t.Fatalf("anonymous: %s %+v", res.Data, res.Errors)
			}
		})
	}
	// A partner cannot see a company through node either: null, as if it
	// did not exist.
	var read struct{ Company struct{ ID string } }
	w.gql(`query($id: ID!) { company(companyId: $id) { id } }`, map[string]any{"id": w.id("c1")}, &read)
	_, res := testenv.GraphQL(t, w.c.h, w.partner, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": read.Company.ID})
	if len(res.Errors) != 0 || string(res.Data) != `{"node":null}` {
		t.Fatalf("partner node: %s %+v", res.Data, res.Errors)
	}
}

func (w *world) gqlTx(id, amount, store, company, card string) map[string]any {
	return map[string]any{"transactionId": w.id(id), "amount": amount, "currency": "DKK",
		"transactionDateTime": "2024-05-18T10:00:00+02:00", "cardAcceptorId": store, "companyRegistrationNumber": company,
		"cardToken": card, "truncatedCardNumber": "457100XXXXXX0001", "cardType": "VISA"}
}

const ingest = `mutation($txs: [TransactionInput!]!) {
  ingestTransactions(transactions: $txs) { batch { id batchId transactionCount } userErrors { field code message } }
}`

type ingestPayload struct {
	IngestTransactions struct {
		Batch *struct {
			ID, BatchID      string
			TransactionCount int
		}
		UserErrors []userError
	}
}

func TestGraphQLIngestSettleAndInvoice(t *testing.T) {
	w := newWorld(t)
	from := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	var ip ingestPayload
	w.gql(ingest, map[string]any{"txs": []any{
		w.gqlTx("t1", "100.00", w.num("2"), "", w.card()),        // store: 10 % / 5 %
		w.gqlTx("t2", "200.10", "nostore", w.num("1"), w.card()), // company: 7.5 % / 2.5 %
		w.gqlTx("t3", "50", w.num("2"), "", "unknown-card"),      // no user with this card
	}}, &ip)
	b := ip.IngestTransactions.Batch
	if b == nil || b.TransactionCount != 3 || len(ip.IngestTransactions.UserErrors) != 0 {
		t.Fatalf("ingest: %+v", ip.IngestTransactions)
	}
	// REST sees the batch GraphQL ingested.
	var rest struct {
		TotalSize int
		Results   []struct{ TransactionID, State string }
	}
	w.must("GET", "/api/v1/transactions/"+b.BatchID, nil, http.StatusOK).JSON(t, &rest)
	if rest.TotalSize != 3 {
		t.Fatalf("REST transactions: %+v", rest)
	}
	var txs struct {
		Transactions struct {
			TotalCount int
			Nodes      []struct {
				TransactionID, State string
				Reason, MerchantID   *string
				Amount               string
			}
		}
	}
	w.gql(`query($b: ID!) { transactions(batchId: $b, first: 10) { totalCount nodes { transactionId state reason merchantId amount } } }`,
		map[string]any{"b": b.BatchID}, &txs)
	states := map[string]string{}
	for _, x := range txs.Transactions.Nodes {
		states[strings.TrimPrefix(x.TransactionID, w.prefix+"-")] = x.State + " " + x.Amount
	}
	if txs.Transactions.TotalCount != 3 || states["t1"] != "settled 100" || states["t2"] != "settled 200.1" || states["t3"] != "unmatched 50" {
		t.Fatalf("transactions: %+v", txs)
	}

	// Settlements: shares are Decimal strings, the same values REST writes
	// as JSON numbers.
	to := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	type settlementNode struct {
		ID, TransactionID, UserShare, ProviderShare, UserShareType, Amount string
		BatchID                                                            *string
		Merchant                                                           struct{ MerchantID, MerchantName string }
	}
	var page struct {
		Settlements struct {
			TotalCount int
			Nodes      []settlementNode
		}
	}
	const settlements = `query($f: SettlementFilter) {
	  settlements(filter: $f, first: 100) { totalCount nodes { id transactionId userShare providerShare userShareType amount batchId merchant { merchantId merchantName } } }
	}`
	w.gql(settlements, map[string]any{"f": map[string]any{"startDate": from, "endDate": to, "merchantIds": []string{w.id("m1")}}}, &page)
	got := map[string]settlementNode{}
	for _, s := range page.Settlements.Nodes {
		got[strings.TrimPrefix(s.TransactionID, w.prefix+"-")] = s
	}
	if page.Settlements.TotalCount != 2 || got["t1"].UserShare != "10" || got["t1"].ProviderShare != "5" ||
		got["t2"].UserShare != "15.01" || got["t2"].ProviderShare != "5" || got["t1"].UserShareType != "PERCENTAGE" ||
		got["t1"].Merchant.MerchantID != w.id("m1") || got["t1"].BatchID != nil {
		t.Fatalf("settlements: %+v", page.Settlements)
	}
	var restPage struct {
		Settlements []map[string]json.RawMessage
	}
	w.must("GET", "/api/v1/settlements?startdate="+from+"&enddate="+to+"&merchant="+w.id("m1"), nil, http.StatusOK).JSON(t, &restPage)
	for _, s := range restPage.Settlements {
		id := strings.TrimPrefix(strings.Trim(string(s["transactionId"]), `"`), w.prefix+"-")
		if string(s["userShare"]) != got[id].UserShare || string(s["providerShare"]) != got[id].ProviderShare {
			t.Fatalf("REST %s: %s/%s, GraphQL %+v", id, s["userShare"], s["providerShare"], got[id])
		}
	}
	// A settlement's global id finds it again.
	var node struct {
		Node struct{ TransactionID, UserShare string }
	}
	w.gql(`query($id: ID!) { node(id: $id) { ... on Settlement { transactionId userShare } } }`, map[string]any{"id": got["t2"].ID}, &node)
	if node.Node.TransactionID != w.id("t2") || node.Node.UserShare != "15.01" {
		t.Fatalf("settlement node: %+v", node)
	}
	// The end before the start names the filter field.
	_, res := testenv.GraphQL(t, w.c.h, w.c.auth, settlements, map[string]any{"f": map[string]any{"startDate": to, "endDate": from}})
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "endDate" {
		t.Fatalf("end before start: %+v", res.Errors)
	}

	// Batch: it takes both settlements, which then name it.
	var bp struct {
		CreateSettlementBatch struct {
			Batch struct {
				ID, BatchID     string
				SettlementCount int
				Settlements     struct {
					TotalCount int
					Nodes      []struct{ TransactionID string }
				}
			}
		}
	}
	w.gql(`mutation($m: [ID!]) { createSettlementBatch { batch { id batchId settlementCount settlements(merchantIds: $m) { totalCount nodes { transactionId } } } } }`,
		map[string]any{"m": []string{w.id("m1")}}, &bp)
	sb := bp.CreateSettlementBatch.Batch
	if sb.SettlementCount < 2 || sb.Settlements.TotalCount != 2 || len(sb.Settlements.Nodes) != 2 {
		t.Fatalf("settlement batch: %+v", sb)
	}
	var batches struct {
		SettlementBatches struct {
			TotalCount int
			Nodes      []struct{ BatchID string }
		}
	}
	w.gql(`{ settlementBatches(first: 100) { totalCount nodes { batchId } } }`, nil, &batches)
	if !slices.ContainsFunc(batches.SettlementBatches.Nodes, func(n struct{ BatchID string }) bool { return n.BatchID == sb.BatchID }) {
		t.Fatalf("batch %s not listed: %+v", sb.BatchID, batches)
	}
	w.must("GET", "/api/v1/settlements/"+sb.BatchID+"?merchant="+w.id("m1"), nil, http.StatusOK)

	// Settle this merchant: one invoice per share type, as REST shows.
	type invoice struct {
		ID, Type, Amount, Currency string
		SettlementCount            int
	}
	var sp struct {
		SettleMerchants struct {
			SettlementID *string
			Run          struct {
				ID       string
				Invoices testenv.Nodes[invoice]
			}
			UserErrors []userError
		}
	}
	w.gql(`mutation($m: ID) { settleMerchants(merchantId: $m) { settlementId run { id invoices { nodes { id type amount currency settlementCount } } } userErrors { field code message } } }`,
		map[string]any{"m": w.id("m1")}, &sp)
	run := sp.SettleMerchants
	sums := map[string]string{}
	for _, inv := range run.Run.Invoices {
		sums[inv.Type] = fmt.Sprintf("%s %s/%d", inv.Currency, inv.Amount, inv.SettlementCount)
	}
	if run.SettlementID == nil || sums["USER_SHARE"] != "DKK 25.01/2" || sums["PROVIDER_SHARE"] != "DKK 10/2" {
		t.Fatalf("settle: %+v", run)
	}
	var restInvoices []struct{ Type, Amount json.RawMessage }
	w.must("GET", "/api/v1/invoices/"+*run.SettlementID, nil, http.StatusOK).JSON(t, &restInvoices)
	if len(restInvoices) != 2 {
		t.Fatalf("REST invoices: %+v", restInvoices)
	}
	var again struct {
		SettleRun struct{ Invoices testenv.Nodes[invoice] }
		Node      struct{ Type, Amount string }
		Merchant  struct {
			Invoices               testenv.Nodes[invoice]
			SettlementSourceStates testenv.Nodes[struct {
				ID, Source                    string
				Settled, Unmatched, Unbatched int
			}]
		}
	}
	w.gql(`query($run: ID!, $inv: ID!, $m: ID!) {
	  settleRun(settlementId: $run) { invoices { nodes { type amount } } }
	  node(id: $inv) { ... on Invoice { type amount } }
	  merchant(merchantId: $m) { invoices { nodes { type amount } } settlementSourceStates { nodes { id source settled unmatched unbatched } } }
	}`, map[string]any{"run": *run.SettlementID, "inv": run.Run.Invoices[0].ID, "m": w.id("m1")}, &again)
	if len(again.SettleRun.Invoices) != 2 || again.Node.Amount != run.Run.Invoices[0].Amount || len(again.Merchant.Invoices) != 2 ||
		len(again.Merchant.SettlementSourceStates) != 2 || again.Merchant.SettlementSourceStates[0].Source != "TRANSACTION" ||
		again.Merchant.SettlementSourceStates[0].Settled != 2 || again.Merchant.SettlementSourceStates[0].Unmatched != 1 {
		t.Fatalf("settle run and merchant: %+v", again)
	}
	// Batches, runs and source states are nodes too.
	var nodes struct {
		Nodes []struct{ Typename, BatchID, SettlementID, Source string }
	}
	w.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { typename: __typename ... on SettlementBatch { batchId } ... on TransactionBatch { batchId }
	  ... on SettleRun { settlementId } ... on SettlementSourceState { source } } }`,
		map[string]any{"ids": []string{sb.ID, b.ID, run.Run.ID, again.Merchant.SettlementSourceStates[1].ID}}, &nodes)
	if len(nodes.Nodes) != 4 || nodes.Nodes[0].BatchID != sb.BatchID || nodes.Nodes[1].BatchID != b.BatchID ||
		nodes.Nodes[2].SettlementID != *run.SettlementID || nodes.Nodes[3].Source != "RECEIPT" {
		t.Fatalf("nodes: %+v", nodes)
	}

	// Fixable failures are userErrors naming the GraphQL argument.
	var bad struct {
		SettleMerchants struct {
			SettlementID *string
			UserErrors   []userError
		}
	}
	w.gql(`mutation { settleMerchants(merchantId: "nope") { settlementId userErrors { field code message } } }`, nil, &bad)
	wantUserError(t, bad.SettleMerchants.UserErrors, "NOT_FOUND", "merchantId")
	var unknownRun struct {
		SettleRun *struct{ SettlementID string }
	}
	w.gql(`{ settleRun(settlementId: "nope") { settlementId } }`, nil, &unknownRun)
	if unknownRun.SettleRun != nil {
		t.Fatalf("unknown run: %+v", unknownRun)
	}
}

func TestGraphQLIngestRefusesBadTransactionsAndStoresNothing(t *testing.T) {
	w := newWorld(t)
	var before, after struct{ TransactionBatches struct{ TotalCount int } }
	w.gql(`{ transactionBatches { totalCount } }`, nil, &before)
	good := w.gqlTx("g1", "10", w.num("2"), "", w.card())
	badCurrency := w.gqlTx("g2", "10", w.num("2"), "", w.card())
	badCurrency["currency"] = "kroner"
	var ip ingestPayload
	w.gql(ingest, map[string]any{"txs": []any{good, badCurrency}}, &ip)
	if ip.IngestTransactions.Batch != nil {
		t.Fatalf("batch stored: %+v", ip.IngestTransactions.Batch)
	}
	wantUserError(t, ip.IngestTransactions.UserErrors, "INVALID", "transactions[1].currency")
	tooPrecise := w.gqlTx("g3", "1.00001", w.num("2"), "", w.card())
	w.gql(ingest, map[string]any{"txs": []any{tooPrecise}}, &ip)
	wantUserError(t, ip.IngestTransactions.UserErrors, "INVALID", "transactions[0].amount")
	w.gql(`{ transactionBatches { totalCount } }`, nil, &after)
	if after.TransactionBatches.TotalCount != before.TransactionBatches.TotalCount {
		t.Fatalf("refused batches were stored: %d → %d", before.TransactionBatches.TotalCount, after.TransactionBatches.TotalCount)
	}
	var unknown struct{ Transactions *struct{ TotalCount int } }
	w.gql(`{ transactions(batchId: "nope") { totalCount } }`, nil, &unknown)
	if unknown.Transactions != nil {
		t.Fatalf("unknown batch: %+v", unknown)
	}
}

// sameInstant reports whether two RFC 3339 date-times are one instant.
func sameInstant(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.Equal(tb)
}

func TestGraphQLModelLifecycle(t *testing.T) {
	w := newWorld(t)
	m := w.id("m1")
	var data struct {
		CreateCategory struct {
			Category struct {
				ID, CategoryID string
				StoreNumber    *string
			}
			UserErrors []userError
		}
		CreateCampaign struct {
			Campaign struct {
				ID, CampaignID, CampaignStart, CampaignEnd string
				CategoryID                                 *string
			}
			UserErrors []userError
		}
		CreateDerivedShare struct {
			DerivedShare struct{ DerivedShareID, Share, DerivedShare, DerivedShareType string }
			UserErrors   []userError
		}
	}
	w.gql(`mutation($m: ID!, $cat: ID!, $camp: ID!) {
	  createCategory(input: {categoryId: $cat, merchantId: $m, name: "Tobacco", userShare: 0, providerShare: "1.5"}) { category { id categoryId storeNumber } userErrors { field code message } }
	  createCampaign(input: {campaignId: $camp, merchantId: $m, name: "Summer", campaignStart: "2030-06-01T00:00:00Z", campaignEnd: "2030-09-01T00:00:00Z",
	    categoryId: $cat, userShare: 20, providerShare: 5}) { campaign { id campaignId campaignStart campaignEnd categoryId } userErrors { field code message } }
	  createDerivedShare(input: {merchantId: $m, share: "2.5", derivedShare: "1.25", derivedShareType: FIXED_AMOUNT}) { derivedShare { derivedShareId share derivedShare derivedShareType } userErrors { field code message } }
	}`, map[string]any{"m": m, "cat": w.id("cat"), "camp": w.id("camp")}, &data)
	if data.CreateCategory.Category.CategoryID != w.id("cat") || data.CreateCategory.Category.StoreNumber != nil ||
		!sameInstant(data.CreateCampaign.Campaign.CampaignStart, "2030-06-01T00:00:00Z") || *data.CreateCampaign.Campaign.CategoryID != w.id("cat") ||
		data.CreateDerivedShare.DerivedShare.DerivedShareType != "FIXED_AMOUNT" || data.CreateDerivedShare.DerivedShare.DerivedShare != "1.25" {
		t.Fatalf("creates: %+v", data)
	}
	wantFields(t, exact(t, w.must("GET", "/api/v1/campaigns/"+w.id("camp"), nil, http.StatusOK)), map[string]any{
		"campaignStart": "2030-06-01T00:00:00Z", "campaignEnd": "2030-09-01T00:00:00Z", "categoryId": w.id("cat"), "userShare": json.Number("20")})
	wantFields(t, exact(t, w.must("GET", "/api/v1/derivedshares/"+data.CreateDerivedShare.DerivedShare.DerivedShareID, nil, http.StatusOK)),
		map[string]any{"share": json.Number("2.5"), "derivedShareType": "fixed_amount"})

	// Products: bulk (all or none, errors naming the item) and one by one.
	var pp struct {
		AddProducts struct {
			Products   []struct{ ID, ProductID, ProductNumber string }
			UserErrors []userError
		}
	}
	const addProducts = `mutation($cat: ID!, $ps: [ProductInput!]!) { addProducts(categoryId: $cat, products: $ps) { products { id productId productNumber } userErrors { field code message } } }`
	w.gql(addProducts, map[string]any{"cat": w.id("cat"), "ps": []any{
		map[string]any{"productNumber": w.num("11")}, map[string]any{"productNumber": w.num("11")},
	}}, &pp)
	wantUserError(t, pp.AddProducts.UserErrors, "INVALID", "products[1].productNumber")
	w.gql(addProducts, map[string]any{"cat": w.id("cat"), "ps": []any{
		map[string]any{"productId": w.id("p1"), "name": "Cigars", "productNumber": w.num("11")}, map[string]any{"productNumber": w.num("12")},
	}}, &pp)
	if len(pp.AddProducts.Products) != 2 || len(pp.AddProducts.UserErrors) != 0 {
		t.Fatalf("addProducts: %+v", pp)
	}
	var one struct {
		CreateProduct struct {
			Product    struct{ ProductID string }
			UserErrors []userError
		}
		DeleteProduct struct{ DeletedProductID *string }
	}
	w.gql(`mutation($cat: ID!, $n: String!, $p: ID!) {
	  createProduct(input: {categoryId: $cat, productNumber: $n}) { product { productId } userErrors { field code message } }
	  deleteProduct(productId: $p) { deletedProductId }
	}`, map[string]any{"cat": w.id("cat"), "n": w.num("13"), "p": w.id("p1")}, &one)
	if one.CreateProduct.Product.ProductID == "" || one.DeleteProduct.DeletedProductID == nil {
		t.Fatalf("product: %+v", one)
	}
	products := exactList(t, w.must("GET", "/api/v1/categories/"+w.id("cat")+"/products", nil, http.StatusOK))
	if len(products) != 2 {
		t.Fatalf("REST products: %v", products)
	}

	// The merchant shows its model, and a category its products.
	var mm struct {
		Merchant struct {
			Companies  testenv.Nodes[struct{ CompanyID string }]
			Stores     testenv.Nodes[struct{ StoreID string }]
			Categories testenv.Nodes[struct {
				CategoryID string
				Products   testenv.Nodes[struct{ ProductNumber string }]
			}]
			Campaigns     testenv.Nodes[struct{ CampaignID string }]
			DerivedShares testenv.Nodes[struct{ Share string }]
		}
		Product struct{ ProductNumber string }
	}
	w.gql(`query($m: ID!, $p: ID!) {
	  merchant(merchantId: $m) { companies { nodes { companyId } } stores { nodes { storeId } } categories { nodes { categoryId products { nodes { productNumber } } } } campaigns { nodes { campaignId } } derivedShares { nodes { share } } }
	  product: node(id: $p) { ... on Product { productNumber } }
	}`, map[string]any{"m": m, "p": pp.AddProducts.Products[1].ID}, &mm)
	got := mm.Merchant
	if len(got.Companies) != 1 || len(got.Stores) != 1 || len(got.Categories) != 1 || len(got.Categories[0].Products) != 2 ||
		len(got.Campaigns) != 1 || len(got.DerivedShares) != 1 || mm.Product.ProductNumber != w.num("12") {
		t.Fatalf("merchant model: %+v", mm)
	}

	// Replace the derived shares; update and delete the campaign.
	var rp struct {
		ReplaceDerivedShares struct {
			DerivedShares []struct{ Share string }
			UserErrors    []userError
		}
	}
	const replace = `mutation($m: ID!, $ds: [DerivedShareInput!]!) { replaceDerivedShares(merchantId: $m, derivedShares: $ds) { derivedShares { share } userErrors { field code message } } }`
	w.gql(replace, map[string]any{"m": m, "ds": []any{map[string]any{"share": "3", "derivedShare": "1"}, map[string]any{"share": "3.00", "derivedShare": "2"}}}, &rp)
	wantUserError(t, rp.ReplaceDerivedShares.UserErrors, "INVALID", "derivedShares[1].share")
	w.gql(replace, map[string]any{"m": m, "ds": []any{map[string]any{"share": "3", "derivedShare": "1"}, map[string]any{"share": "4", "derivedShare": "2"}}}, &rp)
	if len(rp.ReplaceDerivedShares.DerivedShares) != 2 {
		t.Fatalf("replace: %+v", rp)
	}
	if list := exactList(t, w.must("GET", "/api/v1/merchants/"+m+"/derivedshares", nil, http.StatusOK)); len(list) != 2 {
		t.Fatalf("REST derived shares: %v", list)
	}
	var cu struct {
		UpdateCampaign struct {
			Campaign struct {
				Name       string
				CategoryID *string
			}
			UserErrors []userError
		}
		DeleteCampaign struct{ DeletedCampaignID *string }
	}
	w.gql(`mutation($c: ID!) {
	  updateCampaign(campaignId: $c, input: {name: "Autumn", clear: [CATEGORY_ID]}) { campaign { name categoryId } userErrors { field code message } }
	  deleteCampaign(campaignId: $c) { deletedCampaignId }
	}`, map[string]any{"c": w.id("camp")}, &cu)
	if cu.UpdateCampaign.Campaign.Name != "Autumn" || cu.UpdateCampaign.Campaign.CategoryID != nil || cu.DeleteCampaign.DeletedCampaignID == nil {
		t.Fatalf("campaign update/delete: %+v", cu)
	}
	wantError(t, w.c.do("GET", "/api/v1/campaigns/"+w.id("camp"), nil), http.StatusNotFound, "not_found", "")

	// Blocked products.
	var bp struct {
		CreateBlockedProducts struct {
			BlockedProducts []struct{ ID, ProductID string }
			UserErrors      []userError
		}
	}
	const block = `mutation($bs: [BlockedProductInput!]!) { createBlockedProducts(blockedProducts: $bs) { blockedProducts { id productId } userErrors { field code message } } }`
	w.gql(block, map[string]any{"bs": []any{map[string]any{"productNumber": w.num("21")}, map[string]any{"productNumber": ""}}}, &bp)
	wantUserError(t, bp.CreateBlockedProducts.UserErrors, "INVALID", "blockedProducts[1].productNumber")
	w.gql(block, map[string]any{"bs": []any{map[string]any{"productId": w.id("b1"), "productNumber": w.num("21")}, map[string]any{"productNumber": w.num("22")}}}, &bp)
	if len(bp.CreateBlockedProducts.BlockedProducts) != 2 {
		t.Fatalf("block: %+v", bp)
	}
	var bn struct {
		Node                 struct{ ProductID string }
		DeleteBlockedProduct struct{ DeletedProductID *string }
	}
	w.gql(`mutation($b: ID!) { deleteBlockedProduct(productId: $b) { deletedProductId } }`, map[string]any{"b": w.id("b1")}, &bn)
	if bn.DeleteBlockedProduct.DeletedProductID == nil {
		t.Fatalf("unblock: %+v", bn)
	}
	w.gql(`query($id: ID!) { node(id: $id) { ... on BlockedProduct { productId } } }`, map[string]any{"id": bp.CreateBlockedProducts.BlockedProducts[1].ID}, &bn)
	if bn.Node.ProductID != bp.CreateBlockedProducts.BlockedProducts[1].ProductID {
		t.Fatalf("blocked product node: %+v", bn)
	}
	var blocked struct {
		BlockedProducts struct {
			Nodes    []struct{ ProductID string }
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
		}
	}
	seen := map[string]bool{}
	after := any(nil)
	for range 50 {
		w.gql(`query($after: String) { blockedProducts(first: 100, after: $after) { nodes { productId } pageInfo { hasNextPage endCursor } } }`, map[string]any{"after": after}, &blocked)
		for _, n := range blocked.BlockedProducts.Nodes {
			seen[n.ProductID] = true
		}
		if !blocked.BlockedProducts.PageInfo.HasNextPage {
			break
		}
		after = *blocked.BlockedProducts.PageInfo.EndCursor
	}
	if seen[w.id("b1")] || !seen[bp.CreateBlockedProducts.BlockedProducts[1].ProductID] {
		t.Fatalf("blocked products listed: %v", seen)
	}
}

// TestGraphQLMerchantListsLoadThroughDataloaders: a page of merchants with
// their companies, stores and campaigns answers every merchant with its
// own lists (each list is one batch read for the whole page; see
// resolvers/dataloaders_test.go for the count of reads).
func TestGraphQLMerchantListsLoadThroughDataloaders(t *testing.T) {
	w := newWorld(t)
	const n = 30
	gids := make([]string, n)
	for i := range n {
		m := w.id(fmt.Sprintf("dl%d", i))
		var mp struct {
			CreateMerchant struct{ Merchant struct{ ID string } }
			CreateCompany  struct{ UserErrors []userError }
		}
		w.gql(`mutation($m: ID!, $c: ID!, $n: String!) {
		  createMerchant(input: {merchantId: $m, merchantName: "Loader"}) { merchant { id } }
		  createCompany(input: {companyId: $c, merchantId: $m, name: "C", companyRegistrationNumber: $n, userShare: 1, providerShare: 1}) { userErrors { field code message } }
		}`, map[string]any{"m": m, "c": m + "-c", "n": w.num(fmt.Sprintf("3%02d", i))}, &mp)
		if len(mp.CreateCompany.UserErrors) != 0 {
			t.Fatalf("company %d: %+v", i, mp.CreateCompany.UserErrors)
		}
		gids[i] = mp.CreateMerchant.Merchant.ID
	}
	type merchantLists struct {
		MerchantID string
		Companies  testenv.Nodes[struct{ CompanyID, MerchantID string }]
		Stores     testenv.Nodes[struct{ StoreID string }]
		Campaigns  testenv.Nodes[struct{ CampaignID string }]
	}
	var page struct{ Nodes []merchantLists }
	w.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Merchant { merchantId companies { nodes { companyId merchantId } } stores { nodes { storeId } } campaigns { nodes { campaignId } } } } }`,
		map[string]any{"ids": gids}, &page)
	if len(page.Nodes) != n {
		t.Fatalf("%d merchants, want %d", len(page.Nodes), n)
	}
	for i, m := range page.Nodes {
		want := w.id(fmt.Sprintf("dl%d", i))
		if m.MerchantID != want || len(m.Companies) != 1 || m.Companies[0].CompanyID != want+"-c" || m.Companies[0].MerchantID != want ||
			m.Stores == nil || len(m.Stores) != 0 || m.Campaigns == nil || len(m.Campaigns) != 0 {
			t.Fatalf("merchant %d: %+v", i, m)
		}
	}

	// The page query of the brief is within the complexity limit, and
	// shows the world's merchant with its own company and store.
	var all struct {
		Merchants struct{ Nodes []merchantLists }
	}
	w.gql(`{ merchants(first: 100) { nodes { merchantId companies(first: 10) { nodes { companyId merchantId } } stores(first: 10) { nodes { storeId } } campaigns(first: 10) { nodes { campaignId } } } } }`, nil, &all)
	for _, m := range all.Merchants.Nodes {
		for _, c := range m.Companies {
			if c.MerchantID != m.MerchantID {
				t.Fatalf("merchant %s shows company %+v", m.MerchantID, c)
			}
		}
		if m.MerchantID == w.id("m1") && (len(m.Companies) != 1 || len(m.Stores) != 1 || m.Stores[0].StoreID != w.id("s1")) {
			t.Fatalf("world merchant: %+v", m)
		}
	}
}

// TestGraphQLComplexityAllowsOrdinaryPages: full pages of settlements and
// batches pass the complexity limit; pages of pages that would read once
// per item are refused before they run.
func TestGraphQLComplexityAllowsOrdinaryPages(t *testing.T) {
	w := newWorld(t)
	ordinary := []string{
		`{ settlements(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id settlementId } } nodes {
		    id settlementId batchId merchantId companyId storeId campaignId source transactionId transactionDateTime processedDateTime
		    amount currency userShare providerShare userShareType providerShareType cardType truncatedCardNumber userId
		    merchant { merchantId merchantName companies { nodes { companyId } } invoices { nodes { type amount } } } } } }`,
		`{ transactionBatches(first: 100) { totalCount nodes { id batchId transactionCount created transactions(first: 5) { totalCount nodes { transactionId state } } } } }`,
		`{ settlementBatches(first: 10) { nodes { batchId settlementCount settlements(first: 100) { nodes { settlementId userShare providerShare } } } } }`,
		`{ campaigns(first: 100) { nodes { campaignId merchantId name campaignStart campaignEnd userShare userShareType providerShare providerShareType storeNumber categoryId productNumber } } }`,
		`{ merchants(first: 20) { nodes { merchantId companies(first: 5) { nodes { companyId name userShare } } stores(first: 5) { nodes { storeId } } categories(first: 5) { nodes { categoryId products(first: 5) { nodes { productId } } } } campaigns(first: 5) { nodes { campaignId } } derivedShares(first: 5) { nodes { share } } invoices(first: 5) { nodes { amount } } settlementSourceStates(first: 5) { nodes { source settled } } } } }`,
	}
	for i, q := range ordinary {
		resp, res := testenv.GraphQL(t, w.c.h, w.c.auth, q, nil)
		if resp.Status != http.StatusOK || len(res.Errors) != 0 {
			t.Fatalf("ordinary query %d refused: %d %+v", i, resp.Status, res.Errors)
		}
	}
	abusive := []string{
		`{ settlementBatches(first: 100) { nodes { settlements(first: 100) { nodes { settlementId } } } } }`,
		`{ merchants(first: 100) { nodes { invoices { nodes { amount } } settlementSourceStates { nodes { settled } } } } }`,
	}
	for i, q := range abusive {
		resp, res := testenv.GraphQL(t, w.c.h, w.c.auth, q, nil)
		if resp.Status != http.StatusBadRequest || len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Message, "complexity") {
			t.Fatalf("abusive query %d ran: %d %s", i, resp.Status, resp.Body)
		}
	}
}

// introspection is the query GraphiQL and code generators send.
const introspection = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

func TestGraphQLFullIntrospectionForAdmins(t *testing.T) {
	admin := newClient(t, auth.KindAdmin)
	resp, res := testenv.GraphQL(t, admin.h, admin.auth, introspection, nil)
	if resp.Status != http.StatusOK || len(res.Errors) != 0 {
		t.Fatalf("introspection: %d %+v", resp.Status, res.Errors)
	}
	var schema struct {
		Schema struct {
			Types []struct {
				Name          string
				PossibleTypes []struct{ Name string }
			}
		} `json:"__schema"`
	}
	if err := json.Unmarshal(res.Data, &schema); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	var nodeTypes []string
	for _, typ := range schema.Schema.Types {
		names[typ.Name] = true
		if typ.Name == "Node" {
			for _, p := range typ.PossibleTypes {
				nodeTypes = append(nodeTypes, p.Name)
			}
		}
	}
	for _, want := range []string{"Company", "Store", "Settlement", "SettlementConnection", "ShareType", "TransactionInput"} {
		if !names[want] {
			t.Fatalf("type %s missing from introspection", want)
		}
	}
	for _, want := range []string{"Company", "Store", "Category", "Product", "Campaign", "DerivedShare", "BlockedProduct",
		"Settlement", "SettlementBatch", "TransactionBatch", "Invoice", "SettleRun", "SettlementSourceState"} {
		if !slices.Contains(nodeTypes, want) {
			t.Fatalf("%s does not implement Node: %v", want, nodeTypes)
		}
	}
	// Not for settlement clients.
	_, res = testenv.GraphQL(t, admin.h, newClient(t, auth.KindSettlement).auth, introspection, nil)
	if len(res.Errors) == 0 {
		t.Fatal("a settlement client may introspect")
	}
}

// TestGraphQLDecimalVariablesAsJSONNumbers: a Decimal variable may be a JSON
// number; its digits are kept exactly.
func TestGraphQLDecimalVariablesAsJSONNumbers(t *testing.T) {
	w := newWorld(t)
	var data struct {
		CreateCompany struct {
			Company    *struct{ UserShare, ProviderShare string }
			UserErrors []userError
		}
	}
	w.gql(`mutation($in: CreateCompanyInput!) { createCompany(input: $in) { company { userShare providerShare } userErrors { field code message } } }`,
		map[string]any{"in": map[string]any{"merchantId": w.id("m1"), "name": "Numbers", "companyRegistrationNumber": w.num("77"),
			"userShare": json.Number("7.25"), "providerShare": json.Number("3")}}, &data)
	if c := data.CreateCompany.Company; c == nil || c.UserShare != "7.25" || c.ProviderShare != "3" {
		t.Fatalf("createCompany with JSON numbers: %+v", data.CreateCompany)
	}
}
