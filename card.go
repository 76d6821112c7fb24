package igny8

import (
	"context"
	"time"
)

// Card payments go through a card provider (Stripe, internal/stripepay):
// checkout hands the owner to the provider's hosted page, and the
// provider's signed events (webhooks) confirm the payment through the same
// confirmation as a bank transfer (internal/sqlstore/payments_admin.go).

// CardCheckoutMode says what a card checkout buys.
const (
	CardModeSubscription = "subscription" // a plan, renewed by the provider
	CardModePayment      = "payment"      // a credit pack, paid once
)

// CardCheckout asks the provider for a hosted checkout page.
type CardCheckout struct {
	Mode       string // CardModeSubscription
	CustomerID string // the provider's customer of the account
	PriceID    string // the provider's price of the plan, or of the pack when it has one
	// PaymentID is igny8's pending payment the checkout pays; the provider
	// echoes it in its events.
	PaymentID string
	// PurchaseID is igny8's pending credit purchase (payment mode), which
	// is sold at Amount in Currency under Description instead of a price.
	PurchaseID  string
	Amount      int64
	Currency    string
	Description string
	SuccessURL  string
	CancelURL   string
}

// CardSession is a hosted checkout page.
type CardSession struct {
	ID  string
	URL string
}

// CardProvider is the card payment provider as igny8 uses it.
type CardProvider interface {
	// NewCustomer creates the provider's customer of an account; calling it
	// again for the same account answers the same customer where the
	// provider allows it (idempotency).
	NewCustomer(ctx context.Context, accountID, name, email string) (string, error)
	// Checkout creates a hosted checkout page.
	Checkout(ctx context.Context, in CardCheckout) (*CardSession, error)
	// PortalURL opens the provider's customer portal (card, invoices,
	// cancellation), which returns to returnURL.
	PortalURL(ctx context.Context, customerID, returnURL string) (string, error)
	// SetCancelAtPeriodEnd makes the provider's subscription end at its
	// period's end (cancel) or renew again (!cancel).
	SetCancelAtPeriodEnd(ctx context.Context, subscriptionID string, cancel bool) error
}

// Card events igny8 acts on; every other event is acknowledged and ignored.
const (
	CardEventCheckoutCompleted    = "checkout.session.completed"
	CardEventCheckoutExpired      = "checkout.session.expired"
	CardEventInvoicePaid          = "invoice.paid"
	CardEventInvoicePaymentFailed = "invoice.payment_failed"
	CardEventSubscriptionUpdated  = "customer.subscription.updated"
	CardEventSubscriptionDeleted  = "customer.subscription.deleted"
	CardEventChargeRefunded       = "charge.refunded"
	CardEventDisputeCreated       = "charge.dispute.created"
)

// CardEvent is a verified provider event, reduced to what igny8 uses.
type CardEvent struct {
	ID      string
	Type    string
	Created time.Time // when the provider made the event: orders the state changes
	// PaymentID is igny8's payment named by the checkout (its client
	// reference, or the subscription's metadata on its invoices).
	PaymentID string
	// PurchaseID is igny8's credit purchase a payment-mode checkout names.
	PurchaseID     string
	Paid           bool   // checkout.session.completed: paid now (not a delayed method)
	CustomerID     string // the provider's customer
	SubscriptionID string // the provider's subscription
	InvoiceID      string // the provider's invoice
	// PeriodStart and PeriodEnd are the period an invoice pays, zero when
	// the event carries none.
	PeriodStart, PeriodEnd time.Time
	Amount                 int64 // minor units: paid, refunded or disputed
	Currency               string
	ChargeID               string // refunds and disputes
	Reason                 string // a dispute's reason
	// PriceID is the Stripe price a customer.subscription.updated event's
	// subscription now sells (a plan change made in Stripe's portal).
	PriceID string
	// Status is Stripe's status of the subscription
	// (customer.subscription.updated): active, trialing, past_due, unpaid,
	// canceled, incomplete, incomplete_expired, paused.
	Status string
	// CancelAtPeriodEnd is the subscription's cancel_at_period_end
	// (customer.subscription.updated).
	CancelAtPeriodEnd bool
}

