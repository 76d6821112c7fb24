package igny8_test

import (
	"testing"

	"github.com/igny8/igny8"
)

// TestNewClient: what a request says about itself is kept as an IP address
// or nothing, and a user agent of one line of valid text, bounded.
func TestNewClient(t *testing.T) {
	long := make([]rune, igny8.MaxUserAgentLen+10)
	for i := range long {
		long[i] = 'é'
	}
	for _, c := range []struct {
		addr, ua, wantAddr, wantUA string
	}{
		{"127.0.0.1", "Mozilla/5.0", "127.0.0.1", "Mozilla/5.0"},
		{" ::1 ", "  a\tb\r\nc\u200bd ", "::1", "a b c d"},
		{"pipe", "bad \xff bytes\x00", "", "bad \uFFFD bytes"},
		{"", string(long), "", string(long[:igny8.MaxUserAgentLen])},
	} {
		got := igny8.NewClient(c.addr, c.ua)
		if got.Address != c.wantAddr || got.UserAgent != c.wantUA {
			t.Errorf("NewClient(%q, %q) = %+v, want %q, %q", c.addr, c.ua, got, c.wantAddr, c.wantUA)
		}
	}
}
