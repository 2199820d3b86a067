package pan

import (
	"strings"
	"testing"

	"loyaltygraph/domain/errs"
)

// Test card numbers of the schemes (all pass Luhn).
const (
	visa16  = "4111111111111111"
	visa13  = "4222222222222"
	amex15  = "378282246310005"
	mc2     = "2223003122003222"
	maestro = "6759649826438453"
	card19  = "4000000000000000006"
)

func TestLuhn(t *testing.T) {
	for _, c := range []string{visa16, visa13, amex15, mc2, maestro, card19, "79927398713"} {
		if !Luhn(c) {
			t.Errorf("Luhn(%s) = false", c)
		}
	}
	for _, c := range []string{"4111111111111112", "1234567812345678", "", "12a4"} {
		if Luhn(c) {
			t.Errorf("Luhn(%s) = true", c)
		}
	}
}

func TestContains(t *testing.T) {
	yes := []string{
		visa16, visa13, amex15, mc2, maestro, card19,
		"card " + visa16 + " used", "4111 1111 1111 1111", "4111-1111-1111-1111", "3782 822463 10005",
		"member:" + visa16, visa16 + "x", "a\x00" + visa16,
		// BankAxept, with a right or a wrong check digit.
		"957852111111111113", "957852111111111119", "/cards/957852111111111119",
	}
	for _, s := range yes {
		if !Contains(s) {
			t.Errorf("Contains(%q) = false", s)
		}
	}
	no := []string{
		"", "hello", "457100XXXXXX0001", "4111111111111112", // Luhn fails
		"1111111111111117",          // passes Luhn, but 1 is not a card scheme
		"8111111111111113",          // nor is 8
		"94111111111111111",         // part of a longer run (17 digits, Luhn fails)
		"41111111111111111111",      // 20 digits
		"411111111111",              // 12 digits
		"4111  1111 1111 1111",      // a double space ends the run
		"4111111111111111"[:15],     // 15 digits that fail Luhn
		"4520000001",                // phone number
		"2024-05-18T08:00:00+02:00", // dates
		"9578521111111111",          // 16 digits: not a BankAxept number
	}
	for _, s := range no {
		if Contains(s) {
			t.Errorf("Contains(%q) = true", s)
		}
	}
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"no card here":                      "no card here",
		visa16:                              "411111XXXXXX1111",
		"pan=" + visa16 + "&x=1":            "pan=411111XXXXXX1111&x=1",
		"4111 1111 1111 1111 and " + amex15: "411111XXXXXX1111 and 378282XXXXX0005",
		card19:                              "400000XXXXXXXXX0006",
		"4111111111111112":                  "4111111111111112",
	}
	for in, want := range cases {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckMasked(t *testing.T) {
	for _, ok := range []string{"", "457100XXXXXX0001", "457100******0001", "457100xxxXXX0001", "378282XXXXX0005",
		"400000XXX0006", "400000XXXXXXXXX0006"} {
		if err := CheckMasked("truncatedPan", ok); err != nil {
			t.Errorf("CheckMasked(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{visa16, card19, "4111 1111 1111 1111", "4111111111111112", "457100XXXXXX001",
		"45710XXXXXXX0001", "457100XX0001", "457100XXXXXXXXXX0001", "XXXXXXXXXXXX0001", "457100-XXXXXX-0001",
		"457100XXXXXX000X", "457100XAXXXX0001", "457100XXXXXX0001 "} {
		err := CheckMasked("truncatedPan", bad)
		if err == nil {
			t.Errorf("CheckMasked(%q) accepted", bad)
			continue
		}
		e := errs.As(err)
		if e.Code != errs.Invalid || e.Field != "truncatedPan" {
			t.Errorf("CheckMasked(%q) = %v, want invalid truncatedPan", bad, err)
		}
		if strings.Contains(e.Message, "1111111111") || strings.Contains(e.Message, bad) {
			t.Errorf("CheckMasked(%q) echoes the value: %s", bad, e.Message)
		}
	}
}

func TestCheckText(t *testing.T) {
	if err := CheckText("storeId", "store 12"); err != nil {
		t.Fatal(err)
	}
	err := CheckText("storeId", "s-"+visa16)
	if e := errs.As(err); err == nil || e.Field != "storeId" || strings.Contains(e.Message, visa16) {
		t.Fatalf("CheckText = %v", err)
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("x " + visa16 + " y")
	f.Add("4111-1111 1111-1111")
	f.Fuzz(func(t *testing.T, s string) {
		if r := Redact(s); Contains(r) {
			t.Fatalf("Redact(%q) = %q still carries a card number", s, r)
		}
	})
}

func TestCheckCode(t *testing.T) {
	// An EAN-13 that happens to pass Luhn is a product code, not a card.
	for _, ok := range []string{"5701234567896", visa13, "57012345678903", "12345"} {
		if err := CheckCode("productNumber", ok); err != nil {
			t.Errorf("CheckCode(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{visa16, amex15, card19, "EAN " + visa16} {
		if err := CheckCode("productNumber", bad); err == nil {
			t.Errorf("CheckCode(%q) accepted", bad)
		}
	}
}
