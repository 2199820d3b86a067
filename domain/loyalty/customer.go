// Package loyalty is the Open Loyalty context (seed 003): customers
// partitioned by store code, their levels, and the sessions (JWTs and
// refresh tokens) of admins, sellers and customers.
package loyalty

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/pan"
)

// DefaultStore is the store code that exists after migrate.
const DefaultStore = "DEFAULT"

// Gender is a customer's gender as Open Loyalty names it.
type Gender string

// The genders.
const (
	GenderMale         Gender = "male"
	GenderFemale       Gender = "female"
	GenderNotDisclosed Gender = "not_disclosed"
)

// Valid reports whether g is a known gender.
func (g Gender) Valid() bool {
	return g == GenderMale || g == GenderFemale || g == GenderNotDisclosed
}

// Address is a customer's postal address; it is replaced as a whole.
type Address struct {
	Street   string `json:"street,omitempty"`
	Address1 string `json:"address1,omitempty"`
	Address2 string `json:"address2,omitempty"`
	Postal   string `json:"postal,omitempty"`
	City     string `json:"city,omitempty"`
	Province string `json:"province,omitempty"`
	Country  string `json:"country,omitempty"`
}

func (a Address) empty() bool { return a == Address{} }

// Company is a customer's company; name and tax id (NIP) go together.
type Company struct {
	Name string `json:"name"`
	NIP  string `json:"nip"`
}

// Label is one key:value label of a customer.
type Label struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Customer is a loyalty customer of one store.
type Customer struct {
	ID                string
	StoreCode         string
	Active            bool
	FirstName         string
	LastName          string
	Gender            Gender
	Email             string
	Phone             string
	BirthDate         *time.Time
	Address           *Address
	Company           *Company
	LoyaltyCardNumber string
	Labels            []Label
	Agreement1        bool
	Agreement2        bool
	Agreement3        bool
	// LevelID is the level the customer is at: ManualLevelID when an admin
	// assigned one, else the level its transactions reach.
	LevelID       string
	ManualLevelID string
	POSID         string
	SellerID      string
	HasPassword   bool
	Anonymized    bool
	// PhoneVerified says the customer entered a code sent to Phone.
	PhoneVerified bool
	CreatedAt     time.Time
	UpdatedAt     time.Time

	// Purchase figures of the customer.
	TransactionsCount  int
	TransactionsAmount decimal.Decimal
	LastTransactionAt  *time.Time
	// Level is the customer's level, when loaded.
	Level *Level
}

// AverageTransactionAmount is the transactions amount over their count,
// rounded half-up to 2 decimals (0 without transactions).
func (c *Customer) AverageTransactionAmount() decimal.Decimal {
	if c.TransactionsCount == 0 {
		return decimal.Zero
	}
	return c.TransactionsAmount.Div(decimal.NewFromInt(int64(c.TransactionsCount))).Round(2)
}

// Fields are the customer fields of a register or update request. A nil
// field is absent: register leaves it unset, update leaves it untouched.
// A present empty string erases the field on update. Address and Company,
// when present, replace the stored value as a whole (all empty erases it).
type Fields struct {
	FirstName         *string
	LastName          *string
	Gender            *string
	Email             *string
	Phone             *string
	BirthDate         *string
	CreatedAt         *string
	Address           *Address
	Company           *Company
	LoyaltyCardNumber *string
	Labels            *string
	Agreement1        *bool
	Agreement2        *bool
	Agreement3        *bool
	// PlainPassword sets the password the customer logs in with.
	PlainPassword *string
	POSID         *string
	SellerID      *string
}

// Symfony's messages, which Open Loyalty's clients show as they are.
const (
	msgBlank        = "This value should not be blank."
	msgInvalid      = "This value is not valid."
	msgEmail        = "This value is not a valid email address."
	msgPhone        = "This value is not a valid phone number."
	msgTaken        = "This value is already used."
	msgTooLong      = "This value is too long."
	msgChoice       = "The value you selected is not a valid choice."
	maxText         = 255
	maxLabels       = 50
	minPasswordSize = 8
)

// emailPattern is Symfony's loose e-mail check: something, @, a domain
// with a dot, no spaces or angle brackets.
var emailPattern = regexp.MustCompile(`^[^\s@<>()\[\],;:"]+@[^\s@<>()\[\],;:"]+\.[^\s@<>()\[\],;:".]+$`)

var cardNumberPattern = regexp.MustCompile(`^[0-9A-Za-z-]{1,64}$`)

// PhoneParser normalises phone numbers to MSISDN.
type PhoneParser interface {
	Normalize(field, raw string) (string, error)
}

