// Package checkout holds the rules of Centra checkout accounts (seed 004):
// accounts with one address and a password, shop sessions that a login
// binds to an account, the selection (basket) that follows the account,
// the account's orders with their formatted prices, and password resets.
package checkout

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/pan"
)

// Account is a customer's checkout account.
type Account struct {
	ID    string
	Email string
	Address
	Newsletter bool
	// Epoch counts password changes; a session logged in under another
	// epoch is logged out.
	Epoch     int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Address is the one address of an account (the seed's loggedIn object
// without its e-mail).
type Address struct {
	FirstName   string
	LastName    string
	Address1    string
	Address2    string
	ZipCode     string
	City        string
	State       string
	Country     string
	PhoneNumber string
}

// AddressUpdate changes the fields that are not nil; the rest stay.
type AddressUpdate struct {
	FirstName, LastName, Address1, Address2, ZipCode, City, State, Country, PhoneNumber *string
	Newsletter                                                                          *bool
}

// Registration is what registering an account takes.
type Registration struct {
	Email    string
	Password string
	AddressUpdate
}

// Messages of the seed's error bodies.
const (
	MsgRequired          = "required"
	MsgNotValid          = "not valid"
	MsgIncorrect         = "incorrect"
	MsgAlreadyRegistered = "already registered"
	MsgDenied            = "denied"
)

// Limits of the account's fields.
const (
	maxEmail    = 254
	maxName     = 100
	maxLine     = 200
	maxPhone    = 32
	minPassword = 8
	maxPassword = 128
)

// ErrDenied answers an operation that needs a login when the session has
// none: 403 {"errors": {"accessRight": "denied"}}.
var ErrDenied = &errs.Error{Code: errs.Forbidden, Field: "accessRight", Message: MsgDenied}

// errIncorrect answers a wrong password and an unknown e-mail alike.
var errIncorrect = errs.InvalidField("password", MsgIncorrect)

// NormalizeEmail checks an e-mail address and returns it trimmed and
// lower-cased, the form accounts are found by.
func NormalizeEmail(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errs.InvalidField(field, MsgRequired)
	}
	if len(s) > maxEmail || !utf8.ValidString(s) || hasControl(s) {
		return "", errs.InvalidField(field, MsgNotValid)
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:max(at, 0)], s[at+1:]
	if at < 1 || strings.Count(s, "@") != 1 || len(local) > 64 || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(s, "..") ||
		strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") ||
		strings.IndexFunc(local, func(r rune) bool { return r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),:;<>[\]`, r) }) >= 0 ||
		strings.IndexFunc(domain, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.')
		}) >= 0 {
		return "", errs.InvalidField(field, MsgNotValid)
	}
	if pan.Contains(s) {
		return "", errs.InvalidField(field, MsgNotValid)
	}
	return strings.ToLower(s), nil
}

// commonPasswords are refused whatever their length.
var commonPasswords = map[string]bool{
	"password": true, "password1": true, "12345678": true, "123456789": true, "1234567890": true,
	"qwertyui": true, "qwertyuiop": true, "11111111": true, "00000000": true, "iloveyou": true,
	"abcdefgh": true, "abcd1234": true, "passw0rd": true, "letmein1": true, "sunshine": true,
}

// CheckPassword applies the password policy: 8 to 128 characters, not all
// spaces, no control characters, not one of the commonest passwords and not
// the account's e-mail address. Failing it answers {field: "not valid"}.
func CheckPassword(field, password, email string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return errs.InvalidField(field, MsgRequired)
	case !utf8.ValidString(password) || hasControl(password),
		n < minPassword || n > maxPassword,
		strings.TrimSpace(password) == "",
		commonPasswords[strings.ToLower(password)],
		email != "" && strings.EqualFold(strings.TrimSpace(password), email):
		return errs.InvalidField(field, MsgNotValid)
	}
	return nil
}

// checkGivenPassword checks a password presented to be compared: present
// and of a length worth hashing.
func checkGivenPassword(field, password string) error {
	if password == "" {
		return errs.InvalidField(field, MsgRequired)
	}
	if len(password) > 4*maxPassword {
		return errs.InvalidField(field, MsgIncorrect)
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// text checks one free-text field: valid UTF-8, no control characters, at
// most max characters, no card number.
func text(field, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) || hasControl(v) || utf8.RuneCountInString(v) > max {
		return "", errs.InvalidField(field, MsgNotValid)
	}
	if err := pan.CheckText(field, v); err != nil {
		return "", errs.InvalidField(field, MsgNotValid)
	}
	return v, nil
}

// apply sets the fields of u that are present on a.
func (u AddressUpdate) apply(a *Account) error {
	set := func(field string, src *string, dst *string, max int) error {
		if src == nil {
			return nil
		}
		v, err := text(field, *src, max)
		if err != nil {
			return err
		}
		*dst = v
		return nil
	}
	for _, f := range []struct {
		field    string
		src, dst *string
		max      int
	}{
		{"firstName", u.FirstName, &a.FirstName, maxName},
		{"lastName", u.LastName, &a.LastName, maxName},
		{"address1", u.Address1, &a.Address1, maxLine},
		{"address2", u.Address2, &a.Address2, maxLine},
		{"zipCode", u.ZipCode, &a.ZipCode, 20},
		{"city", u.City, &a.City, maxName},
		{"state", u.State, &a.State, maxName},
	} {
		if err := set(f.field, f.src, f.dst, f.max); err != nil {
			return err
		}
	}
	if u.Country != nil {
		c := strings.ToUpper(strings.TrimSpace(*u.Country))
		if c != "" && (len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z') {
			return errs.InvalidField("country", MsgNotValid)
		}
		a.Country = c
	}
	if u.PhoneNumber != nil {
		p := strings.TrimSpace(*u.PhoneNumber)
		if len(p) > maxPhone {
			return errs.InvalidField("phoneNumber", MsgNotValid)
		}
		for i, r := range p {
			if !(r >= '0' && r <= '9' || r == ' ' || r == '-' || r == '(' || r == ')' || (r == '+' && i == 0)) {
				return errs.InvalidField("phoneNumber", MsgNotValid)
			}
		}
		a.PhoneNumber = p
	}
	if u.Newsletter != nil {
		a.Newsletter = *u.Newsletter
	}
	return nil
}
