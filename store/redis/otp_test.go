package redis_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/otp"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/redis"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var otpKey = []byte("otp-test-key-0123456789abcdef-0123456789")

// newOTPService returns a service on the package's Redis with o and the
// test key.
func newOTPService(t *testing.T, o otp.Options) *otp.Service {
	t.Helper()
	o.Key = otpKey
	s, err := otp.NewService(redis.NewOTPStore(testenv.Redis(t)), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var phoneSeq atomic.Int64

// newPhone returns a phone number that no other test uses.
func newPhone() string { return fmt.Sprintf("4520%06d", phoneSeq.Add(1)) }

// wrong returns a well-formed code other than code.
func wrong(code string) string {
	return string('0'+(code[0]-'0'+1)%10) + code[1:]
}

func issue(t *testing.T, s *otp.Service, p otp.Purpose, phone string) string {
	t.Helper()
	code, err := s.Issue(context.Background(), p1, p, phone)
	if err != nil {
		t.Fatalf("Issue(%s, %s): %v", p, phone, err)
	}
	if len(code) != s.Length() {
		t.Fatalf("Issue gave %q, want %d digits", code, s.Length())
	}
	return code
}

// wantOTPError checks that err is an Invalid error on field otp whose
// message contains want.
func wantOTPError(t *testing.T, err error, want string) {
	t.Helper()
	e := errs.As(err)
	if e == nil || e.Code != errs.Invalid || e.Field != "otp" || !strings.Contains(e.Message, want) {
		t.Fatalf("got %v, want invalid otp error containing %q", err, want)
	}
}

const noCode = "no valid code; request a new one"

// The partners of these tests.
const (
	p1 int64 = 1
	p2 int64 = 2
)

func TestOTPRightCodeWorksOnce(t *testing.T) {
	s := newOTPService(t, otp.Options{})
	ctx := context.Background()
	phone := newPhone()
	code := issue(t, s, otp.PurposeSignup, phone)
	if err := s.Verify(ctx, p1, otp.PurposeSignup, phone, code); err != nil {
		t.Fatalf("right code: %v", err)
	}
	wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, phone, code), noCode)
}

func TestOTPNeverIssued(t *testing.T) {
	s := newOTPService(t, otp.Options{})
	wantOTPError(t, s.Verify(context.Background(), p1, otp.PurposeAuthenticate, newPhone(), "123456"), noCode)
}

func TestOTPConcurrentVerifyConsumesOnce(t *testing.T) {
	s := newOTPService(t, otp.Options{})
	phone := newPhone()
	code := issue(t, s, otp.PurposeAuthenticate, phone)
	const n = 50
	results := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = s.Verify(context.Background(), p1, otp.PurposeAuthenticate, phone, code)
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range results {
		if err == nil {
			ok++
		} else if !errs.Is(err, errs.Invalid) {
			t.Errorf("concurrent verify: %v, want nil or invalid", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent verifications succeeded, want exactly 1", ok, n)
	}
}

func TestOTPExpiresAndEveryKeyHasATTL(t *testing.T) {
	s := newOTPService(t, otp.Options{TTL: time.Second})
	rc := testenv.Redis(t)
	ctx := context.Background()
	phone := newPhone()
	code := issue(t, s, otp.PurposeSignup, phone)

	keys, err := rc.Redis().Keys(ctx, rc.Key("otp", "{1:"+phone+"}")+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 2 {
		t.Fatalf("keys of %s: %v, want the code, its tries and the send counter", phone, keys)
	}
	for _, k := range keys {
		ttl, err := rc.Redis().PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= 0 || ttl > time.Hour {
			t.Errorf("key %s has TTL %v, want (0, 1h]", k, ttl)
		}
		if !strings.HasSuffix(k, ":sends") && ttl > time.Second {
			t.Errorf("code key %s has TTL %v, want at most the code TTL of 1s", k, ttl)
		}
		// The code itself is never stored, only its keyed hash.
		if typ, _ := rc.Redis().Type(ctx, k).Result(); typ == "string" {
			if v, _ := rc.Redis().Get(ctx, k).Result(); strings.Contains(v, code) {
				t.Errorf("key %s holds the plain code", k)
			}
		}
	}

	time.Sleep(1100 * time.Millisecond)
	wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, phone, code), noCode)
}

func TestOTPWrongTriesVoidTheCode(t *testing.T) {
	s := newOTPService(t, otp.Options{})
	ctx := context.Background()
	phone := newPhone()
	code := issue(t, s, otp.PurposeSignup, phone)
	for i := 1; i < otp.DefaultMaxTries; i++ {
		left := otp.DefaultMaxTries - i
		want := fmt.Sprintf("wrong code; %d tries left", left)
		if left == 1 {
			want = "wrong code; 1 try left"
		}
		wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, phone, wrong(code)), want)
	}
	wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, phone, wrong(code)), "request a new code")
	// Void: even the right code fails now.
	wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, phone, code), noCode)
}

