package otp

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/errs"
)

var testKey = bytes.Repeat([]byte("k"), MinKeyLength)

func TestPurposeValid(t *testing.T) {
	cases := []struct {
		p    Purpose
		want bool
	}{
		{PurposeSignup, true},
		{PurposeAuthenticate, true},
		{PurposePhoneChange, true},
		{PurposeLinkSMS, true},
		{PurposeLinkEmail, true},
		{"", false},
		{"Signup", false},
		{"login", false},
	}
	for _, tc := range cases {
		if got := tc.p.Valid(); got != tc.want {
			t.Errorf("Purpose(%q).Valid() = %v, want %v", tc.p, got, tc.want)
		}
	}
}

func TestRandomDigitsLength(t *testing.T) {
	for _, n := range []int{MinLength, 6, 8, MaxLength} {
		for range 200 {
			code, err := RandomDigits(rand.Reader, n)
			if err != nil {
				t.Fatal(err)
			}
			if !IsDigits(code, n) {
				t.Fatalf("RandomDigits(%d) = %q, want %d digits", n, code, n)
			}
		}
	}
}

// TestRandomDigitsRejectsBiasedBytes checks that bytes 250..255, which
// would favour the digits 0..5, are dropped rather than folded.
func TestRandomDigitsRejectsBiasedBytes(t *testing.T) {
	cases := []struct {
		in   []byte
		n    int
		want string
	}{
		{[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 4, "0123"},
		{[]byte{250, 251, 252, 253, 254, 255, 19, 249, 0, 0, 0, 0}, 4, "9900"},
		{append(bytes.Repeat([]byte{255}, 12), 13, 24, 35, 46, 57, 68, 79, 80, 91, 102, 113, 124), 4, "3456"},
	}
	for _, tc := range cases {
		got, err := RandomDigits(bytes.NewReader(tc.in), tc.n)
		if err != nil {
			t.Fatalf("RandomDigits(%v): %v", tc.in, err)
		}
		if got != tc.want {
			t.Errorf("RandomDigits(%v, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
	if _, err := RandomDigits(bytes.NewReader([]byte{1, 2}), 4); err == nil {
		t.Error("RandomDigits on a short reader succeeded")
	}
}

// TestRandomDigitsDistribution is a chi-square sanity check that every
// digit, in every position, is about equally likely.
func TestRandomDigitsDistribution(t *testing.T) {
	const n, samples = 6, 20000
	var counts [n][10]int
	for range samples {
		code, err := RandomDigits(rand.Reader, n)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			counts[i][code[i]-'0']++
		}
	}
	// 9 degrees of freedom: chi-square above 40 has p < 1e-5.
	const expected = samples / 10.0
	for i := range n {
		chi := 0.0
		for _, c := range counts[i] {
			d := float64(c) - expected
			chi += d * d / expected
		}
		if chi > 40 {
			t.Errorf("position %d: chi-square %.1f over counts %v", i, chi, counts[i])
		}
	}
}

func TestHashCodeBinding(t *testing.T) {
	base := hashCode(testKey, 1, PurposeSignup, "4511111111", "123456")
	if len(base) != 32 {
		t.Fatalf("hash length %d, want 32", len(base))
	}
	if !bytes.Equal(base, hashCode(testKey, 1, PurposeSignup, "4511111111", "123456")) {
		t.Fatal("hash is not deterministic")
	}
	otherKey := bytes.Repeat([]byte("x"), MinKeyLength)
	cases := []struct {
		name    string
		key     []byte
		partner int64
		purpose Purpose
		phone   string
		code    string
	}{
		{"other code", testKey, 1, PurposeSignup, "4511111111", "123457"},
		{"other phone", testKey, 1, PurposeSignup, "4511111112", "123456"},
		{"other purpose", testKey, 1, PurposeAuthenticate, "4511111111", "123456"},
		{"phone change purpose", testKey, 1, PurposePhoneChange, "4511111111", "123456"},
		{"other key", otherKey, 1, PurposeSignup, "4511111111", "123456"},
		{"digits moved from code to phone", testKey, 1, PurposeSignup, "45111111111", "23456"},
		{"empty code", testKey, 1, PurposeSignup, "4511111111", ""},
		{"other partner", testKey, 2, PurposeSignup, "4511111111", "123456"},
		{"digits moved from partner to phone", testKey, 14, PurposeSignup, "511111111", "123456"},
	}
	for _, tc := range cases {
		if bytes.Equal(base, hashCode(tc.key, tc.partner, tc.purpose, tc.phone, tc.code)) {
			t.Errorf("%s: same hash as the base case", tc.name)
		}
	}
}

func TestIsDigits(t *testing.T) {
	cases := []struct {
		s    string
		n    int
		want bool
	}{
		{"123456", 6, true},
		{"000000", 6, true},
		{"12345", 6, false},
		{"1234567", 6, false},
		{"12345a", 6, false},
		{"12 456", 6, false},
		{"١٢٣٤٥٦", 6, false}, // Arabic-Indic digits are not ASCII digits
		{"", 6, false},
	}
	for _, tc := range cases {
		if got := IsDigits(tc.s, tc.n); got != tc.want {
			t.Errorf("IsDigits(%q, %d) = %v, want %v", tc.s, tc.n, got, tc.want)
		}
	}
}

func TestNewServiceOptions(t *testing.T) {
	s, err := NewService(nil, Options{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Key: testKey, Length: 6, TTL: 5 * time.Minute, MaxTries: 5, SendInterval: 30 * time.Second, SendsPerHour: 5}
	got := s.opts
	if got.Length != want.Length || got.TTL != want.TTL || got.MaxTries != want.MaxTries ||
		got.SendInterval != want.SendInterval || got.SendsPerHour != want.SendsPerHour {
		t.Errorf("defaults = %+v, want %+v", got, want)
	}

	bad := []Options{
		{},
		{Key: testKey[:MinKeyLength-1]},
		{Key: testKey, Length: 3},
		{Key: testKey, Length: MaxLength + 1},
		{Key: testKey, TTL: -time.Second},
		{Key: testKey, MaxTries: -1},
		{Key: testKey, SendInterval: -time.Second},
		{Key: testKey, SendsPerHour: -1},
	}
	for _, o := range bad {
		if _, err := NewService(nil, o); err == nil {
			t.Errorf("NewService(%+v) succeeded", o)
		}
	}

	key := bytes.Clone(testKey)
	s, err = NewService(nil, Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	key[0] = 'z'
	if s.key[0] != 'k' {
		t.Error("the service shares the caller's key slice")
	}
}

// failingStore is a Store whose backend is down.
type failingStore struct{}

func (failingStore) SaveCode(context.Context, int64, Purpose, string, []byte, time.Duration, SendLimits) (time.Duration, bool, error) {
	return 0, false, errors.New("connection refused")
}

func (failingStore) CheckCode(context.Context, int64, Purpose, string, []byte, int) (Result, int, error) {
	return Matched, 0, errors.New("connection refused")
}

func TestStoreFailureIsUnavailable(t *testing.T) {
	s, err := NewService(failingStore{}, Options{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Issue(ctx, 1, PurposeSignup, "4511111111"); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Issue with the store down: %v, want unavailable", err)
	}
	// The store says Matched along with its error: the error must win.
	if err := s.Verify(ctx, 1, PurposeSignup, "4511111111", "123456"); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Verify with the store down: %v, want unavailable", err)
	}
}

func TestInputValidation(t *testing.T) {
	s, err := NewService(failingStore{}, Options{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cases := []struct {
		partner int64
		purpose Purpose
		phone   string
		field   string
	}{
		{0, PurposeSignup, "4511111111", "partner"},
		{-1, PurposeSignup, "4511111111", "partner"},
		{1, "login", "4511111111", "purpose"},
		{1, PurposeSignup, "", "phone"},
		{1, PurposeSignup, "+4511111111", "phone"},
		{1, PurposeSignup, "451111", "phone"},
		{1, PurposeSignup, strings.Repeat("4", 16), "phone"},
		{1, PurposeSignup, "45{1}11111", "phone"},
	}
	for _, tc := range cases {
		_, err := s.Issue(ctx, tc.partner, tc.purpose, tc.phone)
		if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Field != tc.field {
			t.Errorf("Issue(%q, %q) = %v, want invalid %s", tc.purpose, tc.phone, err, tc.field)
		}
		err = s.Verify(ctx, tc.partner, tc.purpose, tc.phone, "123456")
		if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Field != tc.field {
			t.Errorf("Verify(%q, %q) = %v, want invalid %s", tc.purpose, tc.phone, err, tc.field)
		}
	}
}

// TestSubjects: an e-mail code's subject is the 64-hex keyed hash of the
// address, never the address or a phone number; other purposes take an
// MSISDN. Checked before the store is reached.
func TestSubjects(t *testing.T) {
	s, err := NewService(nil, Options{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	hexSubject := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		purpose Purpose
		subject string
	}{
		{PurposeLinkEmail, "anna@example.com"},
		{PurposeLinkEmail, "4520123456"},
		{PurposeLinkEmail, strings.ToUpper(hexSubject)},
		{PurposeLinkEmail, hexSubject[:63]},
		{PurposeLinkSMS, hexSubject},
		{PurposeLinkSMS, "anna@example.com"},
	} {
		if _, err := s.Issue(context.Background(), 1, tc.purpose, tc.subject); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Issue(%s, %q) = %v, want invalid", tc.purpose, tc.subject, err)
		}
		if err := s.Verify(context.Background(), 1, tc.purpose, tc.subject, "123456"); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Verify(%s, %q) = %v, want invalid", tc.purpose, tc.subject, err)
		}
	}
}
