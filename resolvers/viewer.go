package resolvers

import (
	"context"

	"loyaltygraph/domain/auth"
	"loyaltygraph/resolvers/gqltypes"
)

// me finds the person of the request's end-user credential (Query.me): a
// User API access token first (alone or with its partner's credentials),
// else an Open Loyalty customer token, else a checkout session (API-Token)
// that is logged in; nil without any. Each is read through the operation
// its own REST door calls (users.Viewer, loyalty.Customer, checkout.Current),
// so each reaches what that door shows it and nothing more; the Viewer's
// fields then follow the same credential (viewerResolver).
func (r *Resolver) me(ctx context.Context) (*gqltypes.Viewer, error) {
	p := auth.FromContext(ctx)
	switch {
	case p.Is(auth.KindUser, auth.KindPartner) && p.UserID != "":
		u, err := nullIfNotFound(r.UserOps.Viewer(ctx))
		if err != nil || u == nil {
			return nil, err
		}
		return &gqltypes.Viewer{Credential: gqltypes.ViewerUserToken, User: u}, nil
	case p.Is(auth.KindCustomer):
		c, err := nullIfNotFound(r.LoyaltyOps.Customer(ctx, p.StoreCode, p.CustomerID))
		if err != nil || c == nil {
			return nil, err
		}
		return &gqltypes.Viewer{Credential: gqltypes.ViewerCustomerToken, Customer: c}, nil
	}
	// No new session is opened for a token that names none.
	st, err := r.checkoutCurrent(ctx)
	if err != nil || !st.LoggedIn() {
		return nil, err
	}
	return &gqltypes.Viewer{Credential: gqltypes.ViewerCheckoutSession, Checkout: st}, nil
}
