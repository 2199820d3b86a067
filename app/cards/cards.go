// Package cards is the application layer of the cards of seed 001: the
// card frame (opened by a partner-signed URL, submitted by the end user's
// browser, with its Strong Customer Authentication step), the cards of a
// user, BankAxept cards and their encryption providers, for both doors.
// Each operation authorizes the principal by its rule in policy.
package cards

import (
	"context"
	"net/url"
	"strings"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/card"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/user"
)

// Partners finds partner credentials and opens their salts.
type Partners interface {
	// NamedPartner returns the partner an admin names by username; a
	// missing or unknown name is invalid input naming partnerUsername.
	NamedPartner(ctx context.Context, username string) (*auth.Principal, error)
	// PartnerSalt returns the partner with username and its plain salt;
	// anything else is Unauthenticated.
	PartnerSalt(ctx context.Context, username string) (*auth.Principal, []byte, error)
}

// Ops are the card operations.
type Ops struct {
	svc      *user.Service
	partners Partners
	// frameURL is the public URL of the card frame.
	frameURL string
}

// New returns the card operations; publicBaseURL is where browsers reach
// the service (for the card frame URLs it signs).
func New(svc *user.Service, partners Partners, publicBaseURL string) *Ops {
	return &Ops{svc: svc, partners: partners, frameURL: strings.TrimRight(publicBaseURL, "/") + FramePath}
}

// FramePath is the path of the card frame (seed 001).
const FramePath = "/receipt-data/v1/cardframe/url"

var (
	partners   = authz.Allow(authz.ScopeOwnUsers, auth.KindPartner)
	userOwners = authz.Allow(authz.ScopeOwnUsers, auth.KindPartner, auth.KindUser)
	admins     = authz.Allow(authz.ScopeAll, auth.KindAdmin)
)

var policy = authz.NewPolicy("cards", map[string]authz.Rule{
	"List": userOwners, "Delete": userOwners, "AddBankAxept": userOwners,
	"BankAxeptPublicKey":       authz.Allow(authz.ScopeAll, auth.KindPartner, auth.KindUser, auth.KindAdmin),
	"CreateEncryptionProvider": admins, "SetSCA": admins,
	"CreateFrameURL": partners,
	// The card frame runs in the end user's browser: the partner's hash
	// (opening), the sealed frame token (submitting) and the pending id
	// (verification) are the capabilities.
	"Frame": authz.Public(), "SubmitFrame": authz.Public(), "CompleteSCA": authz.Public(),
})

// Policy returns the rules of the card operations.
func Policy() *authz.Policy { return policy }

// userScope checks op's rule and returns the partner through which the
// caller reaches userID (as app/users does).
// SECURITY: a partner reaches its own users, an end user itself; any other
// user is not found. A partner with a JWT-wrapped key needs the user's
// token.
func userScope(ctx context.Context, op, userID string) (user.Provider, error) {
	p, err := policy.Authorize(ctx, op)
	if err != nil {
		return user.Provider{}, err
	}
	if p.Kind == auth.KindPartner && p.KeyWrapped && p.UserID == "" {
		return user.Provider{}, errs.E(errs.Forbidden, "X-Storebox-user-token is required with a JWT-wrapped key")
	}
	if p.UserID != "" && p.UserID != userID {
		return user.Provider{}, errs.NotFoundf("user not found")
	}
	if p.Kind == auth.KindUser {
		return user.Provider{ID: p.ProviderID}, nil
	}
	return user.Provider{ID: p.CredentialID, Name: p.Name}, nil
}

// List returns every card of a user (User API, card frame, BankAxept).
func (o *Ops) List(ctx context.Context, userID string) ([]*user.Card, error) {
	p, err := userScope(ctx, "List", userID)
	if err != nil {
		return nil, err
	}
	return o.svc.UserCards(ctx, p, userID)
}

// Delete removes a card of a user.
func (o *Ops) Delete(ctx context.Context, userID, cardID string) error {
	p, err := userScope(ctx, "Delete", userID)
	if err != nil {
		return err
	}
	return o.svc.DeleteCard(ctx, p, userID, cardID)
}

// AddBankAxept adds an encrypted BankAxept card to a user.
func (o *Ops) AddBankAxept(ctx context.Context, userID string, in user.BankAxeptInput) (*user.Card, error) {
	p, err := userScope(ctx, "AddBankAxept", userID)
	if err != nil {
		return nil, err
	}
	return o.svc.AddBankAxeptCard(ctx, p, userID, in)
}

// BankAxeptPublicKey returns an encryption provider's public key (PEM).
func (o *Ops) BankAxeptPublicKey(ctx context.Context, encryptionProvider string) (string, error) {
	if _, err := policy.Authorize(ctx, "BankAxeptPublicKey"); err != nil {
		return "", err
	}
	return o.svc.BankAxeptPublicKey(ctx, encryptionProvider)
}

