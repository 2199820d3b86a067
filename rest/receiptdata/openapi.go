package receiptdata

import (
	"log/slog"
	"net/http"
	"slices"

	"loyaltygraph/app/cards"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// This file is the family's table: every route of the Receipt Data API
// and of the POS receiver, its handler and its description. Register and
// the other Register functions add exactly these routes; OpenAPI and
// POSOpenAPI describe exactly these operations.

// OpenAPI is the Receipt Data API's document (seed 001).
func OpenAPI() openapi.Family {
	var ops []openapi.Op
	ops = append(ops, operations(nil)...)
	ops = append(ops, merchantOperations(nil)...)
	ops = append(ops, cardOperations(nil, true)...)
	ops = append(ops, termsOperations(nil)...)
	ops = append(ops, userOperations(nil)...)
	return openapi.Family{Key: "receiptdata", Title: "Receipt Data API", Version: "v1", Description: receiptDataDoc, Ops: ops}
}

// POSOpenAPI is the POS receipt receiver's document.
func POSOpenAPI() openapi.Family {
	return openapi.Family{Key: "pos", Title: "POS receipt receiver", Version: "v2", Description: posDoc, Ops: posOperations(nil)}
}

const receiptDataDoc = `The Receipt Data API (Storebox, seed 001) lets trusted third parties — payment service providers,
banks, merchants' own apps — show their end users the detailed receipts behind their card payments: the
lines, VAT, payments and the merchant, as JSON, as a printable HTML page or as a PDF. It also registers the
users' payment cards (through a PCI-DSS card frame, or as BankAxept cards), lists the merchants, their logos
and their marketing messages, serves the terms, and manages Storebox users and whitelabel users.

Every path starts with ` + "`/receipt-data/v1`" + `. Every operation here has a GraphQL field that calls the same
application-layer operation (` + "`/graphql`" + `).

## Credentials

- **Partner**: ` + "`Authorization: Basic base64(key:secret)`" + `, or the key wrapped in a JWT
  (` + "`Authorization: Bearer <HS256 JWT signed with the secret; iss=key, sub=request path, method, exp>`" + `),
  good for one request. A partner reaches only the users it created; another partner's user, receipt or
  card is **404**, as if it did not exist.
- **End user**: ` + "`X-Storebox-user-token: <accessToken>`" + ` (from the User API's OTP login) alone reaches the user's
  own receipts, cards and merchants; with a partner's credentials it narrows the partner to that user. The
  card operations need it with a JWT-wrapped key.
- **X-Auth-signature** on the external receipt view: ` + "`base64(HMAC-SHA256(apiKey, \"receiptId:type\"))`" + `,
  so that an end user cannot change the receipt id of a page the partner proxies.
- **No credentials**: terms, merchant logos (public, cached for ever per version), a PDF by its 15-minute
  session id, and the card frame, which runs in the end user's browser and is signed with the partner's
  salt instead: ` + "`hash = hex(HMAC-SHA256(salt, id + accepturl + declineurl + cssurl + languageurl))`" + `.

## Errors

Every JSON error is ` + "`{\"code\": \"...\", \"message\": \"...\", \"field\": \"...\"}`" + `: ` + "`field`" + ` names the body member,
query parameter or header at fault (` + "`payments[0].amount`" + `, ` + "`orderBy`" + `, ` + "`X-Auth-signature`" + `). Statuses: 400 bad
format (do not resend), 401 bad or missing credentials (no ` + "`WWW-Authenticate`" + ` challenge), 403 invalid security
token or not allowed, 404 not found (or not the caller's), 409 conflict, 429 too many failed logins or codes
(` + "`Retry-After`" + `), 500 unknown error (the detail is only logged), 503 overloaded or a dependency down
(` + "`Retry-After`" + `).

## Notable rules

- Receipt lists: ` + "`orderBy`" + ` (store, date, total) and ` + "`direction`" + ` (asc, desc) are required; ` + "`limit`" + ` defaults to
  50 (at most 1000); ` + "`previous`" + ` and ` + "`next`" + ` are both absent when the page is the whole set, and the app then
  sorts on the device.
- Money is written as exact JSON numbers (` + "`\"amount\": 150.50`" + `), never through floating point.
- A full card number (PAN) is never stored, logged or returned: receipts and cards show the truncated number
  (` + "`457100XXXXXX0001`" + `); the card frame shows a refused number again only as an empty field.
- Logo URLs carry the logo's version; the image at a current version is cached for a year (` + "`immutable`" + `), and
  ` + "`If-None-Match`" + ` answers 304.
`

const posDoc = `The POS receipt receiver (the Storebox POS API's own path) takes the receipts of a merchant's tills:
external receipt id and type, purchase time, totals with VAT, lines, payments and an optional barcode and
whitelabel customer. A receipt is matched to the users whose cards paid it (by card token or truncated card
number and transaction data) and becomes visible in their Receipt Data API lists; linked loyalty customers
earn points.

## Credentials

HTTP Basic of a ` + "`pos`" + ` credential, bound to one merchant
(` + "`loyaltygraph credentials create pos NAME --merchant ID`" + `). The receipt is always that merchant's; a request
cannot name another.

## Rules

- The same external receipt id and type again replaces the receipt's content: **200** with status
  ` + "`UPDATED`" + ` and the same ` + "`receiptId`" + `; a new one is **201** ` + "`CREATED`" + `.
- Money members (` + "`amount`" + `, ` + "`totalPrice`" + `, ` + "`vatRates[].rate`" + `…) are JSON numbers or numeric strings, read
  exactly; times are ISO-8601 with an offset (` + "`2018-11-01T10:34:23+02:00`" + `).
- A card number in any field is refused; only truncated numbers and card tokens are kept.

## Errors

` + "`{\"code\": \"...\", \"message\": \"...\", \"field\": \"...\"}`" + ` with ` + "`field`" + ` the path at fault
(` + "`receiptLines[2].totalPrice`" + `): 400 bad format, 401 bad credentials, 403 a credential that is not a till's (or
whose merchant is gone), 429 too many failed logins (` + "`Retry-After`" + `), 503 overloaded or a dependency down
(` + "`Retry-After`" + `).
`

// Tags group the operations as the seed does.
const (
	tagReceipts   = "Receipt Data: Receipts"
	tagPDF        = "Receipt Data: PDF"
	tagCards      = "Receipt Data: Cards"
	tagMerchants  = "Receipt Data: Merchants"
	tagMarketing  = "Receipt Data: Marketing messages"
	tagTerms      = "Receipt Data: Terms"
	tagStorebox   = "Receipt Data: Storebox users"
	tagWhitelabel = "Receipt Data: Whitelabel users"
	tagPOS        = "POS receipt receiver"
)

// The credentials an operation accepts.
var (
	// partnerOrUser: a partner's own users, or the end user itself.
	partnerOrUser = [][]openapi.Scheme{{openapi.PartnerBasic}, {openapi.PartnerJWT}, {openapi.StoreboxUserToken}}
	// partnerOrUserToken: as partnerOrUser, but a JWT-wrapped key needs the
	// user's token too (cards).
	partnerOrUserToken = [][]openapi.Scheme{{openapi.PartnerBasic}, {openapi.PartnerJWT, openapi.StoreboxUserToken},
		{openapi.StoreboxUserToken}}
	partnerOnly = [][]openapi.Scheme{{openapi.PartnerBasic}, {openapi.PartnerJWT}}
	tills       = [][]openapi.Scheme{{openapi.POSBasic}}
)

// The family's descriptions of the error statuses (seed 001's table).
var errorDescriptions = map[int]string{
	http.StatusBadRequest:          "Request not accepted: error in the format of the request; `field` names the member, parameter or header at fault. Do not resend.",
	http.StatusUnauthorized:        "The credentials are missing or invalid (no WWW-Authenticate challenge).",
	http.StatusForbidden:           "Invalid security token (X-Storebox-user-token), or these credentials may not do this.",
	http.StatusNotFound:            "Not found, or not the caller's: another partner's ids are not found either.",
	http.StatusConflict:            "Conflicts with what exists.",
	http.StatusTooManyRequests:     "Too many failed logins for this key or from this address; Retry-After gives the seconds to wait.",
	http.StatusInternalServerError: "Unknown error on the server; the detail is logged, never returned. Resend after some time.",
	http.StatusServiceUnavailable:  "Overloaded, or a dependency (PostgreSQL, Redis) is down; Retry-After gives the seconds to wait.",
}

// fail documents an error status with the Storebox error body
// (storebox.ErrorResponses); desc, or the family's description of the
// status, replaces the shared one.
func fail(status int, desc string) openapi.Response {
	r := storebox.ErrorResponses(status)[0]
	if desc == "" {
		desc = errorDescriptions[status]
	}
	if desc != "" {
		r.Description = desc
	}
	return r
}

// fails documents error statuses with their standard descriptions.
func fails(statuses ...int) []openapi.Response {
	out := make([]openapi.Response, len(statuses))
	for i, s := range statuses {
		out[i] = fail(s, "")
	}
	return out
}

// The statuses every operation behind credentials may answer besides its
// own, and those of public operations.
var (
	authFailures   = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable}
	publicFailures = []int{http.StatusInternalServerError, http.StatusServiceUnavailable}
)

