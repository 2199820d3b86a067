package userapi

import (
	"net/http"

	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// The request bodies as the handlers read them (member by member, through
// storebox.Object: a string member may also be sent as a JSON number).
type (
	signupCardRequest struct {
		PhoneNumber  string `json:"phonenumber" doc:"The end user's phone number, national or E.164."`
		TruncatedPAN string `json:"truncatedPan" doc:"The card number truncated to its first 6 and last 4 digits; a full card number is refused."`
		Token        string `json:"token" doc:"The acquirer's token of the card."`
		Payment      bool   `json:"payment,omitempty" doc:"Whether the card was used to pay."`
		StoreID      string `json:"storeId,omitempty" doc:"The store the signup happens in."`
	}
	signupTokenRequest struct {
		PhoneNumber  string `json:"phonenumber"`
		Token        string `json:"token" doc:"The card token."`
		TokenType    string `json:"tokenType" doc:"The kind of token (the scheme or acquirer that issued it)."`
		TruncatedPAN string `json:"truncatedPan,omitempty"`
	}
	signupRequest struct {
		PhoneNumber string `json:"phonenumber"`
		MemberID    string `json:"memberId,omitempty" doc:"The partner's member id for the new user."`
		SMSType     int    `json:"smsType,omitempty" doc:"1 (default): text a one-time password, validated at /otp/validate; 2: text a signup link." openapi:"minimum=1;maximum=2"`
	}
	verifyLinkCodeRequest struct {
		MemberID string `json:"memberId,omitempty" doc:"The partner's member id for the new user."`
	}
	parmJSON struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	updateUserRequest struct {
		PhoneNumber      string     `json:"phonenumber,omitempty" doc:"A new phone number."`
		PhoneNumberValid bool       `json:"phonenumberValid,omitempty" doc:"The partner has verified the new phone number."`
		Parms            []parmJSON `json:"parms,omitempty" doc:"Replaces the user's parameters (each needs a name and a value)."`
	}
	phoneRequest struct {
		PhoneNumber string `json:"phonenumber"`
	}
	otpRequest struct {
		PhoneNumber string `json:"phonenumber"`
		OTP         string `json:"otp" doc:"The one-time password texted to the phone."`
	}
	termsForm struct {
		LinkCode string `json:"linkCode" doc:"The link code of the SMS."`
	}
)

// The small response bodies.
type (
	stateJSON struct {
		State int `json:"state" doc:"0: the user is created."`
	}
	cardTokenJSON struct {
		Token string `json:"token" doc:"The token of the user's card."`
	}
	userIDJSON struct {
		UserID string `json:"userId"`
	}
	emptyJSON       struct{}
	accessTokenJSON struct {
		AccessToken string `json:"accessToken" doc:"The end user's access token, for X-Storebox-user-token."`
	}
)

// partner are the partner's credentials; user adds the end user's token.
var (
	partner     = [][]openapi.Scheme{{openapi.PartnerBasic}, {openapi.PartnerJWT}}
	partnerUser = [][]openapi.Scheme{{openapi.PartnerBasic}, {openapi.PartnerJWT},
		{openapi.PartnerBasic, openapi.StoreboxUserToken}, {openapi.PartnerJWT, openapi.StoreboxUserToken}}
)

// errors are the Storebox errors of an operation with a JSON body, plus
// extra statuses.
func errors(extra ...int) []openapi.Response {
	return storebox.ErrorResponses(append([]int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden},
		append(extra, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusServiceUnavailable)...)...)
}

func responses(ok ...openapi.Response) func(extra ...int) []openapi.Response {
	return func(extra ...int) []openapi.Response { return append(ok, errors(extra...)...) }
}

