// Package users is the application layer of the User API (seed 000): signups,
// link codes, users, cards, OTP logins and partner settings, for both doors.
// Each operation authorizes the principal by its rule in policy; a partner
// reaches the users it created, an end user only itself.
package users

import (
	"context"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/user"
)

// Partners finds partner credentials by username, for admins who name one.
type Partners interface {
	// NamedPartner returns the partner an admin names by username; a
	// missing or unknown name is invalid input naming partnerUsername.
	NamedPartner(ctx context.Context, username string) (*auth.Principal, error)
}

// Ops are the User API operations.
type Ops struct {
	svc      *user.Service
	partners Partners
}

// New returns the User API operations.
func New(svc *user.Service, partners Partners) *Ops { return &Ops{svc: svc, partners: partners} }

var (
	partners   = authz.Allow(authz.ScopeOwnUsers, auth.KindPartner)
	userOwners = authz.Allow(authz.ScopeOwnUsers, auth.KindPartner, auth.KindUser)
	// admins reach Storebox accounts across partners.
	admins = authz.Allow(authz.ScopeAll, auth.KindAdmin)
)

var policy = authz.NewPolicy("users", map[string]authz.Rule{
	"SignupWithCard": partners, "Signup": partners, "LinkCode": partners, "VerifyLinkCode": partners,
	"Get": userOwners, "ByPhone": partners, "Viewer": userOwners, "Update": userOwners, "Delete": userOwners,
	"Cards": userOwners, "Card": userOwners, "CardsByID": userOwners,
	"CardTokenByPhone": partners, "ValidateOTP": partners, "RequestToken": partners, "VerifyToken": partners,
	"Settings":    partners,
	"SetSettings": authz.Allow(authz.ScopeOwnCredential, auth.KindPartner, auth.KindAdmin),
	"TermsPage":   authz.Public(), "AcceptTerms": authz.Public(),
	// Storebox and whitelabel users (seed 001, storebox.go).
	"CreateStoreboxUser": partners, "LinkStoreboxUser": partners, "ValidateStoreboxLink": partners,
	"StoreboxUser": partners, "UpdateStoreboxUser": partners, "DeleteStoreboxUser": partners,
	"StoreboxAccount": admins, "DeleteStoreboxAccount": admins, "IssueWhitelabelType": admins,
	"CreateWhitelabelUser": partners, "WhitelabelUser": partners, "DeleteWhitelabelUser": partners,
})

// Policy returns the rules of the User API operations.
func Policy() *authz.Policy { return policy }

// asPartner checks op's rule, which admits partners only, and returns the
// calling partner.
func asPartner(ctx context.Context, op string) (user.Provider, error) {
	p, err := policy.Authorize(ctx, op)
	if err != nil {
		return user.Provider{}, err
	}
	return user.Provider{ID: p.CredentialID, Name: p.Name}, nil
}

// userScope checks op's rule and returns the partner through which the
// caller reaches userID.
// SECURITY: a user is reached by its partner, or by the end user itself;
// any other user is not found, so that ids reveal nothing. A partner whose
// request carries a user token reaches that user only, and one that
// authenticated with a JWT-wrapped key reaches a user only with its token.
func userScope(ctx context.Context, op, userID string) (user.Provider, error) {
	p, err := policy.Authorize(ctx, op)
	if err != nil {
		return user.Provider{}, err
	}
	if err := needsUserToken(p); err != nil {
		return user.Provider{}, err
	}
	if p.UserID != "" && p.UserID != userID {
		return user.Provider{}, errs.NotFoundf("user not found")
	}
	if p.Kind == auth.KindUser {
		return user.Provider{ID: p.ProviderID}, nil
	}
	return user.Provider{ID: p.CredentialID, Name: p.Name}, nil
}

// needsUserToken refuses a partner that authenticated with a JWT-wrapped
// key and sent no user token.
// SECURITY: seed 000: "If used from a hostile environment using bearer
// token authentication the header X-Storebox-user-token is required".
func needsUserToken(p *auth.Principal) error {
	if p.Kind == auth.KindPartner && p.KeyWrapped && p.UserID == "" {
		return errs.E(errs.Forbidden, "X-Storebox-user-token is required with a JWT-wrapped key")
	}
	return nil
}

