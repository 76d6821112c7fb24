package igny8

import (
	"context"
	"crypto/rand"
	"math/big"
	"strings"
	"time"
)

// Subscription statuses (docs/design.md section 2).
const (
	SubPendingPayment = "pending_payment"
	SubActive         = "active"
	SubPastDue        = "past_due"
	SubCancelled      = "cancelled"
)

// Payment statuses.
const (
	PaymentPending   = "pending"
	PaymentConfirmed = "confirmed"
	PaymentRejected  = "rejected"
)

// Reasons recorded by the billing lifecycle.
const (
	// RejectSuperseded is the rejection reason of a pending payment
	// replaced by a newer checkout.
	RejectSuperseded = "superseded"
	// RejectSubscriptionCancelled rejects a payment still pending when its
	// subscription ends.
	RejectSubscriptionCancelled = "subscription_cancelled"
	// RejectCheckoutFailed rejects the payment of a card checkout whose
	// page the card provider did not open; the owner saw the failure at
	// once, so no e-mail tells them.
	RejectCheckoutFailed = "checkout_failed"
	// RejectCheckoutExpired rejects the payment of a card checkout whose
	// page expired unpaid (Stripe's checkout.session.expired, a day after
	// it opened).
	RejectCheckoutExpired = "checkout_expired"
	// ReasonSubscriptionCancelled is the status reason of an account whose
	// owner cancelled at period end, once that end has come.
	ReasonSubscriptionCancelled = "subscription_cancelled"
)

// BillingPeriod is the length of one paid period: a calendar month.
func BillingPeriod(start time.Time) time.Time { return start.AddDate(0, 1, 0) }

// ValidPaymentMethod reports whether m is a recorded payment method.
func ValidPaymentMethod(m string) bool {
	return m == MethodStripe || m == MethodPayPal || m == MethodBankTransfer
}

// Subscription is an account's paid relationship to a plan. At most one
// subscription of an account is active or past due at a time.
type Subscription struct {
	ID                 string     `json:"id"`
	AccountID          string     `json:"account_id"`
	Plan               *Plan      `json:"plan"`
	Status             string     `json:"status"`
	PaymentMethod      string     `json:"payment_method"`
	CurrentPeriodStart *time.Time `json:"current_period_start"`
	CurrentPeriodEnd   *time.Time `json:"current_period_end"`
	CancelAtPeriodEnd  bool       `json:"cancel_at_period_end"`
	ExternalID         string     `json:"external_id"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// BankAccount is where bank transfers go; it comes from configuration.
type BankAccount struct {
	Beneficiary string
	IBAN        string
	BIC         string
	BankName    string
}

// PaymentInstructions tell a customer how to make a bank transfer.
type PaymentInstructions struct {
	Beneficiary string `json:"beneficiary"`
	IBAN        string `json:"iban"`
	BIC         string `json:"bic"`
	BankName    string `json:"bank_name"`
	// Reference is what the customer must quote on the transfer.
	Reference string `json:"reference"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
}

// Payment is one payment for one period of a subscription. Bank transfers
// stay pending until a system administrator confirms or rejects them.
type Payment struct {
	ID                string               `json:"id"`
	AccountID         string               `json:"account_id"`
	SubscriptionID    string               `json:"subscription_id"`
	Plan              string               `json:"plan"` // the plan's slug
	PlanName          string               `json:"plan_name"`
	Amount            int64                `json:"amount"` // minor units
	Currency          string               `json:"currency"`
	Method            string               `json:"method"`
	Status            string               `json:"status"`
	Reference         string               `json:"reference"`
	Instructions      *PaymentInstructions `json:"instructions"`
	ConfirmedBy       *string              `json:"confirmed_by"`
	ConfirmedAt       *time.Time           `json:"confirmed_at"`
	RejectedReason    string               `json:"rejected_reason"`
	ExternalReference string               `json:"external_reference"`
	AmountReceived    *int64               `json:"amount_received"`
	Note              string               `json:"note"`
	CreatedAt         time.Time            `json:"created_at"`
	UpdatedAt         time.Time            `json:"updated_at"`
}

