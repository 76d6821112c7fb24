package apptest

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/cli"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Factor is a second factor turned on through the API, as a person with
// an authenticator app has it: the secret shown at enrolment and the
// recovery codes not used yet.
type Factor struct {
	e *Env
	// Secret is the base32 secret the enrolment answered.
	Secret        string
	RecoveryCodes []string
}

// FactorOf is the factor of a secret read elsewhere (from a page), to
// make its codes.
func (e *Env) FactorOf(secret string) *Factor { return &Factor{e: e, Secret: secret} }

// Advance moves the env's clock (the database's and the workflows') by
// d: a TOTP code is accepted once, so a second code needs the next step.
func (e *Env) Advance(d time.Duration) { e.offset.Add(int64(d)) }

// Freeze stops the env's clock at t (Advance still moves it), for tests
// of what depends on the time step.
func (e *Env) Freeze(t time.Time) { e.frozen.Store(t.UnixNano()) }

// Now is the server's clock: the database's and the workflows' (the
// env's, or one a test put in its place).
func (e *Env) Now() time.Time { return e.App.DB().Now() }

func (e *Env) now() time.Time {
	base := time.Now()
	if f := e.frozen.Load(); f != 0 {
		base = time.Unix(0, f)
	}
	return base.Add(time.Duration(e.offset.Load())).UTC().Truncate(time.Microsecond)
}

// CodeAt is the factor's TOTP code at t, made by pquerna/otp as an
// authenticator app makes it.
func (f *Factor) CodeAt(t time.Time) string {
	f.e.T.Helper()
	code, err := totp.GenerateCodeCustom(f.Secret, t, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		f.e.T.Fatalf("TOTP code: %v", err)
	}
	return code
}

// Code moves the env's clock into the next 30-second step and returns the
// code of that step: one no login or confirmation has used.
func (f *Factor) Code() string {
	f.e.Advance(30 * time.Second)
	return f.CodeAt(f.e.Now())
}

// Recovery spends one of the factor's recovery codes (the test's copy).
func (f *Factor) Recovery() string {
	if len(f.RecoveryCodes) == 0 {
		panic("apptest: no recovery codes left")
	}
	c := f.RecoveryCodes[0]
	f.RecoveryCodes = f.RecoveryCodes[1:]
	return c
}

// EnrolFactor turns on two-step login for the person logged in with
// token through the real endpoints: start (the secret), confirm with the
// current code (the recovery codes).
func (e *Env) EnrolFactor(token string) *Factor {
	e.T.Helper()
	r := e.As(token, "POST", "/api/v1/auth/mfa/totp", nil)
	if r.Status != http.StatusCreated {
		e.T.Fatalf("start two-step login: %s", r)
	}
	var start struct {
		Secret string `json:"secret"`
	}
	r.JSON(e.T, &start)
	f := &Factor{e: e, Secret: start.Secret}
	r = e.As(token, "POST", "/api/v1/auth/mfa/totp/confirm", map[string]string{"code": f.CodeAt(e.Now())})
	if r.Status != http.StatusOK {
		e.T.Fatalf("confirm two-step login: %s", r)
	}
	var done struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	r.JSON(e.T, &done)
	f.RecoveryCodes = done.RecoveryCodes
	return f
}

// LoginTwoStep logs in with email and password and completes the second
// step with code, returning the answer of POST /auth/mfa.
func (e *Env) LoginTwoStep(email, password, code string) *Response {
	e.T.Helper()
	r := e.Login(email, password)
	var ch struct {
		MFARequired bool   `json:"mfa_required"`
		Challenge   string `json:"challenge"`
	}
	r.JSON(e.T, &ch)
	if r.Status != http.StatusOK || !ch.MFARequired {
		e.T.Fatalf("login of %s did not ask for a second factor: %s", email, r)
	}
	return e.Do("POST", "/api/v1/auth/mfa", map[string]string{"challenge": ch.Challenge, "code": code})
}

// Dev is a system administrator with their second factor.
type Dev struct {
	User
	Factor *Factor
}

// NewDeveloper creates a system administrator through the CLI code path,
// turns on their second factor through the API (administrators must have
// one: until then only enrolment is open to them) and logs them in with
// it (a recovery code, so that the clock stays where it is).
func (e *Env) NewDeveloper() *Dev {
	e.T.Helper()
	n := seq.Add(1)
	d := &Dev{User: User{Email: fmt.Sprintf("dev-%d@igny8.test", n), Password: "developer password 1"}}
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), []string{"admin", "create", "--database-url", e.Cfg.DatabaseURL,
		"--email", d.Email, "--password", d.Password}, func(string) string { return "" }, &out, &errOut)
	if code != 0 {
		e.T.Fatalf("admin create: %s", errOut.String())
	}
	r := e.Login(d.Email, d.Password)
	if r.Status != http.StatusOK {
		e.T.Fatalf("developer login: %s", r)
	}
	var first struct {
		AccessToken string `json:"access_token"`
	}
	r.JSON(e.T, &first)
	d.Factor = e.EnrolFactor(first.AccessToken)
	r = e.LoginTwoStep(d.Email, d.Password, d.Factor.Recovery())
	if r.Status != http.StatusOK {
		e.T.Fatalf("developer two-step login: %s", r)
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		User         struct{ ID string }
	}
	r.JSON(e.T, &tok)
	d.ID, d.Token, d.RefreshToken = tok.User.ID, tok.AccessToken, tok.RefreshToken
	return d
}

// Developer is NewDeveloper's access token: a system administrator's
// login that used their second factor.
func (e *Env) Developer() string {
	e.T.Helper()
	return e.NewDeveloper().Token
}

var challengeField = regexp.MustCompile(`name="challenge" value="([^"]*)"`)

// LogInOnPages logs in on the pages with client c: the login form and,
// when the login asks for a second factor, the code form with a recovery
// code of f (a TOTP code would move the clock). It returns the last
// answer, its body read and closed.
func (e *Env) LogInOnPages(tb testing.TB, c *http.Client, email, password string, f *Factor) (*http.Response, string) {
	tb.Helper()
	resp, body := postForm(tb, e, c, "/login", url.Values{"email": {email}, "password": {password}})
	m := challengeField.FindStringSubmatch(body)
	if m == nil || resp.StatusCode != http.StatusOK {
		return resp, body
	}
	if f == nil {
		tb.Fatalf("the login of %s asks for a second factor", email)
	}
	return postForm(tb, e, c, "/login/code", url.Values{"challenge": {html.UnescapeString(m[1])}, "code": {f.Recovery()}})
}

func postForm(tb testing.TB, e *Env, c *http.Client, path string, form url.Values) (*http.Response, string) {
	tb.Helper()
	resp, err := c.PostForm(e.URL+path, form)
	if err != nil {
		tb.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}
