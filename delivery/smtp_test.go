package delivery

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/notify"
)

// fakeSMTP is a minimal SMTP server: it offers STARTTLS (unless plain),
// AUTH PLAIN after TLS, and records each session's commands and data.
type fakeSMTP struct {
	ln       net.Listener
	tls      *tls.Config
	plain    bool
	mu       sync.Mutex
	commands []string
	data     string
	tlsUsed  bool
}

func newFakeSMTP(t *testing.T, plain bool) (*fakeSMTP, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln, plain: plain, tls: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}}
	t.Cleanup(func() { ln.Close() })
	go f.serve()
	return f, pool
}

func (f *fakeSMTP) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeSMTP) serve() {
	for {
		conn, err := f.ln.Accept()
		if err != nil {
			return
		}
		go f.session(conn)
	}
}

func (f *fakeSMTP) session(conn net.Conn) {
	defer conn.Close()
	r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
	say := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
	say("220 fake ESMTP")
	secure := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		f.mu.Lock()
		f.commands = append(f.commands, cmd)
		f.mu.Unlock()
		switch cmd {
		case "EHLO", "HELO":
			switch {
			case f.plain:
				say("250-fake\r\n250 AUTH PLAIN")
			case secure:
				say("250-fake\r\n250 AUTH PLAIN")
			default:
				say("250-fake\r\n250 STARTTLS")
			}
		case "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(conn, f.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			secure = true
			f.mu.Lock()
			f.tlsUsed = true
			f.mu.Unlock()
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
		case "AUTH":
			say("235 ok")
		case "MAIL", "RCPT", "RSET", "NOOP":
			say("250 ok")
		case "DATA":
			say("354 go")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			f.mu.Lock()
			f.data = b.String()
			f.mu.Unlock()
			say("250 queued")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 no")
		}
	}
}

// TestSMTPSenderUsesSTARTTLS: the e-mail goes out after STARTTLS and AUTH,
// from the configured address to the recipient, with the body.
func TestSMTPSenderUsesSTARTTLS(t *testing.T) {
	f, pool := newFakeSMTP(t, false)
	s, err := NewSMTPSender(SMTPConfig{Host: "127.0.0.1", Port: f.port(), Username: "u", Password: "p",
		From: "Storebox <no-reply@storebox.example>", RootCAs: pool, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), notify.Message{To: "Anna@Example.com", Channel: notify.ChannelEmail, Body: "Storebox: your code is 123456 – æøå"})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.tlsUsed {
		t.Fatal("no STARTTLS")
	}
	got := strings.Join(f.commands, " ")
	if !strings.HasPrefix(got, "EHLO STARTTLS EHLO AUTH MAIL RCPT DATA") {
		t.Fatalf("commands %s", got)
	}
	for _, want := range []string{"From: \"Storebox\" <no-reply@storebox.example>", "To: <anna@example.com>", "123456", "charset=\"utf-8\""} {
		if !strings.Contains(f.data, want) {
			t.Errorf("message lacks %q:\n%s", want, f.data)
		}
	}
}

// TestSMTPSenderRefusesPlainText: a server without STARTTLS gets neither
// the credentials nor the message.
func TestSMTPSenderRefusesPlainText(t *testing.T) {
	f, pool := newFakeSMTP(t, true)
	s, err := NewSMTPSender(SMTPConfig{Host: "127.0.0.1", Port: f.port(), Username: "u", Password: "p",
		From: "no-reply@storebox.example", RootCAs: pool, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), notify.Message{To: "anna@example.com", Channel: notify.ChannelEmail, Body: "code 123456"})
	if err == nil || !errors.Is(err, errNotSent) || errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("send over plain text: %v, want unavailable", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.commands {
		if c == "AUTH" || c == "MAIL" || c == "DATA" {
			t.Fatalf("sent %s without TLS: %v", c, f.commands)
		}
	}
}

// TestSMTPSenderChecksConfigAndChannel: bad settings fail at start; an SMS
// is not an e-mail.
func TestSMTPSenderChecksConfigAndChannel(t *testing.T) {
	for _, cfg := range []SMTPConfig{{Host: "", From: "a@b.c"}, {Host: "smtp.example", From: "not an address"},
		{Host: "smtp.example", Port: 70000, From: "a@b.c"}} {
		if _, err := NewSMTPSender(cfg); err == nil {
			t.Errorf("NewSMTPSender(%+v) accepted", cfg)
		}
	}
	s, err := NewSMTPSender(SMTPConfig{Host: "smtp.example", From: "a@b.c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), notify.Message{To: "4520000000", Channel: notify.ChannelSMS, Body: "x"}); err == nil {
		t.Fatal("SMS accepted by the SMTP sender")
	}
}
