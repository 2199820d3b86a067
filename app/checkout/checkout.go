// Package checkout is the application layer of Centra checkout accounts
// (seed 004): shop sessions, registration, login and logout, account
// changes, orders, password resets and the selection. The session token is
// the capability: every operation but the order import is open to anyone
// who holds a session, and the operations on an account need the session
// to be logged in to it (domain/checkout answers 403 accessRight denied).
// An end user links its checkout account by proving the account's login
// with its own User API access token, and then reads the account and its
// orders (User.checkoutAccount); nobody else does.
package checkout

import (
	"context"
	"io"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/checkout"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/user"
)

// Ops are the checkout operations.
type Ops struct {
	svc *checkout.Service
}

// New returns the checkout operations.
func New(svc *checkout.Service) *Ops { return &Ops{svc: svc} }

var (
	// sessionRule: the session token is the capability; what it reaches
	// is the account logged in with it.
	sessionRule = authz.Public()
	adminOnly   = authz.Allow(authz.ScopeAll, auth.KindAdmin)
	endUserOnly = authz.Allow(authz.ScopeOwnUsers, auth.KindUser)
	ownUser     = authz.Allow(authz.ScopeOwnUsers, auth.KindUser, auth.KindPartner)
)

var policy = authz.NewPolicy("checkout", map[string]authz.Rule{
	"Open":     sessionRule,
	"Current":  sessionRule,
	"Register": sessionRule,
	// SECURITY: logins answer a wrong password and an unknown e-mail
	// alike and are throttled per address and client.
	"Login":  sessionRule,
	"Logout": sessionRule,
	// SECURITY: the session must be logged in; the account changed is
	// the one logged in with it, never one named in the request.
	"UpdateAddress":  sessionRule,
	"UpdateEmail":    sessionRule,
	"UpdatePassword": sessionRule,
	"Orders":         sessionRule,
	// SECURITY: the answer is the same whether or not the address has an
	// account; the link's token is the capability of ResetPassword.
	"RequestPasswordReset": sessionRule,
	"ResetPassword":        sessionRule,
	"AddItem":              sessionRule,
	"RemoveItem":           sessionRule,
	// SECURITY: orders come from the shop, by an admin's hand.
	"ImportOrders": adminOnly,
	// SECURITY: only the end user itself (its User API access token
	// alone) links or unlinks its checkout account, by proving the
	// account's login; a partner or an admin cannot link on its behalf.
	"LinkAccount":   endUserOnly,
	"UnlinkAccount": endUserOnly,
	// SECURITY: an end user (its access token, alone or with its
	// partner's credentials) reads its own linked account and its orders,
	// nobody else's; others read null (User.checkoutAccount).
	"AccountsOfUsers": ownUser,
	"LinkedOrders":    ownUser,
})

// errNoSession answers a door that calls an operation without opening the
// session first.
var errNoSession = errs.E(errs.Invalid, "no checkout session")

// Policy returns the rules of the checkout operations.
func Policy() *authz.Policy { return policy }

// Open returns the session of token, or a new one when token names none.
func (o *Ops) Open(ctx context.Context, token string) (*checkout.State, error) {
	if _, err := policy.Authorize(ctx, "Open"); err != nil {
		return nil, err
	}
	return o.svc.Open(ctx, token)
}

// Current returns the session of token, or nil when token names none.
func (o *Ops) Current(ctx context.Context, token string) (*checkout.State, error) {
	if _, err := policy.Authorize(ctx, "Current"); err != nil {
		return nil, err
	}
	return o.svc.Current(ctx, token)
}

// Register creates an account and logs the session in to it.
func (o *Ops) Register(ctx context.Context, st *checkout.State, in checkout.Registration) (*checkout.State, error) {
	if _, err := policy.Authorize(ctx, "Register"); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errNoSession
	}
	return o.svc.Register(ctx, st, in)
}

// Login logs the session in to the account of email, from client.
func (o *Ops) Login(ctx context.Context, st *checkout.State, client, email, password string) (*checkout.State, error) {
	if _, err := policy.Authorize(ctx, "Login"); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errNoSession
	}
	return o.svc.Login(ctx, st, client, email, password)
}

// Logout removes the login from the session and empties its selection.
func (o *Ops) Logout(ctx context.Context, st *checkout.State) (*checkout.State, error) {
	if _, err := policy.Authorize(ctx, "Logout"); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errNoSession
	}
	return o.svc.Logout(ctx, st)
}

// UpdateAddress changes the logged-in account's address.
func (o *Ops) UpdateAddress(ctx context.Context, st *checkout.State, u checkout.AddressUpdate) (*checkout.State, error) {
	if _, err := policy.Authorize(ctx, "UpdateAddress"); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errNoSession
	}
	return o.svc.UpdateAddress(ctx, st, u)
}

// UpdateEmail changes the logged-in account's e-mail address.
func (o *Ops) UpdateEmail(ctx context.Context, st *checkout.State, email, password string) (*checkout.State, error) {
	if _, err := policy.Authorize(ctx, "UpdateEmail"); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errNoSession
	}
	return o.svc.UpdateEmail(ctx, st, email, password)
}

