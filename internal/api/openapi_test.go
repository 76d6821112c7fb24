package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

type openAPIDoc struct {
	OpenAPI string                               `json:"openapi"`
	Paths   map[string]map[string]map[string]any `json:"paths"`
}

// TestOpenAPIDescribesEveryRoute fetches the served document and checks it
// against the router: every documented operation is routed (not the 404
// or 405 of an unknown route), and every route the router answers is
// documented, so neither can drift from the other.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	var doc openAPIDoc
	e.Do("GET", "/api/v1/openapi.json", nil).JSON(t, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Paths) < 5 {
		t.Fatalf("not an OpenAPI 3 document: %+v", doc)
	}
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		concrete := param.ReplaceAllString(path, "01900000-0000-7000-8000-000000000000")
		for method, op := range ops {
			m := strings.ToUpper(method)
			documented[m+" "+path] = true
			if op["summary"] == "" || op["operationId"] == "" {
				t.Errorf("%s %s: no summary or operationId", m, path)
			}
			r := e.Do(m, concrete, nil)
			if r.Status == http.StatusMethodNotAllowed || strings.Contains(string(r.Body), "No such endpoint") {
				t.Errorf("%s %s is documented but not routed: %s", m, path, r)
			}
		}
	}
	for _, pattern := range apptest.RoutePatterns(e) {
		if !documented[pattern] {
			t.Errorf("route %s is missing from openapi.json", pattern)
		}
	}
}
