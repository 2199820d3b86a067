package checkout

import (
	"net/http"
	"strings"

	"loyaltygraph/domain/checkout"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// The request bodies as the handlers read them (member by member, through
// storebox.Object). Operations without input are posted bare or with {}.
type (
	addressRequest struct {
		FirstName   string `json:"firstName,omitempty"`
		LastName    string `json:"lastName,omitempty"`
		Address1    string `json:"address1,omitempty"`
		Address2    string `json:"address2,omitempty"`
		ZipCode     string `json:"zipCode,omitempty"`
		City        string `json:"city,omitempty"`
		State       string `json:"state,omitempty"`
		Country     string `json:"country,omitempty" doc:"ISO 3166-1 alpha-2 country code."`
		PhoneNumber string `json:"phoneNumber,omitempty"`
		Newsletter  bool   `json:"newsletter,omitempty"`
	}
	registerRequest struct {
		Email    string `json:"email" openapi:"format=email"`
		Password string `json:"password" openapi:"writeOnly"`
		addressRequest
	}
	passwordRequest struct {
		Password string `json:"password" openapi:"writeOnly"`
	}
	emailRequest struct {
		Email    string `json:"email" doc:"The new e-mail address." openapi:"format=email"`
		Password string `json:"password" doc:"The current password." openapi:"writeOnly"`
	}
	newPasswordRequest struct {
		Password    string `json:"password" doc:"The current password." openapi:"writeOnly"`
		NewPassword string `json:"newPassword" openapi:"writeOnly"`
	}
	ordersRequest struct {
		From int `json:"from,omitempty" doc:"The first order, from 0." openapi:"minimum=0"`
		Size int `json:"size,omitempty" doc:"How many orders (at most 100)." openapi:"minimum=1"`
	}
	resetEmailRequest struct {
		LinkURI string `json:"linkUri" doc:"The page of the reset link: the e-mail links to it with the id (i) and token (id) appended."`
	}
	resetRequest struct {
		ID          string `json:"id" doc:"The id of the reset link (a number is taken too)."`
		I           string `json:"i" doc:"The token of the reset link."`
		NewPassword string `json:"newPassword" openapi:"writeOnly"`
	}
	quantityRequest struct {
		Quantity int `json:"quantity,omitempty" doc:"How many to add (default 1)." openapi:"minimum=1"`
	}
)

// operations is the checkout API's table under prefix: every route with
// its description. Register serves it; OpenAPI describes it.
func operations(h *handler, prefix string) []openapi.Op {
	session := openapi.Response{Status: http.StatusOK, Type: sessionBody{},
		Description: "The session: its token, the selection and, when logged in, the account (`loggedIn`)."}
	// Every answer may be an error in the family's shape.
	fail := func(extra ...openapi.Response) []openapi.Response {
		out := []openapi.Response{session,
			{Status: http.StatusBadRequest, Type: errorBody{}, Description: "The body is not a JSON object (`errors.request`)."},
			{Status: http.StatusForbidden, Type: errorBody{}, Description: "Not logged in, or not allowed (`errors.accessRight: denied`)."},
			{Status: http.StatusNotAcceptable, Type: errorBody{}, Description: "Invalid input or a wrong password: `errors` names the member."},
			{Status: http.StatusForbidden, Type: storebox.ErrorBody{},
				Description: "A browser's cross-site write (Sec-Fetch-Site: cross-site), refused by the HTTP surface in the Storebox shape."},
			{Status: http.StatusRequestEntityTooLarge, Type: errorBody{}, Description: "The body is over 4 MiB."},
			{Status: http.StatusUnsupportedMediaType, Type: storebox.ErrorBody{},
				Description: "A body that is not application/json, refused by the HTTP surface in the Storebox shape."},
			{Status: http.StatusTooManyRequests, Type: errorBody{}, Headers: []string{"Retry-After"},
				Description: "Too many attempts (logins, resets): try again after Retry-After seconds."},
			{Status: http.StatusInternalServerError, Type: errorBody{}},
			{Status: http.StatusServiceUnavailable, Type: errorBody{}, Headers: []string{"Retry-After"},
				Description: "A dependency is down or the service is overloaded: try again after Retry-After seconds."},
		}
		return append(out, extra...)
	}
	conflict := openapi.Response{Status: http.StatusConflict, Type: errorBody{}, Description: "The e-mail address is already registered (`errors.email`)."}
	notFound := openapi.Response{Status: http.StatusNotFound, Type: errorBody{}, Description: "No such item."}
	email := openapi.Param{Name: "email", In: "path", Description: "The account's e-mail address."}
	item := openapi.Param{Name: "item", In: "path", Description: "The item (a product size) of the selection."}
	ops := []openapi.Op{
		{Method: "POST", Path: "/register", ID: "checkoutRegister", Summary: "Register and log in",
			Body: &openapi.Body{Type: registerRequest{}, Required: true}, Responses: fail(conflict), Handler: h.session(h.register)},
		{Method: "POST", Path: "/login/{email}", ID: "checkoutLogin", Summary: "Log in",
			Description: "The selection of the session is added to the account's saved selection.",
			Params:      []openapi.Param{email}, Body: &openapi.Body{Type: passwordRequest{}, Required: true},
			Responses: fail(), Handler: h.session(h.login)},
		{Method: "POST", Path: "/logout", ID: "checkoutLogout", Summary: "Log out",
			Description: "The login is removed from the token and the selection is emptied.",
			Responses:   fail(), Handler: h.session(h.logout)},
		{Method: "PUT", Path: "/address", ID: "checkoutUpdateAddress", Summary: "Change the address (logged in)",
			Description: "Only the members present change.",
			Body:        &openapi.Body{Type: addressRequest{}, Required: true}, Responses: fail(), Handler: h.session(h.address)},
		{Method: "PUT", Path: "/email", ID: "checkoutUpdateEmail", Summary: "Change the e-mail address (logged in)",
			Body: &openapi.Body{Type: emailRequest{}, Required: true}, Responses: fail(conflict), Handler: h.session(h.email)},
		{Method: "PUT", Path: "/password", ID: "checkoutUpdatePassword", Summary: "Change the password (logged in)",
			Body: &openapi.Body{Type: newPasswordRequest{}, Required: true}, Responses: fail(), Handler: h.session(h.password)},
		{Method: "POST", Path: "/orders", ID: "checkoutOrders", Summary: "The account's previous orders (logged in)",
			Description: "The session JSON with `orders` and `ordersPaging`; without from and size, every order.",
			Body:        &openapi.Body{Type: ordersRequest{}}, Responses: fail(), Handler: h.open(h.orders)},
		{Method: "POST", Path: "/password-reset-email/{email}", ID: "checkoutPasswordResetEmail", Summary: "Send a password reset e-mail",
			Description: "Answers the same whether the address is registered or not.",
			Params:      []openapi.Param{email}, Body: &openapi.Body{Type: resetEmailRequest{}, Required: true},
			Responses: fail(), Handler: h.session(h.resetEmail)},
		{Method: "POST", Path: "/password-reset", ID: "checkoutPasswordReset", Summary: "Reset the password and log in",
			Body: &openapi.Body{Type: resetRequest{}, Required: true}, Responses: fail(), Handler: h.session(h.reset)},
		{Method: "GET", Path: "/selection", ID: "checkoutSelection", Summary: "The session (its selection)",
			Responses: fail(), Handler: h.session(selection)},
		{Method: "POST", Path: "/items/{item}", ID: "checkoutAddItem", Summary: "Add an item to the selection",
			Params: []openapi.Param{item}, Body: &openapi.Body{Type: quantityRequest{}},
			Responses: fail(notFound), Handler: h.session(h.addItem)},
		{Method: "DELETE", Path: "/items/{item}", ID: "checkoutRemoveItem", Summary: "Remove an item from the selection",
			Params: []openapi.Param{item}, Responses: fail(notFound), Handler: h.session(h.removeItem)},
	}
	for i := range ops {
		ops[i].Path = prefix + ops[i].Path
		// Every answer is the session's; a request without a token (or
		// with an unknown or expired one) starts a new session.
		ops[i].Security = [][]openapi.Scheme{{openapi.APIToken}, {}}
		ops[i].Params = append(ops[i].Params, openapi.Param{Name: "X-Correlation-ID", In: "header",
			Description: "Echoed in the answer's X-Correlation-ID (1 to 128 printable ASCII characters)."})
		ops[i].Tags = []string{"Checkout"}
	}
	return ops
}

// selection answers the session as it is.
func selection(_ http.ResponseWriter, _ *http.Request, st *checkout.State, _ storebox.Object) (*checkout.State, error) {
	return st, nil
}

// Version is the checkout API's version.
const Version = "1"

// OpenAPI is the checkout API's document for the family served under
// prefix ("" for DefaultPrefix).
func OpenAPI(prefix string) openapi.Family {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	prefix = strings.TrimRight(prefix, "/")
	return openapi.Family{Key: "checkout", Title: "Centra Checkout API (user accounts)", Version: Version,
		Description: description(prefix), Ops: operations(nil, prefix)}
}

func description(prefix string) string {
	return `Centra's checkout API for user accounts (seed 004), under ` + "`" + prefix + "`" + ` (set by ` +
		"`CHECKOUT_PREFIX`" + `): a shop's front end registers customers, logs them in and out, changes their ` +
		`address, e-mail and password, lists their previous orders, resets forgotten passwords, and keeps the ` +
		`selection (the basket) of a session.

**Sessions.** Every answer is the session JSON: ` + "`token`" + `, ` + "`selection`" + ` and, when logged in, ` +
		"`loggedIn`" + ` with the account's address. Send the token back in the ` + "`API-Token`" + ` header (any ` +
		`case); a request without one, or with an unknown or expired one, starts a new session. Logging in ` +
		`(login, register, password reset) adds the session's selection to the account's saved one; logging ` +
		`out empties it. ` + "`X-Correlation-ID`" + ` is echoed.

**Errors.** An answer with an ` + "`errors`" + ` object failed; ` + "`{\"token\": …, \"errors\": {\"field\": " +
		"\"message\"}}`" + `. 403 ` + "`accessRight: denied`" + ` when not logged in (or not allowed), 406 for ` +
		`invalid input or a wrong password, 409 ` + "`email: already registered`" + `, 400 when the body is not ` +
		`JSON, 429 with Retry-After when logins or resets are tried too often, 503 with Retry-After when a ` +
		`dependency is down or the service is overloaded.

Passwords are stored as Argon2id hashes; a reset link is good once and expires. The same operations are in ` +
		`the GraphQL API (the session token in ` + "`API-Token`" + ` there too).`
}
