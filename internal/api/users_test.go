package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

func TestInvitationsAndMaxUsers(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Team")
		// The free trial has one seat, taken by the owner.
		r := e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "x@example.com"})
		if r.Status != http.StatusForbidden || r.Code() != "plan_limit_reached" {
			t.Fatalf("invite beyond max_users: %s", r)
		}
		e.SetPlan(owner.AccountID, "starter") // 2 users
		r = e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "New.Person@Example.com", "role": "editor"})
		var inv struct {
			Token, URL string
			Invitation struct{ Email, Role string }
		}
		r.JSON(t, &inv)
		if r.Status != http.StatusCreated || inv.Token == "" || !strings.Contains(inv.URL, inv.Token) ||
			inv.Invitation.Email != "new.person@example.com" || inv.Invitation.Role != "editor" {
			t.Fatalf("invite: %s", r)
		}
		// The pending invitation holds the last seat.
		if r := e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "y@example.com"}); r.Code() != "plan_limit_reached" {
			t.Fatalf("second invite: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM invitations WHERE token_hash = ?`, inv.Token); n != 0 {
			t.Fatal("an invitation token is stored in clear")
		}
		if r := e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": inv.Token, "password": "short"}); r.Status != 422 {
			t.Fatalf("weak password: %s", r)
		}
		r = e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": inv.Token, "password": "a fine long passphrase", "name": "New"})
		var acc struct {
			AccessToken string `json:"access_token"`
			User        struct{ Role, Email string }
		}
		r.JSON(t, &acc)
		if r.Status != http.StatusCreated || acc.User.Role != "editor" || acc.AccessToken == "" {
			t.Fatalf("accept: %s", r)
		}
		if r := e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": inv.Token, "password": "a fine long passphrase"}); r.Status != 404 {
			t.Fatalf("accept twice: %s", r)
		}
		var users struct {
			Items []struct{ Email, Role string }
		}
		e.As(owner.Token, "GET", "/api/v1/account/users", nil).JSON(t, &users)
		if len(users.Items) != 2 {
			t.Fatalf("users: %+v", users)
		}
		if r := e.Login("new.person@example.com", "a fine long passphrase"); r.Status != 200 {
			t.Fatalf("invited user login: %s", r)
		}
	})
}

func TestInvitationRules(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Rules")
		e.SetPlan(owner.AccountID, "scale")
		member := e.Invite(owner, "viewer")
		cases := []struct {
			body   map[string]string
			status int
			code   string
		}{
			{map[string]string{"email": "not-an-email"}, 422, "validation_failed"},
			{map[string]string{"email": "a@example.com", "role": "owner"}, 422, "validation_failed"},
			{map[string]string{"email": "a@example.com", "role": "developer"}, 422, "validation_failed"},
			{map[string]string{"email": member.Email}, 409, "conflict"},
		}
		for _, c := range cases {
			if r := e.As(owner.Token, "POST", "/api/v1/account/users", c.body); r.Status != c.status || r.Code() != c.code {
				t.Errorf("%v: %s", c.body, r)
			}
		}
		e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "twice@example.com"})
		if r := e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "twice@example.com"}); r.Code() != "conflict" {
			t.Errorf("invite twice: %s", r)
		}
		// An expired invitation cannot be accepted and frees its seat.
		r := e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "late@example.com"})
		var inv struct{ Token string }
		r.JSON(t, &inv)
		e.Exec(`UPDATE invitations SET expires_at = created_at WHERE email = 'late@example.com'`)
		if r := e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": inv.Token, "password": "a fine long passphrase"}); r.Status != 404 {
			t.Fatalf("expired invitation: %s", r)
		}
		// A withdrawn invitation frees its seat and its link stops working.
		r = e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "withdrawn@example.com"})
		var w struct {
			Token      string
			Invitation struct{ ID string }
		}
		r.JSON(t, &w)
		var pending struct{ Items []struct{ ID, Email string } }
		e.As(owner.Token, "GET", "/api/v1/account/invitations", nil).JSON(t, &pending)
		if len(pending.Items) != 2 { // twice@ and withdrawn@; late@ has expired
			t.Fatalf("pending invitations: %+v", pending)
		}
		if r := e.As(owner.Token, "DELETE", "/api/v1/account/invitations/"+w.Invitation.ID, nil); r.Status != 204 {
			t.Fatalf("withdraw: %s", r)
		}
		if r := e.As(owner.Token, "DELETE", "/api/v1/account/invitations/"+w.Invitation.ID, nil); r.Status != 404 {
			t.Fatalf("withdraw twice: %s", r)
		}
		if r := e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": w.Token, "password": "a fine long passphrase"}); r.Status != 404 {
			t.Fatalf("withdrawn invitation accepted: %s", r)
		}
		// An email of a live user of another account is refused at once:
		// the invitation could never be accepted.
		stranger := e.SignUp("Stranger")
		r = e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": stranger.Email})
		if r.Status != 409 || r.Code() != "conflict" || !strings.Contains(string(r.Body), `"field":"email"`) {
			t.Fatalf("invite an email of another account: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM invitations WHERE email = ?`, stranger.Email); n != 0 {
			t.Fatalf("a refused invitation was stored (%d)", n)
		}
	})
}

