package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"

	"loyaltygraph/secret"
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
	// IngestMaxBytes caps a transaction batch's body (INGEST_MAX_BYTES);
	// 0 means the server's default, 1 GiB.
	IngestMaxBytes int64
}

// needs says which settings a sub-command requires.
type needs struct {
	redis, secret bool
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
		} else if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			bad("REDIS_URL must be a redis:// or rediss:// URL")
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
			bad("SECRET_KEY must be at least %d bytes (for example: openssl rand -hex 32)", secret.MinKeyLength)
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
	if p := getenv("REDIS_PREFIX"); p != "" {
		c.RedisPrefix = p
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("configuration:\n  %s", strings.Join(problems, "\n  "))
	}
	return c, nil
}

func portSuffix(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || port == "80" {
		return ""
	}
	return ":" + port
}
