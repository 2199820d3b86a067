package wire

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	apployalty "loyaltygraph/app/loyalty"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
)

// demoLoyaltyPoints are the points the demo user's loyalty customer starts
// with.
const demoLoyaltyPoints = "120"

// demoLoyaltyEmail is the demo user's loyalty customer's e-mail address.
const demoLoyaltyEmail = "demo-user@example.com"

// loadDemoViewer gives the demo user a loyalty customer (the store of
// users' customers, with the user's phone number, a password and some
// points), links the demo checkout account to it, and issues its access
// token, so that the viewer query shows the whole graph. Loading it again
// finds the customer instead of adding one and proves the link again.
//
// The customer is registered with a password: staff registering a
// customer without one send it an activation token, kept in Redis, which
// the demo command does not open; with a password there is nothing to
// activate, and the customer can log in (Query.me with a customer token).
func (a *App) loadDemoViewer(ctx context.Context, d *Demo) error {
	partner, err := a.Auth.AuthenticateBasic(ctx, "demo-partner", a.demoSecret("demo-partner"))
	if err != nil {
		return fmt.Errorf("demo partner: %w", err)
	}
	if d.UserToken, err = a.demo.userTokens.Issue(d.UserID, demoUserPhone, partner.CredentialID); err != nil {
		return fmt.Errorf("demo user token: %w", err)
	}
	if err := a.loadDemoLoyaltyCustomer(ctx, d); err != nil {
		return err
	}
	// The demo user proves the demo checkout account's login, as
	// linkCheckoutAccount does; someone who changed the account's
	// password, or linked it to another user, keeps it.
	_, err = a.demo.checkout.LinkAccount(ctx, d.UserID, "", d.CheckoutEmail, d.CheckoutPassword)
	if err != nil && !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.Conflict) {
		return fmt.Errorf("demo checkout link: %w", err)
	}
	d.CheckoutLinked = err == nil
	return nil
}

// loadDemoLoyaltyCustomer finds or registers the demo user's loyalty
// customer.
func (a *App) loadDemoLoyaltyCustomer(ctx context.Context, d *Demo) error {
	admin := auth.WithPrincipal(ctx, &auth.Principal{Kind: auth.KindAdmin, Name: "demo"})
	phone := "+" + demoUserPhone
	d.LoyaltyEmail, d.LoyaltyPassword = demoLoyaltyEmail, a.demoSecret("loyalty customer")
	found, _, err := a.Ops.Loyalty.Customers(admin, apployalty.UserStore, loyalty.Filter{Phone: &phone, Strict: true, Limit: 1})
	if err != nil {
		return fmt.Errorf("demo loyalty customer: %w", err)
	}
	if len(found) > 0 {
		d.LoyaltyCustomerID = found[0].ID
		return nil
	}
	first, last, email, yes := "Demo", "User", d.LoyaltyEmail, true
	c, err := a.Ops.Loyalty.Register(admin, apployalty.UserStore, loyalty.Fields{FirstName: &first, LastName: &last,
		Email: &email, Phone: &phone, Agreement1: &yes, PlainPassword: &d.LoyaltyPassword})
	if errs.Is(err, errs.Conflict) {
		d.LoyaltyEmail, d.LoyaltyPassword = "", ""
		return nil // the address is someone else's: no loyalty for the demo viewer
	}
	if err != nil {
		return fmt.Errorf("demo loyalty customer: %w", err)
	}
	d.LoyaltyCustomerID = c.ID
	if _, err := a.Ops.Loyalty.RecordPoints(admin, apployalty.UserStore, c.ID, loyalty.PointsInput{Kind: loyalty.TransferAdd,
		Points: decimal.RequireFromString(demoLoyaltyPoints), Comment: "demo"}); err != nil {
		return fmt.Errorf("demo loyalty points: %w", err)
	}
	return nil
}
