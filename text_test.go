package igny8_test

import (
	"testing"

	"github.com/igny8/igny8"
)

func TestPlural(t *testing.T) {
	for want, got := range map[string]string{
		"1 site": igny8.Plural(1, "site"), "0 sites": igny8.Plural(0, "site"), "3 sites": igny8.Plural(3, "site"),
		"1 second": igny8.Plural(1, "second"), "-1 credit": igny8.Plural(-1, "credit"), "2 entries": igny8.Plural(2, "entry"),
		"2 keys": igny8.Plural(2, "key"),
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestPlanTitle(t *testing.T) {
	for name, want := range map[string]string{"Free Plan": "Free Plan", "Starter": "Starter plan", "free plan": "free plan", "Planet": "Planet plan"} {
		if got := igny8.PlanTitle(name); got != want {
			t.Errorf("%q: got %q, want %q", name, got, want)
		}
	}
}

func TestIsID(t *testing.T) {
	for s, want := range map[string]bool{
		"01a233ad-7a72-770a-a7f3-be02ff290675": true, "01A233AD-7A72-770A-A7F3-BE02FF290675": false,
		"01a233ad7a72770aa7f3be02ff290675": false, "{01a233ad-7a72-770a-a7f3-be02ff290675}": false,
		"01a233ad-7a72-770a-a7f3-be02ff29067g": false, "": false, "garbage": false,
	} {
		if igny8.IsID(s) != want {
			t.Errorf("IsID(%q) != %v", s, want)
		}
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{" Blog ": "Blog", "\u200bBlog\ufeff": "Blog", "\u00a0\u3000": "", "\u200e\u2060": ""} {
		if got := igny8.TrimName(in); got != want {
			t.Errorf("TrimName(%q) = %q, want %q", in, got, want)
		}
	}
	for name, want := range map[string]string{"": "must not be blank", "ok": "", "two\nlines": "must not contain control characters such as tabs or line breaks",
		"toolong": "must be at most 3 characters"} {
		max := 100
		if name == "toolong" {
			max = 3
		}
		if got := igny8.NameFault(name, max); got != want {
			t.Errorf("NameFault(%q) = %q, want %q", name, got, want)
		}
	}
}
