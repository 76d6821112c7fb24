// Package config holds igny8's settings: one struct with defaults, bound
// to command-line flags, each flag also read from an IGNY8_* environment
// variable. There are no globals: the CLI builds one Config per command.
package config

import (
	"fmt"
	"net"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/mail"
	"github.com/spf13/pflag"
)

// Config is every setting of igny8.
type Config struct {
	Addr         string
	DatabaseURL  string
	RedisURL     string
	Throttle     string // "on" or "off"
	LogLevel     string
	LogFormat    string
	DrainTimeout time.Duration
	TrialDays    int
	GraceDays    int
	Retention    time.Duration
	AccessTTL    time.Duration
	RefreshTTL   time.Duration
	// KeyEncryptionKey seals the private token signing keys in the
	// database: 32 random bytes in base64 (igny8 keys new-kek prints one).
	// Empty keeps them in plaintext. It is a secret: never logged, never a
	// flag default. OldKeyEncryptionKey is the one igny8 keys rewrap replaces.
	KeyEncryptionKey    string
	OldKeyEncryptionKey string
	TrustProxy          bool
	// Argon2MemoryKiB and Argon2Time are the argon2id cost of new password
	// hashes (existing hashes keep the cost they were made with).
	Argon2MemoryKiB uint32
	Argon2Time      uint32
	JobInterval     time.Duration
	// PprofAddr, when set, serves net/http/pprof on its own listener.
	PprofAddr string
	// GCPercent and MemoryLimitMiB tune the Go garbage collector of serve:
	// a high GC percent with a soft memory limit spends less CPU on
	// collection while keeping the heap bounded. 0 keeps the runtime's
	// setting (GOGC, GOMEMLIMIT).
	GCPercent      int
	MemoryLimitMiB int

	// Bank transfer instructions shown at checkout.
	BankBeneficiary string
	BankIBAN        string
	BankBIC         string
	BankName        string
	// SupportEmail is the contact a customer is given when igny8
	// suspended or cancelled their account.
	SupportEmail string
	// OperatorEmail receives the notices for igny8's operators (refunds
	// and disputes of card payments); empty: SupportEmail.
	OperatorEmail string

	// SMTPURL is the mail server (see mail.ParseSMTPURL); empty keeps
	// every message in the outbox, unsent. It may carry a password: it is
	// never logged. MailFrom is the sender of every message; PublicURL the
	// base of every link in them.
	SMTPURL   string
	MailFrom  string
	PublicURL string

	// AI provider (OpenAI-compatible); empty base URL means the local
	// development provider.
	AIBaseURL string
	AIAPIKey  string
	AIModel   string
	AITimeout time.Duration

	// Stripe card payments: on when both secrets are set. The secrets are
	// never logged and never flag defaults.
	StripeSecretKey     string
	StripeWebhookSecret string
	StripeAPIURL        string
}

// Default returns the defaults of docs/design.md section 8.
func Default() Config {
	return Config{
		Addr: ":8080", DatabaseURL: "igny8.db", Throttle: "on", LogLevel: "info", LogFormat: "text",
		DrainTimeout: 15 * time.Second, TrialDays: 14, GraceDays: 7, Retention: 30 * 24 * time.Hour,
		Argon2MemoryKiB: 19 * 1024, Argon2Time: 2,
		AccessTTL: 15 * time.Minute, RefreshTTL: 30 * 24 * time.Hour, JobInterval: time.Minute,
		GCPercent: 400, MemoryLimitMiB: 48,
		BankBeneficiary: "igny8 Ltd", BankIBAN: "GB00 IGNY 0000 0000 0000 00", BankBIC: "IGNYGB2L", BankName: "Example Bank",
		SupportEmail: igny8.DefaultSupportEmail,
		AIModel:      "gpt-4o-mini", AITimeout: 60 * time.Second,
	}
}

// BindDatabase adds the database flag, used by every command.
func (c *Config) BindDatabase(fs *pflag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "SQLite file path, or a postgres:// URL")
	annotateEnv(fs)
}

// BindKeyEncryption adds --key-encryption-key, for serve and the commands
// that read the signing keys, and --old-key-encryption-key as well when
// rewrap. Their defaults are always empty, so that --help shows no key.
func (c *Config) BindKeyEncryption(fs *pflag.FlagSet, rewrap bool) {
	fs.StringVar(&c.KeyEncryptionKey, "key-encryption-key", "", "32 random bytes in base64 that seal the token signing keys "+
		"in the database (igny8 keys new-kek prints one; prefer the variable to the flag; empty: keys stored unencrypted)")
	if rewrap {
		fs.StringVar(&c.OldKeyEncryptionKey, "old-key-encryption-key", "", "the key encryption key that sealed the signing keys until now")
	}
	annotateEnv(fs)
}

