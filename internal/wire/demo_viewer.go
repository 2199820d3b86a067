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

// loadDemoViewer gives the demo user a loyalty customer (the store of
// users' customers, with the user's phone number and some points) and an
// access token, so that the viewer query shows the whole graph. Loading it
// again finds the customer instead of adding one.
func (a *App) loadDemoViewer(ctx context.Context, d *Demo) error {
	partner, err := a.Auth.AuthenticateBasic(ctx, "demo-partner", a.demoSecret("demo-partner"))
	if err != nil {
		return fmt.Errorf("demo partner: %w", err)
	}
	if d.UserToken, err = a.demo.userTokens.Issue(d.UserID, demoUserPhone, partner.CredentialID); err != nil {
		return fmt.Errorf("demo user token: %w", err)
	}
	admin := auth.WithPrincipal(ctx, &auth.Principal{Kind: auth.KindAdmin, Name: "demo"})
	phone := "+" + demoUserPhone
	found, _, err := a.Ops.Loyalty.Customers(admin, apployalty.UserStore, loyalty.Filter{Phone: &phone, Strict: true, Limit: 1})
	if err != nil {
		return fmt.Errorf("demo loyalty customer: %w", err)
	}
	if len(found) > 0 {
		d.LoyaltyCustomerID = found[0].ID
		return nil
	}
	first, last, email, yes := "Demo", "User", "demo-user@example.com", true
	c, err := a.Ops.Loyalty.Register(admin, apployalty.UserStore, loyalty.Fields{FirstName: &first, LastName: &last,
		Email: &email, Phone: &phone, Agreement1: &yes})
	if errs.Is(err, errs.Conflict) {
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
