package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/igny8/igny8"
)

// TestRouteTable: every row of the table has its handler's documentation
// and every documentation its row, so the OpenAPI document describes
// exactly the routes the router serves.
func TestRouteTable(t *testing.T) {
	rs, err := resolve((&Handler{}).table(), handlerDocs)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(handlerDocs) {
		t.Fatalf("%d routes, %d documented handlers", len(rs), len(handlerDocs))
	}
	for _, rt := range rs {
		if rt.tag == "" || rt.summary == "" {
			t.Errorf("%s %s: no tag or summary", rt.method, rt.path)
		}
		if rt.access == accessTenant && rt.action == "" {
			t.Errorf("%s %s: a tenant route without an action", rt.method, rt.path)
		}
	}
}

func (h *Handler) testOne(w http.ResponseWriter, r *http.Request) error { return nil }
func (h *Handler) testTwo(w http.ResponseWriter, r *http.Request) error { return nil }

// TestRouteTableFailsLoudly: each kind of mismatch between the table and
// the documentation is an error naming the route or handler.
func TestRouteTableFailsLoudly(t *testing.T) {
	h := &Handler{}
	one := docs{"testOne": {summary: "one"}}
	cases := []struct {
		name  string
		areas []area
		docs  docs
		want  string
	}{
		{"a route without documentation", []area{{"t", []row{{"GET", "/one", public, h.testOne}, {"GET", "/two", public, h.testTwo}}}},
			one, "GET /two: testTwo has no documentation"},
		{"documentation without a summary", []area{{"t", []row{{"GET", "/one", public, h.testOne}}}},
			docs{"testOne": {out: igny8.Account{}}}, "GET /one: testOne has no documentation"},
		{"documentation without a route", []area{{"t", nil}}, one, "testOne is documented but no route of the table serves it"},
		{"a handler that is not a method", []area{{"t", []row{{"GET", "/one", public, func(http.ResponseWriter, *http.Request) error { return nil }}}}},
			docs{}, "GET /one: the handler is not a method of Handler"},
		{"a closure made by a method", []area{{"t", []row{{"GET", "/one", public, h.closure()}}}},
			docs{}, "GET /one: the handler is not a method of Handler"},
		{"a handler serving two routes", []area{{"t", []row{{"GET", "/one", public, h.testOne}, {"GET", "/again", public, h.testOne}}}},
			one, "GET /again: testOne already serves GET /one"},
		{"a route listed twice", []area{{"t", []row{{"GET", "/one", public, h.testOne}}}, {"u", []row{{"GET", "/one", admin, h.testTwo}}}},
			docs{"testOne": {summary: "one"}, "testTwo": {summary: "two"}}, "GET /one is listed twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := resolve(c.areas, c.docs)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
		})
	}
	if _, err := resolve([]area{{"t", []row{{"GET", "/one", public, h.testOne}}}}, one); err != nil {
		t.Fatalf("a matching table: %v", err)
	}
}

func (h *Handler) closure() handlerFunc {
	return func(http.ResponseWriter, *http.Request) error { return nil }
}
