package settlement

import (
	"net/http"
	"slices"
	"time"

	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// OpenAPI describes the Loyalty Settlement API: the table of operations
// that Register serves, with the family's title and summary.
func OpenAPI() openapi.Family {
	return openapi.Family{
		Key:         "settlement",
		Title:       "Storebox Loyalty Settlement API",
		Version:     "1.0.0",
		Description: description,
		Ops:         operations(nil),
	}
}

const description = `The Loyalty Settlement API (Storebox seed 002) turns payment card transactions and merchant
receipts into **settlements**: for each transaction at a merchant the provider has a partnership with, a
*user share* (what the card holder earns) and a *provider share* (the provider's fee), as a percentage of the
amount or a fixed amount. Settlements are collected in **batches** for the provider, and **settle runs** sum them
per merchant and share type into **invoices**, which the merchant is charged.

**Model.** A *merchant* has *companies* (a company registration number, Danish CVR: transactions of that number
are settled with the company's shares), *stores* (a store number, the acquirer's merchantId/cardAcceptorId, that
overrides the company's shares; a store's source is ` + "`transaction`" + ` or ` + "`receipt`" + `), product
*categories* with *products* (receipt lines), *campaigns* (shares for a period, optionally limited to a store,
category or product) and *derived shares* (a lookup table: a share of type ` + "`derived`" + ` takes its value from
the other share). *Blocked products* are never settled, across merchants.

**Flow.** Deliver the acquirer's transactions (` + "`POST /api/v1/transactions/batches`" + `, a JSON array or CSV
with a header row); each is matched to a store or company and settled once. Read settlements by date or collect
the new ones in a settlement batch (` + "`POST /api/v1/settlements/batches`" + `, then
` + "`GET /api/v1/settlements/{batchId}`" + `); settle merchants (` + "`POST /api/v1/merchants/settle`" + `) and
read the run's invoices (` + "`GET /api/v1/invoices/{settlementId}`" + `). Settlements and invoices also answer under
` + "`/api/settlements…`" + ` and ` + "`/api/invoices…`" + ` (the seed's notifications name those paths); the
aliases are listed as their own operations.

**Credentials.** HTTP Basic with a settlement client's key and secret (` + "`loyaltygraph credentials create " +
	"settlement NAME`" + `), or an admin's. A settlement client administers the merchants it created and sees only
their model, transactions, settlements, batches and invoices; another client's merchant answers 404, so ids reveal
nothing. Admins reach every merchant. Any other kind of credential is refused with 403; missing or wrong
credentials with 401 (with no ` + "`WWW-Authenticate`" + ` challenge, so browsers never prompt).

**Errors.** Every error is ` + "`{\"code\": \"…\", \"message\": \"…\", \"field\": \"…\"}`" + `: 400 bad format (the
field is named, as in ` + "`transactions[3].amount`" + ` or ` + "`[2].productNumber`" + `), 401 bad credentials,
403 not allowed (or a cross-site browser write), 404 not found, 409 conflict (an id in use; a merchant with
settlements or invoices cannot be deleted), 413 body too large, 415 a body that is not JSON (or CSV for
transactions), 429 too many failed logins and 503 a dependency down or the service overloaded (both with
` + "`Retry-After`" + `), 500 an unexpected failure.

**Rules worth knowing.** Amounts and shares are exact decimals (never floating point); shares are 0 to 100 with at
most 2 decimals. Updates are partial and accept PATCH and PUT alike; ` + "`null`" + ` or ` + "`\"\"`" + ` leaves a
field unchanged ("empty values will be omitted"). "Get all" lists return every item; ` + "`offset`" + ` and
` + "`limit`" + ` (at most 1,000) are an extension for callers that want pages. Times are written in UTC, whole
seconds, with ` + "`Z`" + `. A full card number is never stored: ` + "`truncatedCardNumber`" + ` must be masked
(first 6 and last 4 digits) and any other text field holding a card number is refused.`

// The tags group the operations as the seed's sections do.
const (
	tagMerchants     = "Merchants"
	tagSettlements   = "Settlements"
	tagCompanies     = "Companies"
	tagStores        = "Stores"
	tagCategories    = "Product Categories"
	tagCampaigns     = "Campaigns"
	tagDerivedShares = "Derived Shares"
	tagProducts      = "Products"
	tagBlocked       = "Blocked Products"
	tagInvoices      = "Invoices"
	tagTransactions  = "Transactions"
	aliasPrefix      = "/api"
	documentedPrefix = "/api/v1"
	aliasDescription = " This is the alias under /api that the seed's notifications name; it answers as under /api/v1."
	mergeDescription = " Lists the seed documents whole return every item; offset and limit ask for a page (an extension)."
)

// clients are the credentials of every operation: a settlement client's or
// an admin's key and secret as HTTP Basic.
var clients = [][]openapi.Scheme{{openapi.SettlementBasic}, {openapi.AdminBasic}}

var merchantIDParam = openapi.Param{Name: "merchantId", In: "path", Required: true, Description: "External id of the merchant."}

// pageParams are offset and limit of a list.
var pageParams = []openapi.Param{
	{Name: "offset", In: "query", Type: 0, Description: "Start at this index (default 0)."},
	{Name: "limit", In: "query", Type: 0, Description: "At most this many items (0 to 1000, default 1000)."},
}

var merchantsFilterParam = openapi.Param{Name: "merchant", In: "query", Description: "Comma-separated external " +
	"merchant ids to include (merchant1,merchant2), or _all_ (the default) for every merchant the caller reaches."}

// --- bodies as the API documents them (decoded member by member) ---

type merchantCreateBody struct {
	MerchantID     string `json:"merchantId,omitempty" openapi:"minLength=1;maxLength=32"`
	MerchantName   string `json:"merchantName" openapi:"minLength=1;maxLength=128"`
	MerchantStatus string `json:"merchantStatus,omitempty" openapi:"enum=active|disabled"`
}

type merchantUpdateBody struct {
	MerchantID     string `json:"merchantId,omitempty" openapi:"minLength=1;maxLength=32"`
	MerchantName   string `json:"merchantName,omitempty" openapi:"minLength=1;maxLength=128"`
	MerchantStatus string `json:"merchantStatus,omitempty" openapi:"enum=active|disabled"`
}

type sharesCreateBody struct {
	UserShare         storebox.Number `json:"userShare" openapi:"minimum=0;maximum=100"`
	UserShareType     string          `json:"userShareType,omitempty" openapi:"enum=percentage|fixed_amount|derived"`
	ProviderShare     storebox.Number `json:"providerShare" openapi:"minimum=0;maximum=100"`
	ProviderShareType string          `json:"providerShareType,omitempty" openapi:"enum=percentage|fixed_amount|derived"`
}

type sharesUpdateBody struct {
	UserShare         *storebox.Number `json:"userShare,omitempty" openapi:"minimum=0;maximum=100"`
	UserShareType     string           `json:"userShareType,omitempty" openapi:"enum=percentage|fixed_amount|derived"`
	ProviderShare     *storebox.Number `json:"providerShare,omitempty" openapi:"minimum=0;maximum=100"`
	ProviderShareType string           `json:"providerShareType,omitempty" openapi:"enum=percentage|fixed_amount|derived"`
}

type companyCreateBody struct {
	CompanyID                 string           `json:"companyId,omitempty"`
	MerchantID                string           `json:"merchantId"`
	Name                      string           `json:"name"`
	CompanyRegistrationNumber registrationJSON `json:"companyRegistrationNumber"`
	sharesCreateBody
}

type companyUpdateBody struct {
	CompanyID                 string           `json:"companyId,omitempty"`
	MerchantID                string           `json:"merchantId,omitempty"`
	Name                      string           `json:"name,omitempty"`
	CompanyRegistrationNumber registrationJSON `json:"companyRegistrationNumber,omitempty"`
	sharesUpdateBody
}

type storeCreateBody struct {
	StoreID     string       `json:"storeId,omitempty"`
	MerchantID  string       `json:"merchantId"`
	StoreNumber textOrNumber `json:"storeNumber"`
	Name        string       `json:"name"`
	sharesCreateBody
	Source string `json:"source,omitempty" openapi:"enum=transaction|receipt"`
}

type storeUpdateBody struct {
	StoreID     string       `json:"storeId,omitempty"`
	MerchantID  string       `json:"merchantId,omitempty"`
	StoreNumber textOrNumber `json:"storeNumber,omitempty"`
	Name        string       `json:"name,omitempty"`
	sharesUpdateBody
	Source string `json:"source,omitempty" openapi:"enum=transaction|receipt"`
}

type categoryCreateBody struct {
	CategoryID string `json:"categoryId,omitempty" openapi:"minLength=1;maxLength=32"`
	MerchantID string `json:"merchantId" openapi:"minLength=1;maxLength=32"`
	Name       string `json:"name"`
	sharesCreateBody
	StoreNumber textOrNumber `json:"storeNumber,omitempty"`
}

type categoryUpdateBody struct {
	CategoryID string `json:"categoryId,omitempty" openapi:"minLength=1;maxLength=32"`
	MerchantID string `json:"merchantId,omitempty" openapi:"minLength=1;maxLength=32"`
	Name       string `json:"name,omitempty"`
	sharesUpdateBody
	StoreNumber textOrNumber `json:"storeNumber,omitempty"`
}

type campaignCreateBody struct {
	CampaignID    string    `json:"campaignId,omitempty"`
	MerchantID    string    `json:"merchantId"`
	Name          string    `json:"name,omitempty"`
	CampaignStart time.Time `json:"campaignStart"`
	CampaignEnd   time.Time `json:"campaignEnd"`
	sharesCreateBody
	StoreNumber   textOrNumber `json:"storeNumber,omitempty"`
	CategoryID    string       `json:"categoryId,omitempty"`
	ProductNumber textOrNumber `json:"productNumber,omitempty"`
}

type campaignUpdateBody struct {
	CampaignID    string     `json:"campaignId,omitempty"`
	MerchantID    string     `json:"merchantId,omitempty"`
	Name          string     `json:"name,omitempty"`
	CampaignStart *time.Time `json:"campaignStart,omitempty"`
	CampaignEnd   *time.Time `json:"campaignEnd,omitempty"`
	sharesUpdateBody
	StoreNumber   textOrNumber `json:"storeNumber,omitempty"`
	CategoryID    string       `json:"categoryId,omitempty"`
	ProductNumber textOrNumber `json:"productNumber,omitempty"`
}

type derivedShareCreateBody struct {
	DerivedShareID   string          `json:"derivedShareId,omitempty"`
	MerchantID       string          `json:"merchantId"`
	Share            storebox.Number `json:"share" openapi:"minimum=0;maximum=100"`
	DerivedShare     storebox.Number `json:"derivedShare" openapi:"minimum=0;maximum=100"`
	DerivedShareType string          `json:"derivedShareType,omitempty" openapi:"enum=percentage|fixed_amount"`
}

type derivedShareUpdateBody struct {
	DerivedShareID   string           `json:"derivedShareId,omitempty"`
	MerchantID       string           `json:"merchantId,omitempty"`
	Share            *storebox.Number `json:"share,omitempty" openapi:"minimum=0;maximum=100"`
	DerivedShare     *storebox.Number `json:"derivedShare,omitempty" openapi:"minimum=0;maximum=100"`
	DerivedShareType string           `json:"derivedShareType,omitempty" openapi:"enum=percentage|fixed_amount"`
}

// derivedShareItemBody is one derived share of a replacement; the merchant
// is the path's.
type derivedShareItemBody struct {
	DerivedShareID   string          `json:"derivedShareId,omitempty"`
	Share            storebox.Number `json:"share" openapi:"minimum=0;maximum=100"`
	DerivedShare     storebox.Number `json:"derivedShare" openapi:"minimum=0;maximum=100"`
	DerivedShareType string          `json:"derivedShareType,omitempty" openapi:"enum=percentage|fixed_amount"`
}

// derivedSharesBody is the replacement as the seed's sample sends it; a
// bare array of the same items is accepted too.
type derivedSharesBody struct {
	DerivedShares []derivedShareItemBody `json:"derivedShares"`
}

type productCreateBody struct {
	ProductID     string       `json:"productId,omitempty"`
	CategoryID    string       `json:"categoryId"`
	Name          string       `json:"name,omitempty"`
	ProductNumber textOrNumber `json:"productNumber"`
}

// categoryProductBody is a product added to the path's category.
type categoryProductBody struct {
	ProductID     string       `json:"productId,omitempty"`
	Name          string       `json:"name,omitempty"`
	ProductNumber textOrNumber `json:"productNumber"`
}

type blockedProductBody struct {
	ProductID     string       `json:"productId,omitempty"`
	Name          string       `json:"name,omitempty"`
	ProductNumber textOrNumber `json:"productNumber"`
}

// transactionsBody is a transaction batch as JSON; a bare array of the
// same transactions is accepted too.
type transactionsBody struct {
	Transactions []wireTransaction `json:"transactions"`
}

// csvTransactionsSchema is a transaction batch as CSV: a header row of
// field names, then one row per transaction.
var csvTransactionsSchema = openapi.Schema{
	"type": "string",
	"description": "CSV with a header row naming the columns (any order, any subset of: transactionId, amount, " +
		"currency, transactionDateTime, cardAcceptorId, companyRegistrationNumber, cardToken, truncatedCardNumber, " +
		"cardType, approvalCode, cardAcceptorTerminalId, systemTraceAuditNumber, retrievalReferenceNumber), then " +
		"one row per transaction.",
	"examples": []any{"transactionId,amount,currency,transactionDateTime,cardAcceptorId,truncatedCardNumber\n" +
		"t-1,125.50,DKK,2024-05-18T08:00:00+02:00,39898634,457173******1234\n"},
}

// --- responses ---

// errorDescriptions say when this family answers each error status.
var errorDescriptions = map[int]string{
	http.StatusBadRequest:            "Bad format: a path or query parameter or a body member is invalid or missing (an id longer than 32 characters, for instance); field names it.",
	http.StatusUnauthorized:          "Missing or bad credentials.",
	http.StatusForbidden:             "The credentials may not use this operation (not a settlement client or an admin), or a cross-site browser write.",
	http.StatusNotFound:              "Not found, or not the caller's.",
	http.StatusConflict:              "Conflict: the id is in use, or what is deleted still has dependants; field names it.",
	http.StatusRequestEntityTooLarge: "The request body is too large.",
	http.StatusUnsupportedMediaType:  "A request body is sent as something other than application/json (or CSV where the operation takes it).",
	http.StatusTooManyRequests:       "Too many failed logins from this address or for this key: try again after Retry-After seconds.",
	http.StatusInternalServerError:   "An unexpected failure (logged).",
	http.StatusServiceUnavailable:    "A dependency is down or the service is overloaded: try again after Retry-After seconds.",
}

// everyOperation are the error statuses any operation may answer.
var everyOperation = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests,
	http.StatusInternalServerError, http.StatusServiceUnavailable}

