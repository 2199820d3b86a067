// Package loyalty is the application layer of Open Loyalty customers (seed
// 003): logins and tokens for admins, sellers and customers, and customers
// partitioned by store code. Admins reach every customer; sellers register,
// find, activate and deactivate them; a customer reaches only itself.
package loyalty

import (
	"context"
	"io"
	"strconv"
	"strings"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/domain/user"
)

// Credentials check the credentials of admins and sellers
// (auth.Service).
type Credentials interface {
	AuthenticateBasicFrom(ctx context.Context, client, username, secret string) (*auth.Principal, error)
}

// Ops are the Open Loyalty operations.
type Ops struct {
	avatars     *loyalty.Avatars
	extras      *loyalty.Extras
	points      *loyalty.Points
	customers   *loyalty.Service
	sessions    *loyalty.Sessions
	credentials Credentials
	codes       *loyalty.Codes
}

// New returns the Open Loyalty operations.
func New(customers *loyalty.Service, sessions *loyalty.Sessions, credentials Credentials, points *loyalty.Points, extras *loyalty.Extras, avatars *loyalty.Avatars, codes *loyalty.Codes) *Ops {
	return &Ops{customers: customers, sessions: sessions, credentials: credentials, points: points, extras: extras, avatars: avatars, codes: codes}
}

var (
	adminOnly      = authz.Allow(authz.ScopeAll, auth.KindAdmin)
	staff          = authz.Allow(authz.ScopeAll, auth.KindAdmin, auth.KindSeller)
	staffOrSelf    = authz.Allow(authz.ScopeOwnUsers, auth.KindAdmin, auth.KindSeller, auth.KindCustomer)
	adminOrSelf    = authz.Allow(authz.ScopeOwnUsers, auth.KindAdmin, auth.KindCustomer)
	capabilityRule = authz.Public()
)

var policy = authz.NewPolicy("loyalty", map[string]authz.Rule{
	// Logging in and renewing need no principal: the password or the
	// refresh token is the capability.
	"Login":   capabilityRule,
	"Refresh": capabilityRule,
	// SECURITY: admins and sellers register customers (the admin and POS
	// cockpits); there is no anonymous self-registration in the seed.
	"Register":  staff,
	"Customer":  staffOrSelf,
	"Customers": staff,
	// SECURITY: a customer changes only itself, and not its POS or seller.
	"Update":     adminOrSelf,
	"Activate":   staff,
	"Deactivate": staff,
	"Anonymize":  adminOnly,
	"Delete":     adminOnly,
	"Check":      staff,
	"SearchPOS":  staff,
	// SECURITY: a customer sees its own status only; another's is 403.
	"Status": staffOrSelf, "StatusesOf": staffOrSelf,
	// SECURITY: an end user (User API access token, alone or with its
	// partner's key) reaches the customer with its own verified phone
	// number, and nobody else's (User.loyalty); others read null.
	"CustomersOfUsers": authz.Allow(authz.ScopeOwnUsers, auth.KindUser, auth.KindPartner),
	// SECURITY: levels and points move only by an admin's hand (or by
	// purchases, which no caller posts here).
	"AssignLevel":       adminOnly,
	"RemoveManualLevel": adminOnly,
	"RecordPoints":      adminOnly,
	"AssignPOS":         staff,
	"Registrations":     adminOnly,
	// A customer's devices: admins, and the customer itself.
	"PushyTokens":      adminOrSelf,
	"PushyTokensOf":    adminOrSelf,
	"AddPushyToken":    adminOrSelf,
	"RemovePushyToken": adminOrSelf,
	"Import":           adminOnly,
	// A customer's picture: admins, and the customer itself.
	"SetAvatar":    adminOrSelf,
	"Avatar":       adminOrSelf,
	"AvatarsOf":    adminOrSelf,
	"DeleteAvatar": adminOrSelf,
	// Activation and codes (codes.go). The token or code is the
	// capability: activating needs no principal, as in the seed.
	"ActivateByToken": capabilityRule,
	"ActivateBySMS":   capabilityRule,
	// SECURITY: staff send a customer its SMS activation code; a customer
	// only to itself (its own resend).
	"SendActivationSMS": staffOrSelf,
	// SECURITY: only the customer confirms the change of its own phone.
	"ConfirmPhoneChange": authz.Allow(authz.ScopeOwnUsers, auth.KindCustomer),
})

