package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

var (
	inviteURLRE = regexp.MustCompile(`data-testid="invite-url">([^<]+)<`)
	newKeyRE    = regexp.MustCompile(`data-testid="new-api-key">(igny8_[^<]+)<`)
)

func TestInvitationAndAPIKeyPages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := newBrowser(t, e)
		email := owner.signUp("Team Lead")
		e.SetPlan(accountOf(t, owner), "growth")
		r := owner.get("/account")
		mustContain(t, r, "Settings", "People", "API keys", email)
		r = owner.post("/account/users", url.Values{"email": {"writer@example.com"}, "role": {"editor"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("invite: %d", r.Status)
		}
		link, _ := url.Parse(strings.ReplaceAll(inviteURLRE.FindStringSubmatch(r.Body)[1], "&amp;", "&"))
		mustContain(t, owner.get("/account"), "Pending invitations", "writer@example.com as Editor")

		member := newBrowser(t, e)
		mustContain(t, member.get(link.RequestURI()), "Join your team")
		r = member.post("/accept-invite", url.Values{"token": {link.Query().Get("token")}, "name": {"Wendy Writer"}, "password": {"short"}})
		mustContain(t, r, "at least 10 characters", `value="Wendy Writer"`)
		r = member.post("/accept-invite", url.Values{"token": {link.Query().Get("token")}, "name": {"Wendy Writer"}, "password": {testPassword}})
		if r.URL.Path != "/sites" {
			t.Fatalf("accepted invite landed on %s (%d)", r.URL, r.Status)
		}
		mustContain(t, r, "You have joined the account.", "No sites are shared with you yet.")
		r = member.post("/accept-invite", url.Values{"token": {link.Query().Get("token")}, "name": {"Again"}, "password": {testPassword}})
		mustContain(t, r, "This invitation was already used")
		// An editor cannot manage keys or people.
		if r := member.post("/account/api-keys", url.Values{"name": {"sneaky"}}); r.Status != http.StatusForbidden {
			t.Fatalf("editor creating a key: %d", r.Status)
		}

		owner.get("/account")
		r = owner.post("/account/api-keys", url.Values{"name": {"WordPress"}, "role": {"editor"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("create key: %d", r.Status)
		}
		key := newKeyRE.FindStringSubmatch(r.Body)[1]
		mustContain(t, r, "shown only this once", `data-copy="#new-api-key"`)
		if api := e.Do("GET", "/api/v1/account", nil, "X-API-Key", key); api.Status != http.StatusOK {
			t.Fatalf("the new key does not work: %s", api)
		}
		if strings.Contains(owner.get("/account").Body, key) {
			t.Fatal("the key's secret is shown again")
		}
	})
}

// accountOf reads the browser's account id through the API with its cookie.
func accountOf(t *testing.T, b *browser) string {
	t.Helper()
	r := b.get("/api/v1/account")
	m := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("account: %d %s", r.Status, r.Body)
	}
	return m[1]
}

// TestSiteBoundKeyOnAccountPage creates a key bound to a site from the
// account page: the answer shows its secret once, and the page keeps
// rendering with the key listed under its site's name.
func TestSiteBoundKeyOnAccountPage(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := newBrowser(t, e)
		owner.signUp("Key Maker")
		owner.get("/sites")
		r := owner.post("/sites", url.Values{"name": {"Bound Blog"}, "domain": {"bound.example.com"}})
		siteID := regexp.MustCompile(`<option value="([^"]+)">Bound Blog</option>`).FindStringSubmatch(owner.get("/account").Body)
		if siteID == nil {
			t.Fatalf("no site on the account page after creating one (%d)", r.Status)
		}
		r = owner.post("/account/api-keys", url.Values{"name": {"WordPress: bound"}, "role": {"editor"}, "site_id": {siteID[1]}})
		if r.Status != http.StatusCreated {
			t.Fatalf("create a site-bound key: %d\n%s", r.Status, r.Body)
		}
		m := newKeyRE.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("the new key's secret is not shown:\n%s", r.Body)
		}
		if api := e.Do("GET", "/api/v1/sites", nil, "X-API-Key", m[1]); api.Status != http.StatusOK || !strings.Contains(string(api.Body), "Bound Blog") {
			t.Fatalf("the site-bound key does not see its site: %s", api)
		}
		r = owner.get("/account")
		if r.Status != http.StatusOK {
			t.Fatalf("account page with a site-bound key: %d\n%s", r.Status, r.Body)
		}
		mustContain(t, r, "<td>WordPress: bound</td>", "<td>Bound Blog</td>")
		// A key whose site was deleted still renders.
		owner.get("/sites")
		owner.post("/sites/"+siteID[1]+"/delete", url.Values{"confirm": {"yes"}})
		r = owner.get("/account")
		if r.Status != http.StatusOK {
			t.Fatalf("account page with a key of a deleted site: %d", r.Status)
		}
		mustContain(t, r, "<td>WordPress: bound</td>", "<td>A deleted site</td>")
	})
}

