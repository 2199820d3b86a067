package receipt

import "loyaltygraph/domain/errs"

// The card-number guard of the receipt context. It follows DESIGN "PAN
// guard": card fields take only the masked 6+4 form, and free text is
// scanned for a Luhn-valid run of 13 to 19 digits (spaces and dashes
// between digits allowed), which is refused without being echoed. When the
// shared guard (domain/pan) lands on main, these helpers delegate to it.

// minPANDigits and maxPANDigits bound the digit runs that can be card
// numbers in free text.
const (
	minPANDigits = 13
	maxPANDigits = 19
	// minCodePANDigits is the shortest run refused in product numbers and
	// barcodes: EAN-13 and GTIN-14 codes pass the Luhn check one time in
	// ten, while card numbers shorter than 15 digits are no longer issued.
	minCodePANDigits = 15
)

// refuseCardNumber reports field when text holds a card number. The message
// never repeats the text.
func refuseCardNumber(field, text string) error {
	if holdsCardNumber(text, minPANDigits) {
		return errs.InvalidField(field, "%s must not hold a card number; a full card number is never accepted", field)
	}
	return nil
}

// refuseCardNumberInCode is refuseCardNumber for product numbers and
// barcodes, which may be 13 or 14 digit article codes.
func refuseCardNumberInCode(field, text string) error {
	if holdsCardNumber(text, minCodePANDigits) {
		return errs.InvalidField(field, "%s must not hold a card number; a full card number is never accepted", field)
	}
	return nil
}

// holdsCardNumber reports whether s holds a run of minDigits to 19 digits,
// single spaces or dashes allowed between them, that passes the Luhn check.
func holdsCardNumber(s string, minDigits int) bool {
	digits := make([]byte, 0, 24)
	flush := func() bool {
		ok := len(digits) >= minDigits && len(digits) <= maxPANDigits && luhn(digits)
		digits = digits[:0]
		return ok
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case (c == ' ' || c == '-') && len(digits) > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			// a separator inside a grouped number: "4571 0000 0000 0001"
		default:
			if flush() {
				return true
			}
		}
	}
	return flush()
}

// luhn reports whether the digits pass the Luhn check of card numbers.
func luhn(digits []byte) bool {
	sum := 0
	for i := range digits {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// validateTruncatedCardNumber checks the masked 6+4 form of a card number:
// 12 to 19 characters, the first 6 and last 4 digits, X (or *) between.
func validateTruncatedCardNumber(field, s string) error {
	bad := errs.InvalidField(field, "%s must be a masked card number such as 457100XXXXXX0001 (first 6 and last 4 digits)", field)
	if len(s) < 12 || len(s) > 19 {
		return bad
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		digit := c >= '0' && c <= '9'
		mask := c == 'X' || c == 'x' || c == '*'
		switch {
		case i < 6 || i >= len(s)-4:
			if !digit {
				return bad
			}
		case !mask:
			return bad
		}
	}
	return nil
}
