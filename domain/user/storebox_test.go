package user

import (
	"strings"
	"testing"

	"loyaltygraph/domain/errs"
)

// TestValidateUserIDType: 2 to 32 of a-z, 0-9, '_' and '-'.
func TestValidateUserIDType(t *testing.T) {
	for v, ok := range map[string]bool{
		"acmecid": true, "ab": true, "a_b-9": true, strings.Repeat("z", 32): true,
		"": false, "a": false, strings.Repeat("z", 33): false, "Acme": false, "acme cid": false, "acme.cid": false,
		"acme\x00": false, "acmé": false, "acme/cid": false,
	} {
		if err := ValidateUserIDType(v); (err == nil) != ok {
			t.Errorf("ValidateUserIDType(%q) = %v, want ok %v", v, err, ok)
		} else if err != nil && errs.As(err).Field != "userIdType" {
			t.Errorf("ValidateUserIDType(%q) names %q", v, errs.As(err).Field)
		}
	}
}

// TestValidateCID: 1 to 128 characters, no NUL, control characters or card
// numbers.
func TestValidateCID(t *testing.T) {
	for v, ok := range map[string]bool{
		"kunde-42": true, strings.Repeat("ø", 128): true, "a b": true,
		"": false, strings.Repeat("ø", 129): false, "a\x00b": false, "a\tb": false, "a\nb": false,
		"4571000000000001": false, "card 4571 0000 0000 0001": false, "\xff": false,
	} {
		if err := validateCID(v); (err == nil) != ok {
			t.Errorf("validateCID(%q) = %v, want ok %v", v, err, ok)
		}
	}
}

// TestNormalizeEmail: trimmed and lower-cased; one @, a dot in the domain,
// no spaces, at most 254 characters.
func TestNormalizeEmail(t *testing.T) {
	got, err := NormalizeEmail("email.value", "  Anna.Berg@Example.COM ")
	if err != nil || got != "anna.berg@example.com" {
		t.Fatalf("NormalizeEmail = %q, %v", got, err)
	}
	for _, bad := range []string{"", "anna", "@example.com", "anna@", "anna@example", "a b@example.com", "a@b@example.com",
		strings.Repeat("a", 250) + "@example.com", "a\x00@example.com", "4571000000000001@example.com"} {
		if _, err := NormalizeEmail("email.value", bad); err == nil || errs.As(err).Field != "email.value" {
			t.Errorf("NormalizeEmail(%q) = %v, want an error on email.value", bad, err)
		}
	}
}

// TestValidateName: required, at most 32 characters, no control
// characters or card numbers.
func TestValidateName(t *testing.T) {
	for v, ok := range map[string]bool{
		"Anna": true, strings.Repeat("æ", 32): true,
		"": false, "  ": false, strings.Repeat("æ", 33): false, "An\x00na": false, "An\nna": false, "4571000000000001": false,
	} {
		if err := validateName("firstName", v); (err == nil) != ok {
			t.Errorf("validateName(%q) = %v, want ok %v", v, err, ok)
		}
	}
}
