package phone

import "testing"

// TestStrictRefusesNumbersOutsideTheNumberingPlan: seed 003 refuses
// "+440000000" (possible by length, invalid in the UK plan) and accepts its
// own sample numbers.
func TestStrictRefusesNumbersOutsideTheNumberingPlan(t *testing.T) {
	for raw, want := range map[string]string{"+48234234000": "48234234000", "+48 456 456 000": "48456456000", "4520304050": "4520304050"} {
		if got, err := (Strict{}).Normalize("phone", raw); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{"+440000000", "0665998332", "", "+48abc"} {
		if _, err := (Strict{}).Normalize("phone", raw); err == nil {
			t.Errorf("%s accepted", raw)
		}
	}
}