// responses lists an operation's outcomes: rs, then the errors statuses
// (each with its standard description unless rs has it), then common.
func responses(common []int, rs []openapi.Response, statuses ...int) []openapi.Response {
	has := map[int]bool{}
	for _, r := range rs {
		has[r.Status] = true
	}
	for _, s := range append(statuses, common...) {
		if !has[s] {
			rs = append(rs, fail(s, ""))
			has[s] = true
		}
	}
	return rs
}

// writeRefusals adds to every write of ops what the server's guard against
// browser-driven writes answers (server.refuseBrowserWrites): 403 for a
// cross-site request, 415 for a body that is not JSON (nor the route's
// form).
func writeRefusals(ops []openapi.Op) []openapi.Op {
	for i, op := range ops {
		if op.Method == http.MethodGet {
			continue
		}
		const crossSite = "A cross-site request (Sec-Fetch-Site: cross-site) may not write."
		rs := slices.Clone(op.Responses)
		if i := slices.IndexFunc(rs, func(r openapi.Response) bool { return r.Status == http.StatusForbidden }); i >= 0 {
			rs[i].Description += " " + crossSite
		} else {
			rs = append(rs, fail(http.StatusForbidden, crossSite))
		}
		rs = append(rs, fail(http.StatusUnsupportedMediaType, "The request body is not application/json (nor the form the route takes)."))
		ops[i].Responses = rs
	}
	return ops
}

