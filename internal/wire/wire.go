// Package wire wires the stores, services, application layer and HTTP surface of
// loyaltygraph together. The binary (cmd/loyaltygraph) and the tests build
// the service through it, so both run the same graph of objects.
package wire

import (
	"context"
	"crypto/rsa"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/shopspring/decimal"

	"loyaltygraph/app"
	receiptops "loyaltygraph/app/receipts"
	"loyaltygraph/delivery"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/checkout"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/otp"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/panlog"
	"loyaltygraph/internal/telemetry"
	"loyaltygraph/phone"
	"loyaltygraph/render/receiptpdf"
	"loyaltygraph/rest/receiptdata"
	"loyaltygraph/secret"
	"loyaltygraph/server"
	"loyaltygraph/server/gqlhttp"
	"loyaltygraph/store/files"
	"loyaltygraph/store/postgres"
	"loyaltygraph/store/redis"
)

// Options are the settings the wiring needs.
type Options struct {
	SecretKey []byte
	Dev       bool
	// SCADevIssuer serves the development issuer page, which approves or
	// declines Strong Customer Authentication of card frame cards at the
	// click of a button (set with Dev). Without it and without a 3-D
	// Secure provider, SCA cannot complete.
	SCADevIssuer  bool
	Log           *slog.Logger
	Now           func() time.Time
	PublicBaseURL string
	// Argon2 overrides the cost of new secret hashes (tests use a cheap one).
	Argon2 *secret.Argon2Params
	// NotifyAllowPrivate lets notification endpoints be loopback or private
	// addresses (development and tests).
	NotifyAllowPrivate bool
	// SMSGateway sends SMS through an HTTP gateway when its URL is set;
	// otherwise messages are logged and kept for admins to read.
	SMSGateway delivery.SMSGatewayConfig
	// SMTP sends e-mail through an SMTP server (STARTTLS) when its host is
	// set; otherwise e-mails go to the log sender like SMS without gateway.
	SMTP delivery.SMTPConfig
	// RedactMessages hides codes and links in the messages that are logged
	// and kept (production without a gateway, and e-mail until an SMTP
	// sender exists). The binary sets it outside LG_ENV=dev.
	RedactMessages bool
	// Sender replaces the senders of messages to people (tests).
	Sender notify.Sender
	// PartnerKeyMaxLifetime caps the lifetime of JWT-wrapped keys (default
	// 5 minutes).
	PartnerKeyMaxLifetime time.Duration
	// LoginFailuresPerMinute is the failed-login threshold per username and
	// per client address (default 32).
	LoginFailuresPerMinute int
	// Delivery overrides the webhook delivery settings (tests).
	Delivery delivery.Config
	// OTP overrides the one-time password settings; the key is derived.
	OTP otp.Options
	// IngestMaxBytes caps a transaction batch's body; 0 means
	// server.DefaultIngestBodyBytes.
	IngestMaxBytes int64
	// OTPPartnerSendsPerHour is each partner's hourly budget of one-time
	// passwords (default 1000); OTP.PartnerSendsPerHour wins when set.
	OTPPartnerSendsPerHour int
	// PDFSessionTTL is how long a receipt's PDF session lasts (default
	// 15 minutes, receipt.DefaultPDFSessionTTL).
	PDFSessionTTL time.Duration
	// LoyaltyKeyPEM is the RSA private key (PEM) that signs Open Loyalty
	// tokens; without one, a key generated once is kept in PostgreSQL,
	// sealed with the server key.
	LoyaltyKeyPEM []byte
	// LoyaltyTokenTTL is how long an Open Loyalty token lasts (default
	// 24 hours).
	LoyaltyTokenTTL time.Duration
	// LoyaltyEarnRate is the points a customer earns per unit of money
	// spent (default 1).
	LoyaltyEarnRate decimal.Decimal
	// CheckoutPrefix is where the checkout API (seed 004) is served
	// (default /api/checkout).
	CheckoutPrefix string
	// CheckoutSessionTTL is how long an unused checkout session lives
	// (default 24 hours, sliding).
	CheckoutSessionTTL time.Duration
	// FrontendBaseURL starts the links of checkout password reset e-mails
	// (default PublicBaseURL).
	FrontendBaseURL string
	// SubscriptionsPerConnection and SubscriptionsPerPrincipal cap the
	// subscriptions open at once on one WebSocket connection and for one
	// principal across replicas; SubscriptionKeepAlive is their keep-alive
	// interval (defaults: 10, 20, 15 s).
	SubscriptionsPerConnection int
	SubscriptionsPerPrincipal  int
	SubscriptionKeepAlive      time.Duration
	// Metrics receive the service's measurements (a new set when nil).
	Metrics *telemetry.Metrics
	// Tracing traces requests, GraphQL operations and Redis commands
	// (SQL statements are traced by the pool, see Tracing.ConfigurePool);
	// nil is off.
	Tracing *telemetry.Tracing
	// Overload bounds the HTTP requests in progress (zero: the defaults).
	Overload server.Overload
	// Drain is begun by serve on SIGTERM; nil never drains.
	Drain *server.Drain
	// LoyaltyAvatarDir keeps the bytes of customers' avatars in this folder
	// instead of PostgreSQL (LOYALTY_AVATAR_DIR).
	LoyaltyAvatarDir string
	// LoyaltyCodes overrides the rules of Open Loyalty's activation and
	// phone-change codes (tests).
	LoyaltyCodes loyalty.CodeLimits
}

