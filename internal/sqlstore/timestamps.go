package sqlstore

import (
	"fmt"
	"strings"
	"time"
)

// Decoding TIMESTAMP columns cheaply on SQLite.
//
// modernc.org/sqlite turns the TEXT of a column declared DATE, DATETIME or
// TIMESTAMP into a time.Time with two generic time.Parse calls per value,
// the first of which (t.String()'s layout) never matches what we store.
// On GET /api/v1/sites that was 10 to 20% of the server's CPU. The driver
// only does so when the result column keeps the declared type, so those
// reads select a timestamp as
//
//	COALESCE(s.created_at, NULL)
//
// which on SQLite is an expression without a declared type, delivered as
// the stored text, and on PostgreSQL is still a TIMESTAMP delivered as a
// time.Time. The Scan destination is then timestamp or nullTimestamp,
// which accept either and parse the text with the fixed layout below.

// timestamp is the Scan destination of a NOT NULL timestamp column. It
// accepts a time.Time (PostgreSQL, or SQLite when the column keeps its
// declared type) or SQLite's text, and stores the time in UTC.
type timestamp struct{ t *time.Time }

// Scan implements sql.Scanner.
func (d timestamp) Scan(src any) error {
	if src == nil {
		return fmt.Errorf("timestamp column is NULL")
	}
	t, err := decodeTimestamp(src)
	if err != nil {
		return err
	}
	*d.t = t
	return nil
}

// nullTimestamp is timestamp for a nullable column: NULL stores nil.
type nullTimestamp struct{ t **time.Time }

// Scan implements sql.Scanner.
func (d nullTimestamp) Scan(src any) error {
	if src == nil {
		*d.t = nil
		return nil
	}
	t, err := decodeTimestamp(src)
	if err != nil {
		return err
	}
	*d.t = &t
	return nil
}

func decodeTimestamp(src any) (time.Time, error) {
	switch v := src.(type) {
	case time.Time:
		return v.UTC(), nil
	case string:
		return parseTimestamp(v)
	case []byte:
		return parseTimestamp(string(v))
	}
	return time.Time{}, fmt.Errorf("timestamp column holds a %T, not a time", src)
}

// parseTimestamp reads the text of a SQLite timestamp as UTC. What the
// driver writes with _time_format=sqlite, "2006-01-02 15:04:05.999999999-07:00"
// (always +00:00 here), and the other fixed forms of that shape are read
// by hand; anything else goes through the driver's own list of layouts.
func parseTimestamp(s string) (time.Time, error) {
	if t, ok := parseTimestampFast(s); ok {
		return t, nil
	}
	return parseTimestampSlow(s)
}

// parseTimestampFast parses "YYYY-MM-DD HH:MM:SS" (or 'T' for the space),
// an optional fraction of 1 to 9 digits after '.', and an optional "Z" or
// "+HH:MM"/"-HH:MM". It reports false for anything else, including values
// out of range, so that parseTimestampSlow decides them.
func parseTimestampFast(s string) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := atoiFixed(s[0:4])
	month, ok2 := atoiFixed(s[5:7])
	day, ok3 := atoiFixed(s[8:10])
	hour, ok4 := atoiFixed(s[11:13])
	minute, ok5 := atoiFixed(s[14:16])
	sec, ok6 := atoiFixed(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(time.Month(month), year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest := s[19:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 || n > 10 {
			return time.Time{}, false
		}
		nsec, _ = atoiFixed(rest[1:n])
		for i := n; i < 10; i++ {
			nsec *= 10
		}
		rest = rest[n:]
	}
	offset := 0
	switch {
	case rest == "" || rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		hh, ok1 := atoiFixed(rest[1:3])
		mm, ok2 := atoiFixed(rest[4:6])
		if !ok1 || !ok2 || hh > 23 || mm > 59 {
			return time.Time{}, false
		}
		offset = (hh*60 + mm) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if offset != 0 {
		t = t.Add(-time.Duration(offset) * time.Second)
	}
	return t, true
}

// atoiFixed parses s, which must be all decimal digits.
func atoiFixed(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 30 + int((m+m/8)%2)
}

// timestampLayouts are the layouts modernc.org/sqlite (v1.62) tries, in
// its order, after t.String()'s; see its parseTimeFormats.
var timestampLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTimestampSlow parses s as the driver does for a column declared
// TIMESTAMP (with no _loc set): as t.String() wrote it, monotonic reading
// and all, or in one of timestampLayouts after dropping a trailing "Z".
func parseTimestampSlow(s string) (time.Time, error) {
	v := s
	if i := strings.Index(v, "m="); i > 0 {
		v = v[:i]
	}
	if t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", strings.TrimSpace(v)); err == nil {
		return t.UTC(), nil
	}
	v = strings.TrimSuffix(s, "Z")
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp column holds %q, not a time", s)
}
