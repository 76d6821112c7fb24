package cli

import (
	"context"
	"fmt"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/spf13/cobra"
)

func (e *env) purgeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "purge", Short: "Delete soft-deleted accounts, sites, sectors and users whose retention has passed",
		Args: cobra.NoArgs}
	cfg := e.withConfig(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		db, err := openDB(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		rep, err := sqlstore.NewAdmin(db).Purge(igny8.SystemContext(cmd.Context()))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "purged %d accounts, %d sites, %d sectors, %d users\n", rep.Accounts, rep.Sites, rep.Sectors, rep.Users)
		return nil
	}
	return cmd
}

// purge is the periodic retention job: it removes what igny8 purge would.
func (s *App) purge(ctx context.Context) {
	rep, err := s.admin.Purge(igny8.SystemContext(ctx))
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("purge", "err", err.Error())
		}
		return
	}
	if rep != (igny8.PurgeReport{}) {
		s.log.Info("purged soft-deleted rows past retention", "accounts", rep.Accounts, "sites", rep.Sites,
			"sectors", rep.Sectors, "users", rep.Users)
	}
}
