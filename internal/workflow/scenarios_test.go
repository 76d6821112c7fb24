package workflow_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// What a person sees when they try to get in, or come back, on a surface.
const (
	in          = "in"                // logged in; the sites answer
	billingOnly = "in: billing only"  // logged in; billing answers, the sites do not
	refused     = "refused"           // the account gate refuses them
	badLogin    = "wrong credentials" // the email or password is incorrect
	loggedOut   = "logged out"        // the credential no longer works
	throttled   = "throttled"         // 429: the auth budget is spent
	badPassword = "invalid password"  // the password rule refuses it
	taken       = "email taken"       // conflict: the email has an account
	gone        = "invitation gone"   // used, withdrawn or unknown invitation
	done        = "done"
	forbidden   = "forbidden"
	wrongOld    = "wrong current password" // validation_failed naming current_password
	linkRefused = "reset link refused"     // used, replaced, expired or unknown
)

// TestScenariosOnBothSurfaces runs every workflow the API and the pages
// share against both, on every database: each row must end the same way
// on the API and on the pages.
func TestScenariosOnBothSurfaces(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		w := &world{t: t,
			plain: apptest.New(t, b),
			// Throttling on, behind a trusted proxy: the client address is
			// the rightmost X-Forwarded-For entry.
			guarded: apptest.New(t, b, func(c *config.Config) { c.Throttle = "on"; c.TrustProxy = true }),
		}
		w.plain.Exec(`UPDATE plans SET is_active = FALSE WHERE slug = 'enterprise'`)
		for _, sc := range scenarios {
			for _, s := range []func(*apptest.Env) surface{newAPI, newPages} {
				e := w.plain
				if sc.guarded {
					e = w.guarded
				}
				srf := s(e)
				t.Run(sc.name+"/"+srf.String(), func(t *testing.T) {
					srf.bind(t)
					if got := sc.run(t, w, srf); got != sc.want {
						t.Fatalf("%s on the %s: %q, want %q", sc.name, srf, got, sc.want)
					}
				})
			}
		}
	})
}

type scenario struct {
	name string
	// guarded rows run on the igny8 with throttling on behind a proxy.
	guarded bool
	want    string
	run     func(t *testing.T, w *world, s surface) string
}

