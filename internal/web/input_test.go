package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestFormsRefuseTextThatIsNotText: on PostgreSQL a NUL or invalid UTF-8
// in a form answered 500; on SQLite the NUL was stored. Every form value,
// query parameter and path value of the pages is checked before a page
// handler runs, on both databases, and nothing is stored.
func TestFormsRefuseTextThatIsNotText(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		anon := newBrowser(t, e)
		anon.get("/signup")
		for _, name := range []string{"Ann\x00", "Ann \xff"} {
			r := anon.post("/signup", url.Values{"name": {name}, "email": {"ann@example.com"}, "password": {testPassword}})
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "The field name must") {
				t.Fatalf("sign-up name %q: %d %s", name, r.Status, r.Body)
			}
		}
		r := anon.post("/login", url.Values{"email": {"ann\x00@example.com"}, "password": {testPassword}})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "The field email must not contain a NUL character.") {
			t.Fatalf("login email with NUL: %d %s", r.Status, r.Body)
		}
		if n := e.Count(`SELECT COUNT(*) FROM accounts`); n != 0 {
			t.Fatalf("%d accounts after refused sign-ups", n)
		}

		b := newBrowser(t, e)
		b.signUp("Form Owner")
		csrf := b.csrf
		for _, v := range []url.Values{{"name": {"Blog\x00"}}, {"name": {"Blog"}, "domain": {"\xc3\x28.example.com"}},
			{"name": {strings.Repeat("n", 1001)}}} {
			v.Set("csrf_token", csrf)
			r := b.post("/sites", v)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("site form %q: %d %s", v, r.Status, r.Body)
			}
		}
		for _, path := range []string{"/sites/%ff/delete", "/sites/%00", "/sites/not-an-id/sectors", "/account/api-keys/%ff/delete"} {
			if r := b.post(path, url.Values{"csrf_token": {csrf}}); r.Status != http.StatusNotFound {
				t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
			}
		}
		if r := b.get("/sites?deleted_site=%ff"); r.Status != http.StatusBadRequest {
			t.Fatalf("query with invalid UTF-8: %d", r.Status)
		}
		if r := b.get("/credits?type=" + strings.Repeat("x", 60_000)); r.Status != http.StatusBadRequest {
			t.Fatalf("long query: %d", r.Status)
		}
		if n := e.Count(`SELECT COUNT(*) FROM sites`); n != 0 {
			t.Fatalf("%d sites after refused forms", n)
		}
	})
}

// TestPagesReadAsSentences: the sign-up page said "Password Must be at
// least 10 characters", and counts of one were plural ("1 sites").
func TestPagesReadAsSentences(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		b := newBrowser(t, e)
		b.get("/signup")
		r := b.post("/signup", url.Values{"name": {" \u200b "}, "email": {"bad"}, "password": {"short"}})
		mustContain(t, r, "Must be at least 10 characters", "Enter your name", "Enter a valid email address")
		if strings.Contains(r.Body, "Password Must") || strings.Contains(r.Body, "password must") {
			t.Fatalf("password message not a sentence:\n%s", r.Body)
		}
		r = b.get("/")
		mustContain(t, r, "<li>1 site</li>", "<li>1 user</li>", "<li>3 sectors per site</li>")
		if strings.Contains(r.Body, "1 sites") || strings.Contains(r.Body, "1 users") {
			t.Fatalf("plural of one on the plans:\n%s", r.Body)
		}

		oneDay := apptest.New(t, be, func(c *config.Config) { c.TrialDays = 1 })
		mustContain(t, newBrowser(t, oneDay).get("/signup"), "1 day and 2,000 credits")
	})
}
