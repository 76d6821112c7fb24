package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/ai"
	"github.com/igny8/igny8/internal/api"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/httpx"
	"github.com/igny8/igny8/internal/mail"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/stripepay"
	"github.com/igny8/igny8/internal/throttle"
	"github.com/igny8/igny8/internal/workflow"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
)

func (e *env) serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server: JSON API under /api/v1, web app under /, health and metrics",
		Long: "Run the HTTP server. With no flags it listens on :8080 and keeps an embedded SQLite database in ./igny8.db,\n" +
			"created on first start. Every flag can also be set by the IGNY8_* variable named in its help.",
		Args: cobra.NoArgs,
	}
	cfg := e.withConfig(cmd, true)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return e.serve(cmd.Context(), cfg) }
	return cmd
}

// App is a built igny8: the services that serve wires together, for the
// HTTP handler and the periodic jobs. Tests build one to run the real
// program in-process.
type App struct {
	cfg   *config.Config
	log   *slog.Logger
	db    *sqlstore.DB
	store *sqlstore.Services
	admin *sqlstore.Admin
	keys  *auth.Keys
	// passwords hashes at the configured argon2id cost.
	passwords *passwords
	reg       *prometheus.Registry
	// limiter is nil when throttling is off; throttle keeps Redis state.
	limiter  igny8.Limiter
	throttle *throttle.Limiter
	// ops runs metered AI operations on the configured provider.
	ops *sqlstore.Operations
	// card is Stripe, nil when card payments are not configured.
	card *stripepay.Provider
	// mail delivers the outbox; nil when no mail server is configured
	// (messages are kept). outbox is its table.
	mail   *mail.Worker
	outbox *sqlstore.Outbox
	// later runs the work requests leave for after their answer (password
	// reset requests); wf is the one workflow service of both surfaces.
	later *workflow.Later
	wf    *workflow.Service
}

// DB is the app's database (tests use it to fix the clock and inspect rows).
func (s *App) DB() *sqlstore.DB { return s.db }

// Close finishes the work left by requests, writes what is buffered (API
// key and login use) and releases the database and the throttle's Redis client.
func (s *App) Close() error {
	s.later.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.store.APIKeys.FlushAPIKeyUse(ctx); err != nil {
		s.log.Warn("flush API key use", "err", err.Error())
	}
	if err := s.store.Identity.FlushLoginUse(ctx); err != nil {
		s.log.Warn("flush login use", "err", err.Error())
	}
	var err error
	if s.throttle != nil {
		err = s.throttle.Close()
	}
	return errors.Join(err, s.db.Close())
}

// Handler is the whole HTTP surface: API, ops and pages, behind the request
// id, logging, recovery, metrics and security headers middleware.
func (s *App) Handler() http.Handler {
	mux := http.NewServeMux()
	h := s.apiHandler()
	h.Register(mux)
	s.webHandler().Register(mux)
	return httpx.Middleware(s.log, httpx.NewMetrics(s.reg), httpx.SecurityHeaders(s.cfg.TrustProxy, mux))
}

func (e *env) serve(ctx context.Context, cfg *config.Config) error {
	// Every log line, the access log's included, is written as it comes
	// (one write each), so that none is lost when the process dies.
	log := newLogger(cfg, e.stderr)
	tuneGC(cfg)
	s, err := NewApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()

	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      config.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "igny8 listening on http://%s (database: %s)\n", ln.Addr(), s.db.Dialect())
	fmt.Fprintln(e.stdout, s.mailStatus())
	jobsCtx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	go s.RunJobs(jobsCtx)
	go s.RunMail(jobsCtx)
	if err := servePprof(jobsCtx, cfg.PprofAddr, log); err != nil {
		return err
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "timeout", cfg.DrainTimeout)
	stopJobs()
	drainCtx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("drain: %w", err)
	}
	log.Info("stopped")
	return nil
}

// The queue of work left for after a request's answer: room for bursts of
// reset requests (each is throttled per address and per e-mail), and a
// bound on each job.
const (
	laterQueue   = 1024
	laterTimeout = 30 * time.Second
)

// Settle waits until the work requests left for after their answer has
// been done (tests read its results).
func (s *App) Settle() { s.later.Wait() }