// AddInstructions fills in the bank instructions of a pending bank
// transfer; other payments carry none.
func (p *Payment) AddInstructions(bank BankAccount) {
	if p.Method != MethodBankTransfer || p.Status != PaymentPending {
		p.Instructions = nil
		return
	}
	p.Instructions = &PaymentInstructions{Beneficiary: bank.Beneficiary, IBAN: bank.IBAN, BIC: bank.BIC,
		BankName: bank.BankName, Reference: p.Reference, Amount: p.Amount, Currency: p.Currency}
}

// referenceAlphabet has no characters that read alike (0/O, 1/I/L, U/V).
const referenceAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"

// NewPaymentReference returns a random reference a person can type on a
// bank form, such as IGNY8-7KQ2-M4XD (about 39 bits of randomness; the
// store retries on the rare collision).
func NewPaymentReference() string {
	var b strings.Builder
	b.WriteString("IGNY8-")
	n := big.NewInt(int64(len(referenceAlphabet)))
	for i := 0; i < 8; i++ {
		if i == 4 {
			b.WriteByte('-')
		}
		k, err := rand.Int(rand.Reader, n)
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		b.WriteByte(referenceAlphabet[k.Int64()])
	}
	return b.String()
}

// NormalizeReference turns a reference as typed by a person (lower case,
// spaces) into its stored form.
func NormalizeReference(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// Checkout is the owner's choice of plan and payment method.
type Checkout struct {
	Plan          string `json:"plan" max:"100"`
	PaymentMethod string `json:"payment_method" max:"32"`
	// ReturnURL is where a card checkout sends the owner back to (the
	// billing page); set by the server, never read from the body.
	ReturnURL string `json:"-"`
}

// PaymentResult is a payment with its subscription, as checkout and the
// payment decisions answer.
type PaymentResult struct {
	Payment      *Payment      `json:"payment"`
	Subscription *Subscription `json:"subscription"`
}

// CheckoutResult is what checkout answers. Payment is the bank transfer to
// make, or nil for a free plan, which is active at once without a payment.
// ReplacedReference names the earlier transfer that this checkout replaced
// (rejected as superseded: it must not be paid any more), or is nil.
type CheckoutResult struct {
	PaymentResult
	ReplacedReference *string `json:"replaced_reference"`
	// CheckoutURL is the card provider's page where the owner pays a card
	// checkout; nil for other methods.
	CheckoutURL *string `json:"checkout_url"`
}

// BillingSummary is an account's billing state: its current subscription
// (active or past due, else the latest one) and the payment awaiting
// confirmation, if any; the payment only for those who may take
// ActBilling (the owner), nil for everyone else.
type BillingSummary struct {
	Subscription   *Subscription `json:"subscription"`
	PendingPayment *Payment      `json:"pending_payment"`
}

// BillingService is billing as an account's owner sees it; every method
// acts on the principal's account.
type BillingService interface {
	// Checkout starts paying for a plan (a new plan, or the next period of
	// the current one); the Free plan is active at once, without a payment.
	// Errors: validation_failed (unknown or inactive plan, a plan sold by
	// sales, limits the account exceeds), payment_method_unavailable,
	// conflict (already on the Free plan), account_suspended (suspended by
	// igny8, for the Free plan), forbidden.
	Checkout(ctx context.Context, in Checkout) (*CheckoutResult, error)
	// BillingSummary returns the current subscription and pending payment.
	BillingSummary(ctx context.Context) (*BillingSummary, error)
	// ListPayments lists the account's payments, newest first.
	ListPayments(ctx context.Context, page PageRequest) (*Page[Payment], error)
	// CancelSubscription cancels at the end of the paid period. Errors:
	// conflict (no active subscription), forbidden.
	CancelSubscription(ctx context.Context) (*Subscription, error)
	// ResumeSubscription undoes a cancellation at period end: the
	// subscription renews again. Errors: conflict (no cancellation to
	// undo), forbidden.
	ResumeSubscription(ctx context.Context) (*Subscription, error)
	// AccountAudit lists the account's audit events, newest first; it needs
	// ActEditAccount. Errors: forbidden.
	AccountAudit(ctx context.Context, page PageRequest) (*Page[AuditEvent], error)
}

// PaymentConfirmation is what a system administrator records when a bank
// transfer arrives. AmountReceived different from the amount due needs a
// Note explaining it.
type PaymentConfirmation struct {
	ExternalReference string `json:"external_reference" max:"200"`
	AmountReceived    *int64 `json:"amount_received" min:"0"`
	Note              string `json:"note" max:"500"`
	// PeriodStart and PeriodEnd are the period the card provider says the
	// payment bought (set by its events, never read from the body); nil:
	// the next calendar month.
	PeriodStart *time.Time `json:"-"`
	PeriodEnd   *time.Time `json:"-"`
}

// PaymentRejection is the reason a payment is rejected.
type PaymentRejection struct {
	Reason string `json:"reason" max:"500"`
}

// PaymentFilter selects payments for the admin list.
type PaymentFilter struct {
	Status    string // pending, confirmed, rejected, or "" for all
	AccountID string
	Reference string
}

// AdminPayment is a payment as the admin list shows it: with its account
// and its age.
type AdminPayment struct {
	Payment    Payment        `json:"payment"`
	Account    PaymentAccount `json:"account"`
	AgeSeconds int64          `json:"age_seconds"`
}

// PaymentAccount names the account of a payment in the admin list.
type PaymentAccount struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// PlanPatch changes some fields of a plan; nil fields stay as they are.
type PlanPatch struct {
	Name                 *string   `json:"name" max:"100"`
	Price                *int64    `json:"price" min:"0"`
	Currency             *string   `json:"currency" max:"3"`
	IncludedCredits      *int64    `json:"included_credits" min:"0"`
	MaxSites             *int      `json:"max_sites" min:"0"`
	MaxUsers             *int      `json:"max_users" min:"1"`
	MaxSectorsPerSite    *int      `json:"max_sectors_per_site" min:"0"`
	APIRequestsPerMinute *int      `json:"api_requests_per_minute" min:"1"`
	IsActive             *bool     `json:"is_active"`
	Features             *[]string `json:"features" max:"200"`
	// StripePriceID links the plan to a Stripe price ("" unlinks it).
	StripePriceID *string `json:"stripe_price_id" max:"100"`
}

// Apply returns p changed by the patch.
func (pp PlanPatch) Apply(p Plan) Plan {
	set := func(dst *int, src *int) {
		if src != nil {
			*dst = *src
		}
	}
	if pp.Name != nil {
		p.Name = *pp.Name
	}
	if pp.Price != nil {
		p.Price = *pp.Price
	}
	if pp.Currency != nil {
		p.Currency = *pp.Currency
	}
	if pp.IncludedCredits != nil {
		p.IncludedCredits = *pp.IncludedCredits
	}
	set(&p.MaxSites, pp.MaxSites)
	set(&p.MaxUsers, pp.MaxUsers)
	set(&p.MaxSectorsPerSite, pp.MaxSectorsPerSite)
	set(&p.APIRequestsPerMinute, pp.APIRequestsPerMinute)
	if pp.IsActive != nil {
		p.IsActive = *pp.IsActive
	}
	if pp.Features != nil {
		p.Features = *pp.Features
	}
	if pp.StripePriceID != nil {
		p.StripePriceID = *pp.StripePriceID
	}
	return p
}

// BillingJobResult counts what one run of the billing job changed.
type BillingJobResult struct {
	PastDue   int `json:"past_due"`
	Renewed   int `json:"renewed"` // free subscriptions that began a new period
	Cancelled int `json:"cancelled"`
}

// AdminBillingService is the cross-tenant side of billing, for system
// administrators, the CLI and the periodic job; every method needs
// AdminPrincipal (unauthenticated, forbidden otherwise).
type AdminBillingService interface {
	// ListPayments lists payments, newest first. Errors: validation_failed.
	ListPayments(ctx context.Context, f PaymentFilter, page PageRequest) (*Page[AdminPayment], error)
	// ConfirmPayment confirms a pending payment in one transaction (see
	// docs/design.md section 3). Confirming a confirmed payment answers the same
	// result and changes nothing. Errors: not_found, conflict (rejected),
	// validation_failed (amount_received differs without a note).
	ConfirmPayment(ctx context.Context, paymentID string, in PaymentConfirmation) (*PaymentResult, error)
	// RejectPayment rejects a pending payment; the account stays as it was.
	// Errors: not_found, conflict (confirmed), validation_failed.
	RejectPayment(ctx context.Context, paymentID string, in PaymentRejection) (*PaymentResult, error)
	// RunBillingJob moves subscriptions past their end plus grace to
	// past_due (suspending their accounts), ends those cancelled at period
	// end and renews free ones. Safe to run on several instances at once.
	RunBillingJob(ctx context.Context, grace time.Duration) (BillingJobResult, error)
	// AdminPlans lists every plan, active or not.
	AdminPlans(ctx context.Context) ([]Plan, error)
	// CreatePlan adds a plan. Errors: validation_failed, conflict (slug taken).
	CreatePlan(ctx context.Context, p Plan) (*Plan, error)
	// UpdatePlan changes a plan. Errors: not_found, validation_failed.
	UpdatePlan(ctx context.Context, slug string, patch PlanPatch) (*Plan, error)
	// ListAudit lists audit events, newest first, filtered by account and
	// action, with the names of their accounts, actors and targets.
	// Errors: validation_failed (filter, cursor).
	ListAudit(ctx context.Context, f AuditFilter, page PageRequest) (*Page[AdminAuditEvent], error)
}

// AuditEvent records who did what to which object, and when: status
// changes, payment decisions, role changes, key events, credit adjustments.
type AuditEvent struct {
	ID         string         `json:"id"`
	AccountID  *string        `json:"account_id"`
	Actor      string         `json:"actor"`
	Action     string         `json:"action"`
	TargetType string         `json:"target_type"`
	TargetID   string         `json:"target_id"`
	Details    map[string]any `json:"details"`
	CreatedAt  time.Time      `json:"created_at"`
}

// AuditFilter selects the events of the admin audit log; empty fields
// select all.
type AuditFilter struct {
	AccountID string // one account's events
	Action    string // one action, such as payment.confirmed
}

// Who acted in an audit event (AdminAuditEvent.ActorType).
const (
	ActorUser          = "user"          // a person of an account
	ActorAdministrator = "administrator" // a system administrator (developer)
	ActorAPIKey        = "api_key"
	ActorSystem        = "system" // the periodic jobs and the CLI
)

// AdminAuditEvent is an audit event as the admin log shows it: with the
// names of its account, actor and target, read with the event.
type AdminAuditEvent struct {
	AuditEvent
	// AccountName is the event's account's name; null for events outside
	// any account.
	AccountName *string `json:"account_name"`
	// ActorType is user, administrator, api_key or system.
	ActorType string `json:"actor_type"`
	// ActorName is the acting user's e-mail or the API key's name; empty
	// for the system and for an actor since purged.
	ActorName string `json:"actor_name"`
	// ActorAccountID is the account of the acting user or key; null for
	// administrators and the system.
	ActorAccountID *string `json:"actor_account_id"`
	// TargetName names the target: an account's or site's name, a user's
	// or invitation's e-mail, a payment's reference, a plan's name; empty
	// when it has none or is gone.
	TargetName string `json:"target_name"`
	// Currency is the currency of a payment or plan target, for the
	// amounts of events that do not record theirs.
	Currency string `json:"-"`
}
