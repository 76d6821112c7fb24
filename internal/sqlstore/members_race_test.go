package sqlstore_test

import (
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestUserRestoreHoldsUnderRace restores raceN removed users at once into
// an account with two free seats: the account lock lets exactly two back.
func TestUserRestoreHoldsUnderRace(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		st := racingStore(t, db)
		a := newSiteFx(t, db, st)
		a.setPlan(t, "enterprise")
		ids := make([]string, raceN)
		for i := range ids {
			ids[i] = a.member(t, igny8.RoleViewer)
			if err := st.Members.RemoveUser(a.owner(), ids[i]); err != nil {
				t.Fatalf("remove: %v", err)
			}
		}
		a.setPlan(t, "growth") // 3 users: the owner and two seats
		codes := race(func(i int) error {
			_, err := st.Members.RestoreUser(a.owner(), ids[i])
			return err
		})
		if codes[""] != 2 || codes[igny8.EPlanLimit] != raceN-2 {
			t.Fatalf("outcomes %v, want 2 restored and %d plan_limit_reached", codes, raceN-2)
		}
		if n := sitesCount(t, db, `SELECT COUNT(*) FROM users WHERE account_id = ? AND deleted_at IS NULL`, a.AccountID); n != 3 {
			t.Fatalf("%d live users, want 3", n)
		}
	})
}