// NewApp opens, migrates and seeds the database and makes the services.
func NewApp(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	sealer, err := keySealer(cfg.KeyEncryptionKey, kekSetting)
	if err != nil {
		return nil, err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &App{cfg: cfg, log: log, db: db, admin: sqlstore.NewAdmin(db), reg: prometheus.NewRegistry()}
	opt := sqlstore.ServiceOptions{Retention: cfg.Retention, Sealer: sealer}
	if cfg.StripeSecretKey != "" || cfg.StripeWebhookSecret != "" {
		if s.card, err = stripepay.New(stripepay.Config{SecretKey: cfg.StripeSecretKey,
			WebhookSecret: cfg.StripeWebhookSecret, APIURL: cfg.StripeAPIURL}); err != nil {
			db.Close()
			return nil, err
		}
		opt.Card = s.card
	}
	s.store = sqlstore.New(db, opt)
	s.passwords = &passwords{Hasher: &auth.Hasher{Params: auth.Argon2Params{Memory: cfg.Argon2MemoryKiB,
		Time: cfg.Argon2Time, Threads: 1}}, store: s.store.Identity, log: log}
	if err := s.admin.SeedIfEmpty(igny8.SystemContext(ctx)); err != nil {
		db.Close()
		return nil, err
	}
	if s.keys, err = openKeys(ctx, cfg, s.store.SigningKeys, log); err != nil {
		db.Close()
		return nil, err
	}
	if sealer != nil {
		n, err := s.store.Factors.SealFactors(ctx)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("second factors: %w", err)
		}
		if n > 0 {
			log.Info("sealed plaintext TOTP secrets with the key encryption key", "factors", n)
		}
	}
	provider, err := ai.NewProvider(ai.OpenAIConfig{BaseURL: cfg.AIBaseURL, APIKey: cfg.AIAPIKey,
		Model: cfg.AIModel, Timeout: cfg.AITimeout})
	if err != nil {
		db.Close()
		return nil, err
	}
	s.ops = sqlstore.NewOperations(db, provider, cfg.AITimeout)
	if err := s.setupMail(); err != nil {
		db.Close()
		return nil, err
	}
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL(), "igny8_write"))
	if db.ReadSQL() != db.SQL() {
		s.reg.MustRegister(collectors.NewDBStatsCollector(db.ReadSQL(), "igny8_read"))
	}
	if cfg.Throttle == "on" {
		if s.throttle, err = throttle.New(ctx, throttle.Options{RedisURL: cfg.RedisURL, Logger: log}); err != nil {
			db.Close()
			return nil, err
		}
		s.limiter = s.throttle
		s.reg.MustRegister(s.throttle.Collectors()...)
	}
	s.later = workflow.NewLater(log, laterQueue, laterTimeout)
	return s, nil
}

func (s *App) apiHandler() *api.Handler {
	return api.NewHandler(api.Deps{
		Logger:          s.log,
		Plans:           s.store.Plans,
		Industries:      s.store.Industries,
		Accounts:        s.store.Accounts,
		Identity:        s.store.Identity,
		Ledger:          s.store.Ledger,
		AI:              s.ops,
		AdminLedger:     s.admin,
		Tokens:          tokens{s.keys},
		Sessions:        s.store.Sessions,
		WebSessions:     s.webSessions(),
		Flow:            s.flow(),
		Secrets:         secrets{},
		APIKeys:         s.store.APIKeys,
		Members:         s.store.Members,
		Factors:         s.store.Factors,
		AdminFactors:    s.store.Factors,
		AdminAccounts:   s.admin,
		Limiter:         s.limiter,
		Ready:           s.ready,
		Metrics:         s.reg,
		Config:          api.Config{TrustProxyHeaders: s.cfg.TrustProxy, Bank: s.bankAccount()},
		Billing:         s.store.Billing,
		AdminBilling:    s.admin,
		Sites:           s.store.Sites,
		AccountDeletion: s.store.Accounts,
		Retention:       s.admin,
		Card:            s.cardDeps(),
		Packs:           s.store.Packs,
		AdminPacks:      s.admin,
		Incidents:       s.admin,
	})
}

// cardDeps are the webhook's and portal's parts, nil without Stripe.
func (s *App) cardDeps() *api.CardDeps {
	if s.card == nil {
		return nil
	}
	return &api.CardDeps{Parser: s.card, Events: s.admin, Portal: s.store.Billing,
		IsSignatureError: func(err error) bool { return errors.Is(err, stripepay.ErrSignature) }}
}

// ready backs /readyz: the database must answer.
func (s *App) ready(ctx context.Context) (map[string]string, error) {
	details := map[string]string{"database": "ok", "throttle": "off"}
	if s.throttle != nil {
		st := s.throttle.Status(ctx)
		details["throttle"] = st.Backend
	}
	if err := s.db.Ping(ctx); err != nil {
		details["database"] = "unavailable"
		return details, err
	}
	return details, nil
}