// annotateEnv names each flag's environment variable in its help.
func annotateEnv(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if suffix := " [$" + EnvName(f.Name) + "]"; !strings.HasSuffix(f.Usage, suffix) {
			f.Usage += suffix
		}
	})
}

// BindMailLinks adds the flags that shape the messages a command makes:
// the base of their links and the support contact.
func (c *Config) BindMailLinks(fs *pflag.FlagSet) {
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "base of the links in the messages this makes, such as https://app.example.com (empty: http://localhost:8080)")
	fs.StringVar(&c.SupportEmail, "support-email", c.SupportEmail, "the support contact named in the messages this makes")
	annotateEnv(fs)
}

// BindServe adds the flags of igny8 serve.
func (c *Config) BindServe(fs *pflag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "SQLite file path, or a postgres:// URL")
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on")
	fs.StringVar(&c.RedisURL, "redis-url", c.RedisURL, "redis:// URL to share throttle budgets between instances (empty: in-process)")
	fs.StringVar(&c.Throttle, "throttle", c.Throttle, "per-account throttling: on or off (off when a gateway limits)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json")
	fs.DurationVar(&c.DrainTimeout, "drain-timeout", c.DrainTimeout, "how long SIGTERM waits for in-flight requests")
	fs.IntVar(&c.TrialDays, "trial-days", c.TrialDays, "length of the free trial in days")
	fs.IntVar(&c.GraceDays, "grace-days", c.GraceDays, "days after a period's end before an unpaid subscription is past due")
	fs.DurationVar(&c.Retention, "retention", c.Retention, "how long soft-deleted rows can be restored before purge")
	fs.DurationVar(&c.AccessTTL, "access-token-ttl", c.AccessTTL, "lifetime of access tokens")
	fs.DurationVar(&c.RefreshTTL, "refresh-token-ttl", c.RefreshTTL, "lifetime of refresh tokens and web sessions")
	c.BindKeyEncryption(fs, false)
	fs.Uint32Var(&c.Argon2MemoryKiB, "argon2-memory", c.Argon2MemoryKiB, "argon2id memory cost of new password hashes, in KiB")
	fs.Uint32Var(&c.Argon2Time, "argon2-time", c.Argon2Time, "argon2id passes of new password hashes")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", c.TrustProxy, "take the client address from X-Forwarded-For (only behind a proxy you run)")
	fs.IntVar(&c.GCPercent, "gc-percent", c.GCPercent, "Go garbage collector target percent for serve (0: keep GOGC)")
	fs.IntVar(&c.MemoryLimitMiB, "memory-limit", c.MemoryLimitMiB, "soft memory limit of serve in MiB; the collector works harder near it (0: keep GOMEMLIMIT)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", c.PprofAddr, "address of a separate listener serving /debug/pprof (empty: off; never expose it publicly)")
	fs.DurationVar(&c.JobInterval, "job-interval", c.JobInterval, "how often periodic jobs run (trial expiry, past due, purge)")
	fs.StringVar(&c.BankBeneficiary, "bank-beneficiary", c.BankBeneficiary, "bank transfer: beneficiary name")
	fs.StringVar(&c.BankIBAN, "bank-iban", c.BankIBAN, "bank transfer: IBAN or account number")
	fs.StringVar(&c.BankBIC, "bank-bic", c.BankBIC, "bank transfer: BIC")
	fs.StringVar(&c.BankName, "bank-name", c.BankName, "bank transfer: bank name")
	fs.StringVar(&c.SupportEmail, "support-email", c.SupportEmail, "the support contact shown to customers whose account igny8 suspended or cancelled")
	fs.StringVar(&c.OperatorEmail, "operator-email", c.OperatorEmail, "where notices for igny8's operators go: refunds and disputes "+
		"of card payments (empty: the --support-email address)")
	fs.StringVar(&c.SMTPURL, "smtp-url", c.SMTPURL, "mail server: smtp://user:password@host:587 (STARTTLS required), "+
		"smtps://user:password@host:465 (implicit TLS) or smtp://host:25?tls=none (a relay on this host; no credentials); "+
		"empty: messages are kept for igny8 mail list and the admin console, not sent (prefer the variable to the flag)")
	fs.StringVar(&c.MailFrom, "mail-from", c.MailFrom, "sender of every message, such as \"igny8 <no-reply@example.com>\" (required with --smtp-url)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "base of every link in every message, such as https://app.example.com "+
		"(required with --smtp-url; empty without it: http://localhost and the port of --addr)")
	fs.StringVar(&c.AIBaseURL, "ai-base-url", c.AIBaseURL, "OpenAI-compatible API base URL (empty: the local development provider)")
	fs.StringVar(&c.AIAPIKey, "ai-api-key", c.AIAPIKey, "API key of the AI provider")
	fs.StringVar(&c.AIModel, "ai-model", c.AIModel, "model name of the AI provider")
	fs.DurationVar(&c.AITimeout, "ai-timeout", c.AITimeout, "timeout of one AI provider call")
	fs.StringVar(&c.StripeSecretKey, "stripe-secret-key", "", "Stripe secret API key; with --stripe-webhook-secret it turns card payments on "+
		"(prefer the variable to the flag)")
	fs.StringVar(&c.StripeWebhookSecret, "stripe-webhook-secret", "", "signing secret of the Stripe webhook endpoint /api/v1/webhooks/stripe (whsec_...)")
	fs.StringVar(&c.StripeAPIURL, "stripe-api-url", c.StripeAPIURL, "Stripe API base URL (empty: Stripe's; tests use stripe-mock)")
	annotateEnv(fs)
}

