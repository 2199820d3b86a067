package resolvers

import (
	"bytes"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/shopspring/decimal"
)

// TestAppendDecimal compares the planned path's decimals with
// decimal.String, which gqltypes.MarshalDecimal writes.
func TestAppendDecimal(t *testing.T) {
	values := []string{"0", "0.00", "1", "-1", "7.5", "7.50", "12.25", "100.00", "0.05", "0.001", "-0.5", "-12.340",
		"99.99", "123456789012345678", "1234567890123456789", "0.000000000000000001", "1e3", "12e-1", "-9223372036854775808",
		"123456789012345678901234567890.123456789", "100", "10.10"}
	for _, s := range values {
		d := decimal.RequireFromString(s)
		if got, want := string(appendDecimal(nil, d)), d.String(); got != want {
			t.Errorf("%s: %q, want %q", s, got, want)
		}
	}
	for i := int64(-20000); i <= 20000; i += 7 {
		for _, exp := range []int32{-4, -2, -1, 0, 2} {
			d := decimal.New(i, exp)
			if got, want := string(appendDecimal(nil, d)), d.String(); got != want {
				t.Fatalf("%d e%d: %q, want %q", i, exp, got, want)
			}
		}
	}
}

// TestWriteQuotedMatchesGqlgen compares the planned path's strings with
// graphql.MarshalString.
func TestWriteQuotedMatchesGqlgen(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "tab\tnl\ncr\r", "\x00\x01\x1f", "é ü ☃ 🎉", "<>&", "bad\xffutf8", "\u2028\u2029"} {
		var got, want bytes.Buffer
		writeQuoted(&got, s)
		graphql.MarshalString(s).MarshalGQL(&want)
		if got.String() != want.String() {
			t.Errorf("%q: %s, want %s", s, got.String(), want.String())
		}
	}
}
