// Package authztest walks every exported operation of an application-layer
// type with every kind of principal and compares the outcome with the
// operation's rule.
package authztest

import (
	"context"
	"reflect"
	"testing"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
)

// Principals are the callers every operation is tried with: anonymous
// (nil), two partners, a settlement client, an admin, a seller, a till
// (POS), an end user of the first partner and an Open Loyalty customer.
var Principals = map[string]*auth.Principal{
	"anonymous":         nil,
	"partner":           {CredentialID: 1, Kind: auth.KindPartner, Username: "partner-1"},
	"another partner":   {CredentialID: 2, Kind: auth.KindPartner, Username: "partner-2"},
	"settlement client": {CredentialID: 3, Kind: auth.KindSettlement, Username: "settlement-3"},
	"admin":             {CredentialID: 4, Kind: auth.KindAdmin, Username: "admin-4"},
	"seller":            {CredentialID: 5, Kind: auth.KindSeller, Username: "seller-5"},
	"pos":               {CredentialID: 6, Kind: auth.KindPOS, Username: "pos-6", MerchantID: "m1"},
	"end user":          {Kind: auth.KindUser, UserID: "u1", ProviderID: 1},
	"customer":          {Kind: auth.KindCustomer, CustomerID: "00000000-0000-4000-8000-000000000001", StoreCode: "DEFAULT"},
}

// TB is the part of testing.TB that Walk reports through.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

var _ TB = (testing.TB)(nil)

// outcome is what one call did: refused as unauthenticated or forbidden,
// or passed authorization (returned anything else, or reached the nil
// service behind the operation and panicked).
type outcome string

const (
	unauthenticated outcome = "unauthenticated"
	forbidden       outcome = "forbidden"
	allowed         outcome = "allowed"
)

// Walk calls every exported method of ops (a pointer to an operations type
// built over nil services) with zero arguments and every principal. It
// fails when a method checks no rule, checks the rule of another operation,
// or is allowed or refused against its rule, and when the policy holds a
// rule for an operation that does not exist.
func Walk(t TB, ops any, policy *authz.Policy) {
	t.Helper()
	v := reflect.ValueOf(ops)
	typ := v.Type()
	ctxType := reflect.TypeFor[context.Context]()
	methods := map[string]bool{}
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		methods[m.Name] = true
		if m.Type.NumIn() < 2 || m.Type.In(1) != ctxType {
			t.Errorf("%s.%s: an operation takes a context.Context first", policy.Name(), m.Name)
			continue
		}
		rule, ok := policy.Rule(m.Name)
		if !ok {
			t.Errorf("%s.%s has no authorization rule", policy.Name(), m.Name)
			continue
		}
		for who, p := range Principals {
			got, checked := call(v.Method(i), m.Type, p)
			want := expected(rule, p)
			if len(checked) == 0 || checked[0] != policy.Name()+"."+m.Name {
				t.Errorf("%s.%s as %s: first rule checked is %v, want its own", policy.Name(), m.Name, who, checked)
			}
			if got != want {
				t.Errorf("%s.%s as %s: %s, want %s (rule: %s)", policy.Name(), m.Name, who, got, want, rule)
			}
		}
	}
	for _, op := range policy.Operations() {
		if !methods[op] {
			t.Errorf("%s: rule for %s, which is no operation", policy.Name(), op)
		}
	}
}

func expected(r authz.Rule, p *auth.Principal) outcome {
	switch {
	case r.Allows(p):
		return allowed
	case p == nil:
		return unauthenticated
	default:
		return forbidden
	}
}

// call invokes method with a context carrying p and zero values for the
// other arguments.
func call(method reflect.Value, mt reflect.Type, p *auth.Principal) (got outcome, checked []string) {
	ctx, ops := authz.WithTrace(auth.WithPrincipal(context.Background(), p))
	args := []reflect.Value{reflect.ValueOf(ctx)}
	for j := 2; j < mt.NumIn(); j++ {
		args = append(args, reflect.Zero(mt.In(j)))
	}
	defer func() {
		if recover() != nil {
			// The operation got past authorization to its nil service.
			got, checked = allowed, ops()
		}
	}()
	out := method.Call(args)
	errv := out[len(out)-1]
	if err, _ := errv.Interface().(error); err != nil {
		switch errs.CodeOf(err) {
		case errs.Unauthenticated:
			return unauthenticated, ops()
		case errs.Forbidden:
			return forbidden, ops()
		}
	}
	return allowed, ops()
}
