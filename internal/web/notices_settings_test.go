package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestNoticeCheckboxesAreTheOwners: the owner's account page has the two
// e-mail notice checkboxes, ticked by default; unticking one and saving
// turns it off (the API shows it), ticking it again turns it on. An admin
// sees no checkboxes, saving the settings leaves the notices alone, and a
// forged notice change is refused.
func TestNoticeCheckboxesAreTheOwners(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := newBrowser(t, e)
		owner.signUp("Quiet Owner")
		acct := accountOf(t, owner)
		r := owner.get("/account")
		mustContain(t, r, `data-testid="notice-settings"`, `name="notify_low_credits" value="yes" checked`,
			`name="notify_trial_reminders" value="yes" checked`)
		notices := func() (low, trial bool) {
			t.Helper()
			var a struct {
				Low   bool `json:"notify_low_credits"`
				Trial bool `json:"notify_trial_reminders"`
			}
			if err := json.Unmarshal([]byte(owner.get("/api/v1/account").Body), &a); err != nil {
				t.Fatal(err)
			}
			return a.Low, a.Trial
		}
		form := url.Values{"name": {"Quiet Owner"}, "billing_email": {"books@example.com"}, "notices": {"yes"}, "notify_trial_reminders": {"yes"}}
		if r := owner.post("/account", form); r.URL.Path != "/account" || !strings.Contains(r.Body, "settings were saved") {
			t.Fatalf("save: %d %s", r.Status, r.URL)
		}
		if low, trial := notices(); low || !trial {
			t.Fatalf("after unticking low credits: low %v, trial %v", low, trial)
		}
		mustContain(t, owner.get("/account"), `name="notify_low_credits" value="yes">`)
		form.Set("notify_low_credits", "yes")
		owner.post("/account", form)
		if low, trial := notices(); !low || !trial {
			t.Fatalf("after ticking again: low %v, trial %v", low, trial)
		}

		e.SetPlan(acct, "growth")
		admin := e.RawMember(acct, igny8.RoleAdmin)
		ab := newBrowser(t, e)
		ab.post("/login", url.Values{"email": {admin.Email}, "password": {admin.Password}})
		if r := ab.get("/account"); strings.Contains(r.Body, "notice-settings") || !strings.Contains(r.Body, "Save settings") {
			t.Fatalf("the admin's account page (%d) shows the notice checkboxes, or no settings", r.Status)
		}
		if r := ab.post("/account", url.Values{"name": {"Renamed"}, "billing_email": {"books@example.com"}}); !strings.Contains(r.Body, "settings were saved") {
			t.Fatalf("the admin saves the settings: %d", r.Status)
		}
		if low, trial := notices(); !low || !trial {
			t.Fatalf("the admin's save changed the notices: low %v, trial %v", low, trial)
		}
		r = ab.post("/account", url.Values{"name": {"Renamed"}, "billing_email": {"books@example.com"}, "notices": {"yes"}})
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Only the owner") {
			t.Fatalf("a forged notice change by the admin: %d\n%s", r.Status, r.Body)
		}
		if low, trial := notices(); !low || !trial {
			t.Fatalf("the refused change changed the notices: low %v, trial %v", low, trial)
		}
	})
}