// Policy returns the rules of the Open Loyalty operations.
func Policy() *authz.Policy { return policy }

// badCredentials is what every failed login answers.
var badCredentials = errs.E(errs.Unauthenticated, "Bad credentials")

// Login checks the credentials of role (in store, for customers) presented
// from client and opens a session. Admins and sellers log in with the
// username and secret of their credential; customers with their e-mail,
// phone or loyalty card number and password.
func (o *Ops) Login(ctx context.Context, role loyalty.Role, store, client, username, password string) (*loyalty.Tokens, error) {
	if _, err := policy.Authorize(ctx, "Login"); err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, errs.InvalidField("role", "role must be admin, seller or customer")
	}
	if username == "" {
		return nil, errs.InvalidField("_username", "_username is required")
	}
	if password == "" {
		return nil, errs.InvalidField("_password", "_password is required")
	}
	switch role {
	case loyalty.RoleAdmin, loyalty.RoleSeller:
		p, err := o.credentials.AuthenticateBasicFrom(ctx, client, username, password)
		if errs.Is(err, errs.Unauthenticated) || (err == nil && string(p.Kind) != string(role)) {
			return nil, badCredentials
		}
		if err != nil {
			return nil, err
		}
		return o.sessions.Open(ctx, loyalty.Claims{Role: role, Subject: strconv.FormatInt(p.CredentialID, 10), Username: p.Username})
	case loyalty.RoleCustomer:
		if store == "" {
			store = loyalty.DefaultStore
		}
		c, err := o.customers.Authenticate(ctx, store, username, password)
		if err != nil {
			return nil, err
		}
		return o.sessions.Open(ctx, loyalty.Claims{Role: role, Subject: c.ID, Username: c.Email, StoreCode: c.StoreCode})
	default:
		return nil, badCredentials
	}
}

// Refresh renews a session from its refresh token.
func (o *Ops) Refresh(ctx context.Context, refreshToken string) (*loyalty.Tokens, error) {
	if _, err := policy.Authorize(ctx, "Refresh"); err != nil {
		return nil, err
	}
	if refreshToken == "" {
		return nil, errs.InvalidField("refresh_token", "refresh_token is required")
	}
	return o.sessions.Renew(ctx, refreshToken)
}

// PrincipalOf turns a token's claims into the principal of a request.
func PrincipalOf(c loyalty.Claims) (*auth.Principal, error) {
	switch c.Role {
	case loyalty.RoleAdmin, loyalty.RoleSeller:
		id, err := strconv.ParseInt(c.Subject, 10, 64)
		if err != nil {
			return nil, errs.E(errs.Unauthenticated, "Invalid JWT Token")
		}
		return &auth.Principal{CredentialID: id, Kind: auth.Kind(c.Role), Name: c.Username, Username: c.Username}, nil
	case loyalty.RoleCustomer:
		return &auth.Principal{Kind: auth.KindCustomer, Name: c.Username, Username: c.Username,
			CustomerID: c.Subject, StoreCode: c.StoreCode}, nil
	}
	return nil, errs.E(errs.Unauthenticated, "Invalid JWT Token")
}

// reach checks the customer id of store named in a request: malformed
// names are NotFound; a customer reaches only itself in its own store.
//
// SECURITY: this is where a customer is kept to itself.
func reach(p *auth.Principal, store, id string) error {
	if err := loyalty.CheckStoreCode(store); err != nil {
		return err
	}
	if err := loyalty.CheckID(id); err != nil {
		return err
	}
	if p.Is(auth.KindCustomer) && (p.StoreCode != store || !strings.EqualFold(p.CustomerID, id)) {
		return errs.ErrForbidden
	}
	return nil
}

// reachStore checks a store code; a customer reaches only its own store.
func reachStore(p *auth.Principal, store string) error {
	if err := loyalty.CheckStoreCode(store); err != nil {
		return err
	}
	if p.Is(auth.KindCustomer) && p.StoreCode != store {
		return errs.ErrForbidden
	}
	return nil
}

