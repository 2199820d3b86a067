package redis_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/redis"
)

func TestLogoCacheReplacesVersionsAndExpires(t *testing.T) {
	ctx := context.Background()
	rc := testenv.Redis(t)
	c := redis.NewLogoCache(rc)
	id := "m" + ids.LowerAlnum(10)
	if got, err := c.GetLogo(ctx, id); err != nil || got != nil {
		t.Fatalf("empty cache: %+v %v", got, err)
	}
	bin := []byte("\x89PNG\r\n\x1a\n\x00\xff\x00binary")
	for _, l := range []merchant.LogoImage{
		{Logo: merchant.Logo{Version: "1111111111111111", ContentType: "image/png"}, Data: bin},
		{Logo: merchant.Logo{Version: "2222222222222222", ContentType: "image/webp"}, Data: []byte("RIFF....WEBP")},
	} {
		if err := c.PutLogo(ctx, id, l); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetLogo(ctx, id)
		if err != nil || got == nil || got.Version != l.Version || got.ContentType != l.ContentType || !bytes.Equal(got.Data, l.Data) {
			t.Fatalf("cached %+v %v, want %+v", got, err, l)
		}
	}
	ttl, err := rc.Redis().TTL(ctx, rc.Key("logo", id)).Result()
	if err != nil || ttl <= 0 || ttl > 24*time.Hour {
		t.Fatalf("ttl %v %v", ttl, err)
	}
}
