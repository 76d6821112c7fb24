package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// logIn posts the login form and answers the page it led to.
func (b *browser) logIn(email, password string) *result {
	b.t.Helper()
	b.get("/login")
	return b.post("/login", url.Values{"email": {email}, "password": {password}})
}

func TestTwoStepLoginOnThePages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		u := e.SignUp("Paged Person")
		f := e.EnrolFactor(u.Token)

		b := newBrowser(t, e)
		r := b.logIn(u.Email, u.Password)
		if r.Status != http.StatusOK || r.URL.Path != "/login" {
			t.Fatalf("password step landed on %s (%d)", r.URL, r.Status)
		}
		mustContain(t, r, "Two-step login", `action="/login/code"`)
		if b.redirect("/sites") != "/login?next=%2Fsites" {
			t.Fatal("the password alone opened a session")
		}
		ch := challengeOf(t, r)
		r = b.post("/login/code", url.Values{"challenge": {ch}, "code": {"000000"}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "The code is incorrect") || challengeOf(t, r) != ch {
			t.Fatalf("wrong code: %d %s", r.Status, r.Body)
		}
		r = b.post("/login/code", url.Values{"challenge": {ch}, "code": {f.Code()}})
		if r.URL.Path != "/sites" {
			t.Fatalf("second step landed on %s (%d)", r.URL, r.Status)
		}
		r = b.get("/profile")
		mustContain(t, r, `id="two-step"`, "On since", "Recovery codes left: <strong>10</strong>")

		// A spent challenge sends back to the password.
		other := newBrowser(t, e)
		other.get("/login")
		r = other.post("/login/code", url.Values{"challenge": {ch}, "code": {f.Recovery()}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, `action="/login"`) {
			t.Fatalf("a spent challenge: %d %s", r.Status, r.Body)
		}

		// Turning it off on the profile, with a recovery code.
		b.get("/profile")
		r = b.post("/profile/two-step/disable", url.Values{"code": {"nope"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("turn off with a wrong code: %d", r.Status)
		}
		r = b.post("/profile/two-step/disable", url.Values{"code": {f.Recovery()}})
		mustContain(t, r, "Two-step login is off.")
		if r := newBrowser(t, e).logIn(u.Email, u.Password); r.URL.Path != "/sites" {
			t.Fatalf("login after turning it off landed on %s", r.URL)
		}
	})
}

func TestEnrolmentOnThePages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := e.SignUp("Strict Pages")
		e.SetPlan(owner.AccountID, "growth")
		member := e.Invite(owner, "editor")
		f := e.EnrolFactor(owner.Token)

		// The owner requires it, from a two-step login on the pages.
		ob := newBrowser(t, e)
		r := ob.logIn(owner.Email, owner.Password)
		ob.post("/login/code", url.Values{"challenge": {challengeOf(t, r)}, "code": {f.Recovery()}})
		ob.get("/account")
		r = ob.post("/account/two-step", url.Values{"require": {"yes"}})
		mustContain(t, r, "Everyone in the account must now use two-step login")

		// The member's next login reaches only enrolment.
		mb := newBrowser(t, e)
		r = mb.logIn(member.Email, member.Password)
		if r.URL.Path != "/profile" {
			t.Fatalf("member's login landed on %s", r.URL)
		}
		mustContain(t, r, `data-testid="enrolment-required"`)
		for _, page := range []string{"/sites", "/account", "/credits", "/billing"} {
			if to := mb.redirect(page); to != "/profile#two-step" {
				t.Fatalf("%s sends the member to %q", page, to)
			}
		}
		if r := mb.post("/sites", url.Values{"name": {"Sneaky"}}); r.Status != http.StatusForbidden {
			t.Fatalf("a form before enrolment: %d", r.Status)
		}
		// Enrolment on the page: the key shown, confirmed by its code.
		mb.get("/profile")
		r = mb.post("/profile/two-step/start", nil)
		mustContain(t, r, `data-testid="totp-qr"`, `src="data:image/png;base64,`)
		secret := between(r.Body, `data-testid="totp-secret">`, "<")
		mf := e.FactorOf(secret)
		r = mb.post("/profile/two-step/confirm", url.Values{"code": {"123456"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "does not match") {
			t.Fatalf("confirm with a wrong code: %d %s", r.Status, between(r.Body, `class="error" role="alert">`, "<"))
		}
		r = mb.post("/profile/two-step/confirm", url.Values{"code": {mf.CodeAt(e.Now())}})
		mustContain(t, r, `data-testid="recovery-codes"`)
		if r := mb.get("/sites"); r.URL.Path != "/sites" || r.Status != http.StatusOK {
			t.Fatalf("member after enrolment at %s (%d)", r.URL, r.Status)
		}
		if n := e.Count(`SELECT COUNT(*) FROM web_sessions WHERE user_id = ? AND second_factor = TRUE AND revoked_at IS NULL`, member.ID); n != 1 {
			t.Fatalf("%d of the member's sessions are marked as using a second factor", n)
		}
	})
}

func TestAdministratorResetsOnThePages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		u := e.SignUp("Lost Device")
		e.EnrolFactor(u.Token)
		admin := developer(t, e)
		admin.get("/admin")
		if r := admin.post("/admin/two-step/reset", url.Values{"email": {u.Email}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("reset without the confirmation: %d", r.Status)
		}
		r := admin.post("/admin/two-step/reset", url.Values{"email": {u.Email}, "confirm": {"yes"}})
		mustContain(t, r, "two-step login was turned off")
		if n := e.Count(`SELECT COUNT(*) FROM messages WHERE kind = 'second_factor_reset' AND to_addr = ?`, u.Email); n != 1 {
			t.Fatalf("%d messages of the reset", n)
		}
		if r := admin.post("/admin/two-step/reset", url.Values{"email": {u.Email}, "confirm": {"yes"}}); r.Status != http.StatusNotFound {
			t.Fatalf("a second reset: %d", r.Status)
		}
	})
}

// TestKnownBrowserIsNotSlowed: the owner's browser, which logged in
// before, gets in while another browser that failed ten times waits.
func TestKnownBrowserIsNotSlowed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		u := e.SignUp("Owner Under Attack")
		mine := newBrowser(t, e)
		if r := mine.logIn(u.Email, u.Password); r.URL.Path != "/sites" {
			t.Fatalf("owner's first login landed on %s", r.URL)
		}
		mine.post("/logout", nil)
		attacker := newBrowser(t, e)
		for range 10 {
			attacker.logIn(u.Email, "not the passphrase")
		}
		if r := attacker.logIn(u.Email, u.Password); r.Status != http.StatusTooManyRequests {
			t.Fatalf("the attacker's browser after ten failures: %d", r.Status)
		}
		if r := mine.logIn(u.Email, u.Password); r.URL.Path != "/sites" {
			t.Fatalf("the owner's browser during the attack landed on %s (%d)", r.URL, r.Status)
		}
	})
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
