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

// TestProfileName: every logged-in person, owner or developer, reaches
// /profile from the navigation and changes their name there; a name the
// sign-up rule refuses is shown again in its section, with what is wrong.
func TestProfileName(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := newBrowser(t, e)
		email := owner.signUp("Pat Profile")
		mustContain(t, owner.get("/sites"), `<a href="/profile">Profile</a>`)
		r := owner.get("/profile")
		mustContain(t, r, "Your profile", email, `<h2 id="name-h">Name</h2>`, `value="Pat Profile"`)

		r = owner.post("/profile/name", url.Values{"name": {"  Patricia <Profile>  "}})
		if r.URL.Path != "/profile" || r.URL.Query().Get("notice") != "name_saved" {
			t.Fatalf("name change landed on %s (%d)", r.URL, r.Status)
		}
		mustContain(t, r, "Your name was saved.", `value="Patricia &lt;Profile&gt;"`)
		if me := owner.get("/api/v1/auth/me"); !strings.Contains(me.Body, `"name":"Patricia \u003cProfile\u003e"`) {
			t.Fatalf("the API does not show the new name: %s", me.Body)
		}

		for _, bad := range []string{"   ", strings.Repeat("n", 101), "two\nlines"} {
			r = owner.post("/profile/name", url.Values{"name": {bad}})
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("name %q: %d", bad, r.Status)
			}
			mustContain(t, r, `aria-invalid="true" aria-describedby="e-name"`)
		}
		mustContain(t, owner.get("/profile"), `value="Patricia &lt;Profile&gt;"`)
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE action = 'user.renamed'`); n != 1 {
			t.Fatalf("%d user.renamed events, want 1", n)
		}

		dev := developer(t, e)
		mustContain(t, dev.get("/admin"), `<a href="/profile">Profile</a>`)
		r = dev.post("/profile/name", url.Values{"name": {"Ops Person"}})
		if r.URL.Path != "/profile" {
			t.Fatalf("developer name change landed on %s (%d)", r.URL, r.Status)
		}
		mustContain(t, r, `value="Ops Person"`)

		anon := newBrowser(t, e)
		if loc := anon.redirect("/profile"); !strings.HasPrefix(loc, "/login") {
			t.Fatalf("anonymous /profile redirects to %q", loc)
		}
	})
}

var endLoginRE = regexp.MustCompile(`action="/profile/logins/([0-9a-f-]{36})/delete"`)

// loginIDs are the logins a profile page offers to log out.
func loginIDs(r *result) []string {
	var ids []string
	for _, m := range endLoginRE.FindAllStringSubmatch(r.Body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// mustLogIn logs b in on the login page (a person without a second factor).
func (b *browser) mustLogIn(email, password string) {
	b.t.Helper()
	b.get("/login")
	if r := b.post("/login", url.Values{"email": {email}, "password": {password}}); r.URL.Path != "/sites" {
		b.t.Fatalf("login of %s landed on %s (%d)", email, r.URL, r.Status)
	}
}

// TestProfilePasswordAndLogins: the page lists the person's logins, API
// and web, this browser's marked; changing the password there needs the
// current one, logs out every other browser and API client and keeps this
// one; a login is logged out on its row, all others at once below, and
// another person's login cannot be named.
func TestProfilePasswordAndLogins(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		a := newBrowser(t, e)
		email := a.signUp("Two Browsers")
		b := newBrowser(t, e)
		b.mustLogIn(email, testPassword)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		e.Login(email, testPassword).JSON(t, &tok)

		r := a.get("/profile")
		mustContain(t, r, "Where you&rsquo;re logged in", "(this one)", "Web browser", "API client", "Log out everywhere else")
		if n := strings.Count(r.Body, `data-testid="login-row"`); n != 3 || len(loginIDs(r)) != 2 {
			t.Fatalf("%d logins listed, %d to log out; want 3 and 2:\n%s", n, len(loginIDs(r)), r.Body)
		}

		r = a.post("/profile/password", url.Values{"current_password": {"not the password"}, "password": {"short"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong current password: %d", r.Status)
		}
		mustContain(t, r, "Is not your current password", "Must be at least 10 characters", `id="e-current_password"`)
		if strings.Contains(r.Body, "not the password") {
			t.Fatal("the page shows a typed password again")
		}
		const next = "the next long passphrase"
		r = a.post("/profile/password", url.Values{"current_password": {testPassword}, "password": {next}})
		if r.URL.Path != "/profile" || r.URL.Query().Get("notice") != "password_changed" {
			t.Fatalf("password change landed on %s (%d)", r.URL, r.Status)
		}
		mustContain(t, r, "Your password was changed.")
		if strings.Contains(r.Body, "Log out everywhere else") || len(loginIDs(r)) != 0 {
			t.Fatalf("other logins are still listed after the change:\n%s", r.Body)
		}
		if loc := b.redirect("/sites"); !strings.HasPrefix(loc, "/login") {
			t.Fatalf("the other browser after the change goes to %q", loc)
		}
		if r := e.As(tok.AccessToken, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("the API login after the change: %s", r)
		}
		mustContain(t, a.get("/sites"), "Sites")

		// One row's "Log out", then everywhere else.
		b.mustLogIn(email, next)
		ids := loginIDs(a.get("/profile"))
		if len(ids) != 1 {
			t.Fatalf("%d other logins, want the other browser", len(ids))
		}
		r = a.post("/profile/logins/"+ids[0]+"/delete", nil)
		if r.URL.Query().Get("notice") != "login_ended" || len(loginIDs(r)) != 0 {
			t.Fatalf("ending the other browser's login: %s (%d)", r.URL, r.Status)
		}
		if loc := b.redirect("/sites"); !strings.HasPrefix(loc, "/login") {
			t.Fatalf("the browser logged out from the profile goes to %q", loc)
		}
		b.mustLogIn(email, next)
		e.Login(email, next).JSON(t, &tok)
		a.get("/profile")
		r = a.post("/profile/logins/others/delete", nil)
		if r.URL.Query().Get("notice") != "logins_ended" || len(loginIDs(r)) != 0 {
			t.Fatalf("log out everywhere else: %s (%d)", r.URL, r.Status)
		}
		if loc := b.redirect("/sites"); !strings.HasPrefix(loc, "/login") {
			t.Fatalf("the other browser after everywhere else goes to %q", loc)
		}
		if r := e.As(tok.AccessToken, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("the API login after everywhere else: %s", r)
		}

		// Another person's login is not found, and stays.
		c := newBrowser(t, e)
		c.signUp("Someone Else")
		theirs := e.Count(`SELECT COUNT(*) FROM web_sessions WHERE revoked_at IS NULL`)
		var id string
		if err := e.App.DB().SQL().QueryRow(e.App.DB().Rebind(`SELECT ws.id FROM web_sessions ws JOIN users u ON u.id = ws.user_id
			WHERE u.name = ? AND ws.revoked_at IS NULL`), "Someone Else").Scan(&id); err != nil {
			t.Fatal(err)
		}
		a.get("/profile")
		if r := a.post("/profile/logins/"+id+"/delete", nil); r.Status != http.StatusNotFound {
			t.Fatalf("ending another person's login: %d", r.Status)
		}
		if n := e.Count(`SELECT COUNT(*) FROM web_sessions WHERE revoked_at IS NULL`); n != theirs {
			t.Fatalf("%d live sessions after the refused end, want %d", n, theirs)
		}
		mustContain(t, c.get("/sites"), "Sites")
	})
}
