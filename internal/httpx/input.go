package httpx

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/igny8/igny8"
)

// Input at the edge: every string a request carries (JSON bodies, query
// parameters, form values, path values) is checked here before a handler
// sees it, so that no handler can forget and both databases see the same
// text (igny8.TextFault).

// CheckText refuses a JSON body with a string (a value or a key) that is
// not text: invalid UTF-8, a lone surrogate escape, or a NUL (\u0000).
// encoding/json quietly turns invalid bytes into U+FFFD, so the check
// reads the raw bytes. It answers 400 validation_failed naming every such
// field (input.keywords[2] for nested ones).
func CheckText(body []byte) error {
	if utf8.Valid(body) && !bytes.Contains(body, []byte(`\u`)) {
		return nil // no escapes: nothing can decode to NUL or be replaced
	}
	faults := textFaults(body)
	if len(faults) == 0 {
		return nil
	}
	e := invalid(faults)
	e.Status = http.StatusBadRequest
	return e
}

// jsonFrame is an open object or array while the body is walked.
type jsonFrame struct {
	object  bool
	wantKey bool
	key     string
	index   int
}

func textFaults(body []byte) []igny8.FieldError {
	var faults []igny8.FieldError
	var stack []jsonFrame
	path := func() string {
		var b strings.Builder
		for i, f := range stack {
			if !f.object {
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
				continue
			}
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
		if b.Len() == 0 {
			return "body"
		}
		return b.String()
	}
	valueDone := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var prev int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return faults
		}
		end := dec.InputOffset()
		raw := body[prev:end]
		prev = end
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, jsonFrame{object: true, wantKey: true})
			case '[':
				stack = append(stack, jsonFrame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			n := len(stack)
			isKey := n > 0 && stack[n-1].object && stack[n-1].wantKey
			if isKey {
				stack[n-1].key, stack[n-1].wantKey = t, false
			}
			if msg := JSONStringFault(raw, t); msg != "" {
				faults = append(faults, igny8.FieldError{Field: path(), Message: msg})
			}
			if !isKey {
				valueDone()
			}
		default:
			valueDone()
		}
	}
}

// JSONStringFault says what is wrong, as input text, with the string
// decoded from the raw JSON token raw (which may carry the separators
// before it): a NUL, or a U+FFFD that the raw text does not spell out, as
// the character or as \ufffd, which stands for invalid bytes or a lone
// surrogate escape encoding/json replaced. "" when it is text. The
// importer of Django dumps applies it too (internal/djangoimport).
func JSONStringFault(raw []byte, decoded string) string {
	if strings.IndexByte(decoded, 0) >= 0 {
		return "must not contain a NUL character"
	}
	if !strings.ContainsRune(decoded, utf8.RuneError) {
		return ""
	}
	if !utf8.Valid(raw) || strings.Count(decoded, "\uFFFD") > spelledReplacements(raw) {
		return igny8.TextFault("\xff")
	}
	return ""
}

// spelledReplacements counts the U+FFFD a raw JSON string spells out.
func spelledReplacements(raw []byte) int {
	n := bytes.Count(raw, []byte("\uFFFD"))
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		if raw[i+1] == 'u' && i+6 <= len(raw) && strings.EqualFold(string(raw[i+2:i+6]), "fffd") {
			n++
		}
		i++ // skip the escaped character
	}
	return n
}

// CheckLimits checks the fields of a decoded request against the limits
// in their struct tags, the same tags the OpenAPI document declares:
// max:"N" is the most characters of a string (of each string of a list),
// min:"N" and max:"N" bound a number. It answers 422 validation_failed
// naming every field over its limit.
//
// When v is a FieldChecker its own faults are listed too (a field over its
// limit keeps the limit's message), so one answer names every invalid
// field, not those over a limit first and the rest on the next try.
func CheckLimits(v any) error {
	var faults []igny8.FieldError
	limitFaults(reflect.ValueOf(v), "", "", "", &faults)
	if len(faults) == 0 {
		return nil
	}
	if c, ok := v.(FieldChecker); ok {
		faults = mergeFaults(faults, c.FieldFaults())
	}
	return invalid(faults)
}

// FieldChecker is a request body that can list what its service would
// refuse in it, without side effects and without the database.
type FieldChecker interface {
	FieldFaults() []igny8.FieldError
}

