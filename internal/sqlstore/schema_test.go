package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

func exec(t *testing.T, db *sqlstore.DB, q string, args ...any) error {
	t.Helper()
	_, err := db.SQL().ExecContext(context.Background(), db.Rebind(q), args...)
	return err
}

func mustExec(t *testing.T, db *sqlstore.DB, q string, args ...any) {
	t.Helper()
	if err := exec(t, db, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// seedAccount inserts an account on the free-trial plan with raw SQL.
func seedAccount(t *testing.T, db *sqlstore.DB, slug string) string {
	t.Helper()
	id := sqlstore.NewID()
	now := time.Now().UTC()
	mustExec(t, db, `INSERT INTO accounts (id, name, slug, plan_id, credits, status, trial_ends_at, created_at, updated_at)
		SELECT ?, ?, ?, id, 0, 'trial', ?, ?, ? FROM plans WHERE slug = 'free-trial'`, id, slug, slug, now.Add(time.Hour), now, now)
	return id
}

func TestSchemaAndSeeding(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		db := b.Open(t)
		s, admin := sqlstore.New(db, sqlstore.ServiceOptions{}), sqlstore.NewAdmin(db)

		// Seeding is idempotent: twice leaves exactly one row per plan.
		for i := 0; i < 2; i++ {
			if _, err := admin.SeedPlans(adminCtx()); err != nil {
				t.Fatal(err)
			}
			if err := admin.SeedIndustries(adminCtx()); err != nil {
				t.Fatal(err)
			}
		}
		plans, err := s.Plans.ListPlans(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(plans) != 6 {
			t.Fatalf("plans after seeding twice = %d, want 6", len(plans))
		}
		ft, err := s.Plans.PlanBySlug(ctx, igny8.PlanFreeTrial)
		if err != nil {
			t.Fatal(err)
		}
		if ft.IncludedCredits != 2000 || ft.MaxSites != 1 || ft.MaxUsers != 1 || ft.MaxSectorsPerSite != 3 {
			t.Fatalf("free-trial plan = %+v", ft)
		}
		inds, err := s.Industries.ListIndustries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(inds) < 12 {
			t.Fatalf("industries = %d, want at least 12", len(inds))
		}
		for _, ind := range inds {
			if len(ind.Sectors) < 5 {
				t.Fatalf("industry %s has %d sectors", ind.Slug, len(ind.Sectors))
			}
		}
	})
}

func TestConstraintsRefusedByDatabase(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		now := time.Now().UTC()
		a := seedAccount(t, db, "acme")
		other := seedAccount(t, db, "other")
		site := sqlstore.NewID()
		mustExec(t, db, `INSERT INTO sites (id, account_id, name, slug, created_at, updated_at) VALUES (?, ?, 'Blog', 'blog', ?, ?)`, site, a, now, now)

		cases := []struct {
			name, kind, q string
			args          []any
		}{
			{"duplicate plan slug", "unique", `INSERT INTO plans (id, slug, name, price, currency, included_credits, max_sites, max_users, max_sectors_per_site, api_requests_per_minute, created_at, updated_at) VALUES (?, 'free', 'Dup', 0, 'USD', 0, 1, 1, 1, 1, ?, ?)`, []any{sqlstore.NewID(), now, now}},
			{"duplicate account slug", "unique", `INSERT INTO accounts (id, name, slug, plan_id, status, created_at, updated_at) SELECT ?, 'x', 'acme', id, 'active', ?, ? FROM plans WHERE slug = 'free'`, []any{sqlstore.NewID(), now, now}},
			{"negative credits", "check", `UPDATE accounts SET credits = -1 WHERE id = ?`, []any{a}},
			{"unknown status", "check", `UPDATE accounts SET status = 'frozen' WHERE id = ?`, []any{a}},
			{"trial without end", "check", `UPDATE accounts SET trial_ends_at = NULL WHERE id = ?`, []any{a}},
			{"account on missing plan", "foreign_key", `UPDATE accounts SET plan_id = 'nope' WHERE id = ?`, []any{a}},
			{"duplicate live site slug", "unique", `INSERT INTO sites (id, account_id, name, slug, created_at, updated_at) VALUES (?, ?, 'Blog 2', 'blog', ?, ?)`, []any{sqlstore.NewID(), a, now, now}},
			{"site of missing account", "foreign_key", `INSERT INTO sites (id, account_id, name, slug, created_at, updated_at) VALUES (?, 'ghost', 'X', 'x', ?, ?)`, []any{sqlstore.NewID(), now, now}},
			{"sector under another account's site", "foreign_key", `INSERT INTO sectors (id, account_id, site_id, name, slug, created_at, updated_at) VALUES (?, ?, ?, 'S', 's', ?, ?)`, []any{sqlstore.NewID(), other, site, now, now}},
			{"api key bound to another account's site", "foreign_key", `INSERT INTO api_keys (id, account_id, site_id, name, prefix, secret_hash, created_at) VALUES (?, ?, ?, 'k', 'p1', 'h', ?)`, []any{sqlstore.NewID(), other, site, now}},
			{"developer with an account", "check", `INSERT INTO users (id, email, role, account_id, created_at, updated_at) VALUES (?, 'dev@x.io', 'developer', ?, ?, ?)`, []any{sqlstore.NewID(), a, now, now}},
			{"owner without an account", "check", `INSERT INTO users (id, email, role, created_at, updated_at) VALUES (?, 'o@x.io', 'owner', ?, ?)`, []any{sqlstore.NewID(), now, now}},
			{"mixed-case email", "check", `INSERT INTO users (id, email, role, created_at, updated_at) VALUES (?, 'Dev@x.io', 'developer', ?, ?)`, []any{sqlstore.NewID(), now, now}},
			{"negative balance_after", "check", `INSERT INTO credit_transactions (id, account_id, seq, type, amount, balance_after, created_at) VALUES (?, ?, 1, 'adjustment', -5, -5, ?)`, []any{sqlstore.NewID(), a, now}},
			{"positive deduction", "check", `INSERT INTO credit_transactions (id, account_id, seq, type, amount, balance_after, created_at) VALUES (?, ?, 1, 'deduction', 5, 5, ?)`, []any{sqlstore.NewID(), a, now}},
			{"payment of unknown status", "check", `INSERT INTO payments (id, account_id, subscription_id, plan_id, amount, currency, method, status, reference, created_at, updated_at) SELECT ?, ?, 'none', id, 100, 'USD', 'bank_transfer', 'lost', 'R1', ?, ? FROM plans WHERE slug = 'starter'`, []any{sqlstore.NewID(), a, now, now}},
		}
		for _, c := range cases {
			err := exec(t, db, c.q, c.args...)
			if err == nil {
				t.Errorf("%s: accepted by the database", c.name)
				continue
			}
			if !sqlstore.IsConstraint(err, c.kind) {
				t.Errorf("%s: error %v, want a %s constraint violation", c.name, err, c.kind)
			}
		}

		// Two owners in one account are refused; two accounts may share a site slug.
		mustExec(t, db, `INSERT INTO users (id, email, role, account_id, created_at, updated_at) VALUES (?, 'a@x.io', 'owner', ?, ?, ?)`, sqlstore.NewID(), a, now, now)
		if err := exec(t, db, `INSERT INTO users (id, email, role, account_id, created_at, updated_at) VALUES (?, 'b@x.io', 'owner', ?, ?, ?)`, sqlstore.NewID(), a, now, now); !sqlstore.IsConstraint(err, "unique") {
			t.Errorf("second owner: %v", err)
		}
		mustExec(t, db, `INSERT INTO sites (id, account_id, name, slug, created_at, updated_at) VALUES (?, ?, 'Blog', 'blog', ?, ?)`, sqlstore.NewID(), other, now, now)
		// A soft-deleted site frees its slug.
		mustExec(t, db, `UPDATE sites SET deleted_at = ? WHERE id = ?`, now, site)
		mustExec(t, db, `INSERT INTO sites (id, account_id, name, slug, created_at, updated_at) VALUES (?, ?, 'Blog', 'blog', ?, ?)`, sqlstore.NewID(), a, now, now)
	})
}