var scenarios = []scenario{
	// Sign-up.
	{name: "sign-up", want: in, run: func(t *testing.T, w *world, s surface) string {
		_, got := s.signUp("New Owner", w.email(), "a long and unusual passphrase", w.addr())
		return got
	}},
	{name: "sign-up with a common password", want: badPassword, run: func(t *testing.T, w *world, s surface) string {
		_, got := s.signUp("New Owner", w.email(), "1234567890", w.addr())
		return got
	}},
	{name: "sign-up with a taken email", want: taken, run: func(t *testing.T, w *world, s surface) string {
		owner := w.plain.SignUp("First")
		_, got := s.signUp("Second", owner.Email, "a long and unusual passphrase", w.addr())
		return got
	}},

	// Login, and the account gate at login: the owner of a suspended
	// account or of one on a retired plan gets in to pay; nobody else of a
	// refused account does.
	{name: "login", want: in, run: loginAs(ownerOf(active))},
	{name: "login with a wrong password", want: badLogin, run: func(t *testing.T, w *world, s surface) string {
		owner := w.owner()
		_, got := s.login(owner.Email, "not the passphrase at all", w.addr())
		return got
	}},
	{name: "login with an unknown email", want: badLogin, run: func(t *testing.T, w *world, s surface) string {
		_, got := s.login(w.email(), "a long and unusual passphrase", w.addr())
		return got
	}},
	{name: "login of a member", want: in, run: loginAs(memberOf(active))},
	{name: "login of a suspended owner", want: billingOnly, run: loginAs(ownerOf(suspended))},
	{name: "login of a suspended member", want: refused, run: loginAs(memberOf(suspended))},
	{name: "login of a plan-inactive owner", want: billingOnly, run: loginAs(ownerOf(planInactive))},
	{name: "login of a plan-inactive member", want: refused, run: loginAs(memberOf(planInactive))},
	{name: "login of a cancelled owner", want: refused, run: loginAs(ownerOf(cancelled))},

	// A login continued after the account changed: a refresh on the API,
	// the next page on the pages. The same gate as at login.
	{name: "continue", want: in, run: continueAs(ownerOf(active))},
	{name: "continue as a suspended owner", want: billingOnly, run: continueAs(ownerOf(suspended))},
	{name: "continue as a suspended member", want: refused, run: continueAs(memberOf(suspended))},
	{name: "continue as a plan-inactive owner", want: billingOnly, run: continueAs(ownerOf(planInactive))},
	{name: "continue as a plan-inactive member", want: refused, run: continueAs(memberOf(planInactive))},

	// Logout ends the login on the server: the old credential is dead.
	{name: "logout", want: loggedOut, run: func(t *testing.T, w *world, s surface) string {
		owner := w.owner()
		l, got := s.login(owner.Email, owner.Password, w.addr())
		if got != in {
			t.Fatalf("login: %s", got)
		}
		return l.logout()
	}},

	// Your own password: the current one is required; a change ends the
	// other logins and keeps this one; the old password no longer logs in.
	{name: "change password", want: "done, logged out, in, wrong credentials, in", run: func(t *testing.T, w *world, s surface) string {
		owner := w.owner()
		here, got := s.login(owner.Email, owner.Password, w.addr())
		if got != in {
			t.Fatalf("login: %s", got)
		}
		there, _ := s.login(owner.Email, owner.Password, w.addr())
		const next = "a newly chosen passphrase"
		changed := here.changePassword(owner.Password, next)
		_, old := s.login(owner.Email, owner.Password, w.addr())
		_, fresh := s.login(owner.Email, next, w.addr())
		return strings.Join([]string{changed, there.reach(), here.reach(), old, fresh}, ", ")
	}},
	{name: "change password with a wrong current one", want: wrongOld + ", in", run: func(t *testing.T, w *world, s surface) string {
		owner := w.owner()
		here, _ := s.login(owner.Email, owner.Password, w.addr())
		there, _ := s.login(owner.Email, owner.Password, w.addr())
		return here.changePassword("not the password at all", "a newly chosen passphrase") + ", " + there.reach()
	}},

	// Invitations.
	{name: "accept an invitation", want: in, run: func(t *testing.T, w *world, s surface) string {
		_, got := s.acceptInvite(w.invitation(), "another long passphrase", w.addr())
		return got
	}},
	{name: "accept an invitation twice", want: gone, run: func(t *testing.T, w *world, s surface) string {
		token := w.invitation()
		if _, got := s.acceptInvite(token, "another long passphrase", w.addr()); got != in {
			t.Fatalf("first acceptance: %s", got)
		}
		_, got := s.acceptInvite(token, "another long passphrase", w.addr())
		return got
	}},
	{name: "accept an invitation with a common password", want: badPassword, run: func(t *testing.T, w *world, s surface) string {
		_, got := s.acceptInvite(w.invitation(), "qwertyuiop", w.addr())
		return got
	}},

	// Ownership transfer: the new owner may hand it back, the old one may
	// not hand it on again.
	{name: "transfer ownership", want: "done, forbidden", run: func(t *testing.T, w *world, s surface) string {
		owner := w.owner()
		admin := w.plain.Invite(owner, "admin")
		l, got := s.login(owner.Email, owner.Password, w.addr())
		if got != in {
			t.Fatalf("login: %s", got)
		}
		first := l.transfer(admin.ID)
		return first + ", " + l.transfer(admin.ID)
	}},

	// Password recovery: a link by e-mail, a new password, every login
	// ended; the person logs in again through the gate.
	{name: "reset a forgotten password", want: "done, done, logged out, wrong credentials, in", run: func(t *testing.T, w *world, s surface) string {
		owner := w.owner()
		l, got := s.login(owner.Email, owner.Password, w.addr())
		if got != in {
			t.Fatalf("login: %s", got)
		}
		asked := s.forgot(owner.Email, w.addr())
		reset := s.reset(w.plain.ResetToken(owner.Email), "a brand new and long passphrase", w.addr())
		after := l.reach()
		_, old := s.login(owner.Email, owner.Password, w.addr())
		_, fresh := s.login(owner.Email, "a brand new and long passphrase", w.addr())
		return strings.Join([]string{asked, reset, after, old, fresh}, ", ")
	}},
	{name: "forgot password of an unknown email", want: done, run: func(t *testing.T, w *world, s surface) string {
		email := w.email()
		got := s.forgot(email, w.addr())
		if ms := w.plain.Messages(email); len(ms) != 0 {
			t.Fatalf("%d messages to an unknown email", len(ms))
		}
		return got
	}},
	{name: "reset with a used link", want: linkRefused, run: func(t *testing.T, w *world, s surface) string {
		owner := w.owner()
		s.forgot(owner.Email, w.addr())
		token := w.plain.ResetToken(owner.Email)
		if got := s.reset(token, "a brand new and long passphrase", w.addr()); got != done {
			t.Fatalf("first reset: %s", got)
		}
		return s.reset(token, "another new long passphrase", w.addr())
	}},
	{name: "reset with a common password", want: badPassword, run: func(t *testing.T, w *world, s surface) string {
		owner := w.owner()
		s.forgot(owner.Email, w.addr())
		return s.reset(w.plain.ResetToken(owner.Email), "1234567890", w.addr())
	}},
	{name: "reset of a suspended member", want: "done, refused", run: func(t *testing.T, w *world, s surface) string {
		email, _, apply := memberOf(suspended)(w)
		apply()
		s.forgot(email, w.addr())
		got := s.reset(w.plain.ResetToken(email), "a brand new and long passphrase", w.addr())
		_, after := s.login(email, "a brand new and long passphrase", w.addr())
		return got + ", " + after
	}},

	// Throttling behind --trust-proxy: entries the client writes in front
	// of the proxy's buy no budget; one budget per email and one per
	// address, whichever surface the attempts come through.
	{name: "forged X-Forwarded-For", guarded: true, want: throttled, run: func(t *testing.T, w *world, s surface) string {
		proxyAdded := w.addr()
		for i := range 10 {
			if _, got := s.login(w.email(), "a wrong passphrase", fmt.Sprintf("10.9.%d.%d, %s", i, i, proxyAdded)); got != badLogin {
				t.Fatalf("try %d: %s", i+1, got)
			}
		}
		_, got := s.login(w.email(), "a wrong passphrase", "10.9.9.99, "+proxyAdded)
		return got
	}},
	{name: "one email budget across both surfaces", guarded: true, want: throttled, run: func(t *testing.T, w *world, s surface) string {
		email := w.email()
		for i := range 10 {
			if _, got := w.surfaces()[i%2].login(email, "a wrong passphrase", w.addr()); got != badLogin {
				t.Fatalf("try %d: %s", i+1, got)
			}
		}
		_, got := s.login(email, "a wrong passphrase", w.addr())
		return got
	}},
	{name: "one address budget across both surfaces", guarded: true, want: throttled, run: func(t *testing.T, w *world, s surface) string {
		addr := w.addr()
		for i := range 10 {
			if _, got := w.surfaces()[i%2].login(w.email(), "a wrong passphrase", addr); got != badLogin {
				t.Fatalf("try %d: %s", i+1, got)
			}
		}
		_, got := s.login(w.email(), "a wrong passphrase", addr)
		return got
	}},
}