// CardEventResult says what handling an event did.
type CardEventResult struct {
	// Duplicate is true when the event was processed before: nothing changed.
	Duplicate bool
	// Ignored is true when igny8 does not act on the event's type.
	Ignored bool
}

// CardEventService processes provider events; it needs AdminPrincipal (the
// webhook acts as the system).
type CardEventService interface {
	// ProcessCardEvent applies ev once, by its id. Errors: forbidden,
	// unauthenticated, database errors (the provider redelivers).
	ProcessCardEvent(ctx context.Context, ev CardEvent) (CardEventResult, error)
}

// BillingPortal is the answer of POST /billing/portal.
type BillingPortal struct {
	URL string `json:"url"`
}

// CreditPack is a one-off purchase of credits; administrators set its size
// and price.
type CreditPack struct {
	ID       string `json:"id"`
	Slug     string `json:"slug"`
	Credits  int64  `json:"credits"`
	Price    int64  `json:"price"` // minor units
	Currency string `json:"currency"`
	// StripePriceID, when set, is the Stripe price card checkout sells the
	// pack by (a one-time price of the same amount, so that Stripe's
	// reports name the product); empty sells it by its amount.
	StripePriceID string    `json:"stripe_price_id"`
	IsActive      bool      `json:"is_active"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// DefaultCreditPacks are the packs a new installation sells
// (docs/design.md section 8). A top-up is priced at $49 per 1,000 credits,
// what a plan upgrade adds per 1,000 included credits (Starter to Growth:
// $50 for 1,000 more), with about 10% off for 5,000 and 20% off for 20,000;
// bought credits do not expire with a period, included ones are renewed.
func DefaultCreditPacks() []CreditPack {
	return []CreditPack{
		{Slug: "credits-1000", Credits: 1000, Price: 4900, Currency: "USD", IsActive: true},
		{Slug: "credits-5000", Credits: 5000, Price: 21900, Currency: "USD", IsActive: true},
		{Slug: "credits-20000", Credits: 20000, Price: 77900, Currency: "USD", IsActive: true},
	}
}

// Bounds of a credit pack's size and price (minor units).
const (
	MaxPackCredits = 100_000_000
	MaxPackPrice   = 100_000_000
)

// NewCreditPack is a pack an administrator adds.
type NewCreditPack struct {
	// Slug names the pack in URLs and checkouts (lowercase letters, digits
	// and hyphens).
	Slug     string `json:"slug" max:"50"`
	Credits  int64  `json:"credits" min:"1" max:"100000000"`
	Price    int64  `json:"price" min:"1" max:"100000000"`
	Currency string `json:"currency" max:"3"` // empty: USD
	// StripePriceID is optional (see CreditPack).
	StripePriceID string `json:"stripe_price_id" max:"100"`
	// IsActive is nil for on sale.
	IsActive *bool `json:"is_active"`
}

// CreditPackPatch changes a pack; nil fields stay. Deactivating a pack
// (is_active false) takes it off sale; purchases made keep their size and
// price, and a pending one can still be confirmed or rejected.
type CreditPackPatch struct {
	Credits       *int64  `json:"credits" min:"1" max:"100000000"`
	Price         *int64  `json:"price" min:"1" max:"100000000"`
	StripePriceID *string `json:"stripe_price_id" max:"100"` // "" unlinks
	IsActive      *bool   `json:"is_active"`
}

// PackCheckout is the owner's choice of pack and payment method.
type PackCheckout struct {
	Pack          string `json:"pack" max:"100"`
	PaymentMethod string `json:"payment_method" max:"32"`
	// ReturnURL is where a card checkout returns to; set by the server.
	ReturnURL string `json:"-"`
}

// CreditPurchase is one purchase of a pack: pending until the bank
// transfer is confirmed by an administrator or Stripe says it is paid.
type CreditPurchase struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Pack      string `json:"pack"` // the pack's slug
	Credits   int64  `json:"credits"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	Method    string `json:"method"`
	Status    string `json:"status"`
	Reference string `json:"reference"`
	// RejectedReason says why a rejected purchase was ("" otherwise).
	RejectedReason string               `json:"rejected_reason"`
	Instructions   *PaymentInstructions `json:"instructions"`
	ConfirmedAt    *time.Time           `json:"confirmed_at"`
	CreatedAt      time.Time            `json:"created_at"`
	UpdatedAt      time.Time            `json:"updated_at"`
}

