package igny8

import "time"

// Account statuses.
const (
	StatusTrial     = "trial"
	StatusActive    = "active"
	StatusSuspended = "suspended"
	StatusCancelled = "cancelled"
)

// Status reasons recorded with a status change by the system.
const (
	ReasonTrialExpired   = "trial_expired"
	ReasonPaymentOverdue = "payment_overdue"
)

// GateInput is what the account gate needs to know about an account.
type GateInput struct {
	Status      string
	TrialEndsAt *time.Time
	PlanActive  bool
	Deleted     bool
	// APIRequestsPerMinute is the plan's rate, carried along for the throttle.
	APIRequestsPerMinute int
}

// EffectiveStatus returns the status the gate acts on: a trial that has
// ended counts as suspended with reason trial_expired, even before the
// periodic job has recorded it.
func (g GateInput) EffectiveStatus(now time.Time) (status, reason string) {
	if g.Status == StatusTrial && g.TrialEndsAt != nil && !now.Before(*g.TrialEndsAt) {
		return StatusSuspended, ReasonTrialExpired
	}
	return g.Status, ""
}

// CheckGate is the one account gate of docs/design.md section 4 rule 2, used by
// every way of authenticating (JWT, session, API key, login). It returns nil
// when the account may be used, else account_suspended, account_cancelled
// or plan_inactive.
func CheckGate(g GateInput, now time.Time) error {
	if g.Deleted {
		return Errorf(EAccountCancelled, "This account has been deleted.")
	}
	status, reason := g.EffectiveStatus(now)
	switch status {
	case StatusTrial, StatusActive:
	case StatusCancelled:
		return Errorf(EAccountCancelled, "This account has been cancelled.")
	default:
		if reason == ReasonTrialExpired {
			return Errorf(EAccountSuspended, "The free trial has ended. Choose a plan to continue.")
		}
		return Errorf(EAccountSuspended, "This account is suspended.")
	}
	if !g.PlanActive {
		return Errorf(EPlanInactive, "This account's plan is no longer available.")
	}
	return nil
}