// SignupWithCard is "signup with card" (tokenTypeRequired false) and "signup
// with card token" (true).
func (o *Ops) SignupWithCard(ctx context.Context, in user.CardSignup, tokenTypeRequired bool) (user.SignupResult, *user.User, error) {
	p, err := asPartner(ctx, "SignupWithCard")
	if err != nil {
		return "", nil, err
	}
	return o.svc.SignupWithCard(ctx, p, in, tokenTypeRequired)
}

// Signup is "signup without card".
func (o *Ops) Signup(ctx context.Context, phone, memberID string, smsType user.SMSType) error {
	p, err := asPartner(ctx, "Signup")
	if err != nil {
		return err
	}
	return o.svc.Signup(ctx, p, phone, memberID, smsType)
}

// LinkCode is "link code exists".
func (o *Ops) LinkCode(ctx context.Context, code string) (*user.Signup, error) {
	p, err := asPartner(ctx, "LinkCode")
	if err != nil {
		return nil, err
	}
	return o.svc.LinkCode(ctx, p, code)
}

// VerifyLinkCode is "link code verify".
func (o *Ops) VerifyLinkCode(ctx context.Context, code, memberID string) (*user.User, error) {
	p, err := asPartner(ctx, "VerifyLinkCode")
	if err != nil {
		return nil, err
	}
	return o.svc.VerifyLinkCode(ctx, p, code, memberID)
}

// Get returns a user.
func (o *Ops) Get(ctx context.Context, userID string) (*user.User, error) {
	p, err := userScope(ctx, "Get", userID)
	if err != nil {
		return nil, err
	}
	return o.svc.Find(ctx, p, userID)
}

// ByPhone returns the partner's user with a phone number.
func (o *Ops) ByPhone(ctx context.Context, phone string) (*user.User, error) {
	p, err := asPartner(ctx, "ByPhone")
	if err != nil {
		return nil, err
	}
	return o.svc.FindByPhone(ctx, p, phone)
}

// Viewer returns the end user of the access token (sent alone or with its
// partner's credentials).
func (o *Ops) Viewer(ctx context.Context) (*user.User, error) {
	p, err := policy.Authorize(ctx, "Viewer")
	if err != nil {
		return nil, err
	}
	if p.UserID == "" {
		return nil, errs.NotFoundf("no end user: the request carries no user token")
	}
	return o.svc.Find(ctx, user.Provider{ID: p.ProviderID}, p.UserID)
}

// Update is "update user".
func (o *Ops) Update(ctx context.Context, userID string, upd user.Update) (*user.User, error) {
	p, err := userScope(ctx, "Update", userID)
	if err != nil {
		return nil, err
	}
	if p.Name == "" {
		u, err := o.svc.Find(ctx, p, userID)
		if err != nil {
			return nil, err
		}
		p = u.Provider
	}
	return o.svc.UpdateUser(ctx, p, userID, upd)
}

// Delete is "delete user".
func (o *Ops) Delete(ctx context.Context, userID string) error {
	p, err := userScope(ctx, "Delete", userID)
	if err != nil {
		return err
	}
	return o.svc.DeleteUser(ctx, p, userID)
}

// Cards returns the cards of u, a user the caller reached before (as the
// parent of a GraphQL field).
// SECURITY: checked again here: u must be the partner's user or the end
// user itself, whatever the caller did to obtain it.
func (o *Ops) Cards(ctx context.Context, u *user.User) ([]*user.Card, error) {
	p, err := policy.Authorize(ctx, "Cards")
	if err != nil {
		return nil, err
	}
	if err := needsUserToken(p); err != nil {
		return nil, err
	}
	if u == nil || !owns(p, u) {
		return nil, errs.NotFoundf("user not found")
	}
	return o.svc.Cards(ctx, u.ID)
}

// owns reports whether principal p reaches user u.
func owns(p *auth.Principal, u *user.User) bool {
	if p.UserID != "" && p.UserID != u.ID {
		return false
	}
	if p.Kind == auth.KindUser {
		return p.UserID == u.ID && p.ProviderID == u.Provider.ID
	}
	return p.Kind == auth.KindPartner && p.CredentialID == u.Provider.ID
}

