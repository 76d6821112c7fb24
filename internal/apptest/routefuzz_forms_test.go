package apptest_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// FuzzForms is FuzzRoutes for the pages' POST forms: every POST pattern of
// the pages' route table, called with a logged-in browser session (the
// owner's, a developer's on /admin) and the session's CSRF token. The
// forms and their fields are read from the pages themselves, so a new form
// is fuzzed without touching this test. The body's "@csrf@" stands for the
// session's token.
//
// It fails on any 5xx, on a refused request (4xx) that changed stored
// rows, and on a form accepted without the session's CSRF token.
func FuzzForms(f *testing.F) {
	targets := []*formTarget{newFormTarget(f, storetest.Backends()[0])}
	if len(storetest.Backends()) > 1 {
		targets = append(targets, newFormTarget(f, storetest.Backends()[1]))
	}
	for _, tg := range targets {
		tg.fromSeed = seedIDs(targets[0].fuzzTarget, tg.fuzzTarget)
	}
	seeds := formSeeds(targets[0])
	ran := 0
	f.Cleanup(func() {
		for _, tg := range targets {
			for _, e := range tg.pageErrors {
				f.Error(e)
			}
		}
		// The whole corpus ran: every form must have had some input
		// answered past its door (session, CSRF, content type), by its
		// input checks or by doing what it does.
		if ran < len(seeds) || fuzzing() {
			return
		}
		for _, tg := range targets {
			for _, p := range tg.posts {
				if !tg.formReached[p] {
					f.Errorf("%s: no input to the form POST %s reached its input checks (all were refused before, or crashed)", tg.name, p)
				}
			}
		}
	})
	for _, s := range seeds {
		f.Add(s.route, s.pathID, s.contentType, string(s.body))
	}
	f.Fuzz(func(t *testing.T, route, pathID, contentType, body string) {
		ran++
		for _, tg := range targets {
			tg.check(t, route, pathID, contentType, body)
		}
	})
}

// formTarget is a fuzzTarget with browser sessions and the forms its
// pages show.
type formTarget struct {
	*fuzzTarget
	owner, dev *session
	posts      []string          // POST patterns of the pages
	forms      map[string]string // POST pattern -> the form's action and fields, as a path and an encoded body
	public     map[string]bool   // POST patterns whose forms anyone is shown (sign-up, log-in)
	// formReached holds the POST patterns some input of which was
	// answered by the form itself: done (2xx, 3xx) or refused by its input
	// checks (409, 422; 404 for the tenant's own ids, a row already gone),
	// not stopped at the door (session, CSRF, the form's encoding: 400,
	// 403, 413, 415).
	formReached map[string]bool
	// pageErrors are pages that failed to render when their forms were
	// read, reported after the corpus ran (an F that failed runs none)
	pageErrors []string
}

