package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// MinKeyLength is the shortest SECRET_KEY the server accepts.
const MinKeyLength = 32

// Keys derives independent keys from the server key: one to seal values
// (AES-256-GCM) and one for keyed look-up hashes (HMAC-SHA256).
type Keys struct {
	aead    cipher.AEAD
	hmacKey []byte
}

// NewKeys derives the keys from the server secret key.
func NewKeys(serverKey []byte) (*Keys, error) {
	if len(serverKey) < MinKeyLength {
		return nil, fmt.Errorf("server key must be at least %d bytes", MinKeyLength)
	}
	sealKey, err := hkdf.Key(sha256.New, serverKey, nil, "loyaltygraph seal v1", 32)
	if err != nil {
		return nil, err
	}
	hmacKey, err := hkdf.Key(sha256.New, serverKey, nil, "loyaltygraph lookup v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{aead: aead, hmacKey: hmacKey}, nil
}

// Seal encrypts plain; the output carries its random nonce.
func (k *Keys) Seal(plain []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, plain, nil), nil
}

// Open decrypts what Seal produced.
func (k *Keys) Open(sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, errors.New("sealed value too short")
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, fmt.Errorf("open sealed value: %w", err)
	}
	return plain, nil
}

// LookupHash returns a keyed hash of value for finding a sealed value by its
// plain form without storing the plain form.
func (k *Keys) LookupHash(value []byte) []byte {
	m := hmac.New(sha256.New, k.hmacKey)
	m.Write(value)
	return m.Sum(nil)
}
