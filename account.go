package igny8

import (
	"context"
	"time"
)

// Payment methods an account or subscription may carry.
const (
	MethodStripe       = "stripe"
	MethodPayPal       = "paypal"
	MethodBankTransfer = "bank_transfer"
)

// Account is a customer: the tenant that owns sites, users, keys and credits.
type Account struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	Slug          string     `json:"slug"`
	OwnerID       string     `json:"owner_id"`
	Plan          *Plan      `json:"plan"`
	Credits       int64      `json:"credits"`
	Status        string     `json:"status"`
	StatusReason  string     `json:"status_reason"`
	TrialEndsAt   *time.Time `json:"trial_ends_at"`
	PaymentMethod *string    `json:"payment_method"`
	BillingEmail  string     `json:"billing_email"`
	// NotifyLowCredits and NotifyTrialReminders are the owner's choice of
	// the optional notices ("credits low", "trial ends in 3 days"); the
	// others (billing, account status, credits exhausted) are always sent.
	NotifyLowCredits     bool `json:"notify_low_credits"`
	NotifyTrialReminders bool `json:"notify_trial_reminders"`
	// RequireSecondFactor: every person of the account must use a second
	// factor to log in (set by the owner).
	RequireSecondFactor bool       `json:"require_second_factor"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
	DeletedAt           *time.Time `json:"deleted_at,omitempty"`
	// LegacyID is the account's id in the Django system it was imported
	// from (igny8 import django); absent for accounts made here.
	LegacyID *int64 `json:"legacy_id,omitempty"`
}

// Gate returns the account gate's view of a.
func (a *Account) Gate() GateInput {
	return GateInput{Status: a.Status, StatusReason: a.StatusReason, TrialEndsAt: a.TrialEndsAt,
		PlanActive: a.Plan != nil && a.Plan.IsActive, Deleted: a.DeletedAt != nil}
}

// ForMembers returns a as the account's own members and API clients see
// it: with CustomerStatusReason in place of the stored status reason, so
// that an operator's note never reaches the customer.
func (a *Account) ForMembers() *Account {
	a.StatusReason = CustomerStatusReason(a.Status, a.StatusReason)
	return a
}

// User is a person who logs in. Developers have no account.
type User struct {
	ID        string  `json:"id"`
	Email     string  `json:"email"`
	Name      string  `json:"name"`
	Role      Role    `json:"role"`
	AccountID *string `json:"account_id"`
	IsActive  bool    `json:"is_active"`
	// EmailVerified says the person proved they read mail at Email
	// (docs/design.md section 3, "E-mail verification").
	EmailVerified bool       `json:"email_verified"`
	LastLoginAt   *time.Time `json:"last_login_at"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	// DeletedAt and PurgeAfter are set only in the list of removed users
	// that can still be restored.
	DeletedAt  *time.Time `json:"deleted_at,omitempty"`
	PurgeAfter *time.Time `json:"purge_after,omitempty"`
}

// AccountService is the account as its own members see it: every method
// acts on the account of the principal in ctx.
type AccountService interface {
	// CurrentAccount returns the principal's account with its plan.
	CurrentAccount(ctx context.Context) (*Account, error)
	// UpdateAccount changes the account's settings (name, billing email,
	// and, for the owner only, the optional notices). Errors:
	// validation_failed, forbidden (notices changed by another role).
	UpdateAccount(ctx context.Context, patch AccountPatch) (*Account, error)
}

// AccountPatch changes an account's settings; nil fields stay as they are.
type AccountPatch struct {
	Name         *string `json:"name,omitempty" max:"100"`
	BillingEmail *string `json:"billing_email,omitempty" max:"254"`
	// NotifyLowCredits and NotifyTrialReminders turn the optional notices
	// on or off. They are the owner's to choose (ActEditNotices).
	NotifyLowCredits     *bool `json:"notify_low_credits,omitempty"`
	NotifyTrialReminders *bool `json:"notify_trial_reminders,omitempty"`
	// RequireSecondFactor is the owner's alone to change, and only from a
	// login that used a second factor.
	RequireSecondFactor *bool `json:"require_second_factor,omitempty"`
}