func ok(status int, desc string, typ any) openapi.Response {
	return openapi.Response{Status: status, Description: desc, Type: typ}
}

func noContent(desc string) openapi.Response {
	return openapi.Response{Status: http.StatusNoContent, Description: desc}
}

// Parameters.
func inPath(name, desc string) openapi.Param {
	return openapi.Param{Name: name, In: "path", Required: true, Description: desc, Type: ""}
}

func inQuery(name, desc string, typ any, enum ...string) openapi.Param {
	return openapi.Param{Name: name, In: "query", Description: desc, Type: typ, Enum: enum}
}

var (
	userIDParam    = inPath("userId", "The user id that was returned on creation/linking or on OTP validation.")
	receiptIDParam = inPath("receiptId", "The id of the receipt (32 of [0-9a-z]).")
	langParam      = inQuery("lang", "The language of the static texts, for example da, no, sv, fi or en (English when unknown).", "")
)

// jsonBody is a required JSON request body of type typ.
func jsonBody(typ any, desc string) *openapi.Body {
	return &openapi.Body{Type: typ, Required: true, Description: desc}
}

// requireWith wraps fn so that it runs only with credentials (nil fn: the
// table is only described).
func requireWith(log *slog.Logger) func(http.HandlerFunc) http.Handler {
	return func(fn http.HandlerFunc) http.Handler { return storebox.Require(log, fn) }
}

// Operation ids of the two views that share one ServeMux pattern (see
// viewRoute).
const (
	opViewExternal = "receiptDataViewExternalReceipt"
	opGetMessage   = "receiptDataGetMessage"
)

// posOperations is the POS receiver.
func posOperations(h *Handler) []openapi.Op {
	var log *slog.Logger
	if h != nil {
		log = h.log
	}
	auth := requireWith(log)
	return writeRefusals([]openapi.Op{{
		Method: http.MethodPost, Path: "/api/receipt-receiver/v2/receipts", ID: "posIngestReceipt",
		Summary:     "Post a receipt",
		Description: "Stores a receipt of the till's merchant and matches it to the users whose cards paid it. The same `externalReceiptId` and `externalReceiptIdType` again replaces the content.",
		Tags:        []string{tagPOS}, Security: tills,
		Body: jsonBody(ingestBody{}, "The receipt. Money members are JSON numbers or numeric strings."),
		Responses: responses(authFailures, []openapi.Response{
			ok(http.StatusCreated, "A new receipt: status CREATED.", ingestResult{}),
			ok(http.StatusOK, "A re-post of a known external id and type: status UPDATED, the same receiptId.", ingestResult{}),
			fail(http.StatusForbidden, "The credential is not a till's, or its merchant does not exist any more."),
		}, http.StatusBadRequest),
		Handler: auth(h.ingest),
	}})
}

