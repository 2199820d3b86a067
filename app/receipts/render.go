package receipts

import (
	"context"
	"loyaltygraph/app/authz"
	"net/url"
	"strings"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/domain/user"
)

// PartnerSecrets gives a partner's secret, to check what the partner
// signed with it (auth.Service: the secret is sealed with the server key).
type PartnerSecrets interface {
	// PartnerSecret returns the partner with username and its secret.
	PartnerSecret(ctx context.Context, username string) (*auth.Principal, []byte, error)
}

// Renderer renders a receipt as a PDF document (render/receiptpdf).
type Renderer interface {
	// PDF renders r with the static texts of lang (English when unknown).
	PDF(r *receipt.Receipt, lang string) ([]byte, error)
}

// Option configures the receipt operations beyond the receipts
// themselves.
type Option func(*Ops)

// WithPartnerSecrets lets the view by external id check the partner's
// signature.
func WithPartnerSecrets(s PartnerSecrets) Option { return func(o *Ops) { o.secrets = s } }

// WithPDF lets receipts be rendered as PDF documents, and PDF sessions be
// made and checked. publicBaseURL ("https://rda.example.com") prefixes
// the download URL of a session; empty leaves the URL relative.
func WithPDF(r Renderer, sessions *receipt.PDFSessions, publicBaseURL string) Option {
	return func(o *Ops) {
		o.renderer, o.sessions, o.publicBaseURL = r, sessions, strings.TrimRight(publicBaseURL, "/")
	}
}

var (
	// partners view receipts by external id with their own signature.
	partners = authz.Allow(authz.ScopeOwnUsers, auth.KindPartner)
	// sessionHolders hold a PDF session id: the id is the capability.
	sessionHolders = authz.Public()
)

// errNoPDF answers when the service was built without a renderer.
var errNoPDF = errs.E(errs.Unavailable, "PDF receipts are not available")

// ViewExternal returns the receipt that the till posted with externalID
// and idType, as one of the calling partner's users has it (the user of
// the request's user token, when there is one), for the HTML view.
//
// SECURITY: signature must be the Base64 HMAC-SHA256, keyed with the
// partner's secret, of "externalID:idType", so that an end user cannot
// change the parameters the partner's server signed: missing or wrong is
// forbidden (checked in constant time). A receipt that none of the
// partner's users has is not found, whoever has it.
func (o *Ops) ViewExternal(ctx context.Context, externalID, idType, signature string) (*receipt.Receipt, error) {
	p, err := policy.Authorize(ctx, "ViewExternal")
	if err != nil {
		return nil, err
	}
	if err := receipt.CheckExternalRef(externalID, idType); err != nil {
		return nil, err
	}
	if o.secrets == nil {
		return nil, errs.E(errs.Unavailable, "signatures cannot be checked")
	}
	_, secret, err := o.secrets.PartnerSecret(ctx, p.Username)
	if errs.Is(err, errs.Unauthenticated) {
		return nil, receipt.ErrBadSignature
	}
	if err != nil {
		return nil, err
	}
	if err := receipt.VerifyExternalSignature(secret, externalID, idType, signature); err != nil {
		return nil, err
	}
	return o.svc.FindByExternalID(ctx, p.CredentialID, p.UserID, externalID, idType)
}

// PDF renders one of the user's receipts as a PDF document with the
// static texts of lang (da, no, sv, fi or en; English when unknown).
func (o *Ops) PDF(ctx context.Context, userID, receiptID, lang string) ([]byte, error) {
	_, userID, err := o.reachUser(ctx, "PDF", userID)
	if err != nil {
		return nil, err
	}
	if o.renderer == nil {
		return nil, errNoPDF
	}
	r, err := o.svc.Find(ctx, userID, receiptID)
	if err != nil {
		return nil, err
	}
	return o.renderer.PDF(r, lang)
}

// PDFLink is a PDF session: the download URL of one receipt's PDF that
// needs no credentials until ExpiresAt.
type PDFLink struct {
	SessionID string
	// URL is absolute when a public base URL is configured, else a path.
	URL       string
	ExpiresAt time.Time
}

// CreatePDFSession makes a PDF session for one of the user's receipts
// (seed 001: 15 minutes).
func (o *Ops) CreatePDFSession(ctx context.Context, userID, receiptID string) (*PDFLink, error) {
	prov, userID, err := o.reachUser(ctx, "CreatePDFSession", userID)
	if err != nil {
		return nil, err
	}
	if o.sessions == nil || o.renderer == nil {
		return nil, errNoPDF
	}
	if _, err := o.svc.Find(ctx, userID, receiptID); err != nil {
		return nil, err
	}
	s, err := o.sessions.Create(ctx, prov.ID, userID, receiptID)
	if err != nil {
		return nil, err
	}
	u := o.publicBaseURL + "/receipt-data/v1/users/" + url.PathEscape(userID) + "/receipts/" +
		url.PathEscape(receiptID) + "/pdf/" + s.ID
	return &PDFLink{SessionID: s.ID, URL: u, ExpiresAt: s.ExpiresAt}, nil
}

// PDFBySession renders the receipt of a PDF session, without credentials.
//
// SECURITY: the session id is the capability; it must be alive and made
// for this user's receipt (else forbidden), and the user must still be the
// partner's and have the receipt.
func (o *Ops) PDFBySession(ctx context.Context, userID, receiptID, sessionID, lang string) ([]byte, error) {
	if _, err := policy.Authorize(ctx, "PDFBySession"); err != nil {
		return nil, err
	}
	if o.sessions == nil || o.renderer == nil {
		return nil, errNoPDF
	}
	s, err := o.sessions.Check(ctx, sessionID, userID, receiptID)
	if err != nil {
		return nil, err
	}
	if _, err := o.users.Find(ctx, user.Provider{ID: s.ProviderID}, s.UserID); err != nil {
		if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
			return nil, receipt.ErrBadPDFSession
		}
		return nil, err
	}
	r, err := o.svc.Find(ctx, s.UserID, s.ReceiptID)
	if err != nil {
		return nil, err
	}
	return o.renderer.PDF(r, lang)
}