// Date layouts of the seed: birth dates as "2017-10-05" or "2017-10-05
// 14:15", creation times as "2017-01-01 14:15:16".
var (
	birthDateLayouts = []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05", time.RFC3339}
	createdAtLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", time.RFC3339}
)

func parseTime(field, s string, layouts []string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			if t.Year() < 1900 || t.Year() > 2200 {
				break
			}
			return t, nil
		}
	}
	return time.Time{}, errs.InvalidField(field, msgInvalid)
}

// ParseLabels reads labels written as "key1:val1;key2:val2".
func ParseLabels(s string) ([]Label, error) {
	out := []Label{}
	s = strings.TrimSpace(s)
	if s == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, v, ok := strings.Cut(part, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || len(k) > maxText || len(v) > maxText {
			return nil, errs.InvalidField("labels", "labels must be written as key1:val1;key2:val2")
		}
		out = append(out, Label{Key: k, Value: v})
	}
	if len(out) > maxLabels {
		return nil, errs.InvalidField("labels", "at most %d labels", maxLabels)
	}
	return out, nil
}

// text checks one free-text value: valid UTF-8, no NUL or control
// characters, at most maxText characters, and no card number.
func text(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return "", errs.InvalidField(field, msgInvalid)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", errs.InvalidField(field, msgInvalid)
		}
	}
	if utf8.RuneCountInString(s) > maxText {
		return "", errs.InvalidField(field, msgTooLong)
	}
	if err := pan.CheckText(field, s); err != nil {
		return "", err
	}
	return s, nil
}

// apply validates f and writes it onto c. creating says whether c is new:
// then first name, last name, e-mail and agreement1 are required.
func (f Fields) apply(c *Customer, creating bool, phones PhoneParser) (password *string, err error) {
	setText := func(field string, p *string, dst *string, required bool) error {
		if p == nil {
			if creating && required {
				return errs.InvalidField(field, msgBlank)
			}
			return nil
		}
		v, err := text(field, *p)
		if err != nil {
			return err
		}
		if v == "" && required {
			return errs.InvalidField(field, msgBlank)
		}
		*dst = v
		return nil
	}
	if err := setText("firstName", f.FirstName, &c.FirstName, true); err != nil {
		return nil, err
	}
	if err := setText("lastName", f.LastName, &c.LastName, true); err != nil {
		return nil, err
	}
	if f.Gender != nil {
		g := Gender(strings.TrimSpace(*f.Gender))
		if g != "" && !g.Valid() {
			return nil, errs.InvalidField("gender", msgChoice)
		}
		c.Gender = g
	}
	if f.Email != nil || creating {
		var e string
		if f.Email != nil {
			e = strings.ToLower(strings.TrimSpace(*f.Email))
		}
		switch {
		case e == "" && creating:
			return nil, errs.InvalidField("email", msgBlank)
		case e != "":
			if !emailPattern.MatchString(e) || len(e) > maxText {
				return nil, errs.InvalidField("email", msgEmail)
			}
		}
		c.Email = e
	}
	if f.Phone != nil {
		p := strings.TrimSpace(*f.Phone)
		if p != "" {
			n, err := phones.Normalize("phone", p)
			if err != nil {
				return nil, errs.InvalidField("phone", msgPhone)
			}
			p = "+" + n
		}
		if p != c.Phone {
			// A phone set by anyone but its holder is not verified.
			c.PhoneVerified = false
		}
		c.Phone = p
	}
	if f.BirthDate != nil {
		if strings.TrimSpace(*f.BirthDate) == "" {
			c.BirthDate = nil
		} else {
			t, err := parseTime("birthDate", *f.BirthDate, birthDateLayouts)
			if err != nil {
				return nil, err
			}
			d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			c.BirthDate = &d
		}
	}
	if f.CreatedAt != nil && strings.TrimSpace(*f.CreatedAt) != "" {
		t, err := parseTime("createdAt", *f.CreatedAt, createdAtLayouts)
		if err != nil {
			return nil, err
		}
		c.CreatedAt = t
	}
	if f.Address != nil {
		a := *f.Address
		for _, p := range []struct {
			field string
			v     *string
		}{{"address.street", &a.Street}, {"address.address1", &a.Address1}, {"address.address2", &a.Address2},
			{"address.postal", &a.Postal}, {"address.city", &a.City}, {"address.province", &a.Province},
			{"address.country", &a.Country}} {
			v, err := text(p.field, *p.v)
			if err != nil {
				return nil, err
			}
			*p.v = v
		}
		if a.empty() {
			c.Address = nil
		} else {
			c.Address = &a
		}
	}
	if f.Company != nil {
		name, err := text("company.name", f.Company.Name)
		if err != nil {
			return nil, err
		}
		nip, err := text("company.nip", f.Company.NIP)
		if err != nil {
			return nil, err
		}
		switch {
		case name == "" && nip == "":
			c.Company = nil
		case name == "":
			return nil, errs.InvalidField("company.name", msgBlank)
		case nip == "":
			return nil, errs.InvalidField("company.nip", msgBlank)
		default:
			c.Company = &Company{Name: name, NIP: nip}
		}
	}
	if f.LoyaltyCardNumber != nil {
		n := strings.TrimSpace(*f.LoyaltyCardNumber)
		if n != "" {
			if !cardNumberPattern.MatchString(n) {
				return nil, errs.InvalidField("loyaltyCardNumber", msgInvalid)
			}
			// SECURITY: a payment card number is no loyalty card number.
			if err := pan.CheckText("loyaltyCardNumber", n); err != nil {
				return nil, err
			}
		}
		c.LoyaltyCardNumber = n
	}
	if f.Labels != nil {
		if !utf8.ValidString(*f.Labels) || strings.ContainsRune(*f.Labels, 0) {
			return nil, errs.InvalidField("labels", msgInvalid)
		}
		ls, err := ParseLabels(*f.Labels)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			if err := pan.CheckText("labels", l.Key+" "+l.Value); err != nil {
				return nil, err
			}
		}
		c.Labels = ls
	}
	if creating && f.Agreement1 == nil {
		return nil, errs.InvalidField("agreement1", msgBlank)
	}
	if f.Agreement1 != nil {
		c.Agreement1 = *f.Agreement1
	}
	if f.Agreement2 != nil {
		c.Agreement2 = *f.Agreement2
	}
	if f.Agreement3 != nil {
		c.Agreement3 = *f.Agreement3
	}
	if f.POSID != nil {
		if err := optionalUUID("posId", *f.POSID, &c.POSID); err != nil {
			return nil, err
		}
	}
	if f.SellerID != nil {
		v, err := text("sellerId", *f.SellerID)
		if err != nil {
			return nil, err
		}
		c.SellerID = v
	}
	if f.PlainPassword != nil {
		p := *f.PlainPassword
		if utf8.RuneCountInString(p) < minPasswordSize || len(p) > 256 || !utf8.ValidString(p) || strings.ContainsRune(p, 0) {
			return nil, errs.InvalidField("plainPassword", "the password must be %d to 256 characters", minPasswordSize)
		}
		password = &p
	}
	return password, nil
}

