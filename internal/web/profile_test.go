package web_test

import (
	"net/http"
	"net/url"
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
