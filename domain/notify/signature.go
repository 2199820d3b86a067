package notify

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// signingSecretPrefix starts every signing secret, as in the Standard
// Webhooks specification.
const signingSecretPrefix = "whsec_"

// signingSecretBytes is the size of the key behind a signing secret.
const signingSecretBytes = 32

// NewSigningSecret returns a new random signing secret: "whsec_" and the
// standard base64 of 32 random bytes.
func NewSigningSecret() (string, error) {
	key := make([]byte, signingSecretBytes)
	if _, err := rand.Read(key); err != nil {
		return "", errors.New("signing secret: no randomness")
	}
	return signingSecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Sign returns the webhook-signature header value of one delivery as the
// Standard Webhooks specification defines it: "v1," and the base64 of the
// HMAC-SHA256, keyed with the secret's decoded bytes, of
// "{webhook-id}.{webhook-timestamp}.{body}".
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, signingSecretPrefix))
	if err != nil || len(key) == 0 {
		return "", errors.New("signing secret is not valid base64")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}