func TestOTPRightCodeAfterFewerThanMaxWrongTries(t *testing.T) {
	s := newOTPService(t, otp.Options{})
	ctx := context.Background()
	phone := newPhone()
	code := issue(t, s, otp.PurposeSignup, phone)
	for range otp.DefaultMaxTries - 1 {
		wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, phone, wrong(code)), "wrong code")
	}
	if err := s.Verify(ctx, p1, otp.PurposeSignup, phone, code); err != nil {
		t.Fatalf("right code after %d wrong tries: %v", otp.DefaultMaxTries-1, err)
	}
}

func TestOTPMalformedCodesCountAsTries(t *testing.T) {
	s := newOTPService(t, otp.Options{})
	ctx := context.Background()
	phone := newPhone()
	code := issue(t, s, otp.PurposeSignup, phone)
	for _, bad := range []string{"", "12345", "1234567", "12a456"} {
		wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, phone, bad), "must be 6 digits")
	}
	wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, phone, " "+code[1:]), "request a new code")
	wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, phone, code), noCode)
}

func TestOTPConcurrentWrongTriesAllCount(t *testing.T) {
	s := newOTPService(t, otp.Options{})
	phone := newPhone()
	code := issue(t, s, otp.PurposeSignup, phone)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { _ = s.Verify(context.Background(), p1, otp.PurposeSignup, phone, wrong(code)) })
	}
	wg.Wait()
	wantOTPError(t, s.Verify(context.Background(), p1, otp.PurposeSignup, phone, code), noCode)
}

func TestOTPPhonesAreIndependent(t *testing.T) {
	s := newOTPService(t, otp.Options{})
	ctx := context.Background()
	a, b := newPhone(), newPhone()
	codeA := issue(t, s, otp.PurposeSignup, a)
	codeB := issue(t, s, otp.PurposeSignup, b)
	for range otp.DefaultMaxTries {
		_ = s.Verify(ctx, p1, otp.PurposeSignup, a, wrong(codeA))
	}
	wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, a, codeA), noCode)
	// B's code is not A's code even when the digits agree, and A's tries
	// did not touch it.
	if codeA != codeB {
		wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, b, codeA), "wrong code; 4 tries left")
	}
	if err := s.Verify(ctx, p1, otp.PurposeSignup, b, codeB); err != nil {
		t.Fatalf("phone B after phone A was voided: %v", err)
	}
	// B was not throttled by A's send either: that was checked by Issue.
}

func TestOTPPurposesAreSeparate(t *testing.T) {
	s := newOTPService(t, otp.Options{SendInterval: time.Millisecond})
	ctx := context.Background()
	phone := newPhone()
	signup := issue(t, s, otp.PurposeSignup, phone)
	time.Sleep(5 * time.Millisecond)
	auth := issue(t, s, otp.PurposeAuthenticate, phone)
	for signup == auth {
		time.Sleep(5 * time.Millisecond)
		auth = issue(t, s, otp.PurposeAuthenticate, phone)
	}
	// The signup code does not verify for authenticate (and costs a try
	// there), nor does anything for phone_change.
	wantOTPError(t, s.Verify(ctx, p1, otp.PurposeAuthenticate, phone, signup), "wrong code")
	wantOTPError(t, s.Verify(ctx, p1, otp.PurposePhoneChange, phone, signup), noCode)
	// Voiding the authenticate code leaves the signup code alone.
	for range otp.DefaultMaxTries {
		_ = s.Verify(ctx, p1, otp.PurposeAuthenticate, phone, wrong(auth))
	}
	wantOTPError(t, s.Verify(ctx, p1, otp.PurposeAuthenticate, phone, auth), noCode)
	if err := s.Verify(ctx, p1, otp.PurposeSignup, phone, signup); err != nil {
		t.Fatalf("signup code after the authenticate code was voided: %v", err)
	}
}

