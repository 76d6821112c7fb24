package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/spf13/cobra"
)

func (e *env) accountsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "accounts", Short: "List accounts; suspend, reactivate or cancel them (the admin actions, audited)"}
	cmd.AddCommand(e.accountsListCmd())
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
		cfg.BindMailLinks(sub.Flags())
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

func (e *env) accountsListCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List the live accounts, oldest first, with owner, plan, status and credits", Args: cobra.NoArgs}
	cfg := e.withConfig(cmd, false)
	status := cmd.Flags().String("status", "", "only accounts in this status: trial, active, suspended or cancelled")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return withAdmin(cmd, cfg, func(ctx context.Context, a *sqlstore.Admin) error {
			w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tOWNER\tPLAN\tSTATUS\tCREDITS\tCREATED")
			f := igny8.AccountFilter{Status: *status, Page: igny8.PageRequest{Limit: igny8.MaxPageSize}}
			n := 0
			for {
				page, err := a.ListAccounts(ctx, f)
				if err != nil {
					return err
				}
				ids := make([]string, len(page.Items))
				for i, acct := range page.Items {
					ids[i] = acct.ID
				}
				owners, err := a.OwnerEmails(ctx, ids)
				if err != nil {
					return err
				}
				for _, acct := range page.Items {
					st := acct.Status
					if acct.StatusReason != "" {
						st += " (" + acct.StatusReason + ")"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", acct.ID, oneLine(acct.Name), owners[acct.ID], acct.Plan.Slug, st,
						igny8.GroupThousands(strconv.FormatInt(acct.Credits, 10)), acct.CreatedAt.UTC().Format("2006-01-02"))
				}
				n += len(page.Items)
				if page.NextCursor == nil {
					break
				}
				f.Page.Cursor = *page.NextCursor
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s\n", plural(n, "account"))
			return nil
		})
	}
	return cmd
}