func optionalUUID(field, s string, dst *string) error {
	s = strings.ToLower(strings.TrimSpace(s))
	if s != "" && !isUUID(s) {
		return errs.InvalidField(field, msgInvalid)
	}
	*dst = s
	return nil
}

// CheckStoreCode validates a store code as it appears in a path.
func CheckStoreCode(code string) error {
	if !storeCodePattern.MatchString(code) {
		return errs.NotFoundf("store not found")
	}
	return nil
}

var storeCodePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// CheckID validates a customer id as it appears in a path: a malformed id
// names no customer.
func CheckID(id string) error {
	if !isUUID(id) {
		return errs.NotFoundf("customer not found")
	}
	return nil
}

// Store persists customers and levels. Its methods do not check
// permissions.
type Store interface {
	// CreateCustomer inserts c at the lowest active level of its store,
	// with the password hash (empty for none); a taken e-mail, phone or
	// loyalty card number is a Conflict naming the field; an unknown store
	// is NotFound.
	CreateCustomer(ctx context.Context, c *Customer, passwordHash string) error
	// FindCustomerByID returns the customer of store, or NotFound.
	FindCustomerByID(ctx context.Context, store, id string) (*Customer, error)
	// FindCustomers returns one page of the customers of store that match
	// filter, and how many match in all.
	FindCustomers(ctx context.Context, store string, filter Filter) ([]*Customer, int, error)
	// UpdateCustomer locks the customer, applies fn and writes it back
	// (with the password hash fn returns, when not nil), in one
	// transaction.
	UpdateCustomer(ctx context.Context, store, id string, fn func(c *Customer) (passwordHash *string, err error)) error
	// DeleteCustomer removes the customer, or answers NotFound.
	DeleteCustomer(ctx context.Context, store, id string) error
	// CountCustomersByEmailOrPhone counts the customers of store whose
	// e-mail or phone is the given value.
	CountCustomersByEmailOrPhone(ctx context.Context, store, email, phone string) (int, error)
	// FindCustomerLogin returns the customer of store whose e-mail, phone
	// or loyalty card number is login, with its password hash.
	FindCustomerLogin(ctx context.Context, store, email, phone, card string) (*Customer, string, error)
	// FindCustomersByPhones returns the customers of store whose phone
	// is one of phones, in no particular order.
	FindCustomersByPhones(ctx context.Context, store string, phones []string) ([]*Customer, error)
	// FindLevels returns the levels of store, lowest condition value first.
	FindLevels(ctx context.Context, store string) ([]*Level, error)
}

