// Package receipts is the application layer of the receipt context (seed
// 001): a till posts receipts for its merchant; partners reach their users'
// receipts (list, search, details, delete, copy), an end user its own.
// Each operation authorizes the principal by its rule in policy.
package receipts

import (
	"context"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/domain/user"
)

// Users finds a partner's user.
type Users interface {
	// Find returns the provider's user, or not found.
	Find(ctx context.Context, p user.Provider, userID string) (*user.User, error)
}

// Merchants finds merchants.
type Merchants interface {
	// FindMerchantByID returns the merchant, or not found.
	FindMerchantByID(ctx context.Context, id string) (*merchant.Merchant, error)
}

// Ops are the receipt operations.
type Ops struct {
	svc       *receipt.Service
	users     Users
	merchants Merchants

	secrets       PartnerSecrets
	renderer      Renderer
	sessions      *receipt.PDFSessions
	publicBaseURL string
	// messages and profiles serve marketing messages and user merchants
	// (messages.go).
	messages *receipt.Messages
	profiles *merchant.Profiles
	// purchases earn the linked loyalty customers points (purchases.go).
	purchases Purchases
}

// New returns the receipt operations.
func New(svc *receipt.Service, users Users, merchants Merchants, opts ...Option) *Ops {
	o := &Ops{svc: svc, users: users, merchants: merchants}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

var (
	// tills post receipts for the merchant their credential is bound to.
	tills = authz.Allow(authz.ScopeOwnCredential, auth.KindPOS)
	// userOwners reach a partner's users' receipts, or the end user's own.
	userOwners = authz.Allow(authz.ScopeOwnUsers, auth.KindPartner, auth.KindUser)
)

var policy = authz.NewPolicy("receipts", map[string]authz.Rule{
	"Ingest": tills,
	"List":   userOwners, "Get": userOwners, "Delete": userOwners, "Copy": userOwners,
	"ViewExternal": partners, "PDF": userOwners, "CreatePDFSession": userOwners, "PDFBySession": sessionHolders,
	// Marketing messages and user merchants (messages.go).
	"UserMerchants": userOwners, "Message": userOwners, "MessagesOf": userOwners, "MessageImage": userOwners,
	"CreateMessage": authz.Allow(authz.ScopeAll, auth.KindAdmin),
})

// Policy returns the rules of the receipt operations.
func Policy() *authz.Policy { return policy }

// reachUser checks op's rule and that the caller reaches userID (for an
// end user, empty means itself), and returns the partner that owns the
// user and the user's id.
// SECURITY: a partner reaches only the users it created, an end user only
// itself; any other user is not found, so that ids reveal nothing.
func (o *Ops) reachUser(ctx context.Context, op, userID string) (user.Provider, string, error) {
	p, err := policy.Authorize(ctx, op)
	if err != nil {
		return user.Provider{}, "", err
	}
	prov := user.Provider{ID: p.CredentialID, Name: p.Name}
	if p.Kind == auth.KindUser {
		if userID == "" {
			userID = p.UserID
		}
		if p.UserID != userID {
			return user.Provider{}, "", errs.NotFoundf("user not found")
		}
		prov = user.Provider{ID: p.ProviderID}
	}
	if userID == "" {
		return user.Provider{}, "", errs.InvalidField("userId", "userId is required")
	}
	if _, err := o.users.Find(ctx, prov, userID); err != nil {
		if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
			return user.Provider{}, "", errs.NotFoundf("user not found")
		}
		return user.Provider{}, "", err
	}
	return prov, userID, nil
}

// Ingest stores a receipt posted by a till for its merchant; the same
// external id and type again replaces the content (StatusUpdated, the same
// receipt id). It returns the users the receipt was matched to by card.
// SECURITY: the merchant is the one the POS credential is bound to, never
// one named in the request.
func (o *Ops) Ingest(ctx context.Context, in receipt.Input) (*receipt.Receipt, receipt.Status, []receipt.Match, error) {
	p, err := policy.Authorize(ctx, "Ingest")
	if err != nil {
		return nil, "", nil, err
	}
	if p.MerchantID == "" {
		return nil, "", nil, errs.ErrForbidden
	}
	m, err := o.merchants.FindMerchantByID(ctx, p.MerchantID)
	if errs.Is(err, errs.NotFound) {
		return nil, "", nil, errs.E(errs.Forbidden, "the merchant of this till does not exist any more")
	}
	if err != nil {
		return nil, "", nil, err
	}
	r, st, matches, err := o.svc.Ingest(ctx, receipt.Merchant{ID: m.ID, Name: m.Name}, in)
	if err != nil {
		return nil, "", nil, err
	}
	// The receipt is stored; should earning fail, the till's retry (the
	// same receipt) earns it, once.
	if err := o.earn(ctx, r, matches); err != nil {
		return nil, "", nil, err
	}
	return r, st, matches, nil
}

// List returns a page of the user's receipts and the total. For an end
// user, every userID here may be empty: the user itself.
func (o *Ops) List(ctx context.Context, userID string, f receipt.Filter) ([]*receipt.Receipt, int, error) {
	_, userID, err := o.reachUser(ctx, "List", userID)
	if err != nil {
		return nil, 0, err
	}
	return o.svc.List(ctx, userID, f)
}

// Get returns one of the user's receipts with its details.
func (o *Ops) Get(ctx context.Context, userID, receiptID string) (*receipt.Receipt, error) {
	_, userID, err := o.reachUser(ctx, "Get", userID)
	if err != nil {
		return nil, err
	}
	return o.svc.Find(ctx, userID, receiptID)
}

// Delete removes one of the user's receipts.
func (o *Ops) Delete(ctx context.Context, userID, receiptID string) error {
	_, userID, err := o.reachUser(ctx, "Delete", userID)
	if err != nil {
		return err
	}
	return o.svc.Delete(ctx, userID, receiptID)
}

// Copy copies one of the user's receipts to toUserID (the same user when
// empty) and returns the copy.
// SECURITY: toUserID must be a user of the same partner; any other is not
// found.
func (o *Ops) Copy(ctx context.Context, userID, receiptID, toUserID string) (*receipt.Receipt, error) {
	prov, userID, err := o.reachUser(ctx, "Copy", userID)
	if err != nil {
		return nil, err
	}
	if toUserID == "" {
		toUserID = userID
	}
	if toUserID != userID {
		if _, err := o.users.Find(ctx, prov, toUserID); err != nil {
			if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
				return nil, &errs.Error{Code: errs.NotFound, Message: "toUserId is not a user of this partner", Field: "toUserId"}
			}
			return nil, err
		}
	}
	return o.svc.Copy(ctx, userID, receiptID, toUserID)
}