// session is a browser: its cookie and the CSRF token of its pages.
type session struct {
	c    *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

func newFormTarget(tb testing.TB, b storetest.Backend) *formTarget {
	tb.Helper()
	tg := &formTarget{fuzzTarget: newFuzzTarget(tb, b), forms: map[string]string{}, public: map[string]bool{},
		formReached: map[string]bool{}}
	dev := tg.e.NewDeveloper()
	tg.owner = tg.login(tb, tg.fuzzTarget.owner.Email, tg.fuzzTarget.owner.Password, nil)
	tg.dev = tg.login(tb, dev.Email, dev.Password, dev.Factor)
	var gets []string
	for _, p := range apptest.PagePatterns(tg.e) {
		method, path, _ := strings.Cut(p, " ")
		switch {
		case method == "POST":
			tg.posts = append(tg.posts, path)
		case !strings.Contains(strings.TrimSuffix(path, "{$}"), "{"):
			gets = append(gets, strings.TrimSuffix(path, "{$}"))
		}
	}
	sort.Strings(tg.posts)
	jar, _ := cookiejar.New(nil)
	anonymous := &session{c: &http.Client{Jar: jar}}
	for _, page := range gets {
		s := tg.owner
		switch {
		case strings.HasPrefix(page, "/admin"):
			s = tg.dev
		case page == "/login" || page == "/signup" || page == "/accept-invite" || page == "/forgot-password" || page == "/reset-password":
			s = anonymous
		}
		status, raw := s.get(tb, tg.e.URL+page)
		if status >= 500 {
			tg.pageErrors = append(tg.pageErrors, fmt.Sprintf("%s: GET %s answered %d %s (its forms are not fuzzed)",
				tg.name, page, status, clip(raw, 300)))
		}
		tg.readForms(string(raw), s == anonymous)
	}
	// The second form of a login is on the answer to the first.
	resp, err := anonymous.c.PostForm(tg.e.URL+"/login", url.Values{"email": {dev.Email}, "password": {dev.Password}})
	if err != nil {
		tb.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tg.readForms(string(raw), true)
	tg.changed(tb)
	tg.rows = tg.snapshot(tb)
	return tg
}

// login logs in through the login form and returns the browser, with the
// CSRF token of the page it lands on.
func (tg *formTarget) login(tb testing.TB, email, password string, f *apptest.Factor) *session {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	s := &session{c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	resp, _ := tg.e.LogInOnPages(tb, s.c, email, password, f)
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("log in %s: %d", email, resp.StatusCode)
	}
	for _, page := range []string{"/sites", "/admin"} {
		if _, raw := s.get(tb, tg.e.URL+page); s.csrf == "" {
			if m := csrfField.FindSubmatch(raw); m != nil {
				s.csrf = string(m[1])
			}
		}
	}
	if s.csrf == "" {
		tb.Fatalf("log in %s: no CSRF token on the pages", email)
	}
	return s
}

func (s *session) get(tb testing.TB, u string) (int, []byte) {
	tb.Helper()
	resp, err := s.c.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

var (
	formRe   = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)"[^>]*>(.*?)</form>`)
	fieldRe  = regexp.MustCompile(`(?s)<(input|select|textarea)\b([^>]*)>`)
	attrRe   = regexp.MustCompile(`(\w+)="([^"]*)"`)
	optionRe = regexp.MustCompile(`<option[^>]*value="([^"]*)"`)
)

// readForms keeps the first form of each POST pattern a page shows: its
// action, and its fields with the values the page fills in.
func (tg *formTarget) readForms(page string, public bool) {
	for _, m := range formRe.FindAllStringSubmatch(page, -1) {
		action := html.UnescapeString(m[1])
		pattern := tg.patternOf(action)
		if pattern == "" || tg.forms[pattern] != "" {
			continue
		}
		form := url.Values{}
		for _, fm := range fieldRe.FindAllStringSubmatchIndex(m[2], -1) {
			attrs := map[string]string{}
			for _, a := range attrRe.FindAllStringSubmatch(m[2][fm[4]:fm[5]], -1) {
				attrs[a[1]] = html.UnescapeString(a[2])
			}
			name, tag := attrs["name"], m[2][fm[2]:fm[3]]
			if name == "" || name == "csrf_token" || attrs["type"] == "submit" {
				continue
			}
			if (attrs["type"] == "checkbox" || attrs["type"] == "radio") && !strings.Contains(m[2][fm[4]:fm[5]], "checked") {
				continue
			}
			value := attrs["value"]
			if tag == "select" {
				if o := optionRe.FindStringSubmatch(m[2][fm[1]:]); o != nil {
					value = html.UnescapeString(o[1])
				}
			}
			if value == "" {
				value = tg.formValue(action, name)
			}
			form.Set(name, value)
		}
		tg.forms[pattern] = action + "?" + form.Encode()
		tg.public[pattern] = public
	}
}

// formValue fills a field the page leaves empty with a value that passes
// its checks where the test knows one.
func (tg *formTarget) formValue(action, name string) string {
	switch name {
	case "amount", "amount_received":
		return "1"
	case "q", "industry_id", "domain":
		return "" // optional; the fixture's industry is not every form's
	case "password":
		return "a long and unusual passphrase"
	}
	return tg.validString(routeOp{path: action}, name)
}

// patternOf returns the POST pattern an action path matches, or "".
func (tg *formTarget) patternOf(action string) string {
	got := strings.Split(action, "/")
	for _, p := range tg.posts {
		want := strings.Split(p, "/")
		if len(want) != len(got) {
			continue
		}
		match := true
		for i := range want {
			param := strings.HasPrefix(want[i], "{")
			if param && got[i] == "" || !param && want[i] != got[i] {
				match = false
			}
		}
		if match {
			return p
		}
	}
	return ""
}

// formPath is where a fuzz input to pattern goes: the path ids of the
// fixture by kind (the victim rows on delete and restore forms, another
// account on /admin/accounts), the form's own action where a parameter is
// not an id (a payment's decision), or pathID in every parameter.
func (tg *formTarget) formPath(pattern, pathID string) string {
	action, _, _ := strings.Cut(tg.forms[pattern], "?")
	segs, acts := strings.Split(pattern, "/"), strings.Split(action, "/")
	victim := strings.HasSuffix(pattern, "/delete") || strings.HasSuffix(pattern, "/restore")
	for i, seg := range segs {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		kind, known := fuzzKinds[segs[i-1]]
		if seg == "{user}" {
			kind, known = "user", true
		}
		switch {
		case pathID != "":
			segs[i] = url.PathEscape(pathID)
		case known:
			id, ok := tg.ids[kind+":victim"]
			if !victim || !ok {
				id = tg.ids[kind]
			}
			segs[i] = id
		case len(acts) == len(segs):
			segs[i] = acts[i]
		default:
			segs[i] = "x"
		}
	}
	return strings.Join(segs, "/")
}

// formSeeds is the deterministic corpus of the forms: each POST pattern's
// form as the page fills it, then each field broken in turn, the form
// without or with a wrong CSRF token, under other content types, huge,
// with unknown and repeated fields, and with path ids of the wrong shape.
// A pattern no page showed a form for gets the same with no fields.
func formSeeds(tg *formTarget) []fuzzSeed {
	var out []fuzzSeed
	for _, p := range tg.posts {
		add := func(pathID, ct, body string) {
			out = append(out, fuzzSeed{route: p, pathID: pathID, contentType: ct, body: []byte(body)})
		}
		_, encoded, _ := strings.Cut(tg.forms[p], "?")
		valid, _ := url.ParseQuery(encoded)
		with := func(name string, vals ...string) string {
			v := url.Values{"csrf_token": {"@csrf@"}}
			for k, x := range valid {
				v[k] = x
			}
			if name != "" {
				v[name] = vals
			}
			return v.Encode()
		}
		const form = "application/x-www-form-urlencoded"
		add("", form, with(""))
		add("", form, strings.Replace(with(""), "csrf_token=%40csrf%40", "", 1))
		add("", form, strings.Replace(with(""), "csrf_token=%40csrf%40", "csrf_token=wrong", 1))
		add("", jsonType, string(mustJSON(map[string]any{"csrf_token": "@csrf@"})))
		for _, ct := range []string{"text/plain", "multipart/form-data; boundary=x", ""} {
			add("", ct, with(""))
		}
		add("", form, with("zz_unknown", "1"))
		add("", form, with("")+"&%zz=%")
		add("", form, with("")+"&big="+strings.Repeat("a", 1<<20))
		for _, name := range sortedKeys(anyMap(valid)) {
			for _, v := range badFormValues {
				add("", form, with(name, v))
			}
			add("", form, with(name, "a", "b"))
			add("", form, with(name))
		}
		if strings.Contains(p, "{") {
			for _, id := range badIDs(tg.fuzzTarget) {
				add(id, form, with(""))
			}
		}
	}
	return out
}

var badFormValues = []string{"", " ", "a\x00b", "\xff", "\u202eevil\u202c", strings.Repeat("a", 5000),
	"-1", "1.5", "99999999999999999999", "2147483648", "-9223372036854775809", "NaN", "not-an-id"}

func anyMap(v url.Values) map[string]any {
	out := map[string]any{}
	for k := range v {
		out[k] = nil
	}
	return out
}

// check sends one form input and applies the rules to its answer.
func (tg *formTarget) check(t *testing.T, pattern, pathID, contentType, body string) {
	t.Helper()
	if !containsString(tg.posts, pattern) {
		sum := 0
		for _, c := range []byte(pattern) {
			sum += int(c)
		}
		pattern = tg.posts[sum%len(tg.posts)]
	}
	if !sendableHeader(contentType) {
		t.Skip("a Content-Type no HTTP client can send")
	}
	pathID, body = tg.fromSeed.Replace(pathID), tg.fromSeed.Replace(body)
	path := tg.formPath(pattern, pathID)
	s := tg.owner
	switch {
	case strings.HasPrefix(pattern, "/admin"):
		s = tg.dev
	case tg.public[pattern]:
		// a form anyone may send, sent by no one in particular (a log-in
		// or sign-up from the owner's browser would replace its session)
		jar, _ := cookiejar.New(nil)
		s = &session{c: &http.Client{Jar: jar, CheckRedirect: tg.owner.c.CheckRedirect}}
	case pattern == "/logout":
		// logging out ends the session: a new one each time
		s = tg.login(t, tg.fuzzTarget.owner.Email, tg.fuzzTarget.owner.Password, nil)
		if tg.changed(t) {
			tg.rows = tg.snapshot(t)
		}
	}
	withToken := strings.Contains(body, "csrf_token=%40csrf%40") || strings.Contains(body, `"csrf_token":"@csrf@"`)
	body = strings.ReplaceAll(body, "%40csrf%40", url.QueryEscape(s.csrf))
	req, err := http.NewRequest("POST", tg.e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: POST %q: %v", tg.name, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.c.Do(req)
	if err != nil {
		t.Fatalf("%s: POST %q: %v", tg.name, path, err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	status := resp.StatusCode
	desc := "page form " + describe("POST", path, contentType, []byte(body))
	got := clip(answer, 300)
	if status >= 500 {
		t.Errorf("%s: %s\n  answered %d %s", tg.name, desc, status, got)
	}
	formToken := withToken && (contentType == "" || strings.HasPrefix(contentType, "application/x-www-form-urlencoded"))
	if status < 400 && !formToken && !tg.public[pattern] {
		t.Errorf("%s: %s\n  was accepted (%d) without the session's CSRF token in a form", tg.name, desc, status)
	}
	switch {
	case status < 400, status == 404 && pathID == "", status == 409, status == 422,
		status == 401 && tg.public[pattern]: // log-in's wrong password
		tg.formReached[pattern] = true
	}
	tg.afterRequest(t, status, func(diff string) {
		t.Errorf("%s: %s\n  was refused (%d) but changed stored rows:\n%s", tg.name, desc, status, diff)
	})
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
