package checkout

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"sync"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
)

// Store keeps accounts, saved selections, orders and password resets. Its
// methods do not check permissions.
type Store interface {
	// CreateAccount stores a new account with its password hash; a taken
	// e-mail address is a Conflict on "email".
	CreateAccount(ctx context.Context, a *Account, passwordHash string) error
	// FindAccount returns the account with id.
	FindAccount(ctx context.Context, id string) (*Account, error)
	// FindAccountLogin returns the account whose (normalised) e-mail is
	// email, with its password hash.
	FindAccountLogin(ctx context.Context, email string) (*Account, string, error)
	// UpdateAccount locks the account, gives fn the account and its
	// password hash, and writes back the account and, when fn returns one,
	// the new password hash (which bumps the account's epoch), in one
	// transaction. A taken e-mail address is a Conflict on "email".
	UpdateAccount(ctx context.Context, id string, fn func(a *Account, passwordHash string) (newHash *string, err error)) (*Account, error)
	// Selection returns the saved selection of an account, oldest first.
	Selection(ctx context.Context, accountID string) ([]Line, error)
	// AddToSelection adds the lines to the saved selection (quantities add
	// up, capped at MaxQuantity; at most MaxSelectionItems items).
	AddToSelection(ctx context.Context, accountID string, lines []Line) error
	// RemoveFromSelection removes item from the saved selection.
	RemoveFromSelection(ctx context.Context, accountID, item string) error
	// FindOrders returns the account's orders, newest first, from offset
	// from, at most size of them (all when size < 0), and how many there are.
	FindOrders(ctx context.Context, accountID string, from, size int) ([]*Order, int, error)
	// ImportOrders stores the orders, each under the account of its e-mail
	// address, in one transaction: an order id seen before is replaced; an
	// address without an account fails the import, naming the order.
	ImportOrders(ctx context.Context, orders []ImportedOrder) (int, error)
	// CreateReset stores a password reset and queues msg, in one
	// transaction.
	CreateReset(ctx context.Context, r *Reset, msg notify.Message) error
	// UseReset consumes the unused, unexpired reset id whose token hash is
	// tokenHash, sets the account's password hash to newHash (bumping its
	// epoch) and voids its other resets, in one transaction; it returns the
	// account, or NotFound.
	UseReset(ctx context.Context, id string, tokenHash []byte, now time.Time, newHash string) (*Account, error)
}

// SessionStore keeps sessions (Redis). Its methods do not check
// permissions.
type SessionStore interface {
	// FindSession returns the session of token and extends its life to
	// ttl from now (sliding expiry), or nil when there is none.
	FindSession(ctx context.Context, token string, ttl time.Duration) (*Session, error)
	// SaveSession writes s to live ttl from now.
	SaveSession(ctx context.Context, s *Session, ttl time.Duration) error
}

// Hasher hashes and verifies passwords (argon2id).
type Hasher interface {
	Hash(ctx context.Context, secret string) (string, error)
	Verify(ctx context.Context, encodedHash, secret string) (bool, error)
}

// Throttle counts failures per key in windows (auth.FailureCounter).
type Throttle interface {
	Blocked(ctx context.Context, limit int, keys ...string) (time.Duration, error)
	AddFailure(ctx context.Context, window time.Duration, keys ...string) error
}

// Reset is a password reset: the link in the e-mail carries its id and a
// token that only its hash here matches.
type Reset struct {
	ID        string
	AccountID string
	TokenHash []byte
	ExpiresAt time.Time
}

// Defaults of the service.
const (
	DefaultSessionTTL        = 24 * time.Hour
	ResetTTL                 = time.Hour
	DefaultFailuresPerMinute = 32
	// resetsPerHour caps the reset e-mails sent to one address.
	resetsPerHour = 5
	maxLinkURI    = 500
)

// Options configure the service.
type Options struct {
	// SessionTTL is how long an unused session lives (sliding).
	SessionTTL time.Duration
	// FrontendBaseURL starts the link of the password reset e-mail.
	FrontendBaseURL string
	// FailuresPerMinute is the failed-login threshold per e-mail address
	// and per client address.
	FailuresPerMinute int
	// Throttle counts failed logins and reset e-mails; nil counts nothing.
	Throttle Throttle
	// OnThrottleError reports a throttle that could not be asked.
	OnThrottleError func(ctx context.Context, err error)
	// Links keeps the links of app users to accounts (links.go); nil
	// links nothing.
	Links LinkStore
}

