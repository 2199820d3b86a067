package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/delivery"
	"loyaltygraph/internal/telemetry"
	"loyaltygraph/secret"
	httpserver "loyaltygraph/server"
)

// config is the service configuration, read from the environment.
type config struct {
	DatabaseURL   string
	RedisURL      string
	HTTPAddr      string
	PublicBaseURL string
	SecretKey     []byte
	LogLevel      slog.Level
	Dev           bool
	RedisPrefix   string
	// NotifyAllowPrivate lets webhooks go to loopback and private addresses.
	NotifyAllowPrivate bool
	SMSGatewayURL      string
	SMSGatewayToken    string
	// SMTP sends e-mail (SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD,
	// SMTP_FROM), always with STARTTLS.
	SMTPHost     string
	SMTPPort     int
	SMTPUser     string
	SMTPPassword string
	SMTPFrom     string
	// IngestMaxBytes caps a transaction batch's body (INGEST_MAX_BYTES);
	// 0 means the server's default, 1 GiB.
	IngestMaxBytes int64
	// SMSSender is how messages to people go out: "gateway" (SMS through
	// SMS_GATEWAY_URL) or "log" (logged and kept for admins; outside
	// development with codes and links redacted).
	SMSSender string
	// RedactMessages hides codes and links in logged and kept messages:
	// everywhere but in development.
	RedactMessages bool
	// PartnerKeyMaxLifetime caps the lifetime of a partner's JWT-wrapped
	// key (PARTNER_KEY_MAX_LIFETIME, default 5m).
	PartnerKeyMaxLifetime time.Duration
	// OTPPartnerSendsPerHour is each partner's hourly budget of one-time
	// passwords (OTP_PARTNER_SENDS_PER_HOUR, default 1000).
	OTPPartnerSendsPerHour int
	// LoginFailuresPerMinute is how many failed logins a username or a
	// client address may make in a minute before the next is answered 429
	// (LOGIN_FAILURES_PER_MINUTE, default 32).
	LoginFailuresPerMinute int
	// LoyaltyKeyPEM is the RSA private key that signs Open Loyalty tokens,
	// read from LOYALTY_JWT_KEY_FILE; empty means the key kept in
	// PostgreSQL.
	LoyaltyKeyPEM []byte
	// LoyaltyTokenTTL is how long an Open Loyalty token lasts
	// (LOYALTY_TOKEN_TTL, default 24h).
	LoyaltyTokenTTL time.Duration
	// LoyaltyEarnRate is the points a customer earns per unit of money
	// spent (LOYALTY_EARN_RATE, default 1).
	LoyaltyEarnRate decimal.Decimal
	// CheckoutPrefix is where the checkout API is served
	// (CHECKOUT_PATH_PREFIX, default /api/checkout).
	CheckoutPrefix string
	// CheckoutSessionTTL is how long an unused checkout session lives
	// (CHECKOUT_SESSION_TTL, default 24h, sliding).
	CheckoutSessionTTL time.Duration
	// FrontendBaseURL starts the links of checkout password reset e-mails
	// (FRONTEND_BASE_URL, default PUBLIC_BASE_URL); never the request's
	// Host.
	FrontendBaseURL string
	// SubscriptionsPerConnection, SubscriptionsPerPrincipal and
	// SubscriptionKeepAlive bound subscriptions
	// (SUBSCRIPTIONS_PER_CONNECTION, default 10;
	// SUBSCRIPTIONS_PER_PRINCIPAL, default 20; SUBSCRIPTION_KEEPALIVE,
	// default 15s).
	SubscriptionsPerConnection int
	SubscriptionsPerPrincipal  int
	SubscriptionKeepAlive      time.Duration
	// MetricsAddr is a second listener serving only GET /metrics, without
	// credentials (METRICS_ADDR; none when empty). The main listener
	// serves /metrics to admins either way.
	MetricsAddr string
	// Tracing is set by serve from the OTEL_* settings (telemetry.StartTracing),
	// not read here; nil is off.
	Tracing *telemetry.Tracing
	// Overload bounds the requests in progress: HTTP_MAX_IN_FLIGHT (a
	// number, or off; default httpserver.DefaultMaxInFlight), HTTP_MAX_QUEUED
	// (default half of it) and HTTP_QUEUE_WAIT (default 50ms).
	Overload httpserver.Overload
	// DrainDelay is how long /readyz answers 503 after SIGTERM before the
	// listener closes (SHUTDOWN_DRAIN_DELAY, default 5s).
	DrainDelay time.Duration
	// ShutdownTimeout bounds the whole shutdown, drain delay included,
	// from the signal to the exit (SHUTDOWN_TIMEOUT, default 15s).
	ShutdownTimeout time.Duration
	// WebhookRetrySchedule is the waits between webhook attempts
	// (WEBHOOK_RETRY_SCHEDULE, default delivery.DefaultRetrySchedule).
	WebhookRetrySchedule []time.Duration

	// drain is begun by serve on SIGTERM.
	drain *httpserver.Drain
	// LoyaltyAvatarDir keeps customers' avatars in this folder instead of
	// PostgreSQL (LOYALTY_AVATAR_DIR; created when missing).
	LoyaltyAvatarDir string
}

