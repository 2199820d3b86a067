// Command loyaltygraph serves the loyalty, receipt, settlement, customer and
// checkout APIs over GraphQL and the legacy REST paths, and offers the
// operator sub-commands.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"loyaltygraph/delivery"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/internal/panlog"
	"loyaltygraph/internal/wire"
	httpserver "loyaltygraph/server"
	"loyaltygraph/store/postgres"
	"loyaltygraph/store/redis"
)

const usage = `usage: loyaltygraph COMMAND

commands:
  serve                          serve HTTP on HTTP_ADDR (default :8080)
  migrate                        apply the database migrations
  credentials create KIND NAME   create a credential (KIND: partner, settlement, admin, seller)
  credentials create pos NAME --merchant MERCHANTID
                                 create a till's credential that posts receipts for one merchant
                                 and print it once as JSON
  demo                           load the demo data (idempotent) and print the demo credentials
  checkout import-orders FILE.json
                                 import shop orders into checkout accounts (seed 004): a JSON list
                                 of orders, or {"orders": [...]}, each naming its account's "email"
  version                        print the version (the commit it was built from)
  help                           print this text

environment:
  DATABASE_URL     PostgreSQL URL (all commands)
  REDIS_URL        Redis URL (serve); redis+cluster://host:port?addr=host2:port2 names a Redis Cluster
  SECRET_KEY       server key, at least 32 bytes (serve, credentials, demo)
  HTTP_ADDR        listen address (default :8080)
  PUBLIC_BASE_URL  the URL clients reach the service at (default http://localhost:8080)
  LOG_LEVEL        debug, info, warn or error (default info)
  LG_ENV           dev enables introspection and suggestions for everyone (default prod)
  NOTIFY_ALLOW_PRIVATE  true lets webhooks go to loopback/private addresses (dev, tests)
  SMS_GATEWAY_URL  send SMS through this HTTP gateway (else they are logged and kept for admins)
  SMS_GATEWAY_TOKEN  bearer token for the SMS gateway
  HTTP_MAX_IN_FLIGHT  requests served at once before others queue (default 2 per CPU, the measured knee; off)
  HTTP_MAX_QUEUED  requests that may wait for a slot (default half of HTTP_MAX_IN_FLIGHT); beyond: 503
  HTTP_QUEUE_WAIT  how long a queued request waits for a slot (default 50ms); then: 503 with Retry-After
  SHUTDOWN_DRAIN_DELAY  after SIGTERM, how long /readyz answers 503 before the listener closes (default 5s)
  SHUTDOWN_TIMEOUT  limit of the whole shutdown, drain delay included (default 15s)
  WEBHOOK_RETRY_SCHEDULE  waits between webhook attempts, e.g. 10s,1m,1h*5 (default: 10s doubling to
                   6h, 22 retries over about three days)
  SMTP_HOST, SMTP_PORT (587), SMTP_USER, SMTP_PASSWORD, SMTP_FROM
                   send e-mail through this SMTP server, always with STARTTLS (required with
                   SMS_GATEWAY_URL outside LG_ENV=dev; else e-mails are logged like SMS)
  CHECKOUT_PATH_PREFIX  where the checkout API is served (default /api/checkout)
  CHECKOUT_SESSION_TTL  how long an unused checkout session lives (default 24h, sliding)
  FRONTEND_BASE_URL     start of the checkout password reset links (default PUBLIC_BASE_URL)
  SUBSCRIPTIONS_PER_CONNECTION  subscriptions open at once on one WebSocket (default 10)
  SUBSCRIPTIONS_PER_PRINCIPAL   subscriptions open at once per credential or user, across replicas (default 20)
  SUBSCRIPTION_KEEPALIVE        keep-alive interval of subscriptions (default 15s)
  REDIS_PREFIX     namespace of every Redis key (default lg:)
  SMS_SENDER       log: log messages (redacted outside dev) and keep them for admins; gateway: SMS_GATEWAY_URL
  PARTNER_KEY_MAX_LIFETIME    longest lifetime of a partner's JWT-wrapped key (default 5m; 10s to 1h)
  OTP_PARTNER_SENDS_PER_HOUR  each partner's hourly budget of one-time passwords (default 1000); beyond: 429
  LOGIN_FAILURES_PER_MINUTE   failed logins per username and per client address in a minute before 429 (default 32)
  LOYALTY_JWT_KEY_FILE  RSA private key (PEM) that signs Open Loyalty tokens (default: generated once, kept
                   in PostgreSQL sealed with SECRET_KEY)
  LOYALTY_TOKEN_TTL     lifetime of Open Loyalty tokens (default 24h)
  LOYALTY_EARN_RATE     loyalty points per unit of money spent by the linked app user (default 1)
  LOYALTY_AVATAR_DIR    keep customers' avatars as files in this folder (default: in PostgreSQL)
  INGEST_MAX_BYTES      body limit of POST /api/v1/transactions/batches (default 1 GiB, streamed)
  METRICS_ADDR          also serve /metrics without credentials on this address (admins: on HTTP_ADDR)
  OTEL_EXPORTER_OTLP_ENDPOINT  export traces over OTLP/HTTP to this collector (default: off)
  LG_READY_FILE    serve writes its address to this file once bound (make run waits for it)
  LG_DEMO_ENV_FILE demo writes the demo's URL, credentials and ids here as shell variables (make run:
                   .local/demo.env)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loyaltygraph:", err)
		os.Exit(1)
	}
}

// run is the whole program: it reads the environment through getenv, writes
// results to stdout and logs to stderr, and returns when ctx ends or the
// command is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, getenv, stderr)
	case "migrate":
		return migrate(ctx, getenv, stdout)
	case "credentials":
		if len(args) < 4 || args[1] != "create" {
			fmt.Fprint(stderr, usage)
			return errors.New("usage: loyaltygraph credentials create KIND NAME")
		}
		name, merchantID, err := credentialArgs(auth.Kind(args[2]), args[3:])
		if err != nil {
			fmt.Fprint(stderr, usage)
			return err
		}
		return createCredential(ctx, getenv, auth.Kind(args[2]), name, merchantID, stdout)
	case "demo":
		return demo(ctx, getenv, stdout)
	case "checkout":
		if len(args) != 3 || args[1] != "import-orders" {
			fmt.Fprint(stderr, usage)
			return errors.New("usage: loyaltygraph checkout import-orders FILE.json")
		}
		return importCheckoutOrders(ctx, getenv, args[2], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "version", "-v", "--version":
		fmt.Fprintln(stdout, version())
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// version names the build: the module version and, when built from a
// checkout, the commit, its time and whether the tree had changes.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "loyaltygraph (unknown build)"
	}
	v := "loyaltygraph " + bi.Main.Version
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		v += " commit " + rev
		if t := settings["vcs.time"]; t != "" {
			v += " (" + t + ")"
		}
		if settings["vcs.modified"] == "true" {
			v += " with local changes"
		}
	}
	return v + " " + bi.GoVersion
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(panlog.Wrap(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}

// open connects to PostgreSQL and, when wanted, Redis, and builds the app.
func open(ctx context.Context, cfg *config, log *slog.Logger, withRedis bool) (*wire.App, func(), error) {
	db, err := postgres.Open(ctx, cfg.DatabaseURL, cfg.Tracing.ConfigurePool)
	if err != nil {
		return nil, nil, err
	}
	var rc *redis.Client
	if withRedis {
		if rc, err = redis.Open(ctx, cfg.RedisURL, cfg.RedisPrefix); err != nil {
			db.Close()
			return nil, nil, err
		}
	}
	a, err := wire.New(wire.Options{
		SecretKey: cfg.SecretKey, Dev: cfg.Dev, Log: log, PublicBaseURL: cfg.PublicBaseURL,
		NotifyAllowPrivate: cfg.NotifyAllowPrivate,
		SMSGateway:         delivery.SMSGatewayConfig{URL: cfg.SMSGatewayURL, Token: cfg.SMSGatewayToken},
		SMTP: delivery.SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUser,
			Password: cfg.SMTPPassword, From: cfg.SMTPFrom},
		IngestMaxBytes: cfg.IngestMaxBytes,
		RedactMessages: cfg.RedactMessages,

		PartnerKeyMaxLifetime:  cfg.PartnerKeyMaxLifetime,
		OTPPartnerSendsPerHour: cfg.OTPPartnerSendsPerHour,
		LoginFailuresPerMinute: cfg.LoginFailuresPerMinute,
		LoyaltyKeyPEM:          cfg.LoyaltyKeyPEM,
		LoyaltyTokenTTL:        cfg.LoyaltyTokenTTL,
		LoyaltyEarnRate:        cfg.LoyaltyEarnRate,
		CheckoutPrefix:         cfg.CheckoutPrefix,
		CheckoutSessionTTL:     cfg.CheckoutSessionTTL,
		FrontendBaseURL:        cfg.FrontendBaseURL,

		SubscriptionsPerConnection: cfg.SubscriptionsPerConnection,
		SubscriptionsPerPrincipal:  cfg.SubscriptionsPerPrincipal,
		SubscriptionKeepAlive:      cfg.SubscriptionKeepAlive,
		Tracing:                    cfg.Tracing,
		Overload:                   cfg.Overload,
		Drain:                      cfg.drain,
		Delivery:                   delivery.Config{RetrySchedule: cfg.WebhookRetrySchedule},
		LoyaltyAvatarDir:           cfg.LoyaltyAvatarDir,
	}, db, rc)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	closeAll := func() {
		if rc != nil {
			_ = rc.Close()
		}
		db.Close()
	}
	return a, closeAll, nil
}

func serve(ctx context.Context, getenv func(string) string, stderr io.Writer) error {
	cfg, err := loadConfig(getenv, needs{redis: true, secret: true, sender: true})
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	redis.UseLogger(log)
	stopTracing, err := startTracing(ctx, cfg, getenv, log)
	if err != nil {
		return err
	}
	defer stopTracing()
	drain := &httpserver.Drain{}
	cfg.drain = drain
	a, closeAll, err := open(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			closeAll()
		}
	}()

	// Notification delivery runs in every replica; River shares the work.
	if err := a.Delivery.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start notification delivery: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = a.Delivery.Stop(stopCtx)
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	// LG_READY_FILE (set by `make run`) receives the bound address once the
	// listener is open: whoever started the server knows it is this one
	// that listens, not something else on the port.
	if f := getenv("LG_READY_FILE"); f != "" {
		if err := os.WriteFile(f, []byte(ln.Addr().String()+"\n"), 0o600); err != nil {
			_ = ln.Close()
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = a.Delivery.Stop(stopCtx)
			return fmt.Errorf("write LG_READY_FILE: %w", err)
		}
	}
	// Requests run under a context of their own, cancelled when the
	// shutdown limit is reached, so that none holds a database connection
	// past it.
	reqCtx, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
	}
	// Subscriptions end cleanly at shutdown: Shutdown neither closes
	// WebSocket connections nor waits for endless SSE responses.
	srv.RegisterOnShutdown(func() {
		a.Streams.Close()
		if a.Live != nil {
			_ = a.Live.Close()
		}
	})
	log.Info("listening", "addr", ln.Addr().String(), "public_base_url", cfg.PublicBaseURL, "dev", cfg.Dev)
	stopMetrics, err := serveMetrics(cfg.MetricsAddr, a.Metrics.Handler(), log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopMetrics()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stopped = true
	return shutdown(cfg, log, drain, srv, a.Delivery, cancelRequests, closeAll)
}

// shutdown stops serve within cfg.ShutdownTimeout of the signal: /readyz
// turns 503 and every answer closes its connection for the drain delay,
// so that load balancers stop sending and kept-alive connections end after
// an answer rather than being cut; then the listener closes and requests in
// flight finish. At the limit, requests still running are cancelled and
// their connections closed, and the pools are closed without waiting
// further.
func shutdown(cfg *config, log *slog.Logger, drain *httpserver.Drain, srv *http.Server, jobs *delivery.Runner,
	cancelRequests func(), closeAll func()) error {
	start := time.Now()
	limit := start.Add(cfg.ShutdownTimeout)
	// What the pools need to close once no request holds a connection.
	const closeMargin = 500 * time.Millisecond
	log.Info("shutting down", "drain_delay", cfg.DrainDelay.String(), "limit", cfg.ShutdownTimeout.String())
	drain.Begin()

	// Deliveries stop taking jobs now and finish the running ones.
	jobsStopped := make(chan error, 1)
	go func() {
		stopCtx, cancel := context.WithDeadline(context.Background(), limit.Add(-2*closeMargin))
		defer cancel()
		jobsStopped <- jobs.Stop(stopCtx)
	}()

	time.Sleep(cfg.DrainDelay)
	httpCtx, cancel := context.WithDeadline(context.Background(), limit.Add(-closeMargin))
	defer cancel()
	var result error
	if err := srv.Shutdown(httpCtx); err != nil {
		log.Warn("requests still running at the shutdown limit were cancelled", "limit", cfg.ShutdownTimeout.String())
		cancelRequests()
		_ = srv.Close()
		result = fmt.Errorf("shutdown: requests outlived the limit of %s", cfg.ShutdownTimeout)
	}
	cancelRequests()
	// The HTTP shutdown may itself have run to the limit: a delivery that
	// has stopped by now is not reported late.
	wait := time.NewTimer(max(0, time.Until(limit.Add(-closeMargin))))
	defer wait.Stop()
	select {
	case err := <-jobsStopped:
		if err != nil {
			log.Warn("stop notification delivery", "err", err)
		}
	default:
		select {
		case err := <-jobsStopped:
			if err != nil {
				log.Warn("stop notification delivery", "err", err)
			}
		case <-wait.C:
			log.Warn("notification delivery did not stop within the shutdown limit")
		}
	}
	closed := make(chan struct{})
	go func() { closeAll(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(time.Until(limit)):
		log.Warn("database connections still in use at the shutdown limit; exiting without waiting")
	}
	log.Info("stopped", "after", time.Since(start).Round(time.Millisecond).String())
	return result
}

func migrate(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv, needs{})
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	for _, name := range applied {
		fmt.Fprintln(stdout, "applied", name)
	}
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "database is up to date")
	}
	return nil
}

// credentialArgs reads NAME and, for a pos credential, --merchant ID (or
// --merchant=ID) from the arguments after KIND.
func credentialArgs(kind auth.Kind, args []string) (name, merchantID string, err error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--merchant" && i+1 < len(args):
			merchantID = args[i+1]
			i++
		case strings.HasPrefix(a, "--merchant="):
			merchantID = strings.TrimPrefix(a, "--merchant=")
		default:
			rest = append(rest, a)
		}
	}
	switch {
	case len(rest) != 1:
		return "", "", errors.New("usage: loyaltygraph credentials create KIND NAME [--merchant MERCHANTID]")
	case kind == auth.KindPOS && merchantID == "":
		return "", "", errors.New("usage: loyaltygraph credentials create pos NAME --merchant MERCHANTID")
	case kind != auth.KindPOS && merchantID != "":
		return "", "", errors.New("--merchant is for pos credentials only")
	}
	return rest[0], merchantID, nil
}

func createCredential(ctx context.Context, getenv func(string) string, kind auth.Kind, name, merchantID string, stdout io.Writer) error {
	if !kind.Valid() {
		return fmt.Errorf("KIND must be one of partner, settlement, admin, seller, pos; got %q", kind)
	}
	cfg, err := loadConfig(getenv, needs{secret: true})
	if err != nil {
		return err
	}
	a, closeAll, err := open(ctx, cfg, newLogger(io.Discard, cfg.LogLevel), false)
	if err != nil {
		return err
	}
	defer closeAll()
	var nc *auth.NewCredential
	if kind == auth.KindPOS {
		nc, err = a.Auth.CreatePOSCredential(ctx, name, merchantID)
	} else {
		nc, err = a.Auth.CreateCredential(ctx, kind, name)
	}
	if err != nil {
		if e := errs.As(err); e.Code != errs.Internal {
			return errors.New(e.Message)
		}
		return err
	}
	return json.NewEncoder(stdout).Encode(nc)
}

func demo(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv, needs{secret: true})
	if err != nil {
		return err
	}
	a, closeAll, err := open(ctx, cfg, newLogger(io.Discard, cfg.LogLevel), false)
	if err != nil {
		return err
	}
	defer closeAll()
	d, err := a.LoadDemo(ctx)
	if err != nil {
		return err
	}
	creds := d.Credentials
	if path := getenv("LG_DEMO_ENV_FILE"); path != "" {
		if err := writeDemoEnv(path, d, cfg.PublicBaseURL); err != nil {
			return fmt.Errorf("write LG_DEMO_ENV_FILE: %w", err)
		}
		defer fmt.Fprintf(stdout, "The demo's URL, credentials and ids, for the README's examples:  source %s\n", path)
	}
	fmt.Fprintln(stdout, "Demo data loaded. Demo credentials (HTTP Basic: username:secret):")
	for _, c := range creds {
		fmt.Fprintf(stdout, "  %-10s  %-16s  %s\n", c.Kind, c.Username, c.Secret)
		if c.Salt != "" {
			fmt.Fprintf(stdout, "  %-10s  %-16s  salt %s\n", "", "", c.Salt)
		}
	}
	fmt.Fprintln(stdout, "GraphiQL Headers pane, one per credential:")
	for _, c := range creds {
		fmt.Fprintf(stdout, "  %-10s  {\"Authorization\": \"Basic %s\"}\n", c.Kind, basic(c.Username, c.Secret))
	}
	for _, c := range creds {
		if c.Kind == auth.KindSettlement {
			fmt.Fprintf(stdout, "Try:  curl -u %s:%s %s/api/v1/merchants\n", c.Username, c.Secret, cfg.PublicBaseURL)
		}
		if c.Kind == auth.KindAdmin {
			fmt.Fprintf(stdout, "GraphiQL: %s/graphiql (admins may also read sentMessages there)\n", cfg.PublicBaseURL)
		}
	}
	printDemoSettlement(stdout, d, cfg.PublicBaseURL)
	printDemoReceipts(stdout, d, cfg.PublicBaseURL)
	fmt.Fprintf(stdout, "Checkout (seed 004): the demo account %s (password %s) has two orders.\n"+
		"Try:  curl -i -X POST -H 'Content-Type: application/json' %s%s/login/%s -d '{\"password\":\"%s\"}'\n"+
		"      then curl -X POST -H 'API-Token: TOKEN' %s%s/orders\n",
		d.CheckoutEmail, d.CheckoutPassword, cfg.PublicBaseURL, cfg.CheckoutPrefix, d.CheckoutEmail, d.CheckoutPassword,
		cfg.PublicBaseURL, cfg.CheckoutPrefix)
	printDemoLoyalty(stdout, d, cfg.PublicBaseURL)
	if frame, err := a.DemoCardFrameURL(ctx, d.UserID); err == nil {
		fmt.Fprintf(stdout, "Card frame of the demo partner's demo user (redirects to /healthz):\n  %s\n", frame)
	} else {
		fmt.Fprintf(stdout, "(no demo card frame: %v)\n", err)
	}
	return nil
}

// printDemoSettlement shows the settled week of the demo merchant, as the
// demo settlement client sees it.
func printDemoSettlement(stdout io.Writer, d *wire.Demo, base string) {
	var secret string
	for _, c := range d.Credentials {
		if c.Kind == auth.KindSettlement {
			secret = c.Secret
		}
	}
	u := "demo-settlement:" + secret
	fmt.Fprintf(stdout, "Settlement: %s has a company, two stores, a campaign and a derived share; a week of its card\n"+
		"transactions is settled, batched and invoiced.\n", d.Settlement.MerchantID)
	fmt.Fprintf(stdout, "Try:  curl -u %s %s/api/v1/merchants/%s\n", u, base, d.Settlement.MerchantID)
	fmt.Fprintf(stdout, "      curl -u %s %s/api/v1/settlements/batches\n", u, base)
	fmt.Fprintf(stdout, "      curl -u %s %s/api/v1/merchants/%s/invoices\n", u, base, d.Settlement.MerchantID)
}

// importCheckoutOrders imports the orders of file as an admin would
// through GraphQL (importCheckoutOrders), and prints how many it stored.
func importCheckoutOrders(ctx context.Context, getenv func(string) string, file string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv, needs{secret: true})
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	a, closeAll, err := open(ctx, cfg, newLogger(io.Discard, cfg.LogLevel), false)
	if err != nil {
		return err
	}
	defer closeAll()
	// The operator at the console acts as an admin.
	operator := auth.WithPrincipal(ctx, &auth.Principal{Kind: auth.KindAdmin, Name: "cli", Username: "cli"})
	n, err := a.Ops.Checkout.ImportOrders(operator, f)
	if err != nil {
		if e := errs.As(err); e.Code != errs.Internal {
			if e.Field != "" {
				return fmt.Errorf("%s: %s", e.Field, e.Message)
			}
			return errors.New(e.Message)
		}
		return err
	}
	fmt.Fprintf(stdout, "imported %d orders\n", n)
	return nil
}

// printDemoReceipts shows how to post a receipt as the demo till and find
// it under the demo user, in REST, GraphiQL and as a PDF.
func printDemoReceipts(stdout io.Writer, d *wire.Demo, base string) {
	secrets := map[string]string{}
	for _, c := range d.Credentials {
		secrets[c.Username] = c.Secret
	}
	fmt.Fprintf(stdout, "Receipts: the demo till (demo-pos) posts for merchant %s; demo user %s (of demo-partner) holds the card\n"+
		"whose token is %s, so receipts paid with it reach that user.\n", d.MerchantID, d.UserID, d.CardToken)
	fmt.Fprintf(stdout, "Try:  curl -u demo-pos:%s -H 'Content-Type: application/json' %s/api/receipt-receiver/v2/receipts -d '"+
		`{"externalReceiptId":"try-1","externalReceiptIdType":"till","purchaseDateTime":"2026-12-01T10:00:00+01:00",`+
		`"totalOrderPrice":{"amount":42.5,"currency":"DKK"},"receiptLines":[{"name":"Smørrebrød med æg","totalPrice":42.5}],`+
		`"payments":[{"type":"CARD","amount":42.5,"cardToken":"%s","truncatedCardNumber":"457100XXXXXX0001"}]}'`+"\n",
		secrets["demo-pos"], base, d.CardToken)
	fmt.Fprintf(stdout, "      curl -u demo-partner:%s '%s/receipt-data/v1/users/%s/receipts?orderBy=date&direction=desc'\n",
		secrets["demo-partner"], base, d.UserID)
	fmt.Fprintf(stdout, "      curl -u demo-partner:%s -o receipt.pdf '%s/receipt-data/v1/users/%s/receipts/RECEIPT_ID/pdf?lang=da'\n",
		secrets["demo-partner"], base, d.UserID)
	fmt.Fprintf(stdout, "GraphiQL (demo-partner's header): { user(userId: \"%s\") { receipts { totalCount nodes { receiptId "+
		"purchaseDateTime merchant { merchantName logo { url } } grandTotal { amount currency } receiptLines { name totalPrice } pdfUrl } } } }\n",
		d.UserID)
}