// TestRemovedPersonIsRestoredFromAccountPage removes a member on the
// account page, finds them under "Removed people" and restores them; a
// restore past the plan's user limit is refused on the page.
func TestRemovedPersonIsRestoredFromAccountPage(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := newBrowser(t, e)
		owner.signUp("Restorer")
		acct := accountOf(t, owner)
		e.SetPlan(acct, "starter") // owner + 1 seat
		owner.get("/account")
		r := owner.post("/account/users", url.Values{"email": {"comeback@example.com"}, "role": {"editor"}})
		link, _ := url.Parse(strings.ReplaceAll(inviteURLRE.FindStringSubmatch(r.Body)[1], "&amp;", "&"))
		member := newBrowser(t, e)
		member.get(link.RequestURI())
		member.post("/accept-invite", url.Values{"token": {link.Query().Get("token")}, "name": {"Cora Comeback"}, "password": {testPassword}})
		id := regexp.MustCompile(`id="role-([^"]+)"`).FindStringSubmatch(owner.get("/account").Body)[1]

		r = owner.post("/account/users/"+id, url.Values{"op": {"remove"}, "confirm": {"yes"}})
		mustContain(t, r, "can be restored below", "Removed people", "Cora Comeback (comeback@example.com), Editor", `aria-label="Restore comeback@example.com"`)

		// Someone else's invitation takes the last seat: the restore is refused.
		owner.post("/account/users", url.Values{"email": {"filler@example.com"}, "role": {"viewer"}})
		r = owner.post("/account/users/"+id, url.Values{"op": {"restore"}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("restore past the user limit: %d", r.Status)
		}
		mustContain(t, r, "user limit is reached", "Removed people")
		inv := regexp.MustCompile(`action="/account/invitations/([^/"]+)/delete"`).FindStringSubmatch(r.Body)[1]
		owner.post("/account/invitations/"+inv+"/delete", nil)
		r = owner.post("/account/users/"+id, url.Values{"op": {"restore"}})
		mustContain(t, r, "The user was restored", "<td>comeback@example.com</td>")
		if strings.Contains(r.Body, "Removed people") {
			t.Fatal("the restored user is still listed as removed")
		}
		back := newBrowser(t, e)
		back.get("/login")
		if r := back.post("/login", url.Values{"email": {"comeback@example.com"}, "password": {testPassword}}); r.URL.Path != "/sites" {
			t.Fatalf("the restored user's login landed on %s (%d)", r.URL, r.Status)
		}

		// A live user's email, of this account or another, is refused at once.
		other := newBrowser(t, e).signUp("Elsewhere")
		r = owner.post("/account/users", url.Values{"email": {other}, "role": {"viewer"}})
		if r.Status != http.StatusConflict {
			t.Fatalf("inviting another account's user: %d", r.Status)
		}
		mustContain(t, r, "This email already belongs to an igny8 user")
		r = owner.post("/account/users", url.Values{"email": {"comeback@example.com"}, "role": {"viewer"}})
		mustContain(t, r, "already a member of the account")
	})
}

// TestPeopleCountsOnlyInvitationsThatCanBeAccepted: an invitation whose
// email has since become another account's user cannot be accepted and
// takes no seat, so the People heading and the pending list leave it out.
func TestPeopleCountsOnlyInvitationsThatCanBeAccepted(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := newBrowser(t, e)
		owner.signUp("Seat Counter")
		e.SetPlan(accountOf(t, owner), "scale")
		inviteLink(t, owner, "later-own-account@example.com", "", "editor")
		inviteLink(t, owner, "still-pending@example.com", "", "viewer")
		mustContain(t, owner.get("/account"), "(3 of ")

		other := newBrowser(t, e)
		other.get("/signup")
		if r := other.post("/signup", url.Values{"name": {"Own Account"}, "email": {"later-own-account@example.com"}, "password": {testPassword}}); r.URL.Path != "/sites" {
			t.Fatalf("sign-up of the invited email landed on %s (%d)", r.URL, r.Status)
		}
		r := owner.get("/account")
		mustContain(t, r, "(2 of ", "still-pending@example.com as Viewer")
		if strings.Contains(r.Body, "later-own-account@example.com") {
			t.Fatalf("the account page still lists an invitation that can no longer be accepted:\n%s", r.Body)
		}
	})
}
