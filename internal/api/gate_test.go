package api_test

import (
	"net/http"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// gateAccount is one account with every kind of credential, made before
// its state is changed.
type gateAccount struct {
	owner, admin      *apptest.User
	accountKey, siteK string
}

func newGateAccount(t *testing.T, e *apptest.Env) *gateAccount {
	t.Helper()
	owner := e.SignUp("Gate")
	e.SetPlan(owner.AccountID, "starter")
	g := &gateAccount{owner: owner, admin: e.Invite(owner, "admin")}
	site := e.AddSite(owner.AccountID, "Gate site")
	_, g.accountKey = e.NewAPIKey(owner.Token, map[string]any{"name": "account", "role": "admin"})
	_, g.siteK = e.NewAPIKey(owner.Token, map[string]any{"name": "wordpress", "site_id": site})
	return g
}

// TestAccountGate runs every account state against every way in: the
// owner's and an admin's JWT, an account-wide and a site-bound API key,
// and login. Only the owner of a suspended account (or one whose plan was
// retired) still reaches /auth/me and GET /account, to pay.
func TestAccountGate(t *testing.T) {
	t.Parallel()
	states := []struct {
		name  string
		setup string // SQL with the account id as its one argument
		code  string // "" when the account may be used
	}{
		{"trial", `UPDATE accounts SET status = 'trial' WHERE id = ?`, ""},
		{"expired trial", `UPDATE accounts SET trial_ends_at = created_at WHERE id = ?`, "account_suspended"},
		{"active", `UPDATE accounts SET status = 'active' WHERE id = ?`, ""},
		{"suspended", `UPDATE accounts SET status = 'suspended', status_reason = 'admin' WHERE id = ?`, "account_suspended"},
		{"cancelled", `UPDATE accounts SET status = 'cancelled' WHERE id = ?`, "account_cancelled"},
		{"inactive plan", `UPDATE accounts SET status = 'active', plan_id = (SELECT id FROM plans WHERE slug = 'enterprise') WHERE id = ?`, "plan_inactive"},
	}
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		e.Exec(`UPDATE plans SET is_active = FALSE WHERE slug = 'enterprise'`)
		for _, st := range states {
			g := newGateAccount(t, e)
			e.Exec(st.setup, g.owner.AccountID)
			type call struct {
				who, method, path string
				hdr               []string
				ownerBypass       bool
			}
			calls := []call{
				{"owner jwt", "GET", "/api/v1/auth/me", []string{"Authorization", "Bearer " + g.owner.Token}, true},
				{"owner jwt", "GET", "/api/v1/account", []string{"Authorization", "Bearer " + g.owner.Token}, true},
				{"owner jwt", "GET", "/api/v1/api-keys", []string{"Authorization", "Bearer " + g.owner.Token}, false},
				{"admin jwt", "GET", "/api/v1/auth/me", []string{"Authorization", "Bearer " + g.admin.Token}, false},
				{"admin jwt", "GET", "/api/v1/account", []string{"Authorization", "Bearer " + g.admin.Token}, false},
				{"admin jwt", "GET", "/api/v1/account/users", []string{"Authorization", "Bearer " + g.admin.Token}, false},
				{"account key", "GET", "/api/v1/account", []string{"X-API-Key", g.accountKey}, false},
				{"account key (bearer)", "GET", "/api/v1/account", []string{"Authorization", "Bearer " + g.accountKey}, false},
				{"site-bound key", "GET", "/api/v1/account", []string{"X-API-Key", g.siteK}, false},
			}
			for _, c := range calls {
				r := e.Do(c.method, c.path, nil, c.hdr...)
				want := st.code
				if c.ownerBypass && (want == "account_suspended" || want == "plan_inactive") {
					want = ""
				}
				if want == "" && r.Status != http.StatusOK || want != "" && (r.Status != http.StatusForbidden || r.Code() != want) {
					t.Errorf("%s: %s %s %s: got %s, want %q", st.name, c.who, c.method, c.path, r, want)
				}
			}
			for _, u := range []*apptest.User{g.owner, g.admin} {
				r := e.Login(u.Email, u.Password)
				want := st.code
				if u == g.owner && (want == "account_suspended" || want == "plan_inactive") {
					want = ""
				}
				if want == "" && r.Status != http.StatusOK || want != "" && (r.Status != http.StatusForbidden || r.Code() != want) {
					t.Errorf("%s: login of %s: got %s, want %q", st.name, u.Email, r, want)
				}
			}
		}
	})
}

// TestSuspensionIsImmediate: an admin's suspension refuses the account's
// tokens and keys on the very next request.
func TestSuspensionIsImmediate(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		g := newGateAccount(t, e)
		dev := e.Developer()
		if r := e.Do("GET", "/api/v1/account", nil, "X-API-Key", g.siteK); r.Status != 200 {
			t.Fatalf("before: %s", r)
		}
		e.As(dev, "POST", "/api/v1/admin/accounts/"+g.owner.AccountID+"/suspend", map[string]string{"reason": "abuse"})
		for _, hdr := range [][]string{{"X-API-Key", g.siteK}, {"X-API-Key", g.accountKey}, {"Authorization", "Bearer " + g.admin.Token}} {
			if r := e.Do("GET", "/api/v1/account", nil, hdr...); r.Code() != "account_suspended" {
				t.Errorf("%s after suspension: %s", hdr[0], r)
			}
		}
		if r, _ := refresh(t, e, g.admin.RefreshToken); r.Code() != "account_suspended" {
			t.Errorf("refresh of a suspended account's admin: %s", r)
		}
		// The refused refresh spent nothing: after reactivation the same
		// refresh token works.
		e.As(dev, "POST", "/api/v1/admin/accounts/"+g.owner.AccountID+"/reactivate", nil)
		if r, _ := refresh(t, e, g.admin.RefreshToken); r.Status != http.StatusOK {
			t.Errorf("refresh after reactivation: %s", r)
		}
	})
}
