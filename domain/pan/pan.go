// Package pan is the one guard against full payment card numbers (PANs):
// card-bearing fields accept only the masked 6+4 form, free text carrying
// a card number is refused, and text bound for logs is redacted. A full card
// number is never stored, logged or echoed back in an error.
//
// Masked form (CheckMasked): the first 6 digits, 3 to 9 mask characters
// (X, x or *; all the same or mixed), then the last 4 digits: 13 to 19
// characters in all, without spaces, such as 457100XXXXXX0001 or
// 457100******0001.
//
// Card number in free text (Contains, CheckText, Redact): a run of 13 to 19
// digits, which may be split into groups by single spaces or dashes
// ("4111 1111 1111 1111", "4111-1111-1111-1111"), that is not part of a
// longer run of digits, whose first digit is 2 to 6 (the major industry
// identifiers of card schemes: Mastercard 2-series, Amex, JCB, Diners,
// Visa, Mastercard, Maestro, Discover, UnionPay) and that passes the Luhn
// check; or a run of 17 to 19 digits starting 957852 (BankAxept, which
// the card frame and "add BankAxept card" take), Luhn or not. Phone
// numbers are not scanned: an MSISDN has at most 15 digits and one in ten
// passes Luhn. Fields that hold product codes (EAN-13, GTIN-14:
// 13 or 14 digits, one in ten passing Luhn) use CheckCode, which refuses
// only card numbers of 15 to 19 digits.
package pan

import (
	"strings"

	"loyaltygraph/domain/errs"
)

// Lengths of a card number.
const (
	MinDigits = 13
	MaxDigits = 19
)

// Example is the masked form shown in error messages.
const Example = "457100XXXXXX0001"

// CheckMasked checks a card-bearing field: "" (absent) or the masked 6+4
// form. A full card number, or anything else, is refused with an error that
// names field and does not echo the value.
func CheckMasked(field, v string) error {
	if v == "" || IsMasked(v) {
		return nil
	}
	if Contains(v) || onlyDigitsAndSeparators(v) {
		return errs.InvalidField(field, "%s must be masked (first 6 and last 4 digits, such as %s); a full card number is never accepted", label(field), Example)
	}
	return errs.InvalidField(field, "%s must be a masked card number: 6 digits, 3 to 9 X or *, 4 digits, such as %s", label(field), Example)
}

// label is how a message names a field path: its last segment
// ("transactions[2].approvalCode" reads "approvalCode").
func label(field string) string {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		return field[i+1:]
	}
	return field
}

// IsMasked reports whether v is in the masked 6+4 form.
func IsMasked(v string) bool {
	n := len(v)
	if n < MinDigits || n > MaxDigits {
		return false
	}
	for i := 0; i < n; i++ {
		c := v[i]
		if i < 6 || i >= n-4 {
			if c < '0' || c > '9' {
				return false
			}
		} else if c != 'X' && c != 'x' && c != '*' {
			return false
		}
	}
	return true
}

func onlyDigitsAndSeparators(v string) bool {
	digits := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '-':
		default:
			return false
		}
	}
	return digits >= MinDigits
}

// CheckText refuses free text that carries a card number, naming field and
// not echoing the value.
func CheckText(field, v string) error {
	if Contains(v) {
		return errs.InvalidField(field, "%s must not contain a card number", label(field))
	}
	return nil
}

// CheckCode refuses a product code or similar number field that carries a
// card number of 15 to 19 digits; shorter runs are taken for EAN-13 or
// GTIN-14 codes.
func CheckCode(field, v string) error {
	found := false
	scan(v, func(_, _ int, digits []byte) bool {
		found = len(digits) >= 15
		return !found
	})
	if found {
		return errs.InvalidField(field, "%s must not contain a card number", label(field))
	}
	return nil
}

// Contains reports whether s carries a card number.
func Contains(s string) bool {
	found := false
	scan(s, func(int, int, []byte) bool {
		found = true
		return false
	})
	return found
}

// Redact returns s with every card number in it replaced by its masked
// form (first 6 digits, X for the middle, last 4 digits; separators
// dropped). Text without one is returned as is, without copying.
func Redact(s string) string {
	var b strings.Builder
	last := 0
	scan(s, func(start, end int, digits []byte) bool {
		if last == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:start])
		b.WriteString(Mask(string(digits)))
		last = end
		return true
	})
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// Mask returns the masked 6+4 form of a card number given as digits.
func Mask(digits string) string {
	if len(digits) < 10 {
		return strings.Repeat("X", len(digits))
	}
	return digits[:6] + strings.Repeat("X", len(digits)-10) + digits[len(digits)-4:]
}

// Luhn reports whether a string of digits passes the Luhn check.
func Luhn(digits string) bool { return luhn([]byte(digits)) }

func luhn(digits []byte) bool {
	if len(digits) == 0 {
		return false
	}
	sum := 0
	for i := 0; i < len(digits); i++ {
		c := digits[len(digits)-1-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
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

// scan calls found for each card number in s with its byte range and its
// digits; found returns false to stop.
func scan(s string, found func(start, end int, digits []byte) bool) {
	var buf [MaxDigits]byte
	n := len(s)
	for i := 0; i < n; {
		if !isDigit(s[i]) {
			i++
			continue
		}
		// A run of digits, groups joined by single spaces or dashes.
		start, end, count := i, i, 0
		j := i
		for j < n {
			if isDigit(s[j]) {
				if count < MaxDigits {
					buf[count] = s[j]
				}
				count++
				j++
				end = j
				continue
			}
			if (s[j] == ' ' || s[j] == '-') && j+1 < n && isDigit(s[j+1]) {
				j++
				continue
			}
			break
		}
		i = end
		if count < MinDigits || count > MaxDigits {
			continue
		}
		if !isBankAxept(buf[:count]) && (buf[0] < '2' || buf[0] > '6' || !luhn(buf[:count])) {
			continue
		}
		if !found(start, end, buf[:count]) {
			return
		}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// bankAxeptPrefix starts BankAxept card numbers (957852, an account
// number and a check digit: 18 digits).
const bankAxeptPrefix = "957852"

// isBankAxept reports whether digits look like a BankAxept card number,
// whatever its check digit: a wrong check digit still carries the account
// number.
func isBankAxept(digits []byte) bool {
	return len(digits) >= 17 && len(digits) <= 19 && string(digits[:len(bankAxeptPrefix)]) == bankAxeptPrefix
}
