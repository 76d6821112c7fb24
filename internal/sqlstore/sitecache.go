package sqlstore

import (
	"context"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/igny8/igny8"
)

// Bounds of the site cache: an account with more live sites than
// siteCacheMaxSites goes to the database every time; the whole cache holds
// at most siteCacheMaxAccounts accounts and siteCacheMaxTotal sites
// (a few MB), and a full cache starts over.
const (
	siteCacheMaxSites    = 500
	siteCacheMaxAccounts = 10_000
	siteCacheMaxTotal    = 20_000
)

// siteCache keeps, per account, every live site ordered by id, read with
// one query, so that the hot site lists (ListSites of owners, admins and
// site-bound keys) are served from memory while nothing changed.
//
// Coherence rests on the DB's generation (db.gen): an entry is used only
// while the generation is the one read before its query began, and while
// it is younger than ttl (counted from that moment). The generation moves
// after every commit on this DB, so a list that starts after a write
// returned never reuses what was read before; on PostgreSQL it also moves
// on each notification of the sites trigger, and the cache is bypassed
// while the listener is not listening (sitewatch.go).
//
// Entries are never changed once stored; lists are built from copies.
type siteCache struct {
	ttl time.Duration
	// maxAccounts and maxTotal bound the entries and the sites they hold.
	maxAccounts, maxTotal int

	mu      sync.RWMutex
	entries map[string]*siteEntry // by account id
	total   int                   // sites held by entries

	hits, misses, bypasses atomic.Uint64
}

// siteEntry is one account's live sites as read by one query. big marks
// an account the cache does not hold (too many sites, or ids the cache
// cannot order like the database): its lists go to the database.
type siteEntry struct {
	gen   uint64
	until time.Time
	sites []igny8.Site
	big   bool
}

// SitesCacheStats counts the site lists the cache served from memory
// (hits), read into memory first (misses), and sent to the database
// although they could have been cached (bypasses: the listener was not
// listening, or the account is not cached). Lists the cache never serves
// (text search, deleted sites, editors and viewers) are not counted.
type SitesCacheStats struct {
	Hits, Misses, Bypasses uint64
}

// CacheSites turns on the site cache of s, with entries reused for at most
// ttl (0 turns it off). On PostgreSQL it starts the DB's listener, which
// logs to log and stops with db.Close. Call it before serving.
func (s *Store) CacheSites(ttl time.Duration, log *slog.Logger) {
	if ttl <= 0 {
		s.sites = nil
		return
	}
	s.sites = &siteCache{ttl: ttl, maxAccounts: siteCacheMaxAccounts, maxTotal: siteCacheMaxTotal,
		entries: map[string]*siteEntry{}}
	s.db.watchSites(log)
}

// SitesCacheStats reports the counters of the site cache (zero when off).
func (s *Store) SitesCacheStats() SitesCacheStats {
	if s.sites == nil {
		return SitesCacheStats{}
	}
	return SitesCacheStats{Hits: s.sites.hits.Load(), Misses: s.sites.misses.Load(), Bypasses: s.sites.bypasses.Load()}
}

// cachedSites returns the live sites of p's account that p may see, in id
// order, from the cache or, when load is set, from one query that refills
// it; ok is false when the cache cannot answer (off, p's scope is not
// cached, the listener is down, the account too big, or not cached and
// load unset), and the caller reads the database.
// The slice is shared: the caller copies what it returns.
func (s *Store) cachedSites(ctx context.Context, p *igny8.Principal, load bool) (sites []igny8.Site, ok bool, err error) {
	c := s.sites
	scope := igny8.SiteScope(p)
	if c == nil || (scope != igny8.SitesAll && scope != igny8.SitesBound) {
		return nil, false, nil
	}
	if !s.db.sitesFresh() {
		c.bypasses.Add(1)
		return nil, false, nil
	}
	start := time.Now()
	gen := s.db.gen.Load()
	e := c.get(p.AccountID, gen, start)
	switch {
	case e != nil && e.big:
		c.bypasses.Add(1)
		return nil, false, nil
	case e != nil:
		c.hits.Add(1)
	case !load:
		return nil, false, nil
	default:
		if e, err = s.loadSites(ctx, p.AccountID, gen, start.Add(c.ttl)); err != nil {
			return nil, false, err
		}
		c.misses.Add(1)
		c.put(p.AccountID, e, &s.db.gen)
		if e.big {
			c.bypasses.Add(1)
			return nil, false, nil
		}
	}
	if scope == igny8.SitesBound {
		i, found := findSite(e.sites, p.SiteID)
		if !found {
			return nil, true, nil
		}
		return e.sites[i : i+1], true, nil
	}
	return e.sites, true, nil
}

// get returns the entry of account when it is still valid at gen and now.
// An entry marked big only sends lists to the database, which is right
// whatever changed since, so it stays valid for its whole TTL: a big
// account is not read in full again after every write.
func (c *siteCache) get(account string, gen uint64, now time.Time) *siteEntry {
	c.mu.RLock()
	e := c.entries[account]
	c.mu.RUnlock()
	if e == nil || (e.gen != gen && !e.big) || !now.Before(e.until) {
		return nil
	}
	return e
}

