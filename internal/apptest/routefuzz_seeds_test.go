package apptest_test

import (
	"encoding/json"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// fuzzSeed is one input of FuzzRoutes.
type fuzzSeed struct {
	route, as, pathID, query, contentType string
	body                                  []byte
}

const jsonType = "application/json"

// routeSeeds is the deterministic corpus: for every operation, its valid
// body, that body with each field broken in turn, broken whole bodies,
// wrong content types, path ids and query parameters of the wrong shape.
func routeSeeds(tg *fuzzTarget) []fuzzSeed {
	var out []fuzzSeed
	for _, o := range tg.routes {
		add := func(pathID, query, ct string, body []byte) {
			out = append(out, fuzzSeed{o.key(), "owner", pathID, query, ct, body})
		}
		if o.body != nil {
			valid := tg.validBody(o, o.body, "", 0).(map[string]any)
			add("", "", jsonType, mustJSON(valid))
			for i, b := range bodyMutations(valid) {
				add("", "", jsonType, b)
				if i < 3 { // the same through the API key's credential path
					out = append(out, fuzzSeed{o.key(), "key", "", "", jsonType, b})
				}
			}
			for _, ct := range wrongTypes {
				add("", "", ct, mustJSON(valid))
			}
			props, _ := o.body["properties"].(map[string]any)
			for _, name := range sortedKeys(props) {
				for _, v := range fieldMutations(tg.resolveSchema(props[name]), name) {
					add("", "", jsonType, withField(valid, name, v))
				}
			}
		} else if o.method != "GET" {
			add("", "", "text/plain", []byte("not a body"))
			add("", "", jsonType, []byte(`{"unexpected":true}`))
		}
		if pathParam.MatchString(o.path) {
			var body []byte
			if o.body != nil {
				body = mustJSON(tg.validBody(o, o.body, "", 0))
			}
			for _, id := range badIDs(tg) {
				add(id, "", jsonType, body)
			}
		}
		for _, p := range o.query {
			for _, v := range badQueryValues {
				add("", p+"="+escapeQuery(v), "", nil)
			}
		}
		if o.method == "GET" {
			add("", "unknown_param=1&limit=1&limit=2", "", nil)
		}
	}
	return out
}

// wrongTypes are media types a JSON body must not be accepted under.
var wrongTypes = []string{"text/plain", "application/x-www-form-urlencoded", "application/jsonx"}

// bodyMutations are whole bodies that are not the route's JSON object.
func bodyMutations(valid map[string]any) [][]byte {
	withUnknown := map[string]any{"zz_unknown_field": 1}
	for k, v := range valid {
		withUnknown[k] = v
	}
	vj := mustJSON(valid)
	return [][]byte{
		nil, []byte("{"), []byte("null"), []byte("[]"), []byte("123"), append(vj, vj...),
		[]byte("\xef\xbb\xbf" + string(vj)), // a byte order mark
		[]byte("{\"\xff\":1}"),
		mustJSON(withUnknown),
		[]byte(strings.Repeat("[", 20000) + strings.Repeat("]", 20000)),
		[]byte(strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)),
		// a field nested deep, and a body larger than the limit
		withField(valid, firstKey(valid), deepArray(2000)),
		mustJSON(map[string]string{"name": strings.Repeat("a", 1<<20)}),
	}
}

// fieldMutations are bad values for one field, by its schema type. Huge
// and deep values are sent once per route (bodyMutations), not per field,
// so that the corpus stays quick under -race.
func fieldMutations(schema map[string]any, name string) []any {
	common := []any{nil, map[string]any{}}
	switch schema["type"] {
	case "integer", "number":
		return append(common, "1", 1.5, -1, 0, 9223372036854775807, 2147483648,
			json.Number("9223372036854775808"), json.Number("-9223372036854775809"), json.Number("1e400"))
	case "boolean":
		return append(common, "true", 1, []any{true})
	case "array":
		return append(common, "x", []any{nil}, []any{1, "x", true}, []any{strings.Repeat("x", 5000)}, make([]any, 2000))
	case "object":
		return append(common, "x", []any{}, map[string]any{"zz_unknown": 1}, map[string]any{"keywords": []any{"\x00", 1, nil}})
	}
	out := append(common, 1, []any{"x"}, "", " \t\n", "a\x00b", "\xff\xfe", rawJSON(`"\ud800"`),
		"\u202eevil\u202c", strings.Repeat("a", 5000), "' OR '1'='1 %_")
	if name == "id" || strings.HasSuffix(name, "_id") {
		out = append(out, "not-an-id", "01900000-0000-7000-8000-000000000000")
	}
	if strings.HasSuffix(name, "_at") {
		out = append(out, "2026-13-45T99:99:99Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z")
	}
	if name == "email" || strings.HasSuffix(name, "_email") {
		out = append(out, "a@", "a b@example.com", strings.Repeat("a", 300)+"@example.com")
	}
	return out
}

