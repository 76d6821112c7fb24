package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestPasswordResetPages: the login page links to the forgot form; the
// form answers the same for any e-mail; the link opens a form with the
// token in a hidden field and no Referer; setting the password ends every
// session of the person (another browser's too) and sends them to log in.
func TestPasswordResetPages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		other := newBrowser(t, e)
		email := other.signUp("Web Forgetful")

		b := newBrowser(t, e)
		login := b.get("/login")
		mustContain(t, login, `href="/forgot-password"`, "Forgot your password?")
		form := b.get("/forgot-password")
		mustContain(t, form, `action="/forgot-password"`, `name="email"`)
		known := b.post("/forgot-password", url.Values{"email": {email}})
		unknown := b.post("/forgot-password", url.Values{"email": {"nobody-" + email}})
		for _, r := range []*result{known, unknown} {
			if r.Status != http.StatusOK || r.URL.Path != "/forgot-password" {
				t.Fatalf("forgot landed on %s (%d)", r.URL, r.Status)
			}
			mustContain(t, r, "a link to choose a new password is on its way")
		}
		if r := b.post("/forgot-password", url.Values{"email": {"not an address"}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a malformed e-mail: %d", r.Status)
		} else if strings.Contains(r.Body, "The field email") || strings.Count(r.Body, "Enter the e-mail you log in with, like") != 1 {
			// The field says what is wrong, once, in the page's words (not
			// the API's "The field email ..." above the form as well).
			t.Fatalf("a malformed e-mail is told twice or in the API's words:\n%s", r.Body)
		}

		token := e.ResetToken(email)
		req, _ := http.NewRequest("GET", e.URL+"/reset-password?token="+url.QueryEscape(token), nil)
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Fatalf("Referrer-Policy %q on the page with the token", got)
		}
		page := b.get("/reset-password?token=" + url.QueryEscape(token))
		mustContain(t, page, `name="token" value="`+token+`"`, `name="csrf_token"`, `autocomplete="new-password"`)
		if r := b.post("/reset-password", url.Values{"token": {token}, "password": {"qwertyuiop"}}); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, `name="token" value="`+token+`"`) {
			t.Fatalf("a common password: %d, the form keeps the link: %v", r.Status, strings.Contains(r.Body, token))
		}
		done := b.post("/reset-password", url.Values{"token": {token}, "password": {"a brand new and long passphrase"}})
		if done.URL.Path != "/login" {
			t.Fatalf("reset landed on %s (%d)", done.URL, done.Status)
		}
		mustContain(t, done, "Your password was changed")
		if r := other.get("/sites"); r.URL.Path != "/login" {
			t.Fatalf("the other browser's session still opens %s", r.URL)
		}
		again := b.get("/reset-password?token=" + url.QueryEscape(token))
		if again.Status != http.StatusGone || strings.Contains(again.Body, `action="/reset-password"`) {
			t.Fatalf("the used link: %d", again.Status)
		}
		mustContain(t, again, "was already used", `href="/forgot-password"`)
		b.get("/login")
		if r := b.post("/login", url.Values{"email": {email}, "password": {"a brand new and long passphrase"}}); r.URL.Path != "/sites" {
			t.Fatalf("login with the new password landed on %s (%d)", r.URL, r.Status)
		}
		for _, bad := range []string{"", "?token=nonsense"} {
			r := b.get("/reset-password" + bad)
			if strings.Contains(r.Body, `action="/reset-password"`) || !strings.Contains(r.Body, `data-testid="reset-link-error"`) {
				t.Fatalf("/reset-password%s (%d) shows the form", bad, r.Status)
			}
		}
	})
}
