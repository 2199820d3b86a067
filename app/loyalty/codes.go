package loyalty

import (
	"context"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
)

// ActivateByToken activates the customer of store whose activation token
// this is (sent by e-mail at registration), setting its password when one
// is given; client is the caller's address, which wrong tokens count
// against.
func (o *Ops) ActivateByToken(ctx context.Context, store, client, token string, password *string) error {
	if _, err := policy.Authorize(ctx, "ActivateByToken"); err != nil {
		return err
	}
	return o.codes.ActivateByToken(ctx, store, client, token, password)
}

// ActivateBySMS activates the customer of store whose SMS activation code
// this is, and marks its phone verified; client is the caller's address,
// which wrong codes count against.
func (o *Ops) ActivateBySMS(ctx context.Context, store, client, code string) error {
	if _, err := policy.Authorize(ctx, "ActivateBySMS"); err != nil {
		return err
	}
	return o.codes.ActivateBySMS(ctx, store, client, code)
}

// SendActivationSMS sends an SMS activation code to the phone of a
// customer of store. For a customer, id may be empty: itself.
func (o *Ops) SendActivationSMS(ctx context.Context, store, id string) error {
	p, err := policy.Authorize(ctx, "SendActivationSMS")
	if err != nil {
		return err
	}
	if id == "" && p.Is(auth.KindCustomer) {
		id = p.CustomerID
	}
	if err := reach(p, store, id); err != nil {
		return err
	}
	return o.codes.SendActivationSMS(ctx, store, id)
}

// ConfirmPhoneChange makes the phone that code was sent to (by the
// customer's own update) its login phone, verified.
func (o *Ops) ConfirmPhoneChange(ctx context.Context, store, code string) error {
	p, err := policy.Authorize(ctx, "ConfirmPhoneChange")
	if err != nil {
		return err
	}
	if p.CustomerID == "" {
		return errs.ErrForbidden
	}
	if err := reach(p, store, p.CustomerID); err != nil {
		return err
	}
	return o.codes.ConfirmPhoneChange(ctx, store, p.CustomerID, code)
}
