package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// raceN is how many creations race against a limit.
const raceN = 12

// racingStore returns a store that pauses after each limit check, so that
// without the row lock every racer would pass the check before any insert.
// It opens the pool's connections first: racers that each had to dial
// would otherwise arrive one after another.
func racingStore(t *testing.T, db *sqlstore.DB) *sqlstore.Services {
	t.Helper()
	n := min(raceN, db.SQL().Stats().MaxOpenConnections)
	conns := make([]*sql.Conn, n)
	for i := range conns {
		c, err := db.SQL().Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	for _, c := range conns {
		c.Close()
	}
	st := sqlstore.New(db, sqlstore.ServiceOptions{})
	sqlstore.SetAfterLimitCheck(st, func() { time.Sleep(30 * time.Millisecond) })
	return st
}

// race runs f raceN times at once and counts the outcomes by error code.
func race(f func(i int) error) map[string]int {
	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < raceN; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			err := f(i)
			mu.Lock()
			codes[igny8.ErrorCode(err)]++
			mu.Unlock()
		}(i)
	}
	close(start)
	wg.Wait()
	return codes
}

func TestSiteLimitHoldsUnderRace(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		st := racingStore(t, db)
		a := newSiteFx(t, db, st)
		a.setPlan(t, "growth") // 3 sites
		codes := race(func(i int) error {
			_, err := st.Sites.CreateSite(a.owner(), igny8.SiteCreate{Name: fmt.Sprintf("Racer %d", i)})
			return err
		})
		if codes[""] != 3 || codes[igny8.EPlanLimit] != raceN-3 {
			t.Fatalf("outcomes %v, want 3 created and %d plan_limit_reached", codes, raceN-3)
		}
		if n := sitesCount(t, db, `SELECT COUNT(*) FROM sites WHERE account_id = ? AND deleted_at IS NULL`, a.AccountID); n != 3 {
			t.Fatalf("%d live sites, want 3", n)
		}
	})
}

func TestSectorLimitHoldsUnderRace(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		st := racingStore(t, db)
		a := newSiteFx(t, db, st)
		a.setPlan(t, "growth") // 5 sectors per site
		site := a.site(t, "Sectors")
		_, secs, _ := industrySectors(t, st)
		codes := race(func(i int) error {
			_, err := st.Sites.CreateSector(a.owner(), site.ID, igny8.SectorCreate{IndustrySectorID: secs[i%len(secs)],
				Name: fmt.Sprintf("Sector %d", i)})
			return err
		})
		if codes[""] != 5 || codes[igny8.EPlanLimit] != raceN-5 {
			t.Fatalf("outcomes %v, want 5 created and %d plan_limit_reached", codes, raceN-5)
		}
		if n := sitesCount(t, db, `SELECT COUNT(*) FROM sectors WHERE site_id = ? AND deleted_at IS NULL`, site.ID); n != 5 {
			t.Fatalf("%d live sectors, want 5", n)
		}
	})
}

// TestRestoreRacesCreate checks that a restore and creations racing for the
// last site slot leave the account at its limit.
func TestRestoreRacesCreate(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		st := racingStore(t, db)
		a := newSiteFx(t, db, st)
		a.setPlan(t, "growth")
		a.site(t, "One")
		gone := a.site(t, "Two")
		if err := st.Sites.DeleteSite(a.owner(), gone.ID); err != nil {
			t.Fatal(err)
		}
		a.site(t, "Three")
		codes := race(func(i int) error {
			if i == 0 {
				_, err := st.Sites.RestoreSite(a.owner(), gone.ID)
				return err
			}
			_, err := st.Sites.CreateSite(a.owner(), igny8.SiteCreate{Name: fmt.Sprintf("Racer %d", i)})
			return err
		})
		if codes[""] != 1 {
			t.Fatalf("outcomes %v, want exactly one success", codes)
		}
		if n := sitesCount(t, db, `SELECT COUNT(*) FROM sites WHERE account_id = ? AND deleted_at IS NULL`, a.AccountID); n != 3 {
			t.Fatalf("%d live sites, want 3", n)
		}
	})
}
