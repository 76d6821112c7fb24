package igny8

import (
	"errors"
	"time"
)

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
	// ReasonAccountDeleted is the status reason of an account its owner deleted.
	ReasonAccountDeleted = "account_deleted"
)

// Status reasons an account's own members see in place of an operator's
// note, which only operators read (see CustomerStatusReason).
const (
	ReasonSuspendedByIgny8 = "suspended_by_igny8"
	ReasonCancelledByIgny8 = "cancelled_by_igny8"
)

// CustomerStatusReason is the status reason an account's members and API
// clients see. The reasons the system records pass; anything else is an
// operator's free-text note from an admin action, which shows as
// suspended_by_igny8 or cancelled_by_igny8, or as nothing on a usable
// account (a reactivation's note).
func CustomerStatusReason(status, reason string) string {
	switch status {
	case StatusSuspended:
		if reason == ReasonTrialExpired || reason == ReasonPaymentOverdue {
			return reason
		}
		return ReasonSuspendedByIgny8
	case StatusCancelled:
		if reason == ReasonSubscriptionCancelled || reason == ReasonAccountDeleted {
			return reason
		}
		return ReasonCancelledByIgny8
	}
	return ""
}

// DefaultSupportEmail is where customers write when igny8 suspended or
// cancelled their account, unless configured otherwise.
const DefaultSupportEmail = "support@igny8.com"

// WithSupportContact names the support contact in a gate refusal that only
// igny8 can lift (an account suspended or cancelled by igny8); other errors
// are returned as they are.
func WithSupportContact(err error, email string) error {
	var e *Error
	if !errors.As(err, &e) || email == "" {
		return err
	}
	reason, _ := e.Extra["reason"].(string)
	if reason != ReasonSuspendedByIgny8 && reason != ReasonCancelledByIgny8 {
		return err
	}
	extra := map[string]any{"reason": reason, "support_email": email}
	return &Error{Code: e.Code, Message: refusalMessage(reason, email), Extra: extra}
}

// refusalMessage says in the customer's words why the gate refuses an
// account, and what brings it back.
func refusalMessage(reason, support string) string {
	contact := "contact igny8 support"
	if support != "" {
		contact = "contact support at " + support
	}
	switch reason {
	case ReasonTrialExpired:
		return "The free trial has ended. The account owner can choose a plan under Billing to continue."
	case ReasonPaymentOverdue:
		return "This account is suspended because a payment is overdue. The account owner can pay under Billing to reactivate it."
	case ReasonSuspendedByIgny8:
		return "This account was suspended by igny8; " + contact + "."
	case ReasonSubscriptionCancelled:
		return "This account was cancelled when its subscription ended."
	case ReasonAccountDeleted:
		return "This account has been deleted."
	}
	return "This account was cancelled by igny8; " + contact + "."
}

// GateInput is what the account gate needs to know about an account.
type GateInput struct {
	Status      string
	TrialEndsAt *time.Time
	PlanActive  bool
	Deleted     bool
	// StatusReason is the stored reason of the status (an operator's note
	// after an admin action); refusals show CustomerStatusReason of it.
	StatusReason string
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
// or plan_inactive. A refusal says why in the customer's words, with the
// customer status reason as its problem member "reason" (never an
// operator's note); WithSupportContact adds the contact.
func CheckGate(g GateInput, now time.Time) error {
	refuse := func(code, reason string) error {
		return &Error{Code: code, Message: refusalMessage(reason, ""), Extra: map[string]any{"reason": reason}}
	}
	if g.Deleted {
		return refuse(EAccountCancelled, ReasonAccountDeleted)
	}
	status, reason := g.EffectiveStatus(now)
	if reason == "" {
		reason = CustomerStatusReason(status, g.StatusReason)
	}
	switch status {
	case StatusTrial, StatusActive:
	case StatusCancelled:
		return refuse(EAccountCancelled, reason)
	default:
		return refuse(EAccountSuspended, CustomerStatusReason(StatusSuspended, reason))
	}
	if !g.PlanActive {
		return Errorf(EPlanInactive, "This account's plan is no longer available.")
	}
	return nil
}

// OwnerMayPay reports whether p, refused by the account gate with refusal,
// may still reach billing (and their profile, their account and logging
// out), so that they can pay or choose another plan: the owner, logged in
// as a person, of an account that is suspended or whose plan was retired.
// Members, API keys and cancelled accounts stay refused. Every surface (the
// API's gate, the pages' gate, login) asks this one rule.
func OwnerMayPay(p *Principal, refusal error) bool {
	code := ErrorCode(refusal)
	return p != nil && p.Role == RoleOwner && p.IsPerson() && (code == EAccountSuspended || code == EPlanInactive)
}
