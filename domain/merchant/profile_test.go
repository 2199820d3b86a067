package merchant

import (
	"strings"
	"testing"

	"loyaltygraph/domain/errs"
)

func TestCountryCodesAreTheAssignedAlpha2Codes(t *testing.T) {
	codes := strings.Fields(countryCodes)
	if len(codes) != 249 {
		t.Fatalf("%d codes, want the 249 assigned ISO 3166-1 alpha-2 codes", len(codes))
	}
	for _, c := range []struct{ in, want string }{{"dk", "DK"}, {" Se ", "SE"}, {"NO", "NO"}, {"gb", "GB"}} {
		if got, err := NormalizeCountry("country", c.in); err != nil || got != c.want {
			t.Errorf("%q: %q %v", c.in, got, err)
		}
	}
	for _, bad := range []string{"", "xx", "uk", "dnk", "d", "d\x00", "ÆØ"} {
		if _, err := NormalizeCountry("country", bad); !errs.Is(err, errs.Invalid) || errs.As(err).Field != "country" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestSniffImageReadsMagicBytesOnly(t *testing.T) {
	for _, c := range []struct {
		data string
		want string
	}{
		{"\x89PNG\r\n\x1a\nrest", ContentTypePNG},
		{"\xff\xd8\xff\xe0rest", ContentTypeJPEG},
		{"RIFF\x10\x00\x00\x00WEBPVP8 ", ContentTypeWebP},
		{"RIFF\x10\x00\x00\x00WAVEfmt ", ""},
		{"GIF89a", ""},
		{"<svg xmlns='http://www.w3.org/2000/svg'/>", ""},
		{"hello.png", ""},
		{"", ""},
	} {
		if got := SniffImage([]byte(c.data)); got != c.want {
			t.Errorf("%q: %q, want %q", c.data, got, c.want)
		}
	}
	big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, MaxImageBytes)...)
	if _, err := CheckImage("file", big); !errs.Is(err, errs.Invalid) || errs.As(err).Field != "file" {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := CheckImage("file", big[:MaxImageBytes]); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

func TestLogoVersionChangesWithTheContent(t *testing.T) {
	a, b := LogoVersion([]byte("one")), LogoVersion([]byte("two"))
	if a == b || len(a) != 16 || a != LogoVersion([]byte("one")) {
		t.Fatalf("versions %q %q", a, b)
	}
}

func TestProfileUpdateValidates(t *testing.T) {
	s := func(v string) *string { return &v }
	ok := ProfileUpdate{Country: s("dk"), Address: s(" Algade 1 "), City: s("Roskilde"), ZipCode: s("")}
	if err := ok.Validate(); err != nil || *ok.Country != "DK" || *ok.Address != "Algade 1" {
		t.Fatalf("valid update: %v %+v", err, ok)
	}
	if err := (&ProfileUpdate{Country: s("")}).Validate(); err != nil {
		t.Errorf("clearing the country: %v", err)
	}
	for _, c := range []struct {
		u     ProfileUpdate
		field string
	}{
		{ProfileUpdate{Country: s("zz")}, "country"},
		{ProfileUpdate{Address: s(strings.Repeat("a", MaxAddressLength+1))}, "address"},
		{ProfileUpdate{ZipCode: s(strings.Repeat("1", MaxZipCodeLength+1))}, "zipCode"},
		{ProfileUpdate{City: s("a\x00b")}, "city"},
		{ProfileUpdate{PhoneNumber: s(strings.Repeat("1", MaxPhoneNumberLength+1))}, "phoneNumber"},
		{ProfileUpdate{RegistrationNumber: s("4571 0000 0000 0001")}, "registrationNumber"},
		{ProfileUpdate{Address: s("\xff")}, "address"},
	} {
		if err := c.u.Validate(); !errs.Is(err, errs.Invalid) || errs.As(err).Field != c.field {
			t.Errorf("%+v: %v, want invalid %s", c.u, err, c.field)
		}
	}
}
