package igny8_test

import (
	"strings"
	"testing"

	"github.com/igny8/igny8"
)

func TestIPKey(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"203.0.113.7", "anon:ip:203.0.113.7"},
		{"203.0.113.7:51234", "anon:ip:203.0.113.7"},
		{"::ffff:203.0.113.7", "anon:ip:203.0.113.7"},
		{"2001:db8:1:2:3:4:5:6", "anon:ip:2001:db8:1:2::/64"},
		{"[2001:db8:1:2::ff]:443", "anon:ip:2001:db8:1:2::/64"},
		{"fe80::1%eth0", "anon:ip:fe80::/64"},
		{"not an address", "anon:ip:not an address"},
	}
	for _, tt := range tests {
		if got := igny8.IPKey(igny8.ScopeAnon, tt.addr); got != tt.want {
			t.Errorf("igny8.IPKey(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestEmailKey(t *testing.T) {
	a := igny8.EmailKey(igny8.ScopeAuth, "Owner@Example.com ")
	if b := igny8.EmailKey(igny8.ScopeAuth, "owner@example.com"); a != b {
		t.Fatalf("case variants of one email got keys %q and %q", a, b)
	}
	if a == igny8.EmailKey(igny8.ScopeAuth, "other@example.com") {
		t.Fatal("two emails share a key")
	}
	if !strings.HasPrefix(a, "auth:email:") || strings.Contains(a, "example") {
		t.Fatalf("key %q: want auth:email: and no trace of the address", a)
	}
}

func TestKey(t *testing.T) {
	if got := igny8.Key(igny8.ScopeAPI, igny8.KindAccount, "01HX"); got != "api:account:01HX" {
		t.Fatalf("Key = %q", got)
	}
	if igny8.Key(igny8.ScopeAI, igny8.KindAccount, "x") == igny8.Key(igny8.ScopeAPI, igny8.KindAccount, "x") {
		t.Fatal("two scopes share a key")
	}
}
