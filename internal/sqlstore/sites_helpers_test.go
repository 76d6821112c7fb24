package sqlstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
)

// siteFx is one signed-up account for the site tests.
type siteFx struct {
	db        *sqlstore.DB
	st        *sqlstore.Services
	AccountID string
	OwnerID   string
}

var siteFxSeq atomic.Int64

// newSiteFx signs up an account (free-trial plan) through the store.
func newSiteFx(t *testing.T, db *sqlstore.DB, st *sqlstore.Services) siteFx {
	t.Helper()
	n := siteFxSeq.Add(1)
	u, a, err := st.Identity.Register(context.Background(), igny8.SignUp{Name: fmt.Sprintf("Sites %d", n),
		Email: fmt.Sprintf("sites-%d-%d@example.com", n, time.Now().UnixNano())}, "not-a-real-hash", 14, newEmailToken())
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	return siteFx{db: db, st: st, AccountID: a.ID, OwnerID: u.ID}
}

// as returns a context acting as a person of the account.
func (f siteFx) as(role igny8.Role, userID string) context.Context {
	return igny8.WithPrincipal(context.Background(), &igny8.Principal{Kind: igny8.CredentialJWT,
		AccountID: f.AccountID, Role: role, UserID: userID, EmailVerified: true})
}

func (f siteFx) owner() context.Context { return f.as(igny8.RoleOwner, f.OwnerID) }

// siteKey returns a context acting as an API key of the account, bound to
// siteID when it is not empty.
func (f siteFx) siteKey(role igny8.Role, siteID string) context.Context {
	return igny8.WithPrincipal(context.Background(), &igny8.Principal{Kind: igny8.CredentialAPIKey,
		APIKeyID: sqlstore.NewID(), AccountID: f.AccountID, Role: role, SiteID: siteID})
}

// setPlan moves the account to the plan with slug.
func (f siteFx) setPlan(t *testing.T, slug string) {
	t.Helper()
	sitesExec(t, f.db, `UPDATE accounts SET plan_id = (SELECT id FROM plans WHERE slug = ?) WHERE id = ?`, slug, f.AccountID)
}

// member adds a user with role to the account and returns its id.
func (f siteFx) member(t *testing.T, role igny8.Role) string {
	t.Helper()
	id := sqlstore.NewID()
	now := time.Now().UTC()
	sitesExec(t, f.db, `INSERT INTO users (id, email, role, account_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, "m-"+id+"@example.com", string(role), f.AccountID, now, now)
	return id
}

// site creates a site as the owner.
func (f siteFx) site(t *testing.T, name string) *igny8.Site {
	t.Helper()
	s, err := f.st.Sites.CreateSite(f.owner(), igny8.SiteCreate{Name: name})
	if err != nil {
		t.Fatalf("create site %q: %v", name, err)
	}
	return s
}

func sitesExec(t *testing.T, db *sqlstore.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.SQL().Exec(db.Rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func sitesCount(t *testing.T, db *sqlstore.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(db.Rebind(q), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// wantSiteCode fails unless err carries the code.
func wantSiteCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := igny8.ErrorCode(err); got != code {
		t.Fatalf("got %v (%s), want %s", err, got, code)
	}
}

// industrySectors returns the ids of an industry's sectors, and the id of
// another industry's sector.
func industrySectors(t *testing.T, st *sqlstore.Services) (industryID string, sectorIDs []string, foreign string) {
	t.Helper()
	inds, err := st.Industries.ListIndustries(context.Background())
	if err != nil || len(inds) < 2 {
		t.Fatalf("industries: %v", err)
	}
	for _, s := range inds[0].Sectors {
		sectorIDs = append(sectorIDs, s.ID)
	}
	return inds[0].ID, sectorIDs, inds[1].Sectors[0].ID
}

// fixClock sets the database clock to a fixed time and returns a function
// that moves it on.
func fixSitesClock(db *sqlstore.DB) func(d time.Duration) {
	var now atomic.Int64
	now.Store(time.Now().UTC().Truncate(time.Microsecond).UnixMicro())
	db.Now = func() time.Time { return time.UnixMicro(now.Load()).UTC() }
	return func(d time.Duration) { now.Add(d.Microseconds()) }
}
