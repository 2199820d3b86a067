package openloyalty

import (
	"fmt"
	"net/http"
	"path"
	"strings"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// Key names the family's document: /openapi/openloyalty.json.
const Key = "openloyalty"

// description is the family's introduction, Markdown: it summarises seed
// 003 and what this service does differently, so that it stands alone.
const description = `Open Loyalty's **Customer API** (seed 003): the customers of a loyalty program, per store, for
three roles — the **admin** (everything), the **seller** at a point of sale (register, status, activate and
deactivate, assign a POS, send an SMS code, search) and the **customer** (only itself). Every operation also
exists in GraphQL (` + "`customers`, `customer`, `Customer.status`" + `, one mutation per operation) over the same
application layer.

**Stores.** Paths are under ` + "`/api/{storeCode}`" + ` (` + "`DEFAULT`" + ` after ` + "`migrate`" + `). The codes ` +
	"`v1`, `checkout`, `admin`, `seller`, `customer`, `token`, `settlements`, `invoices` and `receipt-receiver`" + ` are
reserved (other families' paths). An unknown store or customer, or a malformed id, is 404.

**Credentials.** Log in with ` + "`POST /api/admin/login_check`, `/api/seller/login_check` or `/api/customer/login_check`" + `
(also ` + "`/api/{storeCode}/customer/login_check`" + `) sending ` + "`_username` and `_password`" + `; a customer may log in with its
e-mail address, phone or loyalty card number. The answer is ` + "`{token, refresh_token}`" + `: an RS256 JWT to send as
` + "`Authorization: Bearer <token>`" + ` and a refresh token for ` + "`POST /api/token/refresh`" + ` (refresh tokens are kept only as
keyed hashes and die with a deleted or deactivated customer). The role of the path (` + "`/admin`, `/seller`" + `, the
customer's own paths) decides which tokens it takes: no token is 401 ` + "`JWT Token not found`" + `, a token of another role
or another customer is 403 ` + "`Access Denied.`" + `. Bad credentials are 401 ` + "`Bad credentials`" + ` alike for an unknown login,
a wrong or missing password and an inactive customer.

**Request bodies** are forms as the seed sends them — ` + "`customer[firstName]=John&customer[address][city]=Oslo`" + ` — as
` + "`application/x-www-form-urlencoded` or `multipart/form-data`" + `; the same members as JSON
(` + "`{\"customer\":{\"firstName\":\"John\",\"address\":{\"city\":\"Oslo\"}}}`" + `) are accepted too. A list's filters may be
sent in the query string or, as the seed's curls do, as a form body of the GET. Bodies are capped at 1 MiB
(imports at 3 MiB, avatars at 2 MiB): larger is 413.

**Errors.** Invalid input, and a value another customer already has, is **400 with the Symfony form body** of the
seed: every child of the customer form, the one at fault with its ` + "`errors`" + `, for example
` + "`{\"errors\":[],\"form\":{\"children\":{\"phone\":{\"errors\":[\"This value is not a valid phone number.\"]},…}}}`" + `;
an error that names no field is in the top-level ` + "`errors`" + `. Everything else is ` + "`{\"code\": <status>, \"message\": \"…\"}`" + `:
401, 403, 404, 429 and 503 (both with ` + "`Retry-After`" + `). A wrong, used or expired activation token or SMS code is
400 ` + "`{\"code\":400,\"message\":\"This code is invalid or has expired.\"}`" + ` (for a token: "This activation token is
invalid or has expired."). Two refusals come from the service's shared
guards in the Storebox shape ` + "`{\"code\":\"…\",\"message\":\"…\",\"field\":\"…\"}`" + `: a write a browser marks
` + "`Sec-Fetch-Site: cross-site`" + ` (403) and a body that is not JSON, a form or multipart (415).

**Notable rules.** Phones are checked against libphonenumber's numbering plans and stored as ` + "`+<digits>`" + `, so the
seed's own samples ` + "`000000005000`" + ` are refused. Customers registered by an admin or a seller are active at once; one
registered without a password gets an activation token by e-mail (` + "`customer/activate/{token}`" + `, 7 days, with an
optional ` + "`customer[plainPassword]`" + `), and a six-digit SMS code (` + "`activate-sms/{token}`" + `, 5 minutes) can be sent by
staff or by the customer itself. Codes work once; sends to one phone are 30 s apart and at most 5 an hour; wrong codes
are counted per client address (10) and per store (200) per 15 minutes, then 429. A customer's own phone change waits
for ` + "`confirm-change/{token}`" + `. ` + "`GET …/avatar`" + ` is the image (JPEG, PNG or GIF, re-encoded), or 404 when there is none
(the seed shows 204). Currency is reported as ` + "`eur`" + `; ` + "`pointsToNextLevel`, `levelWillExpireInDays` and " +
	"`pointsRequiredToRetainLevel`" + ` are left out of the status. A POS search needs at least one field and returns up to 50
customers. XML imports refuse DTDs and entities before anything is written.`

// OpenAPI is the family's document: the table that Register serves.
func OpenAPI() openapi.Family {
	return openapi.Family{Key: Key, Title: "Open Loyalty customers", Version: "1", Description: description,
		Ops: operations(nil)}
}

// The path parameters.
var (
	storeParam = openapi.Param{Name: "storeCode", In: "path", Required: true,
		Description: "The store's code (`DEFAULT` after `migrate`)."}
	customerParam = openapi.Param{Name: "customer", In: "path", Required: true, Description: "The customer's UUID."}
)

// listParams are the filters, page and sort of a customer list
// (listFilter reads them).
var listParams = []openapi.Param{
	{Name: "firstName", In: "query", Description: "First name (a part of it unless `strict=1`)."},
	{Name: "lastName", In: "query", Description: "Last name."},
	{Name: "phone", In: "query", Description: "Phone."},
	{Name: "email", In: "query", Description: "E-mail address."},
	{Name: "loyaltyCardNumber", In: "query", Description: "Loyalty card number."},
	{Name: "transactionsAmountFrom", In: "query", Description: "Lower limit of the transactions' amount (a number)."},
	{Name: "transactionsAmountTo", In: "query", Description: "Upper limit of the transactions' amount."},
	{Name: "averageTransactionAmountFrom", In: "query", Description: "Lower limit of the average transaction amount."},
	{Name: "averageTransactionAmountTo", In: "query", Description: "Upper limit of the average transaction amount."},
	{Name: "transactionsCountFrom", In: "query", Type: 0, Description: "Lower limit of the number of transactions (0 to 1000000)."},
	{Name: "transactionsCountTo", In: "query", Type: 0, Description: "Upper limit of the number of transactions."},
	{Name: "daysFromLastTransactionTo", In: "query", Type: 0, Description: "At most this many days since the last transaction."},
	{Name: "hoursFromLastUpdateTo", In: "query", Type: 0, Description: "At most this many hours since the last update."},
	{Name: "strict", In: "query", Enum: []string{"0", "1", "false", "true"}, Description: "1: exact values; 0 (default): parts of values."},
	{Name: "labels[0][key]", In: "query", Description: "A label's key; `labels[1][key]`, … for more (up to 50), each with an optional `labels[n][value]`."},
	{Name: "labels[0][value]", In: "query", Description: "The value of label 0."},
	{Name: "page", In: "query", Type: 0, Description: "Page, from 1 (default 1)."},
	{Name: "perPage", In: "query", Type: 0, Description: fmt.Sprintf("Customers per page, 1 to %d (default %d).", loyalty.MaxPerPage, loyalty.DefaultPerPage)},
	{Name: "sort", In: "query", Description: "The member to sort by (for example `customerId`, `transactionsCount`)."},
	{Name: "direction", In: "query", Enum: []string{"asc", "desc", "ASC", "DESC"}, Description: "Direction of sorting."},
}

// formProperty is one member of a form body.
type formProperty struct {
	name, typ, description string
}

// formSchema is the schema of a form body whose members are props, as
// they are written in the form (customer[address][city]).
func formSchema(required []string, props ...formProperty) openapi.Schema {
	p := openapi.Schema{}
	for _, f := range props {
		s := openapi.Schema{"type": f.typ, "description": f.description}
		switch f.typ {
		case "file":
			s = openapi.Schema{"type": "string", "contentMediaType": "application/octet-stream", "description": f.description}
		case "boolean":
			s = openapi.Schema{"type": "string", "enum": []any{"0", "1", "true", "false"}, "description": f.description}
		}
		p[f.name] = s
	}
	out := openapi.Schema{"type": "object", "properties": p}
	if len(required) > 0 {
		r := make([]any, len(required))
		for i, n := range required {
			r[i] = n
		}
		out["required"] = r
	}
	return out
}

// customerForm are the members of the customer form that customerFields
// reads (register and update), as the seed documents them.
var customerForm = []formProperty{
	{"customer[firstName]", "string", "First name (required at registration)."},
	{"customer[lastName]", "string", "Last name (required at registration)."},
	{"customer[gender]", "string", "`male`, `female` or `not_disclosed`."},
	{"customer[email]", "string", "E-mail address, unique in the store (required at registration)."},
	{"customer[phone]", "string", "Phone number, unique in the store; stored as `+<digits>`."},
	{"customer[birthDate]", "string", "Birth date, `YYYY-MM-DD`."},
	{"customer[createdAt]", "string", "Created at, `YYYY-MM-DD HH:mm:ss`."},
	{"customer[address][street]", "string", "Street."},
	{"customer[address][address1]", "string", "Building number."},
	{"customer[address][address2]", "string", "Flat or unit."},
	{"customer[address][postal]", "string", "Post code."},
	{"customer[address][city]", "string", "City."},
	{"customer[address][province]", "string", "Province."},
	{"customer[address][country]", "string", "Country."},
	{"customer[company][name]", "string", "Company name (with its NIP)."},
	{"customer[company][nip]", "string", "Company tax id (with its name)."},
	{"customer[loyaltyCardNumber]", "string", "Loyalty card number, unique in the store."},
	{"customer[labels]", "string", "Labels, `key1:val1;key2:val2`."},
	{"customer[agreement1]", "boolean", "First agreement, 1 or 0 (required at registration)."},
	{"customer[agreement2]", "boolean", "Second agreement."},
	{"customer[agreement3]", "boolean", "Third agreement."},
	{"customer[plainPassword]", "string", "Password for the customer's own login."},
	{"customer[posId]", "string", "The POS the customer belongs to."},
	{"customer[sellerId]", "string", "The seller the customer belongs to."},
}

// formMediaType is the media type the seed documents for the bodies.
const formMediaType = "application/x-www-form-urlencoded"

// Inline shapes of the bodies a status may have in two forms.
var (
	messageShape = openapi.Schema{"type": "object", "required": []any{"code", "message"},
		"properties": openapi.Schema{"code": openapi.Schema{"type": "integer"}, "message": openapi.Schema{"type": "string"}}}
	formShape = openapi.Schema{"type": "object", "required": []any{"errors", "form"},
		"description": "The Symfony form error body (see the other operations' 400).",
		"properties": openapi.Schema{"errors": openapi.Schema{"type": "array", "items": openapi.Schema{"type": "string"}},
			"form": openapi.Schema{"type": "object"}}}
	storeboxShape = openapi.Schema{"type": "object", "required": []any{"code", "message"},
		"description": "The service's shared guard (cross-site browser write) in the Storebox shape.",
		"properties": openapi.Schema{"code": openapi.Schema{"type": "string"}, "message": openapi.Schema{"type": "string"},
			"field": openapi.Schema{"type": "string"}}}
)

// The documented outcomes besides success.
var (
	badRequest = openapi.Response{Status: http.StatusBadRequest, Type: formErrorBody{},
		Description: "Invalid input (or a value another customer has): the Symfony form body, the field at fault with its `errors`."}
	badCode = openapi.Response{Status: http.StatusBadRequest, Type: openapi.Schema{"anyOf": []any{messageShape, formShape}},
		Description: "A wrong, used or expired token or code: `{\"code\":400,\"message\":\"This code is invalid or has expired.\"}`; " +
			"invalid form members (a password too weak): the Symfony form body."}
	unauthenticated = openapi.Response{Status: http.StatusUnauthorized, Type: messageBody{},
		Description: "No token (`JWT Token not found`), or an invalid or expired one."}
	badCredentials = openapi.Response{Status: http.StatusUnauthorized, Type: messageBody{},
		Description: "`Bad credentials` (also for no credentials and an inactive customer)."}
	forbiddenRead = openapi.Response{Status: http.StatusForbidden, Type: messageBody{},
		Description: "A token of another role, or another customer's: `Access Denied.`"}
	forbiddenWrite = openapi.Response{Status: http.StatusForbidden, Type: openapi.Schema{"anyOf": []any{messageShape, storeboxShape}},
		Description: "A token of another role, or another customer's: `{\"code\":403,\"message\":\"Access Denied.\"}`; " +
			"a write a browser marks cross-site: `{\"code\":\"forbidden\",…}`."}
	crossSite = openapi.Response{Status: http.StatusForbidden, Type: storebox.ErrorBody{},
		Description: "A write a browser marks `Sec-Fetch-Site: cross-site`."}
	notFound = openapi.Response{Status: http.StatusNotFound, Type: messageBody{},
		Description: "No such store or customer (a malformed id included)."}
	tooLarge = openapi.Response{Status: http.StatusRequestEntityTooLarge, Type: messageBody{},
		Description: "The body is larger than its cap."}
	unsupported = openapi.Response{Status: http.StatusUnsupportedMediaType, Type: storebox.ErrorBody{},
		Description: "A body that is not JSON, a form or multipart (`unsupported_media_type`, field `Content-Type`)."}
	rateLimited = openapi.Response{Status: http.StatusTooManyRequests, Type: messageBody{}, Headers: []string{"Retry-After"},
		Description: "Too many codes sent to the phone, or too many wrong codes; try again after `Retry-After` seconds."}
	unavailable = openapi.Response{Status: http.StatusServiceUnavailable, Type: messageBody{}, Headers: []string{"Retry-After"},
		Description: "The service is overloaded or a dependency is down; try again after `Retry-After` seconds."}
)

// roles says in words which tokens kinds are.
func roles(kinds []auth.Kind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, " or ")
}