// responses lists success and the error statuses: those of every
// operation and statuses, each with the family's error body.
func responses(success openapi.Response, statuses ...int) []openapi.Response {
	all := append(slices.Clone(everyOperation), statuses...)
	slices.Sort(all)
	all = slices.Compact(all)
	out := []openapi.Response{success}
	for _, s := range all {
		out = append(out, errorResponse(s))
	}
	return out
}

// errorResponse is status with the family's error body.
func errorResponse(status int) openapi.Response {
	r := storebox.ErrorResponses(status)[0]
	if d, ok := errorDescriptions[status]; ok {
		r.Description = d
	}
	return r
}

// withBody adds the statuses of an operation that reads a body to
// statuses.
func withBody(statuses []int, more ...int) []int {
	return append(append(slices.Clone(statuses), more...),
		http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
}

func ok(v any, description string) openapi.Response {
	return openapi.Response{Status: http.StatusOK, Description: description, Type: v}
}

// created is 201 with the new entity, and its Location when location is
// set.
func created(v any, description string, location bool) openapi.Response {
	r := openapi.Response{Status: http.StatusCreated, Description: description, Type: v}
	if location {
		r.Headers = []string{"Location"}
	}
	return r
}

func noContent(description string) openapi.Response {
	return openapi.Response{Status: http.StatusNoContent, Description: description}
}

func jsonBody(v any, description string) *openapi.Body {
	return &openapi.Body{Type: v, Required: true, Description: description}
}

// model runs fn once the principal may administer the merchant model at
// all: a principal that may not is refused (403) before its body is read;
// the operations check again.
func (h *Handler) model(fn http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.merchants.Authorize(r.Context()); err != nil {
			h.fail(w, r, err)
			return
		}
		fn(w, r)
	})
}

