package gqlhttp

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

var testLimits = Limits{
	Selections:      2000,
	FragmentSpreads: 250,
	Aliases:         100,
	Directives:      100,
	RootFields:      30,
	MutationFields:  10,
	TokenLimit:      15000,
}

// fragmentBomb is a document of depth fragments, each spreading the next
// one twice: about 40 bytes a level, 2^depth fields once expanded.
func fragmentBomb(depth int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }\n")
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", depth)
	return b.String()
}

func check(t *testing.T, query string) *gqlerror.Error {
	t.Helper()
	return testLimits.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: query})
}

func wantRefused(t *testing.T, err *gqlerror.Error, words string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want refused with %q", words)
	}
	if !strings.Contains(err.Message, words) {
		t.Fatalf("refused with %q; want %q", err.Message, words)
	}
}

func TestLimitsRefuseFragmentBombFast(t *testing.T) {
	for _, depth := range []int{30, 60} {
		q := fragmentBomb(depth)
		start := time.Now()
		err := check(t, q)
		took := time.Since(start)
		wantRefused(t, err, "fragment spreads (counted each time their fragment is spread)")
		if err.Extensions["code"] != CodeTooLarge {
			t.Fatalf("code %v", err.Extensions["code"])
		}
		// The bound is 10 ms; allow for a loaded test machine.
		if took > 10*time.Millisecond {
			t.Errorf("depth %d (%d bytes) refused in %v; want under 10ms", depth, len(q), took)
		}
		t.Logf("depth %d, %d bytes: refused in %v: %s", depth, len(q), took, err.Message)
	}
}

func TestLimitsRefuseFragmentCycles(t *testing.T) {
	wantRefused(t, check(t, `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`), "fragment A spreads itself")
	wantRefused(t, check(t, `{ ...A } fragment A on Query { __typename ...A }`), "spreads itself")
}

func TestLimitsCaps(t *testing.T) {
	repeat := func(n int, f func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return strings.Join(parts, " ")
	}
	cases := []struct {
		name, query, words string
	}{
		{"aliases", "{ " + repeat(1000, func(i int) string { return fmt.Sprintf("a%d: merchants(first: 1) { totalCount }", i) }) + " }", "aliases"},
		{"aliases through fragments", `{ ...A ...A ...A } fragment A on Query { ` + repeat(40, func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + ` }`, "120 aliases"},
		{"root fields", "{ " + repeat(31, func(int) string { return "__typename" }) + " }", "31 top-level fields"},
		{"mutation fields", "mutation { " + repeat(11, func(i int) string { return fmt.Sprintf("deleteMerchant(merchantId: \"%d\") { deletedMerchantId }", i) }) + " }", "11 mutation fields"},
		{"directives", "{ __typename " + repeat(2000, func(int) string { return "@skip" }) + " }", "directives"},
		{"fragment spreads", "{ merchants { ...M } } fragment M on MerchantConnection { " + repeat(251, func(int) string { return "...N" }) + " } fragment N on MerchantConnection { totalCount }", "252 fragment spreads"},
		{"selections", "{ merchants { nodes { " + repeat(2001, func(int) string { return "merchantId" }) + " } } }", "fields once its fragments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantRefused(t, check(t, tc.query), tc.words) })
	}
}

func TestLimitsAcceptOrdinaryDocuments(t *testing.T) {
	for _, q := range []string{
		`{ merchants(first: 100) { totalCount nodes { merchantId merchantName } pageInfo { hasNextPage endCursor } } }`,
		`query Q($id: ID!) { merchant(merchantId: $id) { ...M } } fragment M on Merchant { merchantId ...N } fragment N on Merchant { merchantName }`,
		`mutation { a: deleteMerchant(merchantId: "a") { deletedMerchantId } b: deleteMerchant(merchantId: "b") { deletedMerchantId } }`,
		`{ merchants { ...F0 } } ` + strings.ReplaceAll(strings.ReplaceAll(fragmentBomb(6)[len("{ ...F0 }\n"):], "on Query", "on MerchantConnection"), "__typename", "totalCount"), // 64 fields
		`{ __typename @skip(if: true) __typename @include(if: false) }`,
	} {
		if err := check(t, q); err != nil {
			t.Fatalf("%s refused: %v", q, err)
		}
	}
	// A parse error is reported as gqlgen would.
	err := check(t, "{ merchants(")
	if err == nil || err.Extensions["code"] != "GRAPHQL_PARSE_FAILED" {
		t.Fatalf("parse error: %+v", err)
	}
}

func BenchmarkLimitsFragmentBomb(b *testing.B) {
	q := fragmentBomb(30)
	for b.Loop() {
		if testLimits.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: q}) == nil {
			b.Fatal("accepted")
		}
	}
}