// The recovery budget of an e-mail (3 at once) is one across surfaces
// and addresses.
var recoveryBudget = scenario{name: "one recovery budget across both surfaces", guarded: true, want: throttled,
	run: func(t *testing.T, w *world, s surface) string {
		email := w.email()
		for i := range 3 {
			if got := w.surfaces()[i%2].forgot(email, w.addr()); got != done {
				t.Fatalf("request %d: %s", i+1, got)
			}
		}
		return s.forgot(email, w.addr())
	}}

func init() { scenarios = append(scenarios, recoveryBudget) }

// world is what the rows share on one database: an igny8 without
// throttling and one with it, behind a trusted proxy.
type world struct {
	t              *testing.T
	plain, guarded *apptest.Env
}

var seq atomic.Int64

func (w *world) email() string { return fmt.Sprintf("person-%d@example.com", seq.Add(1)) }

// addr is a client address no other row uses, so that rows do not share
// a budget unless they mean to.
func (w *world) addr() string {
	n := seq.Add(1)
	return fmt.Sprintf("198.51.%d.%d", n/250, n%250+1)
}

// surfaces are both surfaces of the guarded igny8 (the budget rows).
func (w *world) surfaces() []surface {
	out := []surface{newAPI(w.guarded), newPages(w.guarded)}
	for _, s := range out {
		s.bind(w.t)
	}
	return out
}

