package sqlstore

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8"
)

func testEntry(gen uint64, until time.Time, names ...string) *siteEntry {
	e := &siteEntry{gen: gen, until: until}
	for _, n := range names {
		e.sites = append(e.sites, igny8.Site{ID: newID(), Name: n})
	}
	return e
}

// TestSiteCachePutKeepsOneStatePerGeneration: two reads of one account at
// one generation that differ (a change not yet notified) drop the entry
// and move the generation, even when the entry stored first has expired,
// so that the older of the two is never answered after the newer.
func TestSiteCachePutKeepsOneStatePerGeneration(t *testing.T) {
	c := &siteCache{ttl: time.Minute, maxAccounts: 10, maxTotal: 100, entries: map[string]*siteEntry{}}
	var gen atomic.Uint64
	now := time.Now()
	later := now.Add(time.Minute)

	newer := testEntry(0, later, "new")
	c.put("a", newer, &gen)
	if c.get("a", 0, now) != newer {
		t.Fatal("entry not stored")
	}
	older := &siteEntry{gen: 0, until: later.Add(time.Second), sites: []igny8.Site{{ID: newer.sites[0].ID, Name: "old"}}}
	c.put("a", older, &gen)
	if gen.Load() != 1 || c.entries["a"] != nil {
		t.Fatalf("a differing read at the same generation: gen %d, entry %v", gen.Load(), c.entries["a"])
	}

	// The same with an expired first entry.
	expired := &siteEntry{gen: 1, until: now.Add(-time.Millisecond), sites: newer.sites}
	c.entries["a"] = expired
	c.total = 1
	c.put("a", &siteEntry{gen: 1, until: later, sites: older.sites}, &gen)
	if gen.Load() != 2 || c.entries["a"] != nil || c.total != 0 {
		t.Fatalf("a differing read after an expired one: gen %d, entry %v, total %d", gen.Load(), c.entries["a"], c.total)
	}

	// The same state read again refreshes the entry; a later generation
	// replaces it; a read from before the generation moved is not stored.
	first := &siteEntry{gen: 2, until: now.Add(time.Second), sites: newer.sites}
	c.put("a", first, &gen)
	again := &siteEntry{gen: 2, until: later, sites: append([]igny8.Site(nil), newer.sites...)}
	c.put("a", again, &gen)
	if c.entries["a"] != again || gen.Load() != 2 {
		t.Fatal("the same state read again did not refresh the entry")
	}
	gen.Add(1)
	c.put("a", &siteEntry{gen: 2, until: later, sites: older.sites}, &gen)
	if c.entries["a"] != again || c.get("a", 3, now) != nil {
		t.Fatal("a read from an earlier generation was stored or the entry still served")
	}
	next := &siteEntry{gen: 3, until: later, sites: older.sites}
	c.put("a", next, &gen)
	if c.get("a", 3, now) != next || c.total != 1 {
		t.Fatalf("a later generation did not replace the entry (total %d)", c.total)
	}
}

// TestSiteCacheEviction: a full cache drops the entries of earlier
// generations first; when those are not enough it drops everything and
// moves the generation. An entry larger than the cache is not stored.
func TestSiteCacheEviction(t *testing.T) {
	c := &siteCache{ttl: time.Minute, maxAccounts: 2, maxTotal: 3, entries: map[string]*siteEntry{}}
	var gen atomic.Uint64
	later := time.Now().Add(time.Minute)
	c.put("a", testEntry(0, later, "a1"), &gen)
	gen.Add(1)
	c.put("b", testEntry(1, later, "b1", "b2"), &gen)
	c.put("c", testEntry(1, later, "c1"), &gen)
	if c.entries["a"] != nil || c.entries["b"] == nil || c.entries["c"] == nil || c.total != 3 || gen.Load() != 1 {
		t.Fatalf("entries %v, total %d, gen %d", c.entries, c.total, gen.Load())
	}
	c.put("d", testEntry(1, later, "d1"), &gen)
	if len(c.entries) != 0 || c.total != 0 || gen.Load() != 2 {
		t.Fatalf("a full cache of current entries: entries %v, total %d, gen %d", c.entries, c.total, gen.Load())
	}
	c.put("d", testEntry(2, later, "d1", "d2", "d3", "d4"), &gen)
	if len(c.entries) != 0 || gen.Load() != 2 {
		t.Fatalf("an entry larger than the cache: entries %v, gen %d", c.entries, gen.Load())
	}
}
