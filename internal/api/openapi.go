package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"slices"
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
	schemas := map[string]any{}
	schemaOf(problemType, schemas)
	for _, rt := range h.routes {
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": operationID(rt),
			"tags":        []string{rt.tag},
			"responses":   responses(rt, schemas),
		}
		if rt.access != accessPublic {
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
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.in), nil)}}}
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "igny8 tenancy core API", "version": "1.0.0", "description": throttleDoc},
		// The paths start with /api/v1, so the server is the root of the
		// host the document was fetched from, wherever igny8 is deployed.
		"servers": []map[string]string{{"url": "/", "description": "the igny8 instance serving this document"}},
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

// throttleDoc tells clients what the RateLimit headers mean (README.md,
// Throttling).
const throttleDoc = "Every route but /healthz, /readyz and /metrics spends one request of a budget: " +
	"the account's (the plan's requests per minute; AI operations a tenth of it), the client address's " +
	"for anonymous calls (120 a minute), and 10 a minute per address for sign-up, login, refresh, " +
	"accept-invite and the password reset routes, and per email for sign-up and login; a password reset request " +
	"also spends its email's recovery budget (3 at once, then 1 a minute). A budget of N a minute admits N requests at once and refills one every " +
	"minute/N. Answers carry RateLimit-Limit (N; 3 for the recovery budget), RateLimit-Remaining (requests that may still be sent at " +
	"once) and RateLimit-Reset (seconds until the budget is whole); a refused request is 429 rate_limited " +
	"with Retry-After (seconds until the next request is admitted)."

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
	timeType    = reflect.TypeOf(time.Time{})
	rawType     = reflect.TypeOf(json.RawMessage(nil))
	problemType = reflect.TypeOf(httpx.Problem{})
)

// schemaOf returns the JSON Schema of t as encoding/json writes it. Named
// structs go into schemas and are referenced, with the fields every answer
// holds listed as required; with schemas nil (request bodies) the schema is
// inline and lists none, since a request may leave out any field. A
// pointer may be null.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	if t.Kind() == reflect.Pointer {
		return nullable(schemaOf(t.Elem(), schemas))
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType || t.Kind() == reflect.Interface:
		return anyValue()
	case t.Kind() == reflect.String:
		return withEnum(map[string]any{"type": "string"}, typeEnums[t])
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

// fieldSchema is the schema of struct field f of t: its type's, with the
// values the field may take, and null where encoding/json writes null (a
// nil pointer, slice or map not omitted by omitempty).
func fieldSchema(t reflect.Type, f reflect.StructField, omitEmpty bool, schemas map[string]any) map[string]any {
	ft, null := f.Type, false
	key := fieldKey{t, f.Name}
	if ft.Kind() == reflect.Pointer {
		ft, null = ft.Elem(), !omitEmpty && !neverNull[key]
	}
	s := schemaOf(ft, schemas)
	if e := fieldEnums[key]; e != nil {
		s = withEnum(s, e)
	}
	if k := ft.Kind(); (k == reflect.Slice || k == reflect.Map) && ft != rawType && !omitEmpty && !neverNull[key] {
		null = true
	}
	if null {
		s = nullable(s)
	}
	return s
}

// anyValue is the schema of any JSON value. It is the empty schema spelt
// out with every type, since validators that read the document as OpenAPI
// 3.0 (kin-openapi's for schemas with references) refuse null otherwise.
func anyValue() map[string]any {
	return map[string]any{"description": "any JSON value",
		"type": []string{"null", "boolean", "object", "array", "number", "string"}}
}

// withEnum restricts s to values (none: s as it is).
func withEnum(s map[string]any, values []string) map[string]any {
	if values != nil {
		s["enum"] = values
	}
	return s
}

// nullable lets s be null as well, in the OpenAPI 3.1 (JSON Schema
// 2020-12) way: a type list with "null", or a reference beside null.
func nullable(s map[string]any) map[string]any {
	if _, ok := s["$ref"]; ok {
		return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
	}
	typ, ok := s["type"].(string)
	if !ok {
		return s // any JSON value, null included
	}
	s["type"] = []string{typ, "null"}
	if e, ok := s["enum"].([]string); ok {
		values := make([]any, 0, len(e)+1)
		for _, v := range e {
			values = append(values, v)
		}
		s["enum"] = append(values, nil)
	}
	return s
}

// withLimits adds the limits of a field's min and max tags, the ones
// httpx.CheckLimits enforces: maxLength of a string (of each string of a
// list), minimum and maximum of an integer.
func withLimits(s map[string]any, tag reflect.StructTag) map[string]any {
	target := s
	if items, ok := s["items"].(map[string]any); ok && hasType(s, "array") {
		target = items
	}
	for _, k := range []string{"min", "max"} {
		n, err := strconv.ParseInt(tag.Get(k), 10, 64)
		if err != nil {
			continue
		}
		switch {
		case hasType(target, "string") && k == "max":
			target["maxLength"] = n
		case hasType(target, "integer") && k == "min":
			target["minimum"] = n
		case hasType(target, "integer"):
			target["maximum"] = n
		}
	}
	return s
}

// hasType reports whether schema s is of JSON type typ, alone or beside
// null.
func hasType(s map[string]any, typ string) bool {
	switch t := s["type"].(type) {
	case string:
		return t == typ
	case []string:
		return slices.Contains(t, typ)
	}
	return false
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
	required := []string{}
	// VisibleFields includes the fields promoted from embedded structs,
	// which encoding/json writes inline.
	for _, f := range reflect.VisibleFields(t) {
		tag := f.Tag.Get("json")
		fname, opts, _ := strings.Cut(tag, ",")
		if !f.IsExported() || fname == "-" || f.Anonymous && fname == "" && f.Type.Kind() == reflect.Struct {
			continue
		}
		if fname == "" {
			fname = f.Name
		}
		omitEmpty := hasOption(opts, "omitempty") || hasOption(opts, "omitzero")
		owner := t
		if len(f.Index) > 1 {
			if owner = t.FieldByIndex(f.Index[:len(f.Index)-1]).Type; owner.Kind() == reflect.Pointer {
				owner = owner.Elem()
			}
		}
		props[fname] = withLimits(fieldSchema(owner, f, omitEmpty, schemas), f.Tag)
		if !omitEmpty {
			required = append(required, fname)
		}
	}
	s := map[string]any{"type": "object", "properties": props}
	if t != problemType {
		// Answers hold only the fields of their type, and requests with
		// unknown fields are refused. A problem may carry extension members.
		s["additionalProperties"] = false
	}
	if schemas != nil && len(required) > 0 {
		s["required"] = required
	}
	if schemas == nil || name == "" {
		return s
	}
	schemas[name] = s
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func hasOption(opts, name string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == name {
			return true
		}
	}
	return false
}
