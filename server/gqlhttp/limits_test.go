package gqlhttp

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
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

// introspection is GraphiQL's introspection query with graphql-js 17's
// deepest type references (nine levels of ofType).
func introspection() string {
	ref := "kind name"
	for range 9 {
		ref = "kind name ofType { " + ref + " }"
	}
	return `query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name }
  types { ...FullType } directives { name description locations args(includeDeprecated: true) { ...InputValue } } } }
fragment FullType on __Type { kind name description
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields(includeDeprecated: true) { ...InputValue } interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type { ` + ref + ` }`
}

// nested is a query whose fields nest depth deep.
func nested(depth int) string {
	q := "id"
	for range depth - 1 {
		q = "a { " + q + " }"
	}
	return "{ " + q + " }"
}

func TestLimitsRefuseDeepDocuments(t *testing.T) {
	l := testLimits
	l.Depth = 15
	if err := l.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: introspection()}); err != nil {
		t.Fatalf("introspection refused: %v", err)
	}
	if err := l.Check(mustParse(t, nested(15))); err != nil {
		t.Fatalf("depth 15 refused: %v", err)
	}
	wantRefused(t, l.Check(mustParse(t, nested(16))), "nests fields 16 deep; the limit is 15")
	// Fragments add no level of their own, but their fields count where
	// they are spread, however the depth is split between them.
	frag := "{ a { a { ...F } } }\nfragment F on T { a { ... on T { a { ...G } } } }\nfragment G on T { " +
		strings.TrimSuffix(strings.TrimPrefix(nested(12), "{ "), " }") + " }"
	wantRefused(t, l.Check(mustParse(t, frag)), "nests fields 16 deep")
}

func TestLimitsAllowSensitiveMutationsOncePerDocument(t *testing.T) {
	l := testLimits
	l.OncePerDocument = []string{"validateOtp", "loyaltyLogin"}
	ok := []string{
		`mutation { validateOtp(phonenumber: "45", otp: "1") { userId } }`,
		`mutation { validateOtp(phonenumber: "45", otp: "1") { userId } loyaltyLogin(input: {}) { token } }`,
		// A nested field of the same name is not the mutation.
		`query { a { validateOtp { b } } b: a { validateOtp { b } } }`,
	}
	for _, q := range ok {
		if err := l.Check(mustParse(t, q)); err != nil {
			t.Errorf("%s refused: %v", q, err)
		}
	}
	refused := map[string]string{
		"aliased":      `mutation { a: validateOtp(phonenumber: "45", otp: "1") { userId } b: validateOtp(phonenumber: "45", otp: "2") { userId } }`,
		"spread twice": `mutation { ...T ...T } fragment T on Mutation { validateOtp(phonenumber: "45", otp: "1") { userId } }`,
		"inline":       `mutation { loyaltyLogin(input: {}) { token } ... on Mutation { loyaltyLogin(input: {}) { token } } }`,
		"two operations": `mutation A { validateOtp(phonenumber: "45", otp: "1") { userId } }
mutation B { validateOtp(phonenumber: "45", otp: "2") { userId } }`,
	}
	for name, q := range refused {
		err := l.Check(mustParse(t, q))
		if err == nil || !strings.Contains(err.Message, "it may be selected once per request") || err.Extensions["code"] != CodeTooLarge {
			t.Errorf("%s: %v, want refused", name, err)
		}
	}
}

func mustParse(t *testing.T, q string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		t.Fatalf("parse %s: %v", q, err)
	}
	return doc
}