// owner signs up a new account on a plan with room for a second user.
func (w *world) owner() *apptest.User {
	owner := w.plain.SignUp("Owner")
	w.plain.SetPlan(owner.AccountID, "starter")
	return owner
}

// invitation is the token of a pending invitation to an editor's role.
func (w *world) invitation() string {
	owner := w.owner()
	r := w.plain.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": w.email(), "role": "editor"})
	if r.Status != http.StatusCreated {
		w.t.Fatalf("invite: %s", r)
	}
	var inv struct{ Token string }
	r.JSON(w.t, &inv)
	return inv.Token
}

// Account states a row puts an account in, as SQL with the account id as
// its one argument.
const (
	active       = `UPDATE accounts SET status = 'active' WHERE id = ?`
	suspended    = `UPDATE accounts SET status = 'suspended', status_reason = 'payment_overdue' WHERE id = ?`
	planInactive = `UPDATE accounts SET status = 'active', plan_id = (SELECT id FROM plans WHERE slug = 'enterprise') WHERE id = ?`
	cancelled    = `UPDATE accounts SET status = 'cancelled' WHERE id = ?`
)

// person makes someone of an account in state and returns their email,
// password and the statement that puts the account in state.
type person func(w *world) (email, password string, apply func())

func ownerOf(state string) person {
	return func(w *world) (string, string, func()) {
		owner := w.owner()
		return owner.Email, owner.Password, func() { w.plain.Exec(state, owner.AccountID) }
	}
}

func memberOf(state string) person {
	return func(w *world) (string, string, func()) {
		owner := w.owner()
		member := w.plain.Invite(owner, "editor")
		return member.Email, member.Password, func() { w.plain.Exec(state, owner.AccountID) }
	}
}

// loginAs logs someone in after their account reached its state.
func loginAs(who person) func(t *testing.T, w *world, s surface) string {
	return func(t *testing.T, w *world, s surface) string {
		email, pw, apply := who(w)
		apply()
		_, got := s.login(email, pw, w.addr())
		return got
	}
}

// continueAs logs someone in, then puts their account in its state and
// has them come back.
func continueAs(who person) func(t *testing.T, w *world, s surface) string {
	return func(t *testing.T, w *world, s surface) string {
		email, pw, apply := who(w)
		l, got := s.login(email, pw, w.addr())
		if got != in {
			t.Fatalf("login: %s", got)
		}
		apply()
		return l.resume(w.addr())
	}
}

// surface is one way in: the JSON API or the pages. Each method answers
// with what the person sees, and the login when they got in.
type surface interface {
	String() string
	bind(t *testing.T)
	signUp(name, email, password, addr string) (login, string)
	login(email, password, addr string) (login, string)
	acceptInvite(token, password, addr string) (login, string)
	// forgot asks for a password reset link for email.
	forgot(email, addr string) string
	// reset sets password with the reset link's token.
	reset(token, password, addr string) string
}