// Hasher hashes and verifies passwords.
type Hasher interface {
	Hash(ctx context.Context, secret string) (string, error)
	Verify(ctx context.Context, encodedHash, secret string) (bool, error)
}

// Service holds the rules of customers.
type Service struct {
	store  Store
	phones PhoneParser
	hasher Hasher
	now    func() time.Time
}

// NewService returns the customer service.
func NewService(store Store, phones PhoneParser, hasher Hasher, now func() time.Time) *Service {
	return &Service{store: store, phones: phones, hasher: hasher, now: now}
}

// Register creates a customer of store from f. Registered by an admin or
// seller, the customer is active at once; posID and sellerID are kept
// when given.
func (s *Service) Register(ctx context.Context, store string, f Fields) (*Customer, error) {
	if err := CheckStoreCode(store); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	c := &Customer{ID: newUUID(), StoreCode: store, Active: true, Labels: []Label{}, CreatedAt: now, UpdatedAt: now}
	pw, err := f.apply(c, true, s.phones)
	if err != nil {
		return nil, err
	}
	hash := ""
	if pw != nil {
		if hash, err = s.hasher.Hash(ctx, *pw); err != nil {
			return nil, err
		}
		c.HasPassword = true
	}
	if err := s.store.CreateCustomer(ctx, c, hash); err != nil {
		return nil, err
	}
	return c, nil
}

// Customer returns one customer of store.
func (s *Service) Customer(ctx context.Context, store, id string) (*Customer, error) {
	if err := CheckStoreCode(store); err != nil {
		return nil, err
	}
	if err := CheckID(id); err != nil {
		return nil, err
	}
	return s.store.FindCustomerByID(ctx, store, strings.ToLower(id))
}

// Update changes the fields present in f, with the seed's semantics:
// absent fields untouched, present empty fields erased, address and
// company replaced whole.
func (s *Service) Update(ctx context.Context, store, id string, f Fields) error {
	if err := CheckStoreCode(store); err != nil {
		return err
	}
	if err := CheckID(id); err != nil {
		return err
	}
	f.CreatedAt = nil // the creation time is set once
	return s.store.UpdateCustomer(ctx, store, strings.ToLower(id), func(c *Customer) (*string, error) {
		pw, err := f.apply(c, false, s.phones)
		if err != nil {
			return nil, err
		}
		c.UpdatedAt = s.now().UTC()
		if pw == nil {
			return nil, nil
		}
		hash, err := s.hasher.Hash(ctx, *pw)
		if err != nil {
			return nil, err
		}
		c.HasPassword = true
		return &hash, nil
	})
}

// SetActive activates or deactivates a customer.
func (s *Service) SetActive(ctx context.Context, store, id string, active bool) error {
	return s.change(ctx, store, id, func(c *Customer) error {
		if c.Anonymized && active {
			return errs.Conflictf("customerId", "an anonymized customer cannot be activated")
		}
		c.Active = active
		return nil
	})
}

// Anonymize erases what names the customer: names, contacts, birth date,
// address, company, card number, labels and password; the customer stays
// (inactive) so that its points and transactions still add up.
func (s *Service) Anonymize(ctx context.Context, store, id string) error {
	empty := ""
	return s.store.UpdateCustomer(ctx, store, strings.ToLower(id), func(c *Customer) (*string, error) {
		if err := CheckID(id); err != nil {
			return nil, err
		}
		short := strings.ReplaceAll(c.ID, "-", "")[:12]
		*c = Customer{ID: c.ID, StoreCode: c.StoreCode, FirstName: "anonymous", LastName: "anonymous",
			Email: "anonymized-" + short + "@anonymized.invalid", Labels: []Label{}, LevelID: c.LevelID,
			ManualLevelID: c.ManualLevelID, Anonymized: true, CreatedAt: c.CreatedAt, UpdatedAt: s.now().UTC()}
		return &empty, nil
	})
}

