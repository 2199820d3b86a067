package checkout

import (
	"context"
	"time"

	"loyaltygraph/domain/errs"
)

// Links between app users (User API) and checkout accounts (issue 11): a
// user proves that it owns an account by logging in to it while
// authenticated as itself, and then reaches the account and its orders
// through User.checkoutAccount.
//
// One account per user and one user per account. Linking again replaces
// the user's link; an account linked to another user is refused (Conflict)
// until that user unlinks it or the link becomes void. A link is void once
// the account's password changes (or is reset), as the account's sessions
// are logged out then: whoever proved the old password loses the account.

// LinkStore keeps the links of users to checkout accounts. Its methods do
// not check permissions.
type LinkStore interface {
	// LinkAccount links userID to account a, proven at a's epoch, in one
	// transaction: the user's earlier link goes, a void link of the
	// account goes, and a live link of the account to another user is a
	// Conflict. When the account's epoch is no longer a.Epoch (its
	// password changed meanwhile) nothing is linked and it returns
	// NotFound.
	LinkAccount(ctx context.Context, userID string, a *Account, at time.Time) error
	// UnlinkAccount removes the user's link and reports whether there was
	// one.
	UnlinkAccount(ctx context.Context, userID string) (bool, error)
	// FindLinkedAccounts returns the accounts live-linked to the users,
	// by user id; users without a live link are absent.
	FindLinkedAccounts(ctx context.Context, userIDs []string) (map[string]*Account, error)
	// FindLinkedOrders returns, for each page in order, the page of orders
	// of the account named, newest first, and how many it has, when the
	// account is live-linked to userID; nil for any other account. One
	// statement, whatever the number of pages.
	FindLinkedOrders(ctx context.Context, userID string, pages []AccountPage) ([]*OrderPage, error)
}

// AccountPage asks for a page of one account's orders: from an offset, at
// most Size of them.
type AccountPage struct {
	AccountID string
	Page
}

// OrderPage is a page of an account's orders and how many it has.
type OrderPage struct {
	Orders []*Order
	Total  int
}

// MsgLinkedElsewhere is the conflict of linking an account that another
// user has linked.
const MsgLinkedElsewhere = "this checkout account is linked to another user"

// LinkAccount checks email and password, from client, exactly as Login
// does (throttle, the same answer for a wrong password and an unknown
// address, in the same time), and links the account to the user userID.
func (s *Service) LinkAccount(ctx context.Context, userID, client, email, password string) (*Account, error) {
	if s.links == nil {
		return nil, errs.E(errs.Unavailable, "checkout account links are not available")
	}
	if userID == "" {
		return nil, errs.ErrUnauthenticated
	}
	a, err := s.authenticate(ctx, client, email, password)
	if err != nil {
		return nil, err
	}
	err = s.links.LinkAccount(ctx, userID, a, s.now().UTC())
	if errs.Is(err, errs.Conflict) {
		return nil, errs.Conflictf("email", MsgLinkedElsewhere)
	}
	if errs.Is(err, errs.NotFound) {
		// The password changed between the check and the link.
		return nil, errIncorrect
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// UnlinkAccount removes the link of the user userID, if any, and reports
// whether there was one.
func (s *Service) UnlinkAccount(ctx context.Context, userID string) (bool, error) {
	if s.links == nil {
		return false, errs.E(errs.Unavailable, "checkout account links are not available")
	}
	if userID == "" {
		return false, errs.ErrUnauthenticated
	}
	return s.links.UnlinkAccount(ctx, userID)
}

// LinkedAccounts returns, for each user id in order, the account linked
// to it, or nil: one read, whatever the number of users.
func (s *Service) LinkedAccounts(ctx context.Context, userIDs []string) ([]*Account, error) {
	out := make([]*Account, len(userIDs))
	var ask []string
	for _, id := range userIDs {
		if id != "" {
			ask = append(ask, id)
		}
	}
	if len(ask) == 0 || s.links == nil {
		return out, nil
	}
	found, err := s.links.FindLinkedAccounts(ctx, ask)
	if err != nil {
		return nil, err
	}
	for i, id := range userIDs {
		if id != "" {
			out[i] = found[id]
		}
	}
	return out, nil
}

// LinkedOrders returns, for each page in order, the page of orders of an
// account linked to the user userID, or nil for an account that is not.
// Offsets are at least 0 and sizes 0 to MaxOrdersPage.
func (s *Service) LinkedOrders(ctx context.Context, userID string, pages []AccountPage) ([]*OrderPage, error) {
	for _, p := range pages {
		if p.From < 0 {
			return nil, errs.InvalidField("from", MsgNotValid)
		}
		if p.Size < 0 || p.Size > MaxOrdersPage {
			return nil, errs.InvalidField("size", MsgNotValid)
		}
	}
	if userID == "" || len(pages) == 0 || s.links == nil {
		return make([]*OrderPage, len(pages)), nil
	}
	return s.links.FindLinkedOrders(ctx, userID, pages)
}