// login is someone logged in on a surface.
type login interface {
	// reach says what they may open now.
	reach() string
	// resume continues the login (a refresh, or the next page) and says
	// what they may open then.
	resume(addr string) string
	// logout logs out, then says what the old credential still opens.
	logout() string
	// transfer hands the account's ownership to userID.
	transfer(userID string) string
	// changePassword changes the person's own password from current to next.
	changePassword(current, next string) string
}

// The API.

type apiSurface struct {
	e *apptest.Env
	t *testing.T
}

func newAPI(e *apptest.Env) surface { return &apiSurface{e: e} }

func (s *apiSurface) String() string    { return "API" }
func (s *apiSurface) bind(t *testing.T) { s.t = t }

func (s *apiSurface) signUp(name, email, password, addr string) (login, string) {
	return s.enter(s.e.Do("POST", "/api/v1/auth/register", map[string]string{"name": name, "email": email, "password": password},
		"X-Forwarded-For", addr))
}

func (s *apiSurface) login(email, password, addr string) (login, string) {
	return s.enter(s.e.Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password},
		"X-Forwarded-For", addr))
}

func (s *apiSurface) acceptInvite(token, password, addr string) (login, string) {
	return s.enter(s.e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": token, "password": password},
		"X-Forwarded-For", addr))
}

func (s *apiSurface) forgot(email, addr string) string {
	r := s.e.Do("POST", "/api/v1/auth/password/forgot", map[string]string{"email": email}, "X-Forwarded-For", addr)
	if r.Status == http.StatusAccepted {
		return done
	}
	return s.refusal(r)
}

func (s *apiSurface) reset(token, password, addr string) string {
	r := s.e.Do("POST", "/api/v1/auth/password/reset", map[string]string{"token": token, "password": password},
		"X-Forwarded-For", addr)
	switch {
	case r.Status == http.StatusNoContent:
		return done
	case r.Code() == igny8.EValidation && strings.Contains(string(r.Body), `"field":"token"`):
		return linkRefused
	}
	return s.refusal(r)
}

// enter turns the answer of a way in into what the person sees.
func (s *apiSurface) enter(r *apptest.Response) (login, string) {
	if r.Status == http.StatusOK || r.Status == http.StatusCreated {
		l := &apiLogin{s: s}
		l.take(r)
		return l, l.reach()
	}
	return nil, s.refusal(r)
}

func (s *apiSurface) refusal(r *apptest.Response) string {
	switch code := r.Code(); {
	case r.Status == http.StatusTooManyRequests:
		return throttled
	case code == igny8.EUnauthenticated:
		return badLogin
	case code == igny8.EConflict:
		return taken
	case code == igny8.ENotFound:
		return gone
	case code == igny8.EValidation && strings.Contains(string(r.Body), `"password"`):
		return badPassword
	case code == igny8.EAccountSuspended || code == igny8.EAccountCancelled || code == igny8.EPlanInactive:
		return refused
	case code == igny8.EForbidden:
		return forbidden
	}
	s.t.Fatalf("unexpected answer: %s", r)
	return ""
}

type apiLogin struct {
	s              *apiSurface
	token, refresh string
}

func (l *apiLogin) take(r *apptest.Response) {
	var out struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	r.JSON(l.s.t, &out)
	l.token, l.refresh = out.AccessToken, out.RefreshToken
}

func (l *apiLogin) reach() string {
	r := l.s.e.As(l.token, "GET", "/api/v1/sites", nil)
	switch {
	case r.Status == http.StatusOK:
		return in
	case r.Status == http.StatusUnauthorized:
		return loggedOut
	}
	if l.s.e.As(l.token, "GET", "/api/v1/billing/subscription", nil).Status == http.StatusOK {
		return billingOnly
	}
	return l.s.refusal(r)
}

func (l *apiLogin) resume(addr string) string {
	r := l.s.e.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": l.refresh}, "X-Forwarded-For", addr)
	if r.Status != http.StatusOK {
		if r.Status == http.StatusUnauthorized {
			return loggedOut
		}
		return l.s.refusal(r)
	}
	l.take(r)
	return l.reach()
}