// RunJobs runs the periodic jobs until ctx ends. Each job is safe to run on
// several instances at once.
func (s *App) RunJobs(ctx context.Context) {
	t := time.NewTicker(s.cfg.JobInterval)
	defer t.Stop()
	use := time.NewTicker(time.Minute)
	defer use.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-use.C:
			s.job(ctx, "flush API key use", s.store.APIKeys.FlushAPIKeyUse)
			s.job(ctx, "flush login use", s.store.Identity.FlushLoginUse)
		case <-t.C:
			s.job(ctx, "refresh signing keys", s.keys.Refresh)
			s.job(ctx, "remind trials", s.RemindTrials)
			s.job(ctx, "expire trials", s.ExpireTrials)
			s.job(ctx, "purge expired credentials", s.purgeCredentials)
			s.job(ctx, "purge login records", s.purgeLoginRecords)
			s.failStaleOperations(ctx)
			s.runBillingJob(ctx)
			s.purge(ctx)
		}
	}
}

// job runs one periodic job and logs its failure.
func (s *App) job(ctx context.Context, name string, f func(context.Context) error) {
	if err := f(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn(name, "err", err.Error())
	}
}

// ExpireTrials moves ended trials to suspended (reason trial_expired).
func (s *App) ExpireTrials(ctx context.Context) error {
	n, err := s.admin.ExpireTrials(igny8.SystemContext(ctx))
	if n > 0 {
		s.log.Info("trials expired", "accounts", n)
	}
	return err
}

// RemindTrials e-mails the owners of trials that end within a few days.
func (s *App) RemindTrials(ctx context.Context) error {
	n, err := s.admin.RemindTrials(igny8.SystemContext(ctx))
	if n > 0 {
		s.log.Info("trial reminders", "accounts", n)
	}
	return err
}

// purgeCredentials deletes long-expired refresh tokens and invitations.
func (s *App) purgeCredentials(ctx context.Context) error {
	_, err := s.admin.PurgeExpiredCredentials(igny8.SystemContext(ctx))
	return err
}

// purgeLoginRecords deletes failed-login counts and login challenges a
// day old and devices unused for longer than they are remembered.
func (s *App) purgeLoginRecords(ctx context.Context) error {
	now := s.db.Now()
	_, err := s.store.LoginGuard.PurgeLoginRecords(ctx, now.Add(-24*time.Hour), now.Add(-workflow.KnownDeviceTTL))
	return err
}

// FlushAPIKeyUse writes the buffered API key use now (tests; the jobs do
// it every minute and Close at shutdown).
func (s *App) FlushAPIKeyUse(ctx context.Context) error { return s.store.APIKeys.FlushAPIKeyUse(ctx) }

// FlushLoginUse writes the buffered use of logins now (tests; the jobs do
// it every minute and Close at shutdown).
func (s *App) FlushLoginUse(ctx context.Context) error { return s.store.Identity.FlushLoginUse(ctx) }

// failStaleOperations refunds AI operations left pending by a server that
// stopped mid-call: anything pending for well over the provider timeout.
func (s *App) failStaleOperations(ctx context.Context) {
	cutoff := time.Now().Add(-(s.cfg.AITimeout + 5*time.Minute))
	n, err := s.admin.FailStaleOperations(igny8.SystemContext(ctx), cutoff)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("fail stale AI operations", "err", err.Error())
	}
	if n > 0 {
		s.log.Warn("refunded stale AI operations", "count", n)
	}
}

// APIPatterns lists the "METHOD /path" patterns of the API's router.
func (s *App) APIPatterns() []string { return s.apiHandler().Patterns() }

// WebPatterns lists the "METHOD /path" patterns of the pages.
func (s *App) WebPatterns() []string { return s.webHandler().Patterns() }

// tuneGC applies the collector settings of serve. Most of a request's
// garbage dies young and the live heap is a few MB, so collecting less
// often saves much CPU; the soft limit keeps the heap (argon2id buffers
// included) bounded all the same.
func tuneGC(cfg *config.Config) {
	if cfg.GCPercent > 0 {
		debug.SetGCPercent(cfg.GCPercent)
	}
	if cfg.MemoryLimitMiB > 0 {
		debug.SetMemoryLimit(int64(cfg.MemoryLimitMiB) << 20)
	}
}
