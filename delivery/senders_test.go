package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"loyaltygraph/delivery"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/notify"
)

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLogSenderLogsAndKeepsMessages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var logs syncBuffer
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	sender := delivery.NewLogSender(slog.New(slog.NewJSONHandler(&logs, nil)), e.store, clock)
	svc := notify.NewService(e.store, clock, notify.Options{})

	for i, m := range []notify.Message{
		{To: "+45 11 11 11 11", Channel: notify.ChannelSMS, Body: "Your code is 123456"},
		{To: "4511111111", Channel: notify.ChannelSMS, Body: "Finish signing up: https://example.com/s/abc"},
		{To: "Ann@Example.com", Channel: notify.ChannelEmail, Body: "Reset your password"},
	} {
		now = now.Add(time.Minute)
		if err := sender.Send(ctx, m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := sender.Send(ctx, notify.Message{To: "1", Channel: "fax", Body: "x"}); err == nil {
		t.Fatal("a message on an unknown channel was sent")
	}

	// Each message is one JSON line with its recipient, channel and body.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", len(lines), logs.String())
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatalf("log line is not JSON: %v", err)
	}
	if first["to"] != "4511111111" || first["channel"] != "sms" || first["body"] != "Your code is 123456" {
		t.Fatalf("log line = %v", first)
	}

	// Admins read them back, newest first, whatever form the number takes.
	got, err := svc.SentMessages(ctx, "+45-1111-1111")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !strings.HasPrefix(got[0].Body, "Finish") || got[1].Body != "Your code is 123456" ||
		got[0].Channel != notify.ChannelSMS || !got[0].SentAt.Equal(now.Add(-time.Minute)) {
		t.Fatalf("sent messages = %+v", got)
	}
	mail, err := svc.SentMessages(ctx, "ann@example.com")
	if err != nil || len(mail) != 1 || mail[0].Channel != notify.ChannelEmail {
		t.Fatalf("sent e-mails = %+v, %v", mail, err)
	}
}

func TestSMSGatewaySenderContract(t *testing.T) {
	type call struct {
		method, contentType, auth, key string
		body                           map[string]any
	}
	var mu sync.Mutex
	var calls []call
	status := http.StatusAccepted
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		mu.Lock()
		calls = append(calls, call{r.Method, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.Header.Get("Idempotency-Key"), body})
		s := status
		mu.Unlock()
		w.WriteHeader(s)
	}))
	defer gw.Close()

	var logs syncBuffer
	sender, err := delivery.NewSMSGatewaySender(delivery.SMSGatewayConfig{
		URL: gw.URL + "/sms", Token: "gw-token", Log: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := sender.Send(ctx, notify.Message{To: "+45 11111111", Channel: notify.ChannelSMS, Body: "Your code is 654321"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	status = http.StatusBadGateway
	mu.Unlock()
	err = sender.Send(ctx, notify.Message{To: "4522222222", Channel: notify.ChannelSMS, Body: "Your code is 999999"})
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("refused message: err = %v, want unavailable", err)
	}
	if err := sender.Send(ctx, notify.Message{To: "a@example.com", Channel: notify.ChannelEmail, Body: "x"}); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("e-mail through the SMS gateway: err = %v, want unavailable", err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 {
		t.Fatalf("gateway got %d calls, want 2", len(calls))
	}
	c := calls[0]
	if c.method != http.MethodPost || c.contentType != "application/json" || c.auth != "Bearer gw-token" || len(c.key) != 32 {
		t.Fatalf("call = %+v", c)
	}
	if len(c.body) != 2 || c.body["to"] != "4511111111" || c.body["body"] != "Your code is 654321" {
		t.Fatalf("body = %v, want exactly {to, body}", c.body)
	}
	if calls[1].key == c.key {
		t.Fatal("two messages shared an idempotency key")
	}
	// The production sender never logs what it sends.
	if l := logs.String(); strings.Contains(l, "654321") || strings.Contains(l, "999999") || !strings.Contains(l, "502") {
		t.Fatalf("gateway log = %s", l)
	}

	if _, err := delivery.NewSMSGatewaySender(delivery.SMSGatewayConfig{URL: "gateway.example.com/sms"}); err == nil {
		t.Fatal("a relative gateway URL was accepted")
	}
}

func TestChannelsRouteByChannel(t *testing.T) {
	var sms, mail []notify.Message
	record := func(to *[]notify.Message) notify.Sender {
		return senderFunc(func(_ context.Context, m notify.Message) error { *to = append(*to, m); return nil })
	}
	c := delivery.Channels{notify.ChannelSMS: record(&sms), notify.ChannelEmail: record(&mail)}
	_ = c.Send(context.Background(), notify.Message{Channel: notify.ChannelSMS, Body: "s"})
	_ = c.Send(context.Background(), notify.Message{Channel: notify.ChannelEmail, Body: "e"})
	if len(sms) != 1 || len(mail) != 1 || sms[0].Body != "s" || mail[0].Body != "e" {
		t.Fatalf("sms %v, mail %v", sms, mail)
	}
	if err := (delivery.Channels{}).Send(context.Background(), notify.Message{Channel: notify.ChannelSMS}); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("no sender: %v", err)
	}
}

type senderFunc func(context.Context, notify.Message) error

func (f senderFunc) Send(ctx context.Context, m notify.Message) error { return f(ctx, m) }

// TestRedactingLogSenderHidesCodesAndLinks: outside development the log
// sender keeps neither codes nor links readable, in the log or in
// sent_messages.
func TestRedactingLogSenderHidesCodesAndLinks(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var logs syncBuffer
	sender := delivery.NewRedactingLogSender(slog.New(slog.NewJSONHandler(&logs, nil)), e.store, nil)
	svc := notify.NewService(e.store, time.Now, notify.Options{})
	secrets := []string{"482913", "https://lg.example/api/v1/signup/terms?linkCode=ab12cd34ef", "ab12cd34ef", "7301"}
	for _, body := range []string{
		"Acme: your code is 482913",
		"Acme (signed up at SB-1): confirm your membership here: https://lg.example/api/v1/signup/terms?linkCode=ab12cd34ef",
		"Acme: your login code is 7301",
	} {
		if err := sender.Send(ctx, notify.Message{To: "4522222222", Channel: notify.ChannelSMS, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	kept, err := svc.SentMessages(ctx, "4522222222")
	if err != nil || len(kept) != 3 {
		t.Fatalf("kept %d messages: %v", len(kept), err)
	}
	for _, m := range kept {
		for _, s := range secrets {
			if strings.Contains(m.Body, s) {
				t.Errorf("kept body %q holds %q", m.Body, s)
			}
		}
		if !strings.Contains(m.Body, "Acme") || !strings.Contains(m.Body, "[") {
			t.Errorf("kept body %q lost its text or its marker", m.Body)
		}
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("log holds %q: %s", s, logs.String())
		}
	}
	if got := delivery.Redact("Acme: your code is 482913"); got != "Acme: your code is [code]" {
		t.Errorf("Redact = %q", got)
	}
}
