package sqlstore_test

import (
	"context"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestTenantScopeFailsClosed shows the account-scoped view: the account
// comes from the principal in the context, never from an argument, and a
// context without an account principal reaches nothing.
func TestTenantScopeFailsClosed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		a := seedAccount(t, db, "alpha")
		bID := seedAccount(t, db, "beta")
		ctx := context.Background()

		cases := []struct {
			name string
			ctx  context.Context
			code string
		}{
			{"no principal", ctx, igny8.EUnauthenticated},
			{"developer without account", igny8.WithPrincipal(ctx, &igny8.Principal{Kind: igny8.CredentialJWT, UserID: "u", Role: igny8.RoleDeveloper}), igny8.EForbidden},
			{"system", igny8.SystemContext(ctx), igny8.EForbidden},
		}
		for _, c := range cases {
			if _, err := s.Accounts.CurrentAccount(c.ctx); igny8.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
		}
		for _, id := range []string{a, bID} {
			pctx := igny8.WithPrincipal(ctx, &igny8.Principal{Kind: igny8.CredentialJWT, UserID: "u", AccountID: id, Role: igny8.RoleViewer})
			got, err := s.Accounts.CurrentAccount(pctx)
			if err != nil || got.ID != id || got.Plan == nil || got.Plan.Slug != igny8.PlanFreeTrial {
				t.Fatalf("account %s: %+v %v", id, got, err)
			}
		}
	})
}

// TestCatalogueWritesNeedTheSystem: the global writes (the plan catalogue,
// industries, packs) and the raw-id gate read live on Admin and refuse a
// context without a principal and a tenant's principal, owner or not.
func TestCatalogueWritesNeedTheSystem(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		admin := sqlstore.NewAdmin(db)
		id := seedAccount(t, db, "gamma")
		ctx := context.Background()
		owner := igny8.WithPrincipal(ctx, &igny8.Principal{Kind: igny8.CredentialJWT, UserID: "u", AccountID: id, Role: igny8.RoleOwner})
		plan := igny8.FreeTrialPlan()
		plan.Name = "Changed"
		calls := map[string]func(context.Context) error{
			"UpsertPlan": func(c context.Context) error { _, err := admin.UpsertPlan(c, plan); return err },
			"SeedPlans":  func(c context.Context) error { _, err := admin.SeedPlans(c); return err },
			"ResetPlans": func(c context.Context) error { return admin.ResetPlans(c) },
			"ResetPlan":  func(c context.Context) error { _, err := admin.ResetPlan(c, plan); return err },
			"CreatePlanIfMissing": func(c context.Context) error {
				_, _, err := admin.CreatePlanIfMissing(c, plan)
				return err
			},
			"SeedIfEmpty":    func(c context.Context) error { return admin.SeedIfEmpty(c) },
			"SeedIndustries": func(c context.Context) error { return admin.SeedIndustries(c) },
			"AccountGate":    func(c context.Context) error { _, err := admin.AccountGate(c, id); return err },
		}
		for name, call := range calls {
			if err := call(ctx); igny8.ErrorCode(err) != igny8.EUnauthenticated {
				t.Errorf("%s without a principal: %v", name, err)
			}
			if err := call(owner); igny8.ErrorCode(err) != igny8.EForbidden {
				t.Errorf("%s as a tenant's owner: %v", name, err)
			}
		}
		got, err := sqlstore.New(db, sqlstore.ServiceOptions{}).Plans.PlanBySlug(ctx, igny8.PlanFreeTrial)
		if err != nil || got.Name != igny8.FreeTrialPlan().Name {
			t.Fatalf("free trial plan after refused writes: %+v %v", got, err)
		}
		if g, err := admin.AccountGate(igny8.SystemContext(ctx), id); err != nil || g.Status == "" {
			t.Fatalf("gate for the system: %+v %v", g, err)
		}
	})
}
