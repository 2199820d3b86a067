package settlement

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"loyaltygraph/rest/openapi"
)

// servedBefore are the routes the family served before its table existed:
// the table must serve each of them, and nothing else.
var servedBefore = func() []string {
	out := []string{
		"POST /api/v1/merchants", "GET /api/v1/merchants", "GET /api/v1/merchants/{merchantId}",
		"PATCH /api/v1/merchants/{merchantId}", "PUT /api/v1/merchants/{merchantId}", "DELETE /api/v1/merchants/{merchantId}",
		"GET /api/v1/categories/{categoryId}/products", "POST /api/v1/categories/{categoryId}/products",
		"POST /api/v1/products", "DELETE /api/v1/products/{productId}",
		"GET /api/v1/campaigns", "PUT /api/v1/merchants/{merchantId}/derivedshares",
		"GET /api/v1/blockedproducts", "POST /api/v1/blockedproducts", "POST /api/v1/blockedproducts/bulk",
		"DELETE /api/v1/blockedproducts/{productId}",
		"POST /api/v1/transactions/batches", "GET /api/v1/transactions/batches", "GET /api/v1/transactions/{batchId}",
		"POST /api/v1/merchants/settle", "GET /api/v1/merchants/{merchantId}/invoices",
		"GET /api/v1/merchants/{merchantId}/settlementsourcestates",
	}
	for _, r := range []struct{ path, id, plural string }{
		{"/api/v1/companies", "companyId", "companies"}, {"/api/v1/stores", "storeId", "stores"},
		{"/api/v1/categories", "categoryId", "categories"}, {"/api/v1/campaigns", "campaignId", "campaigns"},
		{"/api/v1/derivedshares", "derivedShareId", "derivedshares"},
	} {
		item := r.path + "/{" + r.id + "}"
		out = append(out, "POST "+r.path, "GET "+item, "PATCH "+item, "PUT "+item, "DELETE "+item,
			"GET /api/v1/merchants/{merchantId}/"+r.plural)
	}
	for _, prefix := range []string{"/api/v1", "/api"} {
		out = append(out, "GET "+prefix+"/settlements", "POST "+prefix+"/settlements/batches",
			"GET "+prefix+"/settlements/batches", "GET "+prefix+"/settlements/{batchId}", "GET "+prefix+"/invoices/{settlementId}")
	}
	return out
}()

// The table is the family's routes: every route served before, once, with
// a unique operation id, a handler, credentials and its error statuses.
func TestOperationsAreTheFamilysRoutes(t *testing.T) {
	ops := OpenAPI().Ops
	var patterns []string
	ids := map[string]bool{}
	for _, op := range ops {
		patterns = append(patterns, op.Pattern())
		if ids[op.ID] || !strings.HasPrefix(op.ID, "settlement") {
			t.Errorf("%s: operation id %q is repeated or lacks the family prefix", op.Pattern(), op.ID)
		}
		ids[op.ID] = true
		if op.Handler == nil || op.Summary == "" || op.Description == "" || len(op.Tags) != 1 {
			t.Errorf("%s: needs a handler, a summary, a description and one tag", op.Pattern())
		}
		if !slices.Equal(op.Security[0], []openapi.Scheme{openapi.SettlementBasic}) || len(op.Security) != 2 {
			t.Errorf("%s: security %v", op.Pattern(), op.Security)
		}
		statuses := map[int]bool{}
		for _, r := range op.Responses {
			statuses[r.Status] = true
		}
		for _, s := range []int{401, 403, 429, 500, 503} {
			if !statuses[s] {
				t.Errorf("%s: %d is not documented", op.Pattern(), s)
			}
		}
		// A write refuses a body that is not JSON, whether or not it reads one.
		if op.Method != http.MethodGet && !statuses[415] {
			t.Errorf("%s: 415 is not documented", op.Pattern())
		}
		if op.Body != nil && (!statuses[400] || !statuses[413] || !statuses[415]) {
			t.Errorf("%s reads a body: 400, 413 and 415 must be documented", op.Pattern())
		}
		for _, p := range op.Params {
			if p.In == "path" && !strings.Contains(op.Path, "{"+p.Name+"}") {
				t.Errorf("%s: path parameter %s is not in the path", op.Pattern(), p.Name)
			}
			// An id is checked (1 to 32 characters) before it is looked up.
			if p.In == "path" && (!statuses[400] || !statuses[404]) {
				t.Errorf("%s takes %s: 400 and 404 must be documented", op.Pattern(), p.Name)
			}
		}
		if strings.HasPrefix(op.Path, "/api/") && !strings.HasPrefix(op.Path, "/api/v1/") && !strings.HasSuffix(op.ID, "Alias") {
			t.Errorf("%s: an alias's operation id ends in Alias, not %q", op.Pattern(), op.ID)
		}
	}
	want := slices.Clone(servedBefore)
	slices.Sort(want)
	slices.Sort(patterns)
	if !slices.Equal(patterns, want) {
		t.Errorf("table routes\n%v\nwant\n%v", patterns, want)
	}
	mux := http.NewServeMux()
	openapi.Register(mux, ops, nil) // panics on a pattern registered twice
}

// The family's document describes the transaction batch in both content
// types the ingestion reads, and the aliases under /api as their own paths.
func TestDocumentDescribesCSVAndTheAliases(t *testing.T) {
	body, err := openapi.Document(OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			RequestBody struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	ingest := doc.Paths["/api/v1/transactions/batches"]["post"]
	for _, ct := range []string{"application/json", "text/csv", "application/csv"} {
		if ingest.RequestBody.Content[ct] == nil {
			t.Errorf("transaction ingestion does not document %s: %v", ct, ingest.RequestBody.Content)
		}
	}
	for path, id := range map[string]string{
		"/api/settlements":                "settlementGetSettlementsByDateAlias",
		"/api/settlements/{batchId}":      "settlementGetSettlementsByBatchAlias",
		"/api/invoices/{settlementId}":    "settlementGetInvoicesAlias",
		"/api/v1/invoices/{settlementId}": "settlementGetInvoices",
	} {
		if got := doc.Paths[path]["get"].OperationID; got != id {
			t.Errorf("GET %s is %q, want %q", path, got, id)
		}
	}
}
