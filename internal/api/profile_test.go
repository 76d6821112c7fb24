package api_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestChangeOwnName: PATCH /auth/me renames the caller alone, under the
// name rule of sign-up (every fault named, nothing changed), and answers
// the body of GET /auth/me; a developer renames themselves too.
func TestChangeOwnName(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Old Name")
		other := e.SignUp("Bystander")
		r := e.As(u.Token, "PATCH", "/api/v1/auth/me", map[string]any{"name": "  New Name\u200b "})
		var me struct {
			User    struct{ ID, Name, Email string }
			Account *struct{ ID string }
		}
		r.JSON(t, &me)
		if r.Status != http.StatusOK || me.User.Name != "New Name" || me.User.ID != u.ID || me.Account == nil || me.Account.ID != u.AccountID {
			t.Fatalf("rename: %s", r)
		}
		for _, body := range []map[string]any{
			{"name": "   "}, {}, {"name": strings.Repeat("x", 101)}, {"name": "a\tb"},
		} {
			r := e.As(u.Token, "PATCH", "/api/v1/auth/me", body)
			var p struct{ Errors []struct{ Field string } }
			r.JSON(t, &p)
			if r.Status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "name" {
				t.Fatalf("rename to %v: %s", body, r)
			}
		}
		if r := e.As(u.Token, "PATCH", "/api/v1/auth/me", map[string]any{"name": "X", "email": "x@example.com"}); r.Status != http.StatusBadRequest {
			t.Fatalf("an unknown field: %s", r)
		}
		for tok, want := range map[string]string{u.Token: "New Name", other.Token: "Bystander"} {
			if r := e.As(tok, "GET", "/api/v1/auth/me", nil); !strings.Contains(string(r.Body), `"name":"`+want+`"`) {
				t.Fatalf("me after renames: %s, want %s", r, want)
			}
		}
		dev := e.Developer()
		r = e.As(dev, "PATCH", "/api/v1/auth/me", map[string]any{"name": "Ops"})
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"name":"Ops"`) || !strings.Contains(string(r.Body), `"account":null`) {
			t.Fatalf("developer rename: %s", r)
		}
		if r := e.Do("PATCH", "/api/v1/auth/me", map[string]any{"name": "Nobody"}); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous rename: %s", r)
		}
	})
}

// webSession logs in on the login page and returns the session cookie's
// token.
func webSession(t *testing.T, e *apptest.Env, email, password string, hdr ...string) string {
	t.Helper()
	c := &http.Client{Transport: e.Transport(), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"email": {email}, "password": {password}}
	req, _ := http.NewRequest("POST", e.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "igny8_session" && ck.Value != "" {
			return ck.Value
		}
	}
	t.Fatalf("web login of %s: %d, no session cookie", email, resp.StatusCode)
	return ""
}

type loginRow struct {
	ID            string  `json:"id"`
	Kind          string  `json:"kind"`
	ClientAddress *string `json:"client_address"`
	UserAgent     *string `json:"user_agent"`
	Current       bool    `json:"current"`
	CreatedAt     string  `json:"created_at"`
	LastUsedAt    string  `json:"last_used_at"`
}

func logins(t *testing.T, e *apptest.Env, hdr ...string) []loginRow {
	t.Helper()
	r := e.Do("GET", "/api/v1/auth/sessions", nil, hdr...)
	if r.Status != http.StatusOK {
		t.Fatalf("sessions: %s", r)
	}
	var page struct {
		Items      []loginRow `json:"items"`
		NextCursor *string    `json:"next_cursor"`
	}
	r.JSON(t, &page)
	return page.Items
}

func fieldsOf(t *testing.T, r *apptest.Response) string {
	t.Helper()
	var p struct{ Errors []struct{ Field string } }
	r.JSON(t, &p)
	var fs []string
	for _, f := range p.Errors {
		fs = append(fs, f.Field)
	}
	return strings.Join(fs, ",")
}

// TestChangeOwnPassword: the current password is required and checked,
// the new one is under the sign-up rule, every fault is named at once and
// nothing changes on a refusal; a change ends every other login (API
// families with their access tokens, web sessions) from their next
// request, keeps the caller's, e-mails a notice and is audited.
func TestChangeOwnPassword(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Pass Changer")
		var other tokenPair
		e.Login(u.Email, u.Password).JSON(t, &other)
		cookie := "igny8_session=" + webSession(t, e, u.Email, u.Password)
		const next = "another long passphrase"
		for _, c := range []struct {
			body   map[string]any
			fields string
		}{
			{map[string]any{"current_password": "wrong password here", "password": next}, "current_password"},
			{map[string]any{"current_password": u.Password, "password": "short"}, "password"},
			{map[string]any{"current_password": u.Password, "password": u.Password}, "password"},
			{map[string]any{"current_password": "", "password": "1234567890"}, "current_password,password"},
			// Over its length, refused at the edge before any check.
			{map[string]any{"current_password": "wrong password here", "password": strings.Repeat("p", 257)}, "password"},
			{map[string]any{"password": next}, "current_password"},
		} {
			r := e.As(u.Token, "POST", "/api/v1/auth/me/password", c.body)
			if r.Status != http.StatusUnprocessableEntity || r.Code() != "validation_failed" || fieldsOf(t, r) != c.fields {
				t.Fatalf("change with %v: %s, want 422 naming %s", c.body, r, c.fields)
			}
		}
		if r := e.As(other.AccessToken, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("a refused change ended another login: %s", r)
		}

		r := e.As(u.Token, "POST", "/api/v1/auth/me/password", map[string]any{"current_password": u.Password, "password": next})
		var ended struct {
			EndedLogins int `json:"ended_logins"`
		}
		r.JSON(t, &ended)
		if r.Status != http.StatusOK || ended.EndedLogins != 2 {
			t.Fatalf("change: %s, want 200 with 2 logins ended", r)
		}
		if r := e.As(other.AccessToken, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("another login's access token after the change: %s", r)
		}
		if r, _ := refresh(t, e, other.RefreshToken); r.Status != http.StatusUnauthorized {
			t.Fatalf("another login's refresh token after the change: %s", r)
		}
		if r := e.Do("GET", "/api/v1/auth/me", nil, "Cookie", cookie); r.Status != http.StatusUnauthorized {
			t.Fatalf("the web session after the change: %s", r)
		}
		if r := e.As(u.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("the caller's own access token after the change: %s", r)
		}
		if r, _ := refresh(t, e, u.RefreshToken); r.Status != http.StatusOK {
			t.Fatalf("the caller's own refresh token after the change: %s", r)
		}
		if r := e.Login(u.Email, u.Password); r.Status != http.StatusUnauthorized {
			t.Fatalf("login with the old password: %s", r)
		}
		if r := e.Login(u.Email, next); r.Status != http.StatusOK {
			t.Fatalf("login with the new password: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM messages WHERE kind = 'password_changed' AND to_addr = ?`, u.Email); n != 1 {
			t.Fatalf("%d password_changed notices to %s, want 1", n, u.Email)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE action = 'user.password_changed' AND target_id = ?`, u.ID); n != 1 {
			t.Fatalf("%d user.password_changed events, want 1", n)
		}

		// A person logged in on the pages changes it through the API with
		// the cookie: that web session is the one kept.
		cookie = "igny8_session=" + webSession(t, e, u.Email, next)
		r = e.Do("POST", "/api/v1/auth/me/password", map[string]any{"current_password": next, "password": "a third long passphrase"}, "Cookie", cookie)
		if r.Status != http.StatusOK {
			t.Fatalf("change with the cookie: %s", r)
		}
		if r := e.Do("GET", "/api/v1/auth/me", nil, "Cookie", cookie); r.Status != http.StatusOK {
			t.Fatalf("the cookie's own session after its change: %s", r)
		}
		if r := e.As(u.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("an API login after a change made on the web: %s", r)
		}
	})
}

// TestWrongCurrentPasswordSpendsLoginBudget: guessing the current password
// spends the e-mail's login budget, so the guesses are throttled and a
// login with that e-mail from anywhere is refused with them.
func TestWrongCurrentPasswordSpendsLoginBudget(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0], throttleOn)
	u := e.SignUp("Guessed")
	refused := 0
	for i := 0; i < 30 && refused == 0; i++ {
		r := e.As(u.Token, "POST", "/api/v1/auth/me/password", map[string]any{"current_password": "guess number " + strconv.Itoa(i), "password": "another long passphrase"})
		switch r.Status {
		case http.StatusUnprocessableEntity:
		case http.StatusTooManyRequests:
			refused = i + 1
			if r.Code() != "rate_limited" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("refused guess: %s", r)
			}
		default:
			t.Fatalf("guess %d: %s", i+1, r)
		}
	}
	if refused == 0 || refused > 12 {
		t.Fatalf("the guess refused first was number %d, want the e-mail's budget of 10 (sign-up spent one) to run out", refused)
	}
	if r := e.Do("POST", "/api/v1/auth/login", map[string]string{"email": u.Email, "password": u.Password},
		"X-Forwarded-For", "198.51.100.77"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("login of the guessed e-mail from another address: %s, want 429", r)
	}
}

// TestOwnLogins: GET /auth/sessions lists the caller's own active logins,
// API and web, newest first, with where they came from and which one is
// the caller's; DELETE /auth/sessions/{id} ends one of them from its next
// request, and another person's id is not found, exactly like an unknown
// one; end-others ends all but the caller's.
func TestOwnLogins(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Many Logins")
		stranger := e.SignUp("Stranger")
		var second tokenPair
		e.Do("POST", "/api/v1/auth/login", map[string]string{"email": u.Email, "password": u.Password},
			"User-Agent", "Publisher/2.1 (\tbot)").JSON(t, &second)
		cookie := "igny8_session=" + webSession(t, e, u.Email, u.Password, "User-Agent", "Mozilla/5.0 Test")
		bearer := []string{"Authorization", "Bearer " + u.Token}

		ls := logins(t, e, bearer...)
		if len(ls) != 3 || ls[0].Kind != "web" || ls[1].Kind != "api" || ls[2].Kind != "api" || !ls[2].Current || ls[0].Current || ls[1].Current {
			t.Fatalf("logins: %+v, want web, api, api (this one) newest first", ls)
		}
		if ls[0].UserAgent == nil || *ls[0].UserAgent != "Mozilla/5.0 Test" || ls[1].UserAgent == nil || *ls[1].UserAgent != "Publisher/2.1 ( bot)" ||
			ls[0].ClientAddress == nil || *ls[0].ClientAddress != "127.0.0.1" || ls[1].ClientAddress == nil || *ls[1].ClientAddress != "127.0.0.1" {
			t.Fatalf("logins without their client: %+v", ls)
		}
		web, api := ls[0].ID, ls[1].ID
		if ls := logins(t, e, "Cookie", cookie); len(ls) != 3 || !ls[0].Current || ls[2].Current {
			t.Fatalf("logins seen by the web session: %+v", ls)
		}
		if ls := logins(t, e, "Authorization", "Bearer "+stranger.Token); len(ls) != 1 || !ls[0].Current {
			t.Fatalf("the stranger's logins: %+v", ls)
		}

		// Paging, newest first.
		r := e.As(u.Token, "GET", "/api/v1/auth/sessions?limit=2", nil)
		var page struct {
			Items      []loginRow `json:"items"`
			NextCursor *string    `json:"next_cursor"`
		}
		r.JSON(t, &page)
		if len(page.Items) != 2 || page.NextCursor == nil || page.Items[1].ID != api {
			t.Fatalf("first page of 2: %s", r)
		}
		r = e.As(u.Token, "GET", "/api/v1/auth/sessions?limit=2&cursor="+*page.NextCursor, nil)
		page.Items, page.NextCursor = nil, nil
		r.JSON(t, &page)
		if len(page.Items) != 1 || page.NextCursor != nil || !page.Items[0].Current {
			t.Fatalf("second page: %s", r)
		}
		if r := e.As(u.Token, "GET", "/api/v1/auth/sessions?cursor=nonsense", nil); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a bad cursor: %s", r)
		}

		// Another person's login, or none at all: 404 alike, nothing ended.
		strangerLogin := logins(t, e, "Authorization", "Bearer "+stranger.Token)[0].ID
		for _, id := range []string{strangerLogin, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"} {
			if r := e.As(u.Token, "DELETE", "/api/v1/auth/sessions/"+id, nil); r.Status != http.StatusNotFound || r.Code() != "not_found" {
				t.Fatalf("ending %s: %s, want 404", id, r)
			}
		}
		if r := e.As(stranger.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("the stranger after someone tried to end their login: %s", r)
		}

		if r := e.As(u.Token, "DELETE", "/api/v1/auth/sessions/"+web, nil); r.Status != http.StatusNoContent {
			t.Fatalf("ending the web session: %s", r)
		}
		if r := e.Do("GET", "/api/v1/auth/me", nil, "Cookie", cookie); r.Status != http.StatusUnauthorized {
			t.Fatalf("the ended web session: %s", r)
		}
		if r := e.As(u.Token, "DELETE", "/api/v1/auth/sessions/"+api, nil); r.Status != http.StatusNoContent {
			t.Fatalf("ending the other API login: %s", r)
		}
		if r := e.As(second.AccessToken, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("an access token of the ended login: %s", r)
		}
		if r, _ := refresh(t, e, second.RefreshToken); r.Status != http.StatusUnauthorized {
			t.Fatalf("the refresh token of the ended login: %s", r)
		}
		if r := e.As(u.Token, "DELETE", "/api/v1/auth/sessions/"+api, nil); r.Status != http.StatusNotFound {
			t.Fatalf("ending it again: %s", r)
		}
		if ls := logins(t, e, bearer...); len(ls) != 1 || !ls[0].Current {
			t.Fatalf("logins after ending two: %+v", ls)
		}

		// Log out everywhere else.
		var third tokenPair
		e.Login(u.Email, u.Password).JSON(t, &third)
		cookie = "igny8_session=" + webSession(t, e, u.Email, u.Password)
		r = e.As(u.Token, "POST", "/api/v1/auth/sessions/end-others", nil)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"ended_logins":2`) {
			t.Fatalf("end-others: %s", r)
		}
		for _, hdr := range [][]string{{"Authorization", "Bearer " + third.AccessToken}, {"Cookie", cookie}} {
			if r := e.Do("GET", "/api/v1/auth/me", nil, hdr...); r.Status != http.StatusUnauthorized {
				t.Fatalf("%s after end-others: %s", hdr[0], r)
			}
		}
		if r := e.As(u.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("the caller after end-others: %s", r)
		}
		if r := e.As(stranger.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("the stranger after end-others: %s", r)
		}

		// Ending its own login is logging out.
		own := logins(t, e, bearer...)[0].ID
		if r := e.As(u.Token, "DELETE", "/api/v1/auth/sessions/"+own, nil); r.Status != http.StatusNoContent {
			t.Fatalf("ending its own login: %s", r)
		}
		if r := e.As(u.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("after ending its own login: %s", r)
		}
	})
}
