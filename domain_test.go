package igny8_test

import (
	"testing"
	"time"

	"github.com/igny8/igny8"
)

func TestCheckGate(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	future, past := now.Add(time.Hour), now.Add(-time.Second)
	cases := []struct {
		name string
		in   igny8.GateInput
		code string
	}{
		{"trial", igny8.GateInput{Status: "trial", TrialEndsAt: &future, PlanActive: true}, ""},
		{"trial ending now", igny8.GateInput{Status: "trial", TrialEndsAt: &now, PlanActive: true}, igny8.EAccountSuspended},
		{"expired trial", igny8.GateInput{Status: "trial", TrialEndsAt: &past, PlanActive: true}, igny8.EAccountSuspended},
		{"active", igny8.GateInput{Status: "active", PlanActive: true}, ""},
		{"suspended", igny8.GateInput{Status: "suspended", PlanActive: true}, igny8.EAccountSuspended},
		{"cancelled", igny8.GateInput{Status: "cancelled", PlanActive: true}, igny8.EAccountCancelled},
		{"deleted", igny8.GateInput{Status: "active", PlanActive: true, Deleted: true}, igny8.EAccountCancelled},
		{"inactive plan", igny8.GateInput{Status: "active", PlanActive: false}, igny8.EPlanInactive},
		{"suspended on inactive plan", igny8.GateInput{Status: "suspended"}, igny8.EAccountSuspended},
		{"unknown status", igny8.GateInput{Status: "", PlanActive: true}, igny8.EAccountSuspended},
	}
	for _, c := range cases {
		if got := igny8.ErrorCode(igny8.CheckGate(c.in, now)); got != c.code {
			t.Errorf("%s: %q, want %q", c.name, got, c.code)
		}
	}
	if st, reason := (igny8.GateInput{Status: "trial", TrialEndsAt: &past}).EffectiveStatus(now); st != "suspended" || reason != igny8.ReasonTrialExpired {
		t.Errorf("expired trial effective status = %s/%s", st, reason)
	}
}

func TestRateFor(t *testing.T) {
	cases := []struct {
		scope     string
		plan      int
		perMinute int
	}{
		{igny8.ScopeAPI, 300, 300},
		{igny8.ScopeAI, 300, 30},
		{igny8.ScopeAI, 5, 1},
		{igny8.ScopeAuth, 6000, 10},
		{igny8.ScopeAPI, 120, 120},
	}
	for _, c := range cases {
		r := igny8.RateFor(c.scope, c.plan)
		if r.PerMinute != c.perMinute || r.Burst != r.PerMinute {
			t.Errorf("RateFor(%s, %d) = %+v, want %d/min, all of it at once", c.scope, c.plan, r, c.perMinute)
		}
	}
	// Each reset request may send a message: 3 at once, then 1 a minute.
	if r := igny8.RateFor(igny8.ScopeRecovery, 6000); r != (igny8.Rate{PerMinute: 1, Burst: 3}) {
		t.Errorf("RateFor(recovery) = %+v", r)
	}
}