// operations is the family's table: every route it serves, with its
// handler and its description. Register serves exactly these; OpenAPI
// describes exactly these.
func operations(h *Handler) []openapi.Op {
	var ops []openapi.Op
	ops = append(ops, merchantOperations(h)...)
	ops = append(ops, companies.operations(h)...)
	ops = append(ops, stores.operations(h)...)
	ops = append(ops, categories.operations(h)...)
	ops = append(ops, productOperations(h)...)
	ops = append(ops, campaignOperations(h)...)
	ops = append(ops, derivedShares.operations(h)...)
	ops = append(ops, blockedProductOperations(h)...)
	ops = append(ops, transactionOperations(h)...)
	for _, prefix := range []string{documentedPrefix, aliasPrefix} {
		ops = append(ops, settlementOperations(h, prefix)...)
	}
	ops = append(ops, settleOperations(h)...)
	// Every write refuses a body that is not JSON (or CSV where the
	// operation takes it) before it runs, whether or not it reads one.
	for i, op := range ops {
		if op.Method != http.MethodGet && !slices.ContainsFunc(op.Responses, func(r openapi.Response) bool {
			return r.Status == http.StatusUnsupportedMediaType
		}) {
			ops[i].Responses = append(op.Responses, errorResponse(http.StatusUnsupportedMediaType))
		}
	}
	return ops
}

