package igny8

import "context"

// AccountFilter selects accounts in the admin list.
type AccountFilter struct {
	Status string // one of the account statuses, or empty for all
	Search string // part of the account's name, billing email or a user's email, or the account's id
	Page   PageRequest
}

// AdminAccountService is the cross-tenant account administration: every
// method requires a developer or the system (AdminPrincipal) and writes an
// audit event for each change.
type AdminAccountService interface {
	// ListAccounts pages through live accounts. Errors: forbidden,
	// validation_failed (unknown status).
	ListAccounts(ctx context.Context, f AccountFilter) (Page[Account], error)
	// SuspendAccount suspends a trial or active account. Errors: forbidden,
	// not_found, conflict (not in a suspendable status).
	SuspendAccount(ctx context.Context, id, reason string) (*Account, error)
	// ReactivateAccount brings a suspended or cancelled account back (to
	// its running trial, else active). Errors: forbidden, not_found, conflict.
	ReactivateAccount(ctx context.Context, id, reason string) (*Account, error)
	// CancelAccount cancels an account. Errors: forbidden, not_found, conflict.
	CancelAccount(ctx context.Context, id, reason string) (*Account, error)
	// ExpireTrials moves every ended trial to suspended with reason
	// trial_expired, tells each owner ("trial ended") and returns how many
	// it moved. Safe on several instances at once. Errors: forbidden.
	ExpireTrials(ctx context.Context) (int, error)
	// RemindTrials tells the owners of trials ending within
	// TrialReminderDays, once per trial end, unless they turned the
	// reminders off, and returns how many it told. Safe on several
	// instances at once. Errors: forbidden.
	RemindTrials(ctx context.Context) (int, error)
}
