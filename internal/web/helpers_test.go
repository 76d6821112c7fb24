package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
)

// browser is a cookie-keeping HTTP client that follows redirects and fills
// in the CSRF token of the last page it saw, like a browser posting a form.
type browser struct {
	t    testing.TB
	e    *apptest.Env
	c    *http.Client
	csrf string
}

func newBrowser(t testing.TB, e *apptest.Env) *browser {
	jar, _ := cookiejar.New(nil)
	// Its API answers are checked against openapi.json like the Env's own.
	return &browser{t: t, e: e, c: &http.Client{Jar: jar, Transport: e.Transport()}}
}

// result is an answered page.
type result struct {
	Status int
	URL    *url.URL // after redirects
	Body   string
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

func (b *browser) do(req *http.Request) *result {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindStringSubmatch(string(raw)); m != nil {
		b.csrf = m[1]
	}
	return &result{Status: resp.StatusCode, URL: resp.Request.URL, Body: string(raw)}
}

func (b *browser) get(path string) *result {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.e.URL+path, nil)
	return b.do(req)
}

// post sends a form with the last page's CSRF token; hdr adds headers in
// name, value pairs.
func (b *browser) post(path string, form url.Values, hdr ...string) *result {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, set := form["csrf_token"]; !set {
		form.Set("csrf_token", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.e.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.do(req)
}

// signUp registers through the sign-up form, confirms the address through
// the link of the sign-up message (verify) and returns the email used.
func (b *browser) signUp(name string) string {
	b.t.Helper()
	email := b.signUpUnverified(name)
	b.verify(email)
	return email
}

// verify opens the newest verification link sent to email and presses
// its Confirm button, as its reader would.
func (b *browser) verify(email string) *result {
	b.t.Helper()
	token := b.e.VerificationToken(email)
	page := b.get("/verify-email?token=" + url.QueryEscape(token))
	mustContain(b.t, page, `data-testid="verify-confirm"`)
	r := b.post("/verify-email", url.Values{"token": {token}})
	mustContain(b.t, r, `data-testid="verify-done"`)
	return r
}

// signUpUnverified registers through the sign-up form and returns the
// email used; its link is left unopened.
func (b *browser) signUpUnverified(name string) string {
	b.t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", "")) + "-" + randSuffix() + "@example.com"
	b.get("/signup")
	r := b.post("/signup", url.Values{"name": {name}, "email": {email}, "password": {testPassword}})
	if r.URL.Path != "/sites" || r.URL.Query().Get("notice") != "welcome" {
		b.t.Fatalf("sign-up landed on %s (%d): %s", r.URL, r.Status, r.Body)
	}
	mustContain(b.t, r, "Your free trial has started.", `data-testid="credit-balance">2,000<`)
	return email
}

const testPassword = "a long and unusual passphrase"

var counter atomic.Int64

func randSuffix() string { return strconv.FormatInt(counter.Add(1), 10) }

func mustContain(t testing.TB, r *result, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.Body, w) {
			t.Fatalf("page %s (%d) lacks %q:\n%s", r.URL, r.Status, w, r.Body)
		}
	}
}

// redirect sends a GET without following redirects and returns where it
// points ("" when it does not redirect).
func (b *browser) redirect(path string) string {
	b.t.Helper()
	c := *b.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(b.e.URL + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.Header.Get("Location")
}
