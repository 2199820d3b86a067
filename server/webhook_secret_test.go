package server_test

import (
	"strings"
	"testing"
)

// TestSigningSecretShownOnce: setting a new endpoint answers its signing
// secret; replacing it keeps the secret without showing it; listing never
// shows it; deleting and setting again gives a new one.
func TestSigningSecretShownOnce(t *testing.T) {
	f := newFixture(t)
	const set = `mutation($url: String!) { setNotificationEndpoint(input: {type: USER_CREATED, url: $url}) {
		signingSecret endpoint { url } userErrors { field } } }`
	secret := func(url string) *string {
		t.Helper()
		_, res := f.gql(t, f.partner, set, map[string]any{"url": url})
		var data struct {
			SetNotificationEndpoint struct {
				SigningSecret *string
				UserErrors    []any
			}
		}
		decodeData(t, res, &data)
		if len(data.SetNotificationEndpoint.UserErrors) > 0 {
			t.Fatalf("userErrors %v", data.SetNotificationEndpoint.UserErrors)
		}
		return data.SetNotificationEndpoint.SigningSecret
	}
	first := secret("https://hooks.example/a")
	if first == nil || !strings.HasPrefix(*first, "whsec_") || len(*first) < 40 {
		t.Fatalf("first set: secret %v", first)
	}
	if again := secret("https://hooks.example/b"); again != nil {
		t.Fatalf("replacing the endpoint showed the secret again: %s", *again)
	}
	_, res := f.gql(t, f.partner, `{ notificationEndpoints { nodes { url } } }`, nil)
	if strings.Contains(string(res.Data), *first) {
		t.Fatal("endpoint list shows the secret")
	}
	_, res = f.gql(t, f.partner, `mutation { deleteNotificationEndpoint(type: USER_CREATED) { deletedType userErrors { field } } }`, nil)
	if !strings.Contains(string(res.Data), `"deletedType":"USER_CREATED"`) {
		t.Fatalf("delete: %s %+v", res.Data, res.Errors)
	}
	if next := secret("https://hooks.example/c"); next == nil || *next == *first {
		t.Fatalf("a new endpoint after delete: secret %v", next)
	}
}