// CreateEncryptionProvider makes a BankAxept encryption provider.
func (o *Ops) CreateEncryptionProvider(ctx context.Context, name string) (*user.EncryptionProvider, error) {
	if _, err := policy.Authorize(ctx, "CreateEncryptionProvider"); err != nil {
		return nil, err
	}
	return o.svc.CreateEncryptionProvider(ctx, name)
}

// SetSCA turns Strong Customer Authentication of a partner's card frame
// on or off (seed 001: "contact Storebox").
func (o *Ops) SetSCA(ctx context.Context, partnerUsername string, enabled bool) error {
	if _, err := policy.Authorize(ctx, "SetSCA"); err != nil {
		return err
	}
	target, err := o.partners.NamedPartner(ctx, partnerUsername)
	if err != nil {
		return err
	}
	return o.svc.SetSCA(ctx, target.CredentialID, enabled)
}

// FrameURLInput are the URLs a partner's card frame uses.
type FrameURLInput struct {
	AcceptURL, DeclineURL, CSSURL, LanguageURL string
}

// CreateFrameURL signs a card frame URL for one of the calling partner's
// users, with the partner's salt, for a backend that would rather not
// sign it itself.
func (o *Ops) CreateFrameURL(ctx context.Context, userID string, in FrameURLInput) (string, error) {
	p, err := policy.Authorize(ctx, "CreateFrameURL")
	if err != nil {
		return "", err
	}
	if p.KeyWrapped {
		// SECURITY: an app in a hostile environment gets no signed frame
		// for a user it did not prove to be.
		if p.UserID == "" || p.UserID != userID {
			return "", errs.E(errs.Forbidden, "X-Storebox-user-token of this user is required with a JWT-wrapped key")
		}
	}
	partner, salt, err := o.partners.PartnerSalt(ctx, p.Username)
	if err != nil {
		return "", err
	}
	params := card.FrameParams{Provider: p.Username, UserID: userID, AcceptURL: in.AcceptURL, DeclineURL: in.DeclineURL,
		CSSURL: in.CSSURL, LanguageURL: in.LanguageURL}
	if _, _, err := o.svc.OpenFrame(ctx, user.Provider{ID: partner.CredentialID, Name: partner.Name}, params); err != nil {
		if e := errs.As(err); e.Field == "id" {
			e2 := *e
			e2.Field = "userId"
			return "", &e2
		}
		return "", err
	}
	q := url.Values{}
	q.Set("provider", params.Provider)
	q.Set("id", params.UserID)
	q.Set("accepturl", params.AcceptURL)
	if params.DeclineURL != "" {
		q.Set("declineurl", params.DeclineURL)
	}
	q.Set("cssurl", params.CSSURL)
	if params.LanguageURL != "" {
		q.Set("languageurl", params.LanguageURL)
	}
	q.Set("hash", card.FrameHash(salt, params))
	q.Set("type", "card")
	return o.frameURL + "?" + q.Encode(), nil
}

// errFrameHash answers a frame URL whose hash does not verify, or whose
// provider is unknown, alike.
var errFrameHash = errs.E(errs.Forbidden, "the card frame URL is not signed by this provider")

// Frame opens the card frame of a partner-signed URL: the hash must verify
// with the provider's salt (else Forbidden), and id must be a user of that
// provider (else not found). It returns the session and its signed token.
func (o *Ops) Frame(ctx context.Context, params card.FrameParams, hash string) (*user.FrameSession, string, error) {
	if _, err := policy.Authorize(ctx, "Frame"); err != nil {
		return nil, "", err
	}
	if params.Provider == "" {
		return nil, "", errs.InvalidField("provider", "provider is required")
	}
	if hash == "" {
		return nil, "", errs.InvalidField("hash", "hash is required")
	}
	partner, salt, err := o.partners.PartnerSalt(ctx, params.Provider)
	if errs.Is(err, errs.Unauthenticated) {
		return nil, "", errFrameHash
	}
	if err != nil {
		return nil, "", err
	}
	// SECURITY: the hash is checked in constant time before anything else
	// of the request is looked at.
	if !card.FrameHashOK(salt, params, hash) {
		return nil, "", errFrameHash
	}
	return o.svc.OpenFrame(ctx, user.Provider{ID: partner.CredentialID, Name: partner.Name}, params)
}

// SubmitFrame takes the card entered in the frame of token and returns
// where the browser goes next.
func (o *Ops) SubmitFrame(ctx context.Context, token string, in card.Entered) (*user.FrameSession, string, error) {
	if _, err := policy.Authorize(ctx, "SubmitFrame"); err != nil {
		return nil, "", err
	}
	return o.svc.SubmitFrame(ctx, token, in)
}

// CompleteSCA ends the verification of a pending card and returns where
// the browser goes next.
func (o *Ops) CompleteSCA(ctx context.Context, id string, approved bool) (string, error) {
	if _, err := policy.Authorize(ctx, "CompleteSCA"); err != nil {
		return "", err
	}
	return o.svc.CompleteSCA(ctx, id, approved)
}