// operations are the receipts, their views and their PDFs.
func operations(h *Handler) []openapi.Op {
	var log *slog.Logger
	if h != nil {
		log = h.log
	}
	auth := requireWith(log)
	return writeRefusals([]openapi.Op{{
		Method: http.MethodGet, Path: "/receipt-data/v1/users/{userId}/receipts", ID: "receiptDataListReceipts",
		Summary:     "Get receipts",
		Description: "Returns the user's receipts, newest or cheapest first as asked. For most users the whole set is one page: then neither `previous` nor `next` is present, and the app sorts on the device.",
		Tags:        []string{tagReceipts}, Security: partnerOrUser,
		Params: []openapi.Param{userIDParam,
			{Name: "orderBy", In: "query", Required: true, Description: "Field to order by.", Type: "", Enum: []string{"store", "date", "total"}},
			{Name: "direction", In: "query", Required: true, Description: "The sort order.", Type: "", Enum: []string{"asc", "desc"}},
			inQuery("search", "Free-text search in receipt lines and merchant names (at most 100 characters).", ""),
			inQuery("offset", "Start at this result index.", 0),
			inQuery("limit", "The number of results to fetch: 0 to 1000, 50 by default.", 0),
			inQuery("merchantId", "Only receipts of this merchant (the Storebox merchant id).", ""),
			inQuery("startDate", "Purchase time range start, ISO-8601 with offset: 2015-06-29T15:50:12+02:00.", ""),
			inQuery("endDate", "Purchase time range end, ISO-8601 with offset.", ""),
			inQuery("startGrandTotal", "Grand total range start, e.g. 150.50.", 0.0),
			inQuery("endGrandTotal", "Grand total range end.", 0.0),
		},
		Responses: responses(authFailures, []openapi.Response{ok(http.StatusOK, "A page of receipts.", receiptList{})},
			http.StatusBadRequest, http.StatusNotFound),
		Handler: auth(h.list),
	}, {
		Method: http.MethodGet, Path: "/receipt-data/v1/users/{userId}/receipts/{receiptId}", ID: "receiptDataGetReceipt",
		Summary: "Get receipt details", Tags: []string{tagReceipts}, Security: partnerOrUser,
		Params: []openapi.Param{userIDParam, receiptIDParam},
		Responses: responses(authFailures, []openapi.Response{ok(http.StatusOK, "The receipt; it never holds a card token.", detailsOut{})},
			http.StatusBadRequest, http.StatusNotFound),
		Handler: auth(h.details),
	}, {
		Method: http.MethodDelete, Path: "/receipt-data/v1/users/{userId}/receipts/{receiptId}", ID: "receiptDataDeleteReceipt",
		Summary: "Delete receipt", Tags: []string{tagReceipts}, Security: partnerOrUser,
		Params:    []openapi.Param{userIDParam, receiptIDParam},
		Responses: responses(authFailures, []openapi.Response{noContent("Deleted; the receipt is not found any more.")}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.delete),
	}, {
		Method: http.MethodPost, Path: "/receipt-data/v1/users/{userId}/receipts/{receiptId}/copy", ID: "receiptDataCopyReceipt",
		Summary: "Copy receipt", Description: "Copies a receipt to another user of the partner; without `toUserId` (or without a body), to the same user.",
		Tags: []string{tagReceipts}, Security: partnerOrUser,
		Params:    []openapi.Param{userIDParam, receiptIDParam},
		Body:      &openapi.Body{Type: copyBody{}, Description: "The user to copy the receipt to; may be left out."},
		Responses: responses(authFailures, []openapi.Response{ok(http.StatusCreated, "The copy's id.", receiptIDJSON{})}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.copy),
	}, {
		Method: http.MethodGet, Path: "/receipt-data/v1/receipts/external/{externalReceiptId}", ID: opViewExternal,
		Summary: "View receipt by external receipt id",
		Description: "The printable HTML page of a receipt named by the till's external id, for a webview or an iframe, under a strict Content-Security-Policy. " +
			"No user is named, so the caller must check that the end user may see the receipt; `X-Auth-signature` = base64(HMAC-SHA256(apiKey, \"externalReceiptId:type\")) keeps the end user from changing the id.",
		Tags: []string{tagReceipts}, Security: [][]openapi.Scheme{{openapi.PartnerBasic, openapi.AuthSignature}, {openapi.PartnerJWT, openapi.AuthSignature}},
		Params: []openapi.Param{inPath("externalReceiptId", "The external id of the receipt (not the Storebox receipt id)."),
			{Name: "type", In: "query", Required: true, Description: "The external receipt id type, as posted to the POS API.", Type: ""}},
		Responses: responses(authFailures, []openapi.Response{
			{Status: http.StatusOK, Description: "The receipt as an HTML page.", ContentType: "text/html"},
			fail(http.StatusForbidden, "X-Auth-signature is missing or wrong, or these credentials may not do this."),
		}, http.StatusBadRequest, http.StatusNotFound),
		Handler: auth(h.external),
	}, {
		Method: http.MethodGet, Path: "/receipt-data/v1/users/{userId}/receipts/{receiptId}/pdf", ID: "receiptDataGetPDF",
		Summary: "Get PDF", Description: "The receipt as a PDF document.",
		Tags: []string{tagPDF}, Security: partnerOrUser,
		Params: []openapi.Param{userIDParam, receiptIDParam, langParam},
		Responses: responses(authFailures, []openapi.Response{
			{Status: http.StatusOK, Description: "The PDF document, inline.", ContentType: "application/pdf", Headers: []string{"Content-Disposition"}},
			fail(http.StatusServiceUnavailable, "PDF receipts are not available (no renderer), or overloaded, or a dependency is down; Retry-After gives the seconds to wait."),
		}, http.StatusBadRequest, http.StatusNotFound),
		Handler: auth(h.pdf),
	}, {
		Method: http.MethodGet, Path: "/receipt-data/v1/users/{userId}/receipts/{receiptId}/pdfsession", ID: "receiptDataCreatePDFSession",
		Summary: "Get PDF session", Description: "A session id with which the PDF can be fetched without credentials for 15 minutes.",
		Tags: []string{tagPDF}, Security: partnerOrUser,
		Params:    []openapi.Param{userIDParam, receiptIDParam},
		Responses: responses(authFailures, []openapi.Response{ok(http.StatusOK, "The session.", pdfSessionJSON{})}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.pdfSession),
	}, {
		// No credentials: the session id is the capability (the operation
		// checks it).
		Method: http.MethodGet, Path: "/receipt-data/v1/users/{userId}/receipts/{receiptId}/pdf/{sessionId}", ID: "receiptDataGetPDFBySession",
		Summary: "Get PDF from a session id", Description: "No credentials: the session id is the capability, for this receipt only, for 15 minutes.",
		Tags:   []string{tagPDF},
		Params: []openapi.Param{userIDParam, receiptIDParam, inPath("sessionId", "The id from \"Get PDF session\"."), langParam},
		Responses: responses(publicFailures, []openapi.Response{
			{Status: http.StatusOK, Description: "The PDF document, inline.", ContentType: "application/pdf", Headers: []string{"Content-Disposition"}},
			fail(http.StatusForbidden, "The session is unknown, expired or for another receipt."),
			fail(http.StatusServiceUnavailable, "PDF receipts are not available (no renderer), or overloaded, or a dependency is down; Retry-After gives the seconds to wait."),
		}, http.StatusBadRequest, http.StatusNotFound),
		Handler: http.HandlerFunc(h.pdfBySession),
	}})
}

