package checkout

import (
	"strings"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
)

// TokenLength is the length of a session token: 26 characters of
// [0-9a-z], as the seed's "cstvqilgkdkoijj8ac9fm9o0g0" (about 134 bits).
const TokenLength = 26

// NewToken returns a new random session token.
func NewToken() string { return ids.LowerAlnum(TokenLength) }

// ValidToken reports whether s has the form of a session token; anything
// else is taken as no token.
func ValidToken(s string) bool { return len(s) == TokenLength && ids.IsLowerAlnum(s) }

// Session is a shop session, named by its token. Logging in binds it to an
// account; before that, its selection is its own.
type Session struct {
	Token string `json:"-"`
	// AccountID is the account logged in with this session, if any, and
	// Epoch the account's password epoch at login.
	AccountID string `json:"accountId,omitempty"`
	Epoch     int    `json:"epoch,omitempty"`
	// Selection is what was selected before logging in; a logged-in
	// session's selection is the account's saved one.
	Selection []Line `json:"selection,omitempty"`
}

// Line is one item of a selection and how many of it.
type Line struct {
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

// State is a session as a request sees it: the session, the account logged
// in with it (nil when none) and its selection.
type State struct {
	Session   *Session
	Account   *Account
	Selection []Line
}

// LoggedIn reports whether an account is logged in with the session.
func (s *State) LoggedIn() bool { return s != nil && s.Account != nil }

// Limits of a selection.
const (
	MaxQuantity       = 999
	MaxSelectionItems = 100
	maxItem           = 64
)

// CheckItem checks an item id of the shop ("2-1"): 1 to 64 letters,
// digits, dashes, dots and underscores.
func CheckItem(item string) error {
	if item == "" {
		return errs.InvalidField("item", MsgRequired)
	}
	if len(item) > maxItem || strings.IndexFunc(item, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '.' || r == '_')
	}) >= 0 {
		return errs.InvalidField("item", MsgNotValid)
	}
	return nil
}

// AddLine adds quantity of item to lines, capping each item at
// MaxQuantity, and returns the new lines.
func AddLine(lines []Line, item string, quantity int) ([]Line, error) {
	if err := CheckItem(item); err != nil {
		return nil, err
	}
	if quantity < 1 || quantity > MaxQuantity {
		return nil, errs.InvalidField("quantity", MsgNotValid)
	}
	out := append([]Line(nil), lines...)
	for i := range out {
		if out[i].Item == item {
			out[i].Quantity = min(out[i].Quantity+quantity, MaxQuantity)
			return out, nil
		}
	}
	if len(out) >= MaxSelectionItems {
		return nil, errs.InvalidField("item", "the selection is full")
	}
	return append(out, Line{Item: item, Quantity: quantity}), nil
}

// RemoveLine removes item from lines.
func RemoveLine(lines []Line, item string) ([]Line, error) {
	if err := CheckItem(item); err != nil {
		return nil, err
	}
	out := make([]Line, 0, len(lines))
	for _, l := range lines {
		if l.Item != item {
			out = append(out, l)
		}
	}
	return out, nil
}