// needs says which settings a sub-command requires.
type needs struct {
	redis, secret bool
	// sender: the command sends messages to people (serve), so it must
	// have a real sender outside development.
	sender bool
}

// loadConfig reads and checks the settings; every problem is reported at
// once, by setting name.
func loadConfig(getenv func(string) string, n needs) (*config, error) {
	c := &config{
		DatabaseURL:   strings.TrimSpace(getenv("DATABASE_URL")),
		RedisURL:      strings.TrimSpace(getenv("REDIS_URL")),
		HTTPAddr:      strings.TrimSpace(getenv("HTTP_ADDR")),
		PublicBaseURL: strings.TrimRight(strings.TrimSpace(getenv("PUBLIC_BASE_URL")), "/"),
		RedisPrefix:   "lg:",
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if c.DatabaseURL == "" {
		bad("DATABASE_URL is required (postgres://user:password@host:port/db)")
	} else if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		bad("DATABASE_URL must be a postgres:// URL")
	}
	if n.redis {
		if c.RedisURL == "" {
			bad("REDIS_URL is required (redis://host:port/db)")
		} else if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" &&
			u.Scheme != "redis+cluster" && u.Scheme != "rediss+cluster") {
			bad("REDIS_URL must be a redis:// or rediss:// URL, or redis+cluster://host:port?addr=host2:port2 for a Redis Cluster")
		}
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = ":8080"
	}
	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || port == "" {
		bad("HTTP_ADDR must be host:port or :port, got %q", c.HTTPAddr)
	}
	if c.PublicBaseURL == "" {
		c.PublicBaseURL = "http://localhost" + portSuffix(c.HTTPAddr)
	} else if u, err := url.Parse(c.PublicBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("PUBLIC_BASE_URL must be an absolute http(s) URL, got %q", c.PublicBaseURL)
	}
	if n.secret {
		key := getenv("SECRET_KEY")
		if len(key) < secret.MinKeyLength {
			bad("SECRET_KEY must be at least %d bytes (for example: openssl rand -hex 32; `make run` keeps its key in "+
				".local/secret_key, and `make credentials KIND=... NAME=...` uses it)", secret.MinKeyLength)
		}
		c.SecretKey = []byte(key)
	}
	switch strings.ToLower(strings.TrimSpace(getenv("LOG_LEVEL"))) {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		bad("LOG_LEVEL must be debug, info, warn or error")
	}
	switch strings.ToLower(strings.TrimSpace(getenv("LG_ENV"))) {
	case "", "prod", "production":
	case "dev", "development":
		c.Dev = true
	default:
		bad("LG_ENV must be dev or prod")
	}
	switch strings.ToLower(strings.TrimSpace(getenv("NOTIFY_ALLOW_PRIVATE"))) {
	case "", "false", "0", "no":
	case "true", "1", "yes":
		c.NotifyAllowPrivate = true
	default:
		bad("NOTIFY_ALLOW_PRIVATE must be true or false")
	}
	c.SMSGatewayURL, c.SMSGatewayToken = strings.TrimSpace(getenv("SMS_GATEWAY_URL")), getenv("SMS_GATEWAY_TOKEN")
	if c.SMSGatewayURL != "" {
		if u, err := url.Parse(c.SMSGatewayURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("SMS_GATEWAY_URL must be an absolute http(s) URL")
		}
	}
	if v := strings.TrimSpace(getenv("INGEST_MAX_BYTES")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			bad("INGEST_MAX_BYTES must be a positive number of bytes, got %q", v)
		}
		c.IngestMaxBytes = n
	}
	c.RedactMessages = !c.Dev
	smsSender := strings.ToLower(strings.TrimSpace(getenv("SMS_SENDER")))
	switch {
	case smsSender != "" && smsSender != "log" && smsSender != "gateway":
		bad("SMS_SENDER must be gateway or log")
	case smsSender == "gateway" && c.SMSGatewayURL == "":
		bad("SMS_SENDER=gateway needs SMS_GATEWAY_URL")
	case smsSender == "log" && c.SMSGatewayURL != "":
		bad("SMS_SENDER=log and SMS_GATEWAY_URL are both set; choose one")
	case smsSender == "" && c.SMSGatewayURL != "":
		c.SMSSender = "gateway"
	case smsSender == "" && !c.Dev && n.sender:
		// SECURITY: outside development, codes and links must not end up
		// in the log or the database just because no gateway was set.
		bad("SMS_GATEWAY_URL is required outside LG_ENV=dev (or set SMS_SENDER=log to log messages with codes and links redacted)")
	case smsSender == "":
		c.SMSSender = "log"
	default:
		c.SMSSender = smsSender
	}
	c.SMTPHost, c.SMTPUser, c.SMTPPassword = strings.TrimSpace(getenv("SMTP_HOST")), getenv("SMTP_USER"), getenv("SMTP_PASSWORD")
	c.SMTPFrom = strings.TrimSpace(getenv("SMTP_FROM"))
	if v := strings.TrimSpace(getenv("SMTP_PORT")); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			bad("SMTP_PORT must be a port number, got %q", v)
		}
		c.SMTPPort = p
	}
	switch {
	case c.SMTPHost != "" && c.SMTPFrom == "":
		bad("SMTP_FROM is required with SMTP_HOST (for example: Storebox <no-reply@example.com>)")
	case c.SMTPHost == "" && c.SMSSender == "gateway" && !c.Dev && n.sender:
		// SECURITY: with real SMS, e-mails with codes must not fall back to
		// the log sender either.
		bad("SMTP_HOST is required with SMS_GATEWAY_URL outside LG_ENV=dev (or set SMS_SENDER=log)")
	}
	c.PartnerKeyMaxLifetime = 5 * time.Minute
	if v := strings.TrimSpace(getenv("PARTNER_KEY_MAX_LIFETIME")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 10*time.Second || d > time.Hour {
			bad("PARTNER_KEY_MAX_LIFETIME must be a duration from 10s to 1h (for example 5m)")
		}
		c.PartnerKeyMaxLifetime = d
	}
	c.OTPPartnerSendsPerHour = positiveInt(getenv, "OTP_PARTNER_SENDS_PER_HOUR", 1000, bad)
	c.LoginFailuresPerMinute = positiveInt(getenv, "LOGIN_FAILURES_PER_MINUTE", 32, bad)
	c.SubscriptionsPerConnection = positiveInt(getenv, "SUBSCRIPTIONS_PER_CONNECTION", 10, bad)
	c.SubscriptionsPerPrincipal = positiveInt(getenv, "SUBSCRIPTIONS_PER_PRINCIPAL", 20, bad)
	c.SubscriptionKeepAlive = 15 * time.Second
	if v := getenv("SUBSCRIPTION_KEEPALIVE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 10*time.Minute {
			bad("SUBSCRIPTION_KEEPALIVE must be a duration between 1s and 10m, such as 15s")
		} else {
			c.SubscriptionKeepAlive = d
		}
	}
	if path := strings.TrimSpace(getenv("LOYALTY_JWT_KEY_FILE")); path != "" {
		pemBytes, err := os.ReadFile(path)
		if err != nil {
			bad("LOYALTY_JWT_KEY_FILE cannot be read: %v", err)
		} else if _, err := secret.ParseLoyaltyKey(pemBytes); err != nil {
			bad("LOYALTY_JWT_KEY_FILE must hold an RSA private key (PEM, PKCS#1 or PKCS#8, 2048 bits or more): %v", err)
		} else {
			c.LoyaltyKeyPEM = pemBytes
		}
	}
	c.LoyaltyTokenTTL = 24 * time.Hour
	if v := strings.TrimSpace(getenv("LOYALTY_TOKEN_TTL")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 30*24*time.Hour {
			bad("LOYALTY_TOKEN_TTL must be a duration from 1m to 720h (for example 24h)")
		}
		c.LoyaltyTokenTTL = d
	}
	c.LoyaltyEarnRate = decimal.NewFromInt(1)
	if v := strings.TrimSpace(getenv("LOYALTY_EARN_RATE")); v != "" {
		d, err := decimal.NewFromString(v)
		if err != nil || !d.IsPositive() || d.GreaterThan(decimal.NewFromInt(1000)) {
			bad("LOYALTY_EARN_RATE must be a positive number of points per unit of money, at most 1000 (for example 1 or 0.5)")
		} else {
			c.LoyaltyEarnRate = d
		}
	}
	c.CheckoutPrefix = "/api/checkout"
	if v := strings.TrimRight(strings.TrimSpace(getenv("CHECKOUT_PATH_PREFIX")), "/"); v != "" {
		if !checkoutPrefix.MatchString(v) {
			bad("CHECKOUT_PATH_PREFIX must be a path such as /api/checkout (letters, digits, - and _ between slashes)")
		}
		c.CheckoutPrefix = v
	}
	c.CheckoutSessionTTL = 24 * time.Hour
	if v := strings.TrimSpace(getenv("CHECKOUT_SESSION_TTL")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 90*24*time.Hour {
			bad("CHECKOUT_SESSION_TTL must be a duration from 1m to 2160h (for example 24h)")
		}
		c.CheckoutSessionTTL = d
	}
	c.FrontendBaseURL = c.PublicBaseURL
	if v := strings.TrimRight(strings.TrimSpace(getenv("FRONTEND_BASE_URL")), "/"); v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			bad("FRONTEND_BASE_URL must be an absolute http(s) URL without query, such as https://shop.example.com")
		}
		c.FrontendBaseURL = v
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("HTTP_MAX_IN_FLIGHT"))); v {
	case "":
	case "off":
		c.Overload.MaxInFlight = -1
	default:
		c.Overload.MaxInFlight = positiveInt(getenv, "HTTP_MAX_IN_FLIGHT", 0, func(string, ...any) {
			bad("HTTP_MAX_IN_FLIGHT must be a whole number from 1 to 1000000, or off")
		})
	}
	if v := strings.TrimSpace(getenv("HTTP_MAX_QUEUED")); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < 0 || n > 1_000_000:
			bad("HTTP_MAX_QUEUED must be a whole number from 0 to 1000000")
		case n == 0:
			c.Overload.MaxQueued = -1
		default:
			c.Overload.MaxQueued = n
		}
	}
	c.Overload.QueueWait = duration(getenv, "HTTP_QUEUE_WAIT", 0, time.Millisecond, 10*time.Second, bad)
	c.DrainDelay = duration(getenv, "SHUTDOWN_DRAIN_DELAY", 5*time.Second, 0, 5*time.Minute, bad)
	c.ShutdownTimeout = duration(getenv, "SHUTDOWN_TIMEOUT", 15*time.Second, time.Second, time.Hour, bad)
	if c.ShutdownTimeout < c.DrainDelay+time.Second {
		bad("SHUTDOWN_TIMEOUT (%s) must exceed SHUTDOWN_DRAIN_DELAY (%s) by at least 1s: it bounds the whole shutdown",
			c.ShutdownTimeout, c.DrainDelay)
	}
	schedule := strings.TrimSpace(getenv("WEBHOOK_RETRY_SCHEDULE"))
	if schedule == "" {
		schedule = delivery.DefaultRetrySchedule
	}
	if s, err := delivery.ParseRetrySchedule(schedule); err != nil {
		bad("WEBHOOK_RETRY_SCHEDULE must list the waits between attempts, for example 10s,1m,10m,1h*5: %v", err)
	} else {
		c.WebhookRetrySchedule = s
	}
	if dir := strings.TrimSpace(getenv("LOYALTY_AVATAR_DIR")); dir != "" {
		if st, err := os.Stat(dir); err == nil && !st.IsDir() {
			bad("LOYALTY_AVATAR_DIR must name a folder (it is created when missing), not a file")
		} else if strings.ContainsRune(dir, 0) {
			bad("LOYALTY_AVATAR_DIR must be a path")
		} else {
			c.LoyaltyAvatarDir = dir
		}
	}
	if p := getenv("REDIS_PREFIX"); p != "" {
		c.RedisPrefix = p
	}
	c.MetricsAddr = strings.TrimSpace(getenv("METRICS_ADDR"))
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			bad("METRICS_ADDR must be host:port or :port, got %q", c.MetricsAddr)
		} else if c.MetricsAddr == c.HTTPAddr && port != "0" {
			bad("METRICS_ADDR must differ from HTTP_ADDR (the main listener serves /metrics to admins already)")
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("configuration:\n  %s", strings.Join(problems, "\n  "))
	}
	return c, nil
}

// checkoutPrefix is the form of CHECKOUT_PATH_PREFIX.
var checkoutPrefix = regexp.MustCompile(`^(/[A-Za-z0-9_-]+)+$`)

// positiveInt reads a positive integer setting, def when unset.
func positiveInt(getenv func(string) string, name string, def int, bad func(string, ...any)) int {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		bad("%s must be a whole number from 1 to 1000000", name)
		return def
	}
	return n
}

// duration reads a duration setting within [lo, hi], def when unset.
func duration(getenv func(string) string, name string, def, lo, hi time.Duration, bad func(string, ...any)) time.Duration {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		bad("%s must be a duration from %s to %s (for example 5s)", name, lo, hi)
		return def
	}
	return d
}

func portSuffix(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || port == "80" {
		return ""
	}
	return ":" + port
}
