package api_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestRoleMatrix checks docs/design.md section 5 through HTTP for every role
// (persons and API keys) and every action with an endpoint. The expected
// column is written out from the design, not computed from the policy
// table. Site-scoped actions are covered in the root package's tests.
func TestRoleMatrix(t *testing.T) {
	t.Parallel()
	const (
		owner = iota
		admin
		editor
		viewer
		keyAdmin
		keyEditor
		keyViewer
		keySite
		nRoles
	)
	names := [nRoles]string{"owner", "admin", "editor", "viewer", "admin key", "editor key", "viewer key", "site-bound key"}
	var seq atomic.Int64
	actions := []struct {
		action, method, path string
		body                 func() any
		allowed              [nRoles]bool
	}{
		{"read account", "GET", "/api/v1/account", nil,
			[nRoles]bool{true, true, true, true, true, true, true, true}},
		{"edit account", "PATCH", "/api/v1/account", func() any { return map[string]string{"name": "Renamed"} },
			[nRoles]bool{true, true, false, false, true, false, false, false}},
		{"list API keys", "GET", "/api/v1/api-keys", nil,
			[nRoles]bool{true, true, false, false, false, false, false, false}},
		{"create API key", "POST", "/api/v1/api-keys", func() any { return map[string]string{"name": "matrix"} },
			[nRoles]bool{true, true, false, false, false, false, false, false}},
		{"list users", "GET", "/api/v1/account/users", nil,
			[nRoles]bool{true, true, false, false, false, false, false, false}},
		{"invite user", "POST", "/api/v1/account/users", func() any {
			return map[string]string{"email": fmt.Sprintf("invitee-%d@example.com", seq.Add(1))}
		}, [nRoles]bool{true, true, false, false, false, false, false, false}},
		{"revoke API key", "DELETE", "/api/v1/api-keys/none", nil,
			[nRoles]bool{true, true, false, false, false, false, false, false}},
		{"rotate API key", "POST", "/api/v1/api-keys/none/rotate", nil,
			[nRoles]bool{true, true, false, false, false, false, false, false}},
		{"list invitations", "GET", "/api/v1/account/invitations", nil,
			[nRoles]bool{true, true, false, false, false, false, false, false}},
		{"withdraw invitation", "DELETE", "/api/v1/account/invitations/none", nil,
			[nRoles]bool{true, true, false, false, false, false, false, false}},
		{"change a user's role", "PATCH", "/api/v1/account/users/none", func() any { return map[string]string{"role": "viewer"} },
			[nRoles]bool{true, true, false, false, false, false, false, false}},
		{"remove user", "DELETE", "/api/v1/account/users/none", nil,
			[nRoles]bool{true, true, false, false, false, false, false, false}},
		{"transfer ownership (owner only)", "POST", "/api/v1/account/transfer-ownership", func() any { return map[string]string{"user_id": "none"} },
			[nRoles]bool{true, false, false, false, false, false, false, false}},
		{"admin: list accounts", "GET", "/api/v1/admin/accounts", nil,
			[nRoles]bool{}},
		{"admin: suspend account", "POST", "/api/v1/admin/accounts/x/suspend", nil,
			[nRoles]bool{}},
		{"admin: reactivate account", "POST", "/api/v1/admin/accounts/x/reactivate", nil,
			[nRoles]bool{}},
		{"admin: cancel account", "POST", "/api/v1/admin/accounts/x/cancel", nil,
			[nRoles]bool{}},
	}
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		o := e.SignUp("Matrix")
		e.SetPlan(o.AccountID, "enterprise")
		site := e.AddSite(o.AccountID, "Matrix site")
		var hdr [nRoles][]string
		hdr[owner] = []string{"Authorization", "Bearer " + o.Token}
		for i, role := range []string{"admin", "editor", "viewer"} {
			hdr[admin+i] = []string{"Authorization", "Bearer " + e.Invite(o, role).Token}
			_, key := e.NewAPIKey(o.Token, map[string]any{"name": role, "role": role})
			hdr[keyAdmin+i] = []string{"X-API-Key", key}
		}
		_, key := e.NewAPIKey(o.Token, map[string]any{"name": "wp", "site_id": site})
		hdr[keySite] = []string{"X-API-Key", key}
		for _, a := range actions {
			for role := 0; role < nRoles; role++ {
				var body any
				if a.body != nil {
					body = a.body()
				}
				r := e.Do(a.method, a.path, body, hdr[role]...)
				// Allowed calls may still fail on their own terms (an unknown
				// id is 404), never as forbidden.
				refused := r.Status == http.StatusForbidden && r.Code() == "forbidden"
				passed := r.Status < 400 || r.Status == http.StatusNotFound
				if a.allowed[role] && !passed || !a.allowed[role] && !refused {
					t.Errorf("%s as %s: got %s, want allowed=%v", a.action, names[role], r, a.allowed[role])
				}
			}
		}
		// A developer reaches the admin endpoints and nothing tenant-side.
		dev := e.Developer()
		if r := e.As(dev, "GET", "/api/v1/admin/accounts", nil); r.Status != 200 {
			t.Errorf("developer on admin: %s", r)
		}
		for _, p := range []string{"/api/v1/account", "/api/v1/api-keys", "/api/v1/account/users"} {
			if r := e.As(dev, "GET", p, nil); r.Status != http.StatusForbidden {
				t.Errorf("developer on %s: %s", p, r)
			}
		}
	})
}
