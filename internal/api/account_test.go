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
