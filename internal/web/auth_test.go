package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

func TestLandingShowsPublicPlans(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	r := newBrowser(t, e).get("/")
	if r.Status != http.StatusOK {
		t.Fatalf("landing: %d", r.Status)
	}
	mustContain(t, r, "Start Your Free Trial", "Starter", "$89.00", "Growth", "Scale", "Enterprise", "Custom")
	if strings.Contains(r.Body, "Free Trial</h3>") {
		t.Fatal("the free-trial plan is not for sale and should not be listed")
	}
}

func TestSignUpFormKeepsValuesButNotThePassword(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	b := newBrowser(t, e)
	mustContain(t, b.get("/signup"), "<h1>Start Your Free Trial</h1>", `name="name"`, `name="email"`, `name="password"`)
	r := b.post("/signup", url.Values{"name": {"Ada <Lovelace>"}, "email": {"not-an-email"}, "password": {"short pw"}})
	if r.Status != http.StatusUnprocessableEntity || r.URL.Path != "/signup" {
		t.Fatalf("bad form: %d %s", r.Status, r.URL)
	}
	mustContain(t, r, `value="Ada &lt;Lovelace&gt;"`, `value="not-an-email"`, "Enter a valid email address",
		"at least 10 characters", `aria-invalid="true"`)
	if strings.Contains(r.Body, "short pw") {
		t.Fatal("the password was echoed back")
	}
	r = b.post("/signup", url.Values{"name": {""}, "email": {"ada@example.com"}, "password": {"password123"}})
	mustContain(t, r, "Enter your name", "too common", `value="ada@example.com"`)
}

func TestSignUpLogsInAndRefusesATakenEmail(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		b := newBrowser(t, e)
		email := b.signUp("Ada Lovelace")
		// The session cookie also authenticates the JSON API.
		me := b.get("/api/v1/auth/me")
		if me.Status != http.StatusOK || !strings.Contains(me.Body, email) || !strings.Contains(me.Body, `"credits":2000`) {
			t.Fatalf("me with cookie: %d %s", me.Status, me.Body)
		}
		other := newBrowser(t, e)
		other.get("/signup")
		r := other.post("/signup", url.Values{"name": {"Ada Again"}, "email": {strings.ToUpper(email)}, "password": {testPassword}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("taken email: %d", r.Status)
		}
		mustContain(t, r, "already exists", `value="Ada Again"`)
	})
}

func TestLoginLogout(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		email := newBrowser(t, e).signUp("Grace Hopper")
		b := newBrowser(t, e)
		if loc := b.redirect("/credits"); loc != "/login?next=%2Fcredits" {
			t.Fatalf("anonymous /credits went to %q", loc)
		}
		r := b.post("/login", url.Values{"email": {email}, "password": {"wrong password here"}, "next": {"/sites"}})
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", r.Status)
		}
		mustContain(t, r, "The email or password is incorrect.", `value="`+email+`"`)
		r = b.post("/login", url.Values{"email": {email}, "password": {testPassword}, "next": {"https://evil.example/"}})
		if r.URL.Path != "/sites" {
			t.Fatalf("login landed on %s, not /sites", r.URL)
		}
		if me := b.get("/api/v1/auth/me"); me.Status != http.StatusOK {
			t.Fatalf("me after login: %d", me.Status)
		}
		b.get("/")
		r = b.post("/logout", nil)
		if r.URL.Path != "/" {
			t.Fatalf("logout landed on %s", r.URL)
		}
		mustContain(t, r, "You have logged out.")
		if me := b.get("/api/v1/auth/me"); me.Status != http.StatusUnauthorized {
			t.Fatalf("me after logout: %d", me.Status)
		}
		// Logging out through the API with the cookie ends the web session too.
		b.post("/login", url.Values{"email": {email}, "password": {testPassword}})
		req, _ := http.NewRequest("POST", e.URL+"/api/v1/auth/logout", nil)
		if r := b.do(req); r.Status != http.StatusNoContent {
			t.Fatalf("API logout with the cookie: %d %s", r.Status, r.Body)
		}
		if loc := b.redirect("/credits"); !strings.HasPrefix(loc, "/login") {
			t.Fatalf("still logged in after the API logout: %q", loc)
		}
	})
}

func TestCrossSiteFormsAreRefused(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	b := newBrowser(t, e)
	b.signUp("Mallory Target")
	b.get("/")
	// A form posted from another site.
	r := b.post("/logout", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if r.Status != http.StatusForbidden {
		t.Fatalf("cross-site logout: %d", r.Status)
	}
	mustContain(t, r, "sent from another site")
	// A same-origin post without the session's token.
	r = b.post("/logout", url.Values{"csrf_token": {"forged"}})
	if r.Status != http.StatusForbidden {
		t.Fatalf("logout without token: %d", r.Status)
	}
	// Still logged in.
	if me := b.get("/api/v1/auth/me"); me.Status != http.StatusOK {
		t.Fatalf("me: %d", me.Status)
	}
	// The JSON API accepts the cookie for a same-site call and refuses a
	// state change that a browser marks as cross-site.
	post := func(site string) *result {
		req, _ := http.NewRequest("POST", e.URL+"/api/v1/sites", strings.NewReader(`{"name":"Via cookie"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", site)
		return b.do(req)
	}
	if r := post("cross-site"); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Cross-site") {
		t.Fatalf("cross-site API post with the cookie: %d %s", r.Status, r.Body)
	}
	if r := post("same-origin"); r.Status != http.StatusCreated {
		t.Fatalf("same-origin API post with the cookie: %d %s", r.Status, r.Body)
	}
}

func TestFriendlyNotFound(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	r := newBrowser(t, e).get("/no/such/page")
	if r.Status != http.StatusNotFound {
		t.Fatalf("status %d", r.Status)
	}
	mustContain(t, r, "Page not found", "There is no page at /no/such/page.")
}

func TestSessionCookieAttributes(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0], func(c *config.Config) { c.TrustProxy = true })
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i, proto := range []string{"", "https"} {
		form := url.Values{"name": {"Cookie Check"}, "email": {"cookie" + strconv.Itoa(i) + "@example.com"}, "password": {testPassword}}
		req, _ := http.NewRequest("POST", e.URL+"/signup", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		set := resp.Header.Get("Set-Cookie")
		for _, want := range []string{"igny8_session=", "Path=/", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(set, want) {
				t.Fatalf("Set-Cookie %q lacks %s", set, want)
			}
		}
		if strings.Contains(set, "Secure") != (proto == "https") {
			t.Fatalf("behind proto %q: Set-Cookie %q", proto, set)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	b := newBrowser(t, e)
	if r := b.get("/static/style.css"); r.Status != http.StatusOK || !strings.Contains(r.Body, "--brand") {
		t.Fatalf("stylesheet: %d", r.Status)
	}
	if r := b.get("/static/"); r.Status != http.StatusNotFound {
		t.Fatalf("static folder listing: %d", r.Status)
	}
}
