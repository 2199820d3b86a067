package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"

	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
)

// DefaultSMTPTimeout bounds one delivery to the SMTP server (connect,
// STARTTLS, authentication and the message).
const DefaultSMTPTimeout = 30 * time.Second

// DefaultSMTPPort is the submission port, where STARTTLS is expected.
const DefaultSMTPPort = 587

// SMTPConfig configures SMTPSender (SMTP_HOST, SMTP_PORT, SMTP_USER,
// SMTP_PASSWORD, SMTP_FROM).
type SMTPConfig struct {
	Host string
	// Port defaults to DefaultSMTPPort.
	Port int
	// Username and Password authenticate with AUTH PLAIN (over TLS only);
	// an empty Username sends no AUTH.
	Username string
	Password string
	// From is the sender address, such as "Storebox <no-reply@example.com>".
	From string
	// Subject of every e-mail (default "Storebox").
	Subject string
	// Timeout defaults to DefaultSMTPTimeout.
	Timeout time.Duration
	// RootCAs verify the server's certificate; nil uses the system's (tests
	// set their own).
	RootCAs *x509.CertPool
	// Log receives failures, never message bodies.
	Log *slog.Logger
}

// SMTPSender sends e-mail through an SMTP server. It always upgrades the
// connection with STARTTLS (verifying the server's certificate) before
// authenticating or sending anything, and refuses a server that does not
// offer it. It never logs message bodies.
type SMTPSender struct {
	cfg  SMTPConfig
	from *mail.Address
}

var _ notify.Sender = (*SMTPSender)(nil)

// NewSMTPSender checks cfg and returns the sender.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	cfg.Host = strings.TrimSpace(cfg.Host)
	if cfg.Host == "" || strings.ContainsAny(cfg.Host, " /:@") {
		return nil, errors.New("SMTP_HOST must be a host name or address")
	}
	if cfg.Port == 0 {
		cfg.Port = DefaultSMTPPort
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, errors.New("SMTP_PORT must be a port number")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, errors.New("SMTP_FROM must be an e-mail address, such as Storebox <no-reply@example.com>")
	}
	if cfg.Subject == "" {
		cfg.Subject = "Storebox"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &SMTPSender{cfg: cfg, from: from}, nil
}

// Send delivers m, an e-mail, to its recipient. Only e-mail is accepted.
func (s *SMTPSender) Send(ctx context.Context, m notify.Message) error {
	if m.Channel != notify.ChannelEmail {
		return fmt.Errorf("smtp cannot send %q messages: %w", m.Channel, errNotSent)
	}
	to, err := mail.ParseAddress(notify.NormalizeRecipient(m.To))
	if err != nil || strings.ContainsAny(to.Address, "\r\n") {
		return fmt.Errorf("smtp: bad recipient: %w", errNotSent)
	}
	msg, err := s.compose(ctx, to, m.Body)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.deliver(ctx, to.Address, msg); err != nil {
		s.cfg.Log.WarnContext(ctx, "smtp delivery failed", "err", err)
		return fmt.Errorf("smtp: %v: %w", err, errNotSent)
	}
	return nil
}

// compose builds the message: plain text in UTF-8, quoted-printable, with a
// Message-ID from the delivery's idempotency key, so that a retried
// delivery can be recognised as the same message.
func (s *SMTPSender) compose(ctx context.Context, to *mail.Address, body string) ([]byte, error) {
	key := idempotencyKeyFrom(ctx)
	if key == "" {
		key = ids.New()
	}
	domain := s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]
	var b bytes.Buffer
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	header("From", s.from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", s.cfg.Subject))
	header("Date", time.Now().UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+sanitizeID(key)+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", `text/plain; charset="utf-8"`)
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	w := quotedprintable.NewWriter(&b)
	if _, err := w.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}

func sanitizeID(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '-'
	}, s)
}

// deliver runs one SMTP session: EHLO, STARTTLS (required), AUTH, MAIL,
// RCPT, DATA, QUIT.
func (s *SMTPSender) deliver(ctx context.Context, to string, msg []byte) error {
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return describe(err)
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	// SECURITY: never authenticate or send in clear text.
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return errors.New("the server does not offer STARTTLS")
	}
	if err := c.StartTLS(&tls.Config{ServerName: s.cfg.Host, RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12}); err != nil {
		return err
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