// spec is what an operation adds to the outcomes every operation of its
// kind has.
type spec struct {
	id, summary, description string
	params                   []openapi.Param
	body                     *openapi.Body
	// reads: the operation reads a body or query (400 and 413 apply).
	reads bool
	// ok are the successes, extra the other outcomes it has.
	ok, extra []openapi.Response
}

// route is an operation for the holders of a token of one of kinds.
func (h *Handler) route(method, p string, kinds []auth.Kind, fn http.HandlerFunc, s spec) openapi.Op {
	op := h.public(method, p, http.HandlerFunc(fn), s)
	op.Handler = gate(h, kinds, fn)
	op.Security = [][]openapi.Scheme{{openapi.OpenLoyaltyJWT}}
	op.Description = strings.TrimSpace(op.Description + "\n\nFor a token of the " + roles(kinds) + " role.")
	forbidden := forbiddenRead
	if method != http.MethodGet {
		forbidden = forbiddenWrite
		// The cross-site refusal is folded into forbiddenWrite.
		out := op.Responses[:0]
		for _, r := range op.Responses {
			if r.Status != http.StatusForbidden {
				out = append(out, r)
			}
		}
		op.Responses = out
	}
	op.Responses = append(op.Responses, unauthenticated, forbidden)
	return op
}