func merchantOperations(h *Handler) []openapi.Op {
	item := "/api/v1/merchants/{merchantId}"
	params := []openapi.Param{merchantIDParam}
	update := func(method, id, summary string) openapi.Op {
		return openapi.Op{Method: method, Path: item, ID: id, Summary: summary, Tags: []string{tagMerchants},
			Description: "Update one or more fields of a merchant by merchantId (merchantName, merchantStatus " +
				"active or disabled). Members that are absent, null or the empty string are left unchanged. The " +
				"merchantId cannot be changed (400). PATCH and PUT are the same partial update.",
			Security: clients, Params: params, Body: jsonBody(merchantUpdateBody{}, "The fields to change."),
			Responses: responses(ok(merchantDetailJSON{}, "The merchant as it now is, with all its lists."), withBody(nil, 404, 409)...),
			Handler:   http.HandlerFunc(h.updateMerchant)}
	}
	return []openapi.Op{
		{Method: http.MethodPost, Path: "/api/v1/merchants", ID: "settlementCreateMerchant", Summary: "Add merchant",
			Description: "Add a single merchant (merchantName 1 to 128 characters; merchantId 1 to 32, generated " +
				"when not given; merchantStatus active, the default, or disabled). To start receiving payment " +
				"transactions, add a company afterwards.",
			Tags: []string{tagMerchants}, Security: clients, Body: jsonBody(merchantCreateBody{}, "The new merchant."),
			Responses: responses(created(merchantJSON{}, "The new merchant, with no companies or campaigns yet.", true), withBody(nil, 409)...),
			Handler:   http.HandlerFunc(h.createMerchant)},
		{Method: http.MethodGet, Path: "/api/v1/merchants", ID: "settlementGetMerchants", Summary: "Get merchants",
			Description: "Get all the merchants the caller reaches, each with its companies and campaigns." + mergeDescription,
			Tags:        []string{tagMerchants}, Security: clients, Params: pageParams,
			Responses: responses(ok([]merchantJSON{}, "The merchants."), http.StatusBadRequest),
			Handler:   http.HandlerFunc(h.listMerchants)},
		{Method: http.MethodGet, Path: item, ID: "settlementGetMerchant", Summary: "Get merchant",
			Description: "Get a single merchant by merchantId, with its companies, campaigns, stores, categories and derived shares.",
			Tags:        []string{tagMerchants}, Security: clients, Params: params,
			Responses: responses(ok(merchantDetailJSON{}, "The merchant."), http.StatusBadRequest, http.StatusNotFound),
			Handler:   http.HandlerFunc(h.getMerchant)},
		update(http.MethodPatch, "settlementUpdateMerchant", "Update merchant"),
		update(http.MethodPut, "settlementUpdateMerchantPut", "Update merchant (PUT)"),
		{Method: http.MethodDelete, Path: item, ID: "settlementDeleteMerchant", Summary: "Delete merchant",
			Description: "Delete a merchant with its companies, stores, categories and products, campaigns and derived " +
				"shares. Refused (409) while settlements or invoices of the merchant exist (financial records).",
			Tags: []string{tagMerchants}, Security: clients, Params: params,
			Responses: responses(noContent("Deleted."), http.StatusBadRequest, http.StatusNotFound, http.StatusConflict),
			Handler:   http.HandlerFunc(h.deleteMerchant)},
		{Method: http.MethodPut, Path: item + "/derivedshares", ID: "settlementReplaceDerivedShares",
			Summary: "Replace derived shares",
			Description: "Replace all derived shares of a merchant by merchantId, in one transaction. The body is " +
				"{\"derivedShares\": [...]} as in the seed's sample, or a bare array of the same derived shares " +
				"(the seed's body schema). An error names its item, as in derivedShares[2].share.",
			Tags: []string{tagDerivedShares}, Security: clients, Params: params,
			Body:      jsonBody(derivedSharesBody{}, "The derived shares that replace the merchant's."),
			Responses: responses(ok([]derivedShareJSON{}, "The merchant's derived shares now."), withBody(nil, 404, 409)...),
			Handler:   h.model(h.replaceDerivedShares)},
	}
}