// AddInstructions fills in the bank instructions of a pending transfer.
func (c *CreditPurchase) AddInstructions(bank BankAccount) {
	if c.Method != MethodBankTransfer || c.Status != PaymentPending {
		c.Instructions = nil
		return
	}
	c.Instructions = &PaymentInstructions{Beneficiary: bank.Beneficiary, IBAN: bank.IBAN, BIC: bank.BIC,
		BankName: bank.BankName, Reference: c.Reference, Amount: c.Amount, Currency: c.Currency}
}

// PackCheckoutResult is what buying a pack answers: the purchase, and for
// a card the page of the card provider to pay on (nil otherwise).
type PackCheckoutResult struct {
	Purchase    *CreditPurchase `json:"purchase"`
	CheckoutURL *string         `json:"checkout_url"`
}

// CreditPackService is buying credit packs, for an account's owner.
type CreditPackService interface {
	// CreditPacks lists the packs on sale.
	CreditPacks(ctx context.Context) ([]CreditPack, error)
	// BuyCredits starts buying a pack.
	BuyCredits(ctx context.Context, in PackCheckout) (*PackCheckoutResult, error)
}

// AdminCreditPackService is the administrators' side of credit packs;
// every change is audited.
type AdminCreditPackService interface {
	AdminCreditPacks(ctx context.Context) ([]CreditPack, error)
	CreateCreditPack(ctx context.Context, in NewCreditPack) (*CreditPack, error)
	UpdateCreditPack(ctx context.Context, slug string, patch CreditPackPatch) (*CreditPack, error)
	ListCreditPurchases(ctx context.Context, status string, page PageRequest) (*Page[CreditPurchase], error)
	ConfirmCreditPurchase(ctx context.Context, id string, in PaymentConfirmation) (*CreditPurchase, error)
	RejectCreditPurchase(ctx context.Context, id string, in PaymentRejection) (*CreditPurchase, error)
}

// Payment incident kinds and states: a refund or a dispute Stripe reports,
// open until an administrator resolves it.
const (
	IncidentRefund   = "refund"
	IncidentDispute  = "dispute"
	IncidentOpen     = "open"
	IncidentResolved = "resolved"
)

// PaymentIncident is a refund or dispute of a card payment, recorded for
// the administrators: igny8 takes no credits back by itself (spent credits
// stay spent); an administrator decides, adjusts the ledger when that is
// right, answers the dispute in Stripe and resolves the incident.
type PaymentIncident struct {
	ID string `json:"id"`
	// AccountID is the account of the Stripe customer; nil when Stripe's
	// customer is no account of igny8.
	AccountID  *string    `json:"account_id"`
	Kind       string     `json:"kind"`
	EventID    string     `json:"event_id"`
	ChargeID   string     `json:"charge_id"`
	Amount     int64      `json:"amount"` // minor units refunded or disputed
	Currency   string     `json:"currency"`
	Reason     string     `json:"reason"` // a dispute's reason
	Status     string     `json:"status"`
	Note       string     `json:"note"` // the resolving administrator's
	ResolvedBy *string    `json:"resolved_by"`
	ResolvedAt *time.Time `json:"resolved_at"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// IncidentResolution closes an incident with what was done.
type IncidentResolution struct {
	Note string `json:"note" max:"500"`
}

// AdminIncidentService lists and resolves payment incidents.
type AdminIncidentService interface {
	ListPaymentIncidents(ctx context.Context, status string, page PageRequest) (*Page[PaymentIncident], error)
	ResolvePaymentIncident(ctx context.Context, id string, in IncidentResolution) (*PaymentIncident, error)
}