// App is the assembled service.
type App struct {
	Handler http.Handler
	Auth    *auth.Service
	// Ops are the application layer's operations.
	Ops  app.Ops
	Keys *secret.Keys
	// Jobs delivers notifications; tests start and stop it.
	Jobs *river.Client[pgx.Tx]
	// Delivery runs Jobs with its heartbeats; serve starts and stops it.
	Delivery *delivery.Runner
	// LoyaltyPoints records customers' purchases and points (seed 003).
	LoyaltyPoints *loyalty.Points
	Notify        *notify.Service
	Sender        notify.Sender
	// Live hands live events to this replica's subscriptions (nil without
	// Redis); Streams are the connections of its subscriptions. serve
	// closes both on shutdown.
	Live    *redis.LiveFeed
	Streams *gqlhttp.Streams
	// Metrics are the service's measurements, also served on METRICS_ADDR.
	Metrics *telemetry.Metrics

	secretKey []byte
	merchants *merchant.Service
	demo      demoDeps
	baseURL   string
}

// New builds the service on db and rc.
func New(opts Options, db *postgres.DB, rc *redis.Client) (*App, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	// SECURITY: card numbers in anything logged are masked.
	opts.Log = panlog.New(opts.Log)
	// Every line logged with a request's context names its request id
	// (and its trace, when traced).
	opts.Log = slog.New(telemetry.LogHandler(opts.Log.Handler(), server.RequestID))
	metrics := opts.Metrics
	if metrics == nil {
		metrics = telemetry.NewMetrics()
	}
	metrics.WatchPostgres(db.Pool)
	metrics.WatchOutbox(func(ctx context.Context) ([]telemetry.OutboxCount, error) {
		jobs, err := db.OutboxDepth(ctx)
		out := make([]telemetry.OutboxCount, len(jobs))
		for i, j := range jobs {
			out[i] = telemetry.OutboxCount{Kind: j.Kind, State: j.State, Jobs: j.Jobs}
		}
		return out, err
	})
	if rc != nil {
		metrics.WatchRedis(rc.Redis())
		if hook := opts.Tracing.RedisHook(); hook != nil {
			rc.Redis().AddHook(hook)
		}
	}
	keys, err := secret.NewKeys(opts.SecretKey)
	if err != nil {
		return nil, err
	}
	params := secret.DefaultArgon2Params
	if opts.Argon2 != nil {
		params = *opts.Argon2
	}
	log := opts.Log
	guards := auth.Options{
		FailuresPerWindow: opts.LoginFailuresPerMinute,
		OnGuardError: func(ctx context.Context, err error) {
			logSkipped(ctx, log, "login throttle skipped", err)
		},
	}
	// Outages of PostgreSQL and Redis are logged once per change of state.
	db.SetLogger(log)
	if rc != nil { // commands without Redis (credentials, demo) serve no requests
		rc.SetLogger(log)
		guards.Failures, guards.KeyIDs = redis.NewLoginFailures(rc), redis.NewKeyIDs(rc)
	}
	authSvc := auth.NewService(postgres.NewCredentialStore(db), secret.NewArgon2(params, 0), keys, opts.Now, guards)

	// Notifications and messages to people: the outbox writes River jobs
	// in the caller's transaction; the River client delivers them.
	notifyStore := postgres.NewNotifyStore(db, keys)
	logSender := delivery.NewLogSender(opts.Log, notifyStore, opts.Now)
	if opts.RedactMessages {
		logSender = delivery.NewRedactingLogSender(opts.Log, notifyStore, opts.Now)
	}
	var sender notify.Sender = logSender
	if opts.SMSGateway.URL != "" || opts.SMTP.Host != "" {
		channels := delivery.Channels{notify.ChannelSMS: logSender, notify.ChannelEmail: logSender}
		if opts.SMSGateway.URL != "" {
			gw := opts.SMSGateway
			gw.Log = opts.Log
			sms, err := delivery.NewSMSGatewaySender(gw)
			if err != nil {
				return nil, err
			}
			channels[notify.ChannelSMS] = sms
		}
		if opts.SMTP.Host != "" {
			sc := opts.SMTP
			sc.Log = opts.Log
			email, err := delivery.NewSMTPSender(sc)
			if err != nil {
				return nil, err
			}
			channels[notify.ChannelEmail] = email
		}
		sender = channels
	}
	if opts.Sender != nil {
		sender = opts.Sender
	}
	dcfg := opts.Delivery
	dcfg.Store, dcfg.AllowPrivate, dcfg.Log, dcfg.Now = notifyStore, opts.NotifyAllowPrivate, opts.Log, opts.Now
	dcfg.Sender, dcfg.Messages, dcfg.Outage = sender, keys, db.Down
	// Subscriptions: the outbox's live events reach every replica through
	// Redis pub/sub.
	var live *redis.LiveFeed
	var feed notify.Feed
	if rc != nil {
		live = redis.NewLiveFeed(rc, opts.SubscriptionsPerPrincipal, opts.Log)
		dcfg.Live, feed = live, live
	}
	dcfg.Middleware = append(dcfg.Middleware, metrics.DeliveryMiddleware())
	jobs, err := delivery.NewRiverClient(db.Pool, dcfg)
	if err != nil {
		return nil, err
	}
	outbox := postgres.NewOutbox(jobs)
	messages := postgres.NewMessageQueue(db, jobs, keys)
	notifySvc := notify.NewService(notifyStore, opts.Now, notify.Options{AllowPrivate: opts.NotifyAllowPrivate})

	otpOpts := opts.OTP
	otpOpts.Key = keys.LookupHash([]byte("otp key v1"))
	if otpOpts.PartnerSendsPerHour == 0 {
		otpOpts.PartnerSendsPerHour = opts.OTPPartnerSendsPerHour
	}
	otps, err := otp.NewService(metrics.OTPStore(redis.NewOTPStore(rc)), otpOpts)
	if err != nil {
		return nil, err
	}
	userTokens, err := secret.NewUserTokens(opts.SecretKey, opts.Now)
	if err != nil {
		return nil, err
	}
	userStore := postgres.NewUserStore(db, outbox, messages)
	devIssuer := opts.Dev || opts.SCADevIssuer
	var verifier user.Verifier
	if devIssuer {
		verifier = user.DevIssuer{PageURL: strings.TrimRight(opts.PublicBaseURL, "/") + receiptdata.SCAPagePath}
	}
	users := user.NewService(user.Deps{
		Store: userStore, Phones: phone.Parser{}, OTPs: otps, Messages: messages,
		Vault: keys, Tokens: userTokens, Now: opts.Now, PublicBaseURL: opts.PublicBaseURL,
		// Cards entered as card numbers: Strong Customer Authentication
		// through the development issuer page in development; no 3-D
		// Secure provider exists yet for production.
		Cards: userStore, Pending: redis.NewPendingCards(rc),
		Verifier: verifier,
		Storebox: userStore, Links: redis.NewStoreboxLinks(rc),
	})

	merchants := merchant.NewService(postgres.NewMerchantStore(db), opts.Now)
	settlements := settlement.NewService(postgres.NewSettlementStore(db, outbox),
		settlement.ModelRules{Model: merchants}, keys, opts.Now)
	receipts := receipt.NewService(postgres.NewReceiptStore(db, outbox), keys, settlement.ReceiptSettler{Rules: merchants}, opts.Now)
	pdfSessions := receipt.NewPDFSessions(redis.NewPDFSessions(rc), opts.PDFSessionTTL, opts.Now)
	var logos merchant.LogoCache = noLogoCache{} // commands without Redis (demo)
	if rc != nil {
		logos = redis.NewLogoCache(rc)
	}
	profiles := merchant.NewProfiles(postgres.NewMerchantStore(db), logos, opts.Now, func(ctx context.Context, err error) {
		logSkipped(ctx, log, "logo cache skipped", err)
	})
	messagesSvc := receipt.NewMessages(postgres.NewMessageStore(db), opts.Now)

	// Open Loyalty (seed 003): a configured key wins; else the shared one
	// kept in PostgreSQL.
	loadKey := func() (*rsa.PrivateKey, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return postgres.LoyaltySigningKey(ctx, db, keys)
	}
	if len(opts.LoyaltyKeyPEM) > 0 {
		k, err := secret.ParseLoyaltyKey(opts.LoyaltyKeyPEM)
		if err != nil {
			return nil, err
		}
		loadKey = func() (*rsa.PrivateKey, error) { return k, nil }
	}
	loyaltyTokens := secret.NewLoyaltyTokens(loadKey, opts.Now)
	if rc != nil { // a server: fail at start, not at the first login
		if _, err := loyaltyTokens.Load(); err != nil {
			return nil, err
		}
	}
	loyaltyStore := postgres.NewLoyaltyStore(db)
	customers := loyalty.NewService(loyaltyStore, phone.Strict{}, secret.NewArgon2(params, 0), opts.Now)
	points := loyalty.NewPoints(customers, loyaltyStore, opts.Now, opts.LoyaltyEarnRate, loyalty.DefaultPointsExpiry)
	sessions := loyalty.NewSessions(loyaltyTokens, loyaltyStore, keys, opts.Now, opts.LoyaltyTokenTTL)
	// Checkout accounts (seed 004): sessions in Redis, the rest in
	// PostgreSQL; failed logins share the throttle of the other logins.
	frontend := opts.FrontendBaseURL
	if frontend == "" {
		frontend = opts.PublicBaseURL
	}
	var checkoutSessions checkout.SessionStore
	var checkoutThrottle checkout.Throttle
	if rc != nil {
		checkoutSessions, checkoutThrottle = redis.NewCheckoutSessions(rc), redis.NewLoginFailures(rc)
	}
	checkoutStore := postgres.NewCheckoutStore(db, messages)
	checkoutSvc := checkout.NewService(checkoutStore, checkoutSessions, secret.NewArgon2(params, 0), opts.Now,
		checkout.Options{SessionTTL: opts.CheckoutSessionTTL, FrontendBaseURL: frontend,
			FailuresPerMinute: opts.LoginFailuresPerMinute, Throttle: checkoutThrottle,
			OnThrottleError: func(ctx context.Context, err error) {
				logSkipped(ctx, log, "checkout login throttle skipped", err)
			}})
	var avatarFiles loyalty.AvatarFiles
	if opts.LoyaltyAvatarDir != "" {
		folder, err := files.NewAvatarFolder(opts.LoyaltyAvatarDir)
		if err != nil {
			return nil, err
		}
		avatarFiles = folder
	}
	codes, err := loyalty.NewCodes(customers, redis.NewLoyaltyCodes(rc), messages,
		keys.LookupHash([]byte("open loyalty code key v1")), opts.LoyaltyCodes, opts.PublicBaseURL)
	if err != nil {
		return nil, err
	}
	terms := merchant.NewTermsService(postgres.NewTermsStore(db), opts.Now)
	ops := app.New(app.Services{Checkout: checkoutSvc, Partners: authSvc, Merchant: merchants, User: users, Notify: notifySvc,
		Settlement: settlements, Receipt: receipts, Terms: terms,
		Profiles: profiles, Messages: messagesSvc, Customers: customers, Sessions: sessions, Credentials: authSvc,
		Points: points, Extras: loyalty.NewExtras(customers, loyaltyStore, opts.Now),
		Avatars: loyalty.NewAvatars(loyaltyStore, avatarFiles, opts.Now), Codes: codes,
		ReceiptOptions: []receiptops.Option{
			receiptops.WithPartnerSecrets(authSvc),
			receiptops.WithPDF(receiptpdf.New(), pdfSessions, opts.PublicBaseURL),
		},
		CardPartners: authSvc, PublicBaseURL: opts.PublicBaseURL, Feed: feed})
	streams := gqlhttp.NewStreams()
	h := server.New(server.Deps{
		Log:           opts.Log,
		Ops:           ops,
		Auth:          authSvc,
		UserTokens:    userTokens,
		LoyaltyTokens: loyaltyTokens,
		APQ:           redis.NewPersistedQueries(rc, opts.Log),
		Postgres:      db,
		Redis:         rc,
		Dev:           opts.Dev,
		Now:           opts.Now,

		IngestBodyBytes:       opts.IngestMaxBytes,
		PartnerKeyMaxLifetime: opts.PartnerKeyMaxLifetime,
		PublicBaseURL:         opts.PublicBaseURL,
		LanguageFiles:         delivery.NewLanguageFiles(opts.NotifyAllowPrivate),
		SCADevIssuer:          devIssuer,
		CheckoutPrefix:        opts.CheckoutPrefix,

		SubscriptionsPerConnection: opts.SubscriptionsPerConnection,
		SubscriptionKeepAlive:      opts.SubscriptionKeepAlive,
		Streams:                    streams,
		Metrics:                    metrics,
		Tracing:                    opts.Tracing,
		Overload:                   opts.Overload,
		Drain:                      opts.Drain,
	})
	return &App{Handler: h, Auth: authSvc, Metrics: metrics, Ops: ops, LoyaltyPoints: points, Keys: keys, Jobs: jobs,
		Delivery: delivery.NewRunner(jobs, notifyStore, opts.Log), Notify: notifySvc, Sender: sender,
		Live: live, Streams: streams,
		secretKey: opts.SecretKey, merchants: merchants, baseURL: opts.PublicBaseURL,
		demo: demoDeps{users: postgres.NewUserStore(db, outbox, messages), profiles: profiles, receipts: receipts, terms: terms,
			checkout: checkoutSvc}}, nil
}

// noLogoCache is the logo cache of commands without Redis: every read
// misses and writes are dropped; a server finds the new version and
// replaces its cache.
type noLogoCache struct{}

func (noLogoCache) GetLogo(context.Context, string) (*merchant.LogoImage, error) { return nil, nil }
func (noLogoCache) PutLogo(context.Context, string, merchant.LogoImage) error    { return nil }

// logSkipped logs a guard or cache that was skipped because its storage
// failed: a warning, unless the storage is known to be down, whose outage
// its health monitor logged once already.
func logSkipped(ctx context.Context, log *slog.Logger, msg string, err error) {
	level := slog.LevelWarn
	if errs.Is(err, errs.Unavailable) {
		level = slog.LevelDebug
	}
	log.Log(ctx, level, msg, "err", err)
}