func productOperations(h *Handler) []openapi.Op {
	categoryParam := openapi.Param{Name: "categoryId", In: "path", Required: true, Description: "External id of the category."}
	return []openapi.Op{
		{Method: http.MethodGet, Path: "/api/v1/categories/{categoryId}/products", ID: "settlementGetCategoryProducts",
			Summary: "Get products", Description: "Get the products of a category." + mergeDescription,
			Tags: []string{tagCategories}, Security: clients, Params: append([]openapi.Param{categoryParam}, pageParams...),
			Responses: responses(ok([]productJSON{}, "The category's products."), http.StatusBadRequest, http.StatusNotFound),
			Handler:   h.model(h.categoryProducts)},
		{Method: http.MethodPost, Path: "/api/v1/categories/{categoryId}/products", ID: "settlementAddCategoryProducts",
			Summary: "Add products", Description: "Add a list of products (at most 1000) to a category, in one " +
				"transaction. An error names its item, as in [2].productNumber.",
			Tags: []string{tagCategories}, Security: clients, Params: []openapi.Param{categoryParam},
			Body:      jsonBody([]categoryProductBody{}, "The products to add."),
			Responses: responses(created([]productJSON{}, "The products added.", false), withBody(nil, 404, 409)...),
			Handler:   h.model(h.addCategoryProducts)},
		{Method: http.MethodPost, Path: "/api/v1/products", ID: "settlementCreateProduct", Summary: "Add product",
			Description: "Add a product (a product number such as an EAN, at most 128 characters) to a category. " +
				"A receipt line with the product number is settled with the category's shares.",
			Tags: []string{tagProducts}, Security: clients, Body: jsonBody(productCreateBody{}, "The new product."),
			Responses: responses(created(productJSON{}, "The new product.", false), withBody(nil, 404, 409)...),
			Handler:   h.model(h.createProduct)},
		{Method: http.MethodDelete, Path: "/api/v1/products/{productId}", ID: "settlementDeleteProduct",
			Summary: "Delete product", Description: "Delete a product by productId.",
			Tags: []string{tagProducts}, Security: clients,
			Params:    []openapi.Param{{Name: "productId", In: "path", Required: true, Description: "External id of the product."}},
			Responses: responses(noContent("Deleted."), http.StatusBadRequest, http.StatusNotFound),
			Handler:   h.model(h.deleteProduct)},
	}
}

