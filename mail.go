package igny8

import (
	"context"
	"time"
)

// Message states. A message is queued until the outbox worker delivers it
// (sent) or gives up (failed); with no mail server configured it is kept:
// made and stored for the operator to read, never sent.
const (
	MessageQueued = "queued"
	MessageSent   = "sent"
	MessageFailed = "failed"
	MessageKept   = "kept"
)

// MessageStates lists the states in the order the admin console filters them.
func MessageStates() []string {
	return []string{MessageQueued, MessageSent, MessageFailed, MessageKept}
}

// Message is one e-mail in the outbox: written in the transaction of the
// change that causes it, delivered afterwards.
type Message struct {
	ID        string
	AccountID string // empty for mail that belongs to no account
	Kind      string // the template, e.g. "invitation"
	To        string
	Subject   string
	Text      string
	HTML      string
	State     string
	Attempts  int
	LastError string
	// NextAttemptAt is when a queued message is due (or its claim lapses).
	NextAttemptAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	SentAt        *time.Time
}

// Mail is a rendered message before it is stored.
type Mail struct {
	Kind    string
	Subject string
	Text    string
	HTML    string
}

// MailContent is the data of one kind of message; MailKind names its template.
type MailContent interface{ MailKind() string }

// MailComposer renders mail content into a text and an HTML part. Links
// in it start with the configured public URL, never a request's host.
type MailComposer interface {
	Compose(c MailContent) (Mail, error)
}

// InvitationMail asks a person to join an account. Token is the link's
// credential: it is put into the message and nowhere else.
type InvitationMail struct {
	AccountName string
	InviterName string
	InviteeName string
	Role        Role
	Token       string
	ExpiresAt   time.Time
}

// BankTransferMail tells the owner how to pay a pending bank transfer: of
// a plan, or of a credit pack when Credits is set.
type BankTransferMail struct {
	AccountName string
	PlanName    string
	Credits     int64
	Reference   string
	Amount      int64
	Currency    string
}

// ReceiptMail confirms a payment: the plan, the period it pays for, the
// amount, its reference and when it was confirmed.
type ReceiptMail struct {
	AccountName string
	PlanName    string
	PeriodStart time.Time
	PeriodEnd   time.Time
	Amount      int64
	Currency    string
	Reference   string
	ConfirmedAt time.Time
	// Reactivated says the payment made the suspended (or cancelled)
	// account active again.
	Reactivated bool
}

// PaymentRejectedMail says a bank transfer was not accepted, and why.
type PaymentRejectedMail struct {
	AccountName string
	PlanName    string
	Reference   string
	Amount      int64
	Currency    string
	Reason      string
}

// PackReceiptMail confirms a credit pack purchase: the credits, the
// amount, its reference, how it was paid and when it was confirmed.
type PackReceiptMail struct {
	AccountName string
	Credits     int64
	Amount      int64
	Currency    string
	Reference   string
	Method      string
	ConfirmedAt time.Time
}

// PackRejectedMail says a bank transfer for a credit pack was not
// accepted, and why.
type PackRejectedMail struct {
	AccountName string
	Credits     int64
	Reference   string
	Amount      int64
	Currency    string
	Reason      string
}

// IncidentMail tells igny8's operators about a refund or a dispute of a
// card payment: it goes to the operator address, not to a customer.
type IncidentMail struct {
	Kind        string // IncidentRefund or IncidentDispute
	AccountName string // empty when the Stripe customer is no account
	AccountID   string
	ChargeID    string
	Amount      int64
	Currency    string
	Reason      string
	EventID     string
}

// AccountStatusMail says an account was suspended or reactivated.
type AccountStatusMail struct {
	AccountName string
	Suspended   bool
	Reason      string
}

// TrialEndingMail reminds the owner, a few days ahead, when the free trial
// ends. It is optional (Account.NotifyTrialReminders).
type TrialEndingMail struct {
	AccountName string
	EndsAt      time.Time
	// DaysLeft is the number of whole days from now to EndsAt, rounded up.
	DaysLeft int
}

