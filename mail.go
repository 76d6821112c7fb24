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

// BankTransferMail tells the owner how to pay a pending bank transfer.
type BankTransferMail struct {
	AccountName string
	PlanName    string
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

// AccountStatusMail says an account was suspended or reactivated.
type AccountStatusMail struct {
	AccountName string
	Suspended   bool
	Reason      string
}

// PasswordChangedMail tells a person their password was changed (a
// security notice: it cannot be turned off). Name is theirs.
type PasswordChangedMail struct {
	Name string
}

// MailKind implements MailContent.
func (InvitationMail) MailKind() string { return "invitation" }

// MailKind implements MailContent.
func (PasswordChangedMail) MailKind() string { return "password_changed" }

// MailKind implements MailContent.
func (BankTransferMail) MailKind() string { return "bank_transfer" }

// MailKind implements MailContent.
func (ReceiptMail) MailKind() string { return "receipt" }

// MailKind implements MailContent.
func (PaymentRejectedMail) MailKind() string { return "payment_rejected" }

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