func TestMigrateDownAndUp(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		db := b.Open(t)
		st, err := db.MigrationStatuses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range st {
			if !m.Applied {
				t.Fatalf("migration %d not applied after Migrate", m.Version)
			}
		}
		if err := db.MigrateDown(ctx, len(st)); err != nil {
			t.Fatal(err)
		}
		if err := exec(t, db, `SELECT 1 FROM plans`); err == nil {
			t.Fatal("plans table survived migrating all the way down")
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := sqlstore.NewAdmin(db).SeedPlans(adminCtx()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTimesRoundTripInUTC(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		fixed := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
		db.Now = func() time.Time { return fixed }
		p := igny8.FreeTrialPlan()
		p.Slug, p.Name = "clock-test", "Clock"
		got, err := sqlstore.NewAdmin(db).UpsertPlan(adminCtx(), p)
		if err != nil {
			t.Fatal(err)
		}
		if _, off := got.UpdatedAt.Zone(); !got.UpdatedAt.Equal(fixed) || off != 0 {
			t.Fatalf("updated_at = %v, want %v in UTC", got.UpdatedAt, fixed)
		}
	})
}

// TestSitesTriggerDropped: migration 00090 takes away the NOTIFY trigger
// that 00080 put on sites (nothing listens for it), and rolling 00090 back
// puts it back, so a database at either version migrates both ways.
func TestSitesTriggerDropped(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		db := b.Open(t)
		if db.Dialect() != sqlstore.Postgres {
			return // SQLite never had the trigger; both versions only record themselves
		}
		triggers := func() int {
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
				WHERE c.relname = 'sites' AND c.relnamespace = current_schema()::regnamespace AND t.tgname = 'sites_changed'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := triggers(); n != 0 {
			t.Fatalf("after Migrate, sites has %d sites_changed triggers, want 0", n)
		}
		for { // roll back 00090 and the migrations after it
			v, err := db.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v < 90 {
				break
			}
			if err := db.MigrateDown(ctx, 1); err != nil {
				t.Fatal(err)
			}
		}
		if n := triggers(); n != 1 {
			t.Fatalf("after rolling back 00090, sites has %d sites_changed triggers, want 1", n)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if n := triggers(); n != 0 {
			t.Fatalf("after migrating up again, sites has %d sites_changed triggers, want 0", n)
		}
	})
}
