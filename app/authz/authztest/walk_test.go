package authztest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
)

// recorder collects what Walk reports.
type recorder struct{ errs []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// service stands for a domain service; nil, it panics when reached.
type service struct{ n int }

func (s *service) do() int { return s.n }

// faulty has one operation of each fault Walk must find.
type faulty struct{ svc *service }

var faultyPolicy = authz.NewPolicy("faulty", map[string]authz.Rule{
	"Good":         authz.Allow(authz.ScopeAll, auth.KindAdmin),
	"ChecksOther":  authz.Allow(authz.ScopeAll, auth.KindAdmin),
	"ChecksNone":   authz.Allow(authz.ScopeAll, auth.KindAdmin),
	"Contradicts":  authz.Allow(authz.ScopeAll, auth.KindAdmin),
	"NoSuchMethod": authz.Allow(authz.ScopeAll, auth.KindAdmin),
})

func (f *faulty) Good(ctx context.Context) (int, error) {
	if _, err := faultyPolicy.Authorize(ctx, "Good"); err != nil {
		return 0, err
	}
	return f.svc.do(), nil
}

func (f *faulty) ChecksOther(ctx context.Context) (int, error) {
	if _, err := faultyPolicy.Authorize(ctx, "Good"); err != nil {
		return 0, err
	}
	return f.svc.do(), nil
}

func (f *faulty) ChecksNone(ctx context.Context) (int, error) { return f.svc.do(), nil }

// Contradicts lets sellers in although its rule names admins only.
func (f *faulty) Contradicts(ctx context.Context) (int, error) {
	if p := auth.FromContext(ctx); p != nil && p.Kind == auth.KindSeller {
		return f.svc.do(), nil
	}
	if _, err := faultyPolicy.Authorize(ctx, "Contradicts"); err != nil {
		return 0, err
	}
	return f.svc.do(), nil
}

func (f *faulty) NoRule(ctx context.Context) (int, error) { return f.svc.do(), nil }

func TestWalkFindsEveryFault(t *testing.T) {
	var r recorder
	Walk(&r, &faulty{}, faultyPolicy)
	report := strings.Join(r.errs, "\n")
	for _, want := range []string{
		"faulty.ChecksOther as admin: first rule checked is [faulty.Good]",
		"faulty.ChecksNone as admin: first rule checked is []",
		"faulty.Contradicts as seller: allowed, want forbidden",
		"faulty.NoRule has no authorization rule",
		"faulty: rule for NoSuchMethod, which is no operation",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("Walk did not report %q; it reported:\n%s", want, report)
		}
	}
	for _, e := range r.errs {
		if strings.HasPrefix(e, "faulty.Good ") {
			t.Errorf("Walk reported the good operation: %s", e)
		}
	}
}
