// Package terms is the application layer of the user terms of the Receipt
// Data API (seed 001): admins publish terms per language and day; anyone
// reads the terms valid today or on a given day, without credentials.
package terms

import (
	"context"
	"time"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/merchant"
)

// Ops are the terms operations.
type Ops struct {
	svc *merchant.TermsService
}

// New returns the terms operations.
func New(svc *merchant.TermsService) *Ops { return &Ops{svc: svc} }

var policy = authz.NewPolicy("terms", map[string]authz.Rule{
	// SECURITY: terms are what every user agrees to: admins only publish.
	"Publish": authz.Allow(authz.ScopeAll, auth.KindAdmin),
	// Terms are public text: the seed reads them without credentials.
	"Find": authz.Rule{Public: true, Scope: authz.ScopeAll},
})

// Policy returns the rules of the terms operations.
func Policy() *authz.Policy { return policy }

// Publish stores terms in lang valid from the day validFrom.
func (o *Ops) Publish(ctx context.Context, lang string, validFrom time.Time, title, body string) (*merchant.Terms, error) {
	if _, err := policy.Authorize(ctx, "Publish"); err != nil {
		return nil, err
	}
	return o.svc.Publish(ctx, lang, validFrom, title, body)
}

// Find returns the terms in lang (en when empty or without terms) valid on
// date, today (UTC) when nil.
func (o *Ops) Find(ctx context.Context, lang string, date *time.Time) (*merchant.Terms, error) {
	if _, err := policy.Authorize(ctx, "Find"); err != nil {
		return nil, err
	}
	return o.svc.Find(ctx, lang, date)
}
