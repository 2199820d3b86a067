package secret

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"loyaltygraph/domain/errs"
)

var cheap = Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestArgon2HashAndVerify(t *testing.T) {
	a := NewArgon2(cheap, 1)
	ctx := context.Background()
	h, err := a.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q", h)
	}
	if h2, _ := a.Hash(ctx, "correct horse"); h2 == h {
		t.Fatal("two hashes of one secret are equal: salt missing")
	}
	if ok, err := a.Verify(ctx, h, "correct horse"); !ok || err != nil {
		t.Fatalf("verify: %v %v", ok, err)
	}
	if ok, _ := a.Verify(ctx, h, "correct horsE"); ok {
		t.Fatal("wrong secret verified")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AA$AA"} {
		if _, err := a.Verify(ctx, bad, "x"); err == nil {
			t.Fatalf("malformed hash %q accepted", bad)
		}
	}
}

func TestArgon2BoundsConcurrency(t *testing.T) {
	a := NewArgon2(cheap, 1)
	a.slots <- struct{}{} // every slot taken
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Hash(ctx, "x"); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("hash with no free slot: %v", err)
	}
	<-a.slots
	if _, err := a.Hash(context.Background(), "x"); err != nil {
		t.Fatalf("hash with a free slot: %v", err)
	}
}

func TestSealOpen(t *testing.T) {
	k, err := NewKeys(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := k.Seal([]byte("partner secret"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("partner secret")) {
		t.Fatal("sealed value holds the plain text")
	}
	plain, err := k.Open(sealed)
	if err != nil || string(plain) != "partner secret" {
		t.Fatalf("open: %q %v", plain, err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := k.Open(sealed); err == nil {
		t.Fatal("tampered value opened")
	}
	if _, err := k.Open([]byte("short")); err == nil {
		t.Fatal("short value opened")
	}
	other, _ := NewKeys(bytes.Repeat([]byte("o"), 32))
	sealed2, _ := k.Seal([]byte("x"))
	if _, err := other.Open(sealed2); err == nil {
		t.Fatal("opened with another key")
	}
	if !bytes.Equal(k.LookupHash([]byte("a")), k.LookupHash([]byte("a"))) || bytes.Equal(k.LookupHash([]byte("a")), other.LookupHash([]byte("a"))) {
		t.Fatal("lookup hash is not keyed and deterministic")
	}
	if _, err := NewKeys([]byte("short")); err == nil {
		t.Fatal("short server key accepted")
	}
}
