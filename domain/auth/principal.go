// Package auth holds who is calling (the principal), the credentials that
// operators create for partners, settlement clients, admins and sellers, and
// the rules for checking them.
package auth

import "context"

// Kind is the kind of a credential and of the principal it authenticates.
type Kind string

// The credential kinds an operator can create.
const (
	KindPartner    Kind = "partner"
	KindSettlement Kind = "settlement"
	KindAdmin      Kind = "admin"
	KindSeller     Kind = "seller"
	// KindPOS is a merchant's till: it posts receipts for the one
	// merchant its credential is bound to.
	KindPOS Kind = "pos"
)

// KindCustomer is an Open Loyalty customer holding a token from
// /api/customer/login_check (seed 003): it reaches only itself, in its
// store. Like KindUser, it is a principal kind, not a credential kind.
const KindCustomer Kind = "customer"

// KindUser is an end user holding an access token from the OTP login. It
// is a principal kind, not a credential kind: operators cannot create it.
const KindUser Kind = "user"

// Kinds lists the credential kinds that CreateCredential makes, in the
// order the CLI documents them. KindPOS, bound to a merchant, is made by
// CreatePOSCredential.
var Kinds = []Kind{KindPartner, KindSettlement, KindAdmin, KindSeller}

// Valid reports whether k is a known credential kind.
func (k Kind) Valid() bool {
	switch k {
	case KindPartner, KindSettlement, KindAdmin, KindSeller, KindPOS:
		return true
	}
	return false
}

// Principal is the authenticated caller of one request.
type Principal struct {
	// CredentialID is the id of the credential that authenticated the caller.
	CredentialID int64
	Kind         Kind
	Name         string
	Username     string
	// UserID and ProviderID are set for end users: the user, and the
	// partner credential that owns it. A partner whose request also carries
	// an end user's token (X-Storebox-user-token) has them set too: the
	// request is narrowed to that user of the partner.
	UserID     string
	ProviderID int64
	// MerchantID is set for POS principals: the merchant the till posts
	// receipts for.
	MerchantID string
	// KeyWrapped is set when a partner authenticated with a JWT-wrapped key,
	// the credential of an app in a hostile environment (seed 000): it
	// reaches a user only with that user's token.
	KeyWrapped bool
	// CustomerID and StoreCode are set for Open Loyalty customers: the
	// customer and the store it belongs to.
	CustomerID string
	StoreCode  string
}

// IsAdmin reports whether p is an admin.
func (p *Principal) IsAdmin() bool { return p != nil && p.Kind == KindAdmin }

// Is reports whether p is of one of the given kinds.
func (p *Principal) Is(kinds ...Kind) bool {
	if p == nil {
		return false
	}
	for _, k := range kinds {
		if p.Kind == k {
			return true
		}
	}
	return false
}

type principalKey struct{}

// WithPrincipal returns a context that carries p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of the request, or nil when the caller
// is anonymous.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

type refusalKey struct{}

// WithRefusal records that the credentials presented with a request were
// refused (or could not be checked), so that each edge answers in its own
// shape instead of treating the caller as anonymous.
func WithRefusal(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, refusalKey{}, err)
}

// RefusalFrom returns the refusal recorded by WithRefusal, if any.
func RefusalFrom(ctx context.Context) error {
	err, _ := ctx.Value(refusalKey{}).(error)
	return err
}
