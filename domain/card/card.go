// Package card holds the rules of payment cards that are entered as full
// card numbers (the card frame of seed 001, BankAxept): the card type by
// IIN range, the Luhn and expiry checks, the BankAxept number, the card
// frame's signature and its language file. It keeps nothing: the card
// number passes through these functions and only its token, its masked
// form and its type leave them (DESIGN "PAN guard").
package card

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/pan"
)

// Origin is how a card came to its user.
type Origin string

// The origins of cards.
const (
	// OriginUserAPI: signed up from a till or app with a card token (seed 000).
	OriginUserAPI Origin = "USER_API"
	// OriginFrame: entered by the end user in the card frame.
	OriginFrame Origin = "CARD_FRAME"
	// OriginBankAxept: added as an encrypted BankAxept account number.
	OriginBankAxept Origin = "BANKAXEPT"
)

// Valid reports whether o is a known origin.
func (o Origin) Valid() bool { return o == OriginUserAPI || o == OriginFrame || o == OriginBankAxept }

// Type is the card type id the API reports as cardTypeId and cardtype.
type Type int

// The card types, by IIN range. 0 is unknown (cards signed up with a token).
const (
	TypeUnknown    Type = 0
	TypeDankort    Type = 1
	TypeVisaDank   Type = 2
	TypeVisa       Type = 3
	TypeMastercard Type = 4
	TypeMaestro    Type = 5
	TypeAmex       Type = 6
	TypeDiners     Type = 7
	TypeJCB        Type = 8
	TypeDiscover   Type = 9
	TypeBankAxept  Type = 10
	TypeUnionPay   Type = 11
)

// Name returns the card type's name.
func (t Type) Name() string {
	switch t {
	case TypeDankort:
		return "Dankort"
	case TypeVisaDank:
		return "Visa/Dankort"
	case TypeVisa:
		return "Visa"
	case TypeMastercard:
		return "Mastercard"
	case TypeMaestro:
		return "Maestro"
	case TypeAmex:
		return "American Express"
	case TypeDiners:
		return "Diners Club"
	case TypeJCB:
		return "JCB"
	case TypeDiscover:
		return "Discover"
	case TypeBankAxept:
		return "BankAxept"
	case TypeUnionPay:
		return "UnionPay"
	}
	return ""
}

// iinRange is the inclusive range of prefixes lo..hi (of equal length).
type iinRange struct {
	lo, hi string
	typ    Type
}

// iinRanges are the issuer identification ranges; the longest matching
// prefix wins.
var iinRanges = []iinRange{
	{"957852", "957852", TypeBankAxept},
	{"5019", "5019", TypeDankort},
	{"4571", "4571", TypeVisaDank},
	{"4", "4", TypeVisa},
	{"51", "55", TypeMastercard},
	{"2221", "2720", TypeMastercard},
	{"50", "50", TypeMaestro},
	{"56", "58", TypeMaestro},
	{"639", "639", TypeMaestro},
	{"67", "67", TypeMaestro},
	{"34", "34", TypeAmex},
	{"37", "37", TypeAmex},
	{"300", "305", TypeDiners},
	{"36", "36", TypeDiners},
	{"38", "39", TypeDiners},
	{"3528", "3589", TypeJCB},
	{"6011", "6011", TypeDiscover},
	{"644", "649", TypeDiscover},
	{"65", "65", TypeDiscover},
	{"62", "62", TypeUnionPay},
}

// TypeOf returns the card type of a card number given as digits, or
// TypeUnknown when no range holds it.
func TypeOf(digits string) Type {
	best, bestLen := TypeUnknown, 0
	for _, r := range iinRanges {
		n := len(r.lo)
		if len(digits) < n || n <= bestLen {
			continue
		}
		if p := digits[:n]; p >= r.lo && p <= r.hi {
			best, bestLen = r.typ, n
		}
	}
	return best
}

// frameTypes are the types the card frame accepts. BankAxept numbers are
// added through their own encrypted request; UnionPay is not accepted.
var frameTypes = map[Type]bool{TypeDankort: true, TypeVisaDank: true, TypeVisa: true, TypeMastercard: true,
	TypeMaestro: true, TypeAmex: true, TypeDiners: true, TypeJCB: true, TypeDiscover: true}

// Problem names what is wrong with an entered card by the key of its text
// in the card frame's language file ("card.errorInvalid").
type Problem string

// The problems of an entered card, as language file keys.
const (
	ProblemInvalid        Problem = "card.errorInvalid"
	ProblemUnsupportedTyp Problem = "card.unsupportedType"
	ProblemUnsupportedBin Problem = "card.unsupportedBinRange"
	ProblemDuplicate      Problem = "card.duplicate"
	ProblemMonth          Problem = "expMonth.errorInvalid"
	ProblemExpired        Problem = "expYear.errorExpired"
	ProblemGeneral        Problem = "error.generalError"
	ProblemMaxCards       Problem = "error.maxCards"
)