// Service holds the rules of checkout accounts.
type Service struct {
	store    Store
	sessions SessionStore
	links    LinkStore
	hasher   Hasher
	now      func() time.Time
	opts     Options

	dummyOnce sync.Once
	dummy     string
}

// NewService returns the checkout service.
func NewService(store Store, sessions SessionStore, hasher Hasher, now func() time.Time, opts Options) *Service {
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	if opts.FailuresPerMinute <= 0 {
		opts.FailuresPerMinute = DefaultFailuresPerMinute
	}
	opts.FrontendBaseURL = strings.TrimRight(opts.FrontendBaseURL, "/")
	return &Service{store: store, sessions: sessions, links: opts.Links, hasher: hasher, now: now, opts: opts}
}

// Open returns the state of the session named by token: a new session when
// token is empty, malformed, unknown or expired; a logged-in session whose
// account is gone or whose password changed since is logged out.
func (s *Service) Open(ctx context.Context, token string) (*State, error) {
	st, err := s.Current(ctx, token)
	if err != nil || st != nil {
		return st, err
	}
	sess := &Session{Token: NewToken()}
	if err := s.sessions.SaveSession(ctx, sess, s.opts.SessionTTL); err != nil {
		return nil, err
	}
	return &State{Session: sess, Selection: []Line{}}, nil
}

// Current returns the state of the session named by token, or nil when
// token is empty, malformed, unknown or expired (no session is made); a
// logged-in session whose account is gone or whose password changed since
// is logged out.
func (s *Service) Current(ctx context.Context, token string) (*State, error) {
	if !ValidToken(token) {
		return nil, nil
	}
	sess, err := s.sessions.FindSession(ctx, token, s.opts.SessionTTL)
	if err != nil || sess == nil {
		return nil, err
	}
	sess.Token = token
	st := &State{Session: sess, Selection: sess.Selection}
	if sess.AccountID == "" {
		if st.Selection == nil {
			st.Selection = []Line{}
		}
		return st, nil
	}
	a, err := s.store.FindAccount(ctx, sess.AccountID)
	if errs.Is(err, errs.NotFound) || (err == nil && a.Epoch != sess.Epoch) {
		sess.AccountID, sess.Epoch, sess.Selection = "", 0, nil
		st.Selection = []Line{}
		return st, s.sessions.SaveSession(ctx, sess, s.opts.SessionTTL)
	}
	if err != nil {
		return nil, err
	}
	st.Account = a
	if st.Selection, err = s.store.Selection(ctx, a.ID); err != nil {
		return nil, err
	}
	return st, nil
}

// login binds the session to a: the items selected before are added to
// the account's saved selection.
func (s *Service) login(ctx context.Context, st *State, a *Account) (*State, error) {
	sess := st.Session
	if sess.AccountID == "" && len(sess.Selection) > 0 {
		if err := s.store.AddToSelection(ctx, a.ID, sess.Selection); err != nil {
			return nil, err
		}
	}
	sess.AccountID, sess.Epoch, sess.Selection = a.ID, a.Epoch, nil
	if err := s.sessions.SaveSession(ctx, sess, s.opts.SessionTTL); err != nil {
		return nil, err
	}
	sel, err := s.store.Selection(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	return &State{Session: sess, Account: a, Selection: sel}, nil
}

// Register creates an account and logs the session in to it.
func (s *Service) Register(ctx context.Context, st *State, in Registration) (*State, error) {
	a, err := s.register(ctx, in)
	if err != nil {
		return nil, err
	}
	return s.login(ctx, st, a)
}

func (s *Service) register(ctx context.Context, in Registration) (*Account, error) {
	email, err := NormalizeEmail("email", in.Email)
	if err != nil {
		return nil, err
	}
	if err := CheckPassword("password", in.Password, email); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	a := &Account{ID: ids.New(), Email: email, CreatedAt: now, UpdatedAt: now}
	if err := in.AddressUpdate.apply(a); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateAccount(ctx, a, hash); err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil, errs.Conflictf("email", MsgAlreadyRegistered)
		}
		return nil, err
	}
	return a, nil
}

