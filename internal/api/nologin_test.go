package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestAPIKeysHaveNoLogin: an API key (account-wide or site-bound, either
// header) calling /auth/me, /auth/logout or the profile's routes is a valid credential with no
// login behind it: 403 forbidden, not 401, and the owner's login stays.
func TestAPIKeysHaveNoLogin(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Keyed")
		site := e.AddSite(u.AccountID, "Blog")
		_, account := e.NewAPIKey(u.Token, map[string]any{"name": "all"})
		_, bound := e.NewAPIKey(u.Token, map[string]any{"name": "blog", "site_id": site})
		for _, hdr := range [][]string{
			{"X-API-Key", account}, {"Authorization", "Bearer " + account}, {"X-API-Key", bound},
		} {
			for _, call := range []struct {
				method, path string
				body         any
			}{
				{"GET", "/api/v1/auth/me", nil}, {"POST", "/api/v1/auth/logout", nil},
				{"PATCH", "/api/v1/auth/me", map[string]string{"name": "Key"}},
				{"POST", "/api/v1/auth/me/password", map[string]string{"current_password": u.Password, "password": "a key's new passphrase"}},
				{"GET", "/api/v1/auth/sessions", nil},
				{"DELETE", "/api/v1/auth/sessions/" + u.ID, nil},
				{"POST", "/api/v1/auth/sessions/end-others", nil},
			} {
				r := e.Do(call.method, call.path, call.body, hdr...)
				var p struct{ Code, Detail string }
				r.JSON(t, &p)
				if r.Status != http.StatusForbidden || p.Code != "forbidden" || !strings.Contains(p.Detail, "API keys have no login") {
					t.Errorf("%s %s with %s: %s, want 403 forbidden \"API keys have no login\"", call.method, call.path, hdr[0], r)
				}
			}
		}
		if r := e.As(u.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("the owner's login after its keys called logout: %s", r)
		}
	})
}
