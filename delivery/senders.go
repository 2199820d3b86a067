package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
)

// MessageStore keeps sent messages (postgres.NotifyStore).
type MessageStore interface {
	SaveSentMessage(ctx context.Context, m *notify.Message) error
}

// LogSender is the development sender: it logs each message, body included,
// as one JSON line and stores it so that admins can read it in GraphQL. The
// redacting variant (NewRedactingLogSender) hides codes and links in both.
type LogSender struct {
	log    *slog.Logger
	store  MessageStore
	now    func() time.Time
	redact bool
}

var _ notify.Sender = (*LogSender)(nil)

// NewLogSender returns a sender that logs to log and keeps messages in
// store.
func NewLogSender(log *slog.Logger, store MessageStore, now func() time.Time) *LogSender {
	if now == nil {
		now = time.Now
	}
	return &LogSender{log: log, store: store, now: now}
}

// NewRedactingLogSender returns a log sender that logs and keeps each
// message with its codes and links redacted (Redact).
//
// SECURITY: this is the only log sender allowed outside LG_ENV=dev
// (SMS_SENDER=log): one-time passwords and signup links never reach the
// log or sent_messages in clear.
func NewRedactingLogSender(log *slog.Logger, store MessageStore, now func() time.Time) *LogSender {
	s := NewLogSender(log, store, now)
	s.redact = true
	return s
}

var (
	// linkRe matches URLs, which carry link codes and reset tokens.
	linkRe = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://\S+`)
	// codeRe matches runs of 4 or more digits, which one-time passwords
	// are, and runs of 8 or more letters and digits (codes, tokens; Redact
	// keeps those without a digit, which are words).
	codeRe = regexp.MustCompile(`\b[0-9]{4,}\b|\b[A-Za-z0-9]{8,}\b`)
)

// Redact hides what in a message body grants access: links become
// "[link]" and codes (4+ digits, or 8+ letters and digits with a digit)
// become "[code]".
func Redact(body string) string {
	body = linkRe.ReplaceAllString(body, "[link]")
	return codeRe.ReplaceAllStringFunc(body, func(m string) string {
		if !strings.ContainsAny(m, "0123456789") {
			return m
		}
		return "[code]"
	})
}

// Send logs and stores m.
func (s *LogSender) Send(ctx context.Context, m notify.Message) error {
	if !m.Channel.Valid() {
		return fmt.Errorf("send message: unknown channel %q", m.Channel)
	}
	m.To = notify.NormalizeRecipient(m.To)
	m.SentAt = s.now().UTC()
	if s.redact {
		m.Body = Redact(m.Body)
	}
	s.log.InfoContext(ctx, "message sent", "to", m.To, "channel", string(m.Channel), "body", m.Body)
	if err := s.store.SaveSentMessage(ctx, &m); err != nil {
		return fmt.Errorf("send message: %w", err)
	}
	return nil
}

// DefaultSMSGatewayTimeout bounds one call to the SMS gateway.
const DefaultSMSGatewayTimeout = 10 * time.Second

// SMSGatewayConfig configures SMSGatewaySender.
type SMSGatewayConfig struct {
	// URL receives the POST (SMS_GATEWAY_URL).
	URL string
	// Token is sent as a bearer token (SMS_GATEWAY_TOKEN); empty sends no
	// Authorization header.
	Token string
	// Timeout defaults to DefaultSMSGatewayTimeout.
	Timeout time.Duration
	// Log receives failures, never message bodies.
	Log *slog.Logger
}

// SMSGatewaySender sends SMS through an HTTP gateway; the package doc
// describes the contract. It never logs message bodies.
type SMSGatewaySender struct {
	cfg    SMSGatewayConfig
	client *http.Client
}

var _ notify.Sender = (*SMSGatewaySender)(nil)

// NewSMSGatewaySender checks cfg and returns the sender.
func NewSMSGatewaySender(cfg SMSGatewayConfig) (*SMSGatewaySender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("SMS_GATEWAY_URL must be an absolute http or https URL")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSMSGatewayTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &SMSGatewaySender{cfg: cfg, client: &http.Client{
		Timeout:       cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, nil
}

// errNotSent is what callers see when a message could not be sent.
var errNotSent = errs.E(errs.Unavailable, "the message could not be sent; try again later")

// smsRequest is the body the gateway receives.
type smsRequest struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

// Send posts m to the gateway. Only SMS messages are accepted.
func (s *SMSGatewaySender) Send(ctx context.Context, m notify.Message) error {
	if m.Channel != notify.ChannelSMS {
		return fmt.Errorf("sms gateway cannot send %q messages: %w", m.Channel, errNotSent)
	}
	body, err := json.Marshal(smsRequest{To: notify.NormalizeRecipient(m.To), Body: m.Body})
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	key := idempotencyKeyFrom(ctx)
	if key == "" {
		key = ids.New()
	}
	req.Header.Set("Idempotency-Key", key)
	if s.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.cfg.Log.WarnContext(ctx, "sms gateway unreachable", "err", describe(err))
		return fmt.Errorf("sms gateway: %v: %w", describe(err), errNotSent)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainedBody))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		s.cfg.Log.WarnContext(ctx, "sms gateway refused a message", "status", resp.StatusCode)
		return fmt.Errorf("sms gateway answered %d: %w", resp.StatusCode, errNotSent)
	}
	return nil
}

// Channels sends each message through the sender of its channel, for
// example SMS through the gateway and e-mail through SMTP.
type Channels map[notify.Channel]notify.Sender

var _ notify.Sender = Channels(nil)

// Send hands m to the sender of its channel.
func (c Channels) Send(ctx context.Context, m notify.Message) error {
	s, ok := c[m.Channel]
	if !ok {
		return fmt.Errorf("no sender for %q messages: %w", m.Channel, errNotSent)
	}
	return s.Send(ctx, m)
}
