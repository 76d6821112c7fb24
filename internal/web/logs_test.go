package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// lockedBuffer is a log destination shared by the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestNoSecretInLogs runs invitations, acceptances, logins, refreshes and
// API keys through the API and the pages with the log at DEBUG, and finds
// none of the secrets involved in any line: not the invitation links (they
// can make an admin), passwords, access or refresh tokens, API keys or
// session cookies, also when sent in a query string.
func TestNoSecretInLogs(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		checkNoSecretInLogs(t, be)
	})
}

func checkNoSecretInLogs(t *testing.T, be storetest.Backend) {
	logs := &lockedBuffer{}
	e := apptest.NewWithLogger(t, be,
		slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	var secrets []string
	keep := func(s ...string) {
		for _, v := range s {
			if len(v) < 8 {
				t.Fatalf("secret %q too short to look for", v)
			}
			secrets = append(secrets, v)
		}
	}

	// The API: sign-up, invitation, acceptance, logins, refresh, keys.
	owner := e.SignUp("Logged")
	keep(owner.Password, owner.Token, owner.RefreshToken)
	e.SetPlan(owner.AccountID, "growth")
	r := e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "admin-to-be@example.com", "role": "admin"})
	if r.Status != http.StatusCreated {
		t.Fatalf("invite: %s", r)
	}
	var inv struct{ Token, URL string }
	r.JSON(t, &inv)
	keep(inv.Token, inv.URL)
	if !strings.Contains(inv.URL, inv.Token) {
		t.Fatalf("the answer lacks the link with its token: %s", r)
	}
	// An invitation sent again gets a new link, logged no more than the first.
	var again struct {
		Invitation struct{ ID string }
		Token, URL string
	}
	e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "resent@example.com"}).JSON(t, &again)
	keep(again.Token)
	if r := e.As(owner.Token, "POST", "/api/v1/account/invitations/"+again.Invitation.ID+"/resend", nil); r.Status != http.StatusOK {
		t.Fatalf("resend: %s", r)
	} else {
		r.JSON(t, &again)
	}
	keep(again.Token, again.URL)
	e.As(owner.Token, "DELETE", "/api/v1/account/invitations/"+again.Invitation.ID, nil)
	link, _ := url.Parse(inv.URL)
	if p := e.Do("GET", link.RequestURI(), nil); p.Status != http.StatusOK {
		t.Fatalf("the invitation page: %s", p)
	}
	memberPassword := "the new admin's passphrase"
	keep(memberPassword)
	r = e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": inv.Token, "password": memberPassword})
	if r.Status != http.StatusCreated {
		t.Fatalf("accept: %s", r)
	}
	var pair struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	r.JSON(t, &pair)
	keep(pair.AccessToken, pair.RefreshToken)
	e.Login(owner.Email, "a mistyped passphrase")
	keep("a mistyped passphrase")
	r = e.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": pair.RefreshToken})
	if r.Status != http.StatusOK {
		t.Fatalf("refresh: %s", r)
	}
	r.JSON(t, &pair)
	keep(pair.AccessToken, pair.RefreshToken)
	e.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": owner.RefreshToken}) // spent: revokes
	_, key := e.NewAPIKey(pair.AccessToken, map[string]any{"name": "sync"})
	keep(key)
	e.Do("GET", "/api/v1/account", nil, "X-API-Key", key)
	e.Do("GET", "/api/v1/account?api_key="+url.QueryEscape(key)+"&token="+url.QueryEscape(pair.AccessToken), nil)
	e.Do("GET", "/api/v1/account", nil, "Authorization", "Bearer "+key+"x") // a wrong key
	e.As(pair.AccessToken, "POST", "/api/v1/auth/logout", nil)

	// The pages: sign-up (session cookie), invitation, acceptance, keys.
	b := newBrowser(t, e)
	b.signUp("Web Owner")
	base, _ := url.Parse(e.URL)
	for _, c := range b.c.Jar.Cookies(base) {
		if c.Name == igny8.SessionCookie {
			keep(c.Value)
		}
	}
	if len(secrets) < 13 {
		t.Fatal("no session cookie after sign-up")
	}
	e.SetPlan(accountOf(t, b), "growth")
	b.get("/account")
	r2 := b.post("/account/users", url.Values{"email": {"web-admin@example.com"}, "role": {"admin"}})
	m := inviteURLRE.FindStringSubmatch(r2.Body)
	if r2.Status != http.StatusCreated || m == nil {
		t.Fatalf("web invite: %d %s", r2.Status, r2.Body)
	}
	webLink, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	keep(webLink.Query().Get("token"))
	member := newBrowser(t, e)
	member.get(webLink.RequestURI())
	member.post("/accept-invite", url.Values{"token": {webLink.Query().Get("token")}, "name": {"Web Admin"}, "password": {memberPassword}})
	b.get("/account")
	r2 = b.post("/account/api-keys", url.Values{"name": {"Web key"}})
	if km := newKeyRE.FindStringSubmatch(r2.Body); km != nil {
		keep(km[1])
	} else {
		t.Fatalf("web key: %d", r2.Status)
	}
	member.post("/logout", nil)
	member.get("/login")
	member.post("/login", url.Values{"email": {"web-admin@example.com"}, "password": {"a wrong web passphrase"}})
	keep("a wrong web passphrase")

	// Password recovery: the reset link's token travels in the query of
	// the page and in its form; neither it nor the new password is logged.
	forgetful := newBrowser(t, e)
	forgetful.get("/forgot-password")
	forgetful.post("/forgot-password", url.Values{"email": {owner.Email}})
	resetToken := e.ResetToken(owner.Email)
	keep(resetToken, "the reset web passphrase")
	forgetful.get("/reset-password?token=" + url.QueryEscape(resetToken))
	if r := forgetful.post("/reset-password", url.Values{"token": {resetToken}, "password": {"the reset web passphrase"}}); r.URL.Path != "/login" {
		t.Fatalf("reset landed on %s (%d)", r.URL, r.Status)
	}

	out := logs.String()
	if !strings.Contains(out, "invitation created") || !strings.Contains(out, "invitation resent") || !strings.Contains(out, `query="token=REDACTED"`) {
		t.Fatalf("the flow logged no invitation or no redacted query; the test looks at the wrong log:\n%s", out)
	}
	for _, s := range secrets {
		for _, form := range []string{s, url.QueryEscape(s)} {
			if i := strings.Index(out, form); i >= 0 {
				line := out[strings.LastIndexByte(out[:i], '\n')+1:]
				line, _, _ = strings.Cut(line, "\n")
				t.Errorf("a secret is in the log: %s", line)
			}
		}
	}
}