// public is an operation without credentials.
func (h *Handler) public(method, p string, handler http.Handler, s spec) openapi.Op {
	op := openapi.Op{Method: method, Path: p, ID: "openLoyalty" + s.id, Summary: s.summary,
		Description: s.description, Tags: []string{"Open Loyalty customers"}, Body: s.body, Handler: handler}
	if strings.Contains(p, "{storeCode}") {
		op.Params = append(op.Params, storeParam)
	}
	if strings.Contains(p, "{customer}") {
		op.Params = append(op.Params, customerParam)
	}
	op.Params = append(op.Params, s.params...)
	op.Responses = append(op.Responses, s.ok...)
	if s.reads {
		op.Responses = append(op.Responses, badRequest, tooLarge)
	}
	if strings.Contains(p, "{storeCode}") {
		op.Responses = append(op.Responses, notFound)
	}
	if method != http.MethodGet {
		op.Responses = append(op.Responses, crossSite, unsupported)
	}
	op.Responses = append(op.Responses, s.extra...)
	op.Responses = append(op.Responses, unavailable)
	return op
}

func ok(typ any, description string) []openapi.Response {
	return []openapi.Response{{Status: http.StatusOK, Type: typ, Description: description}}
}

func empty(status int, description string) []openapi.Response {
	return []openapi.Response{{Status: status, Description: description}}
}