// dummyHash returns a hash, made once by the configured hasher and with
// its cost, of a value nobody knows: checking a password against it spends
// the time of a real check.
func (s *Service) dummyHash(ctx context.Context) string {
	s.dummyOnce.Do(func() {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		if h, err := s.hasher.Hash(context.WithoutCancel(ctx), hex.EncodeToString(b)); err == nil {
			s.dummy = h
		}
	})
	return s.dummy
}

// Login checks email and password, from client, and logs the session in.
// A wrong password and an unknown e-mail address answer alike, in the same
// time: {"password": "incorrect"} (see authenticate).
func (s *Service) Login(ctx context.Context, st *State, client, email, password string) (*State, error) {
	a, err := s.authenticate(ctx, client, email, password)
	if err != nil {
		return nil, err
	}
	return s.login(ctx, st, a)
}

// authenticate checks email and password, from client, the one way every
// proof of an account's login goes (Login, LinkAccount): a wrong password
// and an unknown e-mail address answer alike, in the same time; failures
// are counted per address and client, and too many are refused (429)
// before any hashing.
func (s *Service) authenticate(ctx context.Context, client, email, password string) (*Account, error) {
	if err := checkGivenPassword("password", password); err != nil {
		return nil, err
	}
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return nil, err
	}
	keys := []string{"checkout:" + email}
	if client != "" {
		keys = append(keys, "checkout-client:"+client)
	}
	if err := s.blocked(ctx, s.opts.FailuresPerMinute, keys...); err != nil {
		return nil, err
	}
	dummy := s.dummyHash(ctx)
	a, hash, err := s.store.FindAccountLogin(ctx, email)
	if errs.Is(err, errs.NotFound) {
		// SECURITY: spend the time of a real check, so that timing does
		// not tell which addresses have accounts.
		_, _ = s.hasher.Verify(ctx, dummy, password)
		s.fail(ctx, time.Minute, keys...)
		return nil, errIncorrect
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.hasher.Verify(ctx, hash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.fail(ctx, time.Minute, keys...)
		return nil, errIncorrect
	}
	return a, nil
}

func (s *Service) blocked(ctx context.Context, limit int, keys ...string) error {
	if s.opts.Throttle == nil {
		return nil
	}
	wait, err := s.opts.Throttle.Blocked(ctx, limit, keys...)
	if err != nil {
		s.throttleError(ctx, err)
		return nil
	}
	if wait > 0 {
		return errs.RateLimitedf(wait, "too many attempts, try again later")
	}
	return nil
}

func (s *Service) fail(ctx context.Context, window time.Duration, keys ...string) {
	if s.opts.Throttle == nil {
		return
	}
	if err := s.opts.Throttle.AddFailure(ctx, window, keys...); err != nil {
		s.throttleError(ctx, err)
	}
}

func (s *Service) throttleError(ctx context.Context, err error) {
	if s.opts.OnThrottleError != nil {
		s.opts.OnThrottleError(ctx, err)
	}
}

// Logout removes the login from the session and empties its selection.
func (s *Service) Logout(ctx context.Context, st *State) (*State, error) {
	sess := st.Session
	sess.AccountID, sess.Epoch, sess.Selection = "", 0, nil
	if err := s.sessions.SaveSession(ctx, sess, s.opts.SessionTTL); err != nil {
		return nil, err
	}
	return &State{Session: sess, Selection: []Line{}}, nil
}

// UpdateAddress changes the address (and newsletter choice) of the
// logged-in account.
func (s *Service) UpdateAddress(ctx context.Context, st *State, u AddressUpdate) (*State, error) {
	if !st.LoggedIn() {
		return nil, ErrDenied
	}
	a, err := s.store.UpdateAccount(ctx, st.Account.ID, func(a *Account, _ string) (*string, error) {
		if err := u.apply(a); err != nil {
			return nil, err
		}
		a.UpdatedAt = s.now().UTC()
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return &State{Session: st.Session, Account: a, Selection: st.Selection}, nil
}

// checkCurrent verifies the account's current password.
func (s *Service) checkCurrent(ctx context.Context, hash, password string) error {
	if err := checkGivenPassword("password", password); err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, hash, password)
	if err != nil {
		return err
	}
	if !ok {
		return errIncorrect
	}
	return nil
}

// UpdateEmail changes the e-mail address of the logged-in account, given
// its password.
func (s *Service) UpdateEmail(ctx context.Context, st *State, email, password string) (*State, error) {
	if !st.LoggedIn() {
		return nil, ErrDenied
	}
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return nil, err
	}
	a, err := s.store.UpdateAccount(ctx, st.Account.ID, func(a *Account, hash string) (*string, error) {
		if err := s.checkCurrent(ctx, hash, password); err != nil {
			return nil, err
		}
		a.Email, a.UpdatedAt = email, s.now().UTC()
		return nil, nil
	})
	if errs.Is(err, errs.Conflict) {
		return nil, errs.Conflictf("email", MsgAlreadyRegistered)
	}
	if err != nil {
		return nil, err
	}
	return &State{Session: st.Session, Account: a, Selection: st.Selection}, nil
}

