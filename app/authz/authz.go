// Package authz is the one mechanism by which the application layer
// authorizes its operations. Each package of the application layer declares
// a Policy: one Rule per exported operation, naming the principal kinds that
// may call it and the scope the operation then reaches. Every operation
// starts with Policy.Authorize(ctx, "OperationName"); a test walks every
// exported operation with every kind of principal (authztest.Walk) and fails
// when an operation has no rule, checks another operation's rule, or answers
// differently from its rule.
package authz

import (
	"context"
	"slices"
	"sort"
	"strings"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
)

// Scope says which objects an allowed principal reaches through an
// operation. The kinds are checked by Authorize; the scope is enforced by
// the operation's domain call, which takes the principal's identity (the
// partner that owns a user, the settlement client that owns a merchant).
type Scope string

// The scopes of the application layer.
const (
	// ScopeAll: everything the operation lists or names (admins, or
	// objects that belong to no tenant).
	ScopeAll Scope = "all"
	// ScopeOwnUsers: a partner reaches the users it created (their cards,
	// link codes, settings); an end user reaches only itself.
	ScopeOwnUsers Scope = "own users"
	// ScopeOwnMerchants: a settlement client reaches the merchants it
	// created and everything under them; an admin reaches all.
	ScopeOwnMerchants Scope = "own merchants"
	// ScopeOwnCredential: what belongs to the calling credential itself
	// (its notification endpoints, its settings).
	ScopeOwnCredential Scope = "own credential"
	// ScopeCapability: no principal; the input is the capability (the
	// link code of a signup SMS).
	ScopeCapability Scope = "capability"
)

// Rule is the authorization rule of one operation.
type Rule struct {
	// Kinds are the principal kinds that may call the operation. Empty
	// with Public set means anyone, anonymous callers included.
	Kinds []auth.Kind
	// Public operations need no principal: their input is the capability.
	Public bool
	// Scope is what an allowed principal reaches.
	Scope Scope
}

// Allow returns the rule that lets principals of kinds call an operation
// within scope.
func Allow(scope Scope, kinds ...auth.Kind) Rule { return Rule{Kinds: kinds, Scope: scope} }

// Public returns the rule of an operation that anyone may call because its
// input is the capability.
func Public() Rule { return Rule{Public: true, Scope: ScopeCapability} }

// Allows reports whether a principal of kind k (nil for anonymous) passes
// the rule.
func (r Rule) Allows(p *auth.Principal) bool {
	if r.Public {
		return true
	}
	return p != nil && slices.Contains(r.Kinds, p.Kind)
}

// String describes the rule for documentation and test output.
func (r Rule) String() string {
	if r.Public {
		return "anyone (" + string(r.Scope) + ")"
	}
	kinds := make([]string, len(r.Kinds))
	for i, k := range r.Kinds {
		kinds[i] = string(k)
	}
	return strings.Join(kinds, ", ") + " (" + string(r.Scope) + ")"
}

// Policy holds the rules of one package of operations.
type Policy struct {
	name  string
	rules map[string]Rule
}

// NewPolicy returns the policy named name (the package of operations) with
// one rule per operation name.
func NewPolicy(name string, rules map[string]Rule) *Policy {
	return &Policy{name: name, rules: rules}
}

// Name is the name of the policy.
func (p *Policy) Name() string { return p.name }

// Rule returns the rule of op.
func (p *Policy) Rule(op string) (Rule, bool) {
	r, ok := p.rules[op]
	return r, ok
}

// Operations lists the operations the policy has rules for, sorted.
func (p *Policy) Operations() []string {
	ops := make([]string, 0, len(p.rules))
	for op := range p.rules {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// Authorize checks the rule of op against the principal of ctx and returns
// that principal (nil for an allowed anonymous caller). An anonymous caller
// of a non-public operation is unauthenticated; a principal of another kind
// is forbidden; an operation without a rule is forbidden to everyone.
//
// SECURITY: this is the one place where the application layer decides who
// may call an operation.
func (p *Policy) Authorize(ctx context.Context, op string) (*auth.Principal, error) {
	if t, ok := ctx.Value(traceKey{}).(*trace); ok {
		t.ops = append(t.ops, p.name+"."+op)
	}
	r, ok := p.rules[op]
	if !ok {
		return nil, errs.E(errs.Forbidden, "access denied")
	}
	pr := auth.FromContext(ctx)
	if r.Public {
		return pr, nil
	}
	if pr == nil {
		return nil, errs.ErrUnauthenticated
	}
	if !slices.Contains(r.Kinds, pr.Kind) {
		return nil, errs.ErrForbidden
	}
	return pr, nil
}

type traceKey struct{}

type trace struct{ ops []string }

// WithTrace returns a context that records every rule checked under it,
// and a function that returns the qualified operation names in order
// ("merchants.CreateCompany"). Tests use it to prove that an operation
// checks its own rule.
func WithTrace(ctx context.Context) (context.Context, func() []string) {
	t := &trace{}
	return context.WithValue(ctx, traceKey{}, t), func() []string { return t.ops }
}
