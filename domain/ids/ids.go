// Package ids generates the random identifiers of the Storebox families.
package ids

import (
	"crypto/rand"
)

const lowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"

const mixedAlnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// StoreboxLength is the length of a generated Storebox-style id.
const StoreboxLength = 32

// New returns a Storebox-style id: 32 random characters of [0-9a-z].
func New() string { return randomString(StoreboxLength, lowerAlnum) }

// LowerAlnum returns n random characters of [0-9a-z].
func LowerAlnum(n int) string { return randomString(n, lowerAlnum) }

// Secret returns n random characters of [0-9a-zA-Z], for secrets shown once.
func Secret(n int) string { return randomString(n, mixedAlnum) }

// randomString draws n characters uniformly from alphabet using crypto/rand,
// rejecting bytes that would bias the distribution.
func randomString(n int, alphabet string) string {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(alphabet)
	buf := make([]byte, n+n/2+8)
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails on supported platforms
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out)
}

// IsLowerAlnum reports whether s consists only of [0-9a-z].
func IsLowerAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// UUID returns a random (version 4) UUID in its canonical lower-case form,
// the id of Open Loyalty objects.
func UUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexdigits[c>>4], hexdigits[c&0xf])
	}
	return string(out)
}

// IsUUID reports whether s is a UUID in canonical form (any version,
// either case).
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return false
		}
	}
	return true
}