// TrialEndedMail says the trial is over and the account is paused until a
// plan is chosen (the periodic job suspended it, reason trial_expired).
type TrialEndedMail struct {
	AccountName string
	EndedAt     time.Time
}

// CreditsLowMail says the balance fell below a tenth of the plan's
// included credits. It is optional (Account.NotifyLowCredits).
type CreditsLowMail struct {
	AccountName string
	PlanName    string
	Balance     int64
	Included    int64
}

// CreditsExhaustedMail says the account has no credits left for its work:
// the balance reached 0, or an operation was refused for want of credits
// (Required is then what it needed; 0 otherwise).
type CreditsExhaustedMail struct {
	AccountName string
	Balance     int64
	Required    int64
}

// PastDueMail says no payment arrived for a subscription's period by the
// end of its grace, and whether the account was suspended for it.
type PastDueMail struct {
	AccountName string
	PlanName    string
	PeriodEnd   time.Time
	Suspended   bool
}

// MailKind implements MailContent.
func (InvitationMail) MailKind() string { return "invitation" }

// MailKind implements MailContent.
func (TrialEndingMail) MailKind() string { return NoticeTrialEnding }

// MailKind implements MailContent.
func (TrialEndedMail) MailKind() string { return NoticeTrialEnded }

// MailKind implements MailContent.
func (CreditsLowMail) MailKind() string { return NoticeCreditsLow }

// MailKind implements MailContent.
func (CreditsExhaustedMail) MailKind() string { return NoticeCreditsExhausted }

// MailKind implements MailContent.
func (PastDueMail) MailKind() string { return NoticePastDue }

// The notices to the owner that are sent at most once per account and
// period (the trial, a billing period), whatever instance notices first.
const (
	NoticeTrialEnding      = "trial_ending"
	NoticeTrialEnded       = "trial_ended"
	NoticeCreditsLow       = "credits_low"
	NoticeCreditsExhausted = "credits_exhausted"
	NoticePastDue          = "subscription_past_due"
)

// TrialReminderDays is how long before the trial's end its reminder goes.
const TrialReminderDays = 3

// LowCreditsShare is the line of the "credits low" notice: the balance
// falls below 1/LowCreditsShare of the plan's included credits.
const LowCreditsShare = 10

// LowCredits reports whether balance is below the "credits low" line of a
// plan including included credits (never, for a plan with none).
func LowCredits(balance, included int64) bool {
	return balance*LowCreditsShare < included
}

// MailKind implements MailContent.
func (BankTransferMail) MailKind() string { return "bank_transfer" }

// MailKind implements MailContent.
func (ReceiptMail) MailKind() string { return "receipt" }

// MailKind implements MailContent.
func (PaymentRejectedMail) MailKind() string { return "payment_rejected" }

// MailKind implements MailContent.
func (PackReceiptMail) MailKind() string { return "pack_receipt" }

// MailKind implements MailContent.
func (PackRejectedMail) MailKind() string { return "pack_rejected" }

// MailKind implements MailContent.
func (IncidentMail) MailKind() string { return "payment_incident" }

// MailKind implements MailContent.
func (m AccountStatusMail) MailKind() string {
	if m.Suspended {
		return "account_suspended"
	}
	return "account_reactivated"
}

// MessageFilter narrows the admin list of messages.
type MessageFilter struct {
	State string // empty: every state
	To    string // exact address, case-insensitive
}

// AdminMailService lists the outbox for operators (admin console, CLI),
// across accounts. Errors: unauthenticated, forbidden, not_found.
type AdminMailService interface {
	ListMessages(ctx context.Context, f MessageFilter, page PageRequest) (Page[Message], error)
	GetMessage(ctx context.Context, id string) (*Message, error)
}