func TestOwnerProtectionAndRoleChanges(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Crown")
		e.SetPlan(owner.AccountID, "scale")
		adm := e.Invite(owner, "admin")
		ed := e.Invite(owner, "editor")
		patch := func(tok, id string, body any) *apptest.Response {
			return e.As(tok, "PATCH", "/api/v1/account/users/"+id, body)
		}
		for _, tok := range []string{owner.Token, adm.Token} {
			if r := patch(tok, owner.ID, map[string]string{"role": "admin"}); r.Status != 403 {
				t.Errorf("demote the owner: %s", r)
			}
			if r := e.As(tok, "DELETE", "/api/v1/account/users/"+owner.ID, nil); r.Status != 403 {
				t.Errorf("remove the owner: %s", r)
			}
			if r := patch(tok, ed.ID, map[string]string{"role": "owner"}); r.Status != 403 {
				t.Errorf("make an owner: %s", r)
			}
		}
		if r := e.As(adm.Token, "POST", "/api/v1/account/transfer-ownership", map[string]string{"user_id": adm.ID}); r.Status != 403 {
			t.Errorf("admin takes ownership: %s", r)
		}
		if r := patch(ed.Token, ed.ID, map[string]string{"role": "admin"}); r.Status != 403 {
			t.Errorf("editor promotes self: %s", r)
		}
		r := patch(adm.Token, ed.ID, map[string]string{"role": "viewer", "name": "Ed"})
		if r.Status != 200 || r.Map(t)["role"] != "viewer" || r.Map(t)["name"] != "Ed" {
			t.Fatalf("admin demotes editor: %s", r)
		}
		// The new role applies to the existing token at once.
		if r := e.As(ed.Token, "GET", "/api/v1/account", nil); r.Status != 200 {
			t.Fatalf("viewer reads account: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE action = 'user.role_changed' AND target_id = ?`, ed.ID); n != 1 {
			t.Fatalf("role change audit = %d", n)
		}
		// Another account's user is not found.
		other := e.SignUp("Other")
		if r := patch(owner.Token, other.ID, map[string]string{"role": "viewer"}); r.Status != 404 {
			t.Errorf("patch another account's user: %s", r)
		}
		if r := e.As(owner.Token, "DELETE", "/api/v1/account/users/"+other.ID, nil); r.Status != 404 {
			t.Errorf("remove another account's user: %s", r)
		}
		// Transfer: the owner hands over and becomes an admin.
		if r := e.As(owner.Token, "POST", "/api/v1/account/transfer-ownership", map[string]string{"user_id": other.ID}); r.Status != 404 {
			t.Errorf("transfer to a stranger: %s", r)
		}
		if r := e.As(owner.Token, "POST", "/api/v1/account/transfer-ownership", map[string]string{"user_id": adm.ID}); r.Status != 204 {
			t.Fatalf("transfer: %s", r)
		}
		me := e.As(owner.Token, "GET", "/api/v1/auth/me", nil).Map(t)["user"].(map[string]any)
		acct := e.As(adm.Token, "GET", "/api/v1/account", nil).Map(t)
		if me["role"] != "admin" || acct["owner_id"] != adm.ID {
			t.Fatalf("after transfer: me %v, account owner %v", me["role"], acct["owner_id"])
		}
		if r := patch(owner.Token, adm.ID, map[string]string{"role": "viewer"}); r.Status != 403 {
			t.Errorf("former owner demotes the new owner: %s", r)
		}
	})
}

func TestRemovedUserIsOutAtOnce(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Door")
		e.SetPlan(owner.AccountID, "starter")
		m := e.Invite(owner, "editor")
		if r := e.As(owner.Token, "DELETE", "/api/v1/account/users/"+m.ID, nil); r.Status != 204 {
			t.Fatalf("remove: %s", r)
		}
		if r := e.As(m.Token, "GET", "/api/v1/account", nil); r.Status != 401 {
			t.Fatalf("removed user's access token: %s", r)
		}
		if r, _ := refresh(t, e, m.RefreshToken); r.Status != 401 {
			t.Fatalf("removed user's refresh token: %s", r)
		}
		if r := e.Login(m.Email, m.Password); r.Status != 401 {
			t.Fatalf("removed user's login: %s", r)
		}
		// The seat is free again.
		if r := e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "next@example.com"}); r.Status != 201 {
			t.Fatalf("invite after removal: %s", r)
		}
	})
}

func TestConcurrentInvitationsRespectMaxUsers(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Crowd")
		e.SetPlan(owner.AccountID, "scale") // 5 users: owner + 4 seats
		const n = 12
		var wg sync.WaitGroup
		codes := make([]int, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": fmt.Sprintf("c%d@example.com", i)})
				codes[i] = r.Status
			}(i)
		}
		wg.Wait()
		created := 0
		for _, c := range codes {
			switch c {
			case 201:
				created++
			case 403:
			default:
				t.Errorf("unexpected status %d", c)
			}
		}
		pending := e.Count(`SELECT COUNT(*) FROM invitations WHERE account_id = ?`, owner.AccountID)
		if created != 4 || pending != 4 {
			t.Fatalf("created %d invitations (%d rows), want 4", created, pending)
		}
	})
}
