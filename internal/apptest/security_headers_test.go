package apptest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// headerProbes are requests of every kind the server answers: API success
// and errors, ops endpoints, pages, a page 404, a redirect, a static file.
var headerProbes = []struct{ method, path string }{
	{"GET", "/api/v1/plans"},
	{"GET", "/api/v1/account"},       // 401
	{"GET", "/api/v1/no-such-thing"}, // 404 problem
	{"DELETE", "/api/v1/plans"},      // 405
	{"POST", "/api/v1/auth/login"},   // 400/415: no body
	{"GET", "/healthz"},
	{"GET", "/metrics"},
	{"GET", "/api/v1/openapi.json"},
	{"GET", "/"},
	{"GET", "/login"},
	{"GET", "/no-such-page"}, // 404 page
	{"GET", "/sites"},        // redirect to /login
	{"GET", "/static/style.css"},
	{"GET", "/accept-invite?token=x"}, // bad token page
}

// probeHeaders sends every probe through client to base with hdr and
// calls check with each answer.
func probeHeaders(t *testing.T, client *http.Client, base string, hdr http.Header, check func(what string, resp *http.Response)) {
	t.Helper()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, p := range headerProbes {
		req, err := http.NewRequest(p.method, base+p.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", p.method, p.path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		check(p.method+" "+p.path+" ("+resp.Status+")", resp)
	}
}

func wantBaseline(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q, want nosniff", what, got)
	}
	if got := resp.Header.Get("Referrer-Policy"); got != "strict-origin-when-cross-origin" {
		t.Errorf("%s: Referrer-Policy %q, want strict-origin-when-cross-origin", what, got)
	}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/html") && resp.StatusCode != http.StatusSeeOther {
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: page without its CSP: %q", what, csp)
		}
	}
}

// TestSecurityHeadersOnEveryAnswer: API and pages alike send nosniff and a
// Referrer-Policy on every answer; HSTS only over HTTPS (TLS here, or a
// trusted proxy's X-Forwarded-Proto: https), never on plain HTTP or on an
// untrusted X-Forwarded-Proto.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	b := storetest.Backends()[0]
	plain := apptest.New(t, b)
	noHSTS := func(what string, resp *http.Response) {
		wantBaseline(t, what, resp)
		if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s: HSTS %q over plain HTTP", what, got)
		}
	}
	hsts := func(what string, resp *http.Response) {
		wantBaseline(t, what, resp)
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=63072000; includeSubDomains" {
			t.Errorf("%s: HSTS %q, want max-age=63072000; includeSubDomains", what, got)
		}
	}
	forwarded := http.Header{"X-Forwarded-Proto": {"https"}}
	t.Run("plain HTTP", func(t *testing.T) { probeHeaders(t, &http.Client{}, plain.URL, nil, noHSTS) })
	t.Run("untrusted X-Forwarded-Proto", func(t *testing.T) { probeHeaders(t, &http.Client{}, plain.URL, forwarded, noHSTS) })

	proxied := apptest.New(t, b, func(c *config.Config) { c.TrustProxy = true })
	t.Run("trusted proxy over HTTPS", func(t *testing.T) { probeHeaders(t, &http.Client{}, proxied.URL, forwarded, hsts) })
	t.Run("trusted proxy over HTTP", func(t *testing.T) { probeHeaders(t, &http.Client{}, proxied.URL, nil, noHSTS) })

	tlsSrv := httptest.NewTLSServer(plain.Handler)
	t.Cleanup(tlsSrv.Close)
	t.Run("TLS", func(t *testing.T) { probeHeaders(t, tlsSrv.Client(), tlsSrv.URL, nil, hsts) })
}
