package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

func TestAdminAccounts(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		dev := e.Developer()
		a, c := e.SignUp("Acme Widgets"), e.SignUp("Zeta")
		list := func(q string) (ids []string) {
			t.Helper()
			r := e.As(dev, "GET", "/api/v1/admin/accounts"+q, nil)
			if r.Status != 200 {
				t.Fatalf("list %s: %s", q, r)
			}
			var page struct{ Items []struct{ ID string } }
			r.JSON(t, &page)
			for _, it := range page.Items {
				ids = append(ids, it.ID)
			}
			return ids
		}
		if ids := list(""); len(ids) != 2 {
			t.Fatalf("all accounts: %v", ids)
		}
		if ids := list("?search=WIDGET"); len(ids) != 1 || ids[0] != a.AccountID {
			t.Fatalf("search by name: %v", ids)
		}
		if ids := list("?search=" + strings.Split(c.Email, "@")[0]); len(ids) != 1 || ids[0] != c.AccountID {
			t.Fatalf("search by email: %v", ids)
		}
		if ids := list("?search=%25"); len(ids) != 0 {
			t.Fatalf("a %% in the search is literal: %v", ids)
		}
		r := e.As(dev, "POST", "/api/v1/admin/accounts/"+a.AccountID+"/suspend", map[string]string{"reason": "chargeback"})
		if r.Status != 200 || r.Map(t)["status"] != "suspended" || r.Map(t)["status_reason"] != "chargeback" {
			t.Fatalf("suspend: %s", r)
		}
		if ids := list("?status=suspended"); len(ids) != 1 || ids[0] != a.AccountID {
			t.Fatalf("filter by status: %v", ids)
		}
		if r := e.As(dev, "GET", "/api/v1/admin/accounts?status=bogus", nil); r.Status != 422 {
			t.Fatalf("bad status filter: %s", r)
		}
		if r := e.As(dev, "POST", "/api/v1/admin/accounts/"+a.AccountID+"/suspend", nil); r.Status != 409 {
			t.Fatalf("suspend twice: %s", r)
		}
		r = e.As(dev, "POST", "/api/v1/admin/accounts/"+a.AccountID+"/reactivate", nil)
		if r.Status != 200 || r.Map(t)["status"] != "trial" {
			t.Fatalf("reactivate a running trial: %s", r)
		}
		r = e.As(dev, "POST", "/api/v1/admin/accounts/"+c.AccountID+"/cancel", map[string]string{"reason": "asked"})
		if r.Status != 200 || r.Map(t)["status"] != "cancelled" {
			t.Fatalf("cancel: %s", r)
		}
		if r := e.As(dev, "POST", "/api/v1/admin/accounts/no-such/suspend", nil); r.Status != 404 {
			t.Fatalf("unknown account: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE action IN ('account.suspended', 'account.reactivated', 'account.cancelled')`); n != 3 {
			t.Fatalf("audit events = %d, want 3", n)
		}
		// Tenants are not admins, and developers are not tenants.
		if r := e.As(a.Token, "GET", "/api/v1/admin/accounts", nil); r.Status != 403 {
			t.Fatalf("owner on admin: %s", r)
		}
		if r := e.As(dev, "GET", "/api/v1/account", nil); r.Status != 403 {
			t.Fatalf("developer on tenant: %s", r)
		}
	})
}

func TestAccountsCLI(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	u := e.SignUp("Cli")
	if code, out, errOut := e.CLI("accounts", "suspend", u.AccountID, "--reason", "fraud check"); code != 0 || !strings.Contains(out, "suspended") {
		t.Fatalf("suspend: %d %s %s", code, out, errOut)
	}
	if r := e.As(u.Token, "GET", "/api/v1/api-keys", nil); r.Code() != "account_suspended" {
		t.Fatalf("after CLI suspend: %s", r)
	}
	if code, _, _ := e.CLI("accounts", "reactivate", u.AccountID); code != 0 {
		t.Fatal("reactivate failed")
	}
	if r := e.As(u.Token, "GET", "/api/v1/api-keys", nil); r.Status != 200 {
		t.Fatalf("after CLI reactivate: %s", r)
	}
	if code, _, errOut := e.CLI("accounts", "suspend", "missing-id"); code == 0 || !strings.Contains(errOut, "not found") {
		t.Fatalf("unknown id: %s", errOut)
	}
	if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND actor = 'system'`, u.AccountID); n != 2 {
		t.Fatalf("CLI audit events = %d", n)
	}
}

func TestTrialExpiryJob(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		ended, running := e.SignUp("Ended"), e.SignUp("Running")
		e.Exec(`UPDATE accounts SET trial_ends_at = created_at WHERE id = ?`, ended.AccountID)
		// Request time: already refused before the job runs.
		if r := e.As(ended.Token, "GET", "/api/v1/api-keys", nil); r.Code() != "account_suspended" {
			t.Fatalf("expired trial before the job: %s", r)
		}
		// Several instances running the job together move it once.
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := e.App.ExpireTrials(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := e.Count(`SELECT COUNT(*) FROM accounts WHERE id = ? AND status = 'suspended' AND status_reason = 'trial_expired'`, ended.AccountID); n != 1 {
			t.Fatal("the ended trial was not suspended")
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = 'account.suspended'`, ended.AccountID); n != 1 {
			t.Fatalf("audit events = %d, want exactly 1", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM accounts WHERE id = ? AND status = 'trial'`, running.AccountID); n != 1 {
			t.Fatal("a running trial was touched")
		}
		if r := e.As(ended.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("owner of the expired trial reaches /auth/me: %s", r)
		}
	})
}