// merchantOperations are the merchants, their logos and the marketing
// messages.
func merchantOperations(h *MerchantHandler) []openapi.Op {
	var log *slog.Logger
	if h != nil {
		log = h.log
	}
	auth := requireWith(log)
	image := func(desc string) openapi.Response {
		return openapi.Response{Status: http.StatusOK, Description: desc + " (image/png, image/jpeg or image/webp, as read from its bytes).", ContentType: "image/*"}
	}
	return writeRefusals([]openapi.Op{{
		Method: http.MethodGet, Path: "/receipt-data/v1/merchants", ID: "receiptDataSupportedMerchants",
		Summary: "Get supported merchants", Description: "The merchants with Storebox integration; with `country`, only that country's.",
		Tags: []string{tagMerchants},
		Security: [][]openapi.Scheme{{openapi.PartnerBasic}, {openapi.PartnerJWT}, {openapi.StoreboxUserToken},
			{openapi.SettlementBasic}, {openapi.AdminBasic}},
		Params:    []openapi.Param{inQuery("country", "ISO 3166-1 alpha-2 country code, e.g. dk.", "")},
		Responses: responses(authFailures, []openapi.Response{ok(http.StatusOK, "The merchants; `logo` only when there is one.", []merchantOut{})}, http.StatusBadRequest),
		Handler:   auth(h.supported),
	}, {
		Method: http.MethodGet, Path: "/receipt-data/v1/users/{userId}/merchants", ID: "receiptDataUserMerchants",
		Summary: "Get user merchants", Description: "The merchants the user has receipts from.",
		Tags: []string{tagMerchants}, Security: partnerOrUser,
		Params:    []openapi.Param{userIDParam},
		Responses: responses(authFailures, []openapi.Response{ok(http.StatusOK, "The merchants.", []merchantOut{})}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.userMerchants),
	}, {
		// SECURITY: a logo is public: apps show it without credentials
		// and caches keep it. Only images whose type was read from their
		// bytes are stored, and they are served with nosniff.
		Method: http.MethodGet, Path: "/receipt-data/v1/merchants/{merchantId}/logo", ID: "receiptDataMerchantLogo",
		Summary: "Get merchant logo",
		Description: "Public: apps show it without credentials and caches keep it. With the current `version` the image may be cached for ever (`Cache-Control: public, max-age=31536000, immutable`); " +
			"without it, or with an old one, the current logo is served and must be revalidated. `If-None-Match` with the ETag answers 304.",
		Tags:   []string{tagMerchants},
		Params: []openapi.Param{inPath("merchantId", "The Storebox merchant id."), inQuery("version", "The logo version of `logo.version`.", "")},
		Responses: responses(publicFailures, []openapi.Response{
			func() openapi.Response {
				r := image("The logo")
				r.Headers = []string{"ETag", "Cache-Control"}
				return r
			}(),
			{Status: http.StatusNotModified, Description: "The cached logo is current.", Headers: []string{"ETag"}},
		}, http.StatusBadRequest, http.StatusNotFound),
		Handler: http.HandlerFunc(h.logo),
	}, {
		Method: http.MethodGet, Path: "/receipt-data/v1/receipts/{receiptId}/message", ID: opGetMessage,
		Summary: "Get message", Description: "The marketing message of a receipt.",
		Tags: []string{tagMarketing}, Security: partnerOrUser,
		Params:    []openapi.Param{receiptIDParam},
		Responses: responses(authFailures, []openapi.Response{ok(http.StatusOK, "The message; `imageId` only when it has an image.", messageOut{})}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.message),
	}, {
		Method: http.MethodGet, Path: "/receipt-data/v1/receipts/{receiptId}/message/images/{imageId}", ID: "receiptDataGetMessageImage",
		Summary: "Get image", Description: "The image of a receipt's marketing message.",
		Tags: []string{tagMarketing}, Security: partnerOrUser,
		Params:    []openapi.Param{receiptIDParam, inPath("imageId", "The image id of \"Get message\".")},
		Responses: responses(authFailures, []openapi.Response{image("The image")}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.messageImage),
	}})
}

