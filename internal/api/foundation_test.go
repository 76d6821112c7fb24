package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

func TestPlansAndIndustriesArePublic(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		r := e.Do("GET", "/api/v1/plans", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("plans: %s", r)
		}
		var plans struct {
			Items []map[string]any `json:"items"`
		}
		r.JSON(t, &plans)
		if len(plans.Items) != 6 {
			t.Fatalf("got %d plans, want 6", len(plans.Items))
		}
		for _, f := range []string{"slug", "name", "price", "currency", "included_credits", "max_sites", "max_users",
			"max_sectors_per_site", "api_requests_per_minute", "is_active", "features"} {
			if _, ok := plans.Items[0][f]; !ok {
				t.Errorf("plan lacks field %q", f)
			}
		}
		r = e.Do("GET", "/api/v1/industries", nil)
		var inds struct {
			Items []struct {
				Slug    string
				Sectors []map[string]any
			}
		}
		r.JSON(t, &inds)
		if r.Status != http.StatusOK || len(inds.Items) < 12 || len(inds.Items[0].Sectors) < 5 {
			t.Fatalf("industries: %s", r)
		}
	})
}

func TestErrorsAreProblems(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	cases := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"unknown route", "GET", "/api/v1/nothing-here", nil, 404, "not_found"},
		{"wrong method", "DELETE", "/api/v1/plans", nil, 405, "method_not_allowed"},
		{"malformed json", "POST", "/api/v1/auth/register", `{"name":`, 400, "validation_failed"},
		{"unknown field", "POST", "/api/v1/auth/register", `{"name":"a","email":"a@b.co","password":"x","admin":true}`, 400, "validation_failed"},
		{"body too large", "POST", "/api/v1/auth/register", big, 413, "payload_too_large"},
		{"no credentials", "GET", "/api/v1/account", nil, 401, "unauthenticated"},
		{"bad token", "GET", "/api/v1/account", nil, 401, "unauthenticated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hdr []string
			if c.name == "bad token" {
				hdr = []string{"Authorization", "Bearer not-a-token"}
			}
			r := e.Do(c.method, c.path, c.body, hdr...)
			if r.Status != c.status || r.Code() != c.code {
				t.Fatalf("got %s, want %d %s", r, c.status, c.code)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			p := r.Map(t)
			for _, f := range []string{"type", "title", "status", "detail", "code"} {
				if _, ok := p[f]; !ok {
					t.Errorf("problem lacks %q: %s", f, r.Body)
				}
			}
			if r.Header.Get("X-Request-ID") == "" {
				t.Error("no X-Request-ID")
			}
		})
	}
	if r := e.Do("GET", "/api/v1/plans", nil, "X-Request-ID", "trace-123"); r.Header.Get("X-Request-ID") != "trace-123" {
		t.Errorf("request id not kept: %q", r.Header.Get("X-Request-ID"))
	}
}

func TestOpsEndpoints(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := e.Do("GET", p, nil); r.Status != 200 {
			t.Errorf("%s: %s", p, r)
		}
	}
	e.Do("GET", "/api/v1/plans", nil)
	r := e.Do("GET", "/metrics", nil)
	for _, want := range []string{`igny8_http_requests_total{method="GET",route="/api/v1/plans",status="200"}`,
		"igny8_http_request_duration_seconds_bucket", `go_sql_max_open_connections{db_name="igny8_write"}`} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	r = e.Do("GET", "/.well-known/jwks.json", nil)
	var jwks struct{ Keys []map[string]string }
	r.JSON(t, &jwks)
	if len(jwks.Keys) == 0 || jwks.Keys[0]["kty"] != "OKP" || jwks.Keys[0]["crv"] != "Ed25519" {
		t.Fatalf("jwks: %s", r)
	}
}