// printDemoLoyalty shows how to register an Open Loyalty customer as the
// demo seller and find it by POS search (seed 003), as shell commands
// that run as printed.
func printDemoLoyalty(stdout io.Writer, d *wire.Demo, base string) {
	secret := ""
	for _, c := range d.Credentials {
		if c.Kind == auth.KindSeller {
			secret = c.Secret
		}
	}
	fmt.Fprintf(stdout, "Open Loyalty (store DEFAULT): log in as the demo seller, register a customer, find it by POS search:\n")
	fmt.Fprintf(stdout, "  TOKEN=$(curl -s %s/api/seller/login_check -d _username=demo-seller -d _password=%s | sed -n 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/p')\n", base, secret)
	fmt.Fprintf(stdout, "  curl -H \"Authorization: Bearer $TOKEN\" %s/api/DEFAULT/seller/customer/register -d 'customer[firstName]=Jane' "+
		"-d 'customer[lastName]=Doe' -d 'customer[email]=jane@example.com' --data-urlencode 'customer[phone]=+4520304050' -d 'customer[agreement1]=1'\n", base)
	fmt.Fprintf(stdout, "  curl -H \"Authorization: Bearer $TOKEN\" %s/api/DEFAULT/pos/search/customer -d 'search[email]=jane@example.com'\n", base)
	fmt.Fprintf(stdout, "  (the customer gets an activation token by e-mail and, after POST …/seller/customer/CUSTOMER_ID/send-sms-code, an SMS code\n"+
		"   for POST /api/DEFAULT/customer/activate-sms/CODE; admins read both in GraphiQL: sentMessages. Once Jane's phone is\n"+
		"   verified, receipts the demo till posts for the demo user, who has the same phone, earn her points)\n")
}

func basic(user, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + secret))
}