// Field returns the form field a problem belongs to.
func (p Problem) Field() string {
	switch {
	case strings.HasPrefix(string(p), "card."):
		return "CardNumber"
	case strings.HasPrefix(string(p), "expMonth."):
		return "ExpMonth"
	case strings.HasPrefix(string(p), "expYear."):
		return "ExpYear"
	}
	return ""
}

// ProblemError is an entered card refused for a Problem. It unwraps to an
// errs.Error: Invalid (Conflict for a duplicate) naming the form field.
type ProblemError struct {
	Problem Problem
	err     *errs.Error
}

func (e *ProblemError) Error() string { return e.err.Error() }

// Unwrap returns the domain error.
func (e *ProblemError) Unwrap() error { return e.err }

// Err returns the problem as an error.
func (p Problem) Err() error {
	code, msg := errs.Invalid, "the card was refused: "+string(p)
	if p == ProblemDuplicate {
		code, msg = errs.Conflict, "the card is already registered"
	}
	return &ProblemError{Problem: p, err: &errs.Error{Code: code, Message: msg, Field: p.Field()}}
}

// ProblemOf returns the Problem behind err, if any.
func ProblemOf(err error) (Problem, bool) {
	var pe *ProblemError
	if errors.As(err, &pe) {
		return pe.Problem, true
	}
	return "", false
}

// Entered is a card as the end user typed it in the card frame.
type Entered struct {
	Number   string
	ExpMonth string
	ExpYear  string
}

// Checked is an entered card that passed every check: the digits of its
// number (to be tokenised and forgotten), its type and expiry.
type Checked struct {
	Digits   string
	Type     Type
	ExpMonth int
	ExpYear  int
}

// Truncated returns the masked 6+4 form with X.
func (c *Checked) Truncated() string { return pan.Mask(c.Digits) }

// Check checks an entered card at now: Luhn, type, expiry month and year
// (the card is valid through the end of its month). A failure is a
// Problem.
func Check(in Entered, now time.Time) (*Checked, error) {
	digits, ok := normalizeNumber(in.Number)
	if !ok || !pan.Luhn(digits) {
		return nil, ProblemInvalid.Err()
	}
	typ := TypeOf(digits)
	switch {
	case typ == TypeUnknown:
		return nil, ProblemUnsupportedBin.Err()
	case !frameTypes[typ]:
		return nil, ProblemUnsupportedTyp.Err()
	}
	month, err := strconv.Atoi(strings.TrimSpace(in.ExpMonth))
	if err != nil || month < 1 || month > 12 || len(strings.TrimSpace(in.ExpMonth)) > 2 {
		return nil, ProblemMonth.Err()
	}
	ys := strings.TrimSpace(in.ExpYear)
	year, err := strconv.Atoi(ys)
	if err != nil || year < 0 || (len(ys) != 2 && len(ys) != 4) {
		return nil, ProblemExpired.Err()
	}
	if len(ys) == 2 {
		year += 2000
	}
	now = now.UTC()
	if year < now.Year() || year == now.Year() && month < int(now.Month()) {
		return nil, ProblemExpired.Err()
	}
	if year > now.Year()+30 {
		return nil, ProblemExpired.Err()
	}
	return &Checked{Digits: digits, Type: typ, ExpMonth: month, ExpYear: year}, nil
}

// normalizeNumber returns the digits of a typed card number (spaces and
// dashes between digits dropped), when it is 12 to 19 digits.
func normalizeNumber(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == ' ' || c == '-':
		default:
			return "", false
		}
	}
	d := b.String()
	return d, len(d) >= 12 && len(d) <= pan.MaxDigits
}

// BankAxeptPrefix starts every BankAxept card number.
const BankAxeptPrefix = "957852"

// CheckBankAxept checks a BankAxept card number: the prefix 957852, an
// account number of 11 digits and a valid Luhn check digit (18 digits in
// all; seed 001's formula).
func CheckBankAxept(number string) (*Checked, bool) {
	if len(number) != len(BankAxeptPrefix)+12 || !strings.HasPrefix(number, BankAxeptPrefix) {
		return nil, false
	}
	for i := 0; i < len(number); i++ {
		if number[i] < '0' || number[i] > '9' {
			return nil, false
		}
	}
	if !pan.Luhn(number) {
		return nil, false
	}
	return &Checked{Digits: number, Type: TypeBankAxept}, true
}

// LuhnDigit returns the check digit that makes digits+d pass Luhn.
func LuhnDigit(digits string) byte {
	for d := byte('0'); d <= '9'; d++ {
		if pan.Luhn(digits + string(d)) {
			return d
		}
	}
	return 0
}