// operations is the User API's table: every route with its description.
// Register serves it (storebox.Require in front of each partner handler);
// OpenAPI describes it.
func operations(h *Handler) []openapi.Op {
	signupAnswers := []openapi.Response{
		{Status: http.StatusOK, Type: signupJSON{}, Description: "The phone was known: the card was added to its user (`CARD_ADDED`, with `userId`)."},
		{Status: http.StatusAccepted, Type: signupJSON{}, Description: "The phone was new: an SMS went out to verify it (`VERIFICATION_SENT`)."},
	}
	user := openapi.Param{Name: "userId", In: "path", Description: "The user's id."}
	link := openapi.Param{Name: "linkCode", In: "path", Description: "The link code of the signup SMS."}
	htmlPage := func(status int, desc string) openapi.Response {
		return openapi.Response{Status: status, ContentType: "text/html; charset=utf-8", Description: desc}
	}
	const tag = "User API"
	return []openapi.Op{
		{Method: "POST", Path: "/api/v1/signup/card", ID: "userapiSignupWithCard", Summary: "Sign up with a card (ECR)",
			Description: "Adds the card to the user of the phone number, or starts the signup of a new user with an SMS.",
			Security:    partner, Body: &openapi.Body{Type: signupCardRequest{}, Required: true},
			Responses: responses(signupAnswers...)(http.StatusConflict), Handler: h.partner(h.signupWithCard)},
		{Method: "POST", Path: "/api/v1/signup/token", ID: "userapiSignupWithToken", Summary: "Sign up with a card token",
			Security: partner, Body: &openapi.Body{Type: signupTokenRequest{}, Required: true},
			Responses: responses(signupAnswers...)(http.StatusConflict), Handler: h.partner(h.signupWithToken)},
		{Method: "POST", Path: "/api/v1/signup", ID: "userapiSignup", Summary: "Sign up without a card",
			Description: "Texts a one-time password (smsType 1) or a signup link (smsType 2) to the phone number.",
			Security:    partner, Body: &openapi.Body{Type: signupRequest{}, Required: true},
			Responses: responses(openapi.Response{Status: http.StatusAccepted, Type: signupJSON{},
				Description: "The SMS went out (`VERIFICATION_SENT`)."})(http.StatusConflict), Handler: h.partner(h.signup)},
		{Method: "GET", Path: "/api/v1/linkcode/{linkCode}", ID: "userapiLinkCode", Summary: "Does a link code exist",
			Description: "A used or expired link code is not found, like an unknown one.",
			Security:    partner, Params: []openapi.Param{link},
			Responses: responses(openapi.Response{Status: http.StatusOK, Type: linkCodeJSON{}})(http.StatusNotFound),
			Handler:   h.partner(h.linkCode)},
		{Method: "POST", Path: "/api/v1/linkcode/{linkCode}/verify", ID: "userapiVerifyLinkCode", Summary: "Verify a link code (creates the user)",
			Security: partner, Params: []openapi.Param{link}, Body: &openapi.Body{Type: verifyLinkCodeRequest{}},
			Responses: responses(openapi.Response{Status: http.StatusOK, Type: stateJSON{}})(http.StatusNotFound, http.StatusConflict),
			Handler:   h.partner(h.verifyLinkCode)},
		{Method: "GET", Path: "/api/v1/users/{userId}", ID: "userapiGetUser", Summary: "Get a user",
			Description: "A user of another partner is not found.",
			Security:    partnerUser, Params: []openapi.Param{user},
			Responses: responses(openapi.Response{Status: http.StatusOK, Type: userJSON{}})(http.StatusNotFound),
			Handler:   h.partner(h.getUser)},
		{Method: "PUT", Path: "/api/v1/users/{userId}", ID: "userapiUpdateUser", Summary: "Update a user",
			Description: "Only the members present change.",
			Security:    partnerUser, Params: []openapi.Param{user}, Body: &openapi.Body{Type: updateUserRequest{}, Required: true},
			Responses: responses(openapi.Response{Status: http.StatusOK, Type: userJSON{}})(http.StatusNotFound, http.StatusConflict),
			Handler:   h.partner(h.updateUser)},
		{Method: "DELETE", Path: "/api/v1/users/{userId}", ID: "userapiDeleteUser", Summary: "Delete a user",
			Security: partnerUser, Params: []openapi.Param{user},
			Responses: responses(openapi.Response{Status: http.StatusNoContent, Description: "Deleted."})(http.StatusNotFound),
			Handler:   h.partner(h.deleteUser)},
		{Method: "POST", Path: "/api/v1/users/token", ID: "userapiCardTokenByPhone", Summary: "The card token of a phone number",
			Security: partner, Body: &openapi.Body{Type: phoneRequest{}, Required: true},
			Responses: responses(openapi.Response{Status: http.StatusOK, Type: cardTokenJSON{}})(http.StatusNotFound),
			Handler:   h.partner(h.cardTokenByPhone)},
		{Method: "POST", Path: "/api/v1/otp/validate", ID: "userapiValidateOTP", Summary: "Validate a signup OTP (creates the user)",
			Security: partner, Body: &openapi.Body{Type: otpRequest{}, Required: true},
			Responses: responses(openapi.Response{Status: http.StatusOK, Type: userIDJSON{}})(http.StatusNotFound, http.StatusConflict),
			Handler:   h.partner(h.validateOTP)},
		{Method: "POST", Path: "/api/v1/authenticate", ID: "userapiRequestToken", Summary: "Request a user token (texts an OTP)",
			Security: partner, Body: &openapi.Body{Type: phoneRequest{}, Required: true},
			Responses: responses(openapi.Response{Status: http.StatusAccepted, Type: emptyJSON{}, Description: "The OTP went out."})(http.StatusNotFound),
			Handler:   h.partner(h.requestToken)},
		{Method: "POST", Path: "/api/v1/authenticate/verify", ID: "userapiVerifyToken", Summary: "Verify the OTP: the user's access token",
			Security: partner, Body: &openapi.Body{Type: otpRequest{}, Required: true},
			Responses: responses(openapi.Response{Status: http.StatusOK, Type: accessTokenJSON{}})(http.StatusNotFound),
			Handler:   h.partner(h.verifyToken)},
		// The terms page is for the end user who followed the SMS link: no
		// partner credentials, the link code is the capability.
		{Method: "GET", Path: "/api/v1/signup/terms", ID: "userapiTermsPage", Summary: "The terms page of a signup link (HTML)",
			Description: "The partner's terms (framed when its termsUrl is an https URL) and an Accept button. Errors are HTML pages too.",
			Tags:        []string{tag},
			Params:      []openapi.Param{{Name: "linkCode", In: "query", Required: true, Description: "The link code of the SMS."}},
			Responses: []openapi.Response{htmlPage(200, "The terms page."), htmlPage(400, "Invalid link code."),
				htmlPage(404, "Unknown link code."), htmlPage(410, "Used or expired link code."),
				{Status: 429, ContentType: "text/html; charset=utf-8", Headers: []string{"Retry-After"}},
				htmlPage(500, "Something went wrong."),
				{Status: 503, ContentType: "text/html; charset=utf-8", Headers: []string{"Retry-After"}}},
			Handler: http.HandlerFunc(h.termsPage)},
		{Method: "POST", Path: "/api/v1/signup/terms", ID: "userapiAcceptTerms", Summary: "Accept the terms (HTML form)",
			Description: "Creates the user and redirects to the partner's landing page (with `linkCode`), or shows a welcome page.",
			Tags:        []string{tag},
			Body:        &openapi.Body{ContentType: "application/x-www-form-urlencoded", Type: termsForm{}, Required: true},
			Responses: []openapi.Response{htmlPage(200, "Signed up (no landing page)."),
				{Status: http.StatusSeeOther, Description: "Signed up: to the partner's landing page.", Headers: []string{"Location"}},
				htmlPage(400, "Invalid link code."), htmlPage(404, "Unknown link code."), htmlPage(409, "Already signed up."),
				htmlPage(410, "Used or expired link code."), htmlPage(413, "The form is too large."),
				{Status: 429, ContentType: "text/html; charset=utf-8", Headers: []string{"Retry-After"}},
				htmlPage(500, "Something went wrong."),
				{Status: 503, ContentType: "text/html; charset=utf-8", Headers: []string{"Retry-After"}}},
			Handler: http.HandlerFunc(h.acceptTerms)},
	}
}

