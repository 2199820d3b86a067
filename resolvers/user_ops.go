package resolvers

import (
	"context"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/user"
)

// UserOps are the User API operations shared by GraphQL and the User API
// REST family.
type UserOps struct {
	svc *user.Service
}

// SECURITY: the signup, OTP and token operations belong to partners; each
// acts on the partner's own users only.
func partner(ctx context.Context) (user.Provider, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return user.Provider{}, errs.ErrUnauthenticated
	}
	if p.Kind != auth.KindPartner {
		return user.Provider{}, errs.ErrForbidden
	}
	return user.Provider{ID: p.CredentialID, Name: p.Name}, nil
}

// SECURITY: a user is reached by its partner, or by the end user itself; any
// other user is not found, so that ids reveal nothing.
func userScope(ctx context.Context, userID string) (user.Provider, error) {
	p := auth.FromContext(ctx)
	switch {
	case p == nil:
		return user.Provider{}, errs.ErrUnauthenticated
	case p.Kind == auth.KindPartner:
		return user.Provider{ID: p.CredentialID, Name: p.Name}, nil
	case p.Kind == auth.KindUser:
		if p.UserID != userID {
			return user.Provider{}, errs.NotFoundf("user not found")
		}
		return user.Provider{ID: p.ProviderID}, nil
	default:
		return user.Provider{}, errs.ErrForbidden
	}
}

// SignupWithCard is "signup with card" (tokenTypeRequired false) and "signup
// with card token" (true).
func (o *UserOps) SignupWithCard(ctx context.Context, in user.CardSignup, tokenTypeRequired bool) (user.SignupResult, *user.User, error) {
	p, err := partner(ctx)
	if err != nil {
		return "", nil, err
	}
	return o.svc.SignupWithCard(ctx, p, in, tokenTypeRequired)
}

// Signup is "signup without card".
func (o *UserOps) Signup(ctx context.Context, phone, memberID string, smsType user.SMSType) error {
	p, err := partner(ctx)
	if err != nil {
		return err
	}
	return o.svc.Signup(ctx, p, phone, memberID, smsType)
}

// LinkCode is "link code exists".
func (o *UserOps) LinkCode(ctx context.Context, code string) (*user.Signup, error) {
	p, err := partner(ctx)
	if err != nil {
		return nil, err
	}
	return o.svc.LinkCode(ctx, p, code)
}

// VerifyLinkCode is "link code verify".
func (o *UserOps) VerifyLinkCode(ctx context.Context, code, memberID string) (*user.User, error) {
	p, err := partner(ctx)
	if err != nil {
		return nil, err
	}
	return o.svc.VerifyLinkCode(ctx, p, code, memberID)
}

// Get returns a user.
func (o *UserOps) Get(ctx context.Context, userID string) (*user.User, error) {
	p, err := userScope(ctx, userID)
	if err != nil {
		return nil, err
	}
	return o.svc.Find(ctx, p, userID)
}

// ByPhone returns the partner's user with a phone number.
func (o *UserOps) ByPhone(ctx context.Context, phone string) (*user.User, error) {
	p, err := partner(ctx)
	if err != nil {
		return nil, err
	}
	return o.svc.FindByPhone(ctx, p, phone)
}

// Viewer returns the end user of the access token.
func (o *UserOps) Viewer(ctx context.Context) (*user.User, error) {
	p := auth.FromContext(ctx)
	if p == nil || p.Kind != auth.KindUser {
		return nil, errs.ErrUnauthenticated
	}
	return o.svc.Find(ctx, user.Provider{ID: p.ProviderID}, p.UserID)
}

// Update is "update user".
func (o *UserOps) Update(ctx context.Context, userID string, upd user.Update) (*user.User, error) {
	p, err := userScope(ctx, userID)
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
func (o *UserOps) Delete(ctx context.Context, userID string) error {
	p, err := userScope(ctx, userID)
	if err != nil {
		return err
	}
	return o.svc.DeleteUser(ctx, p, userID)
}

// Cards returns a user's cards; the caller has already been allowed to see
// the user.
func (o *UserOps) Cards(ctx context.Context, u *user.User) ([]*user.Card, error) {
	return o.svc.Cards(ctx, u.ID)
}

// Card returns a card: a partner's user's, or the end user's own.
func (o *UserOps) Card(ctx context.Context, cardID string) (*user.Card, error) {
	p := auth.FromContext(ctx)
	switch {
	case p == nil:
		return nil, errs.ErrUnauthenticated
	case p.Kind == auth.KindPartner:
		return o.svc.Card(ctx, user.Provider{ID: p.CredentialID}, "", cardID)
	case p.Kind == auth.KindUser:
		return o.svc.Card(ctx, user.Provider{ID: p.ProviderID}, p.UserID, cardID)
	default:
		return nil, errs.ErrForbidden
	}
}

// CardTokenByPhone is "card token by phone".
func (o *UserOps) CardTokenByPhone(ctx context.Context, phone string) (string, error) {
	p, err := partner(ctx)
	if err != nil {
		return "", err
	}
	return o.svc.CardTokenByPhone(ctx, p, phone)
}

// ValidateOTP is "validate OTP".
func (o *UserOps) ValidateOTP(ctx context.Context, phone, code string) (*user.User, error) {
	p, err := partner(ctx)
	if err != nil {
		return nil, err
	}
	return o.svc.ValidateOTP(ctx, p, phone, code)
}

// RequestToken is "request user token".
func (o *UserOps) RequestToken(ctx context.Context, phone string) error {
	p, err := partner(ctx)
	if err != nil {
		return err
	}
	return o.svc.RequestToken(ctx, p, phone)
}

// VerifyToken is "verify user token".
func (o *UserOps) VerifyToken(ctx context.Context, phone, code string) (string, error) {
	p, err := partner(ctx)
	if err != nil {
		return "", err
	}
	return o.svc.VerifyToken(ctx, p, phone, code)
}

// Settings returns the calling partner's signup settings.
func (o *UserOps) Settings(ctx context.Context) (*user.PartnerSettings, error) {
	p, err := partner(ctx)
	if err != nil {
		return nil, err
	}
	return o.svc.Settings(ctx, p.ID)
}

// SetSettings sets a partner's signup settings: its own, or, for an admin,
// the partner with partnerUsername.
func (o *UserOps) SetSettings(ctx context.Context, partnerID int64, st user.PartnerSettings) (*user.PartnerSettings, error) {
	st.ProviderID = partnerID
	return o.svc.SetSettings(ctx, st)
}

// TermsPage and AcceptTerms serve our terms page to end users, who hold only
// the link code from their SMS; the link code is the capability.
func (o *UserOps) TermsPage(ctx context.Context, code string) (*user.Signup, *user.PartnerSettings, error) {
	return o.svc.TermsPage(ctx, code)
}

// AcceptTerms completes a signup from our terms page.
func (o *UserOps) AcceptTerms(ctx context.Context, code string) (*user.User, *user.PartnerSettings, error) {
	return o.svc.AcceptTerms(ctx, code)
}