// UpdatePassword changes the password of the logged-in account, given the
// current one. Other sessions logged in to the account are logged out;
// this one stays.
func (s *Service) UpdatePassword(ctx context.Context, st *State, password, newPassword string) (*State, error) {
	if !st.LoggedIn() {
		return nil, ErrDenied
	}
	if err := CheckPassword("newPassword", newPassword, st.Account.Email); err != nil {
		return nil, err
	}
	a, err := s.store.UpdateAccount(ctx, st.Account.ID, func(a *Account, hash string) (*string, error) {
		if err := s.checkCurrent(ctx, hash, password); err != nil {
			return nil, err
		}
		h, err := s.hasher.Hash(ctx, newPassword)
		if err != nil {
			return nil, err
		}
		a.UpdatedAt = s.now().UTC()
		return &h, nil
	})
	if err != nil {
		return nil, err
	}
	st.Session.Epoch = a.Epoch
	if err := s.sessions.SaveSession(ctx, st.Session, s.opts.SessionTTL); err != nil {
		return nil, err
	}
	return &State{Session: st.Session, Account: a, Selection: st.Selection}, nil
}

// Page asks for part of a list: from an offset, at most size.
type Page struct {
	From int
	Size int
}

// MaxOrdersPage is the largest page of orders.
const MaxOrdersPage = 1000

// Orders returns the logged-in account's orders, newest first: all of
// them without page, else the page; and how many there are.
func (s *Service) Orders(ctx context.Context, st *State, page *Page) ([]*Order, int, error) {
	if !st.LoggedIn() {
		return nil, 0, ErrDenied
	}
	from, size := 0, -1
	if page != nil {
		if page.From < 0 {
			return nil, 0, errs.InvalidField("from", MsgNotValid)
		}
		if page.Size < 1 || page.Size > MaxOrdersPage {
			return nil, 0, errs.InvalidField("size", MsgNotValid)
		}
		from, size = page.From, page.Size
	}
	return s.store.FindOrders(ctx, st.Account.ID, from, size)
}

// ImportOrders stores the orders of an import file under their accounts.
func (s *Service) ImportOrders(ctx context.Context, orders []ImportedOrder) (int, error) {
	if len(orders) == 0 {
		return 0, errs.InvalidField("orders", "no orders to import")
	}
	return s.store.ImportOrders(ctx, orders)
}

// CheckLinkURI checks the linkUri of a reset e-mail: empty, or a relative
// path of at most 500 characters of letters, digits and -._~/%, without
// "//" or "..", so the link stays under the configured frontend URL.
func CheckLinkURI(v string) error {
	if len(v) > maxLinkURI || strings.Contains(v, "..") || strings.Contains(v, "//") || strings.IndexFunc(v, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("-._~/%", r))
	}) >= 0 {
		return errs.InvalidField("linkUri", MsgNotValid)
	}
	if strings.Contains(v, "%") {
		if _, err := url.PathUnescape(v); err != nil {
			return errs.InvalidField("linkUri", MsgNotValid)
		}
	}
	return nil
}

