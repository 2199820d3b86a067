package delivery_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"loyaltygraph/delivery"
	"loyaltygraph/domain/notify"
)

// TestDeliveriesAreSigned: an endpoint created with a signing secret gets
// every notification signed per Standard Webhooks, verifiable with the
// secret shown once.
func TestDeliveriesAreSigned(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t, nil)
	secret, err := notify.NewSigningSecret()
	if err != nil {
		t.Fatal(err)
	}
	ep := &notify.Endpoint{OwnerID: e.owner, Type: notify.EventUserCreated, URL: rc.srv.URL + "/h", UpdatedAt: time.Now(),
		SigningSecret: secret}
	if err := e.store.SetEndpoint(context.Background(), ep); err != nil || ep.SigningSecret != secret {
		t.Fatalf("set endpoint: %v, secret %q", err, ep.SigningSecret)
	}
	e.startWorker(t, delivery.Config{AllowPrivate: true})
	e.enqueue(t, e.userCreated("signed"))
	waitFor(t, 10*time.Second, "the notification", func() bool { return rc.count() == 1 })

	h := rc.snapshot()[0]
	ts, err := strconv.ParseInt(h.header.Get("webhook-timestamp"), 10, 64)
	if err != nil {
		t.Fatalf("webhook-timestamp %q", h.header.Get("webhook-timestamp"))
	}
	want, err := notify.Sign(secret, h.id, ts, h.body)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.header.Get("webhook-signature"); got != want || !strings.HasPrefix(got, "v1,") {
		t.Fatalf("webhook-signature %q, want %q", got, want)
	}
	// Another secret does not verify it.
	other, _ := notify.NewSigningSecret()
	if bad, _ := notify.Sign(other, h.id, ts, h.body); bad == h.header.Get("webhook-signature") {
		t.Fatal("signature does not depend on the secret")
	}
}

// TestLastErrorRevealsNoAddress: a failed dial or lookup is recorded in
// words that name no address, host or port.
func TestLastErrorRevealsNoAddress(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close() // nothing listens there now: connection refused
	e.setEndpoint(t, notify.EventUserCreated, "http://127.0.0.1:"+port+"/h")
	e.setEndpoint(t, notify.EventUserDeleted, "http://no-such-host.invalid:"+port+"/h")
	e.startWorker(t, delivery.Config{AllowPrivate: true, MaxAttempts: 1})
	e.enqueue(t, e.userCreated("x"), notify.Event{Type: notify.EventUserDeleted, OwnerID: e.owner, Payload: map[string]string{"memberId": "x"}})

	waitFor(t, 15*time.Second, "both deliveries to fail", func() bool {
		failed := 0
		for _, d := range e.deliveries(t) {
			if d.State == notify.DeliveryFailed {
				failed++
			}
		}
		return failed == 2
	})
	for _, d := range e.deliveries(t) {
		for _, leak := range []string{"127.0.0.1", port, "no-such-host", "dial", "lookup", "tcp"} {
			if strings.Contains(d.LastError, leak) {
				t.Errorf("%s lastError %q reveals %q", d.Type, d.LastError, leak)
			}
		}
		if d.LastError == "" {
			t.Errorf("%s lastError empty", d.Type)
		}
	}
}
