package delivery

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"loyaltygraph/domain/notify"
)

// userAgent names the sender to receivers.
const userAgent = "loyaltygraph-webhooks/1"

// maxDrainedBody is how much of an answer is read (and thrown away) so the
// connection can be reused; receivers' bodies are not looked at.
const maxDrainedBody = 64 << 10

// ErrAddressRefused is returned when an endpoint resolves to a loopback,
// private or otherwise non-public address and private addresses are not
// allowed.
var ErrAddressRefused = errors.New("endpoint address is not public")

// webhookWorker delivers outbox jobs.
type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	cfg    Config
	client *http.Client
}

func newWebhookWorker(cfg Config) *webhookWorker {
	return &webhookWorker{cfg: cfg, client: NewWebhookHTTPClient(cfg.Timeout, cfg.AllowPrivate)}
}

// NewWebhookHTTPClient returns the HTTP client deliveries use: it gives up
// after timeout, follows no redirects, ignores proxy settings (a proxy would
// hide the address checked) and, unless allowPrivate, refuses to connect to
// non-public addresses after DNS resolution.
func NewWebhookHTTPClient(timeout time.Duration, allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = refuseNonPublic
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            dialer.DialContext,
			ForceAttemptHTTP2:      true,
			TLSHandshakeTimeout:    min(timeout, 10*time.Second),
			ResponseHeaderTimeout:  timeout,
			MaxIdleConns:           100,
			MaxIdleConnsPerHost:    4,
			IdleConnTimeout:        90 * time.Second,
			MaxResponseHeaderBytes: 64 << 10,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// refuseNonPublic is a net.Dialer Control function: it runs for each
// resolved address just before connecting.
func refuseNonPublic(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return ErrAddressRefused
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !notify.PublicAddr(addr) {
		return ErrAddressRefused
	}
	return nil
}

// Timeout lets one attempt run for the HTTP timeout plus time to record it.
func (w *webhookWorker) Timeout(*river.Job[WebhookArgs]) time.Duration { return w.cfg.jobTimeout() }

// NextRetry follows the retry schedule, or backs off exponentially; both
// with jitter (see Backoff).
func (w *webhookWorker) NextRetry(job *river.Job[WebhookArgs]) time.Time {
	if s := w.cfg.RetrySchedule; len(s) > 0 {
		d := s[min(max(job.Attempt, 1), len(s))-1]
		return time.Now().Add(time.Duration(float64(d) * jitter()))
	}
	return time.Now().Add(Backoff(job.Attempt, w.cfg.RetryBase, w.cfg.RetryCap, jitter()))
}

// Work makes one delivery attempt and records its outcome. A returned error
// makes River retry the job later; a cancelled one is never retried.
func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	args := job.Args
	// A job whose notification went out may run again: its process died
	// before River recorded the job complete (River completes jobs in
	// batches), and the job was given back. The delivery record, written
	// right after the answer, says it went out; it is not sent twice.
	delivered, err := w.cfg.Store.Delivered(ctx, args.EventID)
	if err != nil {
		return fmt.Errorf("read the delivery record: %w", err)
	}
	if delivered {
		w.cfg.Log.InfoContext(ctx, "notification already delivered; not sent again", "event_id", args.EventID,
			"type", args.Type, "attempt", job.Attempt)
		return nil
	}
	status, err := w.post(ctx, args)
	a := notify.Attempt{EventID: args.EventID, Number: job.Attempt, Status: status, At: w.cfg.Now().UTC()}
	permanent := errors.Is(err, ErrAddressRefused) || errors.Is(err, errPermanent)
	switch {
	case err == nil:
		a.State = notify.DeliveryDelivered
	case permanent || job.Attempt >= job.MaxAttempts:
		a.State, a.Error = notify.DeliveryFailed, err.Error()
	default:
		a.State, a.Error = notify.DeliveryRetrying, err.Error()
	}
	// Record even when ctx has ended (timeout, shutdown): the owner should
	// see why the attempt failed.
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if rerr := w.cfg.Store.RecordAttempt(recordCtx, a); rerr != nil {
		// The notification went out (or will be retried) all the same;
		// failing the job now would only send it twice.
		w.cfg.Log.ErrorContext(ctx, "record notification attempt", "event_id", args.EventID, "err", rerr)
	}
	attrs := []any{"event_id", args.EventID, "type", args.Type, "owner_id", args.OwnerID,
		"host", hostOf(args.URL), "attempt", job.Attempt, "status", status}
	switch a.State {
	case notify.DeliveryDelivered:
		w.cfg.Log.InfoContext(ctx, "notification delivered", attrs...)
		return nil
	case notify.DeliveryFailed:
		w.cfg.Log.WarnContext(ctx, "notification failed for good", append(attrs, "err", err)...)
		return river.JobCancel(err)
	default:
		w.cfg.Log.InfoContext(ctx, "notification attempt failed; will retry", append(attrs, "err", err)...)
		return err
	}
}