func TestOTPSendInterval(t *testing.T) {
	const interval = 2 * time.Second
	s := newOTPService(t, otp.Options{SendInterval: interval})
	phone := newPhone()
	issue(t, s, otp.PurposeSignup, phone)
	// Throttled across purposes.
	_, err := s.Issue(context.Background(), p1, otp.PurposeAuthenticate, phone)
	e := errs.As(err)
	if e == nil || e.Code != errs.RateLimited {
		t.Fatalf("second send within the interval: %v, want rate limited", err)
	}
	if e.RetryAfter <= 0 || e.RetryAfter > interval {
		t.Fatalf("RetryAfter %v, want in (0, %v]", e.RetryAfter, interval)
	}
	// Another phone number is not throttled.
	issue(t, s, otp.PurposeAuthenticate, newPhone())
}

func TestOTPSendsPerHour(t *testing.T) {
	const perHour = 3
	s := newOTPService(t, otp.Options{SendInterval: time.Millisecond, SendsPerHour: perHour})
	phone := newPhone()
	purposes := []otp.Purpose{otp.PurposeSignup, otp.PurposeAuthenticate, otp.PurposePhoneChange}
	for i := range perHour {
		issue(t, s, purposes[i%len(purposes)], phone)
		time.Sleep(5 * time.Millisecond)
	}
	_, err := s.Issue(context.Background(), p1, otp.PurposeSignup, phone)
	e := errs.As(err)
	if e == nil || e.Code != errs.RateLimited {
		t.Fatalf("send %d within the hour: %v, want rate limited", perHour+1, err)
	}
	if e.RetryAfter < time.Hour-time.Minute || e.RetryAfter > time.Hour {
		t.Fatalf("RetryAfter %v, want just under an hour", e.RetryAfter)
	}
}

func TestOTPConcurrentIssueSendsOnce(t *testing.T) {
	s := newOTPService(t, otp.Options{})
	phone := newPhone()
	const n = 50
	results := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, results[i] = s.Issue(context.Background(), p1, otp.PurposeSignup, phone)
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range results {
		if err == nil {
			ok++
		} else if !errs.Is(err, errs.RateLimited) {
			t.Errorf("concurrent issue: %v, want nil or rate limited", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent sends succeeded, want exactly 1", ok, n)
	}
}

func TestOTPReissueReplacesCodeAndResetsTries(t *testing.T) {
	s := newOTPService(t, otp.Options{SendInterval: time.Millisecond})
	ctx := context.Background()
	phone := newPhone()
	first := issue(t, s, otp.PurposeSignup, phone)
	for range otp.DefaultMaxTries - 1 {
		wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, phone, wrong(first)), "wrong code")
	}
	time.Sleep(5 * time.Millisecond)
	second := issue(t, s, otp.PurposeSignup, phone)
	for second == first {
		time.Sleep(5 * time.Millisecond)
		second = issue(t, s, otp.PurposeSignup, phone)
	}
	// The old code is gone; had the tries not been reset, this would void
	// the new code.
	wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, phone, first), "wrong code; 4 tries left")
	for range otp.DefaultMaxTries - 2 {
		wantOTPError(t, s.Verify(ctx, p1, otp.PurposeSignup, phone, wrong(second)), "wrong code")
	}
	if err := s.Verify(ctx, p1, otp.PurposeSignup, phone, second); err != nil {
		t.Fatalf("new code after %d wrong tries: %v", otp.DefaultMaxTries-1, err)
	}
}

func TestOTPFourDigitCodes(t *testing.T) {
	s := newOTPService(t, otp.Options{Length: 4})
	ctx := context.Background()
	phone := newPhone()
	code := issue(t, s, otp.PurposeAuthenticate, phone)
	wantOTPError(t, s.Verify(ctx, p1, otp.PurposeAuthenticate, phone, code+"0"), "must be 4 digits")
	if err := s.Verify(ctx, p1, otp.PurposeAuthenticate, phone, code); err != nil {
		t.Fatal(err)
	}
}

