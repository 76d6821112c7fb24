package throttle

import (
	"strings"
	"testing"

	"github.com/igny8/igny8"
)

func TestRateFor(t *testing.T) {
	tests := []struct {
		scope string
		plan  int
		want  igny8.Rate
	}{
		{igny8.ScopeAPI, 60, igny8.Rate{PerMinute: 60, Burst: 6}},
		{igny8.ScopeAPI, 6000, igny8.Rate{PerMinute: 6000, Burst: 600}},
		{igny8.ScopeAPI, 2, igny8.Rate{PerMinute: 2, Burst: 2}},
		{igny8.ScopeAPI, 0, igny8.Rate{PerMinute: 1, Burst: 1}},
		{igny8.ScopeAI, 60, igny8.Rate{PerMinute: 6, Burst: 3}},
		{igny8.ScopeAI, 1200, igny8.Rate{PerMinute: 120, Burst: 12}},
		{igny8.ScopeAI, 5, igny8.Rate{PerMinute: 1, Burst: 1}},
		{igny8.ScopeAuth, 6000, igny8.Rate{PerMinute: 10, Burst: 3}},
		{igny8.ScopeAdmin, 0, igny8.Rate{PerMinute: 600, Burst: 60}},
		{igny8.ScopeAnon, 6000, igny8.Rate{PerMinute: 60, Burst: 6}},
		{"unknown", 6000, igny8.Rate{PerMinute: 60, Burst: 6}},
	}
	for _, tt := range tests {
		if got := RateFor(tt.scope, tt.plan); got != tt.want {
			t.Errorf("RateFor(%q, %d) = %+v, want %+v", tt.scope, tt.plan, got, tt.want)
		}
	}
}

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
		if got := IPKey(igny8.ScopeAnon, tt.addr); got != tt.want {
			t.Errorf("IPKey(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestEmailKey(t *testing.T) {
	a := EmailKey(igny8.ScopeAuth, "Owner@Example.com ")
	if b := EmailKey(igny8.ScopeAuth, "owner@example.com"); a != b {
		t.Fatalf("case variants of one email got keys %q and %q", a, b)
	}
	if a == EmailKey(igny8.ScopeAuth, "other@example.com") {
		t.Fatal("two emails share a key")
	}
	if !strings.HasPrefix(a, "auth:email:") || strings.Contains(a, "example") {
		t.Fatalf("key %q: want auth:email: and no trace of the address", a)
	}
}

func TestKey(t *testing.T) {
	if got := Key(igny8.ScopeAPI, KindAccount, "01HX"); got != "api:account:01HX" {
		t.Fatalf("Key = %q", got)
	}
	if Key(igny8.ScopeAI, KindAccount, "x") == Key(igny8.ScopeAPI, KindAccount, "x") {
		t.Fatal("two scopes share a key")
	}
}
