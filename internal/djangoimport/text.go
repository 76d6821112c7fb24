package djangoimport

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// The dump's text keeps to the rules of the API edge (internal/httpx and
// igny8.TextFault, igny8.TrimName, igny8.NameFault, the max tags of the
// request types), so that imported rows are what the API would have let
// in, and both databases store the same text (PostgreSQL refuses a NUL).
//
// What names or identifies a row (slugs, e-mails, statuses, types,
// domains) is refused when it is not text (a NUL, invalid UTF-8, a lone
// surrogate), holds a control character or is over its limit: changing it
// would change what it matches, so the row is a conflict. Display names
// and descriptions are cleaned instead, and each change is listed in the
// report (Report.Cleaned): text that is not text becomes U+FFFD, control
// characters in a name become spaces and a NUL in a description goes,
// the ends are trimmed as the API trims them, what is over its limit is
// cut, and a name left blank (only spaces or invisible characters) takes
// the row's slug.
var (
	maxEmail       = httpx.MaxLen(igny8.SignUp{}, "email")
	maxSlug        = httpx.MaxLen(igny8.SiteCreate{}, "slug")
	maxPlanSlug    = httpx.MaxLen(igny8.Plan{}, "slug")
	maxDomain      = httpx.MaxLen(igny8.SiteCreate{}, "domain")
	maxDescription = httpx.MaxLen(igny8.CreditAdjustment{}, "description")
	maxFeature     = httpx.MaxLen(igny8.Plan{}, "features")
	maxOperation   = httpx.MaxLen(igny8.OperationRequest{}, "operation")
)

// text reads a text field with what is wrong with it as input text
// (httpx.JSONStringFault: a NUL, invalid bytes or a lone surrogate, which
// encoding/json turned into U+FFFD); missing is "".
func (r *row) text(name string) (s, fault string) {
	v, ok := r.raw(name)
	if !ok {
		return "", ""
	}
	if err := json.Unmarshal(v, &s); err != nil {
		r.fail("%s is not text", name)
		return "", ""
	}
	return s, httpx.JSONStringFault(v, s)
}

// str reads a text field that names or identifies: one that is not text or
// holds a control character is refused. Missing is "".
func (r *row) str(name string) string {
	s, fault := r.text(name)
	switch {
	case fault != "":
		r.fail("%s %s", name, fault)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		r.fail("%s must not contain control characters such as tabs or line breaks", name)
	}
	return s
}

// token is str trimmed of spaces, refused over max characters.
func (r *row) token(name string, max int) string {
	s := strings.TrimSpace(r.str(name))
	if utf8.RuneCountInString(s) > max {
		r.fail("%s must be at most %s", name, igny8.Plural(max, "character"))
	}
	return s
}

// displayName reads a display name and cleans it (see above); a blank one
// becomes standIn, noted.
func (r *row) displayName(name, standIn string) string {
	s, fault := r.text(name)
	return r.cleanName(name, s, fault, standIn, false)
}

// cleanName cleans s, the value of the field name, as displayName does.
// A blank s that held nothing but spaces is noted only unless quiet (a
// Django user without a first or last name is no change to report).
func (r *row) cleanName(name, s, fault, standIn string, quiet bool) string {
	held := strings.TrimSpace(s) != ""
	if fault != "" && strings.ContainsRune(s, utf8.RuneError) {
		r.clean(name, "invalid UTF-8 or a lone surrogate replaced by U+FFFD")
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		s = strings.Join(strings.FieldsFunc(s, unicode.IsControl), " ")
		r.clean(name, "control characters (NUL, tabs, line breaks) replaced by spaces")
	}
	s = igny8.TrimName(s)
	switch {
	case s != "":
	case standIn != "":
		if held || !quiet {
			r.clean(name, fmt.Sprintf("blank (nothing but spaces or invisible characters): %q stands in", standIn))
		}
		return standIn
	case held:
		r.clean(name, "blank (nothing but invisible characters): left empty")
		return ""
	default:
		return ""
	}
	if utf8.RuneCountInString(s) > igny8.MaxNameLen {
		s = igny8.TrimName(string([]rune(s)[:igny8.MaxNameLen]))
		r.clean(name, "cut to "+igny8.Plural(igny8.MaxNameLen, "character"))
	}
	if msg := igny8.NameFault(s, igny8.MaxNameLen); msg != "" {
		r.fail("%s %s", name, msg) // cannot happen after the cleaning: the edge's check has the last word
	}
	return s
}

// prose reads free text (a description): text that is not text becomes
// U+FFFD, a NUL goes, spaces at the ends are trimmed and what is over max
// characters is cut, each change noted.
func (r *row) prose(name string, max int) string {
	s, fault := r.text(name)
	return r.cleanProse(name, s, fault, max)
}

func (r *row) cleanProse(name, s, fault string, max int) string {
	if fault != "" && strings.ContainsRune(s, utf8.RuneError) {
		r.clean(name, "invalid UTF-8 or a lone surrogate replaced by U+FFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
		r.clean(name, "NUL characters removed")
	}
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		s = strings.TrimSpace(string([]rune(s)[:max]))
		r.clean(name, "cut to "+igny8.Plural(max, "character"))
	}
	return s
}

// proseList reads a list of free texts (plan features), each cleaned as
// prose; missing is empty.
func (r *row) proseList(name string, max int) []string {
	v, ok := r.raw(name)
	if !ok {
		return []string{}
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(v, &raws); err != nil {
		r.fail("%s is not a list of text", name)
		return []string{}
	}
	out := make([]string, 0, len(raws))
	for i, raw := range raws {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			r.fail("%s is not a list of text", name)
			return []string{}
		}
		if s = r.cleanProse(fmt.Sprintf("%s[%d]", name, i), s, httpx.JSONStringFault(raw, s), max); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// clean notes a change made to a field for the report, once.
func (r *row) clean(field, change string) {
	for _, c := range r.cleaned {
		if c.Field == field && c.Change == change {
			return
		}
	}
	r.cleaned = append(r.cleaned, Cleaned{Field: field, Change: change})
}

// blankName reports whether a display name is blank once cleaned.
func blankName(s string) bool {
	return igny8.TrimName(strings.Join(strings.FieldsFunc(s, unicode.IsControl), " ")) == ""
}