// cardOperations are the cards and the card frame; with devIssuer, also
// the development issuer's page.
func cardOperations(h *cardHandler, devIssuer bool) []openapi.Op {
	var log *slog.Logger
	if h != nil {
		log = h.log
	}
	auth := requireWith(log)
	page := func(status int, desc string) openapi.Response {
		return openapi.Response{Status: status, Description: desc, ContentType: "text/html"}
	}
	redirect := func(desc string) openapi.Response {
		return openapi.Response{Status: http.StatusSeeOther, Description: desc, Headers: []string{"Location"}}
	}
	form := func(typ any, desc string) *openapi.Body {
		return &openapi.Body{ContentType: "application/x-www-form-urlencoded", Type: typ, Required: true, Description: desc}
	}
	ops := []openapi.Op{{
		Method: http.MethodGet, Path: "/receipt-data/v1/users/{userId}/cards", ID: "receiptDataListCards",
		Summary: "Get cards", Description: "The user's cards. A newly registered card is only sure to be listed after its card-created notification.",
		Tags: []string{tagCards}, Security: partnerOrUserToken,
		Params:    []openapi.Param{userIDParam},
		Responses: responses(authFailures, []openapi.Response{ok(http.StatusOK, "The cards; never a full card number.", []cardJSON{})}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.list),
	}, {
		Method: http.MethodDelete, Path: "/receipt-data/v1/users/{userId}/cards/{cardId}", ID: "receiptDataDeleteCard",
		Summary: "Delete card", Tags: []string{tagCards}, Security: partnerOrUserToken,
		Params:    []openapi.Param{userIDParam, inPath("cardId", "The id of the card, from the card-created notification or from \"Get cards\".")},
		Responses: responses(authFailures, []openapi.Response{noContent("Deleted.")}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.delete),
	}, {
		Method: http.MethodPost, Path: "/receipt-data/v1/users/{userId}/cards/bankaxept", ID: "receiptDataAddBankAxeptCard",
		Summary: "Add BankAxept card",
		Description: "Adds a BankAxept card, based on the account number: the card number is 957852, the account number and a Luhn check digit " +
			"(account 11111111111 → 957852111111111119). `{\"pan\": \"...\"}` is encrypted with RSA-OAEP under the key of \"Get BankAxept public key\" and base64-encoded into `cardData`.",
		Tags: []string{tagCards}, Security: partnerOrUserToken,
		Params: []openapi.Param{userIDParam},
		Body:   jsonBody(bankAxeptBody{}, "The encrypted card."),
		Responses: responses(authFailures, []openapi.Response{
			ok(http.StatusCreated, "The new card's id.", cardIDJSON{}),
			fail(http.StatusConflict, "The card is already registered."),
		}, http.StatusBadRequest, http.StatusNotFound),
		Handler: auth(h.addBankAxept),
	}, {
		Method: http.MethodGet, Path: "/receipt-data/v1/cards/bankaxept/publickey", ID: "receiptDataBankAxeptPublicKey",
		Summary: "Get BankAxept public key", Description: "The RSA public key (PEM) of an encryption provider, for `cardData`.",
		Tags: []string{tagCards}, Security: [][]openapi.Scheme{{openapi.PartnerBasic}, {openapi.PartnerJWT}, {openapi.StoreboxUserToken}, {openapi.AdminBasic}},
		Params: []openapi.Param{{Name: "encryptionProvider", In: "query", Required: true, Description: "Encryption provider name (given by Storebox).", Type: ""}},
		Responses: responses(authFailures, []openapi.Response{
			{Status: http.StatusOK, Description: "The public key, PEM-encoded.", ContentType: "application/x-pem-file"},
		}, http.StatusBadRequest, http.StatusNotFound),
		Handler: auth(h.publicKey),
	}, {
		Method: http.MethodGet, Path: cards.FramePath, ID: "receiptDataCardFrame",
		Summary: "Show card frame",
		Description: "The PCI-DSS card registration page, for an iframe or a webview, styled by the partner's `cssurl` and worded by its `languageurl` (JSON language file). " +
			"It runs in the end user's browser without credentials: the partner signs the URL server-side with its salt, " +
			"`hash = hex(HMAC-SHA256(salt, id + accepturl + declineurl + cssurl + languageurl))`; the salt must never reach the client. " +
			"The user `id` must be known (404). The page has no script and may only post to this service.",
		Tags: []string{tagCards},
		Params: []openapi.Param{
			{Name: "provider", In: "query", Required: true, Description: "Identity of the caller, issued by Storebox.", Type: ""},
			{Name: "id", In: "query", Required: true, Description: "The user that gets the card.", Type: ""},
			{Name: "accepturl", In: "query", Required: true, Description: "Where the page goes after a successful submit (the card may still be processing).", Type: ""},
			inQuery("declineurl", "Where the page goes after failed Strong Customer Authentication; required when SCA is enabled.", ""),
			{Name: "cssurl", In: "query", Required: true, Description: "Absolute URL of the stylesheet.", Type: ""},
			inQuery("languageurl", "Absolute URL of the JSON language file.", ""),
			{Name: "hash", In: "query", Required: true, Description: "hex(HMAC-SHA256(salt, id + accepturl + declineurl + cssurl + languageurl)) of the parameters without URL encoding.", Type: ""},
			inQuery("type", "card.", "", "card"),
		},
		Responses: responses(publicFailures, []openapi.Response{
			page(http.StatusOK, "The card frame."),
			fail(http.StatusForbidden, "The URL is not signed by this provider."),
		}, http.StatusBadRequest, http.StatusNotFound),
		Handler: http.HandlerFunc(h.frame),
	}, {
		Method: http.MethodPost, Path: FrameSubmitPath, ID: "receiptDataSubmitCardFrame",
		Summary: "Submit card frame",
		Description: "The card frame's own form. A good card redirects to `accepturl` (or, with SCA, to the issuer's verification first); " +
			"a refused one shows the frame again with the language file's message, the card number field empty.",
		Tags: []string{tagCards},
		Body: form(frameForm{}, "The frame's form fields."),
		Responses: responses(publicFailures, []openapi.Response{
			redirect("To `accepturl`, or to the card issuer's verification (SCA)."),
			page(http.StatusUnprocessableEntity, "The frame again, with the message of the refused field."),
			page(http.StatusConflict, "The frame again: the card is already registered."),
			fail(http.StatusForbidden, "The frame token is not valid or has expired; reload the frame."),
		}, http.StatusBadRequest, http.StatusNotFound),
		Handler: http.HandlerFunc(h.submit),
	}}
	if devIssuer {
		ops = append(ops, openapi.Op{
			Method: http.MethodGet, Path: SCAPagePath + "{id}", ID: "receiptDataDevIssuerPage",
			Summary:     "Development issuer: verify a card",
			Description: "Served only in development (`LG_ENV=dev`): stands in for a 3-D Secure provider and approves or declines a pending card at a click.",
			Tags:        []string{tagCards},
			Params:      []openapi.Param{inPath("id", "The pending card's id.")},
			Responses: responses(publicFailures, []openapi.Response{
				page(http.StatusOK, "Approve or Decline."),
				fail(http.StatusNotFound, "No card is waiting for verification here, or the development issuer is not served (production)."),
			}, http.StatusBadRequest),
			Handler: http.HandlerFunc(h.scaPage),
		}, openapi.Op{
			Method: http.MethodPost, Path: SCAAnswerPath, ID: "receiptDataDevIssuerAnswer",
			Summary:     "Development issuer: answer",
			Description: "Served only in development (`LG_ENV=dev`): completes the pending card and redirects to `accepturl` or `declineurl`.",
			Tags:        []string{tagCards},
			Body:        form(scaForm{}, "The decision: approve or decline."),
			Responses: responses(publicFailures, []openapi.Response{
				redirect("To the partner's `accepturl` (approved) or `declineurl` (declined)."),
				fail(http.StatusNotFound, "No card is waiting for verification here, or the development issuer is not served (production)."),
			}, http.StatusBadRequest, http.StatusForbidden),
			Handler: http.HandlerFunc(h.scaAnswer),
		})
	}
	return writeRefusals(ops)
}