// badIDs are path ids of the wrong shape, ids that exist nowhere and ids
// of another account.
func badIDs(tg *fuzzTarget) []string {
	return []string{"not-an-id", "-1", "99999999999999999999", "a\x00b", "\xff", "%", " ", "\u202e",
		strings.Repeat("a", 5000), "01900000-0000-7000-8000-000000000000", strings.ToUpper(tg.ids["site"]), tg.ids["site:other"]}
}

// badQueryValues are values for any query parameter.
var badQueryValues = []string{"", "a\x00b", "\xff", "\u202e", "-1", "0", "99999999999999999999", "1e9", "garbage",
	"%_", "2026-13-45", strings.Repeat("a", 60_000), "eyJpZCI6IngifQ"}

func escapeQuery(v string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "=", "%3D", "+", "%2B", "#", "%23")
	return r.Replace(v)
}

// validBody builds a value for schema s that passes validation where the
// test can: known field names get the fixture's ids or sensible values.
func (tg *fuzzTarget) validBody(o routeOp, s map[string]any, name string, depth int) any {
	s = tg.resolveSchema(s)
	switch s["type"] {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		for k, ps := range props {
			if depth < 3 {
				out[k] = tg.validBody(o, tg.resolveSchema(ps), k, depth+1)
			}
		}
		return out
	case "array":
		if name == "items" {
			return []any{}
		}
		return []any{tg.validBody(o, tg.resolveSchema(s["items"]), name, depth+1)}
	case "integer", "number":
		return 1
	case "boolean":
		return true
	}
	if s["format"] == "date-time" {
		return time.Now().UTC().Add(48 * time.Hour).Format(time.RFC3339)
	}
	return tg.validString(o, name)
}

func (tg *fuzzTarget) validString(o routeOp, name string) string {
	switch name {
	case "user_id":
		if strings.HasSuffix(o.path, "/transfer-ownership") {
			return tg.ids["user:other"] // ownership must not really move: the fixture's owner calls the routes
		}
		return tg.ids["user"]
	case "site_id", "sector_id", "industry_id", "industry_sector_id":
		return tg.ids[strings.TrimSuffix(name, "_id")]
	case "email":
		return "fuzz-new@example.com"
	case "billing_email":
		return "billing@example.com"
	case "password":
		return "not the owner's password" // DELETE /account must not succeed
	case "role":
		return "viewer"
	case "plan":
		return "growth"
	case "payment_method":
		return "bank_transfer"
	case "operation":
		return "auto_cluster"
	case "currency":
		return "USD"
	case "billing_period":
		return "month"
	case "domain":
		return "https://fuzz.example.com"
	case "slug":
		return "fuzz-slug"
	case "keywords", "features":
		return "fuzz"
	}
	return "Fuzz " + strings.ReplaceAll(name, "_", " ")
}

func (tg *fuzzTarget) resolveSchema(s any) map[string]any {
	return (&fuzzer{schemas: tg.schemas}).resolve(s)
}

// withField returns valid with field name set to v, as JSON; strings that
// are not valid UTF-8 are written as raw bytes (encoding/json would
// replace them).
func withField(valid map[string]any, name string, v any) []byte {
	m := map[string]any{}
	for k, x := range valid {
		m[k] = x
	}
	switch x := v.(type) {
	case rawJSON:
		v = json.RawMessage(x)
	case string:
		if !utf8.ValidString(x) {
			v = json.RawMessage(`"` + x + `"`)
		}
	}
	m[name] = v
	return mustJSON(m)
}

// rawJSON is a field value written into the body as is (JSON that
// encoding/json would not write, such as a lone surrogate escape).
type rawJSON string

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func firstKey(m map[string]any) string {
	if keys := sortedKeys(m); len(keys) > 0 {
		return keys[0]
	}
	return "name"
}

func deepArray(n int) any {
	v := any("x")
	for i := 0; i < n; i++ {
		v = []any{v}
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
