package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseTimestamp(t *testing.T) {
	t.Parallel()
	at := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	for in, want := range map[string]time.Time{
		// What the driver writes (_time_format=sqlite), fractions of 0 to 9 digits.
		"2024-03-01 12:30:45+00:00":           at(2024, 3, 1, 12, 30, 45, 0),
		"2024-03-01 12:30:45.1+00:00":         at(2024, 3, 1, 12, 30, 45, 100000000),
		"2024-03-01 12:30:45.12+00:00":        at(2024, 3, 1, 12, 30, 45, 120000000),
		"2024-03-01 12:30:45.123+00:00":       at(2024, 3, 1, 12, 30, 45, 123000000),
		"2024-03-01 12:30:45.1234+00:00":      at(2024, 3, 1, 12, 30, 45, 123400000),
		"2024-03-01 12:30:45.12345+00:00":     at(2024, 3, 1, 12, 30, 45, 123450000),
		"2024-03-01 12:30:45.123456+00:00":    at(2024, 3, 1, 12, 30, 45, 123456000),
		"2024-03-01 12:30:45.1234567+00:00":   at(2024, 3, 1, 12, 30, 45, 123456700),
		"2024-03-01 12:30:45.12345678+00:00":  at(2024, 3, 1, 12, 30, 45, 123456780),
		"2024-03-01 12:30:45.123456789+00:00": at(2024, 3, 1, 12, 30, 45, 123456789),
		"2024-03-01 12:30:45.000000001+00:00": at(2024, 3, 1, 12, 30, 45, 1),
		"2024-03-01 12:30:45.000000000+00:00": at(2024, 3, 1, 12, 30, 45, 0),
		// Ten or more digits: time.Parse keeps nine.
		"2024-03-01 12:30:45.1234567891+00:00": at(2024, 3, 1, 12, 30, 45, 123456789),
		// Offsets and Z.
		"2024-03-01 12:30:45.5+02:00":    at(2024, 3, 1, 10, 30, 45, 500000000),
		"2024-03-01 12:30:45-07:30":      at(2024, 3, 1, 20, 0, 45, 0),
		"2024-03-01 00:15:00+01:00":      at(2024, 2, 29, 23, 15, 0, 0),
		"2024-03-01 12:30:45-00:00":      at(2024, 3, 1, 12, 30, 45, 0),
		"2024-03-01 12:30:45Z":           at(2024, 3, 1, 12, 30, 45, 0),
		"2024-03-01 12:30:45.25Z":        at(2024, 3, 1, 12, 30, 45, 250000000),
		"2024-03-01 12:30:45+00:00Z":     at(2024, 3, 1, 12, 30, 45, 0),
		"2024-03-01 12:30:45+24:00":      at(2024, 2, 29, 12, 30, 45, 0),
		"2024-03-01T12:30:45.5+02:00":    at(2024, 3, 1, 10, 30, 45, 500000000),
		"2024-03-01T12:30:45Z":           at(2024, 3, 1, 12, 30, 45, 0),
		"2024-03-01 12:30:45,5+00:00":    at(2024, 3, 1, 12, 30, 45, 500000000),
		"9999-12-31 23:59:59.999999999Z": at(9999, 12, 31, 23, 59, 59, 999999999),
		"0000-01-01 00:00:00+00:00":      at(0, 1, 1, 0, 0, 0, 0),
		"2000-02-29 01:02:03+00:00":      at(2000, 2, 29, 1, 2, 3, 0),
		// The driver's other layouts, without an offset (UTC).
		"2024-03-01 12:30:45":           at(2024, 3, 1, 12, 30, 45, 0),
		"2024-03-01 12:30:45.987654321": at(2024, 3, 1, 12, 30, 45, 987654321),
		"2024-03-01T12:30:45.5":         at(2024, 3, 1, 12, 30, 45, 500000000),
		"2024-03-01 12:30":              at(2024, 3, 1, 12, 30, 0, 0),
		"2024-03-01T12:30":              at(2024, 3, 1, 12, 30, 0, 0),
		"2024-03-01 12:30Z":             at(2024, 3, 1, 12, 30, 0, 0),
		"2024-03-01":                    at(2024, 3, 1, 0, 0, 0, 0),
		"2024-03-01Z":                   at(2024, 3, 1, 0, 0, 0, 0),
		"2024-03-01 1:30:45+00:00":      at(2024, 3, 1, 1, 30, 45, 0),
		// t.String(), with and without a monotonic reading.
		"2024-03-01 12:30:45.5 +0000 UTC":                at(2024, 3, 1, 12, 30, 45, 500000000),
		"2024-03-01 13:30:45.5 +0100 CET":                at(2024, 3, 1, 12, 30, 45, 500000000),
		"2024-03-01 12:30:45.5 +0000 UTC m=+0.000012345": at(2024, 3, 1, 12, 30, 45, 500000000),
	} {
		got, err := parseTimestamp(in)
		if err != nil || got != want || got.Location() != time.UTC {
			t.Errorf("parseTimestamp(%q) = %v (%v), %v; want %v UTC", in, got, got.Location(), err, want)
		}
	}
}

