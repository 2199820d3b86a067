// Package resolvers is the GraphQL door: gqlgen's field resolvers over the
// application layer (app/), global ids, Relay connections, dataloaders and
// the mapping of domain errors to userErrors. It holds no rule of its own:
// every operation it calls authorizes the principal itself.
package resolvers

import (
	"loyaltygraph/app"
	"loyaltygraph/app/cards"
	"loyaltygraph/app/checkout"
	"loyaltygraph/app/live"
	"loyaltygraph/app/loyalty"
	"loyaltygraph/app/merchants"
	"loyaltygraph/app/notifications"
	"loyaltygraph/app/receipts"
	"loyaltygraph/app/settlements"
	"loyaltygraph/app/terms"
	"loyaltygraph/app/users"
)

// Resolver holds the operations every resolver calls.
type Resolver struct {
	MerchantOps   *merchants.Ops
	SettlementOps *settlements.Ops
	UserOps       *users.Ops
	NotifyOps     *notifications.Ops
	ReceiptOps    *receipts.Ops
	TermsOps      *terms.Ops
	// ProfileOps are merchants' public profiles and logos.
	ProfileOps *merchants.ProfileOps
	// LoyaltyOps are Open Loyalty's customers and logins (seed 003).
	LoyaltyOps *loyalty.Ops
	// PublicBaseURL is where the service is reached; logo URLs start with it.
	PublicBaseURL string
	CardOps       *cards.Ops
	// CheckoutOps are Centra's checkout accounts and sessions (seed 004).
	CheckoutOps *checkout.Ops
	// LiveOps are the subscriptions.
	LiveOps *live.Ops
}

// New returns the root resolver over the application layer's operations.
func New(ops app.Ops) *Resolver {
	return &Resolver{MerchantOps: ops.Merchants, SettlementOps: ops.Settlements, UserOps: ops.Users,
		NotifyOps: ops.Notifications, ReceiptOps: ops.Receipts, TermsOps: ops.Terms, ProfileOps: ops.MerchantProfiles,
		CardOps:    ops.Cards,
		LoyaltyOps: ops.Loyalty, CheckoutOps: ops.Checkout, LiveOps: ops.Live}
}
