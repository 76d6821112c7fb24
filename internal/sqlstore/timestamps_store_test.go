package sqlstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// The reads that decode timestamps themselves must get SQLite's text (no
// declared type, so the driver leaves it alone) and PostgreSQL's TIMESTAMP.
func TestTimestampSelectsSkipDriverParsing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		for name, q := range sqlstore.TimestampSelects {
			rows, err := db.ReadSQL().QueryContext(context.Background(), q+` LIMIT 0`)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			cols, err := rows.ColumnTypes()
			rows.Close()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			n := 0
			for _, c := range cols {
				typ := c.DatabaseTypeName()
				if strings.EqualFold(c.Name(), "coalesce") || strings.HasPrefix(c.Name(), "COALESCE(") {
					n++
					if want := map[string]string{"sqlite": "", "postgres": "TIMESTAMP"}[b.Name]; typ != want {
						t.Errorf("%s: %s is %q, want %q", name, c.Name(), typ, want)
					}
				} else if typ == "DATE" || typ == "DATETIME" || typ == "TIMESTAMP" {
					t.Errorf("%s: %s is a bare %s", name, c.Name(), typ)
				}
			}
			if n == 0 {
				t.Errorf("%s: no timestamp selected through COALESCE", name)
			}
		}
	})
}

func TestSiteTimestampsRoundTrip(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		st := sqlstore.New(db, sqlstore.ServiceOptions{})
		a := newSiteFx(t, db, st)
		now := time.Date(2031, 7, 4, 5, 6, 7, 891234000, time.UTC)
		db.Now = func() time.Time { return now }

		s, err := st.Sites.CreateSite(a.owner(), igny8.SiteCreate{Name: "Clock"})
		if err != nil {
			t.Fatal(err)
		}
		if s.CreatedAt != now || s.UpdatedAt != now || s.DeletedAt != nil || s.PurgeAfter != nil {
			t.Fatalf("created %+v, want times %v in UTC", s, now)
		}
		// Nanoseconds on SQLite; PostgreSQL's TIMESTAMP keeps microseconds.
		created := time.Date(2031, 7, 4, 5, 6, 7, 123456789, time.UTC)
		updated := time.Date(2032, 1, 2, 3, 4, 5, 987654321, time.UTC)
		if b.Name == "postgres" {
			created, updated = created.Truncate(time.Microsecond), updated.Truncate(time.Microsecond)
		}
		sitesExec(t, db, `UPDATE sites SET created_at = ?, updated_at = ? WHERE id = ?`, created, updated, s.ID)
		got, err := st.Sites.Site(a.owner(), s.ID)
		if err != nil || got.CreatedAt != created || got.UpdatedAt != updated {
			t.Fatalf("read %+v %v, want created %v updated %v in UTC", got, err, created, updated)
		}
		page, err := st.Sites.ListSites(a.owner(), igny8.SiteFilter{}, igny8.PageRequest{})
		if err != nil || len(page.Items) != 1 || page.Items[0] != *got {
			t.Fatalf("listed %+v %v, want %+v", page, err, got)
		}
		j, _ := json.Marshal(got)
		if want := `"created_at":"` + created.Format(time.RFC3339Nano) + `"`; !strings.Contains(string(j), want) ||
			!strings.HasSuffix(want, `Z"`) {
			t.Fatalf("JSON %s, want %s", j, want)
		}

		now = now.Add(time.Hour)
		if err := st.Sites.DeleteSite(a.owner(), s.ID); err != nil {
			t.Fatal(err)
		}
		page, err = st.Sites.ListSites(a.owner(), igny8.SiteFilter{Deleted: true}, igny8.PageRequest{})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("deleted sites %+v %v", page, err)
		}
		del := page.Items[0]
		if del.DeletedAt == nil || *del.DeletedAt != now || del.PurgeAfter == nil ||
			*del.PurgeAfter != now.Add(sqlstore.DefaultRetention) || del.UpdatedAt != now || del.CreatedAt != created {
			t.Fatalf("deleted site %+v (deleted %v, purge %v), want deleted at %v", del, del.DeletedAt, del.PurgeAfter, now)
		}
		back, err := st.Sites.RestoreSite(a.owner(), s.ID)
		if err != nil || back.DeletedAt != nil || back.PurgeAfter != nil || back.CreatedAt != created {
			t.Fatalf("restored %+v %v", back, err)
		}
	})
}

