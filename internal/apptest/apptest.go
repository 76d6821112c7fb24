// Package apptest runs the real igny8 program in-process for HTTP tests:
// the same wiring as igny8 serve (internal/cli.NewApp) on a test database,
// behind an httptest server, with helpers to sign up and call the API.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/cli"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// Env is one running igny8 with its own database.
type Env struct {
	T   testing.TB
	URL string
	App *cli.App
	Cfg config.Config
	// Handler is the served handler, for in-process benchmarks.
	Handler http.Handler
	srv     *httptest.Server
	client  *http.Client

	// offset moves the clock of the database and the workflows (Advance).
	offset atomic.Int64
	// frozen, when not zero, is the clock's base in Unix nanoseconds
	// (Freeze).
	frozen atomic.Int64

	contractOnce sync.Once
	contractDoc  *contract
	contractErr  error
}

// New starts igny8 on a fresh database of backend b. Throttling is off
// unless an option turns it on; opts adjust the configuration.
func New(t testing.TB, b storetest.Backend, opts ...func(*config.Config)) *Env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(&testWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return NewWithLogger(t, b, log, opts...)
}

// NewWithLogger is New with the server's logger given, for tests of what
// is logged.
func NewWithLogger(t testing.TB, b storetest.Backend, log *slog.Logger, opts ...func(*config.Config)) *Env {
	t.Helper()
	cfg := config.Default()
	cfg.DatabaseURL = b.URL(t)
	cfg.Throttle = "off"
	// Password hashing at the cheapest argon2id cost: the suites sign up
	// and log in thousands of times, and the cost itself is not under test.
	cfg.Argon2MemoryKiB, cfg.Argon2Time = 64, 1
	for _, o := range opts {
		o(&cfg)
	}
	app, err := cli.NewApp(context.Background(), &cfg, log)
	if err != nil {
		t.Fatalf("start igny8: %v", err)
	}
	handler := app.Handler()
	e := &Env{T: t, App: app, Cfg: cfg, Handler: handler}
	app.DB().Now = e.now
	srv := httptest.NewServer(handler)
	t.Cleanup(func() { srv.Close(); app.Close() })
	e.URL, e.srv = srv.URL, srv
	e.client = e.Client()
	return e
}

// ShiftClock moves the database's clock, which every expiry is measured
// by, d ahead of the real time (from now on, for every request).
// It is Advance from the real time: the shift replaces an earlier one.
func (e *Env) ShiftClock(d time.Duration) { e.offset.Store(int64(d)) }

// Settle waits until the work requests left for after their answer (a
// password reset request's link and message) is done.
func (e *Env) Settle() { e.App.Settle() }

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Response is an answered request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test when it cannot.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// Map decodes the body as a JSON object.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	m := map[string]any{}
	r.JSON(t, &m)
	return m
}

// Code returns the problem code of an error response, or "".
func (r *Response) Code() string {
	var p struct{ Code string }
	_ = json.Unmarshal(r.Body, &p)
	return p.Code
}

func (r *Response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// Do sends a request. body is JSON-encoded unless it is nil, a string or
// []byte (sent as is). hdr is a list of header name, value pairs; a lone
// token ("Bearer x" style credentials) can be given as "Authorization", v.
func (e *Env) Do(method, path string, body any, hdr ...string) *Response {
	e.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.T.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.T.Fatalf("new request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// As sends a request with a bearer token.
func (e *Env) As(token, method, path string, body any, hdr ...string) *Response {
	e.T.Helper()
	return e.Do(method, path, body, append([]string{"Authorization", "Bearer " + token}, hdr...)...)
}

// User is a signed-up person.
type User struct {
	ID, Email, Password, Token, RefreshToken, AccountID string
}

var seq atomic.Int64

// SignUp registers a new free-trial account and returns its owner, their
// address confirmed the way a customer does it: the link of the sign-up
// message, read from the outbox, opened through the API (VerifyEmail).
// Checkout and invitations need a confirmed address; SignUpUnverified is
// the owner who has not opened it yet.
func (e *Env) SignUp(name string) *User {
	e.T.Helper()
	u := e.SignUpUnverified(name)
	e.VerifyEmail(u.Email)
	return u
}

// SignUpUnverified registers a new free-trial account and returns its
// owner, who has not opened the link of the sign-up message.
func (e *Env) SignUpUnverified(name string) *User {
	e.T.Helper()
	n := seq.Add(1)
	email := fmt.Sprintf("%s-%d@example.com", strings.ToLower(strings.ReplaceAll(name, " ", "")), n)
	u := &User{Email: email, Password: "a long and unusual passphrase"}
	r := e.Do("POST", "/api/v1/auth/register", map[string]string{"name": name, "email": email, "password": u.Password})
	if r.Status != http.StatusCreated {
		e.T.Fatalf("sign up %s: %s", email, r)
	}
	var out struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		User         struct{ ID string }
		Account      struct{ ID string }
	}
	r.JSON(e.T, &out)
	u.ID, u.Token, u.RefreshToken, u.AccountID = out.User.ID, out.AccessToken, out.RefreshToken, out.Account.ID
	return u
}

// Login logs in and returns the access token.
func (e *Env) Login(email, password string) *Response {
	e.T.Helper()
	return e.Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password})
}

// CLI runs an igny8 command against this env's database and returns its
// exit code, standard output and standard error.
func (e *Env) CLI(args ...string) (int, string, string) {
	e.T.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), append(args, "--database-url", e.Cfg.DatabaseURL),
		func(string) string { return "" }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// RoutePatterns lists the "METHOD /path" patterns the running API routes.
func RoutePatterns(e *Env) []string { return e.App.APIPatterns() }

// Reopen starts another igny8 on e's database and configuration, as a
// restart or a second instance would: nothing is shared with e but the
// database.
func (e *Env) Reopen() *Env {
	e.T.Helper()
	cfg := e.Cfg
	app, err := cli.NewApp(context.Background(), &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		e.T.Fatalf("restart igny8: %v", err)
	}
	handler := app.Handler()
	r := &Env{T: e.T, App: app, Cfg: cfg, Handler: handler}
	app.DB().Now = r.now
	srv := httptest.NewServer(handler)
	e.T.Cleanup(func() { srv.Close(); app.Close() })
	r.URL, r.srv = srv.URL, srv
	r.client = r.Client()
	return r
}

// PagePatterns lists the "METHOD /path" patterns of the running pages.
func PagePatterns(e *Env) []string { return e.App.WebPatterns() }
