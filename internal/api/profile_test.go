package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestChangeOwnName: PATCH /auth/me renames the caller alone, under the
// name rule of sign-up (every fault named, nothing changed), and answers
// the body of GET /auth/me; a developer renames themselves too.
func TestChangeOwnName(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Old Name")
		other := e.SignUp("Bystander")
		r := e.As(u.Token, "PATCH", "/api/v1/auth/me", map[string]any{"name": "  New Name\u200b "})
		var me struct {
			User    struct{ ID, Name, Email string }
			Account *struct{ ID string }
		}
		r.JSON(t, &me)
		if r.Status != http.StatusOK || me.User.Name != "New Name" || me.User.ID != u.ID || me.Account == nil || me.Account.ID != u.AccountID {
			t.Fatalf("rename: %s", r)
		}
		for _, body := range []map[string]any{
			{"name": "   "}, {}, {"name": strings.Repeat("x", 101)}, {"name": "a\tb"},
		} {
			r := e.As(u.Token, "PATCH", "/api/v1/auth/me", body)
			var p struct{ Errors []struct{ Field string } }
			r.JSON(t, &p)
			if r.Status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "name" {
				t.Fatalf("rename to %v: %s", body, r)
			}
		}
		if r := e.As(u.Token, "PATCH", "/api/v1/auth/me", map[string]any{"name": "X", "email": "x@example.com"}); r.Status != http.StatusBadRequest {
			t.Fatalf("an unknown field: %s", r)
		}
		for tok, want := range map[string]string{u.Token: "New Name", other.Token: "Bystander"} {
			if r := e.As(tok, "GET", "/api/v1/auth/me", nil); !strings.Contains(string(r.Body), `"name":"`+want+`"`) {
				t.Fatalf("me after renames: %s, want %s", r, want)
			}
		}
		dev := e.Developer()
		r = e.As(dev, "PATCH", "/api/v1/auth/me", map[string]any{"name": "Ops"})
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"name":"Ops"`) || !strings.Contains(string(r.Body), `"account":null`) {
			t.Fatalf("developer rename: %s", r)
		}
		if r := e.Do("PATCH", "/api/v1/auth/me", map[string]any{"name": "Nobody"}); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous rename: %s", r)
		}
	})
}