func (l *apiLogin) logout() string {
	if r := l.s.e.As(l.token, "POST", "/api/v1/auth/logout", nil); r.Status != http.StatusNoContent {
		l.s.t.Fatalf("logout: %s", r)
	}
	if got := l.reach(); got != loggedOut {
		return got
	}
	return l.resume("192.0.2.1")
}

func (l *apiLogin) transfer(userID string) string {
	r := l.s.e.As(l.token, "POST", "/api/v1/account/transfer-ownership", map[string]string{"user_id": userID})
	if r.Status == http.StatusNoContent {
		return done
	}
	return l.s.refusal(r)
}

func (l *apiLogin) changePassword(current, next string) string {
	r := l.s.e.As(l.token, "POST", "/api/v1/auth/me/password", map[string]string{"current_password": current, "password": next})
	switch {
	case r.Status == http.StatusOK:
		return done
	case r.Code() == igny8.EValidation && strings.Contains(string(r.Body), `"current_password"`):
		return wrongOld
	}
	return l.s.refusal(r)
}

// The pages, through a browser that keeps cookies, follows redirects and
// posts forms with the CSRF token of the last page it saw.

type pagesSurface struct {
	e *apptest.Env
	t *testing.T
}

func newPages(e *apptest.Env) surface { return &pagesSurface{e: e} }

func (s *pagesSurface) String() string    { return "pages" }
func (s *pagesSurface) bind(t *testing.T) { s.t = t }

func (s *pagesSurface) signUp(name, email, password, addr string) (login, string) {
	b := s.browser()
	b.get("/signup")
	return s.enter(b, b.post("/signup", url.Values{"name": {name}, "email": {email}, "password": {password}}, addr))
}

func (s *pagesSurface) login(email, password, addr string) (login, string) {
	b := s.browser()
	b.get("/login")
	return s.enter(b, b.post("/login", url.Values{"email": {email}, "password": {password}}, addr))
}

func (s *pagesSurface) acceptInvite(token, password, addr string) (login, string) {
	b := s.browser()
	b.get("/accept-invite?token=" + url.QueryEscape(token))
	return s.enter(b, b.post("/accept-invite", url.Values{"token": {token}, "password": {password}}, addr))
}

func (s *pagesSurface) forgot(email, addr string) string {
	b := s.browser()
	b.get("/forgot-password")
	pg := b.post("/forgot-password", url.Values{"email": {email}}, addr)
	if pg.status == http.StatusOK && pg.url.Path == "/forgot-password" && strings.Contains(pg.body, "a link to choose a new password is on its way") {
		return done
	}
	return s.refusal(pg)
}

func (s *pagesSurface) reset(token, password, addr string) string {
	b := s.browser()
	b.get("/reset-password?token=" + url.QueryEscape(token))
	pg := b.post("/reset-password", url.Values{"token": {token}, "password": {password}}, addr)
	switch {
	case pg.status == http.StatusOK && pg.url.Path == "/login" && strings.Contains(pg.body, "Your password was changed"):
		return done
	case pg.status == http.StatusUnprocessableEntity && strings.Contains(pg.body, `data-testid="reset-link-error"`):
		return linkRefused
	}
	return s.refusal(pg)
}

// enter turns the page a form led to into what the person sees.
func (s *pagesSurface) enter(b *browser, pg *page) (login, string) {
	if pg.status == http.StatusOK {
		l := &pagesLogin{s: s, b: b}
		return l, l.reach()
	}
	return nil, s.refusal(pg)
}