// UpdatePassword changes the logged-in account's password.
func (o *Ops) UpdatePassword(ctx context.Context, st *checkout.State, password, newPassword string) (*checkout.State, error) {
	if _, err := policy.Authorize(ctx, "UpdatePassword"); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errNoSession
	}
	return o.svc.UpdatePassword(ctx, st, password, newPassword)
}

// Orders returns the logged-in account's orders (a page of them when page
// is set) and how many there are.
func (o *Ops) Orders(ctx context.Context, st *checkout.State, page *checkout.Page) ([]*checkout.Order, int, error) {
	if _, err := policy.Authorize(ctx, "Orders"); err != nil {
		return nil, 0, err
	}
	if st == nil {
		return nil, 0, errNoSession
	}
	return o.svc.Orders(ctx, st, page)
}

// RequestPasswordReset e-mails a reset link to the account of email, if
// there is one.
func (o *Ops) RequestPasswordReset(ctx context.Context, email, linkURI string) error {
	if _, err := policy.Authorize(ctx, "RequestPasswordReset"); err != nil {
		return err
	}
	return o.svc.RequestPasswordReset(ctx, email, linkURI)
}

// ResetPassword sets a new password with the id and token of a reset link
// and logs the session in.
func (o *Ops) ResetPassword(ctx context.Context, st *checkout.State, id, token, newPassword string) (*checkout.State, error) {
	if _, err := policy.Authorize(ctx, "ResetPassword"); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errNoSession
	}
	return o.svc.ResetPassword(ctx, st, id, token, newPassword)
}

// AddItem adds quantity of item to the session's selection.
func (o *Ops) AddItem(ctx context.Context, st *checkout.State, item string, quantity int) (*checkout.State, error) {
	if _, err := policy.Authorize(ctx, "AddItem"); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errNoSession
	}
	return o.svc.AddItem(ctx, st, item, quantity)
}

// RemoveItem removes item from the session's selection.
func (o *Ops) RemoveItem(ctx context.Context, st *checkout.State, item string) (*checkout.State, error) {
	if _, err := policy.Authorize(ctx, "RemoveItem"); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errNoSession
	}
	return o.svc.RemoveItem(ctx, st, item)
}

// ImportOrders reads an import file (checkout.ParseImport) and stores its
// orders under their accounts; it returns how many it stored.
func (o *Ops) ImportOrders(ctx context.Context, file io.Reader) (int, error) {
	if _, err := policy.Authorize(ctx, "ImportOrders"); err != nil {
		return 0, err
	}
	orders, err := checkout.ParseImport(file)
	if err != nil {
		return 0, err
	}
	return o.svc.ImportOrders(ctx, orders)
}

// LinkAccount proves the login of the checkout account of email (as Login
// does, from client) and links the account to the calling end user.
func (o *Ops) LinkAccount(ctx context.Context, client, email, password string) (*checkout.Account, error) {
	p, err := policy.Authorize(ctx, "LinkAccount")
	if err != nil {
		return nil, err
	}
	return o.svc.LinkAccount(ctx, p.UserID, client, email, password)
}

// UnlinkAccount removes the calling end user's link to a checkout account
// and reports whether there was one.
func (o *Ops) UnlinkAccount(ctx context.Context) (bool, error) {
	p, err := policy.Authorize(ctx, "UnlinkAccount")
	if err != nil {
		return false, err
	}
	return o.svc.UnlinkAccount(ctx, p.UserID)
}

// AccountsOfUsers returns, for each of users in order, the checkout
// account linked to it, or nil: for a user without a link or other than
// the caller. One read, whatever the number of users.
//
// SECURITY: the caller is the end user itself; any other user is nil, not
// an error, so that no answer tells whether another user has a link.
func (o *Ops) AccountsOfUsers(ctx context.Context, users []*user.User) ([]*checkout.Account, error) {
	p, err := policy.Authorize(ctx, "AccountsOfUsers")
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(users))
	for i, u := range users {
		if self(p, u) {
			ids[i] = u.ID
		}
	}
	return o.svc.LinkedAccounts(ctx, ids)
}

// LinkedOrders returns, for each page in order, the page of orders of the
// checkout account it names when that account is linked to the calling
// end user; nil for any other account.
//
// SECURITY: the link to the caller is checked in the statement that reads
// the orders.
func (o *Ops) LinkedOrders(ctx context.Context, pages []checkout.AccountPage) ([]*checkout.OrderPage, error) {
	p, err := policy.Authorize(ctx, "LinkedOrders")
	if err != nil {
		return nil, err
	}
	return o.svc.LinkedOrders(ctx, p.UserID, pages)
}

// self reports whether u is the end user p acts as.
func self(p *auth.Principal, u *user.User) bool {
	return u != nil && p != nil && p.UserID != "" && u.ID == p.UserID && u.Provider.ID == p.ProviderID
}