// Register creates a customer in store.
func (o *Ops) Register(ctx context.Context, store string, f loyalty.Fields) (*loyalty.Customer, error) {
	p, err := policy.Authorize(ctx, "Register")
	if err != nil {
		return nil, err
	}
	if err := reachStore(p, store); err != nil {
		return nil, err
	}
	if p.Is(auth.KindSeller) && f.SellerID == nil {
		id := strconv.FormatInt(p.CredentialID, 10)
		f.SellerID = &id
	}
	c, err := o.customers.Register(ctx, store, f)
	if err != nil {
		return nil, err
	}
	// A customer registered without a password gets an activation token
	// by e-mail, to activate and choose its password with.
	if err := o.codes.Welcome(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Customer returns one customer of store.
func (o *Ops) Customer(ctx context.Context, store, id string) (*loyalty.Customer, error) {
	p, err := policy.Authorize(ctx, "Customer")
	if err != nil {
		return nil, err
	}
	if err := reach(p, store, id); err != nil {
		return nil, err
	}
	return o.customers.Customer(ctx, store, id)
}

// Customers lists the customers of store that match f.
func (o *Ops) Customers(ctx context.Context, store string, f loyalty.Filter) ([]*loyalty.Customer, int, error) {
	p, err := policy.Authorize(ctx, "Customers")
	if err != nil {
		return nil, 0, err
	}
	if err := reachStore(p, store); err != nil {
		return nil, 0, err
	}
	return o.customers.Customers(ctx, store, f)
}

// SearchPOS finds customers of store for a POS, by the fields of f.
func (o *Ops) SearchPOS(ctx context.Context, store string, f loyalty.Filter) ([]*loyalty.Customer, int, error) {
	p, err := policy.Authorize(ctx, "SearchPOS")
	if err != nil {
		return nil, 0, err
	}
	if err := reachStore(p, store); err != nil {
		return nil, 0, err
	}
	return o.customers.Customers(ctx, store, f)
}

// Update changes a customer of store.
func (o *Ops) Update(ctx context.Context, store, id string, f loyalty.Fields) error {
	p, err := policy.Authorize(ctx, "Update")
	if err != nil {
		return err
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	if p.Is(auth.KindCustomer) {
		// SECURITY: a customer does not move itself to a POS or seller.
		f.POSID, f.SellerID = nil, nil
		// SECURITY: a customer's new login phone takes effect only once
		// it enters the code sent to it (confirm-change).
		// Erasing it needs no proof.
		if f.Phone != nil && strings.TrimSpace(*f.Phone) != "" {
			if _, err := o.codes.RequestPhoneChange(ctx, store, id, *f.Phone); err != nil {
				return err
			}
			f.Phone = nil
		}
	}
	return o.customers.Update(ctx, store, id, f)
}

// Activate activates a customer of store.
func (o *Ops) Activate(ctx context.Context, store, id string) error {
	p, err := policy.Authorize(ctx, "Activate")
	if err != nil {
		return err
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	return o.customers.SetActive(ctx, store, id, true)
}

// Deactivate deactivates a customer of store.
func (o *Ops) Deactivate(ctx context.Context, store, id string) error {
	p, err := policy.Authorize(ctx, "Deactivate")
	if err != nil {
		return err
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	return o.customers.SetActive(ctx, store, id, false)
}

// Anonymize erases what names a customer of store.
func (o *Ops) Anonymize(ctx context.Context, store, id string) error {
	p, err := policy.Authorize(ctx, "Anonymize")
	if err != nil {
		return err
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	return o.customers.Anonymize(ctx, store, id)
}

// Delete removes a customer of store.
func (o *Ops) Delete(ctx context.Context, store, id string) error {
	p, err := policy.Authorize(ctx, "Delete")
	if err != nil {
		return err
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	return o.customers.Delete(ctx, store, id)
}

// Check counts the customers of store with the e-mail or phone given.
func (o *Ops) Check(ctx context.Context, store, emailOrPhone string) (int, error) {
	p, err := policy.Authorize(ctx, "Check")
	if err != nil {
		return 0, err
	}
	if err := reachStore(p, store); err != nil {
		return 0, err
	}
	return o.customers.Check(ctx, store, emailOrPhone)
}

// Status returns the status of a customer of store: points, level and
// next level, transactions.
func (o *Ops) Status(ctx context.Context, store, id string) (*loyalty.Status, error) {
	p, err := policy.Authorize(ctx, "Status")
	if err != nil {
		return nil, err
	}
	if err := reach(p, store, id); err != nil {
		return nil, err
	}
	return o.points.Status(ctx, store, id)
}

// StatusesOf returns the statuses of customers, as read by Customer or
// Customers in this request, in their order: one read of levels and
// ledgers per store, whatever the number of customers (GraphQL lists).
func (o *Ops) StatusesOf(ctx context.Context, cs []*loyalty.Customer) ([]*loyalty.Status, error) {
	p, err := policy.Authorize(ctx, "StatusesOf")
	if err != nil {
		return nil, err
	}
	byStore := map[string][]int{}
	for i, c := range cs {
		if err := reach(p, c.StoreCode, c.ID); err != nil {
			return nil, err
		}
		byStore[c.StoreCode] = append(byStore[c.StoreCode], i)
	}
	out := make([]*loyalty.Status, len(cs))
	for store, at := range byStore {
		group := make([]*loyalty.Customer, len(at))
		for j, i := range at {
			group[j] = cs[i]
		}
		st, err := o.points.StatusesOf(ctx, store, group)
		if err != nil {
			return nil, err
		}
		for j, i := range at {
			out[i] = st[j]
		}
	}
	return out, nil
}

// UserStore is the store code whose customers end users are matched with:
// there is no mapping of User API partners to Open Loyalty stores, so every
// partner's users meet the customers of DEFAULT, the store that exists from
// the start.
const UserStore = "DEFAULT"

// UserCustomer is an end user's Open Loyalty customer with its status.
type UserCustomer struct {
	Customer *loyalty.Customer
	Status   *loyalty.Status
}

// CustomersOfUsers returns, for each of users in order, the customer of
// UserStore with the user's verified phone number and its status, or nil:
// for a user without a verified phone, without such a customer, or other
// than the caller. Two reads (customers, then levels and ledgers), whatever
// the number of users.
//
// SECURITY: the caller is the end user itself; any other user is nil, not
// an error, so that no answer tells whether another user has a customer.
func (o *Ops) CustomersOfUsers(ctx context.Context, users []*user.User) ([]*UserCustomer, error) {
	p, err := policy.Authorize(ctx, "CustomersOfUsers")
	if err != nil {
		return nil, err
	}
	out := make([]*UserCustomer, len(users))
	phones := make([]string, len(users))
	asked := false
	for i, u := range users {
		if u != nil && p.UserID != "" && u.ID == p.UserID && u.Provider.ID == p.ProviderID && u.PhoneVerified && u.Phone != "" {
			phones[i], asked = u.Phone, true
		}
	}
	if !asked {
		return out, nil
	}
	cs, err := o.customers.CustomersByPhones(ctx, UserStore, phones)
	if err != nil {
		return nil, err
	}
	var found []*loyalty.Customer
	var at []int
	for i, c := range cs {
		if c != nil && c.Active {
			found, at = append(found, c), append(at, i)
		}
	}
	if len(found) == 0 {
		return out, nil
	}
	st, err := o.points.StatusesOf(ctx, UserStore, found)
	if err != nil {
		return nil, err
	}
	for j, i := range at {
		out[i] = &UserCustomer{Customer: found[j], Status: st[j]}
	}
	return out, nil
}

// AssignLevel assigns a customer of store to a level by hand.
func (o *Ops) AssignLevel(ctx context.Context, store, id, levelID string) error {
	p, err := policy.Authorize(ctx, "AssignLevel")
	if err != nil {
		return err
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	return o.points.AssignLevel(ctx, store, id, levelID)
}

// RemoveManualLevel returns a customer of store to the level its
// purchases reach.
func (o *Ops) RemoveManualLevel(ctx context.Context, store, id string) error {
	p, err := policy.Authorize(ctx, "RemoveManualLevel")
	if err != nil {
		return err
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	return o.points.RemoveManualLevel(ctx, store, id)
}

// RecordPoints adds, spends or expires points of a customer of store.
func (o *Ops) RecordPoints(ctx context.Context, store, id string, in loyalty.PointsInput) (*loyalty.Transfer, error) {
	p, err := policy.Authorize(ctx, "RecordPoints")
	if err != nil {
		return nil, err
	}
	if err := reach(p, store, id); err != nil {
		return nil, err
	}
	return o.points.Record(ctx, store, id, in)
}

// AssignPOS assigns a customer of store to a POS.
func (o *Ops) AssignPOS(ctx context.Context, store, id, posID string) error {
	p, err := policy.Authorize(ctx, "AssignPOS")
	if err != nil {
		return err
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	return o.extras.AssignPOS(ctx, store, id, posID)
}

// Registrations counts the customers of store registered over the last
// lastDays days, per interval.
func (o *Ops) Registrations(ctx context.Context, store string, interval loyalty.Interval, lastDays int) (map[string]int, error) {
	p, err := policy.Authorize(ctx, "Registrations")
	if err != nil {
		return nil, err
	}
	if err := reachStore(p, store); err != nil {
		return nil, err
	}
	return o.extras.Registrations(ctx, store, interval, lastDays)
}

// PushyTokens lists a customer's pushy tokens.
func (o *Ops) PushyTokens(ctx context.Context, store, id string) ([]string, error) {
	p, err := policy.Authorize(ctx, "PushyTokens")
	if err != nil {
		return nil, err
	}
	if err := reach(p, store, id); err != nil {
		return nil, err
	}
	return o.extras.PushyTokens(ctx, store, id)
}

// PushyTokensOf lists the pushy tokens of customers, as read by Customer
// or Customers in this request, in their order, in one read (GraphQL
// lists).
func (o *Ops) PushyTokensOf(ctx context.Context, cs []*loyalty.Customer) ([][]string, error) {
	p, err := policy.Authorize(ctx, "PushyTokensOf")
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if err := reach(p, c.StoreCode, c.ID); err != nil {
			return nil, err
		}
	}
	return o.extras.PushyTokensOf(ctx, cs)
}

// AddPushyToken keeps a pushy token of a customer.
func (o *Ops) AddPushyToken(ctx context.Context, store, id, token string) error {
	p, err := policy.Authorize(ctx, "AddPushyToken")
	if err != nil {
		return err
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	return o.extras.AddPushyToken(ctx, store, id, token)
}

// RemovePushyToken forgets a pushy token of a customer.
func (o *Ops) RemovePushyToken(ctx context.Context, store, id, token string) error {
	p, err := policy.Authorize(ctx, "RemovePushyToken")
	if err != nil {
		return err
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	return o.extras.RemovePushyToken(ctx, store, id, token)
}

// Import registers the customers of an XML import file in store.
func (o *Ops) Import(ctx context.Context, store string, file io.Reader) (*loyalty.ImportResult, error) {
	p, err := policy.Authorize(ctx, "Import")
	if err != nil {
		return nil, err
	}
	if err := reachStore(p, store); err != nil {
		return nil, err
	}
	return o.customers.Import(ctx, store, file, func(ctx context.Context, id, levelID string) error {
		return o.points.AssignLevel(ctx, store, id, levelID)
	})
}

// SetAvatar makes data the avatar of a customer of store.
func (o *Ops) SetAvatar(ctx context.Context, store, id string, data []byte) error {
	p, err := policy.Authorize(ctx, "SetAvatar")
	if err != nil {
		return err
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	return o.avatars.Set(ctx, store, id, data)
}

// Avatar returns the avatar of a customer of store.
func (o *Ops) Avatar(ctx context.Context, store, id string) (*loyalty.Avatar, error) {
	p, err := policy.Authorize(ctx, "Avatar")
	if err != nil {
		return nil, err
	}
	if err := reach(p, store, id); err != nil {
		return nil, err
	}
	return o.avatars.Get(ctx, store, id)
}

// AvatarsOf returns the facts (type, size, time; no bytes) of the avatars
// of customers, as read in this request, in their order (nil: none), in
// one read (GraphQL lists).
func (o *Ops) AvatarsOf(ctx context.Context, cs []*loyalty.Customer) ([]*loyalty.Avatar, error) {
	p, err := policy.Authorize(ctx, "AvatarsOf")
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if err := reach(p, c.StoreCode, c.ID); err != nil {
			return nil, err
		}
	}
	return o.avatars.AvatarsOf(ctx, cs)
}

// DeleteAvatar removes the avatar of a customer of store.
func (o *Ops) DeleteAvatar(ctx context.Context, store, id string) error {
	p, err := policy.Authorize(ctx, "DeleteAvatar")
	if err != nil {
		return err
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	return o.avatars.Delete(ctx, store, id)
}