// termsOperations are the terms: public text.
func termsOperations(h *termsHandler) []openapi.Op {
	return writeRefusals([]openapi.Op{{
		Method: http.MethodGet, Path: "/receipt-data/v1/terms", ID: "receiptDataCurrentTerms",
		Summary: "Get the currently active terms", Tags: []string{tagTerms},
		Params:    []openapi.Param{inQuery("lang", "The language of the terms, for example da, no or sv (English when it has none).", "")},
		Responses: responses(publicFailures, []openapi.Response{ok(http.StatusOK, "The terms.", termsBody{})}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   http.HandlerFunc(h.current),
	}, {
		Method: http.MethodGet, Path: "/receipt-data/v1/terms/{date}", ID: "receiptDataTermsAtDate",
		Summary: "Get the terms that were valid at a given date", Tags: []string{tagTerms},
		Params: []openapi.Param{inPath("date", "The date, YYYY-MM-DD, e.g. 2018-01-01."),
			inQuery("lang", "The language of the terms, for example da, no or sv (English when it has none).", "")},
		Responses: responses(publicFailures, []openapi.Response{ok(http.StatusOK, "The terms.", termsBody{})}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   http.HandlerFunc(h.atDate),
	}})
}

// userOperations are the Storebox and whitelabel users.
func userOperations(h *usersHandler) []openapi.Op {
	var log *slog.Logger
	if h != nil {
		log = h.log
	}
	auth := requireWith(log)
	typeParam := inPath("userIdType", "A whitelabel solution id, issued by Storebox, e.g. acmecid.")
	cidParam := inPath("cid", "The partner's own id of the user (external id).")
	storeboxUserParam := inPath("userId", "The user id that was returned on creation or linking.")
	return writeRefusals([]openapi.Op{{
		Method: http.MethodPost, Path: "/receipt-data/v1/storeboxusers", ID: "receiptDataCreateStoreboxUser",
		Summary:     "Create Storebox user",
		Description: "Creates a Storebox user. The e-mail and the mobile number are its usernames; at least one of them must be validated already.",
		Tags:        []string{tagStorebox}, Security: partnerOnly,
		Body: jsonBody(storeboxUserBody{}, "The user: names of at most 32 characters."),
		Responses: responses(authFailures, []openapi.Response{
			ok(http.StatusCreated, "The new user's id.", userIDJSON{}),
			fail(http.StatusConflict, "The e-mail address or mobile number is the username of another Storebox user."),
			fail(http.StatusServiceUnavailable, "Storebox users are not configured, or overloaded, or a dependency is down; Retry-After gives the seconds to wait."),
		}, http.StatusBadRequest),
		Handler: auth(h.create),
	}, {
		Method: http.MethodPost, Path: "/receipt-data/v1/storeboxusers/link", ID: "receiptDataLinkStoreboxUser",
		Summary: "Link existing Storebox user",
		Description: "Sends a code to the e-mail address and/or the mobile number of an existing Storebox user, to be validated with \"Link validate\". " +
			"The answer is the same whether or not a user has them.",
		Tags: []string{tagStorebox}, Security: partnerOnly,
		Body: jsonBody(linkBody{}, "The e-mail, the mobile number or both (both recommended)."),
		Responses: responses(authFailures, []openapi.Response{
			ok(http.StatusOK, "The validation ids.", linkIDsJSON{}),
			fail(http.StatusTooManyRequests, "Too many codes sent, or too many failed logins; Retry-After gives the seconds to wait."),
		}, http.StatusBadRequest),
		Handler: auth(h.link),
	}, {
		Method: http.MethodPost, Path: "/receipt-data/v1/storeboxusers/link/validate", ID: "receiptDataValidateStoreboxLink",
		Summary: "Link validate", Description: "Checks the codes sent by \"Link existing Storebox user\" and links the user to the partner.",
		Tags: []string{tagStorebox}, Security: partnerOnly,
		Body:      jsonBody(linkValidateBody{}, "Each validation id with its code."),
		Responses: responses(authFailures, []openapi.Response{ok(http.StatusOK, "The linked user's id.", userIDJSON{})}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.validate),
	}, {
		Method: http.MethodGet, Path: "/receipt-data/v1/storeboxusers/{userId}", ID: "receiptDataGetStoreboxUser",
		Summary: "Get user", Description: "The user's green profile setting.",
		Tags: []string{tagStorebox}, Security: partnerOnly,
		Params:    []openapi.Param{storeboxUserParam},
		Responses: responses(authFailures, []openapi.Response{ok(http.StatusOK, "The setting.", greenProfileJSON{})}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.get),
	}, {
		Method: http.MethodPut, Path: "/receipt-data/v1/storeboxusers/{userId}", ID: "receiptDataUpdateStoreboxUser",
		Summary: "Update user", Description: "Sets the green profile; without `greenProfile` (or without a body) nothing changes.",
		Tags: []string{tagStorebox}, Security: partnerOnly,
		Params:    []openapi.Param{storeboxUserParam},
		Body:      &openapi.Body{Type: updateBody{}, Description: "The setting; may be left out."},
		Responses: responses(authFailures, []openapi.Response{ok(http.StatusOK, "The setting.", greenProfileJSON{})}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.update),
	}, {
		Method: http.MethodDelete, Path: "/receipt-data/v1/storeboxusers/{userId}", ID: "receiptDataDeleteStoreboxUser",
		Summary: "Delete user", Description: "Deletes the partner's mapping of the user, not the Storebox user.",
		Tags: []string{tagStorebox}, Security: partnerOnly,
		Params:    []openapi.Param{storeboxUserParam},
		Responses: responses(authFailures, []openapi.Response{noContent("Deleted.")}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.delete),
	}, {
		Method: http.MethodPost, Path: "/receipt-data/v1/whitelabel/{userIdType}/users", ID: "receiptDataCreateWhitelabelUser",
		Summary: "Create whitelabel user",
		Description: "A user that is not a Storebox user, for a merchant's own branded app or site: a new user id for a new `cid`, " +
			"the same one again (200) for a known one.",
		Tags: []string{tagWhitelabel}, Security: partnerOnly,
		Params: []openapi.Param{typeParam},
		Body:   jsonBody(whitelabelBody{}, "The partner's id of the user."),
		Responses: responses(authFailures, []openapi.Response{
			ok(http.StatusCreated, "A new user.", userIDJSON{}),
			ok(http.StatusOK, "The user of this cid, which existed.", userIDJSON{}),
			fail(http.StatusForbidden, "The userIdType is another partner's, or these credentials may not do this."),
		}, http.StatusBadRequest, http.StatusConflict),
		Handler: auth(h.createWhitelabel),
	}, {
		Method: http.MethodGet, Path: "/receipt-data/v1/whitelabel/{userIdType}/users/{cid}", ID: "receiptDataGetWhitelabelUser",
		Summary: "Look up userId", Description: "The user id of a `cid`.",
		Tags: []string{tagWhitelabel}, Security: partnerOnly,
		Params:    []openapi.Param{typeParam, cidParam},
		Responses: responses(authFailures, []openapi.Response{ok(http.StatusOK, "The user id.", userIDJSON{})}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.getWhitelabel),
	}, {
		Method: http.MethodDelete, Path: "/receipt-data/v1/whitelabel/{userIdType}/users/{cid}", ID: "receiptDataDeleteWhitelabelUser",
		Summary: "Delete whitelabel user", Description: "Deletes the whitelabel user; this cannot be undone.",
		Tags: []string{tagWhitelabel}, Security: partnerOnly,
		Params:    []openapi.Param{typeParam, cidParam},
		Responses: responses(authFailures, []openapi.Response{noContent("Deleted.")}, http.StatusBadRequest, http.StatusNotFound),
		Handler:   auth(h.deleteWhitelabel),
	}})
}
