// Package gqltypes holds the Go side of the GraphQL schema that is not
// generated: custom scalars and the Node interface binding.
package gqltypes

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/shopspring/decimal"
)

// MarshalDecimal writes a decimal as a JSON string, so no client parses
// money into a float.
func MarshalDecimal(d decimal.Decimal) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(d.String()))
	})
}

// UnmarshalDecimal reads a decimal from a string, an integer literal or a
// JSON number in the variables (whose digits are kept exactly). Float
// literals in the query text are refused: they may have lost precision.
func UnmarshalDecimal(v any) (decimal.Decimal, error) {
	switch x := v.(type) {
	case string:
		d, err := decimal.NewFromString(x)
		if err != nil {
			return decimal.Decimal{}, fmt.Errorf("%q is not a decimal number", x)
		}
		return d, nil
	case json.Number:
		// Variables arrive as JSON numbers; read their digits exactly.
		d, err := decimal.NewFromString(x.String())
		if err != nil {
			return decimal.Decimal{}, fmt.Errorf("%s is not a decimal number", x)
		}
		return d, nil
	case int:
		return decimal.NewFromInt(int64(x)), nil
	case int64:
		return decimal.NewFromInt(x), nil
	default:
		return decimal.Decimal{}, fmt.Errorf("a Decimal must be given as a string, such as \"12.50\"")
	}
}
