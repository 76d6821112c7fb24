package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestLoginFailureEpisodes: ten failures within the window start an
// episode (a wait after each further failure, the person told once);
// failures spread wider than the window do not; a quiet window ends the
// episode; the purge keeps what is recent.
func TestLoginFailureEpisodes(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		ctx := context.Background()
		user, _, err := s.Identity.Register(ctx, igny8.SignUp{Name: "Guarded", Email: "guarded@example.com"}, "hash", 14, newEmailToken())
		if err != nil {
			t.Fatal(err)
		}
		l := sqlstore.NewLoginGuard(db)
		policy := igny8.LoginPolicy{Threshold: 10, Window: 15 * time.Minute,
			Delay: func(n int) time.Duration { return time.Duration(n-9) * time.Second }}
		fail := func(email string, n int) {
			t.Helper()
			for range n {
				if err := l.RecordLoginFailure(ctx, email, user.ID, policy); err != nil {
					t.Fatal(err)
				}
			}
		}
		wait := func(email string) time.Duration {
			t.Helper()
			d, err := l.LoginWait(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		// Nine failures a minute apart, then one more after the window:
		// never ten within fifteen minutes.
		for range 9 {
			fail("Guarded@Example.com", 1)
			now = now.Add(time.Minute)
		}
		now = now.Add(10 * time.Minute)
		fail("guarded@example.com", 1)
		if d := wait("guarded@example.com"); d != 0 {
			t.Fatalf("wait after failures spread wide: %s", d)
		}
		fail("guarded@example.com", 9) // ten within the window now
		if d := wait(" GUARDED@example.com "); d != time.Second {
			t.Fatalf("wait after the tenth failure: %s", d)
		}
		fail("guarded@example.com", 2)
		if d := wait("guarded@example.com"); d != 3*time.Second {
			t.Fatalf("wait after the twelfth failure: %s", d)
		}
		now = now.Add(2 * time.Second)
		if d := wait("guarded@example.com"); d != time.Second {
			t.Fatalf("wait two seconds on: %s", d)
		}
		// Without SetMail no message is made; the episode is marked told.
		var told int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM login_failures WHERE notified_at IS NOT NULL`).Scan(&told); err != nil || told != 1 {
			t.Fatalf("episode told: %d %v", told, err)
		}
		// Fifteen quiet minutes end it.
		now = now.Add(16 * time.Minute)
		fail("guarded@example.com", 1)
		if d := wait("guarded@example.com"); d != 0 {
			t.Fatalf("wait after a quiet window: %s", d)
		}
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM login_failures WHERE notified_at IS NOT NULL`).Scan(&told); err != nil || told != 0 {
			t.Fatalf("a new episode starts untold: %d %v", told, err)
		}
		// An unknown e-mail is counted under its hash only.
		fail("nobody@example.com", 1)
		var stored int
		if err := db.SQL().QueryRow(db.Rebind(`SELECT COUNT(*) FROM login_failures WHERE email_hash LIKE ?`), "%nobody%").Scan(&stored); err != nil || stored != 0 {
			t.Fatalf("an address is stored: %d %v", stored, err)
		}
		// Devices: remembered, known until they age out, purged after.
		if err := l.RememberDevices(ctx, user.ID, []string{"dev-a", "dev-a"}); err != nil {
			t.Fatal(err)
		}
		if err := l.RememberDevices(ctx, user.ID, []string{"dev-a"}); err != nil {
			t.Fatal(err)
		}
		if ok, err := l.KnownDevice(ctx, user.ID, []string{"dev-b", "dev-a"}, now.Add(-time.Hour)); err != nil || !ok {
			t.Fatalf("known device: %v %v", ok, err)
		}
		if ok, _ := l.KnownDevice(ctx, user.ID, []string{"dev-a"}, now.Add(time.Hour)); ok {
			t.Fatal("a device known before since")
		}
		n, err := l.PurgeLoginRecords(ctx, now.Add(-time.Hour), now.Add(time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("purged %d %v (the device; the recent failures stay)", n, err)
		}
	})
}
