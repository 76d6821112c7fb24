package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/spf13/cobra"
)

func (e *env) migrateCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "migrate", Short: "Apply schema migrations (up), roll back (down N), or list them (status)"}
	up := &cobra.Command{Use: "up", Short: "Apply every pending migration and print each one applied", Args: cobra.NoArgs}
	upCfg := e.withConfig(up, false)
	up.RunE = func(cmd *cobra.Command, _ []string) error {
		return withUnmigratedDB(cmd, upCfg, func(db *sqlstore.DB) error {
			done, err := db.MigrateUp(cmd.Context())
			if err != nil {
				return err
			}
			return e.printMigrations(cmd, db, "applied", done)
		})
	}
	down := &cobra.Command{Use: "down N", Short: "Roll back the last N migrations (stops at version 0) and print each one rolled back",
		Args: cobra.ExactArgs(1)}
	downCfg := e.withConfig(down, false)
	down.RunE = func(cmd *cobra.Command, args []string) error {
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 {
			return fmt.Errorf("N must be a positive number, not %q", args[0])
		}
		return withUnmigratedDB(cmd, downCfg, func(db *sqlstore.DB) error {
			done, err := db.RollBack(cmd.Context(), n)
			if perr := e.printMigrations(cmd, db, "rolled back", done); err == nil {
				err = perr
			}
			return err
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

// printMigrations prints the migrations just applied or rolled back, one a
// line, then the schema version they left.
func (e *env) printMigrations(cmd *cobra.Command, db *sqlstore.DB, verb string, done []sqlstore.MigrationStatus) error {
	if len(done) == 0 {
		fmt.Fprintf(e.stdout, "nothing %s\n", verb)
	}
	for _, m := range done {
		fmt.Fprintf(e.stdout, "%s %05d %s\n", verb, m.Version, m.Name)
	}
	v, err := db.SchemaVersion(cmd.Context())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "schema at version %d\n", v)
	return nil
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
	seed := &cobra.Command{Use: "seed", Short: "Create the default plans that are missing; existing plans keep an administrator's edits unless --reset",
		Args: cobra.NoArgs}
	cfg := e.withConfig(seed, false)
	reset := seed.Flags().Bool("reset", false, "also bring the existing default plans back to their default prices, limits and status (undoes edits)")
	seed.RunE = func(cmd *cobra.Command, _ []string) error {
		return withDB(cmd, cfg, func(db *sqlstore.DB) error {
			ctx := igny8.SystemContext(cmd.Context())
			admin := sqlstore.NewAdmin(db)
			state := map[string]string{}
			if *reset {
				if err := admin.ResetPlans(ctx); err != nil {
					return err
				}
				for _, p := range igny8.DefaultPlans() {
					state[p.Slug] = "reset to the default"
				}
			} else {
				created, err := admin.SeedPlans(ctx)
				if err != nil {
					return err
				}
				for _, slug := range created {
					state[slug] = "created"
				}
			}
			if err := admin.SeedIndustries(ctx); err != nil {
				return err
			}
			plans, err := admin.AdminPlans(ctx)
			if err != nil {
				return err
			}
			return e.printPlans(plans, state)
		})
	}
	cmd.AddCommand(seed)
	return cmd
}

// printPlans prints the catalogue as a table; state says what this run
// did to a plan (none: left as it was).
func (e *env) printPlans(plans []igny8.Plan, state map[string]string) error {
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "SLUG\tNAME\tPRICE\tCREDITS\tSITES\tUSERS\tSECTORS/SITE\tREQ/MIN\tACTIVE\tTHIS RUN")
	for _, p := range plans {
		did := state[p.Slug]
		if did == "" {
			did = "kept as it is"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", p.Slug, p.Name, igny8.FormatMoney(p.Price, p.Currency),
			igny8.GroupThousands(strconv.FormatInt(p.IncludedCredits, 10)), p.MaxSites, p.MaxUsers, p.MaxSectorsPerSite,
			p.APIRequestsPerMinute, yesNo(p.IsActive), did)
	}
	return w.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (e *env) freeTrialPlanCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "create-free-trial-plan",
		Short: "Create the free-trial plan (2000 credits, 1 site, 1 user, 3 sectors per site) when it is missing; --reset restores its defaults",
		Args:  cobra.NoArgs}
	cfg := e.withConfig(cmd, false)
	reset := cmd.Flags().Bool("reset", false, "bring an existing free-trial plan back to its defaults (undoes edits)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return withDB(cmd, cfg, func(db *sqlstore.DB) error {
			ctx, admin := igny8.SystemContext(cmd.Context()), sqlstore.NewAdmin(db)
			var p *igny8.Plan
			var err error
			did := "reset to the default"
			if *reset {
				p, err = admin.ResetPlan(ctx, igny8.FreeTrialPlan())
			} else {
				var created bool
				p, created, err = admin.CreatePlanIfMissing(ctx, igny8.FreeTrialPlan())
				did = "exists, kept as it is (--reset restores the defaults)"
				if created {
					did = "created"
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "plan %s %s: %s credits, %s, %s, %d sectors per site, %s\n", p.Slug, did,
				igny8.GroupThousands(strconv.FormatInt(p.IncludedCredits, 10)), plural(p.MaxSites, "site"), plural(p.MaxUsers, "user"),
				p.MaxSectorsPerSite, map[bool]string{true: "active", false: "retired"}[p.IsActive])
			return nil
		})
	}
	return cmd
}

// plural writes a count with its noun: 1 site, 3 sites.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
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