// put stores e, read by a query that began at generation e.gen, unless the
// generation moved since or e already expired.
//
// Two reads of one account at one generation that differ mean a change
// this instance has not been told of yet (a notification on its way), and
// which of them is newer is unknown: the generation moves and neither is
// kept. So every entry stored at one generation holds the same state as
// the first, and a list served from memory never shows an older state of
// the account than one served from memory before it began. For that, an
// entry stays until the generation moves, even expired, as the state to
// compare with.
func (c *siteCache) put(account string, e *siteEntry, gen *atomic.Uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// A big entry only sends lists to the database, which is right
	// whatever changed, so it is kept even if the generation moved.
	if gen.Load() != e.gen && !e.big {
		return
	}
	old := c.entries[account]
	if old != nil && old.gen == e.gen {
		if old.big != e.big || !reflect.DeepEqual(old.sites, e.sites) {
			gen.Add(1)
			c.drop(account, old)
			return
		}
		if !e.until.After(old.until) {
			return
		}
	}
	if !time.Now().Before(e.until) || len(e.sites) > c.maxTotal {
		return
	}
	if old != nil {
		c.drop(account, old)
	}
	if c.full(len(e.sites)) && !c.evict(gen, len(e.sites)) {
		return
	}
	c.entries[account] = e
	c.total += len(e.sites)
}

// full reports whether an entry of n sites does not fit.
func (c *siteCache) full(n int) bool {
	return len(c.entries) >= c.maxAccounts || c.total+n > c.maxTotal
}

// evict makes room for an entry of n sites by dropping the entries of
// earlier generations. When that is not enough it drops every entry and
// moves the generation (see put: the entries of the current generation
// are what later reads are compared with), and reports false: the entry
// at hand is then stale too.
func (c *siteCache) evict(gen *atomic.Uint64, n int) bool {
	g := gen.Load()
	for account, e := range c.entries {
		if e.gen != g {
			c.drop(account, e)
		}
	}
	if !c.full(n) {
		return true
	}
	gen.Add(1)
	clear(c.entries)
	c.total = 0
	return false
}

func (c *siteCache) drop(account string, e *siteEntry) {
	delete(c.entries, account)
	c.total -= len(e.sites)
}

// loadSites reads the live sites of account in id order, with gen the
// generation read before the query and until the end of the entry's life.
// An account with more than siteCacheMaxSites live sites, or with an id
// that is not a canonical UUID (the cache compares ids as bytes and must
// order them as the database does), gives an entry marked big.
func (s *Store) loadSites(ctx context.Context, account string, gen uint64, until time.Time) (*siteEntry, error) {
	sites, err := queryAll(ctx, s.db.reader(), scanSite, `SELECT `+siteColumns+` FROM sites s
		WHERE s.account_id = ? AND s.deleted_at IS NULL ORDER BY s.id LIMIT ?`, account, siteCacheMaxSites+1)
	if err != nil {
		return nil, err
	}
	e := &siteEntry{gen: gen, until: until, sites: slices.Clip(sites)}
	if len(sites) > siteCacheMaxSites {
		e.sites, e.big = nil, true
		return e, nil
	}
	for i := range sites {
		if !canonicalID(sites[i].ID) || (i > 0 && sites[i-1].ID >= sites[i].ID) {
			e.sites, e.big = nil, true
			return e, nil
		}
	}
	return e, nil
}

// findSite finds id in sites (ordered by id).
func findSite(sites []igny8.Site, id string) (int, bool) {
	return slices.BinarySearchFunc(sites, id, func(s igny8.Site, id string) int { return strings.Compare(s.ID, id) })
}

// canonicalID reports whether id is a UUID in canonical lower-case form,
// the form of every id the store makes (newID). Between such strings byte
// order is the order of every collation, so the cache may compare them in
// Go; anything else (a crafted cursor, a hand-inserted row) goes to SQL.
func canonicalID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// cachedSitesPage is the page ListSites' SQL would answer for f, after and
// limit, cut from sites (p's visible live sites in id order): the same
// filters, the same order, limit+1 items cut by sitesPage. Items are
// copies, so that callers cannot change the cache.
func cachedSitesPage(sites []igny8.Site, f igny8.SiteFilter, after string, limit int) *igny8.Page[igny8.Site] {
	i, _ := findSite(sites, after)
	if i < len(sites) && sites[i].ID == after {
		i++
	}
	items := make([]igny8.Site, 0, min(limit+1, len(sites)-i))
	for _, site := range sites[i:] {
		if (f.IsActive != nil && site.IsActive != *f.IsActive) ||
			(f.IndustryID != "" && (site.IndustryID == nil || *site.IndustryID != f.IndustryID)) ||
			(f.LegacyID != nil && (site.LegacyID == nil || *site.LegacyID != *f.LegacyID)) {
			continue
		}
		items = append(items, copySite(&site))
		if len(items) > limit {
			break
		}
	}
	return sitesPage(items, limit, func(x *igny8.Site) string { return x.ID })
}

// copySite returns a copy of s that shares no pointer with it.
func copySite(s *igny8.Site) igny8.Site {
	c := *s
	if s.IndustryID != nil {
		id := *s.IndustryID
		c.IndustryID = &id
	}
	if s.LegacyID != nil {
		id := *s.LegacyID
		c.LegacyID = &id
	}
	if s.DeletedAt != nil {
		t := *s.DeletedAt
		c.DeletedAt = &t
	}
	if s.PurgeAfter != nil {
		t := *s.PurgeAfter
		c.PurgeAfter = &t
	}
	return c
}
