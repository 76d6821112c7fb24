package sqlstore

import "testing"

func TestNormalizeDomain(t *testing.T) {
	good := map[string]string{
		"":                                  "",
		"example.com":                       "https://example.com",
		"  Example.COM  ":                   "https://example.com",
		"HTTP://WWW.Example.com:80/":        "http://www.example.com",
		"https://example.com:443/a/b/":      "https://example.com/a/b",
		"https://example.com:8443":          "https://example.com:8443",
		"https://example.com/blog?x=1#frag": "https://example.com/blog",
		"https://example.com.":              "https://example.com",
		"http://localhost:3000":             "http://localhost:3000",
		"http://192.168.1.10":               "http://192.168.1.10",
		"https://[2001:db8::1]:8443/":       "https://[2001:db8::1]:8443",
		"https://[2001:db8::1]":             "https://[2001:db8::1]",
		"https://sub-domain.example.co.uk":  "https://sub-domain.example.co.uk",
	}
	for in, want := range good {
		got, err := normalizeDomain(in)
		if err != nil || got != want {
			t.Errorf("normalizeDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"ftp://example.com", "https://", "mailto:a@example.com", "https://user@example.com",
		"https://exa mple.com", "https://-bad-.com", "intranet", "https://example.com:99999", "javascript:alert(1)",
		"https://" + string(make([]byte, 300))} {
		if got, err := normalizeDomain(in); err == nil {
			t.Errorf("normalizeDomain(%q) = %q, want an error", in, got)
		}
	}
}

func TestSlugs(t *testing.T) {
	if got := generatedSlug("Ünïcode ★ Café 2", "site"); got != "n-code-caf-2" {
		t.Errorf("generatedSlug = %q", got)
	}
	if got := generatedSlug("★★★", "site"); got != "site" {
		t.Errorf("generatedSlug of symbols = %q", got)
	}
	for _, s := range []string{"ok", "a-b-1"} {
		if _, err := checkSlug(s); err != nil {
			t.Errorf("checkSlug(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "A", "a--b", "-a", "a-", "a b"} {
		if _, err := checkSlug(s); err == nil {
			t.Errorf("checkSlug(%q) accepted", s)
		}
	}
}
