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
		s := sqlstore.NewStore(db)
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
			if _, err := s.CurrentAccount(c.ctx); igny8.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
		}
		for _, id := range []string{a, bID} {
			pctx := igny8.WithPrincipal(ctx, &igny8.Principal{Kind: igny8.CredentialJWT, UserID: "u", AccountID: id, Role: igny8.RoleViewer})
			got, err := s.CurrentAccount(pctx)
			if err != nil || got.ID != id || got.Plan == nil || got.Plan.Slug != igny8.PlanFreeTrial {
				t.Fatalf("account %s: %+v %v", id, got, err)
			}
		}
	})
}
