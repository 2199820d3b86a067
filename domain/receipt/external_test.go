package receipt_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/receipt"
)

func TestExternalSignatureIsTheSeedsHMAC(t *testing.T) {
	secret := []byte("partner secret")
	// HMAC-SHA256("partner secret", "R1:till"), computed independently:
	// printf 'R1:till' | openssl dgst -sha256 -hmac 'partner secret' -binary | base64
	const want = "zu3HezSClCy1kEtyfkAWiUBhS19hiATXbMKdRUU/UyY="
	if got := receipt.ExternalSignature(secret, "R1", "till"); got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	raw, _ := base64.StdEncoding.DecodeString(want)
	for name, sig := range map[string]string{
		"standard":           want,
		"unpadded":           strings.TrimRight(want, "="),
		"URL-safe":           base64.URLEncoding.EncodeToString(raw),
		"URL-safe unpadded":  base64.RawURLEncoding.EncodeToString(raw),
		"surrounding spaces": " " + want + " ",
	} {
		if err := receipt.VerifyExternalSignature(secret, "R1", "till", sig); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, c := range map[string]struct{ secret, id, typ, sig string }{
		"missing":      {"partner secret", "R1", "till", ""},
		"other secret": {"other secret", "R1", "till", want},
		"other id":     {"partner secret", "R2", "till", want},
		"other type":   {"partner secret", "R1", "pos", want},
		"no secret":    {"", "R1", "till", want},
		"not base64":   {"partner secret", "R1", "till", "%%%"},
		"prefix only":  {"partner secret", "R1", "till", want[:10]},
		"too long":     {"partner secret", "R1", "till", strings.Repeat(want, 4)},
	} {
		err := receipt.VerifyExternalSignature([]byte(c.secret), c.id, c.typ, c.sig)
		if !errs.Is(err, errs.Forbidden) {
			t.Errorf("%s: %v, want forbidden", name, err)
		}
	}
}

func TestExternalRefNamesTheParameter(t *testing.T) {
	for _, c := range []struct{ id, typ, field string }{
		{"", "till", "externalReceiptId"}, {"R1", "", "type"}, {"R 1", "till", "externalReceiptId"},
		{strings.Repeat("x", 129), "till", "externalReceiptId"}, {"R1", "ti\x00ll", "type"},
		// "a:b" + ":" + "c" signs the same data as "a" + ":" + "b:c".
		{"R1:x", "y:till", "type"},
	} {
		err := receipt.CheckExternalRef(c.id, c.typ)
		if !errs.Is(err, errs.Invalid) || errs.As(err).Field != c.field {
			t.Errorf("%q %q: %v, want invalid %s", c.id, c.typ, err, c.field)
		}
	}
	if err := receipt.CheckExternalRef("R1", "till"); err != nil {
		t.Error(err)
	}
}
