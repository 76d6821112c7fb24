package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/ai"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// noticeDB opens dsn (migrated and seeded) with mail made and queued, as
// serve does.
func noticeDB(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	db := outboxDB(t, dsn)
	if err := sqlstore.NewAdmin(db).SeedIfEmpty(adminCtx()); err != nil {
		t.Fatal(err)
	}
	return db
}

// noticesOf lists the messages of kind made for the account, oldest first.
func noticesOf(t *testing.T, db *sqlstore.DB, accountID, kind string) []igny8.Message {
	t.Helper()
	var out []igny8.Message
	all := messages(t, db)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].AccountID == accountID && all[i].Kind == kind {
			out = append(out, all[i])
		}
	}
	return out
}

// wantNotices fails t unless the account has n messages of kind.
func wantNotices(t *testing.T, db *sqlstore.DB, accountID, kind string, n int) []igny8.Message {
	t.Helper()
	got := noticesOf(t, db, accountID, kind)
	if len(got) != n {
		t.Fatalf("%d %s messages, want %d", len(got), kind, n)
	}
	return got
}

// setTrialEnd moves the account's trial end.
func setTrialEnd(t *testing.T, db *sqlstore.DB, accountID string, at time.Time) {
	t.Helper()
	mustExec(t, db, `UPDATE accounts SET status = 'trial', trial_ends_at = ? WHERE id = ?`, at, accountID)
}

func setNotices(t *testing.T, db *sqlstore.DB, tn tenant, low, trial bool) {
	t.Helper()
	if _, err := sqlstore.New(db, sqlstore.ServiceOptions{}).Accounts.UpdateAccount(tn.owner(), igny8.AccountPatch{NotifyLowCredits: &low,
		NotifyTrialReminders: &trial}); err != nil {
		t.Fatal(err)
	}
}

// TestCreditsLowAndExhaustedOnce: on the trial (2,000 credits included,
// so the line is 200) the deduction that crosses below 200 writes "credits
// low" to the owner and the billing e-mail, once for the trial even when
// credits are added and the line is crossed again; the deduction refused
// for want of credits writes "credits exhausted" once, however often it is
// refused, and the refusal changes nothing else.
func TestCreditsLowAndExhaustedOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		db := noticeDB(t, be.URL(t))
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "lowco", 215)
		billing := "books@lowco.example"
		if _, err := s.Accounts.UpdateAccount(tn.owner(), igny8.AccountPatch{BillingEmail: &billing}); err != nil {
			t.Fatal(err)
		}
		ops := sqlstore.NewOperations(db, ai.Local{}, 0)
		run := func() error {
			_, err := ops.RunOperation(tn.owner(), clusterReq(tn.SiteID))
			return err
		}
		if err := run(); err != nil { // 205: above the line
			t.Fatal(err)
		}
		wantNotices(t, db, tn.AccountID, igny8.NoticeCreditsLow, 0)
		if err := run(); err != nil { // 195: crossed
			t.Fatal(err)
		}
		got := wantNotices(t, db, tn.AccountID, igny8.NoticeCreditsLow, 2)
		to := []string{got[0].To, got[1].To}
		if !(to[0] == "lowco@example.com" && to[1] == billing || to[1] == "lowco@example.com" && to[0] == billing) {
			t.Fatalf("credits low went to %v", to)
		}
		m := got[0]
		for _, want := range []string{"lowco", "195 credits", "2,000 credits", "https://app.igny8.test/credits#buy"} {
			if !strings.Contains(m.Text, want) {
				t.Fatalf("credits low text lacks %q:\n%s", want, m.Text)
			}
		}
		if !strings.Contains(m.HTML, `href="https://app.igny8.test/credits#buy"`) {
			t.Fatalf("credits low HTML lacks the link:\n%s", m.HTML)
		}
		if _, err := sqlstore.NewAdmin(db).AdjustCredits(adminCtx(), tn.AccountID,
			igny8.CreditAdjustment{Amount: 100, Description: "top-up"}); err != nil {
			t.Fatal(err)
		}
		for balance(t, db, tn) >= 10 { // 295 down to 5, crossing 200 again
			if err := run(); err != nil {
				t.Fatal(err)
			}
		}
		wantNotices(t, db, tn.AccountID, igny8.NoticeCreditsLow, 2)
		wantNotices(t, db, tn.AccountID, igny8.NoticeCreditsExhausted, 0)
		for range 3 {
			e := wantCode(t, run(), igny8.EInsufficient)
			if e.Extra["available"] != int64(5) {
				t.Fatalf("refusal: %+v", e)
			}
		}
		ex := wantNotices(t, db, tn.AccountID, igny8.NoticeCreditsExhausted, 2)
		if !strings.Contains(ex[0].Text, "needed 10 credits and the balance is 5 credits") {
			t.Fatalf("exhausted text:\n%s", ex[0].Text)
		}
		if balance(t, db, tn) != 5 {
			t.Fatalf("balance %d after refusals", balance(t, db, tn))
		}
		verifyClean(t, db)
	})
}

