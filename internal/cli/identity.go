package cli

import (
	"context"
	"fmt"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/spf13/cobra"
)

func (e *env) keysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage the keys that sign access tokens"}
	rotate := &cobra.Command{Use: "rotate", Args: cobra.NoArgs,
		Short: "Make a new signing key; the old one keeps verifying until the tokens it signed expire"}
	cfg := e.withConfig(rotate, false)
	rotate.RunE = func(cmd *cobra.Command, _ []string) error {
		db, err := openDB(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		keys, err := auth.NewKeys(cmd.Context(), sqlstore.NewStore(db), cfg.AccessTTL)
		if err != nil {
			return err
		}
		if err := keys.Rotate(cmd.Context()); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "new signing key %s; instances pick it up within a job interval\n", keys.SigningKeyID())
		return nil
	}
	cmd.AddCommand(rotate)
	return cmd
}

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
			db, err := openDB(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			acct, err := act(sqlstore.NewAdmin(db), igny8.SystemContext(cmd.Context()), args[0], *reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "account %s (%s) is now %s\n", acct.ID, acct.Name, acct.Status)
			return nil
		}
		cmd.AddCommand(sub)
	}
	return cmd
}
