package api_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

const newPassphrase = "a brand new long passphrase"

// invite asks for an invitation of email as role and returns its token.
func invite(t *testing.T, e *apptest.Env, inviter *apptest.User, email, role string) string {
	t.Helper()
	r := e.As(inviter.Token, "POST", "/api/v1/account/users", map[string]string{"email": email, "role": role})
	if r.Status != http.StatusCreated {
		t.Fatalf("invite %s: %s", email, r)
	}
	var inv struct{ Token string }
	r.JSON(t, &inv)
	return inv.Token
}

type acceptedUser struct {
	ID, Email, Name, Role string
}

func accept(t *testing.T, e *apptest.Env, token, name string) acceptedUser {
	t.Helper()
	r := e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": token, "name": name, "password": newPassphrase})
	if r.Status != http.StatusCreated {
		t.Fatalf("accept: %s", r)
	}
	var out struct{ User acceptedUser }
	r.JSON(t, &out)
	return out.User
}

type userList struct {
	Items []struct {
		ID, Email, Role string
		DeletedAt       *string `json:"deleted_at"`
		PurgeAfter      *string `json:"purge_after"`
	}
}

func TestReinvitingARemovedMemberRestoresThem(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Comeback")
		e.SetPlan(owner.AccountID, "starter") // 2 users
		siteID := e.AddSite(owner.AccountID, "Comeback Blog")
		m := e.Invite(owner, "editor")
		wantHTTP(t, e.As(owner.Token, "POST", "/api/v1/sites/"+siteID+"/access", map[string]any{"user_id": m.ID}), http.StatusCreated, "")
		wantHTTP(t, e.As(owner.Token, "DELETE", "/api/v1/account/users/"+m.ID, nil), http.StatusNoContent, "")

		token := invite(t, e, owner, m.Email, "viewer")
		u := accept(t, e, token, "Back Again")
		if u.ID != m.ID || u.Role != "viewer" || u.Name != "Back Again" {
			t.Fatalf("re-invited user %+v, want the removed user %s restored as viewer", u, m.ID)
		}
		if r := e.Login(m.Email, newPassphrase); r.Status != http.StatusOK {
			t.Fatalf("login with the new password: %s", r)
		}
		if r := e.Login(m.Email, m.Password); r.Status != http.StatusUnauthorized {
			t.Fatalf("login with the old password: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM site_user_access WHERE user_id = ?`, m.ID); n != 0 {
			t.Fatalf("the restored user kept %d site grants; the inviter grants anew", n)
		}
		var live userList
		e.As(owner.Token, "GET", "/api/v1/account/users", nil).JSON(t, &live)
		if len(live.Items) != 2 {
			t.Fatalf("users after the re-invitation: %+v", live)
		}
		var deleted userList
		e.As(owner.Token, "GET", "/api/v1/account/users?deleted=true", nil).JSON(t, &deleted)
		if len(deleted.Items) != 0 {
			t.Fatalf("removed users after the re-invitation: %+v", deleted)
		}
	})
}