// partner serves fn to authenticated partners only (storebox.Require);
// on the nil Handler of OpenAPI it is fn as is, never called.
func (h *Handler) partner(fn http.HandlerFunc) http.Handler {
	if h == nil {
		return fn
	}
	return storebox.Require(h.log, fn)
}

// Version is the User API's version.
const Version = "1"

// OpenAPI is the User API's document.
func OpenAPI() openapi.Family {
	ops := operations(nil)
	for i := range ops {
		if len(ops[i].Tags) == 0 {
			ops[i].Tags = []string{"User API"}
		}
	}
	return openapi.Family{Key: "userapi", Title: "Storebox User API", Version: Version, Description: description, Ops: ops}
}

const description = `The Storebox User API (seed 000), under ` + "`/api/v1`" + `: a partner (a loyalty programme, a bank, a ` +
	`till integrator) signs its end users up with their payment cards, so that the receipts of purchases paid with ` +
	`those cards reach them.

**Signup flows.** At the till, ` + "`POST /signup/card`" + ` (or ` + "`/signup/token`" + ` for a card token) adds the card ` +
	`to the user of a known phone number (200 ` + "`CARD_ADDED`" + `), or texts the phone (202 ` + "`VERIFICATION_SENT`" + `). ` +
	"`POST /signup`" + ` texts a one-time password (smsType 1, confirmed with ` + "`POST /otp/validate`" + `) or a link ` +
	`(smsType 2) to a page where the user accepts the partner's terms (` + "`/signup/terms`" + `), or that the partner ` +
	`verifies itself (` + "`POST /linkcode/{linkCode}/verify`" + `). An end user gets an access token by ` +
	"`POST /authenticate`" + ` (texts an OTP) and ` + "`POST /authenticate/verify`" + `.

**Credentials.** The partner's API key and secret as HTTP Basic, or the key wrapped in a short-lived HS256 JWT ` +
	`(Bearer) signed with the secret (` + "`iss`" + ` the key, ` + "`sub`" + ` the request path, ` + "`method`" + `, ` +
	"`exp`" + `). On ` + "`/users/...`" + ` the end user's access token may be sent as well, in ` +
	"`X-Storebox-user-token`" + `; it must belong to the same partner. The terms page needs no credentials: the link ` +
	`code is the capability. A partner sees only its own users: another partner's user is 404.

**Errors** are ` + "`{\"code\", \"message\", \"field\"}`" + ` with ` + "`field`" + ` naming the request member at ` +
	`fault; 400 invalid input (NUL bytes, invalid UTF-8 and full card numbers are refused: only truncated PANs are ` +
	`stored), 401, 403, 404, 409, 413 (bodies over 4 MiB), 429 with Retry-After (OTP attempts and SMS sends are ` +
	`limited per phone), 503 with Retry-After (a dependency is down, or the service is overloaded). Requests say ` +
	"`phonenumber`" + `, responses ` + "`phoneNumber`" + ` (a JSON number in ` + "`GET /linkcode/{linkCode}`" + `, ` +
	`as in the seed).

User changes are announced to the partner's webhook (user created, updated, deleted) through the outbox; the same ` +
	`operations are in the GraphQL API.`
