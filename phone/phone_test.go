package phone

import (
	"testing"

	"loyaltygraph/domain/errs"
)

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"4511111111", "4511111111"},
		{"+45 11 11 11 11", "4511111111"},
		{"0045-2012-3456", "4520123456"},
		{"+47 912 34 567", "4791234567"},
		{"+1 (202) 555-0143", "12025550143"},
		{"+44 7911 123456", "447911123456"},
	}
	for _, tc := range cases {
		got, err := Parser{}.Normalize("phonenumber", tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "   ", "abc", "45", "4511111111111111111", "+45 1", "999999999", "45111111x1", "++4511111111", "45 11\t11 11 11"} {
		_, err := Parser{}.Normalize("phonenumber", bad)
		if e := errs.As(err); err == nil || e.Code != errs.Invalid || e.Field != "phonenumber" {
			t.Errorf("Normalize(%q) = %v, want invalid phonenumber", bad, err)
		}
	}
}
