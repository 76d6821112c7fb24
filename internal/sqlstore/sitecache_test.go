package sqlstore_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// cachedStore returns a store on db with the site cache on, once it may
// be used (on PostgreSQL: once the listener listens).
func cachedStore(t *testing.T, db *sqlstore.DB, ttl time.Duration) *sqlstore.Store {
	t.Helper()
	st := sqlstore.NewStore(db)
	st.CacheSites(ttl, nil)
	waitFor(t, 10*time.Second, "the sites listener", db.SitesFresh)
	return st
}

// cacheStores opens a database of backend b with two stores on it: one
// without the site cache and one with it (entries kept a minute).
func cacheStores(t *testing.T, b storetest.Backend) (db *sqlstore.DB, plain, cached *sqlstore.Store) {
	t.Helper()
	db = b.Open(t)
	return db, sqlstore.NewStore(db), cachedStore(t, db, time.Minute)
}

// waitFor polls cond until it holds, failing after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
	}
}

// roomyPlan lets the account hold many sites.
func roomyPlan(t *testing.T, f siteFx) {
	t.Helper()
	sitesExec(t, f.db, `UPDATE plans SET max_sites = 1000 WHERE slug = 'enterprise'`)
	f.setPlan(t, "enterprise")
}

// siteListCase is one list request of the equivalence test.
type siteListCase struct {
	f  igny8.SiteFilter
	pr igny8.PageRequest
}

func (c siteListCase) String() string {
	active := "any"
	if c.f.IsActive != nil {
		active = fmt.Sprint(*c.f.IsActive)
	}
	return fmt.Sprintf("active=%s industry=%q limit=%d cursor=%q", active, c.f.IndustryID, c.pr.Limit, c.pr.Cursor)
}

// randomListCase draws filters, a limit and a cursor: none, one of the
// known ids (as a page's next_cursor would be), an id that is no site's,
// or one the cache leaves to SQL.
func randomListCase(r *rand.Rand, industries, ids []string) siteListCase {
	var c siteListCase
	if b := r.IntN(3); b < 2 {
		v := b == 1
		c.f.IsActive = &v
	}
	switch r.IntN(4) {
	case 0:
		c.f.IndustryID = industries[r.IntN(len(industries))]
	case 1:
		c.f.IndustryID = "no-such-industry"
	}
	c.pr.Limit = []int{0, 1, 2, 3, 5, 500}[r.IntN(6)]
	cursor := ""
	switch n := r.IntN(6); {
	case n < 2 && len(ids) > 0:
		cursor = ids[r.IntN(len(ids))]
	case n == 2:
		cursor = sqlstore.NewID()
	case n == 3:
		cursor = "00000000-0000-0000-0000-00000000000g" // not canonical
	}
	if cursor != "" {
		c.pr.Cursor = base64.RawURLEncoding.EncodeToString([]byte(cursor))
	}
	return c
}

