package redis_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"loyaltygraph/domain/checkout"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/redis"
)

func TestCheckoutSessionsSlideAndExpire(t *testing.T) {
	ctx := context.Background()
	rc := testenv.Redis(t)
	s := redis.NewCheckoutSessions(rc)
	tok := checkout.NewToken()
	if got, err := s.FindSession(ctx, tok, time.Hour); err != nil || got != nil {
		t.Fatalf("an unknown token: %+v %v", got, err)
	}
	want := &checkout.Session{Token: tok, AccountID: "acc", Epoch: 2, Selection: []checkout.Line{{Item: "2-1", Quantity: 3}}}
	if err := s.SaveSession(ctx, want, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(tok))
	key := rc.Key("checkout", "session", hex.EncodeToString(sum[:]))
	if ttl := rc.Redis().PTTL(ctx, key).Val(); ttl <= 0 || ttl > 2*time.Second {
		t.Fatalf("ttl after save: %v", ttl)
	}
	got, err := s.FindSession(ctx, tok, time.Hour)
	if err != nil || got == nil || got.Token != tok || got.AccountID != "acc" || got.Epoch != 2 || len(got.Selection) != 1 || got.Selection[0].Quantity != 3 {
		t.Fatalf("found %+v %v", got, err)
	}
	// Reading extends the session (sliding expiry).
	if ttl := rc.Redis().PTTL(ctx, key).Val(); ttl < 59*time.Minute {
		t.Fatalf("ttl after a read: %v, want about an hour", ttl)
	}
	rc.Redis().PExpire(ctx, key, time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	if got, err := s.FindSession(ctx, tok, time.Hour); err != nil || got != nil {
		t.Fatalf("an expired session: %+v %v", got, err)
	}
}
