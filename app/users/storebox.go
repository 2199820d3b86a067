package users

import (
	"context"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/user"
)

// partnerUser checks op's rule, which admits partners only, and returns
// the calling partner, through which userID is looked up.
// SECURITY: the user is then found within the partner only (another
// partner's user is not found); a request that carries a user token
// reaches that user only. As in the rest of the Receipt Data API (and
// unlike the User API's user operations), a JWT-wrapped key needs no user
// token: Storebox users have none.
func partnerUser(ctx context.Context, op, userID string) (user.Provider, error) {
	p, err := policy.Authorize(ctx, op)
	if err != nil {
		return user.Provider{}, err
	}
	if p.UserID != "" && p.UserID != userID {
		return user.Provider{}, errs.NotFoundf("user not found")
	}
	return user.Provider{ID: p.CredentialID, Name: p.Name}, nil
}

// CreateStoreboxUser creates a Storebox account and the calling partner's
// user mapped to it.
func (o *Ops) CreateStoreboxUser(ctx context.Context, in user.StoreboxInput) (*user.User, error) {
	p, err := asPartner(ctx, "CreateStoreboxUser")
	if err != nil {
		return nil, err
	}
	return o.svc.CreateStoreboxUser(ctx, p, in)
}

// LinkStoreboxUser sends one-time codes to an existing Storebox account's
// validated e-mail and mobile number.
func (o *Ops) LinkStoreboxUser(ctx context.Context, in user.LinkInput) (*user.LinkIDs, error) {
	p, err := asPartner(ctx, "LinkStoreboxUser")
	if err != nil {
		return nil, err
	}
	return o.svc.LinkStoreboxUser(ctx, p, in)
}

// ValidateStoreboxLink checks a link request's codes and returns the
// calling partner's user mapped to the account.
// SECURITY: codes and validation ids belong to the partner that asked.
func (o *Ops) ValidateStoreboxLink(ctx context.Context, in user.LinkValidation) (*user.User, error) {
	p, err := asPartner(ctx, "ValidateStoreboxLink")
	if err != nil {
		return nil, err
	}
	return o.svc.ValidateStoreboxLink(ctx, p, in)
}

// StoreboxUser returns one of the calling partner's Storebox users.
func (o *Ops) StoreboxUser(ctx context.Context, userID string) (*user.User, error) {
	p, err := partnerUser(ctx, "StoreboxUser", userID)
	if err != nil {
		return nil, err
	}
	return o.svc.StoreboxUser(ctx, p, userID)
}

// UpdateStoreboxUser sets the green profile of one of the calling
// partner's Storebox users; nil changes nothing.
func (o *Ops) UpdateStoreboxUser(ctx context.Context, userID string, greenProfile *bool) (*user.User, error) {
	p, err := partnerUser(ctx, "UpdateStoreboxUser", userID)
	if err != nil {
		return nil, err
	}
	return o.svc.UpdateStoreboxUser(ctx, p, userID, greenProfile)
}

// DeleteStoreboxUser removes the calling partner's mapping; the Storebox
// account and other partners' mappings stay.
func (o *Ops) DeleteStoreboxUser(ctx context.Context, userID string) error {
	p, err := partnerUser(ctx, "DeleteStoreboxUser", userID)
	if err != nil {
		return err
	}
	return o.svc.DeleteStoreboxUser(ctx, p, userID)
}

// StoreboxAccount returns a Storebox account by id, e-mail or mobile
// number. Admins.
func (o *Ops) StoreboxAccount(ctx context.Context, ref user.AccountRef) (*user.Account, error) {
	if _, err := policy.Authorize(ctx, "StoreboxAccount"); err != nil {
		return nil, err
	}
	return o.svc.FindAccount(ctx, ref)
}

// DeleteStoreboxAccount deletes a Storebox account and every partner's
// mapping to it; each mapped partner is notified. Admins.
func (o *Ops) DeleteStoreboxAccount(ctx context.Context, ref user.AccountRef) (*user.Account, error) {
	if _, err := policy.Authorize(ctx, "DeleteStoreboxAccount"); err != nil {
		return nil, err
	}
	return o.svc.DeleteStoreboxAccount(ctx, ref)
}

// CreateWhitelabelUser returns the calling partner's user for a whitelabel
// type and cid, and whether it was created now.
func (o *Ops) CreateWhitelabelUser(ctx context.Context, userIDType, cid, language string) (*user.User, bool, error) {
	p, err := asPartner(ctx, "CreateWhitelabelUser")
	if err != nil {
		return nil, false, err
	}
	return o.svc.CreateWhitelabelUser(ctx, p, userIDType, cid, language)
}

// WhitelabelUser returns the calling partner's user for a type and cid.
func (o *Ops) WhitelabelUser(ctx context.Context, userIDType, cid string) (*user.User, error) {
	p, err := asPartner(ctx, "WhitelabelUser")
	if err != nil {
		return nil, err
	}
	return o.svc.WhitelabelUser(ctx, p, userIDType, cid)
}

// DeleteWhitelabelUser removes the calling partner's user for a type and
// cid and returns it.
func (o *Ops) DeleteWhitelabelUser(ctx context.Context, userIDType, cid string) (*user.User, error) {
	p, err := asPartner(ctx, "DeleteWhitelabelUser")
	if err != nil {
		return nil, err
	}
	return o.svc.DeleteWhitelabelUser(ctx, p, userIDType, cid)
}

// IssueWhitelabelType gives a whitelabel solution id to the partner with
// username partnerUsername. Admins.
func (o *Ops) IssueWhitelabelType(ctx context.Context, userIDType, partnerUsername string) error {
	if _, err := policy.Authorize(ctx, "IssueWhitelabelType"); err != nil {
		return err
	}
	target, err := o.partners.NamedPartner(ctx, partnerUsername)
	if err != nil {
		return err
	}
	return o.svc.IssueWhitelabelType(ctx, userIDType, target.CredentialID)
}
