package merchant

import (
	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
)

// ShareType says how a share value is read.
type ShareType string

// The share types of the Loyalty Settlement API.
const (
	// SharePercentage: the value is a percentage of the amount.
	SharePercentage ShareType = "percentage"
	// ShareFixedAmount: the value is an amount, taken as is.
	ShareFixedAmount ShareType = "fixed_amount"
	// ShareDerived: the value is looked up in the merchant's derived
	// shares by the value of the other share.
	ShareDerived ShareType = "derived"
)

// Valid reports whether t is a known share type.
func (t ShareType) Valid() bool {
	return t == SharePercentage || t == ShareFixedAmount || t == ShareDerived
}

// Share is a user or provider share: a value and how to read it.
type Share struct {
	Value decimal.Decimal
	Type  ShareType
}

var hundred = decimal.NewFromInt(100)

// ValidateShareValue checks a share value: 0 to 100 with at most 2 decimals.
func ValidateShareValue(field string, v decimal.Decimal) error {
	if v.IsNegative() || v.GreaterThan(hundred) {
		return errs.InvalidField(field, "%s must be between 0 and 100", field)
	}
	if !v.Equal(v.Truncate(2)) {
		return errs.InvalidField(field, "%s must have at most 2 decimals", field)
	}
	return nil
}

// ValidateShare checks a share; derived shares themselves may only be
// percentage or fixed_amount (allowDerived false).
func ValidateShare(field string, s Share, allowDerived bool) error {
	if err := ValidateShareValue(field, s.Value); err != nil {
		return err
	}
	if !s.Type.Valid() || (!allowDerived && s.Type == ShareDerived) {
		if allowDerived {
			return errs.InvalidField(field+"Type", "%sType must be percentage, fixed_amount or derived", field)
		}
		return errs.InvalidField(field+"Type", "%sType must be percentage or fixed_amount", field)
	}
	return nil
}