func TestParseTimestampRefusesGarbage(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "garbage", "now", "2024", "2024-03", "20240301 123045", "2024-03-01 12:30:45 +00:00",
		"2024-13-01 12:30:45+00:00", "2024-00-01 12:30:45+00:00", "2024-02-30 12:30:45+00:00",
		"2023-02-29 12:30:45+00:00", "1900-02-29 00:00:00+00:00", "2024-04-31 00:00:00+00:00",
		"2024-03-01 24:00:00+00:00", "2024-03-01 12:60:00+00:00", "2024-03-01 12:30:60+00:00",
		"2024-03-01 12:30:45.+00:00", "2024-03-01 12:30:45.x+00:00", "2024-03-01 12:30:45+0000",
		"2024-03-01 12:30:45+00", "2024-03-01 12:30:45+25:00", "2024-03-01 12:30:45+00:61",
		"2024-03-01 12:30:45+00:00 ", " 2024-03-01 12:30:45+00:00", "2024-03-01 12:30:45+00:00junk",
		"2024-03-01 12:30:45UTC", "2024-03-01X12:30:45+00:00", "2024/03/01 12:30:45+00:00",
		"２０２４-03-01 12:30:45+00:00", "2024-03-01 12:30:45\x00", "2024-03-01 12:30:45.5,",
	} {
		if got, err := parseTimestamp(in); err == nil {
			t.Errorf("parseTimestamp(%q) = %v, want an error", in, got)
		} else if !strings.Contains(err.Error(), "not a time") {
			t.Errorf("parseTimestamp(%q): unclear error %v", in, err)
		}
	}
}

// The hand-written parser must agree with the driver's layouts wherever it
// accepts a value; elsewhere parseTimestamp uses those layouts anyway.
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{
		"2024-03-01 12:30:45.123456789+00:00", "2024-03-01T12:30:45Z", "2024-03-01 12:30:45-07:30",
		"2024-02-29 23:59:59.5", "2024-03-01", "2024-03-01 12:30:45.5 +0000 UTC", "0000-01-01 00:00:00+23:59",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		slow, slowErr := parseTimestampSlow(s)
		fast, ok := parseTimestampFast(s)
		if ok && (slowErr != nil || fast != slow) {
			t.Fatalf("%q: fast %v, layouts %v %v", s, fast, slow, slowErr)
		}
		got, err := parseTimestamp(s)
		if (err == nil) != (slowErr == nil) || got != slow || got.Location() != time.UTC {
			t.Fatalf("%q: parseTimestamp %v (%v) %v, layouts %v %v", s, got, got.Location(), err, slow, slowErr)
		}
	})
}

// TestTimestampMatchesDriver stores text in a TIMESTAMP column of a real
// SQLite database and reads it both ways: as the driver decodes the
// column, and as timestamp decodes the COALESCE of it. They must agree on
// the instant and on what is not a time.
func TestTimestampMatchesDriver(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "ts.db")+"?_time_format=sqlite")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE ts (v TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	written := time.Date(2031, 7, 4, 5, 6, 7, 123456789, time.UTC)
	if _, err := db.ExecContext(ctx, `INSERT INTO ts VALUES (?)`, written); err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"2024-03-01 12:30:45+00:00", "2024-03-01 12:30:45.123456789+00:00", "2024-03-01 12:30:45.1234567891+00:00",
		"2024-03-01 12:30:45.5+02:00", "2024-03-01 12:30:45-07:30", "2024-03-01 12:30:45Z", "2024-03-01T12:30:45.5Z",
		"2024-03-01 12:30:45+00:00Z", "2024-03-01 12:30:45", "2024-03-01T12:30:45", "2024-03-01 12:30", "2024-03-01T12:30",
		"2024-03-01", "2024-03-01 1:30:45", "2024-03-01 12:30:45,5+00:00", "2024-03-01 12:30:45.5 +0000 UTC",
		"2024-03-01 12:30:45.5 +0000 UTC m=+0.000012345", "2024-02-30 12:30:45+00:00", "2024-03-01 24:00:00",
		"2024-03-01 12:30:45.+00:00", "2024-03-01 12:30:45+0000", "garbage", "",
	}
	for _, s := range texts {
		if _, err := db.ExecContext(ctx, `INSERT INTO ts VALUES (?)`, s); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT CAST(v AS TEXT), v, COALESCE(v, NULL) FROM ts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, decoded := 0, 0
	for rows.Next() {
		var text string
		var driver any
		var ours time.Time
		err := rows.Scan(&text, &driver, timestamp{&ours})
		if d, ok := driver.(time.Time); ok {
			if err != nil || !ours.Equal(d) || ours.Location() != time.UTC {
				t.Errorf("%q: driver %v, timestamp %v (%v) %v", text, d, ours, ours.Location(), err)
			}
			decoded++
		} else if err == nil {
			t.Errorf("%q: driver left a %T, timestamp read %v", text, driver, ours)
		}
		n++
	}
	if err := rows.Err(); err != nil || n != len(texts)+1 || decoded != n-6 {
		t.Fatalf("read %d rows of %d, %d of them times: %v", n, len(texts)+1, decoded, err)
	}
}

func BenchmarkParseTimestamp(b *testing.B) {
	const s = "2024-03-01 12:30:45.123456+00:00"
	b.Run("fixed", func(b *testing.B) {
		for b.Loop() {
			if _, err := parseTimestamp(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("layouts", func(b *testing.B) {
		for b.Loop() {
			if _, err := parseTimestampSlow(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