func formBodyOf(required []string, description string, props ...formProperty) *openapi.Body {
	return &openapi.Body{ContentType: formMediaType, Type: formSchema(required, props...), Description: description}
}

// loginBody is the body of every login.
var loginBody = formBodyOf([]string{"_username", "_password"}, "The credentials (JSON with the same members is accepted too).",
	formProperty{"_username", "string", "The admin's or seller's login, or the customer's e-mail address, phone or loyalty card number."},
	formProperty{"_password", "string", "The password."})

// codeRoute reports whether op is one of the code actions served behind
// codePattern (see Register).
func codeRoute(op openapi.Op) bool {
	matched, _ := path.Match("/api/{storeCode}/customer/*/{token}", op.Path)
	return matched && op.Method == http.MethodPost
}

// codePattern is the pattern of the store mux that the code actions are
// served behind.
const codePattern = "POST /api/{storeCode}/customer/{action}/{token}"

// operations is the family's table: every route, its handler and its
// description. h may be nil (for the document); its handlers are then
// never called.
func operations(h *Handler) []openapi.Op {
	const api = "/api/{storeCode}"
	customer := func(typ any) []openapi.Response { return ok(typ, "The customer.") }
	noContent := func(d string) []openapi.Response { return empty(http.StatusNoContent, d) }
	done := func(d string) []openapi.Response { return empty(http.StatusOK, d+" (no content).") }
	register := formBodyOf(nil, "The customer form; first name, last name, e-mail address and agreement1 are required.", customerForm...)
	update := formBodyOf(nil, "The members to change (the customer form; members not sent keep their values).", customerForm...)
	posForm := formBodyOf([]string{"posId"}, "", formProperty{"posId", "string", "The POS's UUID."})
	searchForm := formBodyOf(nil, "At least one member (also without the `search[…]` wrapping).",
		formProperty{"search[loyaltyCardNumber]", "string", "Loyalty card number."},
		formProperty{"search[phone]", "string", "Phone."}, formProperty{"search[email]", "string", "E-mail address."},
		formProperty{"search[firstName]", "string", "First name."}, formProperty{"search[lastName]", "string", "Last name."},
		formProperty{"search[city]", "string", "City."}, formProperty{"search[postcode]", "string", "Post code."})
	login := func(role loyalty.Role, p, id string) openapi.Op {
		return h.public(http.MethodPost, p, h.login(role), spec{id: id, summary: "Log in as " + string(role),
			description: "Returns an RS256 token for `Authorization: Bearer` and a refresh token.",
			body:        loginBody, reads: true, ok: ok(tokensBody{}, "The tokens."), extra: []openapi.Response{badCredentials}})
	}
	status := func(p, id string, kinds []auth.Kind) openapi.Op {
		return h.route(http.MethodGet, p, kinds, h.status, spec{id: id, summary: "Get a customer's status",
			description: "Points, level and next level, transactions, points expiring.", ok: ok(statusBodyOL{}, "The status.")})
	}
	setActive := func(p, id string, active bool, kinds []auth.Kind) openapi.Op {
		what := "Deactivate"
		if active {
			what = "Activate"
		}
		return h.route(http.MethodPost, p, kinds, h.setActive(active), spec{id: id, summary: what + " a customer",
			ok:    done("Done"),
			extra: []openapi.Response{{Status: http.StatusBadRequest, Type: formErrorBody{}, Description: "An anonymized customer cannot be activated."}}})
	}
	sendSMS := func(p, id string, kinds []auth.Kind, who string) openapi.Op {
		return h.route(http.MethodPost, p, kinds, h.sendSMSCode, spec{id: id, summary: "Send an SMS activation code",
			description: "Sends a six-digit code to " + who + "'s phone, for `customer/activate-sms/{token}`.",
			ok:          done("Sent"), extra: []openapi.Response{badRequest, rateLimited}})
	}
	return []openapi.Op{
		login(loyalty.RoleAdmin, "/api/admin/login_check", "AdminLogin"),
		login(loyalty.RoleSeller, "/api/seller/login_check", "SellerLogin"),
		login(loyalty.RoleCustomer, "/api/customer/login_check", "CustomerLogin"),
		h.public(http.MethodPost, "/api/token/refresh", http.HandlerFunc(h.refresh), spec{id: "RefreshToken",
			summary: "Refresh a token", description: "Trades a refresh token for new tokens.",
			body:  formBodyOf([]string{"refresh_token"}, "", formProperty{"refresh_token", "string", "The refresh token of a login."}),
			reads: true, ok: ok(tokensBody{}, "The new tokens."),
			extra: []openapi.Response{{Status: http.StatusUnauthorized, Type: messageBody{}, Description: "An unknown, used or expired refresh token."}}}),
		login(loyalty.RoleCustomer, api+"/customer/login_check", "StoreCustomerLogin"),

		h.route(http.MethodGet, api+"/admin/customer", admin, h.list, spec{id: "AdminListCustomers",
			summary: "List customers (admin)", params: listParams, reads: true, ok: ok(listBody{}, "A page of customers and the total.")}),
		h.route(http.MethodGet, api+"/customer", staff, h.list, spec{id: "ListCustomers",
			summary: "List customers", params: listParams, reads: true, ok: ok(listBody{}, "A page of customers and the total.")}),
		h.route(http.MethodPost, api+"/admin/customer/register", admin, h.register, spec{id: "AdminRegisterCustomer",
			summary: "Register a customer (admin)", body: register, reads: true, ok: ok(registeredBody{}, "The new customer's id and e-mail address.")}),
		h.route(http.MethodPost, api+"/seller/customer/register", seller, h.register, spec{id: "SellerRegisterCustomer",
			summary: "Register a customer (seller)", body: register, reads: true, ok: ok(registeredBody{}, "The new customer's id and e-mail address.")}),
		h.route(http.MethodPost, api+"/customer/register", staff, h.register, spec{id: "RegisterCustomer",
			summary: "Register a customer", body: register, reads: true, ok: ok(registeredBody{}, "The new customer's id and e-mail address.")}),
		h.route(http.MethodGet, api+"/customer/check", staff, h.check, spec{id: "CheckCustomer",
			summary: "Count the customers with an e-mail address or phone", reads: true,
			params: []openapi.Param{{Name: "emailOrPhone", In: "query", Required: true, Description: "An e-mail address or phone."}},
			ok:     ok(checkBody{}, "How many customers have it.")}),
		h.route(http.MethodGet, api+"/customer/{customer}", anyone, h.get, spec{id: "GetCustomer",
			summary: "Get a customer", description: "A customer reaches only itself.", ok: customer(customerBody{})}),
		h.route(http.MethodPut, api+"/customer/{customer}", selfEdit, h.update, spec{id: "UpdateCustomer",
			summary: "Update a customer", description: "A customer updates only itself; its own phone change waits for `confirm-change`.",
			body: update, reads: true, ok: ok(updatedBody{}, "The customer's id.")}),
		h.route(http.MethodDelete, api+"/customer/{customer}", admin, h.delete, spec{id: "DeleteCustomer",
			summary: "Delete a customer", ok: noContent("Deleted.")}),
		setActive(api+"/admin/customer/{customer}/activate", "AdminActivateCustomer", true, admin),
		setActive(api+"/admin/customer/{customer}/deactivate", "AdminDeactivateCustomer", false, admin),
		setActive(api+"/seller/customer/{customer}/activate", "SellerActivateCustomer", true, seller),
		setActive(api+"/seller/customer/{customer}/deactivate", "SellerDeactivateCustomer", false, seller),
		h.route(http.MethodPost, api+"/admin/customer/{customer}/anonymize", admin, h.anonymize, spec{id: "AnonymizeCustomer",
			summary: "Anonymize a customer", description: "Its personal data is erased; its figures stay.", ok: noContent("Anonymized.")}),
		h.route(http.MethodPost, api+"/pos/search/customer", seller, h.searchPOS, spec{id: "SearchCustomersPOS",
			summary: "Search customers at a POS", description: fmt.Sprintf("Up to %d customers; at least one field is required.", posSearchLimit),
			body: searchForm, reads: true, ok: ok(searchBody{}, "The customers found.")}),
		status(api+"/admin/customer/{customer}/status", "AdminCustomerStatus", admin),
		status(api+"/seller/customer/{customer}/status", "SellerCustomerStatus", seller),
		status(api+"/customer/customer/{customer}/status", "CustomerStatus", customerOnly),
		h.route(http.MethodPost, api+"/customer/{customer}/level", admin, h.assignLevel, spec{id: "AssignLevel",
			summary: "Assign a level manually",
			body:    formBodyOf([]string{"levelId"}, "", formProperty{"levelId", "string", "The level's UUID."}),
			reads:   true, ok: ok(emptyBody{}, "Assigned: `[]`.")}),
		h.route(http.MethodPost, api+"/customer/{customer}/remove-manually-level", admin, h.removeManualLevel, spec{id: "RemoveManualLevel",
			summary: "Remove the manually assigned level", ok: noContent("Removed.")}),
		h.route(http.MethodPost, api+"/customer/{customer}/pos", admin, h.assignPOS, spec{id: "AdminAssignPOS",
			summary: "Assign a POS (admin)", body: posForm, reads: true, ok: ok(emptyBody{}, "Assigned: `[]`.")}),
		h.route(http.MethodPost, api+"/seller/customer/{customer}/pos", seller, h.assignPOS, spec{id: "SellerAssignPOS",
			summary: "Assign a POS (seller)", body: posForm, reads: true, ok: ok(emptyBody{}, "Assigned: `[]`.")}),
		h.route(http.MethodGet, api+"/customer/registrations", admin, h.registrations, spec{id: "Registrations",
			summary: "Count registrations per day, month or year", reads: true,
			params: []openapi.Param{
				{Name: "interval", In: "query", Enum: []string{string(loyalty.IntervalDay), string(loyalty.IntervalMonth), string(loyalty.IntervalYear)},
					Description: "Group by (default day)."},
				{Name: "lastDays", In: "query", Type: 0, Description: "The last this many days (from 1)."}},
			ok: ok(registrationsBody{}, "Registrations per period (`\"2018-02-02\": 5`).")}),
		h.route(http.MethodGet, api+"/customer/{customer}/pushy-token", selfEdit, h.pushyTokens, spec{id: "PushyTokens",
			summary: "List the customer's Pushy device tokens", ok: ok(pushyTokensBody{}, "The tokens.")}),
		h.route(http.MethodPost, api+"/customer/{customer}/pushy-token", selfEdit, h.addPushyToken, spec{id: "AddPushyToken",
			summary: "Add a Pushy device token",
			body: formBodyOf([]string{"customer[pushyToken]"}, "", formProperty{"customer[pushyToken]", "string",
				"The device token (`pushyToken` is accepted too)."}),
			reads: true, ok: noContent("Added.")}),
		h.route(http.MethodDelete, api+"/customer/{customer}/pushy-token/{token}", selfEdit, h.removePushyToken, spec{id: "RemovePushyToken",
			summary: "Remove a Pushy device token",
			params:  []openapi.Param{{Name: "token", In: "path", Required: true, Description: "The device token."}},
			ok:      noContent("Removed."), extra: []openapi.Response{badRequest}}),
		h.route(http.MethodPost, api+"/admin/customer/import", admin, h.importXML, spec{id: "ImportCustomers",
			summary:     "Import customers from XML",
			description: fmt.Sprintf("The XML file as multipart `file[file]`, at most %d bytes and %d customers; DTDs and entities are refused before anything is written.", maxImportBytes, loyalty.MaxImportItems),
			body: &openapi.Body{ContentType: "multipart/form-data", Required: true, Type: formSchema([]string{"file[file]"},
				formProperty{"file[file]", "file", "The XML file."})},
			reads: true, ok: ok(importBody{}, "One item per customer of the file.")}),
		h.route(http.MethodGet, api+"/customer/{customer}/avatar", selfEdit, h.avatar, spec{id: "GetAvatar",
			summary: "Get the customer's avatar",
			ok: []openapi.Response{{Status: http.StatusOK, ContentType: "image/jpeg", Description: "The picture (no-store)."},
				{Status: http.StatusOK, ContentType: "image/png"}, {Status: http.StatusOK, ContentType: "image/gif"}}}),
		h.route(http.MethodPost, api+"/customer/{customer}/avatar", selfEdit, h.setAvatar, spec{id: "SetAvatar",
			summary:     "Set the customer's avatar",
			description: fmt.Sprintf("A JPEG, PNG or GIF (by its bytes), at most %d bytes and 4096×4096; it is re-encoded.", loyalty.MaxAvatarBytes),
			body: &openapi.Body{ContentType: "multipart/form-data", Required: true, Type: formSchema([]string{"avatar[file]"},
				formProperty{"avatar[file]", "file", "The picture."})},
			reads: true, ok: noContent("Set.")}),
		h.route(http.MethodDelete, api+"/customer/{customer}/avatar", selfEdit, h.deleteAvatar, spec{id: "DeleteAvatar",
			summary: "Remove the customer's avatar", ok: noContent("Removed.")}),

		h.public(http.MethodPost, api+"/customer/activate/{token}", http.HandlerFunc(h.activateByToken), spec{id: "ActivateByToken",
			summary:     "Activate a customer with its activation token",
			description: "The token (sent by e-mail) is the capability: no Authorization is needed.",
			params:      []openapi.Param{{Name: "token", In: "path", Required: true, Description: "The activation token."}},
			body: formBodyOf(nil, "", formProperty{"customer[plainPassword]", "string",
				"Sets the customer's password (`plainPassword` is accepted too)."}),
			ok: done("Activated"), extra: []openapi.Response{badCode, tooLarge, rateLimited}}),
		h.public(http.MethodPost, api+"/customer/activate-sms/{token}", http.HandlerFunc(h.activateBySMS), spec{id: "ActivateBySMS",
			summary: "Activate a customer with its SMS code", description: "No Authorization is needed.",
			params: []openapi.Param{{Name: "token", In: "path", Required: true, Description: "The six-digit SMS code."}},
			ok:     noContent("Activated."), extra: []openapi.Response{badCode, rateLimited}}),
		h.route(http.MethodPost, api+"/customer/confirm-change/{token}", customerOnly, h.confirmChange, spec{id: "ConfirmPhoneChange",
			summary: "Confirm a change of the customer's phone",
			params:  []openapi.Param{{Name: "token", In: "path", Required: true, Description: "The code sent to the new phone."}},
			ok:      noContent("Confirmed."), extra: []openapi.Response{badCode, rateLimited}}),
		sendSMS(api+"/admin/customer/{customer}/send-sms-code", "AdminSendSMSCode", admin, "the customer"),
		sendSMS(api+"/seller/customer/{customer}/send-sms-code", "SellerSendSMSCode", seller, "the customer"),
		sendSMS(api+"/customer/customer-phone/send-sms-code", "SendOwnSMSCode", customerOnly, "the calling customer"),
	}
}