func campaignOperations(h *Handler) []openapi.Op {
	return append([]openapi.Op{
		{Method: http.MethodGet, Path: "/api/v1/campaigns", ID: "settlementGetCampaigns", Summary: "Get campaigns",
			Description: "List all campaigns, of every merchant the caller reaches, that are active now or start in the future." + mergeDescription,
			Tags:        []string{tagCampaigns}, Security: clients, Params: pageParams,
			Responses: responses(ok([]campaignJSON{}, "The current and future campaigns."), http.StatusBadRequest),
			Handler:   h.model(h.currentCampaigns)},
	}, campaigns.operations(h)...)
}

func blockedProductOperations(h *Handler) []openapi.Op {
	tags := []string{tagBlocked}
	return []openapi.Op{
		{Method: http.MethodGet, Path: "/api/v1/blockedproducts", ID: "settlementGetBlockedProducts",
			Summary: "Get blocked products", Description: "Get all blocked products." + mergeDescription,
			Tags: tags, Security: clients, Params: pageParams,
			Responses: responses(ok([]blockedProductJSON{}, "The blocked products."), http.StatusBadRequest),
			Handler:   h.model(h.blockedProducts)},
		{Method: http.MethodPost, Path: "/api/v1/blockedproducts", ID: "settlementCreateBlockedProduct",
			Summary: "Add blocked product", Description: "Add a blocked product: a product number that is never " +
				"settled, across merchants.",
			Tags: tags, Security: clients, Body: jsonBody(blockedProductBody{}, "The new blocked product."),
			Responses: responses(created(blockedProductJSON{}, "The new blocked product.", false), withBody(nil, 409)...),
			Handler:   h.model(h.createBlockedProduct)},
		{Method: http.MethodPost, Path: "/api/v1/blockedproducts/bulk", ID: "settlementCreateBlockedProducts",
			Summary: "Add blocked products", Description: "Add a list of blocked products (at most 1000), in one " +
				"transaction. An error names its item, as in [2].productNumber.",
			Tags: tags, Security: clients, Body: jsonBody([]blockedProductBody{}, "The new blocked products."),
			Responses: responses(created([]blockedProductJSON{}, "The new blocked products.", false), withBody(nil, 409)...),
			Handler:   h.model(h.createBlockedProducts)},
		{Method: http.MethodDelete, Path: "/api/v1/blockedproducts/{productId}", ID: "settlementDeleteBlockedProduct",
			Summary: "Delete blocked product", Description: "Delete a blocked product by productId.",
			Tags: tags, Security: clients,
			Params:    []openapi.Param{{Name: "productId", In: "path", Required: true, Description: "External id of the blocked product."}},
			Responses: responses(noContent("Deleted."), http.StatusBadRequest, http.StatusNotFound),
			Handler:   h.model(h.deleteBlockedProduct)},
	}
}

