// Package cli is igny8's command line and the one place that wires the
// adapters (store, auth, throttle, api, web) together.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/spf13/cobra"
)

// env is what a command may use of its surroundings, so that tests can run
// the real program in-process.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// Run runs the igny8 command line with args (without the program name)
// and returns the process exit code.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	e := &env{getenv: getenv, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "igny8",
		Short:         "igny8 tenancy core: accounts, plans, users, API keys, throttling and the credits ledger",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(e.serveCmd(), e.migrateCmd(), e.plansCmd(), e.freeTrialPlanCmd(), e.adminCmd(), e.ledgerCmd())
	root.AddCommand(e.billingCmd())
	root.AddCommand(e.keysCmd(), e.accountsCmd())
	root.AddCommand(e.purgeCmd(), e.importCmd(), e.mailCmd())
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "igny8:", errorText(err))
		return 1
	}
	return 0
}

// errorText shows a domain error's message with its field errors, each
// once: a field error that repeats the message replaces it.
func errorText(err error) string {
	if igny8.ErrorCode(err) == igny8.EInternal {
		return err.Error()
	}
	msg := igny8.ErrorMessage(err)
	var e *igny8.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return msg
	}
	// The fields say it all: a detail beside them only sums them up.
	var parts []string
	for _, f := range e.Fields {
		parts = append(parts, f.Field+" "+f.Message)
	}
	return strings.Join(parts, "; ")
}

// withConfig binds the database flag (or every serve flag when full) to a
// new Config and returns it; the flags' environment variables are applied
// before the command runs.
func (e *env) withConfig(cmd *cobra.Command, full bool) *config.Config {
	cfg := config.Default()
	if full {
		cfg.BindServe(cmd.Flags())
	} else {
		cfg.BindDatabase(cmd.Flags())
	}
	prev := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if err := config.ApplyEnv(cmd.Flags(), e.getenv); err != nil {
			return err
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		if prev != nil {
			return prev(cmd, args)
		}
		return nil
	}
	return &cfg
}

// openDB opens and migrates the configured database.
func openDB(ctx context.Context, cfg *config.Config) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, cfg.DatabaseURL, sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// withDB opens and migrates the configured database, runs f on it and
// closes it.
func withDB(cmd *cobra.Command, cfg *config.Config, f func(*sqlstore.DB) error) error {
	db, err := openDB(cmd.Context(), cfg)
	return closeAfter(db, err, f)
}

// withUnmigratedDB is withDB without migrating, for the migrate commands.
func withUnmigratedDB(cmd *cobra.Command, cfg *config.Config, f func(*sqlstore.DB) error) error {
	db, err := sqlstore.Open(cmd.Context(), cfg.DatabaseURL, sqlstore.Options{})
	return closeAfter(db, err, f)
}

// closeAfter runs f on db, just opened with err, and closes it.
func closeAfter(db *sqlstore.DB, err error, f func(*sqlstore.DB) error) error {
	if err != nil {
		return err
	}
	defer db.Close()
	return f(db)
}

// withAdmin opens the database and runs f with the cross-tenant services
// acting as the system.
func withAdmin(cmd *cobra.Command, cfg *config.Config, f func(ctx context.Context, a *sqlstore.Admin) error) error {
	return withDB(cmd, cfg, func(db *sqlstore.DB) error {
		// Messages made here are queued: the serve that delivers the outbox
		// sends them, or keeps them when it has no mail server.
		c, err := composer(cfg)
		if err != nil {
			return err
		}
		db.SetMail(c, true, nil)
		return f(igny8.SystemContext(cmd.Context()), sqlstore.NewAdmin(db))
	})
}

func (e *env) logger(cfg *config.Config) *slog.Logger { return newLogger(cfg, e.stderr) }

// newLogger logs to w at the configured level and format.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