func TestAMemberRemovedElsewhereCanJoinAnotherAccount(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		first := e.SignUp("First Team")
		e.SetPlan(first.AccountID, "starter")
		m := e.Invite(first, "editor")
		wantHTTP(t, e.As(first.Token, "DELETE", "/api/v1/account/users/"+m.ID, nil), http.StatusNoContent, "")

		second := e.SignUp("Second Team")
		e.SetPlan(second.AccountID, "starter")
		u := accept(t, e, invite(t, e, second, m.Email, "admin"), "Moved On")
		if u.ID == m.ID || u.Role != "admin" {
			t.Fatalf("joined as %+v, want a new admin user", u)
		}
		// The first account's removed user is replaced: no longer restorable.
		var deleted userList
		e.As(first.Token, "GET", "/api/v1/account/users?deleted=true", nil).JSON(t, &deleted)
		if len(deleted.Items) != 0 {
			t.Fatalf("the replaced user is still listed: %+v", deleted)
		}
		wantHTTP(t, e.As(first.Token, "POST", "/api/v1/account/users/"+m.ID+"/restore", nil), http.StatusNotFound, igny8.ENotFound)
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = 'user.purged' AND target_id = ?`,
			first.AccountID, m.ID); n != 1 {
			t.Fatalf("the first account's audit has %d user.purged events", n)
		}
	})
}

func TestAnInvitationThatCannotBeAcceptedTakesNoSeat(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Seats")
		e.SetPlan(owner.AccountID, "starter") // owner + 1 seat
		token := invite(t, e, owner, "early-bird@example.com", "viewer")
		// The invited person signs up on their own before accepting.
		if r := e.Do("POST", "/api/v1/auth/register", map[string]string{"name": "Early Bird", "email": "early-bird@example.com",
			"password": newPassphrase}); r.Status != http.StatusCreated {
			t.Fatalf("sign up: %s", r)
		}
		r := e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": token, "password": newPassphrase})
		wantHTTP(t, r, http.StatusConflict, igny8.EConflict)
		// That invitation is dead: the seat is free for someone else.
		accept(t, e, invite(t, e, owner, "next-in-line@example.com", "viewer"), "")
	})
}

func TestRestoreRemovedUser(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Undo")
		e.SetPlan(owner.AccountID, "starter") // owner + 1 seat
		siteID := e.AddSite(owner.AccountID, "Undo Blog")
		m := e.Invite(owner, "editor")
		wantHTTP(t, e.As(owner.Token, "POST", "/api/v1/sites/"+siteID+"/access", map[string]any{"user_id": m.ID}), http.StatusCreated, "")
		wantHTTP(t, e.As(owner.Token, "DELETE", "/api/v1/account/users/"+m.ID, nil), http.StatusNoContent, "")

		var deleted userList
		e.As(owner.Token, "GET", "/api/v1/account/users?deleted=true", nil).JSON(t, &deleted)
		if len(deleted.Items) != 1 || deleted.Items[0].ID != m.ID || deleted.Items[0].DeletedAt == nil ||
			deleted.Items[0].PurgeAfter == nil {
			t.Fatalf("removed users: %+v", deleted)
		}
		wantHTTP(t, e.As(owner.Token, "GET", "/api/v1/account/users?deleted=maybe", nil), http.StatusUnprocessableEntity, igny8.EValidation)

		// A pending invitation to someone else holds the last seat.
		r := e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "placeholder@example.com"})
		var inv struct{ Invitation struct{ ID string } }
		r.JSON(t, &inv)
		wantHTTP(t, e.As(owner.Token, "POST", "/api/v1/account/users/"+m.ID+"/restore", nil), http.StatusForbidden, igny8.EPlanLimit)
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND deleted_at IS NULL`, m.ID); n != 0 {
			t.Fatal("a refused restore brought the user back")
		}
		wantHTTP(t, e.As(owner.Token, "DELETE", "/api/v1/account/invitations/"+inv.Invitation.ID, nil), http.StatusNoContent, "")

		// An invitation to the removed user's own email does not block
		// their restore: it is withdrawn.
		invite(t, e, owner, m.Email, "viewer")
		r = e.As(owner.Token, "POST", "/api/v1/account/users/"+m.ID+"/restore", nil)
		var u acceptedUser
		r.JSON(t, &u)
		if r.Status != http.StatusOK || u.ID != m.ID || u.Role != "editor" {
			t.Fatalf("restore: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM invitations WHERE account_id = ? AND revoked_at IS NULL AND accepted_at IS NULL`, owner.AccountID); n != 0 {
			t.Fatalf("%d invitations still pending after the restore", n)
		}
		if r := e.Login(m.Email, m.Password); r.Status != http.StatusOK {
			t.Fatalf("restored user's login: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM site_user_access WHERE user_id = ?`, m.ID); n != 1 {
			t.Fatalf("the restored user has %d site grants, want the one they had", n)
		}
		wantHTTP(t, e.As(owner.Token, "POST", "/api/v1/account/users/"+m.ID+"/restore", nil), http.StatusNotFound, igny8.ENotFound)
		wantHTTP(t, e.As(owner.Token, "POST", "/api/v1/account/users/"+owner.ID+"/restore", nil), http.StatusNotFound, igny8.ENotFound)

		// Only owners and admins restore, only their own account's users,
		// and only within retention.
		editor := e.Login(m.Email, m.Password)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		editor.JSON(t, &tok)
		wantHTTP(t, e.As(owner.Token, "DELETE", "/api/v1/account/users/"+m.ID, nil), http.StatusNoContent, "")
		other := e.SignUp("Other Undo")
		e.SetPlan(other.AccountID, "scale")
		wantHTTP(t, e.As(other.Token, "POST", "/api/v1/account/users/"+m.ID+"/restore", nil), http.StatusNotFound, igny8.ENotFound)
		var none userList
		e.As(other.Token, "GET", "/api/v1/account/users?deleted=true", nil).JSON(t, &none)
		if len(none.Items) != 0 {
			t.Fatalf("another account lists this account's removed users: %+v", none)
		}
		e.Exec(`UPDATE users SET purge_after = deleted_at WHERE id = ?`, m.ID)
		wantHTTP(t, e.As(owner.Token, "POST", "/api/v1/account/users/"+m.ID+"/restore", nil), http.StatusNotFound, igny8.ENotFound)
		e.As(owner.Token, "GET", "/api/v1/account/users?deleted=true", nil).JSON(t, &none)
		if len(none.Items) != 0 {
			t.Fatalf("a user past retention is listed as restorable: %+v", none)
		}
	})
}