// mergeFaults lists own in its order, each field over a limit with the
// limit's message, then the other fields over a limit.
func mergeFaults(limits, own []igny8.FieldError) []igny8.FieldError {
	byField := map[string]igny8.FieldError{}
	for _, f := range limits {
		byField[f.Field] = f
	}
	out := make([]igny8.FieldError, 0, len(limits)+len(own))
	seen := map[string]bool{}
	for _, f := range own {
		if seen[f.Field] {
			continue
		}
		seen[f.Field] = true
		if l, ok := byField[f.Field]; ok {
			f = l
		}
		out = append(out, f)
	}
	for _, f := range limits {
		if !seen[f.Field] {
			seen[f.Field] = true
			out = append(out, f)
		}
	}
	return out
}

func limitFaults(v reflect.Value, minTag, maxTag, path string, out *[]igny8.FieldError) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	add := func(msg string) { *out = append(*out, igny8.FieldError{Field: path, Message: msg}) }
	switch v.Kind() {
	case reflect.String:
		if max, err := strconv.Atoi(maxTag); err == nil && utf8.RuneCountInString(v.String()) > max {
			add("must be at most " + igny8.Plural(max, "character"))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := v.Int()
		if min, err := strconv.ParseInt(minTag, 10, 64); err == nil && n < min {
			add(rangeMessage(minTag, maxTag))
		} else if max, err := strconv.ParseInt(maxTag, 10, 64); err == nil && n > max {
			add(rangeMessage(minTag, maxTag))
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // raw JSON or bytes: no text of its own
		}
		for i := 0; i < v.Len(); i++ {
			limitFaults(v.Index(i), minTag, maxTag, path+"["+strconv.Itoa(i)+"]", out)
		}
	case reflect.Struct:
		for _, f := range reflect.VisibleFields(v.Type()) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || f.Anonymous && f.Type.Kind() == reflect.Struct {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if path != "" {
				name = path + "." + name
			}
			limitFaults(v.FieldByIndex(f.Index), f.Tag.Get("min"), f.Tag.Get("max"), name, out)
		}
	}
}

func rangeMessage(min, max string) string {
	switch {
	case min != "" && max != "":
		return "must be between " + min + " and " + max
	case min != "":
		return "must be at least " + min
	}
	return "must be at most " + max
}

// MaxLen is the most characters of the JSON field of the request type of
// v that CheckLimits enforces (its max tag), for code that takes the same
// text elsewhere (the Django importer). A field without a limit is a
// programming error: MaxLen panics.
func MaxLen(v any, field string) int {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for _, f := range reflect.VisibleFields(t) {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == field {
			if n, err := strconv.Atoi(f.Tag.Get("max")); err == nil {
				return n
			}
		}
	}
	panic("httpx: " + t.String() + " has no field " + field + " with a max tag")
}

// DefaultParamMax is the most characters of a query parameter, form value
// or path value that declares no limit of its own.
const DefaultParamMax = 200

// CheckValues checks query parameters or form values: each must be text
// (igny8.TextFault) of at most maxOf(name) characters. It answers 400
// validation_failed naming every parameter at fault; a name that is not
// text is named by its position.
func CheckValues(vals url.Values, maxOf func(name string) int) error {
	var faults []igny8.FieldError
	for name, vs := range vals {
		field := name
		if msg := igny8.TextFault(name); msg != "" {
			faults = append(faults, igny8.FieldError{Field: "parameter name", Message: msg})
			continue
		}
		max := maxOf(name)
		for _, v := range vs {
			if msg := igny8.TextFault(v); msg != "" {
				faults = append(faults, igny8.FieldError{Field: field, Message: msg})
				break
			}
			if utf8.RuneCountInString(v) > max {
				faults = append(faults, igny8.FieldError{Field: field, Message: "must be at most " + igny8.Plural(max, "character")})
				break
			}
		}
	}
	if len(faults) == 0 {
		return nil
	}
	sort.Slice(faults, func(i, j int) bool { return faults[i].Field < faults[j].Field })
	e := invalid(faults)
	e.Status = http.StatusBadRequest
	return e
}

// invalid is validation_failed naming faults, with a detail that names
// them too (pages show only the detail).
func invalid(faults []igny8.FieldError) *igny8.Error {
	if len(faults) == 1 {
		f := faults[0]
		return igny8.Invalid("The field "+f.Field+" "+f.Message+".", faults...)
	}
	names := make([]string, len(faults))
	for i, f := range faults {
		names[i] = f.Field
	}
	return igny8.Invalid("These fields are not valid: "+strings.Join(names, ", ")+".", faults...)
}
