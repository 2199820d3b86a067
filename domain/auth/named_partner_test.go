package auth_test

import (
	"context"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
)

// TestNamedPartner: the partner an admin names by username; a missing name,
// an unknown one and a credential of another kind are invalid input
// naming partnerUsername.
func TestNamedPartner(t *testing.T) {
	svc, _, _ := newGuardedService(t, nil)
	ctx := context.Background()
	partner, err := svc.CreateCredential(ctx, auth.KindPartner, "named")
	if err != nil {
		t.Fatal(err)
	}
	settlement, err := svc.CreateCredential(ctx, auth.KindSettlement, "not a partner")
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.NamedPartner(ctx, partner.Username)
	if err != nil || p.Kind != auth.KindPartner || p.Username != partner.Username {
		t.Fatalf("NamedPartner(%q) = %+v, %v", partner.Username, p, err)
	}
	for _, name := range []string{"", "nobody", settlement.Username} {
		_, err := svc.NamedPartner(ctx, name)
		if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Field != "partnerUsername" {
			t.Errorf("NamedPartner(%q): %v, want invalid partnerUsername", name, err)
		}
	}
}
