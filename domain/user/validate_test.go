package user

import (
	"strings"
	"testing"

	"loyaltygraph/domain/errs"
)

const canary, canary19 = "4111111111111111", "4000000000000000006"

func wantInvalid(t *testing.T, what string, err error, field string) {
	t.Helper()
	e := errs.As(err)
	if err == nil || e.Code != errs.Invalid || e.Field != field {
		t.Errorf("%s: got %v, want invalid %s", what, err, field)
		return
	}
	if strings.Contains(e.Message, "1111111111") || strings.Contains(e.Message, "0000000000") {
		t.Errorf("%s: error echoes the card number: %s", what, e.Message)
	}
}

func TestParmsRefuseCardNumbersNULAndBadUTF8(t *testing.T) {
	if err := validateParms([]Parm{{"age", "42"}, {"city", "Århus"}}); err != nil {
		t.Fatal(err)
	}
	wantInvalid(t, "pan value", validateParms([]Parm{{"age", "1"}, {"card", canary}}), "parms[1].value")
	wantInvalid(t, "spaced pan value", validateParms([]Parm{{"card", "my card 4111 1111 1111 1111"}}), "parms[0].value")
	wantInvalid(t, "pan name", validateParms([]Parm{{canary19, "x"}}), "parms[0].name")
	wantInvalid(t, "NUL value", validateParms([]Parm{{"a", "x\x00y"}}), "parms[0].value")
	wantInvalid(t, "NUL name", validateParms([]Parm{{"a\x00", "x"}}), "parms[0].name")
	wantInvalid(t, "bad UTF-8", validateParms([]Parm{{"a", "\xff\xfe"}}), "parms[0].value")
	// No other rule: empty and repeated names pass (seed 000: "There is
	// no validation of the parameters"); only generous limits remain.
	if err := validateParms([]Parm{{"a", "1"}, {"a", "2"}, {"", ""}}); err != nil {
		t.Fatalf("repeated and empty names: %v", err)
	}
	many := make([]Parm, maxParms)
	for i := range many {
		many[i] = Parm{strings.Repeat("n", maxParmName), strings.Repeat("v", maxParmValue)}
	}
	if err := validateParms(many); err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	wantInvalid(t, "too many", validateParms(append(many, Parm{"x", "y"})), "parms")
	wantInvalid(t, "long name", validateParms([]Parm{{strings.Repeat("n", maxParmName+1), ""}}), "parms[0].name")
	wantInvalid(t, "long value", validateParms([]Parm{{"a", strings.Repeat("v", maxParmValue+1)}}), "parms[0].value")
}

func TestMemberIDAndStoreIDRefuseCardNumbers(t *testing.T) {
	if err := validateMemberID("member-4711"); err != nil {
		t.Fatal(err)
	}
	wantInvalid(t, "memberId", validateMemberID(canary), "memberId")
	wantInvalid(t, "memberId 19", validateMemberID("m"+canary19), "memberId")
	if err := validateStoreID("SB-10001"); err != nil {
		t.Fatal(err)
	}
	wantInvalid(t, "storeId", validateStoreID("store "+canary), "storeId")
	wantInvalid(t, "storeId NUL", validateStoreID("s\x00"), "storeId")
	wantInvalid(t, "storeId UTF-8", validateStoreID("s\xff"), "storeId")
}

func TestCardAcceptsOnlyMaskedPAN(t *testing.T) {
	ok := CardInput{Token: "tok-1", TokenType: "VISA", TruncatedPAN: "457100XXXXXX0001"}
	if err := ValidateCard(ok, true); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{canary, canary19, "4111 1111 1111 1111", "457100XXXXXX001", "4571000000000002"} {
		c := ok
		c.TruncatedPAN = p
		wantInvalid(t, "truncatedPan "+p, ValidateCard(c, true), "truncatedPan")
	}
	c := ok
	c.TokenType = canary
	wantInvalid(t, "tokenType", ValidateCard(c, true), "tokenType")
	c = ok
	c.Token = canary
	wantInvalid(t, "token", ValidateCard(c, true), "token")
}

func TestTermsURLMustBeFramable(t *testing.T) {
	for raw, want := range map[string]string{
		"https://partner.example/terms?x=1": "https://partner.example",
		"https://Partner.Example:8443/t":    "https://partner.example:8443",
		"https://[2001:db8::1]/t":           "https://[2001:db8::1]",
		"https://evil.example;sandbox":      "",
		"https://evil.example;sandbox/x":    "",
		"https://evil.example/x;y":          "https://evil.example",
		"https://a.example, https://b.ex":   "",
		"http://partner.example/terms":      "",
		"https://user@partner.example/":     "",
		"https://par_tner.example/":         "",
		"https://partner.example:x/":        "",
		"https://'self'/":                   "",
		"javascript:alert(1)":               "",
		"":                                  "",
	} {
		if got := FrameOrigin(raw); got != want {
			t.Errorf("FrameOrigin(%q) = %q, want %q", raw, got, want)
		}
	}
	if err := validatePartnerURL("termsUrl", "https://partner.example/terms"); err != nil {
		t.Fatal(err)
	}
	wantInvalid(t, "semicolon", validatePartnerURL("termsUrl", "https://evil.example;sandbox"), "termsUrl")
	wantInvalid(t, "http", validatePartnerURL("termsUrl", "http://partner.example/terms"), "termsUrl")
	// A landing page is a redirect target, not framed: http stays allowed.
	if err := validatePartnerURL("landingUrl", "http://partner.example/welcome"); err != nil {
		t.Fatal(err)
	}
	wantInvalid(t, "landing pan", validatePartnerURL("landingUrl", "https://p.example/?card="+canary), "landingUrl")
}
