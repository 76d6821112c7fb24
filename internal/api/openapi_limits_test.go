package api_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestOpenAPIDeclaresEveryLimit: every text a request carries has a
// length limit, and the document says so: each string property of every
// request body (nested ones and list items too) and each query parameter
// has a maxLength (times excepted: they are parsed). The limits come from the same struct tags the decoder
// enforces (TestLongTextIsRefused sends text over them).
func TestOpenAPIDeclaresEveryLimit(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	e.Do("GET", "/api/v1/openapi.json", nil).JSON(t, &doc)
	var check func(where string, s map[string]any, seen map[string]bool)
	check = func(where string, s map[string]any, seen map[string]bool) {
		if ref, ok := s["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/components/schemas/")
			if !seen[name] {
				seen[name] = true
				check(where, doc.Components.Schemas[name], seen)
			}
			return
		}
		if isType(s, "string") && s["format"] != "date-time" { // times are parsed, not stored as text
			if _, ok := s["maxLength"]; !ok {
				t.Errorf("%s: a string without maxLength", where)
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			check(where+"[]", items, seen)
		}
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			check(where+"."+name, p.(map[string]any), seen)
		}
	}
	bodies, params := 0, 0
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op struct {
				Parameters []struct {
					Name, In string
					Schema   map[string]any
				}
				RequestBody struct {
					Content map[string]struct{ Schema map[string]any }
				}
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				continue // not an operation
			}
			where := strings.ToUpper(method) + " " + path
			for _, p := range op.Parameters {
				if p.In == "query" {
					params++
					if _, ok := p.Schema["maxLength"]; !ok {
						t.Errorf("%s: query parameter %s without maxLength", where, p.Name)
					}
				}
			}
			if c, ok := op.RequestBody.Content["application/json"]; ok {
				bodies++
				check(where, c.Schema, map[string]bool{})
			}
		}
	}
	if bodies < 20 || params < 20 {
		t.Fatalf("only %d request bodies and %d query parameters found", bodies, params)
	}
	var register struct {
		RequestBody struct {
			Content map[string]struct{ Schema map[string]any }
		}
	}
	if err := json.Unmarshal(doc.Paths["/api/v1/auth/register"]["post"], &register); err != nil {
		t.Fatal(err)
	}
	signUp := register.RequestBody.Content["application/json"].Schema["properties"].(map[string]any)
	for field, want := range map[string]float64{"name": 100, "email": 254, "password": 256} {
		if got := signUp[field].(map[string]any)["maxLength"]; got != want {
			t.Errorf("SignUp.%s maxLength %v, want %v", field, got, want)
		}
	}
}

// isType reports whether a schema's type is t or a list holding t.
func isType(s map[string]any, t string) bool {
	switch v := s["type"].(type) {
	case string:
		return v == t
	case []any:
		return slices.Contains(v, any(t))
	}
	return false
}