// EnvName is the environment variable of a flag: IGNY8_ and the flag name
// in upper case with underscores.
func EnvName(flag string) string {
	return "IGNY8_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// ApplyEnv sets every flag not given on the command line from its
// environment variable, when that is set. It also names the variable in
// each flag's help.
func ApplyEnv(fs *pflag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", EnvName(f.Name), v, e)
			}
		}
	})
	return err
}

// WriteTimeout bounds how long the server takes to answer one request; an
// AI operation's provider call must end well inside it.
const WriteTimeout = 90 * time.Second

// Validate checks values that flags alone cannot.
func (c *Config) Validate() error {
	if c.Throttle != "on" && c.Throttle != "off" {
		return fmt.Errorf("--throttle must be on or off, not %q", c.Throttle)
	}
	// The upper bounds are what a login verifies (internal/auth/django.go).
	if c.Argon2MemoryKiB < 8 || c.Argon2MemoryKiB > 102400 || c.Argon2Time < 1 || c.Argon2Time > 4 {
		return fmt.Errorf("--argon2-memory must be 8 to 102400 (KiB) and --argon2-time 1 to 4")
	}
	if c.TrialDays < 1 || c.GraceDays < 0 {
		return fmt.Errorf("--trial-days must be at least 1 and --grace-days not negative")
	}
	if c.GCPercent < 0 || c.MemoryLimitMiB < 0 {
		return fmt.Errorf("--gc-percent and --memory-limit must not be negative")
	}
	if maxAI := WriteTimeout - 10*time.Second; c.AITimeout < time.Second || c.AITimeout > maxAI {
		return fmt.Errorf("--ai-timeout must be between 1s and %s (the answer must be written within %s), not %s",
			maxAI, WriteTimeout, c.AITimeout)
	}
	if err := c.validateMail(); err != nil {
		return err
	}
	return nil
}

// validateMail checks the mail settings: a server needs a sender and a
// public URL, since a message with a link on the wrong host is worse than
// none.
func (c *Config) validateMail() error {
	if c.SMTPURL != "" {
		if _, err := mail.ParseSMTPURL(c.SMTPURL); err != nil {
			return err
		}
		if c.MailFrom == "" {
			return fmt.Errorf("--mail-from is required with --smtp-url (the sender of every message)")
		}
		if c.PublicURL == "" {
			return fmt.Errorf("--public-url is required with --smtp-url (the base of every link in every message)")
		}
	}
	if c.MailFrom != "" {
		if _, err := mail.ParseFrom(c.MailFrom); err != nil {
			return err
		}
	}
	if c.PublicURL != "" {
		if _, err := mail.ParsePublicURL(c.PublicURL); err != nil {
			return err
		}
	}
	if a := strings.TrimSpace(c.OperatorEmail); a != "" {
		if addr, err := netmail.ParseAddress(a); err != nil || addr.Address != a {
			return fmt.Errorf("--operator-email must be one plain e-mail address such as ops@example.com, not %q", c.OperatorEmail)
		}
	}
	return nil
}

// OperatorAddress is where operators' notices go: --operator-email, else
// the support address.
func (c *Config) OperatorAddress() string {
	if a := strings.TrimSpace(c.OperatorEmail); a != "" {
		return a
	}
	return c.SupportEmail
}

// MailBaseURL is the base of links in messages: --public-url, or without
// it (mail kept, not sent) http://localhost on the port of --addr.
func (c *Config) MailBaseURL() string {
	if c.PublicURL != "" {
		return c.PublicURL
	}
	port := "8080"
	if _, p, err := net.SplitHostPort(c.Addr); err == nil && p != "" && p != "0" {
		port = p
	}
	return "http://localhost:" + port
}
