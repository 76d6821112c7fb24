package api_test

import (
	"net/http"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

func TestPatchAccount(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u, other := e.SignUp("Settings"), e.SignUp("Untouched")
		r := e.As(u.Token, "PATCH", "/api/v1/account", map[string]string{"name": "  New Name ", "billing_email": "Billing@Example.com"})
		if r.Status != http.StatusOK || r.Map(t)["name"] != "New Name" || r.Map(t)["billing_email"] != "billing@example.com" {
			t.Fatalf("patch: %s", r)
		}
		for _, body := range []map[string]string{{"name": ""}, {"billing_email": "nope"}} {
			if r := e.As(u.Token, "PATCH", "/api/v1/account", body); r.Status != 422 {
				t.Errorf("%v: %s", body, r)
			}
		}
		if r := e.As(u.Token, "PATCH", "/api/v1/account", map[string]any{"status": "active"}); r.Status != 400 {
			t.Errorf("status is not a setting: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = 'account.updated'`, u.AccountID); n != 1 {
			t.Fatalf("audit events = %d", n)
		}
		if r := e.As(other.Token, "GET", "/api/v1/account", nil); r.Map(t)["name"] != "Untouched" {
			t.Fatalf("another account changed: %s", r)
		}
		var users struct{ Items []struct{ ID string } }
		e.As(other.Token, "GET", "/api/v1/account/users", nil).JSON(t, &users)
		if len(users.Items) != 1 || users.Items[0].ID != other.ID {
			t.Fatalf("users of another account are visible: %+v", users)
		}
	})
}

// TestPatchAccountNotices: the owner turns the optional notices off and on
// through PATCH /account (the answer and GET show them); a value that is
// not a boolean is refused and changes nothing; an admin may edit the
// settings but not the owner's notices.
func TestPatchAccountNotices(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Notices")
		if m := e.As(u.Token, "GET", "/api/v1/account", nil).Map(t); m["notify_low_credits"] != true || m["notify_trial_reminders"] != true {
			t.Fatalf("defaults: %v", m)
		}
		r := e.As(u.Token, "PATCH", "/api/v1/account", map[string]any{"notify_low_credits": false})
		if m := r.Map(t); r.Status != http.StatusOK || m["notify_low_credits"] != false || m["notify_trial_reminders"] != true {
			t.Fatalf("turn low credits off: %s", r)
		}
		for _, bad := range []map[string]any{{"notify_trial_reminders": "no"}, {"notify_trial_reminders": 0}} {
			if r := e.As(u.Token, "PATCH", "/api/v1/account", bad); r.Status != http.StatusBadRequest && r.Status != 422 {
				t.Errorf("%v: %s", bad, r)
			}
		}
		r = e.As(u.Token, "PATCH", "/api/v1/account", map[string]any{"notify_trial_reminders": false, "notify_low_credits": true})
		if m := r.Map(t); r.Status != http.StatusOK || m["notify_low_credits"] != true || m["notify_trial_reminders"] != false {
			t.Fatalf("swap: %s", r)
		}
		e.SetPlan(u.AccountID, "growth")
		admin := e.RawMember(u.AccountID, "admin")
		if r := e.As(admin.Token, "PATCH", "/api/v1/account", map[string]any{"notify_trial_reminders": true}); r.Status != http.StatusForbidden {
			t.Fatalf("an admin changes the owner's notices: %s", r)
		}
		if r := e.As(admin.Token, "PATCH", "/api/v1/account", map[string]any{"name": "Renamed"}); r.Status != http.StatusOK {
			t.Fatalf("an admin renames: %s", r)
		}
		if m := e.As(u.Token, "GET", "/api/v1/account", nil).Map(t); m["notify_low_credits"] != true || m["notify_trial_reminders"] != false {
			t.Fatalf("after the admin: %v", m)
		}
	})
}