// sameAnswer fails unless the cached and the uncached store answered alike,
// down to the JSON bytes.
func sameAnswer[T any](t *testing.T, what string, cached, plain *T, cachedErr, plainErr error) {
	t.Helper()
	if igny8.ErrorCode(cachedErr) != igny8.ErrorCode(plainErr) || (cachedErr == nil) != (plainErr == nil) {
		t.Fatalf("%s: cached error %v, uncached %v", what, cachedErr, plainErr)
	}
	if !reflect.DeepEqual(cached, plain) {
		t.Fatalf("%s:\ncached   %+v\nuncached %+v", what, cached, plain)
	}
	if a, b := mustJSON(t, cached), mustJSON(t, plain); a != b {
		t.Fatalf("%s: JSON differs:\ncached   %s\nuncached %s", what, a, b)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSiteCacheAnswersLikeSQL runs random creations, patches, deletions and
// restores on a few accounts and, after each, compares random lists and
// lookups of owners and site-bound keys through the cached store with the
// same calls on a store without the cache.
func TestSiteCacheAnswersLikeSQL(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db, plain, cached := cacheStores(t, b)
		inds, err := plain.ListIndustries(context.Background())
		if err != nil || len(inds) < 3 {
			t.Fatalf("industries: %d, %v", len(inds), err)
		}
		industries := []string{inds[0].ID, inds[1].ID, inds[2].ID}
		var accounts []siteFx
		for range 3 {
			f := newSiteFx(t, db, plain)
			roomyPlan(t, f)
			accounts = append(accounts, f)
		}
		seed := rand.Uint64()
		t.Logf("seed %d", seed)
		r := rand.New(rand.NewPCG(seed, 1))
		ids := map[string][]string{} // every site id ever made, per account
		var all []string
		for step := range 150 {
			f := accounts[r.IntN(len(accounts))]
			randomSiteChange(t, r, f, ids[f.AccountID], industries, func(id string) {
				ids[f.AccountID] = append(ids[f.AccountID], id)
				all = append(all, id)
			})
			for _, f := range accounts {
				principals := []context.Context{f.owner(), f.as(igny8.RoleAdmin, f.OwnerID)}
				if own := ids[f.AccountID]; len(own) > 0 {
					principals = append(principals, f.siteKey(igny8.RoleEditor, own[r.IntN(len(own))]))
				}
				if len(all) > 0 {
					// A key bound to another account's site sees nothing.
					principals = append(principals, f.siteKey(igny8.RoleViewer, all[r.IntN(len(all))]))
				}
				for i, ctx := range principals {
					for range 4 {
						c := randomListCase(r, industries, all)
						what := fmt.Sprintf("step %d, account %s, principal %d, %s", step, f.AccountID, i, c)
						a, aErr := cached.ListSites(ctx, c.f, c.pr)
						b, bErr := plain.ListSites(ctx, c.f, c.pr)
						sameAnswer(t, what, a, b, aErr, bErr)
						if a != nil {
							for i := range a.Items {
								scribble(&a.Items[i])
							}
						}
						if len(all) > 0 {
							id := all[r.IntN(len(all))]
							a, aErr := cached.Site(ctx, id)
							b, bErr := plain.Site(ctx, id)
							sameAnswer(t, what+", site "+id, a, b, aErr, bErr)
							scribble(a)
						}
					}
				}
			}
		}
		st := cached.SitesCacheStats()
		if st.Hits == 0 || st.Misses == 0 || st.Bypasses != 0 {
			t.Fatalf("the cache was not what answered: %+v", st)
		}
		t.Logf("cache: %+v", st)
	})
}

// randomSiteChange makes one random change to f's sites through the store;
// refusals (a taken slug, a site already deleted) are part of the game.
func randomSiteChange(t *testing.T, r *rand.Rand, f siteFx, ids, industries []string, created func(string)) {
	t.Helper()
	ctx := f.owner()
	pick := func() string { return ids[r.IntN(len(ids))] }
	var err error
	switch op := r.IntN(10); {
	case op < 3 || len(ids) == 0:
		in := igny8.SiteCreate{Name: fmt.Sprintf("Site %d", r.IntN(1000)), Domain: fmt.Sprintf("s%d.example.com", r.IntN(50))}
		if r.IntN(2) == 0 {
			in.IndustryID = &industries[r.IntN(len(industries))]
		}
		if r.IntN(3) == 0 {
			off := false
			in.IsActive = &off
		}
		var s *igny8.Site
		if s, err = f.st.CreateSite(ctx, in); err == nil {
			created(s.ID)
		}
	case op < 7:
		var in igny8.SitePatch
		switch r.IntN(4) {
		case 0:
			name := fmt.Sprintf("Renamed %d", r.IntN(1000))
			in.Name = &name
		case 1:
			v := r.IntN(2) == 0
			in.IsActive = &v
		case 2:
			ind := ""
			if r.IntN(3) > 0 {
				ind = industries[r.IntN(len(industries))]
			}
			in.IndustryID = &ind
		default:
			domain := fmt.Sprintf("https://d%d.example.org", r.IntN(50))
			in.Domain = &domain
		}
		_, err = f.st.UpdateSite(ctx, pick(), in)
	case op < 9:
		err = f.st.DeleteSite(ctx, pick())
	default:
		_, err = f.st.RestoreSite(ctx, pick())
	}
	if err != nil && igny8.ErrorCode(err) == igny8.EInternal {
		t.Fatalf("site change: %v", err)
	}
}

// scribble changes what a caller got, which must not reach the cache.
func scribble(s *igny8.Site) {
	if s == nil {
		return
	}
	s.Name, s.IsActive = "scribbled", !s.IsActive
	if s.IndustryID != nil {
		*s.IndustryID = "scribbled"
	}
}

