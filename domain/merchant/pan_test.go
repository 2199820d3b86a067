package merchant

import (
	"strings"
	"testing"

	"loyaltygraph/domain/errs"
)

// TestMerchantTextRefusesCardNumbers: ids, names and numbers of the
// merchant model refuse card numbers without echo; product codes keep
// their EAN-13 that happens to pass Luhn.
func TestMerchantTextRefusesCardNumbers(t *testing.T) {
	const visa = "4111111111111111"
	for _, c := range []struct {
		field string
		err   error
	}{
		{"merchantId", ValidateID("merchantId", "m-"+visa)},
		{"merchant.name", validateName("Shop " + visa)},
		{"storeNumber", validateText("storeNumber", "4111-1111-1111-1111", 1, MaxTextLength)},
		{"name", validateText("name", "4000000000000000006", 1, MaxTextLength)},
		{"productNumber", validateText("productNumber", visa, 1, MaxTextLength)},
		{"productId", ValidateID("productId", visa)},
	} {
		e := errs.As(c.err)
		if c.err == nil || e.Code != errs.Invalid || e.Field != c.field || strings.Contains(e.Message, "1111111111") {
			t.Errorf("%s: %v", c.field, c.err)
		}
	}
	// 4222222222222 is a 13-digit Visa test number and a valid-looking EAN.
	if err := validateText("productNumber", "4222222222222", 1, MaxTextLength); err != nil {
		t.Errorf("EAN-13 product number refused: %v", err)
	}
	if err := ValidateID("productId", "4222222222222"); err != nil {
		t.Errorf("EAN-13 product id refused: %v", err)
	}
}
