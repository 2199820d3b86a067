package auth_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/secret"
	"loyaltygraph/store/postgres"
	"loyaltygraph/store/redis"
)

// countingHasher counts the hashes it verifies, and which of them used the
// reserved capacity.
type countingHasher struct {
	*secret.Argon2
	verified, reserved atomic.Int64
}

func (h *countingHasher) Verify(ctx context.Context, encoded, s string) (bool, error) {
	h.verified.Add(1)
	return h.Argon2.Verify(ctx, encoded, s)
}

func (h *countingHasher) VerifyReserved(ctx context.Context, encoded, s string) (bool, error) {
	h.reserved.Add(1)
	return h.Argon2.VerifyReserved(ctx, encoded, s)
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newGuardedService(t *testing.T, failures auth.FailureCounter) (*auth.Service, *countingHasher, *clock) {
	t.Helper()
	keys, err := secret.NewKeys(testenv.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	h := &countingHasher{Argon2: secret.NewArgon2(testenv.CheapArgon2, 0)}
	c := &clock{now: time.Now()}
	svc := auth.NewService(postgres.NewCredentialStore(testenv.DB(t)), h, keys, c.Now, auth.Options{Failures: failures})
	return svc, h, c
}

// TestThirtyThirdBadLoginIsRefusedWithoutHashing: after 32 failed logins
// of a username within a minute the next login is RateLimited before the
// hasher runs, whatever the secret; the window's end lets logins in again.
func TestThirtyThirdBadLoginIsRefusedWithoutHashing(t *testing.T) {
	svc, h, _ := newGuardedService(t, redis.NewLoginFailures(testenv.Redis(t)))
	ctx := context.Background()
	nc, err := svc.CreateCredential(ctx, auth.KindSettlement, "throttled")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 32 {
		if _, err := svc.AuthenticateBasicFrom(ctx, "192.0.2.10", nc.Username, "wrong"); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("bad login %d: %v", i+1, err)
		}
	}
	if n := h.verified.Load(); n != 32 {
		t.Fatalf("%d hashes for 32 bad logins", n)
	}
	for _, s := range []string{"wrong", nc.Secret} {
		_, err := svc.AuthenticateBasicFrom(ctx, "192.0.2.11", nc.Username, s)
		if e := errs.As(err); e == nil || e.Code != errs.RateLimited || e.RetryAfter <= 0 || e.RetryAfter > time.Minute {
			t.Fatalf("login after 32 failures: %v", err)
		}
	}
	if n := h.verified.Load(); n != 32 {
		t.Fatalf("the refused logins were hashed: %d hashes", n)
	}
	// The client address is counted too: another username from it is refused.
	other, err := svc.CreateCredential(ctx, auth.KindSettlement, "same address")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateBasicFrom(ctx, "192.0.2.10", other.Username, other.Secret); !errs.Is(err, errs.RateLimited) {
		t.Fatalf("login from the flooding address: %v", err)
	}
	if _, err := svc.AuthenticateBasicFrom(ctx, "192.0.2.12", other.Username, other.Secret); err != nil {
		t.Fatalf("login from another address: %v", err)
	}
}

// TestKnownGoodCredentialsSkipTheThrottle: a pair that verified before is
// not locked out by others' failures, and is hashed on the reserved slot
// once the one-minute trust has lapsed.
func TestKnownGoodCredentialsSkipTheThrottle(t *testing.T) {
	svc, h, c := newGuardedService(t, redis.NewLoginFailures(testenv.Redis(t)))
	ctx := context.Background()
	nc, err := svc.CreateCredential(ctx, auth.KindAdmin, "known")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateBasicFrom(ctx, "192.0.2.20", nc.Username, nc.Secret); err != nil {
		t.Fatal(err)
	}
	for range 32 {
		_, _ = svc.AuthenticateBasicFrom(ctx, "192.0.2.21", nc.Username, "wrong")
	}
	c.Add(2 * time.Minute) // past the trust without hashing, within the counters' real minute
	if _, err := svc.AuthenticateBasicFrom(ctx, "192.0.2.20", nc.Username, nc.Secret); err != nil {
		t.Fatalf("known good login during a flood: %v", err)
	}
	if h.reserved.Load() != 1 {
		t.Fatalf("%d reserved verifications, want 1", h.reserved.Load())
	}
}

// downCounter is a FailureCounter whose storage is unreachable.
type downCounter struct{}

func (downCounter) Blocked(context.Context, int, ...string) (time.Duration, error) {
	return 0, errors.New("connection refused")
}

func (downCounter) AddFailure(context.Context, time.Duration, ...string) error {
	return errors.New("connection refused")
}

// TestLoginsWorkWithTheCountersDown: the throttle fails open.
func TestLoginsWorkWithTheCountersDown(t *testing.T) {
	svc, _, _ := newGuardedService(t, downCounter{})
	ctx := context.Background()
	nc, err := svc.CreateCredential(ctx, auth.KindAdmin, "redis down")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateBasicFrom(ctx, "192.0.2.30", nc.Username, "wrong"); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("bad login: %v", err)
	}
	if _, err := svc.AuthenticateBasicFrom(ctx, "192.0.2.30", nc.Username, nc.Secret); err != nil {
		t.Fatalf("good login with the counters down: %v", err)
	}
}

// TestKeyIDsAreUsedOnce covers UseKeyID without and with its store.
func TestKeyIDsAreUsedOnce(t *testing.T) {
	ctx := context.Background()
	keys, _ := secret.NewKeys(testenv.SecretKey)
	bare := auth.NewService(postgres.NewCredentialStore(testenv.DB(t)), secret.NewArgon2(testenv.CheapArgon2, 0), keys, time.Now, auth.Options{})
	if err := bare.UseKeyID(ctx, "partner-a", "k1", time.Minute); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("without a store: %v, want unavailable (fail closed)", err)
	}
	svc := auth.NewService(postgres.NewCredentialStore(testenv.DB(t)), secret.NewArgon2(testenv.CheapArgon2, 0), keys, time.Now,
		auth.Options{KeyIDs: redis.NewKeyIDs(testenv.Redis(t))})
	if err := svc.UseKeyID(ctx, "partner-a", "", time.Minute); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("empty id: %v", err)
	}
	if err := svc.UseKeyID(ctx, "partner-a", "k1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := svc.UseKeyID(ctx, "partner-a", "k1", time.Minute); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("replay: %v", err)
	}
	if err := svc.UseKeyID(ctx, "partner-b", "k1", time.Minute); err != nil {
		t.Fatalf("same id of another partner: %v", err)
	}
}
