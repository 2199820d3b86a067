// Package secret holds the server's cryptography: argon2id hashing of
// secrets with bounded concurrency, sealing of values the server must read
// back, and keyed hashes for finding sealed values.
package secret

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"

	"loyaltygraph/domain/errs"
)

// Argon2Params are the cost parameters of new hashes. Existing hashes carry
// their own parameters.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultArgon2Params follow the OWASP recommendation for argon2id
// (19 MiB, 2 passes, 1 lane).
var DefaultArgon2Params = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// Argon2 hashes and verifies secrets with argon2id. At most a fixed number
// of hashes run at once, so that a flood of logins queues instead of
// exhausting memory and CPU; a caller whose context ends while queued gets
// an Unavailable error. One more slot is reserved for VerifyReserved: secrets
// known to have verified before are not queued behind a flood of bad ones.
type Argon2 struct {
	params   Argon2Params
	slots    chan struct{}
	reserved chan struct{}
}

// NewArgon2 returns a hasher that runs at most concurrency hashes at once
// (GOMAXPROCS when concurrency < 1), plus one reserved for VerifyReserved.
func NewArgon2(params Argon2Params, concurrency int) *Argon2 {
	if concurrency < 1 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	return &Argon2{params: params, slots: make(chan struct{}, concurrency), reserved: make(chan struct{}, 1)}
}

func (a *Argon2) acquire(ctx context.Context) error {
	select {
	case a.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errs.E(errs.Unavailable, "too many concurrent logins, try again")
	}
}

func (a *Argon2) release() { <-a.slots }

// acquireAny takes a shared slot or the reserved one, whichever frees
// first, and returns its release.
func (a *Argon2) acquireAny(ctx context.Context) (func(), error) {
	select {
	case a.slots <- struct{}{}:
		return a.release, nil
	case a.reserved <- struct{}{}:
		return func() { <-a.reserved }, nil
	case <-ctx.Done():
		return nil, errs.E(errs.Unavailable, "too many concurrent logins, try again")
	}
}

// Hash returns the PHC-encoded argon2id hash of secret.
func (a *Argon2) Hash(ctx context.Context, secret string) (string, error) {
	salt := make([]byte, a.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2 salt: %w", err)
	}
	if err := a.acquire(ctx); err != nil {
		return "", err
	}
	defer a.release()
	p := a.params
	key := argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether secret matches the encoded hash, comparing in
// constant time.
func (a *Argon2) Verify(ctx context.Context, encoded, secret string) (bool, error) {
	p, salt, want, err := decodeArgon2(encoded)
	if err != nil {
		return false, err
	}
	if err := a.acquire(ctx); err != nil {
		return false, err
	}
	defer a.release()
	got := argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// VerifyReserved is Verify for a secret that verified before: it may also
// use the reserved slot, which Hash and Verify never take.
func (a *Argon2) VerifyReserved(ctx context.Context, encoded, secret string) (bool, error) {
	p, salt, want, err := decodeArgon2(encoded)
	if err != nil {
		return false, err
	}
	release, err := a.acquireAny(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	got := argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func decodeArgon2(encoded string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("argon2: malformed hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("argon2: unsupported version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("argon2: malformed parameters")
	}
	if p.Memory > 1<<20 || p.Time > 16 || p.Threads == 0 {
		return p, nil, nil, fmt.Errorf("argon2: parameters out of range")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("argon2: malformed salt")
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return p, nil, nil, fmt.Errorf("argon2: malformed key")
	}
	return p, salt, key, nil
}
