package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/spf13/cobra"
)

func (e *env) migrateCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "migrate", Short: "Apply schema migrations (up), roll back (down N), or list them (status)"}
	up := &cobra.Command{Use: "up", Short: "Apply every pending migration", Args: cobra.NoArgs}
	upCfg := e.withConfig(up, false)
	up.RunE = func(cmd *cobra.Command, _ []string) error {
		return withDB(cmd, upCfg, func(db *sqlstore.DB) error { return e.printStatus(cmd, db) })
	}
	down := &cobra.Command{Use: "down N", Short: "Roll back the last N migrations", Args: cobra.ExactArgs(1)}
	downCfg := e.withConfig(down, false)
	down.RunE = func(cmd *cobra.Command, args []string) error {
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 {
			return fmt.Errorf("N must be a positive number, not %q", args[0])
		}
		return withUnmigratedDB(cmd, downCfg, func(db *sqlstore.DB) error {
			if err := db.MigrateDown(cmd.Context(), n); err != nil {
				return err
			}
			return e.printStatus(cmd, db)
		})
	}
	status := &cobra.Command{Use: "status", Short: "List migrations and whether each is applied", Args: cobra.NoArgs}
	statusCfg := e.withConfig(status, false)
	status.RunE = func(cmd *cobra.Command, _ []string) error {
		return withUnmigratedDB(cmd, statusCfg, func(db *sqlstore.DB) error { return e.printStatus(cmd, db) })
	}
	cmd.AddCommand(up, down, status)
	return cmd
}

func (e *env) printStatus(cmd *cobra.Command, db *sqlstore.DB) error {
	st, err := db.MigrationStatuses(cmd.Context())
	if err != nil {
		return err
	}
	for _, m := range st {
		state := "pending"
		if m.Applied {
			state = "applied"
		}
		fmt.Fprintf(e.stdout, "%05d  %-8s %s\n", m.Version, state, m.Name)
	}
	return nil
}

func (e *env) plansCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "plans", Short: "Manage the plan catalogue"}
	seed := &cobra.Command{Use: "seed", Short: "Create or update the default plan catalogue (idempotent)", Args: cobra.NoArgs}
	cfg := e.withConfig(seed, false)
	seed.RunE = func(cmd *cobra.Command, _ []string) error {
		return withDB(cmd, cfg, func(db *sqlstore.DB) error {
			s := sqlstore.NewStore(db)
			if err := s.SeedPlans(cmd.Context()); err != nil {
				return err
			}
			if err := s.SeedIndustries(cmd.Context()); err != nil {
				return err
			}
			plans, err := s.ListPlans(cmd.Context(), true)
			if err != nil {
				return err
			}
			for _, p := range plans {
				fmt.Fprintf(e.stdout, "%-12s %-12s %8d credits  %d sites  %d users\n", p.Slug, p.Name, p.IncludedCredits, p.MaxSites, p.MaxUsers)
			}
			return nil
		})
	}
	cmd.AddCommand(seed)
	return cmd
}

func (e *env) freeTrialPlanCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "create-free-trial-plan", Short: "Create or update the free-trial plan (2000 credits, 1 site, 1 user, 3 sectors per site)", Args: cobra.NoArgs}
	cfg := e.withConfig(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return withDB(cmd, cfg, func(db *sqlstore.DB) error {
			p, err := sqlstore.NewStore(db).UpsertPlan(cmd.Context(), igny8.FreeTrialPlan())
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "plan %s: %d credits, %d site, %d user, %d sectors per site\n",
				p.Slug, p.IncludedCredits, p.MaxSites, p.MaxUsers, p.MaxSectorsPerSite)
			return nil
		})
	}
	return cmd
}

func (e *env) adminCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Manage system administrators"}
	create := &cobra.Command{Use: "create", Short: "Create a system administrator (developer role, no account)", Args: cobra.NoArgs}
	cfg := e.withConfig(create, false)
	var email, password, name string
	create.Flags().StringVar(&email, "email", "", "the administrator's email (required)")
	create.Flags().StringVar(&password, "password", "", "the administrator's password, at least 10 characters (required)")
	create.Flags().StringVar(&name, "name", "Administrator", "the administrator's name")
	_ = create.MarkFlagRequired("email")
	_ = create.MarkFlagRequired("password")
	create.RunE = func(cmd *cobra.Command, _ []string) error {
		if len(password) < 10 {
			return igny8.InvalidField("password", "must be at least 10 characters")
		}
		return withAdmin(cmd, cfg, func(ctx context.Context, a *sqlstore.Admin) error {
			hash, err := auth.HashPassword(password, auth.DefaultArgon2)
			if err != nil {
				return err
			}
			u, err := a.CreateDeveloper(ctx, email, name, hash)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "created administrator %s (%s)\n", u.Email, u.ID)
			return nil
		})
	}
	cmd.AddCommand(create)
	return cmd
}
