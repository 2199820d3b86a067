package userapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/otp"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
)

// newEnvWith is newEnv on an app built with opts.
func newEnvWith(t *testing.T, opts wire.Options) *env {
	a := testenv.AppWith(t, opts)
	p := testenv.Credential(t, a, auth.KindPartner)
	o := testenv.Credential(t, a, auth.KindPartner)
	ad := testenv.Credential(t, a, auth.KindAdmin)
	return &env{t: t, app: a,
		partner: testenv.BasicAuth(p.Username, p.Secret),
		other:   testenv.BasicAuth(o.Username, o.Secret),
		admin:   testenv.BasicAuth(ad.Username, ad.Secret)}
}

// usersWithPhone counts the users of any partner with phone.
func (e *env) usersWithPhone(phone string) int {
	e.t.Helper()
	var n int
	if err := testenv.DB(e.t).Pool.QueryRow(context.Background(), `SELECT count(*) FROM users WHERE phone = $1`, phone).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestOTPBelongsToItsPartner: a signup code sent for one partner neither
// validates for another nor creates a user under it; a partner cannot spend
// the tries of another partner's user's login code; one partner's sends do
// not use up the phone's quota of another.
func TestOTPBelongsToItsPartner(t *testing.T) {
	e := newEnvWith(t, wire.Options{OTP: otp.Options{SendInterval: time.Millisecond}})
	const phone = "4520000801"
	if r := e.do(e.partner, "POST", "/api/v1/signup", map[string]any{"phonenumber": phone}); r.Status != http.StatusAccepted {
		t.Fatalf("signup: %d %s", r.Status, r.Body)
	}
	code := e.lastMatch(phone, otpRe)
	wantError(t, e.do(e.other, "POST", "/api/v1/otp/validate", map[string]any{"phonenumber": phone, "otp": code}), http.StatusBadRequest, "otp")
	if n := e.usersWithPhone(phone); n != 0 {
		t.Fatalf("the other partner's validation created %d users", n)
	}
	if r := e.do(e.partner, "POST", "/api/v1/otp/validate", map[string]any{"phonenumber": phone, "otp": code}); r.Status != http.StatusOK {
		t.Fatalf("own partner's validation: %d %s", r.Status, r.Body)
	}

	// The user is the first partner's; the other partner tries its login
	// code more often than a code survives, and spends none of its tries.
	if r := e.do(e.partner, "POST", "/api/v1/authenticate", map[string]any{"phonenumber": phone}); r.Status != http.StatusAccepted {
		t.Fatalf("authenticate: %d %s", r.Status, r.Body)
	}
	login := e.lastMatch(phone, otpRe)
	wrong := string('0'+(login[0]-'0'+1)%10) + login[1:]
	for range otp.DefaultMaxTries + 1 {
		wantError(t, e.do(e.other, "POST", "/api/v1/authenticate/verify", map[string]any{"phonenumber": phone, "otp": wrong}), http.StatusBadRequest, "otp")
	}
	wantError(t, e.do(e.other, "POST", "/api/v1/authenticate/verify", map[string]any{"phonenumber": phone, "otp": login}), http.StatusBadRequest, "otp")
	if r := e.do(e.partner, "POST", "/api/v1/authenticate/verify", map[string]any{"phonenumber": phone, "otp": login}); r.Status != http.StatusOK {
		t.Fatalf("own partner's login after the other's tries: %d %s", r.Status, r.Body)
	}
}

// TestOTPPhoneThrottleIsPerPartner: one partner's send does not throttle
// another partner's send to the same phone.
func TestOTPPhoneThrottleIsPerPartner(t *testing.T) {
	e := newEnv(t)
	const phone = "4520000802"
	if r := e.do(e.partner, "POST", "/api/v1/signup", map[string]any{"phonenumber": phone}); r.Status != http.StatusAccepted {
		t.Fatalf("signup: %d %s", r.Status, r.Body)
	}
	if r := e.do(e.other, "POST", "/api/v1/signup", map[string]any{"phonenumber": phone}); r.Status != http.StatusAccepted {
		t.Fatalf("other partner's signup to the same phone: %d %s", r.Status, r.Body)
	}
	// The first partner's second send within 30 seconds is throttled.
	r := e.do(e.partner, "POST", "/api/v1/signup", map[string]any{"phonenumber": phone})
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("second send of one partner: %d %s", r.Status, r.Body)
	}
}

// TestOTPPartnerBudget: beyond its hourly budget a partner's sends answer
// 429 with Retry-After; other partners keep theirs.
func TestOTPPartnerBudget(t *testing.T) {
	a := testenv.AppWith(t, wire.Options{OTPPartnerSendsPerHour: 2})
	p := testenv.Credential(t, a, auth.KindPartner)
	o := testenv.Credential(t, a, auth.KindPartner)
	send := func(cred *auth.NewCredential, phone string) *testenv.Response {
		return testenv.Do(t, a.Handler, "POST", "/api/v1/signup", map[string]any{"phonenumber": phone},
			"Authorization", testenv.BasicAuth(cred.Username, cred.Secret))
	}
	for _, phone := range []string{"4520000811", "4520000812"} {
		if r := send(p, phone); r.Status != http.StatusAccepted {
			t.Fatalf("send within the budget: %d %s", r.Status, r.Body)
		}
	}
	r := send(p, "4520000813")
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("send beyond the budget: %d %v %s", r.Status, r.Header, r.Body)
	}
	if r := send(o, "4520000813"); r.Status != http.StatusAccepted {
		t.Fatalf("other partner: %d %s", r.Status, r.Body)
	}
}
