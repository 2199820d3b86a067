package main

import (
	"strings"
	"testing"
	"time"
)

// baseEnv is a complete production environment without a message sender.
func baseEnv(kv ...string) func(string) string {
	e := map[string]string{
		"DATABASE_URL": "postgres://lg@127.0.0.1:5432/lg",
		"REDIS_URL":    "redis://127.0.0.1:6379/0",
		"SECRET_KEY":   strings.Repeat("k", 64),
	}
	for i := 0; i+1 < len(kv); i += 2 {
		e[kv[i]] = kv[i+1]
	}
	return func(k string) string { return e[k] }
}

var serveNeeds = needs{redis: true, secret: true, sender: true}

// TestConfigRefusesPlainTextSenderInProduction: outside LG_ENV=dev, serve
// needs an SMS gateway or an explicit, redacting log sender.
func TestConfigRefusesPlainTextSenderInProduction(t *testing.T) {
	if _, err := loadConfig(baseEnv(), serveNeeds); err == nil || !strings.Contains(err.Error(), "SMS_GATEWAY_URL") {
		t.Fatalf("production without a sender: %v, want an error naming SMS_GATEWAY_URL", err)
	}
	for _, tc := range []struct {
		name   string
		env    func(string) string
		sender string
		redact bool
	}{
		{"dev logs in clear", baseEnv("LG_ENV", "dev"), "log", false},
		{"production log sender redacts", baseEnv("SMS_SENDER", "log"), "log", true},
		{"production gateway", baseEnv("SMS_GATEWAY_URL", "https://sms.example/send", "SMTP_HOST", "smtp.example", "SMTP_FROM", "no-reply@example.com"), "gateway", true},
		{"explicit gateway", baseEnv("SMS_SENDER", "gateway", "SMS_GATEWAY_URL", "https://sms.example/send", "SMTP_HOST", "smtp.example",
			"SMTP_FROM", "no-reply@example.com"), "gateway", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(tc.env, serveNeeds)
			if err != nil {
				t.Fatal(err)
			}
			if c.SMSSender != tc.sender || c.RedactMessages != tc.redact {
				t.Fatalf("sender %q redact %v, want %q %v", c.SMSSender, c.RedactMessages, tc.sender, tc.redact)
			}
		})
	}
	for _, tc := range []struct {
		name, want string
		env        func(string) string
	}{
		{"unknown sender", "SMS_SENDER", baseEnv("SMS_SENDER", "pigeon")},
		{"gateway without URL", "SMS_GATEWAY_URL", baseEnv("SMS_SENDER", "gateway")},
		{"log and gateway", "SMS_SENDER", baseEnv("SMS_SENDER", "log", "SMS_GATEWAY_URL", "https://sms.example/send")},
		{"gateway without SMTP", "SMTP_HOST", baseEnv("SMS_GATEWAY_URL", "https://sms.example/send")},
		{"SMTP without from", "SMTP_FROM", baseEnv("LG_ENV", "dev", "SMTP_HOST", "smtp.example")},
		{"bad SMTP port", "SMTP_PORT", baseEnv("LG_ENV", "dev", "SMTP_HOST", "smtp.example", "SMTP_FROM", "a@b.c", "SMTP_PORT", "0")},
		{"bad key lifetime", "PARTNER_KEY_MAX_LIFETIME", baseEnv("LG_ENV", "dev", "PARTNER_KEY_MAX_LIFETIME", "2h")},
		{"bad partner budget", "OTP_PARTNER_SENDS_PER_HOUR", baseEnv("LG_ENV", "dev", "OTP_PARTNER_SENDS_PER_HOUR", "0")},
		{"bad login threshold", "LOGIN_FAILURES_PER_MINUTE", baseEnv("LG_ENV", "dev", "LOGIN_FAILURES_PER_MINUTE", "x")},
		{"bad loyalty key file", "LOYALTY_JWT_KEY_FILE", baseEnv("LG_ENV", "dev", "LOYALTY_JWT_KEY_FILE", "/nonexistent/key.pem")},
		{"bad loyalty token lifetime", "LOYALTY_TOKEN_TTL", baseEnv("LG_ENV", "dev", "LOYALTY_TOKEN_TTL", "10s")},
		{"bad loyalty earn rate", "LOYALTY_EARN_RATE", baseEnv("LG_ENV", "dev", "LOYALTY_EARN_RATE", "-1")},
		{"avatar folder is a file", "LOYALTY_AVATAR_DIR", baseEnv("LG_ENV", "dev", "LOYALTY_AVATAR_DIR", "config_test.go")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := loadConfig(tc.env, serveNeeds); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
	// Commands that send nothing do not need a sender.
	if _, err := loadConfig(baseEnv(), needs{secret: true}); err != nil {
		t.Fatalf("credentials command: %v", err)
	}
	c, err := loadConfig(baseEnv("LG_ENV", "dev", "PARTNER_KEY_MAX_LIFETIME", "2m"), serveNeeds)
	if err != nil || c.PartnerKeyMaxLifetime != 2*time.Minute || c.OTPPartnerSendsPerHour != 1000 || c.LoginFailuresPerMinute != 32 {
		t.Fatalf("config %+v, %v", c, err)
	}
}

func TestConfigLifecycleSettings(t *testing.T) {
	c, err := loadConfig(baseEnv("LG_ENV", "dev"), serveNeeds)
	if err != nil {
		t.Fatal(err)
	}
	if c.Overload.MaxInFlight != 0 || c.Overload.MaxQueued != 0 || c.DrainDelay != 5*time.Second ||
		c.ShutdownTimeout != 15*time.Second || len(c.WebhookRetrySchedule) != 22 {
		t.Fatalf("defaults: %+v drain %v limit %v retries %d", c.Overload, c.DrainDelay, c.ShutdownTimeout, len(c.WebhookRetrySchedule))
	}
	c, err = loadConfig(baseEnv("LG_ENV", "dev", "HTTP_MAX_IN_FLIGHT", "40", "HTTP_MAX_QUEUED", "0", "HTTP_QUEUE_WAIT", "20ms",
		"SHUTDOWN_DRAIN_DELAY", "0s", "SHUTDOWN_TIMEOUT", "30s", "WEBHOOK_RETRY_SCHEDULE", "5s,1m*2"), serveNeeds)
	if err != nil {
		t.Fatal(err)
	}
	if c.Overload.MaxInFlight != 40 || c.Overload.MaxQueued != -1 || c.Overload.QueueWait != 20*time.Millisecond ||
		c.DrainDelay != 0 || c.ShutdownTimeout != 30*time.Second || len(c.WebhookRetrySchedule) != 3 {
		t.Fatalf("set: %+v drain %v limit %v schedule %v", c.Overload, c.DrainDelay, c.ShutdownTimeout, c.WebhookRetrySchedule)
	}
	if c, err := loadConfig(baseEnv("LG_ENV", "dev", "HTTP_MAX_IN_FLIGHT", "off"), serveNeeds); err != nil || c.Overload.MaxInFlight != -1 {
		t.Fatalf("off: %+v, %v", c, err)
	}
	for _, tc := range []struct{ name, value, want string }{
		{"HTTP_MAX_IN_FLIGHT", "0", "HTTP_MAX_IN_FLIGHT"},
		{"HTTP_MAX_IN_FLIGHT", "many", "HTTP_MAX_IN_FLIGHT"},
		{"HTTP_MAX_QUEUED", "-1", "HTTP_MAX_QUEUED"},
		{"HTTP_QUEUE_WAIT", "1m", "HTTP_QUEUE_WAIT"},
		{"SHUTDOWN_DRAIN_DELAY", "soon", "SHUTDOWN_DRAIN_DELAY"},
		{"SHUTDOWN_TIMEOUT", "0s", "SHUTDOWN_TIMEOUT"},
		{"SHUTDOWN_DRAIN_DELAY", "15s", "SHUTDOWN_TIMEOUT"}, // the limit must exceed the delay
		{"WEBHOOK_RETRY_SCHEDULE", "10s,soon", "WEBHOOK_RETRY_SCHEDULE"},
	} {
		if _, err := loadConfig(baseEnv("LG_ENV", "dev", tc.name, tc.value), serveNeeds); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%s: %v, want an error naming %s", tc.name, tc.value, err, tc.want)
		}
	}
}

// TestLoyaltyAvatarDir: LOYALTY_AVATAR_DIR names the folder avatars are
// kept in; unset, PostgreSQL keeps them.
func TestLoyaltyAvatarDir(t *testing.T) {
	dir := t.TempDir()
	c, err := loadConfig(baseEnv("LG_ENV", "dev", "LOYALTY_AVATAR_DIR", dir), serveNeeds)
	if err != nil || c.LoyaltyAvatarDir != dir {
		t.Fatalf("config %q, %v", c.LoyaltyAvatarDir, err)
	}
	if c, err := loadConfig(baseEnv("LG_ENV", "dev"), serveNeeds); err != nil || c.LoyaltyAvatarDir != "" {
		t.Fatalf("unset: %q, %v", c.LoyaltyAvatarDir, err)
	}
}