// TestSiteCacheReadsItsWrites hammers one account's lists while a writer
// creates, renames, deactivates, deletes and restores its sites through
// the store: a list that starts after a change returned shows it. After
// each change the writer records the state it made (read without the
// cache) and publishes the change's number; a list must equal the state of
// a change published between its start and its end, or of the change in
// flight when it ended.
func TestSiteCacheReadsItsWrites(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db, plain, cached := cacheStores(t, b)
		f := newSiteFx(t, db, plain)
		roomyPlan(t, f)
		bound := f.site(t, "Bound")
		snapshot := func() []igny8.Site {
			page, err := plain.ListSites(f.owner(), igny8.SiteFilter{}, igny8.PageRequest{Limit: igny8.MaxPageSize})
			if err != nil {
				t.Error(err)
				return nil
			}
			return page.Items
		}
		const changes, readers = 100, 6
		states := make([][]igny8.Site, changes+1)
		states[0] = snapshot()
		var published atomic.Int64 // states[n] is written before n is published
		// matches reports whether a list matches change n's state.
		matches := func(n int64, items []igny8.Site, isBound bool) bool {
			want := states[n]
			if isBound {
				want = []igny8.Site{}
				for _, s := range states[n] {
					if s.ID == bound.ID {
						want = append(want, s)
					}
				}
			}
			return reflect.DeepEqual(items, want)
		}
		type late struct {
			from, to int64
			bound    bool
			items    []igny8.Site
		}
		done := make(chan struct{})
		results := make(chan []late, readers)
		var lists atomic.Int64
		for i := range readers {
			go func() {
				var pending []late // lists that match no published state: the one in flight?
				defer func() { results <- pending }()
				ctx, isBound := f.owner(), i%2 == 1
				if isBound {
					ctx = f.siteKey(igny8.RoleEditor, bound.ID)
				}
				r := rand.New(rand.NewPCG(uint64(i), 3))
				for {
					select {
					case <-done:
						return
					default:
					}
					from := published.Load()
					page, err := cached.ListSites(ctx, igny8.SiteFilter{}, igny8.PageRequest{Limit: igny8.MaxPageSize})
					to := published.Load()
					if err != nil {
						t.Error(err)
						return
					}
					lists.Add(1)
					ok := false
					for n := from; n <= to && !ok; n++ {
						ok = matches(n, page.Items, isBound)
					}
					if !ok {
						pending = append(pending, late{from, to, isBound, page.Items})
					}
					if r.IntN(8) == 0 {
						time.Sleep(time.Duration(r.IntN(100)) * time.Microsecond) // leave the writer a core
					}
				}
			}()
		}
		industryID, _, _ := industrySectors(t, plain)
		r := rand.New(rand.NewPCG(rand.Uint64(), 2))
		var ids []string
		for n := 1; n <= changes; n++ {
			randomSiteChange(t, r, f, append([]string{bound.ID}, ids...), []string{industryID}, func(id string) { ids = append(ids, id) })
			states[n] = snapshot()
			published.Store(int64(n))
		}
		close(done)
		for range readers {
			for _, l := range <-results {
				if l.to == changes || !matches(l.to+1, l.items, l.bound) {
					t.Fatalf("a list begun after change %d returned and ended before change %d returned shows none of their states: %+v",
						l.from, l.to+2, l.items)
				}
			}
		}
		t.Logf("%d lists checked; cache: %+v", lists.Load(), cached.SitesCacheStats())
	})
}

