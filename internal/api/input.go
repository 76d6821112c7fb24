package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// paramMax is the most characters of a query parameter, by name; others
// get httpx.DefaultParamMax. The OpenAPI document declares the same
// limits (maxLength), and serve refuses a longer value before any handler
// runs.
var paramMax = map[string]int{
	"q":         200,
	"search":    200,
	"cursor":    200,
	"reference": 32,
}

// headerMax is the most characters of each documented request header.
var headerMax = map[string]int{idempotencyHeader: igny8.MaxIdempotencyKeyLen}

func paramMaxOf(name string) int {
	if n, ok := paramMax[name]; ok {
		return n
	}
	return httpx.DefaultParamMax
}

// pathValue is a path parameter of a route and the noun of what it names.
type pathValue struct {
	name, noun string
	id         bool // an id: a UUID, else the request is not_found
}

// pathNouns names what the path segment before a parameter lists.
var pathNouns = map[string]string{
	"sites": "Site", "sectors": "Sector", "api-keys": "API key", "users": "User", "access": "User",
	"invitations": "Invitation", "accounts": "Account", "payments": "Payment", "plans": "Plan",
}

// pathValues lists the parameters of a route's path pattern.
func pathValues(pattern string) []pathValue {
	var out []pathValue
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") || i == 0 {
			continue
		}
		name := strings.Trim(s, "{}")
		noun := pathNouns[segs[i-1]]
		if noun == "" {
			noun = "Resource"
		}
		out = append(out, pathValue{name: name, noun: noun, id: name == "id" || strings.HasSuffix(name, "_id")})
	}
	return out
}

// checkInput refuses what no handler should see: a path value that cannot
// name anything (an id that is not a UUID, text with NUL or invalid
// UTF-8) is not_found, and query parameters and the route's documented
// headers must be text within their limits (validation_failed naming
// each one).
func checkInput(rt route, pvs []pathValue, r *http.Request) error {
	for _, pv := range pvs {
		v := r.PathValue(pv.name)
		if igny8.TextFault(v) != "" || pv.id && !igny8.IsID(v) {
			return igny8.NotFound(pv.noun)
		}
	}
	for _, hd := range rt.headers {
		if v := r.Header.Get(hd.name); igny8.TextFault(v) != "" || utf8.RuneCountInString(v) > headerMax[hd.name] {
			msg := "must be text of at most " + igny8.Plural(headerMax[hd.name], "character")
			return &igny8.Error{Code: igny8.EValidation, Status: http.StatusBadRequest,
				Message: "The header " + hd.name + " " + msg + ".", Fields: []igny8.FieldError{{Field: hd.name, Message: msg}}}
		}
	}
	if r.URL.RawQuery == "" {
		return nil
	}
	return httpx.CheckValues(r.URL.Query(), paramMaxOf)
}