// Card returns a card: a partner's user's, or the end user's own.
func (o *Ops) Card(ctx context.Context, cardID string) (*user.Card, error) {
	p, err := policy.Authorize(ctx, "Card")
	if err != nil {
		return nil, err
	}
	if err := needsUserToken(p); err != nil {
		return nil, err
	}
	if p.Kind == auth.KindUser {
		return o.svc.Card(ctx, user.Provider{ID: p.ProviderID}, p.UserID, cardID)
	}
	return o.svc.Card(ctx, user.Provider{ID: p.CredentialID}, p.UserID, cardID)
}

// CardsByID returns the cards among cardIDs that the caller reaches (a
// partner's users' cards, or the end user's own), in any order; the rest
// are left out. It is the batch read of GraphQL's card fields.
func (o *Ops) CardsByID(ctx context.Context, cardIDs []string) ([]*user.Card, error) {
	p, err := policy.Authorize(ctx, "CardsByID")
	if err != nil {
		return nil, err
	}
	if err := needsUserToken(p); err != nil {
		return nil, err
	}
	if p.Kind == auth.KindUser {
		return o.svc.CardsByID(ctx, user.Provider{ID: p.ProviderID}, p.UserID, cardIDs)
	}
	return o.svc.CardsByID(ctx, user.Provider{ID: p.CredentialID}, p.UserID, cardIDs)
}

// CardTokenByPhone is "card token by phone".
func (o *Ops) CardTokenByPhone(ctx context.Context, phone string) (string, error) {
	p, err := asPartner(ctx, "CardTokenByPhone")
	if err != nil {
		return "", err
	}
	return o.svc.CardTokenByPhone(ctx, p, phone)
}

// ValidateOTP is "validate OTP".
func (o *Ops) ValidateOTP(ctx context.Context, phone, code string) (*user.User, error) {
	p, err := asPartner(ctx, "ValidateOTP")
	if err != nil {
		return nil, err
	}
	return o.svc.ValidateOTP(ctx, p, phone, code)
}

// RequestToken is "request user token".
func (o *Ops) RequestToken(ctx context.Context, phone string) error {
	p, err := asPartner(ctx, "RequestToken")
	if err != nil {
		return err
	}
	return o.svc.RequestToken(ctx, p, phone)
}

// VerifyToken is "verify user token".
func (o *Ops) VerifyToken(ctx context.Context, phone, code string) (string, error) {
	p, err := asPartner(ctx, "VerifyToken")
	if err != nil {
		return "", err
	}
	return o.svc.VerifyToken(ctx, p, phone, code)
}

// Settings returns the calling partner's signup settings.
func (o *Ops) Settings(ctx context.Context) (*user.PartnerSettings, error) {
	p, err := asPartner(ctx, "Settings")
	if err != nil {
		return nil, err
	}
	return o.svc.Settings(ctx, p.ID)
}

// SetSettings sets a partner's signup settings: a partner its own (naming
// no partner, or itself), an admin those of the partner it names.
// SECURITY: a partner never reaches another partner's settings.
func (o *Ops) SetSettings(ctx context.Context, partnerUsername string, st user.PartnerSettings) (*user.PartnerSettings, error) {
	p, err := policy.Authorize(ctx, "SetSettings")
	if err != nil {
		return nil, err
	}
	switch {
	case p.Kind == auth.KindPartner:
		if partnerUsername != "" && partnerUsername != p.Username {
			return nil, errs.ErrForbidden
		}
		st.ProviderID = p.CredentialID
	default:
		target, err := o.partners.NamedPartner(ctx, partnerUsername)
		if err != nil {
			return nil, err
		}
		st.ProviderID = target.CredentialID
	}
	return o.svc.SetSettings(ctx, st)
}

// TermsPage returns what our terms page shows to an end user, who holds
// only the link code from their SMS: the link code is the capability.
func (o *Ops) TermsPage(ctx context.Context, code string) (*user.Signup, *user.PartnerSettings, error) {
	if _, err := policy.Authorize(ctx, "TermsPage"); err != nil {
		return nil, nil, err
	}
	return o.svc.TermsPage(ctx, code)
}

// AcceptTerms completes a signup from our terms page.
func (o *Ops) AcceptTerms(ctx context.Context, code string) (*user.User, *user.PartnerSettings, error) {
	if _, err := policy.Authorize(ctx, "AcceptTerms"); err != nil {
		return nil, nil, err
	}
	return o.svc.AcceptTerms(ctx, code)
}
