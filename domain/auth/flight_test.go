package auth_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/secret"
	"loyaltygraph/store/postgres"
)

// gatedHasher counts the slow-hash verifications it runs; each waits for
// its gate (when one is set) and then takes delay.
type gatedHasher struct {
	*secret.Argon2
	delay time.Duration
	calls atomic.Int64

	mu   sync.Mutex
	gate chan struct{}
}

func (h *gatedHasher) wait() {
	h.calls.Add(1)
	h.mu.Lock()
	g := h.gate
	h.mu.Unlock()
	if g != nil {
		<-g
	}
	time.Sleep(h.delay)
}

func (h *gatedHasher) Verify(ctx context.Context, encoded, s string) (bool, error) {
	h.wait()
	return h.Argon2.Verify(ctx, encoded, s)
}

func (h *gatedHasher) VerifyReserved(ctx context.Context, encoded, s string) (bool, error) {
	h.wait()
	return h.Argon2.VerifyReserved(ctx, encoded, s)
}

// setGate makes the next verifications wait until the returned function
// is called.
func (h *gatedHasher) setGate() (release func()) {
	g := make(chan struct{})
	h.mu.Lock()
	h.gate = g
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		h.gate = nil
		h.mu.Unlock()
		close(g)
	}
}

// blockedEveryone is a failure counter under which every key is throttled.
type blockedEveryone struct{}

func (blockedEveryone) Blocked(context.Context, int, ...string) (time.Duration, error) {
	return time.Minute, nil
}
func (blockedEveryone) AddFailure(context.Context, time.Duration, ...string) error { return nil }

func newFlightService(t *testing.T, delay time.Duration, failures auth.FailureCounter) (*auth.Service, *gatedHasher, *clock, *auth.NewCredential) {
	t.Helper()
	keys, err := secret.NewKeys(testenv.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	h := &gatedHasher{Argon2: secret.NewArgon2(testenv.CheapArgon2, 0), delay: delay}
	c := &clock{now: time.Now()}
	svc := auth.NewService(postgres.NewCredentialStore(testenv.DB(t)), h, keys, c.Now, auth.Options{Failures: failures})
	nc, err := svc.CreateCredential(context.Background(), auth.KindSettlement, "flight")
	if err != nil {
		t.Fatal(err)
	}
	return svc, h, c, nc
}

// TestConcurrentLoginsOfOnePairVerifyOnce: 64 requests with the same
// credentials on a cold cache run one slow-hash verification between
// them, and all of them get in.
func TestConcurrentLoginsOfOnePairVerifyOnce(t *testing.T) {
	svc, h, _, nc := newFlightService(t, 50*time.Millisecond, nil)
	const n = 64
	var wg sync.WaitGroup
	errc := make(chan error, n)
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			p, err := svc.AuthenticateBasicFrom(context.Background(), "192.0.2.1", nc.Username, nc.Secret)
			if err == nil && p.Username != nc.Username {
				err = errs.E(errs.Internal, "principal %q", p.Username)
			}
			errc <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	if c := h.calls.Load(); c != 1 {
		t.Fatalf("%d verifications for %d concurrent logins of one pair, want 1", c, n)
	}

	// Wrong secrets are not let in by the shared verification of another
	// pair, and are verified (and fail) on their own.
	if _, err := svc.AuthenticateBasic(context.Background(), nc.Username, "wrong"); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("wrong secret: %v", err)
	}
}

// TestAWaiterThatLeavesDoesNotFailTheOthers: a request that gives up while
// the shared verification runs gets an error of its own; the others still
// get in.
func TestAWaiterThatLeavesDoesNotFailTheOthers(t *testing.T) {
	svc, h, _, nc := newFlightService(t, 0, nil)
	release := h.setGate()
	ctx, cancel := context.WithCancel(context.Background())
	leaver := make(chan error, 1)
	go func() {
		_, err := svc.AuthenticateBasic(ctx, nc.Username, nc.Secret)
		leaver <- err
	}()
	stayer := make(chan error, 1)
	go func() {
		for h.calls.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		_, err := svc.AuthenticateBasic(context.Background(), nc.Username, nc.Secret)
		stayer <- err
	}()
	for h.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-leaver; !errs.Is(err, errs.Unavailable) {
		t.Fatalf("the request that left: %v", err)
	}
	release()
	if err := <-stayer; err != nil {
		t.Fatalf("the request that stayed: %v", err)
	}
	if c := h.calls.Load(); c != 1 {
		t.Fatalf("%d verifications, want 1", c)
	}
}

// TestVerifiedPairIsRefreshedAheadOfExpiry: a pair used in the last
// seconds of its trust is answered at once from the cache while one
// background verification renews it, so that no request waits for the
// slow hash when the old entry would have expired.
func TestVerifiedPairIsRefreshedAheadOfExpiry(t *testing.T) {
	svc, h, clk, nc := newFlightService(t, 0, nil)
	ctx := context.Background()
	if _, err := svc.AuthenticateBasic(ctx, nc.Username, nc.Secret); err != nil {
		t.Fatal(err)
	}
	release := h.setGate() // verifications from now on wait
	clk.Add(50 * time.Second)
	for range 20 {
		start := time.Now()
		if _, err := svc.AuthenticateBasic(ctx, nc.Username, nc.Secret); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > 100*time.Millisecond {
			t.Fatalf("a login near expiry waited %v for the refresh", took)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.calls.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if c := h.calls.Load(); c != 2 {
		t.Fatalf("%d verifications, want the first and one refresh", c)
	}
	release()
	// Once the refresh is done, the pair is good past the old expiry
	// without another verification.
	time.Sleep(50 * time.Millisecond)
	clk.Add(20 * time.Second) // 70 s after the first verification
	start := time.Now()
	if _, err := svc.AuthenticateBasic(ctx, nc.Username, nc.Secret); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Fatalf("the login after the old expiry waited %v", took)
	}
	if c := h.calls.Load(); c != 2 {
		t.Fatalf("%d verifications after the old expiry, want 2", c)
	}
}

// TestThrottleStandsBeforeTheSharedVerification: with the username
// throttled, concurrent logins of an unknown pair are refused without a
// single verification.
func TestThrottleStandsBeforeTheSharedVerification(t *testing.T) {
	svc, h, _, nc := newFlightService(t, 0, blockedEveryone{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := svc.AuthenticateBasicFrom(context.Background(), "192.0.2.2", nc.Username, nc.Secret); !errs.Is(err, errs.RateLimited) {
				t.Errorf("throttled login: %v", err)
			}
		}()
	}
	wg.Wait()
	if c := h.calls.Load(); c != 0 {
		t.Fatalf("%d verifications behind the throttle", c)
	}
}
