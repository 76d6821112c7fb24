package igny8_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/igny8/igny8"
)

// gen makes random values that exercise every branch of encoding/json's
// string and time encoding.
type gen struct{ r *rand.Rand }

func newGen(t testing.TB) gen {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	return gen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// awkward are pieces that need escaping or are not valid UTF-8.
var awkward = []string{
	`"`, `\`, "<", ">", "&", "</script>", "\x00", "\x01", "\b", "\f", "\n", "\r", "\t",
	"\x1f", "\x7f", "\u2028", "\u2029", "\ufffd", "\xff", "\x80", "\xe2\x80",
	"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "é", "日本", "🙂", "\U0010ffff", " ", "'",
}

func (g gen) string() string {
	var sb strings.Builder
	for n := g.r.IntN(12); n > 0; n-- {
		switch g.r.IntN(5) {
		case 0:
			sb.WriteString(awkward[g.r.IntN(len(awkward))])
		case 1:
			sb.WriteByte(byte(g.r.IntN(256))) // any byte, often invalid UTF-8
		case 2:
			sb.WriteRune(rune(g.r.IntN(utf8.MaxRune + 1))) // surrogates become U+FFFD
		default:
			sb.WriteByte(byte(' ' + g.r.IntN(95))) // printable ASCII
		}
	}
	return sb.String()
}

var zones = []*time.Location{
	time.UTC, time.Local, time.FixedZone("IST", 5*3600+1800), time.FixedZone("", -7*3600),
	time.FixedZone("LMT", -(4*3600 + 56*60 + 2)), time.FixedZone("", 23*3600+59*60),
	time.FixedZone("", 24*3600), time.FixedZone("", -30*3600), time.FixedZone("", 100*3600),
}

// time returns zero, ordinary and out of range times (years outside
// 0-9999 and zone offsets of a day or more, which encoding/json refuses).
func (g gen) time() time.Time {
	if g.r.IntN(8) == 0 {
		return time.Time{}
	}
	sec := g.r.Int64N(253402300800) - 62135596800 // years 0001-9999
	if g.r.IntN(50) == 0 {
		sec = g.r.Int64N(1<<40) - 1<<39 // anywhere, years far outside
	}
	var nsec int64
	switch g.r.IntN(4) {
	case 0:
		nsec = g.r.Int64N(1e9)
	case 1:
		nsec = g.r.Int64N(1000) * 1e6 // trailing zeros are trimmed
	}
	if g.r.IntN(10) == 0 {
		return time.Now() // with a monotonic reading
	}
	return time.Unix(sec, nsec).In(zones[g.r.IntN(len(zones))])
}

// fill sets every field of the struct v points to from its type, so that a
// new field is covered without touching the test, or fails loudly when its
// type is new. full sets every pointer.
func (g gen) fill(t testing.TB, v any, full bool) {
	t.Helper()
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		f := rv.Field(i)
		set := full || g.r.IntN(3) > 0
		switch p := f.Addr().Interface().(type) {
		case *string:
			*p = g.string()
		case *bool:
			*p = g.r.IntN(2) == 0
		case *time.Time:
			*p = g.time()
		case **string:
			if set {
				s := g.string()
				*p = &s
			}
		case **time.Time:
			if set {
				tm := g.time()
				*p = &tm
			}
		case **int64:
			if set {
				n := g.r.Int64() - g.r.Int64()
				*p = &n
			}
		default:
			t.Fatalf("%s.%s has type %s, which this test cannot fill: teach fill and the AppendJSON of %[1]s about it",
				rv.Type(), rv.Type().Field(i).Name, f.Type())
		}
	}
}

func (g gen) site(t testing.TB) igny8.Site {
	var s igny8.Site
	g.fill(t, &s, false)
	return s
}

// sameAsMarshal checks that a appends what json.Marshal(v) produces, and
// fails as it does.
func sameAsMarshal(t *testing.T, v any, a igny8.JSONAppender) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := a.AppendJSON([]byte("prefix"))
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("AppendJSON error %v, json.Marshal error %v, for %#v", err, wantErr, v)
	}
	if err != nil {
		return
	}
	if !bytes.HasPrefix(got, []byte("prefix")) {
		t.Fatalf("AppendJSON lost the bytes before it: %q", got)
	}
	if got = got[len("prefix"):]; !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON differs from json.Marshal for %#v\n got: %q\nwant: %q", v, got, want)
	}
}

func TestSiteAppendJSONMatchesMarshal(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	for range 20000 {
		s := g.site(t)
		sameAsMarshal(t, &s, &s)
	}
	sameAsMarshal(t, (*igny8.Site)(nil), (*igny8.Site)(nil))
	sameAsMarshal(t, &igny8.Site{}, &igny8.Site{})
}

func TestPageAppendJSONMatchesMarshal(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	for range 2000 {
		var p igny8.Page[igny8.Site]
		switch n := g.r.IntN(14); n {
		case 0: // nil items encode as null
		case 1:
			p.Items = []igny8.Site{}
		default:
			for range n - 1 {
				p.Items = append(p.Items, g.site(t))
			}
		}
		if g.r.IntN(2) == 0 {
			c := g.string()
			p.NextCursor = &c
		}
		sameAsMarshal(t, &p, &p)
	}
	sameAsMarshal(t, (*igny8.Page[igny8.Site])(nil), (*igny8.Page[igny8.Site])(nil))
}

// plainSite has Site's fields and tags but not its methods.
type plainSite igny8.Site

// Pages of items that cannot append themselves go through encoding/json.
func TestPageAppendJSONFallsBack(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	cursor := "c<&>"
	for range 200 {
		s := g.site(t)
		plain := igny8.Page[plainSite]{Items: []plainSite{plainSite(s)}, NextCursor: &cursor}
		sameAsMarshal(t, &plain, &plain)
		ptrs := igny8.Page[*igny8.Site]{Items: []*igny8.Site{&s, nil}}
		sameAsMarshal(t, &ptrs, &ptrs)
	}
	anys := igny8.Page[any]{Items: []any{1, "<a>", nil, map[string]int{"b": 2, "a": 1}}}
	sameAsMarshal(t, &anys, &anys)
	bad := igny8.Page[any]{Items: []any{make(chan int)}}
	if _, err := bad.AppendJSON(nil); err == nil {
		t.Fatal("a page encoding/json cannot encode appended without an error")
	}
}

// A field added to Site without its AppendJSON fails here: fill sets it,
// json.Marshal emits it and AppendJSON does not.
func TestSiteAppendJSONCoversEveryField(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	var s igny8.Site
	for {
		g.fill(t, &s, true)
		if _, err := json.Marshal(s); err == nil {
			break // times in range
		}
	}
	sameAsMarshal(t, &s, &s)
	out, err := s.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(out, &keys); err != nil {
		t.Fatalf("AppendJSON wrote invalid JSON %q: %v", out, err)
	}
	if n := reflect.TypeFor[igny8.Site]().NumField(); len(keys) != n {
		t.Fatalf("AppendJSON wrote %d keys for the %d fields of Site: %q", len(keys), n, out)
	}
}

func TestAppendJSONTimeErrors(t *testing.T) {
	t.Parallel()
	for _, tm := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", -100*3600)),
	} {
		s := igny8.Site{CreatedAt: time.Now(), UpdatedAt: time.Now(), PurgeAfter: &tm}
		if _, err := s.AppendJSON(nil); err == nil {
			t.Errorf("AppendJSON took %v, which time.MarshalJSON refuses", tm)
		}
		sameAsMarshal(t, &s, &s)
	}
}

func FuzzSiteAppendJSON(f *testing.F) {
	f.Add("id", "<b>Tom & Jerry</b>", "\u2028\xff\x00", true, int64(1767225600), int64(123456789), 19800, true)
	f.Add("", "", "", false, int64(-62135596800), int64(0), 0, false)
	f.Add("\"\\", "\x7f\t", "日本🙂", true, int64(253402300799), int64(999999999), -86400, true)
	f.Fuzz(func(t *testing.T, id, name, industry string, hasIndustry bool, sec, nsec int64, offset int, deleted bool) {
		tm := time.Unix(sec, nsec).In(time.FixedZone("", offset))
		s := igny8.Site{ID: id, AccountID: industry, Name: name, Slug: name + id, Domain: id + name,
			IsActive: hasIndustry, CreatedAt: tm, UpdatedAt: tm.UTC()}
		if hasIndustry {
			s.IndustryID = &industry
		}
		if deleted {
			s.DeletedAt, s.PurgeAfter = &tm, &s.CreatedAt
		}
		sameAsMarshal(t, &s, &s)
		p := igny8.Page[igny8.Site]{Items: []igny8.Site{s, s}, NextCursor: &name}
		sameAsMarshal(t, &p, &p)
	})
}
