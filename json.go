package igny8

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// JSONAppender is a value that appends its own JSON to b without
// reflection. What it appends must be byte for byte what encoding/json's
// Marshal produces for the same value (default HTML escaping included), so
// that an encoder may take either way. The error is one encoding/json would
// report too, such as a time outside years 0-9999. It has the shape of
// encoding.TextAppender; httpx.WriteJSON prefers it for hot responses.
//
// As with MarshalJSON, a struct that embeds an appender gains its method:
// such a struct must define its own AppendJSON (or not embed) before it is
// written as JSON, or only the embedded fields come out.
type JSONAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// appendJSONString appends s as encoding/json quotes a string by default:
// ", \ and the control characters escaped (\b \f \n \r \t by name, the
// others as \u00XX), <, > and & as \u003c \u003e \u0026, U+2028 and U+2029
// escaped, and each byte of invalid UTF-8 as \ufffd. It follows appendString
// in encoding/json/encode.go.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe(c) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonSafe reports whether the ASCII byte c goes into a JSON string as it
// is under HTML-safe escaping (encoding/json's htmlSafeSet).
func jsonSafe(c byte) bool { return jsonSafeSet[c] }

// jsonSafeSet marks the ASCII bytes encoding/json writes as they are
// (HTML-safe): not control characters, quotes, backslashes, <, > or &.
var jsonSafeSet = func() (set [utf8.RuneSelf]bool) {
	for c := range set {
		set[c] = c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return set
}()

// appendJSONStringPtr appends *s, or null when s is nil.
func appendJSONStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

// appendJSONTime appends t as time.Time's MarshalJSON does: RFC 3339 with
// nanoseconds, quoted. A time RFC 3339 cannot hold (a year outside
// 0-9999, a zone offset of a day or more) is MarshalJSON's error.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	n := len(b)
	b = t.AppendFormat(b, time.RFC3339Nano)
	if !strictRFC3339(b[n:]) {
		_, err := t.MarshalJSON()
		return b, err
	}
	return append(b, '"'), nil
}

// strictRFC3339 repeats the checks of time's appendStrictRFC3339 on f, a
// time formatted as RFC3339Nano: a year of exactly four digits and a zone
// hour below 24.
func strictRFC3339(f []byte) bool {
	if len(f) < len("2006-01-02T15:04:05Z") || f[4] != '-' {
		return false
	}
	if f[len(f)-1] == 'Z' {
		return true
	}
	sign, hh := f[len(f)-6], f[len(f)-5:len(f)-3]
	if '0' <= sign && sign <= '9' {
		return false
	}
	return (hh[0]-'0')*10+(hh[1]-'0') < 24
}

// appendMarshal appends v as encoding/json encodes it, for the values that
// have no AppendJSON. The Encoder writes straight into b.
func appendMarshal(b []byte, v any) ([]byte, error) {
	w := appendWriter(b)
	if err := json.NewEncoder(&w).Encode(v); err != nil {
		return b, err
	}
	return w[:len(w)-1], nil // Encode ends with a newline; Marshal does not
}

// appendWriter is an io.Writer that appends to itself.
type appendWriter []byte

// Write appends p.
func (w *appendWriter) Write(p []byte) (int, error) {
	*w = append(*w, p...)
	return len(p), nil
}
