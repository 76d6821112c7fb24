package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

func TestSiteCreateValidatesAndNormalises(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		st := sqlstore.New(db, sqlstore.ServiceOptions{})
		a := newSiteFx(t, db, st)
		a.setPlan(t, "enterprise")
		industry, _, _ := industrySectors(t, st)

		s, err := st.Sites.CreateSite(a.owner(), igny8.SiteCreate{Name: "  My Blog! ", Domain: "HTTPS://WWW.Example.COM:443/blog/", IndustryID: &industry})
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != "My Blog!" || s.Slug != "my-blog" || s.Domain != "https://www.example.com/blog" || !s.IsActive ||
			s.AccountID != a.AccountID || s.IndustryID == nil || *s.IndustryID != industry {
			t.Fatalf("site = %+v", s)
		}
		again, err := st.Sites.CreateSite(a.owner(), igny8.SiteCreate{Name: "My blog", Domain: "example.org"})
		if err != nil || again.Slug != "my-blog-2" || again.Domain != "https://example.org" {
			t.Fatalf("generated slug clash: %+v %v", again, err)
		}
		_, err = st.Sites.CreateSite(a.owner(), igny8.SiteCreate{Name: "Other", Slug: "my-blog"})
		wantSiteCode(t, err, igny8.EConflict)

		bad := "no-such-industry"
		for name, in := range map[string]igny8.SiteCreate{
			"empty name":       {Name: "  "},
			"long name":        {Name: strings.Repeat("x", 101)},
			"bad slug":         {Name: "ok", Slug: "Not A Slug"},
			"ftp domain":       {Name: "ok", Domain: "ftp://example.com"},
			"no host":          {Name: "ok", Domain: "https://"},
			"user info":        {Name: "ok", Domain: "https://user:pw@example.com"},
			"single label":     {Name: "ok", Domain: "intranet"},
			"unknown industry": {Name: "ok", IndustryID: &bad},
		} {
			if _, err := st.Sites.CreateSite(a.owner(), in); igny8.ErrorCode(err) != igny8.EValidation {
				t.Errorf("%s: got %v, want validation_failed", name, err)
			}
		}
		if n := sitesCount(t, db, `SELECT COUNT(*) FROM sites WHERE account_id = ?`, a.AccountID); n != 2 {
			t.Fatalf("bad input left %d sites, want 2", n)
		}
		// Another account may use the same slug.
		b2 := newSiteFx(t, db, st)
		if s, err := st.Sites.CreateSite(b2.owner(), igny8.SiteCreate{Name: "x", Slug: "my-blog"}); err != nil || s.Slug != "my-blog" {
			t.Fatalf("other account's slug: %+v %v", s, err)
		}
	})
}

func TestSiteLimitAndRoles(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		st := sqlstore.New(db, sqlstore.ServiceOptions{})
		a := newSiteFx(t, db, st) // free-trial: 1 site
		a.site(t, "First")
		_, err := st.Sites.CreateSite(a.owner(), igny8.SiteCreate{Name: "Second"})
		wantSiteCode(t, err, igny8.EPlanLimit)
		editor := a.member(t, igny8.RoleEditor)
		_, err = st.Sites.CreateSite(a.as(igny8.RoleEditor, editor), igny8.SiteCreate{Name: "By editor"})
		wantSiteCode(t, err, igny8.EForbidden)
		admin := a.member(t, igny8.RoleAdmin)
		a.setPlan(t, "growth")
		if _, err := st.Sites.CreateSite(a.as(igny8.RoleAdmin, admin), igny8.SiteCreate{Name: "By admin"}); err != nil {
			t.Fatalf("admin create: %v", err)
		}
	})
}

func TestSiteListPagesAndFilters(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		st := sqlstore.New(db, sqlstore.ServiceOptions{})
		a := newSiteFx(t, db, st)
		a.setPlan(t, "enterprise")
		industry, _, _ := industrySectors(t, st)
		off := false
		var want []string
		for i := 0; i < 5; i++ {
			in := igny8.SiteCreate{Name: fmt.Sprintf("Site %d", i), Domain: fmt.Sprintf("https://s%d.example.com", i)}
			if i%2 == 0 {
				in.IndustryID = &industry
			}
			if i == 4 {
				in.IsActive, in.Name = &off, "Special_100%"
			}
			s, err := st.Sites.CreateSite(a.owner(), in)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, s.ID)
		}
		newSiteFx(t, db, st).site(t, "Not mine")

		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			p, err := st.Sites.ListSites(a.owner(), igny8.SiteFilter{}, igny8.PageRequest{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range p.Items {
				got = append(got, s.ID)
			}
			if p.NextCursor == nil {
				break
			}
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
			cursor = *p.NextCursor
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("pages = %v, want %v", got, want)
		}
		on := true
		for name, c := range map[string]struct {
			f    igny8.SiteFilter
			want int
		}{
			"active":     {igny8.SiteFilter{IsActive: &on}, 4},
			"inactive":   {igny8.SiteFilter{IsActive: &off}, 1},
			"industry":   {igny8.SiteFilter{IndustryID: industry}, 3},
			"q name":     {igny8.SiteFilter{Q: "site 1"}, 1},
			"q domain":   {igny8.SiteFilter{Q: "S3.EXAMPLE"}, 1},
			"q wildcard": {igny8.SiteFilter{Q: "_100%"}, 1},
			"q percent":  {igny8.SiteFilter{Q: "%"}, 1},
		} {
			p, err := st.Sites.ListSites(a.owner(), c.f, igny8.PageRequest{})
			if err != nil || len(p.Items) != c.want {
				t.Errorf("%s: %d items (%v), want %d", name, len(p.Items), err, c.want)
			}
		}
		_, err := st.Sites.ListSites(a.owner(), igny8.SiteFilter{}, igny8.PageRequest{Cursor: "!!"})
		wantSiteCode(t, err, igny8.EValidation)
	})
}

