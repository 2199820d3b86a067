package notify

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestSignMatchesTheStandardWebhooksVector: receivers verify with the
// Standard Webhooks libraries, so the published test vector must come out.
func TestSignMatchesTheStandardWebhooksVector(t *testing.T) {
	got, err := Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
		[]byte(`{"test": 2432232314}`))
	if err != nil || got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("Sign = %q, %v", got, err)
	}
	if _, err := Sign("whsec_not base64!", "id", 1, nil); err == nil {
		t.Fatal("bad secret accepted")
	}
}

func TestNewSigningSecret(t *testing.T) {
	a, err := NewSigningSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSigningSecret()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "whsec_"))
	if !strings.HasPrefix(a, "whsec_") || err != nil || len(key) != 32 || a == b {
		t.Fatalf("secrets %q %q", a, b)
	}
}
