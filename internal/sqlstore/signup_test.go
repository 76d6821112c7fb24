package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

func count(t *testing.T, db *sqlstore.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.ReadSQL().QueryRowContext(context.Background(), db.Rebind(q), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestSignUpIsAtomic injects a failure after the account row is written:
// nothing of the sign-up may be left behind.
func TestSignUpIsAtomic(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		boom := errors.New("injected failure")
		sqlstore.SetAfterAccountInsert(s, func() error { return boom })
		in := igny8.SignUp{Name: "Atomic", Email: "atomic@example.com", Password: "x"}
		if _, _, err := s.Identity.Register(context.Background(), in, "hash", 14, newEmailToken()); !errors.Is(err, boom) {
			t.Fatalf("Register = %v, want the injected failure", err)
		}
		for _, table := range []string{"accounts", "users", "credit_transactions", "audit_events"} {
			if n := count(t, db, `SELECT COUNT(*) FROM `+table); n != 0 {
				t.Errorf("%s has %d rows after a failed sign-up", table, n)
			}
		}
		sqlstore.SetAfterAccountInsert(s, nil)
		user, acct, err := s.Identity.Register(context.Background(), in, "hash", 14, newEmailToken())
		if err != nil {
			t.Fatal(err)
		}
		if acct.Credits != 2000 || acct.Status != igny8.StatusTrial || user.Role != igny8.RoleOwner || acct.OwnerID != user.ID {
			t.Fatalf("sign-up after the failure: %+v %+v", acct, user)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM credit_transactions WHERE account_id = ? AND type = 'trial_grant' AND amount = 2000`, acct.ID); n != 1 {
			t.Fatalf("trial_grant transactions = %d", n)
		}
	})
}

// TestConcurrentSignUpsOneEmail: many sign-ups with one email (in any
// letter case) at once; exactly one wins, the others get conflict.
func TestConcurrentSignUpsOneEmail(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		const n = 10
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				email := "Race@Example.com"
				if i%2 == 1 {
					email = "race@example.COM"
				}
				_, _, errs[i] = s.Identity.Register(context.Background(), igny8.SignUp{Name: fmt.Sprint("Racer ", i), Email: email}, "hash", 14, newEmailToken())
			}(i)
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch igny8.ErrorCode(err) {
			case "":
				wins++
			case igny8.EConflict:
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d sign-ups won, want exactly 1", wins)
		}
		if a, u := count(t, db, `SELECT COUNT(*) FROM accounts`), count(t, db, `SELECT COUNT(*) FROM users`); a != 1 || u != 1 {
			t.Fatalf("%d accounts and %d users left, want 1 and 1", a, u)
		}
	})
}
