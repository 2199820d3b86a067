// Package phone normalises and validates phone numbers as MSISDN (country
// code and subscriber number, digits only) with libphonenumber's metadata.
package phone

import (
	"strings"

	"github.com/nyaruka/phonenumbers"

	"loyaltygraph/domain/errs"
)

// Parser turns what a caller typed into an MSISDN.
type Parser struct{}

// Normalize accepts an MSISDN with or without "+" or "00", spaces, dashes,
// dots and parentheses, and returns the digits of a valid number in
// international form. Anything else is an Invalid error naming field.
func (Parser) Normalize(field, raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errs.InvalidField(field, "%s is required", field)
	}
	if len(s) > 32 {
		return "", errs.InvalidField(field, "%s is not a valid phone number", field)
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", errs.InvalidField(field, "%s must be a phone number in MSISDN format, such as 4511111111", field)
		}
	}
	digits := strings.TrimPrefix(b.String(), "00")
	if len(digits) < 7 || len(digits) > 15 {
		return "", errs.InvalidField(field, "%s must be a phone number in MSISDN format, such as 4511111111", field)
	}
	// A possible number (a known country code and a length its numbering
	// plan allows) is accepted: the documents' own sample, 4511111111, is in
	// a Danish range that is not yet assigned.
	num, err := phonenumbers.Parse("+"+digits, "")
	if err != nil || phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode())) == "ZZ" ||
		!phonenumbers.IsPossibleNumber(num) {
		return "", errs.InvalidField(field, "%s is not a valid phone number", field)
	}
	return strings.TrimPrefix(phonenumbers.Format(num, phonenumbers.E164), "+"), nil
}

// Strict is a Parser that also requires the number to be valid in its
// country's numbering plan (libphonenumber's IsValidNumber), not only
// possible: Open Loyalty (seed 003) refuses "+440000000".
type Strict struct{}

// Normalize returns the MSISDN of a valid number, or an Invalid error
// naming field.
func (Strict) Normalize(field, raw string) (string, error) {
	n, err := Parser{}.Normalize(field, raw)
	if err != nil {
		return "", err
	}
	num, err := phonenumbers.Parse("+"+n, "")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", errs.InvalidField(field, "%s is not a valid phone number", field)
	}
	return n, nil
}