func transactionOperations(h *Handler) []openapi.Op {
	tags := []string{tagTransactions}
	return []openapi.Op{
		{Method: http.MethodPost, Path: "/api/v1/transactions/batches", ID: "settlementIngestTransactions",
			Summary: "Deliver transactions",
			Description: "Deliver a batch of raw payment card transactions from the card acquirer, as JSON " +
				"({\"transactions\": [...]} or a bare array) or as CSV (text/csv or application/csv) with a header " +
				"row of field names. The batch is read as a stream and stored in one database transaction: all of " +
				"it or, on the first bad transaction (400 naming it, as in transactions[3].amount), none. Each " +
				"transaction is then matched to a store or company of a merchant and settled once. transactionId " +
				"(1 to 64 characters), amount (at most 4 decimals), currency (ISO 4217, such as DKK) and " +
				"transactionDateTime (ISO-8601 with a zone) are required; truncatedCardNumber must be masked " +
				"(457173******1234) and no other field may hold a card number. cardToken is never stored, only its " +
				"keyed hash. The body may be much larger than other requests (INGEST_BODY_BYTES).",
			Tags: tags, Security: clients,
			Body: &openapi.Body{Type: transactionsBody{}, Required: true,
				Description: "The transactions as JSON ({\"transactions\": [...]} or a bare array of the same " +
					"transactions), or as CSV (text/csv or application/csv) with a header row of field names.",
				Alternatives: []openapi.Body{
					{ContentType: "text/csv", Type: csvTransactionsSchema},
					{ContentType: "application/csv", Type: csvTransactionsSchema},
				}},
			Responses: responses(created(ingestJSON{}, "The new transaction batch: its id and how many transactions it holds.", false),
				withBody(nil)...),
			Handler: http.HandlerFunc(h.ingest)},
		{Method: http.MethodGet, Path: "/api/v1/transactions/batches", ID: "settlementGetTransactionBatches",
			Summary: "Get transaction batches", Description: "Get all transaction batches the caller delivered (admins: all).",
			Tags: tags, Security: clients,
			Responses: responses(ok([]transactionBatchJSON{}, "The transaction batches.")),
			Handler:   http.HandlerFunc(h.transactionBatches)},
		{Method: http.MethodGet, Path: "/api/v1/transactions/{batchId}", ID: "settlementGetTransactions",
			Summary: "Get transactions by batchId", Description: "Get a page of the transactions of a batch, each " +
				"with its state (settled, unmatched …) and the merchant it matched.",
			Tags: tags, Security: clients,
			Params: append([]openapi.Param{{Name: "batchId", In: "path", Required: true,
				Description: "External id of the transaction batch."}}, pageParams...),
			Responses: responses(ok(transactionPageJSON{}, "The page of transactions."), http.StatusBadRequest, http.StatusNotFound),
			Handler:   http.HandlerFunc(h.transactions)},
	}
}

