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
	PriceID    string // the provider's price of the plan
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
}

// Card events igny8 acts on; every other event is acknowledged and ignored.
const (
	CardEventCheckoutCompleted    = "checkout.session.completed"
	CardEventInvoicePaid          = "invoice.paid"
	CardEventInvoicePaymentFailed = "invoice.payment_failed"
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
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Credits   int64     `json:"credits"`
	Price     int64     `json:"price"` // minor units
	Currency  string    `json:"currency"`
	IsActive  bool      `json:"is_active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DefaultCreditPacks are the packs a new installation sells.
func DefaultCreditPacks() []CreditPack {
	return []CreditPack{
		{Slug: "credits-1000", Credits: 1000, Price: 1900, Currency: "USD", IsActive: true},
		{Slug: "credits-5000", Credits: 5000, Price: 8500, Currency: "USD", IsActive: true},
		{Slug: "credits-20000", Credits: 20000, Price: 30000, Currency: "USD", IsActive: true},
	}
}

// CreditPackPatch changes a pack; nil fields stay.
type CreditPackPatch struct {
	Credits  *int64 `json:"credits" min:"1" max:"100000000"`
	Price    *int64 `json:"price" min:"1" max:"100000000"`
	IsActive *bool  `json:"is_active"`
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
	ID           string               `json:"id"`
	AccountID    string               `json:"account_id"`
	Pack         string               `json:"pack"` // the pack's slug
	Credits      int64                `json:"credits"`
	Amount       int64                `json:"amount"`
	Currency     string               `json:"currency"`
	Method       string               `json:"method"`
	Status       string               `json:"status"`
	Reference    string               `json:"reference"`
	Instructions *PaymentInstructions `json:"instructions"`
	ConfirmedAt  *time.Time           `json:"confirmed_at"`
	CreatedAt    time.Time            `json:"created_at"`
	UpdatedAt    time.Time            `json:"updated_at"`
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

// AdminCreditPackService is the administrators' side of credit packs.
type AdminCreditPackService interface {
	AdminCreditPacks(ctx context.Context) ([]CreditPack, error)
	UpdateCreditPack(ctx context.Context, slug string, patch CreditPackPatch) (*CreditPack, error)
	ListCreditPurchases(ctx context.Context, status string, page PageRequest) (*Page[CreditPurchase], error)
	ConfirmCreditPurchase(ctx context.Context, id string, in PaymentConfirmation) (*CreditPurchase, error)
}
