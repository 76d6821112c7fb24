package igny8

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Input text rules, decided once at the edge (the JSON decoder, the query
// and path readers of the API and the pages) so that both databases see
// the same text: PostgreSQL refuses NUL and invalid UTF-8, SQLite would
// store them.

// TextFault says what is wrong with s as input text: "" when it is valid
// UTF-8 without a NUL character.
func TextFault(s string) string {
	if !utf8.ValidString(s) {
		return "must be UTF-8 text (it has invalid bytes)"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "must not contain a NUL character"
	}
	return ""
}

// IsID reports whether s has the shape of an id: a UUID in its canonical
// lowercase text form, as every id is made. Anything else cannot name a
// row, so callers answer not_found without asking the database.
func IsID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		default:
			return false
		}
	}
	return true
}

// TrimName trims a display name (of an account, user, site, sector or API
// key): spaces and invisible format characters (zero-width spaces,
// direction marks, byte-order marks) at either end. A name that trims to
// "" is blank: it shows nothing, so it is not a name.
func TrimName(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) })
}

// MaxNameLen is the most characters of a display name.
const MaxNameLen = 100

// NameFault checks a trimmed display name of at most max characters: ""
// when it is fine. Control characters (tabs, newlines) are refused: a name
// is one line.
func NameFault(name string, max int) string {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "must not be blank"
	case n > max:
		return "must be at most " + Plural(max, "character")
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "must not contain control characters such as tabs or line breaks"
	}
	return ""
}

// Plural writes n and a noun, in the plural unless n is 1 or -1: "1 site",
// "3 sites", "1 second", "2 entries". Every count a user reads goes
// through it or through PluralNoun (API details, page notices and
// templates).
func Plural(n int, noun string) string {
	return strconv.Itoa(n) + " " + PluralNoun(int64(n), noun)
}

// PluralNoun is noun as it follows the number n.
func PluralNoun(n int64, noun string) string {
	if n == 1 || n == -1 {
		return noun
	}
	if len(noun) > 1 && strings.HasSuffix(noun, "y") && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])) {
		return noun[:len(noun)-1] + "ies"
	}
	return noun + "s"
}

// PlanTitle names a plan in a sentence: "the " + PlanTitle(name). Plans
// whose name already says "plan" ("Free Plan") are not called "Free Plan
// plan".
func PlanTitle(name string) string {
	if n := len(name); n >= 5 && strings.EqualFold(name[n-5:], " plan") {
		return name
	}
	return name + " plan"
}