// openDSN opens and migrates dsn, as a second instance or the CLI would.
func openDSN(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.NewStore(db).SeedIfEmpty(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// siteNames lists the names of the live sites ctx sees through st.
func siteNames(t *testing.T, st *sqlstore.Store, ctx context.Context) string {
	t.Helper()
	page, err := st.ListSites(ctx, igny8.SiteFilter{}, igny8.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	names := ""
	for _, s := range page.Items {
		names += s.Name + ";"
	}
	return names
}

// seenWithin polls st's list until it reads want, fails unless that took
// less than d, and then checks for a while that it never reads anything
// else: once an instance answered the new state, it does not go back.
func seenWithin(t *testing.T, st *sqlstore.Store, ctx context.Context, want string, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for got := siteNames(t, st, ctx); got != want; got = siteNames(t, st, ctx) {
		if time.Since(start) > d {
			t.Fatalf("list reads %q, not %q, %s after the change", got, want, d)
		}
		time.Sleep(time.Millisecond)
	}
	took := time.Since(start)
	for until := time.Now().Add(200 * time.Millisecond); time.Now().Before(until); time.Sleep(time.Millisecond) {
		if got := siteNames(t, st, ctx); got != want {
			t.Fatalf("list went back to %q after it read %q", got, want)
		}
	}
	return took
}

// TestSiteCacheAcrossInstances runs two instances (two DBs, each with its
// cache and listener) on one PostgreSQL schema. With a TTL far above the
// limits checked, only the trigger's notifications can explain that one
// instance sees the other's writes, raw SQL and cascades at once; when its
// listener's connection is killed it reads the database until it listens
// again.
func TestSiteCacheAcrossInstances(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresURL(t)
	dbA, dbB := openDSN(t, dsn), openDSN(t, dsn)
	a, b := cachedStore(t, dbA, 10*time.Second), cachedStore(t, dbB, 10*time.Second)
	f := newSiteFx(t, dbA, a)
	roomyPlan(t, f)
	ctx := f.owner()
	site := f.site(t, "One")
	raw := func(q string, args ...any) {
		t.Helper()
		if _, err := dbA.SQL().Exec(dbA.Rebind(q), args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if got := siteNames(t, b, ctx); got != "One;" {
		t.Fatalf("B lists %q", got)
	}
	// B serves from memory once the notifications of the set-up are in.
	waitFor(t, time.Second, "a cache hit on B", func() bool {
		before := b.SitesCacheStats().Hits
		siteNames(t, b, ctx)
		return b.SitesCacheStats().Hits > before
	})

	name := "Two"
	if _, err := a.UpdateSite(ctx, site.ID, igny8.SitePatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	t.Logf("a rename through A was seen by B after %s", seenWithin(t, b, ctx, "Two;", time.Second))
	f.site(t, "Three")
	t.Logf("a creation through A: %s", seenWithin(t, b, ctx, "Two;Three;", time.Second))
	// Raw SQL on a connection of neither instance's store (as the CLI or an
	// operator would write) reaches both.
	raw(`UPDATE sites SET name = 'Four' WHERE id = ?`, site.ID)
	t.Logf("raw SQL: B after %s", seenWithin(t, b, ctx, "Four;Three;", time.Second))
	seenWithin(t, a, ctx, "Four;Three;", time.Second)

	// The listener's connection dies: B reads the database meanwhile, and
	// listens again (a new connection) with what it missed dropped.
	pid := dbB.SitesListenerPID()
	raw(`SELECT pg_terminate_backend(?)`, int64(pid))
	raw(`UPDATE sites SET name = 'Five' WHERE id = ?`, site.ID)
	seenWithin(t, b, ctx, "Five;Three;", time.Second)
	waitFor(t, 10*time.Second, "the listener back", func() bool {
		p := dbB.SitesListenerPID()
		return p != 0 && p != pid
	})
	if st := b.SitesCacheStats(); st.Bypasses == 0 {
		t.Fatalf("B used its cache while its listener was down: %+v", st)
	}
	raw(`UPDATE sites SET name = 'Six' WHERE id = ?`, site.ID)
	t.Logf("after the listener came back: B after %s", seenWithin(t, b, ctx, "Six;Three;", time.Second))

	// Deleting the account cascades to its sites.
	raw(`DELETE FROM accounts WHERE id = ?`, f.AccountID)
	seenWithin(t, b, ctx, "", time.Second)
	t.Logf("B's cache: %+v", b.SitesCacheStats())
}

// TestSiteCacheSQLiteOtherProcess: SQLite sends no notifications, so a
// write by another process on the same file (the CLI) shows within the
// TTL.
func TestSiteCacheSQLiteOtherProcess(t *testing.T) {
	t.Parallel()
	path := storetest.SQLiteURL(t)
	dbA, dbCLI := openDSN(t, path), openDSN(t, path)
	const ttl = 300 * time.Millisecond
	a := cachedStore(t, dbA, ttl)
	f := newSiteFx(t, dbA, a)
	ctx := f.owner()
	site := f.site(t, "One")
	siteNames(t, a, ctx)
	name := "Two"
	if _, err := sqlstore.NewStore(dbCLI).UpdateSite(ctx, site.ID, igny8.SitePatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	took := seenWithin(t, a, ctx, "Two;", ttl+time.Second)
	if took > ttl+150*time.Millisecond {
		t.Fatalf("the other process's write showed %s after it was made, TTL %s", took, ttl)
	}
	t.Logf("seen after %s (TTL %s)", took, ttl)
}

// TestSiteCacheLeavesOddAccountsToSQL: an account with more live sites
// than the cache holds, and one with a hand-made id the cache cannot order
// like the database, are listed by SQL, with the same pages either way;
// a cache too small for every account starts over and stays correct.
func TestSiteCacheLeavesOddAccountsToSQL(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db, plain, cached := cacheStores(t, b)
		big, odd, small := newSiteFx(t, db, plain), newSiteFx(t, db, plain), newSiteFx(t, db, plain)
		now := rawSites(t, db, big.AccountID, 501)
		sitesExec(t, db, `INSERT INTO sites (id, account_id, name, slug, created_at, updated_at) VALUES ('Hand-Made', ?, 'Odd', 'odd', ?, ?)`,
			odd.AccountID, now, now)
		roomyPlan(t, odd)
		odd.site(t, "Normal")
		small.site(t, "Small")
		db.Changed()
		compare := func(what string, f siteFx) {
			t.Helper()
			cursor := ""
			for page := 0; ; page++ {
				pr := igny8.PageRequest{Limit: 200, Cursor: cursor}
				a, aErr := cached.ListSites(f.owner(), igny8.SiteFilter{}, pr)
				b, bErr := plain.ListSites(f.owner(), igny8.SiteFilter{}, pr)
				sameAnswer(t, fmt.Sprint(what, " page ", page), a, b, aErr, bErr)
				if a.NextCursor == nil {
					return
				}
				cursor = *a.NextCursor
			}
		}
		compare("501 sites", big)
		compare("a hand-made id", odd)
		if st := cached.SitesCacheStats(); st.Bypasses < 4 {
			t.Fatalf("odd accounts were not left to SQL: %+v", st)
		}
		cached.SetSitesCacheBounds(2, 1000)
		for range 3 {
			compare("small, in a full cache", small)
			compare("odd, in a full cache", odd)
			compare("big, in a full cache", big)
		}
		cached.SetSitesCacheBounds(10, 1)
		for range 3 {
			compare("small, in a cache of one site", small)
			compare("odd, in a cache of one site", odd)
		}
	})
}

// TestSiteCacheSiteByIDFallsBackToTheRow: GET /sites/{id} is served from
// memory only for a site the cached list holds. A site the instance was
// not told of yet (written elsewhere) is still found, by its row, and a
// cold cache is not filled by a single-site read.
func TestSiteCacheSiteByIDFallsBackToTheRow(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db, plain, cached := cacheStores(t, b)
		f := newSiteFx(t, db, plain)
		roomyPlan(t, f)
		first := f.site(t, "First")
		if _, err := cached.Site(f.owner(), first.ID); err != nil {
			t.Fatal(err)
		}
		if st := cached.SitesCacheStats(); st.Misses != 0 || st.Hits != 0 {
			t.Fatalf("a single-site read on a cold cache filled it: %+v", st)
		}
		if _, err := cached.ListSites(f.owner(), igny8.SiteFilter{}, igny8.PageRequest{}); err != nil {
			t.Fatal(err)
		}
		// Written behind the instance's back, as another process would.
		id, now := sqlstore.NewID(), time.Now().UTC()
		sitesExec(t, db, `INSERT INTO sites (id, account_id, name, slug, created_at, updated_at) VALUES (?, ?, 'Elsewhere', 'elsewhere', ?, ?)`,
			id, f.AccountID, now, now)
		got, err := cached.Site(f.owner(), id)
		if err != nil || got.Name != "Elsewhere" {
			t.Fatalf("a site created elsewhere: %+v, %v", got, err)
		}
		if got, err := cached.Site(f.owner(), first.ID); err != nil || got.Name != "First" {
			t.Fatalf("a cached site: %+v, %v", got, err)
		}
		if _, err := cached.Site(f.owner(), sqlstore.NewID()); igny8.ErrorCode(err) != igny8.ENotFound {
			t.Fatalf("an unknown id: %v", err)
		}
	})
}

// TestSiteCacheRemembersBigAccounts: an account too big to cache is not
// read in full again after every write on the instance.
func TestSiteCacheRemembersBigAccounts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db, plain, cached := cacheStores(t, b)
		big := newSiteFx(t, db, plain)
		rawSites(t, db, big.AccountID, 501)
		db.Changed()
		list := func() {
			t.Helper()
			page, err := cached.ListSites(big.owner(), igny8.SiteFilter{}, igny8.PageRequest{Limit: 5})
			if err != nil || len(page.Items) != 5 {
				t.Fatalf("list: %v", err)
			}
		}
		list()
		before := cached.SitesCacheStats()
		db.Changed() // any write on the instance
		list()
		after := cached.SitesCacheStats()
		if after.Misses != before.Misses || after.Bypasses != before.Bypasses+1 || after.Hits != before.Hits {
			t.Fatalf("a big account was read again after a write: %+v then %+v", before, after)
		}
	})
}

// rawSites inserts n sites of account with raw SQL in one transaction (past
// the plan limit, without telling the caches) and returns their timestamp.
func rawSites(t *testing.T, db *sqlstore.DB, account string, n int) time.Time {
	t.Helper()
	tx, err := db.SQL().Begin()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i := range n {
		if _, err := tx.Exec(db.Rebind(`INSERT INTO sites (id, account_id, name, slug, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`),
			sqlstore.NewID(), account, fmt.Sprint("Site ", i), fmt.Sprint("site-", i), now, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return now
}
