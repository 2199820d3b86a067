package gqltypes

import (
	"loyaltygraph/domain/checkout"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/domain/user"
)

// CheckoutAccount is a checkout account as a request reaches it: through
// the shop session logged in to it, or through the end user's link
// (User.checkoutAccount). Its orders are read the same way.
type CheckoutAccount struct {
	*checkout.Account
	// Session is the state of the session logged in to the account; nil
	// when the account is reached through the end user's link.
	Session *checkout.State
}

// ViewerCredential is the kind of end-user credential of Query.me.
type ViewerCredential string

// The end-user credentials.
const (
	ViewerUserToken       ViewerCredential = "user_token"
	ViewerCustomerToken   ViewerCredential = "customer_token"
	ViewerCheckoutSession ViewerCredential = "checkout_session"
)

// Viewer is the person of an end-user credential (Query.me), with what
// the credential reached: the user of a User API access token, the
// customer of an Open Loyalty token, or the logged-in checkout session.
type Viewer struct {
	Credential ViewerCredential
	User       *user.User
	Customer   *loyalty.Customer
	Checkout   *checkout.State
}
