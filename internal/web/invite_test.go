package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// inviteLink has the owner invite email with name and role on the account
// page and returns the link's path and token.
func inviteLink(t *testing.T, owner *browser, email, name, role string) (string, string) {
	t.Helper()
	owner.get("/account")
	r := owner.post("/account/users", url.Values{"email": {email}, "name": {name}, "role": {role}})
	m := inviteURLRE.FindStringSubmatch(r.Body)
	if r.Status != http.StatusCreated || m == nil {
		t.Fatalf("invite %s: %d", email, r.Status)
	}
	link, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	return link.RequestURI(), link.Query().Get("token")
}

// TestAcceptInvitePageDescribesTheInvitation: before its form the page
// names the account, the role and the inviter and pre-fills the name; a
// used, expired, withdrawn or unknown link says so at once, without a form.
func TestAcceptInvitePageDescribesTheInvitation(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := newBrowser(t, e)
		owner.signUp("Ines Inviter")
		acct := accountOf(t, owner)
		e.SetPlan(acct, "scale")
		owner.get("/account")
		owner.post("/account", url.Values{"name": {"Acme Writers"}, "billing_email": {"billing@example.com"}})

		path, token := inviteLink(t, owner, "pat@example.com", "Pat Person", "viewer")
		member := newBrowser(t, e)
		r := member.get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("accept page: %d", r.Status)
		}
		mustContain(t, r, "Ines Inviter invited you to join <strong>Acme Writers</strong> as Viewer (pat@example.com).",
			`value="Pat Person"`, `name="password"`)
		r = member.post("/accept-invite", url.Values{"token": {token}, "name": {"Pat Person"}, "password": {testPassword}})
		if r.URL.Path != "/sites" {
			t.Fatalf("accepted invite landed on %s (%d)", r.URL, r.Status)
		}

		r = newBrowser(t, e).get(path)
		if r.Status != http.StatusGone || strings.Contains(r.Body, `name="password"`) {
			t.Fatalf("used link: %d\n%s", r.Status, r.Body)
		}
		mustContain(t, r, "This invitation was already used", `href="/login"`, "Acme Writers")

		path, _ = inviteLink(t, owner, "late@example.com", "", "editor")
		e.Exec(`UPDATE invitations SET expires_at = created_at WHERE email = 'late@example.com'`)
		r = newBrowser(t, e).get(path)
		if r.Status != http.StatusGone || strings.Contains(r.Body, `name="password"`) {
			t.Fatalf("expired link: %d\n%s", r.Status, r.Body)
		}
		mustContain(t, r, "This invitation expired on", "Ask Ines Inviter for a new one.", "as Editor")

		path, _ = inviteLink(t, owner, "withdrawn@example.com", "", "editor")
		id := regexpFind(t, owner.get("/account").Body, `action="/account/invitations/([^/"]+)/delete"`)
		owner.post("/account/invitations/"+id+"/delete", nil)
		r = newBrowser(t, e).get(path)
		if r.Status != http.StatusGone {
			t.Fatalf("withdrawn link: %d", r.Status)
		}
		mustContain(t, r, "This invitation was withdrawn.")

		r = newBrowser(t, e).get("/accept-invite?token=not-a-real-token")
		if r.Status != http.StatusNotFound || strings.Contains(r.Body, `name="password"`) {
			t.Fatalf("unknown link: %d", r.Status)
		}
		mustContain(t, r, "This invitation link is not valid.")
	})
}

// TestMembersSeeTheAccountsSitesAndTheirWayOut: a viewer with no grant
// sees how many sites the account has and whom to ask; when the account
// is suspended their error page offers to log out.
func TestMembersSeeTheAccountsSitesAndTheirWayOut(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := newBrowser(t, e)
		owner.signUp("Site Owner")
		acct := accountOf(t, owner)
		e.SetPlan(acct, "scale")
		e.AddSite(acct, "First Blog")
		e.AddSite(acct, "Second Blog")
		mustContain(t, owner.get("/sites"), `data-testid="sites-used">2 of 5 used<`)

		path, token := inviteLink(t, owner, "reader@example.com", "Rita Reader", "viewer")
		member := newBrowser(t, e)
		member.get(path)
		r := member.post("/accept-invite", url.Values{"token": {token}, "password": {testPassword}})
		mustContain(t, r, `data-testid="sites-used">2 of 5 used; 0 shared with you<`,
			"No sites are shared with you yet. Ask an owner or admin of this account to give you access.")

		e.Exec(`UPDATE accounts SET status = 'suspended' WHERE id = ?`, acct)
		r = member.get("/sites")
		if r.Status != http.StatusForbidden {
			t.Fatalf("suspended member on /sites: %d", r.Status)
		}
		mustContain(t, r, `data-testid="gated-logout"`, "ask them")
		if strings.Contains(r.Body, "Go to your sites") {
			t.Fatal("the suspended member's error page links back to itself")
		}
		// A member cannot choose a plan: an ended trial tells them who can.
		e.Exec(`UPDATE accounts SET status = 'trial', status_reason = '', trial_ends_at = ? WHERE id = ?`,
			time.Now().UTC().Add(-time.Hour), acct)
		r = member.get("/sites")
		mustContain(t, r, "The free trial has ended. The account owner can choose a plan under Billing to continue.", `data-testid="gated-logout"`)
		r = member.post("/logout", nil)
		if r.Status != http.StatusOK || r.URL.Path == "/sites" {
			t.Fatalf("log out from the error page: %d at %s", r.Status, r.URL)
		}
		if loc := member.redirect("/sites"); !strings.HasPrefix(loc, "/login") {
			t.Fatalf("after logging out /sites redirects to %q", loc)
		}
	})
}

// regexpFind returns the first group of pattern in body, failing when absent.
func regexpFind(t *testing.T, body, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s not found in:\n%s", pattern, body)
	}
	return m[1]
}
