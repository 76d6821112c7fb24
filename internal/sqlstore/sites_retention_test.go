package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

const day = 24 * time.Hour

func TestSiteSoftDeleteAndRestore(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		advance := fixSitesClock(db)
		st := sqlstore.New(db, sqlstore.ServiceOptions{})
		a := newSiteFx(t, db, st)
		a.setPlan(t, "growth")
		_, secs, _ := industrySectors(t, st)
		site := a.site(t, "Doomed")
		kept, _ := st.Sites.CreateSector(a.owner(), site.ID, igny8.SectorCreate{IndustrySectorID: secs[0]})
		alone, _ := st.Sites.CreateSector(a.owner(), site.ID, igny8.SectorCreate{IndustrySectorID: secs[1]})
		editor := a.member(t, igny8.RoleEditor)
		if _, err := st.Sites.GrantSiteAccess(a.owner(), site.ID, igny8.SiteAccessGrant{UserID: editor}); err != nil {
			t.Fatal(err)
		}
		if err := st.Sites.DeleteSector(a.owner(), alone.ID); err != nil {
			t.Fatal(err)
		}
		advance(time.Hour)
		if err := st.Sites.DeleteSite(a.owner(), site.ID); err != nil {
			t.Fatal(err)
		}
		// Gone from every normal read, for the owner and the granted editor.
		ed := a.as(igny8.RoleEditor, editor)
		for _, ctx := range []context.Context{a.owner(), ed} {
			_, err := st.Sites.Site(ctx, site.ID)
			wantSiteCode(t, err, igny8.ENotFound)
			if l, _ := st.Sites.ListSites(ctx, igny8.SiteFilter{}, igny8.PageRequest{}); len(l.Items) != 0 {
				t.Fatalf("deleted site still listed: %+v", l.Items)
			}
			_, err = st.Sites.ListSectors(ctx, site.ID, igny8.PageRequest{})
			wantSiteCode(t, err, igny8.ENotFound)
			_, err = st.Sites.UpdateSector(ctx, kept.ID, igny8.SectorPatch{Name: ptr("x")})
			wantSiteCode(t, err, igny8.ENotFound)
		}
		_, err := st.Sites.ListSiteAccess(a.owner(), site.ID, igny8.PageRequest{})
		wantSiteCode(t, err, igny8.ENotFound)
		// The freed slot can be used, which makes the restore exceed the plan.
		a.setPlan(t, "free-trial")
		other := a.site(t, "Doomed")
		_, err = st.Sites.RestoreSite(a.owner(), site.ID)
		wantSiteCode(t, err, igny8.EPlanLimit)
		a.setPlan(t, "growth")
		_, err = st.Sites.RestoreSite(a.owner(), site.ID)
		wantSiteCode(t, err, igny8.EConflict) // its slug was taken meanwhile
		if err := st.Sites.DeleteSite(a.owner(), other.ID); err != nil {
			t.Fatal(err)
		}
		_, err = st.Sites.RestoreSite(a.as(igny8.RoleEditor, editor), site.ID)
		wantSiteCode(t, err, igny8.EForbidden)
		back, err := st.Sites.RestoreSite(a.owner(), site.ID)
		if err != nil || back.DeletedAt != nil {
			t.Fatalf("restore: %+v %v", back, err)
		}
		// The sector deleted with the site is back, the one deleted before is not;
		// the editor's grant applies again.
		l, err := st.Sites.ListSectors(ed, site.ID, igny8.PageRequest{})
		if err != nil || len(l.Items) != 1 || l.Items[0].ID != kept.ID {
			t.Fatalf("sectors after restore: %+v %v", l, err)
		}
		if _, err := st.Sites.RestoreSector(a.owner(), alone.ID); err != nil {
			t.Fatalf("restore sector: %v", err)
		}
		_, err = st.Sites.RestoreSite(a.owner(), site.ID)
		wantSiteCode(t, err, igny8.ENotFound) // not deleted
	})
}

func TestRetentionExpiryAndPurge(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		advance := fixSitesClock(db)
		st := sqlstore.New(db, sqlstore.ServiceOptions{Retention: 10 * day})
		admin := sqlstore.NewAdmin(db)
		sys := igny8.SystemContext(context.Background())
		a := newSiteFx(t, db, st)
		a.setPlan(t, "growth")
		_, secs, _ := industrySectors(t, st)
		site, live := a.site(t, "Old"), a.site(t, "Live")
		sector, _ := st.Sites.CreateSector(a.owner(), site.ID, igny8.SectorCreate{IndustrySectorID: secs[0]})
		liveSector, _ := st.Sites.CreateSector(a.owner(), live.ID, igny8.SectorCreate{IndustrySectorID: secs[0]})
		if err := st.Sites.DeleteSector(a.owner(), liveSector.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.Sites.DeleteSite(a.owner(), site.ID); err != nil {
			t.Fatal(err)
		}
		editor := a.member(t, igny8.RoleEditor)
		sitesExec(t, db, `UPDATE users SET deleted_at = ?, purge_after = ? WHERE id = ?`, db.Now(), db.Now().Add(10*day), editor)

		restorable := func() int {
			t.Helper()
			pg, err := st.Sites.ListSites(a.owner(), igny8.SiteFilter{Deleted: true}, igny8.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return len(pg.Items)
		}
		advance(10*day - time.Minute)
		if rep, err := admin.Purge(sys); err != nil || rep != (igny8.PurgeReport{}) {
			t.Fatalf("purge within retention: %+v %v", rep, err)
		}
		if n := restorable(); n != 1 {
			t.Fatalf("restorable sites within retention = %d, want 1", n)
		}
		advance(2 * time.Minute)
		if n := restorable(); n != 0 {
			t.Fatalf("restorable sites after retention = %d, want 0", n)
		}
		_, err := st.Sites.RestoreSite(a.owner(), site.ID)
		wantSiteCode(t, err, igny8.ENotFound)
		_, err = st.Sites.RestoreSector(a.owner(), liveSector.ID)
		wantSiteCode(t, err, igny8.ENotFound)
		_, err = admin.Purge(a.owner())
		wantSiteCode(t, err, igny8.EForbidden)
		rep, err := admin.Purge(sys)
		if err != nil || rep != (igny8.PurgeReport{Sites: 1, Sectors: 1, Users: 1}) {
			t.Fatalf("purge: %+v %v", rep, err)
		}
		if n := sitesCount(t, db, `SELECT COUNT(*) FROM sectors WHERE id IN (?, ?)`, sector.ID, liveSector.ID); n != 0 {
			t.Fatalf("%d purged sectors remain", n)
		}
		if _, err := st.Sites.Site(a.owner(), live.ID); err != nil {
			t.Fatalf("live site purged: %v", err)
		}
		if n := sitesCount(t, db, `SELECT COUNT(*) FROM audit_events WHERE action = 'retention.purged'`); n != 1 {
			t.Fatalf("%d purge audit events, want 1", n)
		}
	})
}

