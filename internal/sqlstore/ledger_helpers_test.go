package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/ai"
	"github.com/igny8/igny8/internal/sqlstore"
)

// tenant is one seeded account with an owner, a site and a sector.
type tenant struct {
	AccountID, OwnerID, SiteID, SectorID string
}

// ctx acts as a person of the account with a confirmed address, as the
// middleware resolves one (checkout and invitations need it).
func (tn tenant) ctx(role igny8.Role, userID string) context.Context {
	return igny8.WithPrincipal(context.Background(), &igny8.Principal{Kind: igny8.CredentialJWT,
		AccountID: tn.AccountID, Role: role, UserID: userID, EmailVerified: true})
}

func (tn tenant) owner() context.Context { return tn.ctx(igny8.RoleOwner, tn.OwnerID) }

func adminCtx() context.Context { return igny8.SystemContext(context.Background()) }

// seedTenant makes an account holding credits (granted by an adjustment,
// so that the ledger stays consistent), its owner, a site and a sector.
func seedTenant(t *testing.T, db *sqlstore.DB, slug string, credits int64) tenant {
	t.Helper()
	tn := tenant{AccountID: seedAccount(t, db, slug)}
	tn.OwnerID = seedUser(t, db, tn.AccountID, slug+"@example.com", igny8.RoleOwner)
	now := time.Now().UTC()
	tn.SiteID, tn.SectorID = sqlstore.NewID(), sqlstore.NewID()
	mustExec(t, db, `INSERT INTO sites (id, account_id, name, slug, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		tn.SiteID, tn.AccountID, "Site "+slug, "site", now, now)
	mustExec(t, db, `INSERT INTO sectors (id, account_id, site_id, name, slug, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		tn.SectorID, tn.AccountID, tn.SiteID, "Sector", "sector", now, now)
	if credits > 0 {
		if _, err := sqlstore.NewAdmin(db).AdjustCredits(adminCtx(), tn.AccountID,
			igny8.CreditAdjustment{Amount: credits, Description: "test funds"}); err != nil {
			t.Fatal(err)
		}
	}
	return tn
}

func seedUser(t *testing.T, db *sqlstore.DB, accountID, email string, role igny8.Role) string {
	t.Helper()
	id := sqlstore.NewID()
	now := time.Now().UTC()
	mustExec(t, db, `INSERT INTO users (id, email, role, account_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, email, string(role), accountID, now, now)
	return id
}

func balance(t *testing.T, db *sqlstore.DB, tn tenant) int64 {
	t.Helper()
	b, err := sqlstore.New(db, sqlstore.ServiceOptions{}).Ledger.CreditBalance(tn.owner())
	if err != nil {
		t.Fatal(err)
	}
	return b.Credits
}

// verifyClean fails t when LedgerVerify finds any violation.
func verifyClean(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	vs, err := sqlstore.NewAdmin(db).LedgerVerify(adminCtx())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("ledger violation: %s", v)
	}
}

func wantCode(t *testing.T, err error, code string) *igny8.Error {
	t.Helper()
	if got := igny8.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
	var e *igny8.Error
	errors.As(err, &e)
	return e
}

func clusterReq(site string) igny8.OperationRequest {
	return igny8.OperationRequest{Operation: igny8.OpAutoCluster, SiteID: site,
		Input: igny8.OperationInput{Keywords: []string{"coffee beans", "coffee grinder", "tea cups"}}}
}

// countingProvider wraps a provider and counts its calls.
type countingProvider struct {
	mu    sync.Mutex
	calls int
	run   func(ctx context.Context, req igny8.AIRequest) (*igny8.AIResponse, error)
}

func (c *countingProvider) Run(ctx context.Context, req igny8.AIRequest) (*igny8.AIResponse, error) {
	c.mu.Lock()
	c.calls++
	c.mu.Unlock()
	if c.run == nil {
		return ai.Local{}.Run(ctx, req)
	}
	return c.run(ctx, req)
}

func (c *countingProvider) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}
