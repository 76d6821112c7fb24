package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestVerifyEmailPages: an unverified owner sees the banner on every page
// with "send the link again", which replaces the link; checkout and
// invitations are refused with a clear message; the link's page only
// shows a Confirm button (a scanner fetching it verifies nothing), the
// button confirms, the banner goes and checkout works; a used link says
// so.
func TestVerifyEmailPages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := newBrowser(t, e)
		email := owner.signUpUnverified("Pending Owner")
		for _, path := range []string{"/sites", "/account", "/credits", "/billing"} {
			mustContain(t, owner.get(path), `data-testid="unverified-banner"`, email, "Send the link again")
		}
		first := e.VerificationToken(email)
		r := owner.post("/verify-email/resend", url.Values{"next": {"/account"}})
		if r.URL.Path != "/account" {
			t.Fatalf("send again landed on %s", r.URL)
		}
		mustContain(t, r, "We sent you a new link")
		token := e.VerificationToken(email)
		if token == first {
			t.Fatal("send again did not make a new link")
		}

		owner.get("/billing")
		r = owner.post("/billing/checkout", url.Values{"plan": {"growth"}, "payment_method": {"bank_transfer"}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("checkout unverified: %d", r.Status)
		}
		mustContain(t, r, "Confirm your e-mail address first", `data-testid="unverified-banner"`)
		owner.get("/account")
		r = owner.post("/account/users", url.Values{"email": {"helper@example.com"}, "role": {"editor"}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("invite unverified: %d", r.Status)
		}
		mustContain(t, r, "Confirm your e-mail address first")

		// A link scanner fetches the page: nothing is spent.
		scanner := newBrowser(t, e)
		page := scanner.get("/verify-email?token=" + url.QueryEscape(token))
		mustContain(t, page, `data-testid="verify-confirm"`)
		if strings.Contains(owner.get("/sites").Body, "verify-done") || !strings.Contains(owner.get("/sites").Body, "unverified-banner") {
			t.Fatal("opening the link's page verified the address")
		}
		if r := scanner.get("/verify-email"); r.Status != http.StatusNotFound {
			t.Fatalf("the page without a token: %d", r.Status)
		}
		r = scanner.post("/verify-email", url.Values{"token": {first}})
		if r.Status != http.StatusNotFound {
			t.Fatalf("a replaced link: %d", r.Status)
		}
		mustContain(t, r, "does not work any more")

		owner.get("/verify-email?token=" + url.QueryEscape(token))
		r = owner.post("/verify-email", url.Values{"token": {token}})
		mustContain(t, r, `data-testid="verify-done"`, email, "is confirmed")
		if strings.Contains(owner.get("/sites").Body, "unverified-banner") {
			t.Fatal("the banner stays after verifying")
		}
		owner.get("/billing")
		r = owner.post("/billing/checkout", url.Values{"plan": {"growth"}, "payment_method": {"bank_transfer"}})
		mustContain(t, r, "Awaiting your bank transfer")
		r = owner.post("/verify-email/resend", url.Values{"next": {"//evil.example/"}})
		if r.URL.Host != strings.TrimPrefix(e.URL, "http://") {
			t.Fatalf("send again went off site: %s", r.URL)
		}
		mustContain(t, r, "already confirmed")
	})
}

// TestProfileChangeEmail: the profile's E-mail address section asks for
// the current password, refuses a taken address in the form, shows the
// pending address until its link is opened, and then the new one.
func TestProfileChangeEmail(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		other := e.SignUp("Taken")
		owner := newBrowser(t, e)
		email := owner.signUp("Profile Mover")
		r := owner.get("/profile")
		mustContain(t, r, "E-mail address", "You log in with <strong>"+email+"</strong> (confirmed)")
		newAddr := "profile-new-" + email
		r = owner.post("/profile/email", url.Values{"email": {newAddr}, "email_current_password": {"not my password at all"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong password: %d", r.Status)
		}
		mustContain(t, r, `id="e-email_current_password"`, "not your password", `value="`+newAddr+`"`)
		r = owner.post("/profile/email", url.Values{"email": {other.Email}, "email_current_password": {testPassword}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("taken address: %d", r.Status)
		}
		mustContain(t, r, "used by another igny8 account")
		r = owner.post("/profile/email", url.Values{"email": {newAddr}, "email_current_password": {testPassword}})
		mustContain(t, r, "We sent a link to your new address", `data-testid="email-pending"`, newAddr)
		owner.get("/verify-email?token=" + url.QueryEscape(e.VerificationToken(newAddr)))
		r = owner.post("/verify-email", url.Values{"token": {e.VerificationToken(newAddr)}})
		mustContain(t, r, "Your e-mail address is now", newAddr, "We told "+email)
		r = owner.get("/profile")
		mustContain(t, r, "You log in with <strong>"+newAddr+"</strong> (confirmed)")
		if strings.Contains(r.Body, `data-testid="email-pending"`) {
			t.Fatal("the change is still shown as pending")
		}
	})
}