func TestRestoreByAnEditorIsForbidden(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Roles Undo")
		e.SetPlan(owner.AccountID, "scale")
		editor := e.Invite(owner, "editor")
		gone := e.Invite(owner, "viewer")
		wantHTTP(t, e.As(owner.Token, "DELETE", "/api/v1/account/users/"+gone.ID, nil), http.StatusNoContent, "")
		wantHTTP(t, e.As(editor.Token, "POST", "/api/v1/account/users/"+gone.ID+"/restore", nil), http.StatusForbidden, igny8.EForbidden)
		wantHTTP(t, e.As(editor.Token, "GET", "/api/v1/account/users?deleted=true", nil), http.StatusForbidden, igny8.EForbidden)
	})
}

// TestConcurrentRestoresRespectMaxUsers restores four removed users at
// once into an account with one free seat: exactly one comes back.
func TestConcurrentRestoresRespectMaxUsers(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Rush")
		e.SetPlan(owner.AccountID, "scale") // 5 users
		var ids []string
		for range 4 {
			m := e.RawMember(owner.AccountID, igny8.RoleViewer)
			wantHTTP(t, e.As(owner.Token, "DELETE", "/api/v1/account/users/"+m.ID, nil), http.StatusNoContent, "")
			ids = append(ids, m.ID)
		}
		e.SetPlan(owner.AccountID, "starter") // 2 users: owner + 1
		codes := make([]int, len(ids))
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = e.As(owner.Token, "POST", "/api/v1/account/users/"+id+"/restore", nil).Status
			}()
		}
		wg.Wait()
		restored := 0
		for _, c := range codes {
			switch c {
			case http.StatusOK:
				restored++
			case http.StatusForbidden:
			default:
				t.Errorf("unexpected status %d", c)
			}
		}
		live := e.Count(`SELECT COUNT(*) FROM users WHERE account_id = ? AND deleted_at IS NULL`, owner.AccountID)
		if restored != 1 || live != 2 {
			t.Fatalf("%d restores succeeded, %d live users; want 1 and 2", restored, live)
		}
	})
}