// The other list reads that decode their own timestamps: sectors, members,
// site access grants and credit transactions.
func TestListTimestampsRoundTrip(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		st := sqlstore.New(db, sqlstore.ServiceOptions{})
		now := time.Date(2031, 7, 4, 5, 6, 7, 891234000, time.UTC)
		db.Now = func() time.Time { return now }
		a := newSiteFx(t, db, st)
		a.setPlan(t, "enterprise")
		industry, secs, _ := industrySectors(t, st)
		site, err := st.Sites.CreateSite(a.owner(), igny8.SiteCreate{Name: "Clock", IndustryID: &industry})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Sites.CreateSector(a.owner(), site.ID, igny8.SectorCreate{IndustrySectorID: secs[0]}); err != nil {
			t.Fatal(err)
		}
		editor := a.member(t, igny8.RoleEditor)
		if _, err := st.Sites.GrantSiteAccess(a.owner(), site.ID, igny8.SiteAccessGrant{UserID: editor}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := sqlstore.ApplyCredit(context.Background(), db, a.AccountID,
			sqlstore.CreditChange{Type: igny8.TxAdjustment, Amount: 5, Actor: "system"}); err != nil {
			t.Fatal(err)
		}
		login := time.Date(2032, 1, 2, 3, 4, 5, 987654321, time.UTC)
		if b.Name == "postgres" {
			login = login.Truncate(time.Microsecond)
		}
		sitesExec(t, db, `UPDATE users SET last_login_at = ? WHERE id = ?`, login, a.OwnerID)

		sectors, err := st.Sites.ListSectors(a.owner(), site.ID, igny8.PageRequest{})
		if err != nil || len(sectors.Items) != 1 {
			t.Fatalf("sectors %+v %v", sectors, err)
		}
		if x := sectors.Items[0]; x.CreatedAt != now || x.UpdatedAt != now || x.DeletedAt != nil || x.PurgeAfter != nil {
			t.Errorf("sector %+v, want times %v in UTC", x, now)
		}
		users, err := st.Members.ListUsers(a.owner(), igny8.PageRequest{})
		if err != nil || len(users.Items) != 2 {
			t.Fatalf("users %+v %v", users, err)
		}
		if u := users.Items[0]; u.ID != a.OwnerID || u.CreatedAt != now || u.UpdatedAt != now ||
			u.LastLoginAt == nil || *u.LastLoginAt != login {
			t.Errorf("owner %+v (last login %v), want created %v, last login %v in UTC", u, u.LastLoginAt, now, login)
		}
		if u := users.Items[1]; u.LastLoginAt != nil || u.CreatedAt.Location() != time.UTC {
			t.Errorf("editor %+v (last login %v), want no login, times in UTC", u, u.LastLoginAt)
		}
		grants, err := st.Sites.ListSiteAccess(a.owner(), site.ID, igny8.PageRequest{})
		if err != nil || len(grants.Items) != 1 || grants.Items[0].GrantedAt != now {
			t.Fatalf("grants %+v %v, want granted at %v in UTC", grants, err, now)
		}
		txs, err := st.Ledger.ListCreditTransactions(a.owner(), igny8.TransactionFilter{})
		if err != nil || len(txs.Items) == 0 {
			t.Fatalf("transactions %+v %v", txs, err)
		}
		for _, tx := range txs.Items {
			if tx.CreatedAt != now {
				t.Errorf("transaction %+v, want created %v in UTC", tx, now)
			}
		}
	})
}
