package checkout_test

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"
	"time"

	"loyaltygraph/internal/wire"
	"loyaltygraph/secret"
)

// TestWrongPasswordAndUnknownEmailLookAlike: a wrong password and an
// unknown e-mail give the same status and byte-identical bodies apart from
// the session token, and take the same time (the unknown address is
// checked against a dummy hash of the same cost). The hash cost is raised
// above the test default so that a skipped hash would show.
func TestWrongPasswordAndUnknownEmailLookAlike(t *testing.T) {
	e := newEnvWith(t, wire.Options{LoginFailuresPerMinute: 1_000_000,
		Argon2: &secret.Argon2Params{Memory: 8 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}})
	e.remote = "198.51.100.7:4000"
	e.register("known@example.com")

	const tries = 100
	try := func(email string) (time.Duration, []byte, int) {
		start := time.Now()
		r := e.do("POST", "/login/"+email, "", map[string]any{"password": "not the password"})
		d := time.Since(start)
		return d, bytes.Replace(r.raw, []byte(r.token()), []byte("TOKEN"), 1), r.status
	}
	// Warm up both paths (the dummy hash is made on first use).
	try("known@example.com")
	try("unknown@example.com")

	var wrong, unknown []time.Duration
	var want []byte
	check := func(i int, email string, body []byte, status int) {
		t.Helper()
		if status != http.StatusNotAcceptable {
			t.Fatalf("try %d (%s): status %d: %s", i, email, status, body)
		}
		if want == nil {
			want = body
		} else if !bytes.Equal(body, want) {
			t.Fatalf("try %d (%s): body differs apart from the token:\n%s\n%s", i, email, body, want)
		}
	}
	// Pairs in random order, so that whatever the first request of a pair
	// leaves behind (garbage, counters) weighs on both alike.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range tries {
		order := []string{"known@example.com", "unknown@example.com"}
		if rng.IntN(2) == 1 {
			order[0], order[1] = order[1], order[0]
		}
		for _, email := range order {
			d, body, status := try(email)
			check(i, email, body, status)
			if email == "known@example.com" {
				wrong = append(wrong, d)
			} else {
				unknown = append(unknown, d)
			}
		}
	}
	if string(want) != `{"token":"TOKEN","errors":{"password":"incorrect"}}`+"\n" {
		t.Fatalf("the body is %s", want)
	}
	mw, mu := median(wrong), median(unknown)
	diff := mw - mu
	if diff < 0 {
		diff = -diff
	}
	t.Logf("median wrong password %v, unknown e-mail %v", mw, mu)
	// Generous: without the dummy hash, the unknown e-mail would be
	// faster by the whole hash, most of the request's time.
	if diff > max(mw, mu)*4/10 {
		t.Fatalf("median times differ by %v: wrong password %v, unknown e-mail %v", diff, mw, mu)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func TestLoginFailuresAreThrottled(t *testing.T) {
	e := newEnvWith(t, wire.Options{LoginFailuresPerMinute: 5})
	e.remote = "198.51.100.8:4000"
	e.register("slow@example.com")
	for range 5 {
		r := e.do("POST", "/login/slow@example.com", "", map[string]any{"password": "wrong password"})
		e.want("a wrong password", r, http.StatusNotAcceptable, map[string]string{"password": "incorrect"})
	}
	r := e.do("POST", "/login/slow@example.com", "", map[string]any{"password": "correct horse battery"})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || r.errors() == nil {
		t.Fatalf("the 6th try in a minute: %d %v %s", r.status, r.header, r.raw)
	}
	// Another client trying another address is blocked too: the
	// client address has spent its failures.
	r = e.do("POST", "/login/other@example.com", "", map[string]any{"password": "wrong password"})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("another address from the same client: %d %s", r.status, r.raw)
	}
}