// errPermanent marks failures that no retry can cure.
var errPermanent = errors.New("permanent")

// post sends one attempt and returns the HTTP status (0 when none came).
func (w *webhookWorker) post(ctx context.Context, args WebhookArgs) (int, error) {
	headers, err := w.cfg.Store.OpenHeaders(args.SealedHeaders)
	if err != nil {
		return 0, fmt.Errorf("%w: endpoint headers cannot be read", errPermanent)
	}
	var body io.Reader = http.NoBody
	if len(args.Payload) > 0 {
		body = strings.NewReader(args.Payload)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, args.URL, body)
	if err != nil {
		return 0, fmt.Errorf("%w: endpoint url is not valid", errPermanent)
	}
	for _, h := range headers {
		req.Header.Set(h.Name, h.Value)
	}
	if len(args.Payload) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	now := w.cfg.Now().Unix()
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("webhook-id", args.EventID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now, 10))
	if len(args.SealedSecret) > 0 {
		// SECURITY: receivers verify with the endpoint's secret that the
		// notification comes from us, unchanged and recent (Standard
		// Webhooks); each attempt is signed with its own timestamp.
		secret, err := w.cfg.Store.OpenSecret(args.SealedSecret)
		if err != nil {
			return 0, fmt.Errorf("%w: endpoint signing secret cannot be read", errPermanent)
		}
		sig, err := notify.Sign(secret, args.EventID, now, []byte(args.Payload))
		if err != nil {
			return 0, fmt.Errorf("%w: endpoint signing secret is not valid", errPermanent)
		}
		req.Header.Set("webhook-signature", sig)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		w.cfg.Log.DebugContext(ctx, "notification transport error", "event_id", args.EventID, "err", err)
		return 0, describe(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainedBody))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return resp.StatusCode, fmt.Errorf("receiver answered %d; redirects are not followed", resp.StatusCode)
	default:
		return resp.StatusCode, fmt.Errorf("receiver answered %d", resp.StatusCode)
	}
}

// describe turns a transport error into a short, fixed reason for the
// owner to read (lastError): never the URL, which may carry query
// parameters the owner considers private, nor the addresses, host names,
// resolver or ports of the dial, which would map our network.
func describe(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.Is(err, ErrAddressRefused):
		return ErrAddressRefused
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return errors.New("receiver did not answer in time")
	case errors.Is(err, context.Canceled):
		return errors.New("attempt interrupted")
	case errors.As(err, &dnsErr):
		return errors.New("receiver host name could not be resolved")
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("receiver refused the connection")
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("receiver closed the connection")
	case errors.As(err, &certErr), errors.As(err, &recordErr):
		return errors.New("TLS handshake with the receiver failed")
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return errors.New("could not connect to the receiver")
	}
	return errors.New("could not reach the receiver")
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// ensure the worker satisfies River's interface.
var _ river.Worker[WebhookArgs] = (*webhookWorker)(nil)