// RequestPasswordReset e-mails a reset link to the account of email, if
// there is one: {FrontendBaseURL}/{linkUri}?id={id}&i={token}. The answer
// is the same whether or not the address has an account; at most 5 links
// go to one address in an hour.
func (s *Service) RequestPasswordReset(ctx context.Context, email, linkURI string) error {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	if err := CheckLinkURI(linkURI); err != nil {
		return err
	}
	key := "checkout-reset:" + email
	if errs.Is(s.blocked(ctx, resetsPerHour, key), errs.RateLimited) {
		return nil // SECURITY: the same answer; no more e-mails to the address
	}
	a, _, err := s.store.FindAccountLogin(ctx, email)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	raw := make([]byte, 16) // 128 bits
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	token := hex.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	r := &Reset{ID: ids.New(), AccountID: a.ID, TokenHash: sum[:], ExpiresAt: s.now().Add(ResetTTL)}
	link := s.opts.FrontendBaseURL + "/" + strings.TrimLeft(linkURI, "/") + "?id=" + r.ID + "&i=" + token
	msg := notify.Message{To: a.Email, Channel: notify.ChannelEmail, Body: "Hello " + strings.TrimSpace(a.FirstName) +
		",\n\nto choose a new password, open this link within one hour (it works once):\n" + link +
		"\n\nIf you did not ask for a new password, ignore this e-mail; your password stays as it is.\n"}
	if err := s.store.CreateReset(ctx, r, msg); err != nil {
		return err
	}
	s.fail(ctx, time.Hour, key)
	return nil
}

// ResetPassword sets the password of the account of reset id, given the
// token of its link, and logs the session in. A reset works once and
// within an hour; anything else answers {"i": "not valid"}.
func (s *Service) ResetPassword(ctx context.Context, st *State, id, token, newPassword string) (*State, error) {
	if err := CheckPassword("newPassword", newPassword, ""); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, errs.InvalidField("id", MsgRequired)
	}
	if token == "" {
		return nil, errs.InvalidField("i", MsgRequired)
	}
	bad := errs.InvalidField("i", MsgNotValid)
	if len(id) != ids.StoreboxLength || !ids.IsLowerAlnum(id) || len(token) != 32 {
		return nil, bad
	}
	if _, err := hex.DecodeString(token); err != nil {
		return nil, bad
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(strings.ToLower(token)))
	a, err := s.store.UseReset(ctx, id, sum[:], s.now(), hash)
	if errs.Is(err, errs.NotFound) {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	// A session logged in to an account has no selection of its own:
	// nothing moves from that account to this one.
	st.Session.AccountID = ""
	return s.login(ctx, st, a)
}

// AddItem adds quantity of item to the session's selection: the saved one
// when logged in.
func (s *Service) AddItem(ctx context.Context, st *State, item string, quantity int) (*State, error) {
	lines, err := AddLine(st.Selection, item, quantity)
	if err != nil {
		return nil, err
	}
	return s.setSelection(ctx, st, lines, func() error {
		return s.store.AddToSelection(ctx, st.Account.ID, []Line{{Item: item, Quantity: quantity}})
	})
}

// RemoveItem removes item from the session's selection.
func (s *Service) RemoveItem(ctx context.Context, st *State, item string) (*State, error) {
	lines, err := RemoveLine(st.Selection, item)
	if err != nil {
		return nil, err
	}
	return s.setSelection(ctx, st, lines, func() error {
		return s.store.RemoveFromSelection(ctx, st.Account.ID, item)
	})
}

func (s *Service) setSelection(ctx context.Context, st *State, lines []Line, saved func() error) (*State, error) {
	if st.LoggedIn() {
		if err := saved(); err != nil {
			return nil, err
		}
		sel, err := s.store.Selection(ctx, st.Account.ID)
		if err != nil {
			return nil, err
		}
		return &State{Session: st.Session, Account: st.Account, Selection: sel}, nil
	}
	st.Session.Selection = lines
	if err := s.sessions.SaveSession(ctx, st.Session, s.opts.SessionTTL); err != nil {
		return nil, err
	}
	return &State{Session: st.Session, Selection: lines}, nil
}

// EnsureAccount returns the account of email, creating it with password
// and address when there is none (demo data).
func (s *Service) EnsureAccount(ctx context.Context, email, password string, addr AddressUpdate) (*Account, error) {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return nil, err
	}
	if a, _, err := s.store.FindAccountLogin(ctx, email); err == nil || !errs.Is(err, errs.NotFound) {
		return a, err
	}
	if _, err := s.register(ctx, Registration{Email: email, Password: password, AddressUpdate: addr}); err != nil {
		return nil, err
	}
	a, _, err := s.store.FindAccountLogin(ctx, email)
	return a, err
}
