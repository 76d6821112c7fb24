package cli

import (
	"errors"
	"fmt"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/spf13/cobra"
)

// errLedgerViolations makes `igny8 ledger verify` exit non-zero.
var errLedgerViolations = errors.New("the credits ledger has violations")

func (e *env) ledgerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ledger", Short: "Inspect the credits ledger"}
	verify := &cobra.Command{Use: "verify", Args: cobra.NoArgs,
		Short: "Check every ledger invariant for every account; print each violation, exit 1 if any"}
	cfg := e.withConfig(verify, false)
	verify.RunE = func(cmd *cobra.Command, _ []string) error {
		db, err := openDB(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		vs, err := sqlstore.NewAdmin(db).LedgerVerify(igny8.SystemContext(cmd.Context()))
		if err != nil {
			return err
		}
		for _, v := range vs {
			fmt.Fprintln(e.stdout, v.String())
		}
		if len(vs) > 0 {
			return fmt.Errorf("%w: %d found", errLedgerViolations, len(vs))
		}
		fmt.Fprintln(e.stdout, "ledger ok: every balance equals the sum of its transactions")
		return nil
	}
	cmd.AddCommand(verify)
	return cmd
}
