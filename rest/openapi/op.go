// Package openapi describes the REST families as OpenAPI 3.1 documents.
//
// Each family declares its operations once, next to its handlers: the same
// []Op registers the routes on the mux (Register) and becomes the family's
// document (Document), with the JSON Schemas reflected from the Go types the
// handlers decode and encode. A route cannot exist without its description,
// and the contract test (every REST response of the test suite validated
// against the document) keeps the description true.
package openapi

import "net/http"

// Scheme names a security scheme of the documents.
type Scheme string

// The credentials of the families (API-MAP "Authentication per family").
const (
	// PartnerBasic is a partner's key and secret as HTTP Basic (seeds 000, 001).
	PartnerBasic Scheme = "partnerBasic"
	// PartnerJWT is the partner's key wrapped in an HS256 JWT signed with its
	// secret (iss=key, sub=request path, method, exp), as a Bearer token.
	PartnerJWT Scheme = "partnerJWT"
	// StoreboxUserToken is an end user's access token in X-Storebox-user-token.
	StoreboxUserToken Scheme = "storeboxUserToken"
	// AuthSignature is X-Auth-signature: base64(HMAC-SHA256(apiKey, "receiptId:type")).
	AuthSignature Scheme = "authSignature"
	// POSBasic is a till's pos credential, bound to one merchant, as HTTP Basic.
	POSBasic Scheme = "posBasic"
	// SettlementBasic is a settlement client's key and secret as HTTP Basic (seed 002).
	SettlementBasic Scheme = "settlementBasic"
	// AdminBasic is an admin credential as HTTP Basic.
	AdminBasic Scheme = "adminBasic"
	// OpenLoyaltyJWT is the RS256 bearer token of an Open Loyalty login (seed 003).
	OpenLoyaltyJWT Scheme = "openLoyaltyJWT"
	// APIToken is the checkout session token in the API-Token header (seed 004).
	APIToken Scheme = "apiToken"
)

// Family is one REST family's document.
type Family struct {
	// Key names the family's own document: /openapi/{Key}.json.
	Key     string
	Title   string
	Version string
	// Description is Markdown: what the family is for, its credentials and
	// its error bodies, summarised from its seed.
	Description string
	Ops         []Op
}

// Op is one operation: a route, its handler and its description.
type Op struct {
	Method string // GET, POST, PUT, PATCH, DELETE
	// Path is both the ServeMux pattern's path and the OpenAPI path
	// template: /api/v1/users/{userId}.
	Path        string
	ID          string // operationId, unique across all families
	Summary     string
	Description string
	Tags        []string
	// Security lists the accepted credentials: any one inner list, whose
	// schemes are all required. Nil means none (a public operation).
	Security [][]Scheme
	Params   []Param
	Body     *Body
	// Responses are the documented outcomes, the error bodies included.
	Responses []Response
	// Handler serves the route. It is not part of the document.
	Handler http.Handler
}

// Param is a path, query or header parameter.
type Param struct {
	Name        string
	In          string // path, query, header
	Required    bool
	Description string
	// Type is a Go value whose type is the parameter's: "" for a string,
	// 0 for an integer, false for a boolean.
	Type any
	// Enum lists the accepted values of a string parameter, if closed.
	Enum []string
}

// Body is a request body.
type Body struct {
	// ContentType defaults to application/json.
	ContentType string
	// Type is a Go value whose type the handler decodes (a struct with json
	// tags), or a Schema.
	Type        any
	Required    bool
	Description string
	// Alternatives are the same body in other content types (a CSV
	// transaction batch besides JSON), each with its ContentType and Type.
	Alternatives []Body
}

// Response is one documented status of an operation.
type Response struct {
	Status      int
	Description string
	// ContentType defaults to application/json when Type is set.
	ContentType string
	// Type is a Go value whose type the handler encodes, or a Schema; nil
	// for no body (or an opaque one: HTML, PDF, images, with ContentType).
	Type any
	// Headers names response headers the status always carries.
	Headers []string
}

// Schema is a JSON Schema written out, for bodies no Go type describes.
type Schema map[string]any

// Pattern is the op's ServeMux pattern.
func (op Op) Pattern() string { return op.Method + " " + op.Path }

// Register adds every op of ops to mux, each handler wrapped by wrap (nil:
// as is).
func Register(mux *http.ServeMux, ops []Op, wrap func(http.Handler) http.Handler) {
	for _, op := range ops {
		h := op.Handler
		if wrap != nil {
			h = wrap(h)
		}
		mux.Handle(op.Pattern(), h)
	}
}
