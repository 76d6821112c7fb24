package mail_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/mail/mailtest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// fixAppClock fixes the clock of e's database at the start of the
// current hour (before any request reads it; the account gate keeps the
// real clock) and returns it and a function that moves it on.
func fixAppClock(e *apptest.Env) (time.Time, func(d time.Duration)) {
	start := time.Now().UTC().Truncate(time.Hour)
	var now atomic.Int64
	now.Store(start.UnixMicro())
	e.App.DB().Now = func() time.Time { return time.UnixMicro(now.Load()).UTC() }
	return start, func(d time.Duration) { now.Add(d.Microseconds()) }
}

// TestOwnerNoticesOverSMTP: a trial account, with a fixed clock, through
// the API and the periodic jobs, to a real SMTP server: the deduction
// that takes the balance below a tenth of the trial's credits e-mails
// "credits low" to the owner and the billing e-mail, with the credits page
// on the public URL; three days before the trial's end the reminder
// arrives, once; when the job ends the trial, "trial ended" does. The
// account's hostile name arrives as written in the text part and escaped
// in the HTML part.
func TestOwnerNoticesOverSMTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		srv := mailtest.Start(t)
		e := mailEnv(t, be, srv)
		start, advance := fixAppClock(e)
		ctx := context.Background()
		owner := e.SignUp("Notice Owner")
		const evil = `<img src=x onerror=alert(1)> & "Co"`
		if r := e.As(owner.Token, "PATCH", "/api/v1/account", map[string]string{"name": evil,
			"billing_email": "books@example.com"}); r.Status != http.StatusOK {
			t.Fatalf("settings: %s", r)
		}
		site := e.AddSite(owner.AccountID, "Blog")
		dev := e.Developer()
		if r := e.As(dev, "POST", "/api/v1/admin/accounts/"+owner.AccountID+"/credits",
			map[string]any{"amount": -1795, "description": "test: spend most of the trial"}); r.Status != http.StatusCreated {
			t.Fatalf("adjust: %s", r)
		}
		op := map[string]any{"operation": "auto_cluster", "site_id": site, "input": map[string]any{"keywords": []string{"tea", "cups"}}}
		for range 2 { // 205, then 195: below 200
			if r := e.As(owner.Token, "POST", "/api/v1/ai/operations", op); r.Status != http.StatusCreated {
				t.Fatalf("operation: %s", r)
			}
		}
		deliver(t, e)
		for _, to := range []string{owner.Email, "books@example.com"} {
			got := notices(srv, to)
			if len(got) != 1 {
				t.Fatalf("%s got %d messages, want 1 (credits low)", to, len(got))
			}
			m := got[0]
			if !strings.Contains(m.Subject, "Credits are running low") || !strings.Contains(m.Text, "195 credits") {
				t.Fatalf("credits low: %q\n%s", m.Subject, m.Text)
			}
			if !strings.Contains(m.Text, publicURL+"/credits#buy") || !strings.Contains(m.HTML, `href="`+publicURL+`/credits#buy"`) {
				t.Fatalf("credits low lacks the credits page on the public URL:\n%s", m.Text)
			}
			if !strings.Contains(m.Text, evil) || strings.Contains(m.HTML, "<img") || !strings.Contains(m.HTML, "&lt;img src=x") {
				t.Fatalf("the name is not as written in text and escaped in HTML:\n%s\n%s", m.Text, m.HTML)
			}
		}

		advance(11*24*time.Hour + time.Hour) // the trial (14 days) ends in under 3 days
		for range 2 {
			if err := e.App.RemindTrials(ctx); err != nil {
				t.Fatal(err)
			}
		}
		deliver(t, e)
		got := notices(srv, owner.Email)
		if len(got) != 2 {
			t.Fatalf("owner got %d messages, want 2 (credits low, trial reminder)", len(got))
		}
		if m := got[1]; !strings.Contains(m.Subject, "ends in 3 days") || !strings.Contains(m.Text, start.AddDate(0, 0, 14).Format("2 January 2006")) ||
			!strings.Contains(m.Text, publicURL+"/billing") || strings.Contains(m.HTML, "<img") {
			t.Fatalf("reminder: %q\n%s", m.Subject, m.Text)
		}

		advance(3 * 24 * time.Hour)
		for range 2 {
			if err := e.App.ExpireTrials(ctx); err != nil {
				t.Fatal(err)
			}
		}
		deliver(t, e)
		got = notices(srv, owner.Email)
		if len(got) != 3 || !strings.Contains(got[2].Subject, "has ended") {
			t.Fatalf("owner got %d messages, the last %q; want 3, the trial ended", len(got), got[len(got)-1].Subject)
		}
		if r := e.As(owner.Token, "GET", "/api/v1/credits/balance", nil); r.Status != http.StatusForbidden {
			t.Fatalf("the ended trial still works: %s", r)
		}
	})
}

// TestOptedOutOwnerGetsOnlyWhatCannotBeTurnedOff: an owner who turned both
// optional notices off gets no low-credit warning and no trial reminder,
// but is told when the credits run out and when the trial has ended.
func TestOptedOutOwnerGetsOnlyWhatCannotBeTurnedOff(t *testing.T) {
	srv := mailtest.Start(t)
	e := mailEnv(t, storetest.Backends()[0], srv)
	_, advance := fixAppClock(e)
	owner := e.SignUp("Quiet")
	if r := e.As(owner.Token, "PATCH", "/api/v1/account", map[string]any{"notify_low_credits": false,
		"notify_trial_reminders": false}); r.Status != http.StatusOK {
		t.Fatalf("opt out: %s", r)
	}
	site := e.AddSite(owner.AccountID, "Blog")
	if r := e.As(e.Developer(), "POST", "/api/v1/admin/accounts/"+owner.AccountID+"/credits",
		map[string]any{"amount": -1995, "description": "test"}); r.Status != http.StatusCreated {
		t.Fatalf("adjust: %s", r)
	}
	op := map[string]any{"operation": "auto_cluster", "site_id": site, "input": map[string]any{"keywords": []string{"tea"}}}
	if r := e.As(owner.Token, "POST", "/api/v1/ai/operations", op); r.Status != http.StatusPaymentRequired {
		t.Fatalf("operation with 5 credits: %s", r)
	}
	advance(12 * 24 * time.Hour)
	if err := e.App.RemindTrials(context.Background()); err != nil {
		t.Fatal(err)
	}
	advance(3 * 24 * time.Hour)
	if err := e.App.ExpireTrials(context.Background()); err != nil {
		t.Fatal(err)
	}
	deliver(t, e)
	var subjects []string
	for _, m := range notices(srv, owner.Email) {
		subjects = append(subjects, m.Subject)
	}
	if len(subjects) != 2 || !strings.HasPrefix(subjects[0], "Out of credits") || !strings.Contains(subjects[1], "has ended") {
		t.Fatalf("subjects %q, want out of credits and trial ended only", subjects)
	}
}