// TestOTPRedisDown stops a Redis server under a live store: both Issue and
// Verify must fail as Unavailable, and never pass a code.
func TestOTPRedisDown(t *testing.T) {
	// go-redis reports each failed dial; keep them out of the test output.
	redis.UseLogger(testenv.Logger())
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is needed for this test: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not start: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	ctx := context.Background()
	rc, err := redis.Open(ctx, "redis://"+addr+"/0", "lgtest:down:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	s, err := otp.NewService(redis.NewOTPStore(rc), otp.Options{Key: otpKey, SendInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	phone := newPhone()
	code := issue(t, s, otp.PurposeSignup, phone)

	stop()
	if _, err := s.Issue(ctx, p1, otp.PurposeSignup, newPhone()); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Issue with Redis down: %v, want unavailable", err)
	}
	if err := s.Verify(ctx, p1, otp.PurposeSignup, phone, code); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Verify of the right code with Redis down: %v, want unavailable", err)
	}
}

var partnerSeq atomic.Int64

// newPartner returns a partner id that no other test uses.
func newPartner() int64 { return 1000 + partnerSeq.Add(1) }

// TestOTPCodeBelongsToItsPartner: a code sent for P1 does not verify for P2,
// and P2's tries do not count against P1's code.
func TestOTPCodeBelongsToItsPartner(t *testing.T) {
	s := newOTPService(t, otp.Options{})
	ctx := context.Background()
	phone := newPhone()
	code := issue(t, s, otp.PurposeSignup, phone) // for p1
	// P2 presents P1's right code, and more wrong ones than P1's code
	// survives: none reaches P1's code.
	wantOTPError(t, s.Verify(ctx, p2, otp.PurposeSignup, phone, code), noCode)
	for range otp.DefaultMaxTries + 1 {
		wantOTPError(t, s.Verify(ctx, p2, otp.PurposeSignup, phone, wrong(code)), noCode)
	}
	if err := s.Verify(ctx, p1, otp.PurposeSignup, phone, code); err != nil {
		t.Fatalf("P1's code after P2's tries: %v", err)
	}
}

// TestOTPPhoneQuotaIsPerPartner: one partner using up a phone's hourly quota
// leaves another partner its own.
func TestOTPPhoneQuotaIsPerPartner(t *testing.T) {
	s := newOTPService(t, otp.Options{SendInterval: time.Millisecond, SendsPerHour: 2})
	ctx := context.Background()
	phone, a, b := newPhone(), newPartner(), newPartner()
	for range 2 {
		if _, err := s.Issue(ctx, a, otp.PurposeSignup, phone); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := s.Issue(ctx, a, otp.PurposeSignup, phone); !errs.Is(err, errs.RateLimited) {
		t.Fatalf("third send of A: %v, want rate limited", err)
	}
	if _, err := s.Issue(ctx, b, otp.PurposeSignup, phone); err != nil {
		t.Fatalf("B blocked by A's quota: %v", err)
	}
}

// TestOTPPartnerBudget: a partner's hourly budget across phones is refused
// with a wait once spent; sends refused by a phone's limits do not spend it,
// and other partners keep theirs.
func TestOTPPartnerBudget(t *testing.T) {
	s := newOTPService(t, otp.Options{PartnerSendsPerHour: 3})
	ctx := context.Background()
	a, b := newPartner(), newPartner()
	phone := newPhone()
	if _, err := s.Issue(ctx, a, otp.PurposeSignup, phone); err != nil {
		t.Fatal(err)
	}
	// Refused by the phone's 30-second interval: no budget spent.
	if _, err := s.Issue(ctx, a, otp.PurposeSignup, phone); !errs.Is(err, errs.RateLimited) {
		t.Fatalf("second send to one phone: %v", err)
	}
	for range 2 {
		if _, err := s.Issue(ctx, a, otp.PurposeSignup, newPhone()); err != nil {
			t.Fatalf("send within the budget: %v", err)
		}
	}
	_, err := s.Issue(ctx, a, otp.PurposeSignup, newPhone())
	e := errs.As(err)
	if e == nil || e.Code != errs.RateLimited || e.RetryAfter <= 0 || e.RetryAfter > time.Hour || !strings.Contains(e.Message, "partner") {
		t.Fatalf("send beyond the budget: %v", err)
	}
	if _, err := s.Issue(ctx, b, otp.PurposeSignup, newPhone()); err != nil {
		t.Fatalf("B blocked by A's budget: %v", err)
	}
}
