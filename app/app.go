// Package app is the application layer: the one room behind both doors.
// Each sub-package serves one bounded context (merchants, settlements,
// users, notifications, receipts); every operation in it authorizes the principal by
// the rule declared for it (app/authz), validates, and makes the domain
// call. It imports the domain and nothing of HTTP, GraphQL, PostgreSQL or
// Redis; the GraphQL resolvers and the REST families call it alike.
package app

import (
	"slices"

	"loyaltygraph/app/cards"
	"loyaltygraph/app/checkout"
	"loyaltygraph/app/live"
	"loyaltygraph/app/loyalty"
	"loyaltygraph/app/merchants"
	"loyaltygraph/app/metrics"
	"loyaltygraph/app/notifications"
	"loyaltygraph/app/receipts"
	"loyaltygraph/app/settlements"
	"loyaltygraph/app/terms"
	"loyaltygraph/app/users"
	domaincheckout "loyaltygraph/domain/checkout"
	domainloyalty "loyaltygraph/domain/loyalty"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/domain/user"
)

// Ops are the operations of every context.
type Ops struct {
	Merchants     *merchants.Ops
	Settlements   *settlements.Ops
	Users         *users.Ops
	Notifications *notifications.Ops
	Receipts      *receipts.Ops
	Terms         *terms.Ops
	// MerchantProfiles are merchants' public profiles and logos.
	MerchantProfiles *merchants.ProfileOps
	Cards            *cards.Ops
	// Loyalty are Open Loyalty's customers, logins and tokens (seed 003).
	Loyalty *loyalty.Ops
	// Checkout are Centra's checkout accounts and sessions (seed 004).
	Checkout *checkout.Ops
	// Live are the subscriptions (issue 11).
	Live *live.Ops
	// Metrics decides who reads the service's metrics (issue 12).
	Metrics *metrics.Ops
}

// Services are the domain services the operations call.
type Services struct {
	Partners   users.Partners
	Merchant   *merchant.Service
	User       *user.Service
	Notify     *notify.Service
	Settlement *settlement.Service
	Receipt    *receipt.Service
	Terms      *merchant.TermsService
	// ReceiptOptions add the receipts' HTML view signatures, PDF rendering
	// and PDF sessions.
	ReceiptOptions []receipts.Option
	// Profiles and Messages serve merchants' profiles and logos and
	// marketing messages (seed 001).
	Profiles *merchant.Profiles
	Messages *receipt.Messages
	// CardPartners open partners' salts for card frames; PublicBaseURL is
	// where browsers reach the service.
	CardPartners  cards.Partners
	PublicBaseURL string
	// Customers and Sessions serve Open Loyalty (seed 003).
	Customers *domainloyalty.Service
	Sessions  *domainloyalty.Sessions
	Points    *domainloyalty.Points
	Extras    *domainloyalty.Extras
	Avatars   *domainloyalty.Avatars
	Codes     *domainloyalty.Codes
	// Credentials check admins' and sellers' logins (auth.Service).
	Credentials loyalty.Credentials
	// Checkout serves Centra's checkout accounts (seed 004).
	Checkout *domaincheckout.Service
	// Feed hands live events to subscriptions (redis.LiveFeed).
	Feed notify.Feed
}

// New returns the operations over the domain services.
func New(s Services) Ops {
	settlementOps, receiptOpts := settlements.New(s.Settlement, s.Merchant), slices.Clip(s.ReceiptOptions)
	if s.Points != nil {
		// Receipts and settled transactions of app users earn points for
		// their linked loyalty customers (seed 003).
		settlements.WithPurchases(settlementOps, s.Points)
		receiptOpts = append(receiptOpts, receipts.WithPurchases(s.Points))
	}
	ops := Ops{
		Merchants:        merchants.New(s.Merchant),
		Settlements:      settlementOps,
		Users:            users.New(s.User, s.Partners),
		Notifications:    notifications.New(s.Notify),
		Receipts:         receipts.WithMarketing(receipts.New(s.Receipt, s.User, s.Merchant, receiptOpts...), s.Messages, s.Profiles),
		Terms:            terms.New(s.Terms),
		MerchantProfiles: merchants.NewProfileOps(s.Profiles),
		Cards:            cards.New(s.User, s.CardPartners, s.PublicBaseURL),
		Loyalty:          loyalty.New(s.Customers, s.Sessions, s.Credentials, s.Points, s.Extras, s.Avatars, s.Codes),
		Checkout:         checkout.New(s.Checkout),
		Metrics:          metrics.New(),
	}
	ops.Live = live.New(s.Feed, ops.Users, ops.Receipts, ops.Settlements)
	return ops
}
