package igny8_test

import (
	"testing"
	"time"

	"github.com/igny8/igny8"
)

// TestRequireVerifiedEmail: a person needs a confirmed address; the system
// does not; no principal is unauthenticated.
func TestRequireVerifiedEmail(t *testing.T) {
	for _, c := range []struct {
		p    *igny8.Principal
		want string
	}{
		{nil, igny8.EUnauthenticated},
		{&igny8.Principal{Kind: igny8.CredentialJWT, UserID: "u"}, igny8.EEmailUnverified},
		{&igny8.Principal{Kind: igny8.CredentialSession, UserID: "u"}, igny8.EEmailUnverified},
		{&igny8.Principal{Kind: igny8.CredentialSession, UserID: "u", EmailVerified: true}, ""},
		{&igny8.Principal{Kind: igny8.CredentialSystem}, ""},
	} {
		if got := igny8.ErrorCode(igny8.RequireVerifiedEmail(c.p)); got != c.want {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
}

// TestVerifyBudget: 3 links an hour, all at once.
func TestVerifyBudget(t *testing.T) {
	r := igny8.RateFor(igny8.ScopeVerify, 600)
	if r.PerMinute != 3 || r.Burst != 3 || r.Period != time.Hour {
		t.Fatalf("verify budget %+v", r)
	}
}
