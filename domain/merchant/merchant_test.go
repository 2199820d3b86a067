package merchant

import (
	"strings"
	"testing"

	"loyaltygraph/domain/errs"
)

func TestValidateID(t *testing.T) {
	cases := []struct {
		id string
		ok bool
	}{
		{"m", true},
		{strings.Repeat("a", 32), true},
		{"mdo9afaoaoy2u7tomdy9y1mzcpftvdpk", true},
		{"Ærø-butik", true},
		{"", false},
		{strings.Repeat("a", 33), false},
		{strings.Repeat("æ", 33), false},
		{"a b", false},
		{"a/b", false},
		{"a\nb", false},
		{"\xff", false},
	}
	for _, tc := range cases {
		err := ValidateID("merchantId", tc.id)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
		if err != nil {
			if e := errs.As(err); e.Code != errs.Invalid || e.Field != "merchantId" {
				t.Errorf("ValidateID(%q) error %+v does not name merchantId", tc.id, e)
			}
		}
	}
}

func TestValidateName(t *testing.T) {
	cases := []struct {
		name string
		ok   bool
	}{
		{"Test Merchant", true},
		{strings.Repeat("n", 128), true},
		{strings.Repeat("ø", 128), true},
		{"", false},
		{"  ", false},
		{strings.Repeat("n", 129), false},
		{"tab\tinside", false},
		{"\xfe", false},
	}
	for _, tc := range cases {
		if err := validateName(tc.name); (err == nil) != tc.ok {
			t.Errorf("validateName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestStatusValid(t *testing.T) {
	for s, ok := range map[Status]bool{StatusActive: true, StatusDisabled: true, "ACTIVE": false, "": false, "closed": false} {
		if s.Valid() != ok {
			t.Errorf("Status(%q).Valid() = %v", s, !ok)
		}
	}
}
