package userapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"loyaltygraph/delivery"
	"loyaltygraph/domain/notify"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/secret"
	"loyaltygraph/store/postgres"
)

// flakySender fails its first failures sends to one recipient, then hands
// messages to next. Messages to others (left queued by earlier tests) go
// straight through.
type flakySender struct {
	to       string
	failures int64
	calls    atomic.Int64
	next     notify.Sender
}

func (s *flakySender) Send(ctx context.Context, m notify.Message) error {
	if m.To == s.to && s.calls.Add(1) <= s.failures {
		return errors.New("gateway down")
	}
	return s.next.Send(ctx, m)
}

// TestSignupSMSGoesThroughTheOutbox: with the SMS gateway failing, a
// signup still answers 202 with one link code; the SMS goes out on a retry
// and admins read it in sentMessages; the queued job never holds the link
// in clear.
func TestSignupSMSGoesThroughTheOutbox(t *testing.T) {
	keys, err := secret.NewKeys(testenv.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	const phone = "4520000901"
	flaky := &flakySender{to: phone, failures: 2,
		next: delivery.NewLogSender(testenv.Logger(), postgres.NewNotifyStore(testenv.DB(t), keys), nil)}
	e := newEnvWith(t, wire.Options{Sender: flaky})
	r := e.do(e.partner, "POST", "/api/v1/signup/card", cardSignup(phone, "tok-outbox"))
	if r.Status != http.StatusAccepted {
		t.Fatalf("signup with the gateway failing: %d %s", r.Status, r.Body)
	}
	var args string
	if err := testenv.DB(t).Pool.QueryRow(context.Background(),
		`SELECT args::text FROM river_job WHERE kind = 'notify_message' AND args->>'to' = $1`, phone).Scan(&args); err != nil {
		t.Fatalf("queued message: %v", err)
	}
	if strings.Contains(args, "linkCode") || strings.Contains(args, "confirm") {
		t.Fatalf("job args hold the body in clear: %s", args)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if msgs := e.sms(phone); len(msgs) > 0 {
			if len(msgs) != 1 || !linkCodeRe.MatchString(msgs[0]) {
				t.Fatalf("messages %v, want one with a link code", msgs)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no SMS after %d send attempts", flaky.calls.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := flaky.calls.Load(); n != 3 {
		t.Fatalf("%d send attempts, want 3 (two failures, then the delivery)", n)
	}
	var signups int
	if err := testenv.DB(t).Pool.QueryRow(context.Background(), `SELECT count(*) FROM signups WHERE phone = $1`, phone).Scan(&signups); err != nil || signups != 1 {
		t.Fatalf("%d signups (%v), want 1", signups, err)
	}
}
