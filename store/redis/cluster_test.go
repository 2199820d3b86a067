package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/otp"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/redis"
)

// clusterClient is a client of the three-master Redis Cluster under a key
// prefix of its own.
func clusterClient(t *testing.T) *redis.Client {
	t.Helper()
	url := testenv.RedisClusterURL(t)
	if !redis.IsClusterURL(url) {
		t.Fatalf("%s is not a cluster URL", url)
	}
	c, err := redis.Open(context.Background(), url, "lgtest:"+ids.LowerAlnum(8)+":")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Redis().(*goredis.ClusterClient); !ok {
		t.Fatalf("client is %T, want a cluster client", c.Redis())
	}
	t.Cleanup(func() {
		_ = c.DeletePrefix(context.Background())
		_ = c.Close()
	})
	return c
}

// TestRedisClusterPaths runs the OTP, rate-limit, session, cache and
// subscription paths against a three-master Redis Cluster: a script whose
// keys lay on several slots would fail there with CROSSSLOT.
func TestRedisClusterPaths(t *testing.T) {
	c := clusterClient(t)
	ctx := context.Background()
	masters := 0
	_ = c.Redis().(*goredis.ClusterClient).ForEachMaster(ctx, func(context.Context, *goredis.Client) error {
		masters++
		return nil
	})
	if masters != 3 {
		t.Fatalf("%d masters, want 3", masters)
	}

	t.Run("otp", func(t *testing.T) {
		svc, err := otp.NewService(redis.NewOTPStore(c), otp.Options{Key: otpKey})
		if err != nil {
			t.Fatal(err)
		}
		// Many phones and partners, so that keys land on every master.
		for i := range 12 {
			phone, partner := newPhone(), int64(100+i)
			code, err := svc.Issue(ctx, partner, otp.PurposeAuthenticate, phone)
			if err != nil {
				t.Fatalf("issue: %v", err)
			}
			if err := svc.Verify(ctx, partner, otp.PurposeAuthenticate, phone, "000000x"); err == nil {
				t.Fatal("a wrong code was accepted")
			}
			if err := svc.Verify(ctx, partner, otp.PurposeAuthenticate, phone, code); err != nil {
				t.Fatalf("verify: %v", err)
			}
			if err := svc.Verify(ctx, partner, otp.PurposeAuthenticate, phone, code); err == nil {
				t.Fatal("a code was accepted twice")
			}
			// The send interval (per phone) throttles the next send.
			if _, err := svc.Issue(ctx, partner, otp.PurposeAuthenticate, phone); !errs.Is(err, errs.RateLimited) {
				t.Fatalf("second send at once: %v, want rate limited", err)
			}
		}
	})

	t.Run("rate limits", func(t *testing.T) {
		f := redis.NewLoginFailures(c)
		keys := []string{"user@example.com", "192.0.2.1"}
		for range 3 {
			if err := f.AddFailure(ctx, time.Minute, keys...); err != nil {
				t.Fatal(err)
			}
		}
		if wait, err := f.Blocked(ctx, 3, keys...); err != nil || wait <= 0 {
			t.Fatalf("blocked: %s %v, want a wait", wait, err)
		}
		k := redis.NewKeyIDs(c)
		if first, err := k.FirstUse(ctx, "partner", "jti-1", time.Minute); err != nil || !first {
			t.Fatalf("first use: %v %v", first, err)
		}
		if first, err := k.FirstUse(ctx, "partner", "jti-1", time.Minute); err != nil || first {
			t.Fatalf("second use: %v %v", first, err)
		}
	})

	t.Run("sessions", func(t *testing.T) {
		p := redis.NewPDFSessions(c)
		s := receipt.PDFSession{ID: ids.New(), ProviderID: 7, UserID: ids.New(), ReceiptID: ids.New(), ExpiresAt: time.Now().Add(time.Minute)}
		if err := p.SavePDFSession(ctx, s, time.Minute); err != nil {
			t.Fatal(err)
		}
		got, err := p.FindPDFSession(ctx, s.ID)
		if err != nil || got == nil || got.ReceiptID != s.ReceiptID {
			t.Fatalf("find session: %+v %v", got, err)
		}
		cards := redis.NewPendingCards(c)
		if err := cards.Put(ctx, "frame-1", []byte("sealed"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if b, err := cards.Take(ctx, "frame-1"); err != nil || string(b) != "sealed" {
			t.Fatalf("take: %q %v", b, err)
		}
	})

	t.Run("caches", func(t *testing.T) {
		logos := redis.NewLogoCache(c)
		img := merchant.LogoImage{Logo: merchant.Logo{Version: "3", ContentType: "image/png"}, Data: []byte("png")}
		if err := logos.PutLogo(ctx, "m1", img); err != nil {
			t.Fatal(err)
		}
		if got, err := logos.GetLogo(ctx, "m1"); err != nil || got == nil || got.Version != "3" || string(got.Data) != "png" {
			t.Fatalf("logo: %+v %v", got, err)
		}
		apq := redis.NewPersistedQueries(c, testenv.Logger())
		apq.Add(ctx, "hash", "{ __typename }")
		if q, ok := apq.Get(ctx, "hash"); !ok || q != "{ __typename }" {
			t.Fatalf("persisted query: %q %v", q, ok)
		}
	})

	t.Run("subscriptions", func(t *testing.T) {
		feed := redis.NewLiveFeed(c, 2, testenv.Logger())
		defer feed.Close()
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		events, err := feed.Subscribe(sctx, "holder", func(ev notify.LiveEvent) bool { return ev.UserID == "u1" })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := feed.Subscribe(sctx, "holder", func(notify.LiveEvent) bool { return false }); err != nil {
			t.Fatal(err)
		}
		if _, err := feed.Subscribe(sctx, "holder", func(notify.LiveEvent) bool { return false }); !errs.Is(err, errs.RateLimited) {
			t.Fatalf("third subscription: %v, want rate limited", err)
		}
		// Another replica publishes.
		other, err := redis.Open(ctx, testenv.RedisClusterURL(t), c.Key()) // same prefix
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		pub := redis.NewLiveFeed(other, 0, nil)
		for _, u := range []string{"u2", "u1"} {
			if err := pub.Publish(ctx, notify.LiveEvent{Type: notify.EventReceipt, OwnerID: 1, UserID: u, ID: "r-" + u}); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case ev := <-events:
			if ev.ID != "r-u1" {
				t.Fatalf("got %+v, want u1's event only", ev)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("no event through the cluster")
		}
	})

	t.Run("delete prefix", func(t *testing.T) {
		if err := c.DeletePrefix(ctx); err != nil {
			t.Fatal(err)
		}
		n := 0
		err := c.Redis().(*goredis.ClusterClient).ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
			keys, err := node.Keys(ctx, c.Key()+"*").Result()
			n += len(keys)
			return err
		})
		if err != nil && !errors.Is(err, goredis.Nil) {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d keys left", n)
		}
	})
}