// TestCreditsExhaustedAtZero: the deduction that takes the balance to 0
// writes "credits exhausted" (and no "credits low" after it); an owner who
// turned low-credit warnings off still gets it, but no warning.
func TestCreditsExhaustedAtZero(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		db := noticeDB(t, be.URL(t))
		ops := sqlstore.NewOperations(db, ai.Local{}, 0)
		tn := seedTenant(t, db, "zeroco", 210)
		setNotices(t, db, tn, false, true)
		for balance(t, db, tn) > 0 {
			if _, err := ops.RunOperation(tn.owner(), clusterReq(tn.SiteID)); err != nil {
				t.Fatal(err)
			}
		}
		wantNotices(t, db, tn.AccountID, igny8.NoticeCreditsLow, 0)
		ex := wantNotices(t, db, tn.AccountID, igny8.NoticeCreditsExhausted, 1)
		if !strings.Contains(ex[0].Text, "zeroco has no credits left") {
			t.Fatalf("exhausted text:\n%s", ex[0].Text)
		}
		wantCode(t, func() error { _, err := ops.RunOperation(tn.owner(), clusterReq(tn.SiteID)); return err }(), igny8.EInsufficient)
		wantNotices(t, db, tn.AccountID, igny8.NoticeCreditsExhausted, 1)
	})
}