// settlementOperations are settlements, settlement batches and invoices
// under prefix: /api/v1, and /api as the alias the seed's notifications
// name.
func settlementOperations(h *Handler, prefix string) []openapi.Op {
	suffix, more := "", ""
	if prefix == aliasPrefix {
		suffix, more = "Alias", aliasDescription
	}
	tags := []string{tagSettlements}
	batchParam := openapi.Param{Name: "batchId", In: "path", Required: true, Description: "External id of the settlement batch."}
	dateParam := func(name, alt, what string) openapi.Param {
		return openapi.Param{Name: name, In: "query", Description: what + " date-time of the settlements' processing, " +
			"ISO-8601 with a zone (2018-05-18T08:00:00+02:00, URL-encoded). Required; " + alt + " is accepted too."}
	}
	byDate := append([]openapi.Param{
		dateParam("startdate", "startDate", "Earliest"), dateParam("enddate", "endDate", "Latest"),
		{Name: "startDate", In: "query", Description: "The same as startdate."},
		{Name: "endDate", In: "query", Description: "The same as enddate."},
		merchantsFilterParam,
	}, pageParams...)
	return []openapi.Op{
		{Method: http.MethodGet, Path: prefix + "/settlements", ID: "settlementGetSettlementsByDate" + suffix,
			Summary: "Get settlements by date", Description: "Get a page of settlements processed in a date range, " +
				"for all or some merchants." + more,
			Tags: tags, Security: clients, Params: byDate,
			Responses: responses(ok(settlementPageJSON{}, "The page of settlements."), http.StatusBadRequest, http.StatusNotFound),
			Handler:   http.HandlerFunc(h.settlementsByDate)},
		{Method: http.MethodPost, Path: prefix + "/settlements/batches", ID: "settlementCreateSettlementBatch" + suffix,
			Summary: "Create settlement batch", Description: "Create a batch of all the caller's settlements that " +
				"are not in a batch yet." + more,
			Tags: tags, Security: clients,
			Responses: responses(created(settlementBatchJSON{}, "The new settlement batch.", false)),
			Handler:   http.HandlerFunc(h.createSettlementBatch)},
		{Method: http.MethodGet, Path: prefix + "/settlements/batches", ID: "settlementGetSettlementBatches" + suffix,
			Summary: "Get settlement batches", Description: "Get all the caller's settlement batches." + more,
			Tags: tags, Security: clients,
			Responses: responses(ok([]settlementBatchJSON{}, "The settlement batches.")),
			Handler:   http.HandlerFunc(h.settlementBatches)},
		{Method: http.MethodGet, Path: prefix + "/settlements/{batchId}", ID: "settlementGetSettlementsByBatch" + suffix,
			Summary: "Get settlements by batchId", Description: "Get a page of the settlements of a batch." + more,
			Tags: tags, Security: clients, Params: append([]openapi.Param{batchParam, merchantsFilterParam}, pageParams...),
			Responses: responses(ok(settlementPageJSON{}, "The page of settlements."), http.StatusBadRequest, http.StatusNotFound),
			Handler:   http.HandlerFunc(h.settlementsByBatch)},
		{Method: http.MethodGet, Path: prefix + "/invoices/{settlementId}", ID: "settlementGetInvoices" + suffix,
			Summary: "Get invoices", Description: "Get the invoices of a settle run by its settlementId: per merchant, " +
				"the sum of the user shares and the sum of the provider shares." + more,
			Tags: []string{tagInvoices}, Security: clients,
			Params: []openapi.Param{{Name: "settlementId", In: "path", Required: true,
				Description: "The settle run's id, as POST /api/v1/merchants/settle answers it."}},
			Responses: responses(ok([]invoiceJSON{}, "The run's invoices."), http.StatusBadRequest, http.StatusNotFound),
			Handler:   http.HandlerFunc(h.invoices)},
	}
}

func settleOperations(h *Handler) []openapi.Op {
	params := []openapi.Param{merchantIDParam}
	tags := []string{tagMerchants}
	return []openapi.Op{
		{Method: http.MethodPost, Path: "/api/v1/merchants/settle", ID: "settlementSettleMerchants",
			Summary: "Settle merchants", Description: "Settle with merchants: sum up the settlements not settled " +
				"yet per merchant and share type (user share and provider share) into invoices. The returned " +
				"settlementId fetches them through /api/v1/invoices/{settlementId}. An unknown merchant, or " +
				"another client's, is 404 naming externalMerchantId.",
			Tags: tags, Security: clients,
			Params: []openapi.Param{{Name: "externalMerchantId", In: "query",
				Description: "External id of the one merchant to settle; all the caller's merchants when absent."}},
			Responses: responses(ok(settleJSON{}, "The settle run."), http.StatusBadRequest, http.StatusNotFound),
			Handler:   http.HandlerFunc(h.settle)},
		{Method: http.MethodGet, Path: "/api/v1/merchants/{merchantId}/invoices", ID: "settlementGetMerchantInvoices",
			Summary: "Get invoices of a merchant", Description: "Get the invoices of a merchant by merchantId, of every settle run.",
			Tags: tags, Security: clients, Params: params,
			Responses: responses(ok([]invoiceJSON{}, "The merchant's invoices."), http.StatusBadRequest, http.StatusNotFound),
			Handler:   http.HandlerFunc(h.merchantInvoices)},
		{Method: http.MethodGet, Path: "/api/v1/merchants/{merchantId}/settlementsourcestates",
			ID: "settlementGetSettlementSourceStates", Summary: "Get settlement source states",
			Description: "Get the state of each settlement source (transaction, receipt) of a merchant: how many " +
				"were settled or unmatched, how many settlements are not in a batch yet, and when the last arrived " +
				"and was settled.",
			Tags: tags, Security: clients, Params: params,
			Responses: responses(ok([]sourceStateJSON{}, "The merchant's settlement sources."), http.StatusBadRequest, http.StatusNotFound),
			Handler:   http.HandlerFunc(h.sourceStates)},
	}
}
