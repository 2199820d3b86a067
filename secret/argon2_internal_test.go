package secret

import (
	"context"
	"testing"
	"time"

	"loyaltygraph/domain/errs"
)

// TestArgon2ReservedSlot: with every shared slot taken (a flood of bad
// logins), Verify waits and gives up, while VerifyReserved, for a secret
// that verified before, still runs.
func TestArgon2ReservedSlot(t *testing.T) {
	a := NewArgon2(Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 2)
	hash, err := a.Hash(context.Background(), "good secret")
	if err != nil {
		t.Fatal(err)
	}
	for range cap(a.slots) {
		a.slots <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := a.Verify(ctx, hash, "good secret"); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Verify with every shared slot taken: %v, want unavailable", err)
	}
	ok, err := a.VerifyReserved(context.Background(), hash, "good secret")
	if err != nil || !ok {
		t.Fatalf("VerifyReserved: %v %v", ok, err)
	}
	if len(a.reserved) != 0 {
		t.Fatal("the reserved slot was not released")
	}
}