// Delete removes a customer.
func (s *Service) Delete(ctx context.Context, store, id string) error {
	if err := CheckStoreCode(store); err != nil {
		return err
	}
	if err := CheckID(id); err != nil {
		return err
	}
	return s.store.DeleteCustomer(ctx, store, strings.ToLower(id))
}

func (s *Service) change(ctx context.Context, store, id string, fn func(c *Customer) error) error {
	if err := CheckStoreCode(store); err != nil {
		return err
	}
	if err := CheckID(id); err != nil {
		return err
	}
	return s.store.UpdateCustomer(ctx, store, strings.ToLower(id), func(c *Customer) (*string, error) {
		if err := fn(c); err != nil {
			return nil, err
		}
		c.UpdatedAt = s.now().UTC()
		return nil, nil
	})
}

// Check counts the customers of store whose e-mail or phone is
// emailOrPhone.
func (s *Service) Check(ctx context.Context, store, emailOrPhone string) (int, error) {
	if err := CheckStoreCode(store); err != nil {
		return 0, err
	}
	v := strings.TrimSpace(emailOrPhone)
	if v == "" || len(v) > maxText || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return 0, errs.InvalidField("emailOrPhone", msgBlank)
	}
	phone := ""
	if n, err := s.phones.Normalize("phone", v); err == nil {
		phone = "+" + n
	}
	return s.store.CountCustomersByEmailOrPhone(ctx, store, strings.ToLower(v), phone)
}

// Authenticate checks a customer's login (e-mail, phone or loyalty card
// number) and password. Unknown logins, wrong passwords, customers
// without a password and inactive customers fail alike.
func (s *Service) Authenticate(ctx context.Context, store, login, password string) (*Customer, error) {
	if CheckStoreCode(store) != nil {
		return nil, errs.E(errs.Unauthenticated, "Bad credentials")
	}
	login = strings.TrimSpace(login)
	if login == "" || password == "" || len(login) > maxText || len(password) > 256 || !utf8.ValidString(login) {
		return nil, errs.E(errs.Unauthenticated, "Bad credentials")
	}
	phone := ""
	if n, err := s.phones.Normalize("phone", login); err == nil {
		phone = "+" + n
	}
	c, hash, err := s.store.FindCustomerLogin(ctx, store, strings.ToLower(login), phone, login)
	if errs.Is(err, errs.NotFound) || (err == nil && hash == "") {
		// Spend the time of a real check, so that timing does not tell
		// which logins exist.
		_, _ = s.hasher.Verify(ctx, dummyHash, password)
		return nil, errs.E(errs.Unauthenticated, "Bad credentials")
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.hasher.Verify(ctx, hash, password)
	if err != nil {
		return nil, err
	}
	if !ok || !c.Active {
		return nil, errs.E(errs.Unauthenticated, "Bad credentials")
	}
	return c, nil
}

// CustomersByPhones returns, for each MSISDN of phones (digits only, as
// user.User keeps them), the customer of store with that phone number, or
// nil: one read, whatever the number of phones.
func (s *Service) CustomersByPhones(ctx context.Context, store string, msisdns []string) ([]*Customer, error) {
	if err := CheckStoreCode(store); err != nil {
		return nil, err
	}
	out := make([]*Customer, len(msisdns))
	var ask []string
	for _, m := range msisdns {
		if m != "" {
			ask = append(ask, "+"+m)
		}
	}
	if len(ask) == 0 {
		return out, nil
	}
	found, err := s.store.FindCustomersByPhones(ctx, store, ask)
	if err != nil {
		return nil, err
	}
	byPhone := make(map[string]*Customer, len(found))
	for _, c := range found {
		byPhone[c.Phone] = c
	}
	for i, m := range msisdns {
		if m != "" {
			out[i] = byPhone["+"+m]
		}
	}
	return out, nil
}

// dummyHash is an argon2id hash of a random value that nobody knows.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0000000000000000000000000000000000000000000"

// Customers returns one page of the customers of store that match f.
func (s *Service) Customers(ctx context.Context, store string, f Filter) ([]*Customer, int, error) {
	if err := CheckStoreCode(store); err != nil {
		return nil, 0, err
	}
	if f.Sort != "" && !ValidSort(f.Sort) {
		return nil, 0, errs.InvalidField("sort", "sort must name a column of the list")
	}
	if f.Limit <= 0 {
		f.Limit = DefaultPerPage
	}
	if f.Limit > MaxPerPage {
		return nil, 0, errs.InvalidField("perPage", "perPage must be at most %d", MaxPerPage)
	}
	f.Now = s.now()
	return s.store.FindCustomers(ctx, store, f)
}