// TestNoNoticeWhenTheDeductionRollsBack: a deduction that crosses the line
// in a transaction that then fails leaves no message and no notice key,
// so the next crossing sends the warning.
func TestNoNoticeWhenTheDeductionRollsBack(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		db := noticeDB(t, be.URL(t))
		tn := seedTenant(t, db, "rollco", 205)
		boom := errors.New("the operation failed")
		ctx := context.Background()
		if err := sqlstore.DeductForTest(ctx, db, tn.AccountID, 200, boom); err != boom {
			t.Fatalf("got %v", err)
		}
		if err := sqlstore.DeductForTest(ctx, db, tn.AccountID, 205, boom); err != boom { // to 0, rolled back
			t.Fatalf("got %v", err)
		}
		if n := len(messages(t, db)); n != 0 {
			t.Fatalf("%d messages after rolled-back deductions", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM account_notices WHERE account_id = ?`, tn.AccountID); n != 0 {
			t.Fatalf("%d notice keys after rolled-back deductions", n)
		}
		if err := sqlstore.DeductForTest(ctx, db, tn.AccountID, 10, nil); err != nil {
			t.Fatal(err)
		}
		wantNotices(t, db, tn.AccountID, igny8.NoticeCreditsLow, 1)
	})
}

// TestTrialRemindersOnTime: with a fixed clock, "trial ends in 3 days"
// goes once when the end is 3 days away, not before; "trial ended" once
// when the job suspends the account; an owner who turned trial reminders
// off gets no reminder but is still told that the trial ended.
func TestTrialRemindersOnTime(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		db := noticeDB(t, be.URL(t))
		clock := fixClock(db)
		admin := sqlstore.NewAdmin(db)
		ends := clock.Now().Add(10 * 24 * time.Hour)
		tn := seedTenant(t, db, "trialco", 0)
		quiet := seedTenant(t, db, "quietco", 0)
		for _, x := range []tenant{tn, quiet} {
			setTrialEnd(t, db, x.AccountID, ends)
		}
		setNotices(t, db, quiet, true, false)
		remind := func() int {
			t.Helper()
			n, err := admin.RemindTrials(adminCtx())
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := remind(); n != 0 {
			t.Fatalf("%d reminders 10 days ahead", n)
		}
		clock.Add(7*24*time.Hour - time.Minute) // 3 days and a minute ahead
		if n := remind(); n != 0 {
			t.Fatalf("%d reminders before the window", n)
		}
		clock.Add(2 * time.Minute)
		if n := remind(); n != 1 {
			t.Fatalf("%d reminders in the window, want 1", n)
		}
		m := wantNotices(t, db, tn.AccountID, igny8.NoticeTrialEnding, 1)[0]
		if !strings.Contains(m.Subject, "trialco ends in 3 days") || !strings.Contains(m.Text, "https://app.igny8.test/billing") ||
			!strings.Contains(m.Text, ends.Format("2 January 2006")) || m.To != "trialco@example.com" {
			t.Fatalf("reminder: %q to %s\n%s", m.Subject, m.To, m.Text)
		}
		clock.Add(24 * time.Hour)
		if n := remind(); n != 0 {
			t.Fatalf("%d reminders the next day", n)
		}
		wantNotices(t, db, quiet.AccountID, igny8.NoticeTrialEnding, 0)

		if n, err := admin.ExpireTrials(adminCtx()); err != nil || n != 0 {
			t.Fatalf("expire before the end: %d, %v", n, err)
		}
		clock.Add(2 * 24 * time.Hour)
		if n, err := admin.ExpireTrials(adminCtx()); err != nil || n != 2 {
			t.Fatalf("expire after the end: %d, %v", n, err)
		}
		for _, x := range []tenant{tn, quiet} {
			m := wantNotices(t, db, x.AccountID, igny8.NoticeTrialEnded, 1)[0]
			if !strings.Contains(m.Subject, "has ended") || !strings.Contains(m.Text, "paused") {
				t.Fatalf("trial ended: %q\n%s", m.Subject, m.Text)
			}
		}
		if n, err := admin.ExpireTrials(adminCtx()); err != nil || n != 0 {
			t.Fatalf("expire again: %d, %v", n, err)
		}
		wantNotices(t, db, tn.AccountID, igny8.NoticeTrialEnded, 1)
	})
}

// TestTrialReminderOfAnExtendedTrial: a trial extended after its reminder
// is reminded again of its new end, once.
func TestTrialReminderOfAnExtendedTrial(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		db := noticeDB(t, be.URL(t))
		clock := fixClock(db)
		admin := sqlstore.NewAdmin(db)
		tn := seedTenant(t, db, "longco", 0)
		setTrialEnd(t, db, tn.AccountID, clock.Now().Add(2*24*time.Hour))
		if n, err := admin.RemindTrials(adminCtx()); err != nil || n != 1 {
			t.Fatalf("first reminder: %d, %v", n, err)
		}
		setTrialEnd(t, db, tn.AccountID, clock.Now().Add(9*24*time.Hour))
		clock.Add(4 * 24 * time.Hour) // the new end is 5 days away
		if n, err := admin.RemindTrials(adminCtx()); err != nil || n != 0 {
			t.Fatalf("outside the window: %d, %v", n, err)
		}
		clock.Add(3 * 24 * time.Hour) // 2 days away
		for range 2 {
			if _, err := admin.RemindTrials(adminCtx()); err != nil {
				t.Fatal(err)
			}
		}
		wantNotices(t, db, tn.AccountID, igny8.NoticeTrialEnding, 2)
	})
}

// TestPastDueNoticeOnce: the job that moves an unpaid subscription to
// past due and suspends its account tells the owner once, in one message
// saying both.
func TestPastDueNoticeOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		db := noticeDB(t, be.URL(t))
		clock := fixClock(db)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "lateco", 0)
		confirm(t, db, checkout(t, s, tn, "starter").Payment.ID)
		clock.Add(31*24*time.Hour + 8*24*time.Hour)
		for range 2 {
			runJob(t, db)
		}
		m := wantNotices(t, db, tn.AccountID, igny8.NoticePastDue, 1)[0]
		if !strings.Contains(m.Subject, "lateco is suspended") || !strings.Contains(m.Text, "Starter") {
			t.Fatalf("past due: %q\n%s", m.Subject, m.Text)
		}
		if a := account(t, db, tn); a.Status != igny8.StatusSuspended {
			t.Fatalf("account %s", a.Status)
		}
		// Paying reactivates the account: its receipt says so (the first
		// one did not).
		confirm(t, db, checkout(t, s, tn, "starter").Payment.ID)
		receipts := wantNotices(t, db, tn.AccountID, "receipt", 2)
		if strings.Contains(receipts[0].Text, "active again") || !strings.Contains(receipts[1].Text, "lateco is active again") {
			t.Fatalf("receipts:\n%s\n%s", receipts[0].Text, receipts[1].Text)
		}
	})
}

// TestNoticesOnceWithConcurrentJobs: two instances (two database handles
// on one database) run the trial reminders, the trial expiry and the
// billing job at the same time, twice over; every account is told each
// notice exactly once.
func TestNoticesOnceWithConcurrentJobs(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		dsn := be.URL(t)
		a, b := noticeDB(t, dsn), noticeDB(t, dsn)
		clock := fixClock(a)
		b.Now = clock.Now
		s := sqlstore.New(a, sqlstore.ServiceOptions{})
		const n = 12
		var trials, paid []tenant
		for i := range n {
			tn := seedTenant(t, a, "race"+string(rune('a'+i)), 0)
			setTrialEnd(t, a, tn.AccountID, clock.Now().Add(2*24*time.Hour))
			trials = append(trials, tn)
			pd := seedTenant(t, a, "paid"+string(rune('a'+i)), 0)
			confirm(t, a, checkout(t, s, pd, "starter").Payment.ID)
			paid = append(paid, pd)
		}
		both := func(f func(db *sqlstore.DB) error) {
			t.Helper()
			var wg sync.WaitGroup
			for _, db := range []*sqlstore.DB{a, b, a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := f(db); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		both(func(db *sqlstore.DB) error { _, err := sqlstore.NewAdmin(db).RemindTrials(adminCtx()); return err })
		clock.Add(40 * 24 * time.Hour)
		both(func(db *sqlstore.DB) error { _, err := sqlstore.NewAdmin(db).ExpireTrials(adminCtx()); return err })
		both(func(db *sqlstore.DB) error {
			_, err := sqlstore.NewAdmin(db).RunBillingJob(adminCtx(), 7*24*time.Hour)
			return err
		})
		for _, tn := range trials {
			wantNotices(t, a, tn.AccountID, igny8.NoticeTrialEnding, 1)
			wantNotices(t, a, tn.AccountID, igny8.NoticeTrialEnded, 1)
		}
		for _, tn := range paid {
			wantNotices(t, a, tn.AccountID, igny8.NoticePastDue, 1)
		}
	})
}

// TestNoticeSettingsAreTheOwners: only the owner may turn the optional
// notices off; an admin's change is refused and changes nothing.
func TestNoticeSettingsAreTheOwners(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		db := be.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "optco", 0)
		if a := account(t, db, tn); !a.NotifyLowCredits || !a.NotifyTrialReminders {
			t.Fatalf("defaults: %+v", a)
		}
		adminID := seedUser(t, db, tn.AccountID, "admin@optco.example", igny8.RoleAdmin)
		off := false
		_, err := s.Accounts.UpdateAccount(tn.ctx(igny8.RoleAdmin, adminID), igny8.AccountPatch{NotifyLowCredits: &off})
		wantCode(t, err, igny8.EForbidden)
		setNotices(t, db, tn, false, true)
		if a := account(t, db, tn); a.NotifyLowCredits || !a.NotifyTrialReminders {
			t.Fatalf("after the owner's change: %+v", a)
		}
		if n := auditCount(t, db, tn.AccountID, "account.updated"); n != 1 {
			t.Fatalf("%d audit events", n)
		}
	})
}
