package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// firstIndustry returns an industry id with two of its sector ids, and a
// sector of another industry.
func firstIndustry(t *testing.T, e *apptest.Env) (industry string, sectors []string, foreign string) {
	t.Helper()
	var inds struct {
		Items []struct {
			ID      string
			Sectors []struct{ ID string }
		}
	}
	e.Do("GET", "/api/v1/industries", nil).JSON(t, &inds)
	return inds.Items[0].ID, []string{inds.Items[0].Sectors[0].ID, inds.Items[0].Sectors[1].ID}, inds.Items[1].Sectors[0].ID
}

func wantHTTP(t *testing.T, r *apptest.Response, status int, code string) {
	t.Helper()
	if r.Status != status || r.Code() != code {
		t.Fatalf("got %s, want %d %s", r, status, code)
	}
}

// sqlExec runs one SQL statement on the env's database.
func sqlExec(t *testing.T, e *apptest.Env, q string, args ...any) {
	t.Helper()
	db := e.App.DB()
	if _, err := db.SQL().Exec(db.Rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// setSitePlan moves an account to the plan with slug, for its limits.
func setSitePlan(t *testing.T, e *apptest.Env, accountID, slug string) {
	t.Helper()
	sqlExec(t, e, `UPDATE accounts SET plan_id = (SELECT id FROM plans WHERE slug = ?) WHERE id = ?`, slug, accountID)
}

func TestSitesOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Acme")
		industry, sectors, foreign := firstIndustry(t, e)

		r := e.As(owner.Token, "POST", "/api/v1/sites", map[string]any{"name": "Acme Blog", "domain": "Blog.Acme.com/", "industry_id": industry})
		wantHTTP(t, r, http.StatusCreated, "")
		var site igny8.Site
		r.JSON(t, &site)
		if site.Slug != "acme-blog" || site.Domain != "https://blog.acme.com" || site.AccountID != owner.AccountID {
			t.Fatalf("site = %+v", site)
		}
		raw := r.Map(t)
		for _, f := range []string{"id", "name", "slug", "domain", "industry_id", "is_active", "created_at", "updated_at"} {
			if _, ok := raw[f]; !ok {
				t.Errorf("site lacks %q", f)
			}
		}
		wantHTTP(t, e.As(owner.Token, "POST", "/api/v1/sites", map[string]any{"name": "Second"}), http.StatusForbidden, igny8.EPlanLimit)
		wantHTTP(t, e.As(owner.Token, "POST", "/api/v1/sites", map[string]any{"name": ""}), http.StatusUnprocessableEntity, igny8.EValidation)
		wantHTTP(t, e.As(owner.Token, "POST", "/api/v1/sites", `{"name":"x","account_id":"other"}`), http.StatusBadRequest, igny8.EValidation)

		base := "/api/v1/sites/" + site.ID
		wantHTTP(t, e.As(owner.Token, "PATCH", base, map[string]any{"name": "Renamed", "is_active": false}), http.StatusOK, "")
		r = e.As(owner.Token, "GET", "/api/v1/sites?is_active=false&q=renamed&limit=10", nil)
		var page igny8.Page[igny8.Site]
		r.JSON(t, &page)
		if len(page.Items) != 1 || page.Items[0].Name != "Renamed" || page.NextCursor != nil {
			t.Fatalf("list: %s", r)
		}
		wantHTTP(t, e.As(owner.Token, "GET", "/api/v1/sites?limit=0", nil), http.StatusUnprocessableEntity, igny8.EValidation)
		wantHTTP(t, e.As(owner.Token, "GET", "/api/v1/sites?is_active=maybe", nil), http.StatusUnprocessableEntity, igny8.EValidation)

		// Sectors: of the site's industry only, within the plan's 3 per site.
		wantHTTP(t, e.As(owner.Token, "POST", base+"/sectors", map[string]any{"industry_sector_id": foreign}), http.StatusUnprocessableEntity, igny8.EValidation)
		r = e.As(owner.Token, "POST", base+"/sectors", map[string]any{"industry_sector_id": sectors[0]})
		wantHTTP(t, r, http.StatusCreated, "")
		var sector igny8.Sector
		r.JSON(t, &sector)
		if sector.SiteID != site.ID || sector.AccountID != owner.AccountID || sector.Slug == "" {
			t.Fatalf("sector = %+v", sector)
		}
		wantHTTP(t, e.As(owner.Token, "POST", base+"/sectors", map[string]any{"industry_sector_id": sectors[0]}), http.StatusConflict, igny8.EConflict)
		wantHTTP(t, e.As(owner.Token, "POST", base+"/sectors", map[string]any{"industry_sector_id": sectors[0], "name": "Two"}), http.StatusCreated, "")
		wantHTTP(t, e.As(owner.Token, "POST", base+"/sectors", map[string]any{"industry_sector_id": sectors[1]}), http.StatusCreated, "")
		wantHTTP(t, e.As(owner.Token, "POST", base+"/sectors", map[string]any{"industry_sector_id": sectors[1], "name": "Four"}), http.StatusForbidden, igny8.EPlanLimit)
		wantHTTP(t, e.As(owner.Token, "PATCH", "/api/v1/sectors/"+sector.ID, map[string]any{"name": "Main"}), http.StatusOK, "")
		wantHTTP(t, e.As(owner.Token, "DELETE", "/api/v1/sectors/"+sector.ID, nil), http.StatusNoContent, "")
		wantHTTP(t, e.As(owner.Token, "POST", "/api/v1/sectors/"+sector.ID+"/restore", nil), http.StatusOK, "")

		// Site access: editors see only what they were granted.
		editor := e.RawMember(owner.AccountID, igny8.RoleEditor)
		wantHTTP(t, e.As(editor.Token, "GET", base, nil), http.StatusNotFound, igny8.ENotFound)
		wantHTTP(t, e.As(editor.Token, "POST", base+"/access", map[string]any{"user_id": editor.ID}), http.StatusForbidden, igny8.EForbidden)
		wantHTTP(t, e.As(owner.Token, "POST", base+"/access", map[string]any{"user_id": editor.ID}), http.StatusCreated, "")
		r = e.As(owner.Token, "GET", base+"/access", nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), editor.ID) {
			t.Fatalf("access list: %s", r)
		}
		wantHTTP(t, e.As(editor.Token, "GET", base, nil), http.StatusOK, "")
		wantHTTP(t, e.As(editor.Token, "PATCH", base, map[string]any{"domain": "https://acme.example"}), http.StatusOK, "")
		wantHTTP(t, e.As(editor.Token, "DELETE", base, nil), http.StatusForbidden, igny8.EForbidden)
		wantHTTP(t, e.As(owner.Token, "DELETE", base+"/access/"+editor.ID, nil), http.StatusNoContent, "")
		wantHTTP(t, e.As(owner.Token, "DELETE", base+"/access/"+editor.ID, nil), http.StatusNotFound, igny8.ENotFound)
		wantHTTP(t, e.As(editor.Token, "GET", base+"/sectors", nil), http.StatusNotFound, igny8.ENotFound)
		db := e.App.DB()
		for _, action := range []string{"site_access.granted", "site_access.revoked"} {
			var n int
			if err := db.SQL().QueryRow(db.Rebind(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = ? AND actor = ?`),
				owner.AccountID, action, owner.ID).Scan(&n); err != nil || n != 1 {
				t.Fatalf("%d %s audit events (%v), want 1", n, action, err)
			}
		}

		// Delete and restore.
		wantHTTP(t, e.As(owner.Token, "DELETE", base, nil), http.StatusNoContent, "")
		wantHTTP(t, e.As(owner.Token, "GET", base, nil), http.StatusNotFound, igny8.ENotFound)
		// The deleted site is listed as restorable, to those who may restore it.
		var trash igny8.Page[igny8.Site]
		e.As(owner.Token, "GET", "/api/v1/sites?deleted=true", nil).JSON(t, &trash)
		if len(trash.Items) != 1 || trash.Items[0].DeletedAt == nil || trash.Items[0].PurgeAfter == nil {
			t.Fatalf("restorable sites = %+v", trash.Items)
		}
		wantHTTP(t, e.As(editor.Token, "GET", "/api/v1/sites?deleted=true", nil), http.StatusForbidden, igny8.EForbidden)
		wantHTTP(t, e.As(owner.Token, "GET", "/api/v1/sites?deleted=maybe", nil), http.StatusUnprocessableEntity, igny8.EValidation)
		wantHTTP(t, e.As(owner.Token, "POST", "/api/v1/sites", map[string]any{"name": "Replacement"}), http.StatusCreated, "")
		wantHTTP(t, e.As(owner.Token, "POST", base+"/restore", nil), http.StatusForbidden, igny8.EPlanLimit)
		setSitePlan(t, e, owner.AccountID, "growth")
		wantHTTP(t, e.As(owner.Token, "POST", base+"/restore", nil), http.StatusOK, "")
		r = e.As(owner.Token, "GET", base+"/sectors", nil)
		var secs igny8.Page[igny8.Sector]
		r.JSON(t, &secs)
		if len(secs.Items) != 3 {
			t.Fatalf("sectors after restore: %s", r)
		}
	})
}

func TestAccountDeletionOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Leaving")
		r := e.As(owner.Token, "POST", "/api/v1/sites", map[string]any{"name": "Site"})
		var site igny8.Site
		r.JSON(t, &site)
		admin := e.RawMember(owner.AccountID, igny8.RoleAdmin)
		wantHTTP(t, e.As(admin.Token, "DELETE", "/api/v1/account", map[string]any{"password": admin.Password}), http.StatusForbidden, igny8.EForbidden)
		wantHTTP(t, e.As(owner.Token, "DELETE", "/api/v1/account", map[string]any{"password": "wrong password here"}), http.StatusUnprocessableEntity, igny8.EValidation)
		wantHTTP(t, e.As(owner.Token, "GET", "/api/v1/account", nil), http.StatusOK, "")
		wantHTTP(t, e.As(owner.Token, "DELETE", "/api/v1/account", map[string]any{"password": owner.Password}), http.StatusNoContent, "")

		// Every credential stops at once: tokens, members, a new login.
		wantHTTP(t, e.As(owner.Token, "GET", "/api/v1/account", nil), http.StatusForbidden, igny8.EAccountCancelled)
		wantHTTP(t, e.As(admin.Token, "GET", "/api/v1/sites", nil), http.StatusForbidden, igny8.EAccountCancelled)
		wantHTTP(t, e.Login(owner.Email, owner.Password), http.StatusForbidden, igny8.EAccountCancelled)

		dev := e.Developer()
		r = e.As(dev, "GET", "/api/v1/admin/accounts/deleted", nil)
		var deleted igny8.Page[igny8.DeletedAccount]
		r.JSON(t, &deleted)
		if r.Status != http.StatusOK || len(deleted.Items) != 1 || deleted.Items[0].ID != owner.AccountID ||
			deleted.Items[0].DeletedAt == nil || deleted.Items[0].PurgeAfter.IsZero() {
			t.Fatalf("deleted accounts: %s", r)
		}
		wantHTTP(t, e.As(owner.Token, "GET", "/api/v1/admin/accounts/deleted", nil), http.StatusForbidden, igny8.EAccountCancelled)
		wantHTTP(t, e.As(owner.Token, "POST", "/api/v1/admin/accounts/"+owner.AccountID+"/restore", nil), http.StatusForbidden, igny8.EAccountCancelled)
		wantHTTP(t, e.As(dev, "POST", "/api/v1/admin/accounts/"+site.ID+"/restore", nil), http.StatusNotFound, igny8.ENotFound)
		r = e.As(dev, "POST", "/api/v1/admin/accounts/"+owner.AccountID+"/restore", nil)
		wantHTTP(t, r, http.StatusOK, "")
		if r.Map(t)["status"] != igny8.StatusTrial {
			t.Fatalf("restored account: %s", r)
		}
		e.As(dev, "GET", "/api/v1/admin/accounts/deleted", nil).JSON(t, &deleted)
		if len(deleted.Items) != 0 {
			t.Fatalf("restored account still listed as deleted: %+v", deleted.Items)
		}
		wantHTTP(t, e.As(owner.Token, "GET", "/api/v1/sites/"+site.ID, nil), http.StatusOK, "")

		// Past retention, igny8 purge removes it.
		wantHTTP(t, e.As(owner.Token, "DELETE", "/api/v1/account", map[string]any{"password": owner.Password}), http.StatusNoContent, "")
		code, out, errOut := e.CLI("purge")
		if code != 0 || !strings.Contains(out, "purged 0 accounts") {
			t.Fatalf("purge within retention: %d %q %q", code, out, errOut)
		}
		sqlExec(t, e, `UPDATE accounts SET purge_after = ? WHERE id = ?`, e.App.DB().Now().Add(-1), owner.AccountID)
		code, out, errOut = e.CLI("purge")
		if code != 0 || !strings.Contains(out, "purged 1 accounts") {
			t.Fatalf("purge: %d %q %q", code, out, errOut)
		}
		wantHTTP(t, e.As(dev, "POST", "/api/v1/admin/accounts/"+owner.AccountID+"/restore", nil), http.StatusNotFound, igny8.ENotFound)
		wantHTTP(t, e.Login(owner.Email, owner.Password), http.StatusUnauthorized, igny8.EUnauthenticated)
	})
}

// TestPurgeRunsAsAPeriodicJob checks that serve's jobs purge what retention
// no longer keeps, without anyone running igny8 purge.
func TestPurgeRunsAsAPeriodicJob(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0], func(c *config.Config) { c.JobInterval = 20 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.App.RunJobs(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	owner := e.SignUp("Periodic")
	setSitePlan(t, e, owner.AccountID, "growth")
	var expired, recent igny8.Site
	e.As(owner.Token, "POST", "/api/v1/sites", map[string]any{"name": "Expired"}).JSON(t, &expired)
	e.As(owner.Token, "POST", "/api/v1/sites", map[string]any{"name": "Recent"}).JSON(t, &recent)
	for _, id := range []string{expired.ID, recent.ID} {
		wantHTTP(t, e.As(owner.Token, "DELETE", "/api/v1/sites/"+id, nil), http.StatusNoContent, "")
	}
	sqlExec(t, e, `UPDATE sites SET purge_after = ? WHERE id = ?`, time.Now().UTC().Add(-time.Second), expired.ID)
	db := e.App.DB()
	count := func(id string) (n int) {
		if err := db.SQL().QueryRow(db.Rebind(`SELECT COUNT(*) FROM sites WHERE id = ?`), id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(5 * time.Second)
	for count(expired.ID) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the periodic job did not purge the expired site")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if count(recent.ID) != 1 {
		t.Fatal("the periodic job purged a site still within retention")
	}
}
