package api_test

import (
	"net/http"
	"regexp"
	"slices"
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

// TestOpenAPIDeclaresNullsRequiredEnumsAndServers checks what the document
// says of the answers' shape: the fields that are null in real answers are
// declared nullable, the fields always written are required, the domain's
// values are enums, every operation documents its problem answers, and the
// document names its server. (That every answer of the HTTP suites agrees
// with it is checked by internal/apptest on each request.)
func TestOpenAPIDeclaresNullsRequiredEnumsAndServers(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	var doc struct {
		Servers    []struct{ URL string }
		Paths      map[string]map[string]struct{ Responses map[string]any }
		Components struct {
			Schemas map[string]struct {
				Required   []string
				Properties map[string]map[string]any
			}
		}
	}
	e.Do("GET", "/api/v1/openapi.json", nil).JSON(t, &doc)
	if len(doc.Servers) == 0 || doc.Servers[0].URL == "" {
		t.Errorf("no servers: %+v", doc.Servers)
	}
	prop := func(schema, field string) map[string]any {
		s, ok := doc.Components.Schemas[schema]
		if !ok || s.Properties[field] == nil {
			t.Fatalf("no schema %s with a property %s", schema, field)
		}
		return s.Properties[field]
	}
	nullable := func(p map[string]any) bool {
		if types, ok := p["type"].([]any); ok {
			for _, ty := range types {
				if ty == "null" {
					return true
				}
			}
		}
		if alts, ok := p["anyOf"].([]any); ok {
			for _, s := range alts {
				if s.(map[string]any)["type"] == "null" {
					return true
				}
			}
		}
		return false
	}
	for _, f := range [][2]string{{"Page_github_com_igny8_igny8_Site", "next_cursor"}, {"User", "last_login_at"},
		{"Payment", "confirmed_at"}, {"Payment", "amount_received"}, {"APIKey", "site_id"}, {"APIKey", "expires_at"},
		{"APIKey", "last_used_at"}, {"Site", "industry_id"}, {"UsageSummary", "from"}, {"UsageSummary", "to"},
		{"meResponse", "account"}} {
		if !nullable(prop(f[0], f[1])) {
			t.Errorf("%s.%s is not nullable: %v", f[0], f[1], prop(f[0], f[1]))
		}
	}
	if nullable(prop("Site", "name")) {
		t.Errorf("Site.name is nullable")
	}
	if !slices.Contains(doc.Components.Schemas["Site"].Required, "id") || slices.Contains(doc.Components.Schemas["Site"].Required, "deleted_at") {
		t.Errorf("Site requires %v, want id and not the omitted deleted_at", doc.Components.Schemas["Site"].Required)
	}
	for _, f := range [][3]string{{"Account", "status", "suspended"}, {"User", "role", "viewer"},
		{"Payment", "method", "bank_transfer"}, {"CreditTransaction", "type", "refund"},
		{"CreditCost", "operation", "generate_content"}, {"Problem", "code", "not_found"}} {
		enum, _ := prop(f[0], f[1])["enum"].([]any)
		if !slices.Contains(enum, any(f[2])) {
			t.Errorf("%s.%s: enum %v lacks %s", f[0], f[1], enum, f[2])
		}
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.Responses["default"] == nil {
				t.Errorf("%s %s documents no problem answer", method, path)
			}
		}
	}
}