func (s *pagesSurface) refusal(pg *page) string {
	switch {
	case pg.status == http.StatusTooManyRequests:
		return throttled
	case pg.status == http.StatusUnauthorized && strings.Contains(pg.body, "The email or password is incorrect."):
		return badLogin
	case pg.status == http.StatusUnauthorized, pg.status == http.StatusForbidden && pg.url.Path == "/sites":
		return refused
	case pg.status == http.StatusNotFound, pg.status == http.StatusGone:
		return gone
	case pg.status == http.StatusUnprocessableEntity && strings.Contains(pg.body, "already exists"):
		return taken
	case pg.status == http.StatusUnprocessableEntity && strings.Contains(pg.body, "password"):
		return badPassword
	case pg.status == http.StatusForbidden:
		return forbidden
	}
	s.t.Fatalf("unexpected page %s (%d):\n%s", pg.url, pg.status, pg.body)
	return ""
}

type pagesLogin struct {
	s *pagesSurface
	b *browser
}

func (l *pagesLogin) reach() string {
	pg := l.b.get("/sites")
	switch {
	case pg.url.Path == "/login":
		return loggedOut
	case pg.status == http.StatusOK && pg.url.Path == "/sites":
		return in
	case pg.status == http.StatusOK && pg.url.Path == "/billing":
		return billingOnly
	}
	return l.s.refusal(pg)
}

// resume: a session goes on with its next page, through the same gate.
func (l *pagesLogin) resume(string) string { return l.reach() }

func (l *pagesLogin) logout() string {
	cookie := l.b.cookie()
	l.b.get("/account")
	if pg := l.b.post("/logout", nil, ""); pg.url.Path != "/" {
		l.s.t.Fatalf("logout landed on %s (%d)", pg.url, pg.status)
	}
	// The cookie the browser dropped, sent again, opens nothing.
	again := &pagesLogin{s: l.s, b: l.s.browser()}
	again.b.setCookie(cookie)
	return again.reach()
}

func (l *pagesLogin) transfer(userID string) string {
	l.b.get("/account")
	pg := l.b.post("/account/users/"+userID, url.Values{"op": {"transfer"}, "confirm": {"yes"}}, "")
	if pg.status == http.StatusOK && pg.url.Query().Get("notice") == "user_transfer" {
		return done
	}
	if pg.status == http.StatusUnprocessableEntity && strings.Contains(pg.body, `role="alert"`) {
		return forbidden // the account page shows a refused change with 422
	}
	return l.s.refusal(pg)
}

func (l *pagesLogin) changePassword(current, next string) string {
	l.b.get("/profile")
	pg := l.b.post("/profile/password", url.Values{"current_password": {current}, "password": {next}}, "")
	switch {
	case pg.status == http.StatusOK && pg.url.Query().Get("notice") == "password_changed":
		return done
	case pg.status == http.StatusUnprocessableEntity && strings.Contains(pg.body, "Is not your current password"):
		return wrongOld
	}
	return l.s.refusal(pg)
}

type browser struct {
	t    *testing.T
	base *url.URL
	c    *http.Client
	csrf string
}

type page struct {
	status int
	url    *url.URL
	body   string
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

func (s *pagesSurface) browser() *browser {
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(s.e.URL)
	return &browser{t: s.t, base: base, c: &http.Client{Jar: jar, Transport: s.e.Transport()}}
}

func (b *browser) do(req *http.Request) *page {
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
	return &page{status: resp.StatusCode, url: resp.Request.URL, body: string(raw)}
}

func (b *browser) get(path string) *page {
	req, _ := http.NewRequest("GET", b.base.String()+path, nil)
	return b.do(req)
}

// post sends a form with the last page's CSRF token from the client
// address addr (as the trusted proxy's X-Forwarded-For; none when empty).
func (b *browser) post(path string, form url.Values, addr string) *page {
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.csrf)
	req, _ := http.NewRequest("POST", b.base.String()+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	return b.do(req)
}

func (b *browser) cookie() *http.Cookie {
	for _, c := range b.c.Jar.Cookies(b.base) {
		if c.Name == igny8.SessionCookie {
			return c
		}
	}
	b.t.Fatal("no session cookie")
	return nil
}

func (b *browser) setCookie(c *http.Cookie) { b.c.Jar.SetCookies(b.base, []*http.Cookie{c}) }
