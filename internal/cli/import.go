package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/djangoimport"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/spf13/cobra"
)

func (e *env) importCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Bring data from another system into igny8"}
	django := &cobra.Command{Use: "django", Args: cobra.NoArgs,
		Short: "Import the output of the Django system's `manage.py dumpdata --all` in one transaction"}
	var file, report string
	var opt djangoimport.Options
	fs := django.Flags()
	fs.StringVar(&file, "file", "", "the dumpdata JSON file (required)")
	fs.BoolVar(&opt.DryRun, "dry-run", false, "find the conflicts and count everything; write nothing")
	fs.StringVar(&report, "report", "", "also write the report as JSON to this file")
	fs.BoolVar(&opt.UpdatePlans, "update-plans", false, "let the dump's plans change igny8's plans of the same slug (never free-trial)")
	var sendResets bool
	var resetTTL time.Duration
	fs.BoolVar(&sendResets, "send-password-resets", false, "e-mail every imported user who cannot log in with their old password "+
		"(unusable in Django) a link to choose one, in the import's transaction; serve sends them with --smtp-url, or keeps them "+
		"for igny8 mail show; a user whose earlier link still works gets none")
	fs.DurationVar(&resetTTL, "reset-valid-for", igny8.MigrationResetTTL, "how long those links work (1h to 720h)")
	cfg := e.withConfig(django, false)
	cfg.BindMailLinks(fs)
	fs.DurationVar(&cfg.Retention, "retention", cfg.Retention, "how long imported soft-deleted rows can be restored, from the import")
	fs.IntVar(&cfg.TrialDays, "trial-days", cfg.TrialDays, "the trial given to a trial account that has no end date")
	_ = django.MarkFlagRequired("file")
	django.RunE = func(cmd *cobra.Command, _ []string) error {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		opt.Retention, opt.TrialDays = cfg.Retention, cfg.TrialDays
		if sendResets {
			if resetTTL < time.Hour || resetTTL > igny8.MaxMigrationResetTTL {
				return fmt.Errorf("--reset-valid-for must be between 1h and %.0fh, not %s", igny8.MaxMigrationResetTTL.Hours(), resetTTL)
			}
			opt.PasswordResets, opt.NewToken = resetTTL, secrets{}.NewToken
		} else if fs.Changed("reset-valid-for") {
			return fmt.Errorf("--reset-valid-for needs --send-password-resets")
		}
		return withDB(cmd, cfg, func(db *sqlstore.DB) error {
			if sendResets {
				// Queued like every message the CLI makes: the serve that
				// delivers the outbox sends them, or keeps them.
				c, err := composer(cfg)
				if err != nil {
					return err
				}
				db.SetMail(c, true, nil)
			}
			// igny8's own catalogue first, as serve's first start makes it, so
			// that the dump's plans and industries meet igny8's.
			if err := sqlstore.NewAdmin(db).SeedIfEmpty(igny8.SystemContext(cmd.Context())); err != nil {
				return err
			}
			rep, err := djangoimport.Run(igny8.SystemContext(cmd.Context()), db, f, opt)
			if rep != nil {
				rep.WriteText(e.stdout)
				if werr := writeReport(report, rep); werr != nil && err == nil {
					err = werr
				}
			}
			if err == nil && rep.DryRun && len(rep.Conflicts) > 0 {
				err = fmt.Errorf("the dry run found %d conflicts", len(rep.Conflicts))
			}
			return err
		})
	}
	cmd.AddCommand(django)
	return cmd
}

// writeReport writes rep as JSON to path, when one is given.
func writeReport(path string, rep *djangoimport.Report) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("the report: %w", err)
	}
	return nil
}
