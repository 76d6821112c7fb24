package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/igny8/igny8/internal/httpx"
)

// openapi serves the OpenAPI document generated from the route table.
func (h *Handler) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	return httpx.WriteJSON(w, http.StatusOK, h.OpenAPI())
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// OpenAPI returns the OpenAPI 3.1 document of every route in the table:
// the same table that builds the router, so the two cannot drift.
func (h *Handler) OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	schemas := map[string]any{"Problem": schemaOf(reflect.TypeOf(httpx.Problem{}), nil)}
	for _, rt := range h.routes {
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": operationID(rt),
			"tags":        []string{rt.tag},
			"responses":   responses(rt, schemas),
		}
		if rt.access != public {
			op["security"] = []map[string][]string{{"bearer": {}}, {"apiKey": {}}, {"session": {}}}
		} else {
			op["security"] = []map[string][]string{}
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		for _, q := range rt.query {
			params = append(params, map[string]any{"name": q.name, "in": "query", "description": q.desc,
				"schema": map[string]any{"type": "string", "maxLength": paramMaxOf(q.name)}})
		}
		for _, hd := range rt.headers {
			params = append(params, map[string]any{"name": hd.name, "in": "header", "description": hd.desc,
				"schema": map[string]any{"type": "string", "maxLength": headerMax[hd.name]}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.in != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.in), schemas)}}}
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "igny8 tenancy core API", "version": "1.0.0"},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]string{"type": "http", "scheme": "bearer", "description": "An access token (JWT) or an API key (igny8_...)"},
				"apiKey":  map[string]string{"type": "apiKey", "in": "header", "name": "X-API-Key"},
				"session": map[string]string{"type": "apiKey", "in": "cookie", "name": "igny8_session"},
			},
		},
	}
}

func operationID(rt route) string {
	p := strings.NewReplacer("/api/v1/", "", "/", "_", "{", "", "}", "", ".", "", "-", "_").Replace(rt.path)
	return strings.ToLower(rt.method) + "_" + strings.Trim(p, "_")
}

func responses(rt route, schemas map[string]any) map[string]any {
	status := rt.status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	if rt.out != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.out), schemas)}}
	}
	problem := map[string]any{"description": "A problem (RFC 9457) with one of the documented codes",
		"content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/Problem"}}}}
	return map[string]any{strconv.Itoa(status): ok, "default": problem}
}

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage(nil))
)

// schemaOf returns the JSON Schema of t as encoding/json writes it. Named
// structs go into schemas and are referenced.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{"description": "any JSON value"}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), schemas)}
	case t.Kind() == reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), schemas)}
	case t.Kind() == reflect.Struct:
		return structSchema(t, schemas)
	}
	return map[string]any{}
}

// withLimits adds the limits of a field's min and max tags, the ones
// httpx.CheckLimits enforces: maxLength of a string (of each string of a
// list), minimum and maximum of an integer.
func withLimits(s map[string]any, tag reflect.StructTag) map[string]any {
	target := s
	if items, ok := s["items"].(map[string]any); ok && s["type"] == "array" {
		target = items
	}
	for _, k := range []string{"min", "max"} {
		n, err := strconv.ParseInt(tag.Get(k), 10, 64)
		if err != nil {
			continue
		}
		switch {
		case target["type"] == "string" && k == "max":
			target["maxLength"] = n
		case target["type"] == "integer" && k == "min":
			target["minimum"] = n
		case target["type"] == "integer":
			target["maximum"] = n
		}
	}
	return s
}

func structSchema(t reflect.Type, schemas map[string]any) map[string]any {
	name := strings.NewReplacer("[", "_", "]", "", "/", "_", ".", "_").Replace(t.Name())
	if schemas != nil && name != "" {
		if _, ok := schemas[name]; ok {
			return map[string]any{"$ref": "#/components/schemas/" + name}
		}
		schemas[name] = map[string]any{} // placeholder against recursion
	}
	props := map[string]any{}
	// VisibleFields includes the fields promoted from embedded structs,
	// which encoding/json writes inline.
	for _, f := range reflect.VisibleFields(t) {
		tag := f.Tag.Get("json")
		fname, _, _ := strings.Cut(tag, ",")
		if !f.IsExported() || fname == "-" || f.Anonymous && fname == "" && f.Type.Kind() == reflect.Struct {
			continue
		}
		if fname == "" {
			fname = f.Name
		}
		props[fname] = withLimits(schemaOf(f.Type, schemas), f.Tag)
	}
	s := map[string]any{"type": "object", "properties": props}
	if schemas == nil || name == "" {
		return s
	}
	schemas[name] = s
	return map[string]any{"$ref": "#/components/schemas/" + name}
}