// TestSiteVisibility checks every SiteService method against another
// account's ids, an editor's ungranted site and a site-bound key's other
// site: each answers not_found and changes nothing.
func TestSiteVisibility(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		st := sqlstore.New(db, sqlstore.ServiceOptions{})
		a := newSiteFx(t, db, st)
		a.setPlan(t, "growth")
		_, secs, _ := industrySectors(t, st)
		granted, hidden := a.site(t, "Granted"), a.site(t, "Hidden")
		sector, err := st.Sites.CreateSector(a.owner(), hidden.ID, igny8.SectorCreate{IndustrySectorID: secs[0]})
		if err != nil {
			t.Fatal(err)
		}
		editor, viewer := a.member(t, igny8.RoleEditor), a.member(t, igny8.RoleViewer)
		for _, u := range []string{editor, viewer} {
			if _, err := st.Sites.GrantSiteAccess(a.owner(), granted.ID, igny8.SiteAccessGrant{UserID: u}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.Sites.GrantSiteAccess(a.owner(), hidden.ID, igny8.SiteAccessGrant{UserID: viewer}); err != nil {
			t.Fatal(err)
		}
		sitesExec(t, db, `DELETE FROM site_user_access WHERE site_id = ? AND user_id = ?`, hidden.ID, viewer)
		bfx := newSiteFx(t, db, st)
		bfx.setPlan(t, "enterprise")

		outsiders := map[string]struct {
			ctx   context.Context
			admin bool
		}{
			"other account owner": {bfx.owner(), true},
			"ungranted editor":    {a.as(igny8.RoleEditor, editor), false},
			"key bound elsewhere": {a.siteKey(igny8.RoleEditor, granted.ID), false},
		}
		before := siteSnapshot(t, db, a.AccountID)
		for name, o := range outsiders {
			ctx := o.ctx
			checks := map[string]error{
				"Site":         second(st.Sites.Site(ctx, hidden.ID)),
				"UpdateSite":   second(st.Sites.UpdateSite(ctx, hidden.ID, igny8.SitePatch{Name: ptr("x")})),
				"ListSectors":  second(st.Sites.ListSectors(ctx, hidden.ID, igny8.PageRequest{})),
				"CreateSector": second(st.Sites.CreateSector(ctx, hidden.ID, igny8.SectorCreate{IndustrySectorID: secs[1]})),
				"UpdateSector": second(st.Sites.UpdateSector(ctx, sector.ID, igny8.SectorPatch{Name: ptr("x")})),
				"DeleteSector": st.Sites.DeleteSector(ctx, sector.ID),
			}
			if o.admin {
				checks["DeleteSite"] = st.Sites.DeleteSite(ctx, hidden.ID)
				checks["RestoreSite"] = second(st.Sites.RestoreSite(ctx, hidden.ID))
				checks["RestoreSector"] = second(st.Sites.RestoreSector(ctx, sector.ID))
				checks["ListSiteAccess"] = second(st.Sites.ListSiteAccess(ctx, granted.ID, igny8.PageRequest{}))
				checks["GrantSiteAccess"] = second(st.Sites.GrantSiteAccess(ctx, granted.ID, igny8.SiteAccessGrant{UserID: editor}))
				checks["RevokeSiteAccess"] = st.Sites.RevokeSiteAccess(ctx, granted.ID, editor)
			}
			for method, err := range checks {
				if igny8.ErrorCode(err) != igny8.ENotFound {
					t.Errorf("%s %s: got %v, want not_found", name, method, err)
				}
			}
			list, err := st.Sites.ListSites(ctx, igny8.SiteFilter{}, igny8.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range list.Items {
				if s.ID == hidden.ID {
					t.Errorf("%s lists the hidden site", name)
				}
			}
		}
		if after := siteSnapshot(t, db, a.AccountID); after != before {
			t.Fatalf("outsiders changed account A:\nbefore %s\nafter  %s", before, after)
		}

		// What the grant does allow.
		ed := a.as(igny8.RoleEditor, editor)
		if list, _ := st.Sites.ListSites(ed, igny8.SiteFilter{}, igny8.PageRequest{}); len(list.Items) != 1 || list.Items[0].ID != granted.ID {
			t.Fatalf("editor lists %+v", list)
		}
		if _, err := st.Sites.UpdateSite(ed, granted.ID, igny8.SitePatch{Name: ptr("Renamed")}); err != nil {
			t.Fatalf("editor edit granted: %v", err)
		}
		vw := a.as(igny8.RoleViewer, viewer)
		if _, err := st.Sites.Site(vw, granted.ID); err != nil {
			t.Fatalf("viewer read granted: %v", err)
		}
		_, err = st.Sites.UpdateSite(vw, granted.ID, igny8.SitePatch{Name: ptr("No")})
		wantSiteCode(t, err, igny8.EForbidden)
		key := a.siteKey(igny8.RoleEditor, hidden.ID)
		if list, _ := st.Sites.ListSites(key, igny8.SiteFilter{}, igny8.PageRequest{}); len(list.Items) != 1 || list.Items[0].ID != hidden.ID {
			t.Fatalf("bound key lists %+v", list)
		}
		err = st.Sites.DeleteSite(key, hidden.ID)
		wantSiteCode(t, err, igny8.EForbidden)
	})
}

func second[T any](_ T, err error) error { return err }

func ptr[T any](v T) *T { return &v }

// siteSnapshot renders an account's sites, sectors and grants.
func siteSnapshot(t *testing.T, db *sqlstore.DB, accountID string) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id || '|' || name || '|' || slug || '|' || domain || '|' || CAST(is_active AS TEXT) || '|' || COALESCE(CAST(deleted_at AS TEXT), '') FROM sites WHERE account_id = ? ORDER BY id`,
		`SELECT id || '|' || site_id || '|' || name || '|' || CAST(is_active AS TEXT) || '|' || COALESCE(CAST(deleted_at AS TEXT), '') FROM sectors WHERE account_id = ? ORDER BY id`,
		`SELECT site_id || '|' || user_id FROM site_user_access WHERE account_id = ? ORDER BY site_id, user_id`,
	} {
		rows, err := db.SQL().Query(db.Rebind(q), accountID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + ";")
		}
		rows.Close()
		b.WriteString("\n")
	}
	return b.String()
}

func TestSitePatchRules(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		st := sqlstore.New(db, sqlstore.ServiceOptions{})
		a := newSiteFx(t, db, st)
		a.setPlan(t, "growth")
		industry, secs, foreign := industrySectors(t, st)
		first, second := a.site(t, "First"), a.site(t, "Second")
		_, err := st.Sites.UpdateSite(a.owner(), second.ID, igny8.SitePatch{Slug: ptr("first")})
		wantSiteCode(t, err, igny8.EConflict)
		_, err = st.Sites.UpdateSite(a.owner(), second.ID, igny8.SitePatch{Domain: ptr("gopher://x.example.com"), Name: ptr("")})
		if e, ok := err.(*igny8.Error); !ok || e.Code != igny8.EValidation || len(e.Fields) != 2 {
			t.Fatalf("two bad fields: %v", err)
		}
		// A site without industry takes sectors of any industry; then it
		// cannot move to an industry its sectors are not of.
		if _, err := st.Sites.CreateSector(a.owner(), first.ID, igny8.SectorCreate{IndustrySectorID: foreign}); err != nil {
			t.Fatal(err)
		}
		_, err = st.Sites.UpdateSite(a.owner(), first.ID, igny8.SitePatch{IndustryID: &industry})
		wantSiteCode(t, err, igny8.EConflict)
		s, err := st.Sites.UpdateSite(a.owner(), second.ID, igny8.SitePatch{IndustryID: &industry, Slug: ptr("renamed")})
		if err != nil || s.IndustryID == nil || s.Slug != "renamed" || s.Name != "Second" {
			t.Fatalf("patch: %+v %v", s, err)
		}
		_, err = st.Sites.CreateSector(a.owner(), second.ID, igny8.SectorCreate{IndustrySectorID: foreign})
		wantSiteCode(t, err, igny8.EValidation)
		if _, err := st.Sites.CreateSector(a.owner(), second.ID, igny8.SectorCreate{IndustrySectorID: secs[0]}); err != nil {
			t.Fatal(err)
		}
		if s, err = st.Sites.UpdateSite(a.owner(), second.ID, igny8.SitePatch{IndustryID: ptr("")}); err != nil || s.IndustryID != nil {
			t.Fatalf("clear industry: %+v %v", s, err)
		}
		if n := sitesCount(t, db, `SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = 'site.updated'`, a.AccountID); n != 2 {
			t.Fatalf("%d site.updated audit events, want 2", n)
		}
	})
}
