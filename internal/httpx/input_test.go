package httpx_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

func faultFields(t *testing.T, err error) []string {
	t.Helper()
	var e *igny8.Error
	if err == nil {
		return nil
	}
	if !errors.As(err, &e) || e.Code != igny8.EValidation {
		t.Fatalf("not validation_failed: %v", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// TestCheckTextSeesRawBytes: encoding/json turns invalid UTF-8 and lone
// surrogates into U+FFFD, so the check reads the raw body; a U+FFFD the
// client spelled out (as the character or as \ufffd) is text.
func TestCheckTextSeesRawBytes(t *testing.T) {
	cases := []struct {
		body string
		want []string
	}{
		{`{"name":"plain","n":1,"ok":true,"x":null}`, nil},
		{`{"name":"caf\u00e9 \ud83d\ude00"}`, nil},            // escapes of valid characters
		{`{"name":"\ufffd \uFFFD �"}`, nil},                   // replacement characters really sent
		{`{"name":"\\ufffd"}`, nil},                           // an escaped backslash, then text
		{`{"name":"a\u0000"}`, []string{"name"}},              // NUL
		{"{\"name\":\"a\xff\"}", []string{"name"}},            // invalid byte
		{`{"name":"\ud800x"}`, []string{"name"}},              // lone surrogate
		{"{\"name\":\"\\\\ufffd\xff\"}", []string{"name"}},    // a spelled-out \ufffd does not hide a replaced byte
		{"{\"name\":\"\xef\xbf\xbd\xff\"}", []string{"name"}}, // nor does a real U+FFFD
		{`{"a":{"b":["ok","\u0000"]},"c":"\u0000"}`, []string{"a.b[1]", "c"}},
		{"{\"k\xff\":\"v\"}", []string{"k\ufffd"}}, // keys too
		{`["\u0000"]`, []string{"[0]"}},
		{`"\u0000"`, []string{"body"}},
	}
	for _, c := range cases {
		got := faultFields(t, httpx.CheckText([]byte(c.body)))
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: fields %v, want %v", c.body, got, c.want)
		}
	}
}

type limited struct {
	Name  string   `json:"name" max:"3"`
	Tags  []string `json:"tags" max:"2"`
	Count *int     `json:"count,omitempty" min:"1" max:"5"`
	Inner struct {
		Note string `json:"note" max:"1"`
	} `json:"inner"`
	Free string `json:"free"`
}

func TestCheckLimitsNamesEveryField(t *testing.T) {
	six := 6
	v := limited{Name: "four", Tags: []string{"ok", "long"}, Count: &six, Free: strings.Repeat("x", 1000)}
	v.Inner.Note = "éé"
	got := faultFields(t, httpx.CheckLimits(&v))
	if want := []string{"name", "tags[1]", "count", "inner.note"}; !slices.Equal(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	ok := limited{Name: "été", Tags: []string{"ok"}}
	if err := httpx.CheckLimits(&ok); err != nil {
		t.Fatalf("within limits (characters, not bytes): %v", err)
	}
}

func TestCheckJSONContentType(t *testing.T) {
	for ct, ok := range map[string]bool{
		"": true, "application/json": true, "application/json; charset=utf-8": true, "APPLICATION/JSON;charset=UTF-8": true,
		"application/jsonx": false, "application/json+x": false, "application/json; charset=latin1": false,
		"text/json": false, "application/problem+json": false, "application/json, text/plain": false,
	} {
		if err := httpx.CheckJSONContentType(ct); (err == nil) != ok {
			t.Errorf("%q: %v", ct, err)
		}
	}
}

func TestCheckValues(t *testing.T) {
	vals := url.Values{"q": {strings.Repeat("a", 11)}, "ok": {"fine"}, "nul": {"a\x00"}, "bad": {"\xff"}}
	got := faultFields(t, httpx.CheckValues(vals, func(string) int { return 10 }))
	if want := []string{"bad", "nul", "q"}; !slices.Equal(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
}

// TestMaxLen reads the limits CheckLimits enforces, and refuses a field
// without one.
func TestMaxLen(t *testing.T) {
	if n := httpx.MaxLen(igny8.SignUp{}, "email"); n != 254 {
		t.Errorf("SignUp email: %d", n)
	}
	if n := httpx.MaxLen(&igny8.SiteCreate{}, "slug"); n != 100 {
		t.Errorf("SiteCreate slug: %d", n)
	}
	defer func() {
		if recover() == nil {
			t.Error("a field without a limit did not panic")
		}
	}()
	httpx.MaxLen(igny8.SiteCreate{}, "is_active")
}
