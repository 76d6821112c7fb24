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
)

// CardCheckout asks the provider for a hosted checkout page.
type CardCheckout struct {
	Mode       string // CardModeSubscription
	CustomerID string // the provider's customer of the account
	PriceID    string // the provider's price of the plan
	// PaymentID is igny8's pending payment the checkout pays; the provider
	// echoes it in its events.
	PaymentID  string
	SuccessURL string
	CancelURL  string
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
	PaymentID      string
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
