package cli

import (
	"context"
	"fmt"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/spf13/cobra"
)

func (e *env) accountsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "accounts", Short: "Suspend, reactivate or cancel accounts (the admin actions, audited)"}
	actions := []struct {
		use, short string
		act        func(a *sqlstore.Admin, ctx context.Context, id, reason string) (*igny8.Account, error)
	}{
		{"suspend ID", "Suspend an account: its keys, sessions and tokens are refused at once", (*sqlstore.Admin).SuspendAccount},
		{"reactivate ID", "Reactivate a suspended or cancelled account", (*sqlstore.Admin).ReactivateAccount},
		{"cancel ID", "Cancel an account", (*sqlstore.Admin).CancelAccount},
	}
	for _, a := range actions {
		sub := &cobra.Command{Use: a.use, Short: a.short, Args: cobra.ExactArgs(1)}
		cfg := e.withConfig(sub, false)
		reason := sub.Flags().String("reason", "", "why (recorded in the audit log)")
		act := a.act
		sub.RunE = func(cmd *cobra.Command, args []string) error {
			return withAdmin(cmd, cfg, func(ctx context.Context, a *sqlstore.Admin) error {
				acct, err := act(a, ctx, args[0], *reason)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "account %s (%s) is now %s\n", acct.ID, acct.Name, acct.Status)
				return nil
			})
		}
		cmd.AddCommand(sub)
	}
	return cmd
}