func TestAccountDeleteRestoreAndPurge(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		advance := fixSitesClock(db)
		st := sqlstore.New(db, sqlstore.ServiceOptions{})
		admin := sqlstore.NewAdmin(db)
		sys := igny8.SystemContext(context.Background())
		a := newSiteFx(t, db, st)
		a.setPlan(t, "growth")
		_, secs, _ := industrySectors(t, st)
		site, earlier := a.site(t, "Kept"), a.site(t, "Deleted before")
		sector, _ := st.Sites.CreateSector(a.owner(), site.ID, igny8.SectorCreate{IndustrySectorID: secs[0]})
		if err := st.Sites.DeleteSite(a.owner(), earlier.ID); err != nil {
			t.Fatal(err)
		}
		adminUser := a.member(t, igny8.RoleAdmin)
		for name, ctx := range map[string]context.Context{
			"admin":     a.as(igny8.RoleAdmin, adminUser),
			"owner key": a.siteKey(igny8.RoleAdmin, ""),
		} {
			if err := st.Accounts.DeleteAccount(ctx); igny8.ErrorCode(err) != igny8.EForbidden {
				t.Fatalf("%s deletes the account: %v", name, err)
			}
		}
		advance(time.Hour)
		if err := st.Accounts.DeleteAccount(a.owner()); err != nil {
			t.Fatal(err)
		}
		g, err := admin.AccountGate(sys, a.AccountID)
		if err != nil || !g.Deleted || igny8.ErrorCode(igny8.CheckGate(g, db.Now())) != igny8.EAccountCancelled {
			t.Fatalf("gate after delete: %+v %v", g, err)
		}
		if n := sitesCount(t, db, `SELECT COUNT(*) FROM sites WHERE account_id = ? AND deleted_at IS NULL`, a.AccountID); n != 0 {
			t.Fatalf("%d live sites after account delete", n)
		}
		_, err = admin.RestoreAccount(a.owner(), a.AccountID)
		wantSiteCode(t, err, igny8.EForbidden)
		acct, err := admin.RestoreAccount(sys, a.AccountID)
		if err != nil || acct.Status != igny8.StatusTrial || acct.DeletedAt != nil {
			t.Fatalf("restore account: %+v %v", acct, err)
		}
		if _, err := st.Sites.Site(a.owner(), site.ID); err != nil {
			t.Fatalf("site not back: %v", err)
		}
		if l, _ := st.Sites.ListSectors(a.owner(), site.ID, igny8.PageRequest{}); len(l.Items) != 1 || l.Items[0].ID != sector.ID {
			t.Fatalf("sector not back: %+v", l)
		}
		_, err = st.Sites.Site(a.owner(), earlier.ID)
		wantSiteCode(t, err, igny8.ENotFound) // deleted on its own before: stays deleted
		_, err = admin.RestoreAccount(sys, a.AccountID)
		wantSiteCode(t, err, igny8.ENotFound) // not deleted any more

		// Deleted again and left past retention: no restore, and purge removes
		// the account with everything it owns.
		if err := st.Accounts.DeleteAccount(a.owner()); err != nil {
			t.Fatal(err)
		}
		other := newSiteFx(t, db, st)
		other.site(t, "Bystander")
		advance(sqlstore.DefaultRetention + time.Minute)
		_, err = admin.RestoreAccount(sys, a.AccountID)
		wantSiteCode(t, err, igny8.ENotFound)
		rep, err := admin.Purge(sys)
		if err != nil || rep.Accounts != 1 {
			t.Fatalf("purge: %+v %v", rep, err)
		}
		for _, table := range []string{"users", "sites", "sectors", "credit_transactions", "audit_events", "site_user_access"} {
			if n := sitesCount(t, db, `SELECT COUNT(*) FROM `+table+` WHERE account_id = ?`, a.AccountID); n != 0 {
				t.Errorf("%d %s rows of the purged account remain", n, table)
			}
		}
		if n := sitesCount(t, db, `SELECT COUNT(*) FROM sites WHERE account_id = ?`, other.AccountID); n != 1 {
			t.Fatalf("purge touched another account: %d sites", n)
		}
	})
}
