package apptest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// recorder is a testing.TB that keeps what Errorf reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// fixed answers every request with one response.
type fixed struct {
	status int
	ctype  string
	body   string
}

func (f fixed) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: f.status, Header: http.Header{"Content-Type": {f.ctype}},
		Body: io.NopCloser(strings.NewReader(f.body)), Request: req}, nil
}

// TestTransportFailsOnAnswersTheDocumentDoesNotDescribe checks the hook
// every HTTP suite goes through: an answer that disagrees with the served
// openapi.json fails the test, naming the route, the status and the error;
// one that agrees, or a path the document does not describe, does not.
func TestTransportFailsOnAnswersTheDocumentDoesNotDescribe(t *testing.T) {
	e := New(t, storetest.Backends()[0])
	owner := e.SignUp("Contract Owner")
	real := e.As(owner.Token, "GET", "/api/v1/account", nil)
	if real.Status != http.StatusOK {
		t.Fatalf("account: %s", real)
	}
	cases := []struct {
		name, path string
		answer     fixed
		wantError  string // "" when the answer agrees
	}{
		{"the real answer", "/api/v1/account", fixed{200, "application/json", string(real.Body)}, ""},
		{"a wrong type", "/api/v1/account", fixed{200, "application/json", strings.Replace(string(real.Body), `"credits":`, `"credits":"many",`+`"x":`, 1)}, "credits"},
		{"a field the document does not declare", "/api/v1/account", fixed{200, "application/json", strings.Replace(string(real.Body), `{`, `{"surprise":1,`, 1)}, "surprise"},
		{"a missing required field", "/api/v1/account", fixed{200, "application/json", `{"id":"a"}`}, "required"},
		{"a status outside an enum", "/api/v1/account", fixed{200, "application/json", strings.Replace(string(real.Body), `"status":"trial"`, `"status":"frozen"`, 1)}, "status"},
		{"null where null is not declared", "/api/v1/account", fixed{200, "application/json", strings.Replace(string(real.Body), `"slug":"`, `"slug":null,"was":"`, 1)}, "slug"},
		{"an error that is not a problem", "/api/v1/account", fixed{500, "text/plain", "oops"}, "500"},
		{"a problem with an unknown code", "/api/v1/account", fixed{404, "application/problem+json",
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"x","code":"gone"}`}, "code"},
		{"an undocumented path", "/api/v1/nowhere", fixed{404, "text/plain", "404 page not found"}, ""},
		{"a page", "/sites", fixed{200, "text/html", "<html>"}, ""},
	}
	for _, c := range cases {
		rec := &recorder{TB: t}
		tr := &Transport{T: rec, Base: c.answer, env: e}
		req, _ := http.NewRequest("GET", e.URL+c.path, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if body, _ := io.ReadAll(resp.Body); !bytes.Equal(body, []byte(c.answer.body)) {
			t.Errorf("%s: the body read by the test is %q, not the answer", c.name, body)
		}
		got := strings.Join(rec.errors, "\n")
		switch {
		case c.wantError == "" && got != "":
			t.Errorf("%s: reported %s", c.name, got)
		case c.wantError != "" && !strings.Contains(got, c.wantError):
			t.Errorf("%s: want a failure naming %q, got %q", c.name, c.wantError, got)
		case c.wantError != "" && !strings.Contains(got, "GET /api/v1/account") || c.wantError != "" && !strings.Contains(got, fmt.Sprint(c.answer.status)):
			t.Errorf("%s: the failure does not name the route and status: %s", c.name, got)
		}
	}
}
