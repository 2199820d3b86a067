package postgres

import "github.com/shopspring/decimal"

// SumLikePostgres adds values as a batch's settlement lots do (tests).
func SumLikePostgres(values []decimal.Decimal) decimal.Decimal {
	var s decimalSum
	for _, v := range values {
		s.add(v)
	}
	var halves [2]decimalSum // merged in two parts too, as a batch merges its chunks
	for i, v := range values {
		halves[i%2].add(v)
	}
	halves[0].merge(&halves[1])
	if a, b := s.value(), halves[0].value(); a.String() != b.String() || a.Exponent() != b.Exponent() {
		panic("merged sum differs: " + a.String() + " " + b.String())
	}
	return s.value()
}

// NumericDest is the binary numeric scan target of the merchant model
// (tests).
func NumericDest(d *decimal.Decimal) any { return numeric(d) }

// MapError is mapError (tests).
func MapError(err error, what string) error { return mapError(err, what) }
