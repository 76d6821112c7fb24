// Package stripepay is igny8's card provider: Stripe, through Stripe's own
// Go library (github.com/stripe/stripe-go/v82). It creates customers,
// Checkout Sessions and customer-portal sessions, and verifies and reads
// the events Stripe sends to the webhook. It holds no state: what the
// events change is decided in internal/sqlstore/card.go.
package stripepay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/igny8/igny8"
	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

// DefaultAPIURL is Stripe's API.
const DefaultAPIURL = "https://api.stripe.com"

// Config configures the provider. SecretKey and WebhookSecret are secrets:
// never logged.
type Config struct {
	SecretKey     string
	WebhookSecret string
	// APIURL is Stripe's API (DefaultAPIURL when empty); tests point it at
	// stripe-mock.
	APIURL string
	// HTTPClient makes the calls (a 30 s timeout when nil).
	HTTPClient *http.Client
}

// Enabled reports whether card payments are configured: both secrets set.
func (c Config) Enabled() bool { return c.SecretKey != "" && c.WebhookSecret != "" }

// Provider implements igny8.CardProvider on Stripe.
type Provider struct {
	client *stripe.Client
	secret string
}

var _ igny8.CardProvider = (*Provider)(nil)

// New returns the provider of cfg. Errors: a missing secret.
func New(cfg Config) (*Provider, error) {
	if !cfg.Enabled() {
		return nil, errors.New("stripe: both the secret key and the webhook secret are needed")
	}
	url := strings.TrimRight(cfg.APIURL, "/")
	if url == "" {
		url = DefaultAPIURL
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	retries := int64(2)
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL: stripe.String(url), HTTPClient: hc, MaxNetworkRetries: &retries,
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}})
	client := stripe.NewClient(cfg.SecretKey, stripe.WithBackends(&stripe.Backends{
		API: backend, Connect: backend, Uploads: backend, MeterEvents: backend}))
	return &Provider{client: client, secret: cfg.WebhookSecret}, nil
}

// NewCustomer creates the Stripe customer of an account. The idempotency
// key is the account: a retried or concurrent first checkout gets the same
// customer back from Stripe.
func (p *Provider) NewCustomer(ctx context.Context, accountID, name, email string) (string, error) {
	params := &stripe.CustomerCreateParams{Name: stripe.String(name)}
	if email != "" {
		params.Email = stripe.String(email)
	}
	params.AddMetadata("igny8_account_id", accountID)
	params.SetIdempotencyKey("igny8-customer-" + accountID)
	c, err := p.client.V1Customers.Create(ctx, params)
	if err != nil {
		return "", fmt.Errorf("stripe: create customer: %w", err)
	}
	return c.ID, nil
}

// Checkout creates a Checkout Session paying in.PaymentID. The payment's
// id travels as the client reference and as metadata of the subscription,
// so that the session's and every invoice's events name it.
func (p *Provider) Checkout(ctx context.Context, in igny8.CardCheckout) (*igny8.CardSession, error) {
	params := &stripe.CheckoutSessionCreateParams{
		Mode:       stripe.String(in.Mode),
		Customer:   stripe.String(in.CustomerID),
		SuccessURL: stripe.String(in.SuccessURL),
		CancelURL:  stripe.String(in.CancelURL),
	}
	ref := in.PaymentID
	if in.Mode == igny8.CardModeSubscription {
		params.LineItems = []*stripe.CheckoutSessionCreateLineItemParams{{Price: stripe.String(in.PriceID), Quantity: stripe.Int64(1)}}
		params.Metadata = map[string]string{MetadataPayment: in.PaymentID}
		params.SubscriptionData = &stripe.CheckoutSessionCreateSubscriptionDataParams{
			Metadata: map[string]string{MetadataPayment: in.PaymentID}}
	} else {
		// A credit pack: sold by its Stripe price when it has one, else at
		// its own amount.
		ref = in.PurchaseID
		item := &stripe.CheckoutSessionCreateLineItemParams{Quantity: stripe.Int64(1)}
		if in.PriceID != "" {
			item.Price = stripe.String(in.PriceID)
		} else {
			item.PriceData = &stripe.CheckoutSessionCreateLineItemPriceDataParams{Currency: stripe.String(strings.ToLower(in.Currency)),
				UnitAmount:  stripe.Int64(in.Amount),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(in.Description)}}
		}
		params.LineItems = []*stripe.CheckoutSessionCreateLineItemParams{item}
		params.Metadata = map[string]string{MetadataPurchase: in.PurchaseID}
	}
	params.ClientReferenceID = stripe.String(ref)
	params.SetIdempotencyKey("igny8-checkout-" + ref)
	s, err := p.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("stripe: create checkout session: %w", err)
	}
	return &igny8.CardSession{ID: s.ID, URL: s.URL}, nil
}

// PortalURL creates a customer-portal session returning to returnURL.
func (p *Provider) PortalURL(ctx context.Context, customerID, returnURL string) (string, error) {
	s, err := p.client.V1BillingPortalSessions.Create(ctx, &stripe.BillingPortalSessionCreateParams{
		Customer: stripe.String(customerID), ReturnURL: stripe.String(returnURL)})
	if err != nil {
		return "", fmt.Errorf("stripe: create portal session: %w", err)
	}
	return s.URL, nil
}

// SetCancelAtPeriodEnd sets the subscription's cancel_at_period_end: the
// owner cancelled or resumed on igny8's billing page.
func (p *Provider) SetCancelAtPeriodEnd(ctx context.Context, subscriptionID string, cancel bool) error {
	_, err := p.client.V1Subscriptions.Update(ctx, subscriptionID, &stripe.SubscriptionUpdateParams{
		CancelAtPeriodEnd: stripe.Bool(cancel)})
	if err != nil {
		return fmt.Errorf("stripe: update subscription: %w", err)
	}
	return nil
}

// MetadataPayment and MetadataPurchase are the metadata keys naming
// igny8's payment of a plan and credit purchase of a pack.
const (
	MetadataPayment  = "igny8_payment_id"
	MetadataPurchase = "igny8_credit_purchase_id"
)

// ErrSignature is a webhook body whose signature does not verify.
var ErrSignature = errors.New("stripe: webhook signature does not verify")

// ParseEvent verifies the Stripe-Signature header on the raw body (with
// the library's webhook package: HMAC over the timestamp and body, a
// five-minute tolerance) and reads the event. Events of any API version are
// read: igny8 uses only fields stable across versions. Errors:
// ErrSignature, or a body that is no event.
func (p *Provider) ParseEvent(body []byte, signature string) (igny8.CardEvent, error) {
	ev, err := webhook.ConstructEventWithOptions(body, signature, p.secret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		if errors.Is(err, webhook.ErrNotSigned) || errors.Is(err, webhook.ErrInvalidHeader) ||
			errors.Is(err, webhook.ErrNoValidSignature) || errors.Is(err, webhook.ErrTooOld) {
			return igny8.CardEvent{}, ErrSignature
		}
		return igny8.CardEvent{}, fmt.Errorf("stripe: read event: %w", err)
	}
	return readEvent(ev)
}

// readEvent reduces a verified event to igny8.CardEvent.
func readEvent(ev stripe.Event) (igny8.CardEvent, error) {
	out := igny8.CardEvent{ID: ev.ID, Type: string(ev.Type), Created: time.Unix(ev.Created, 0).UTC()}
	if ev.Data == nil {
		return out, nil
	}
	raw := ev.Data.Raw
	var err error
	switch out.Type {
	case igny8.CardEventCheckoutCompleted, igny8.CardEventCheckoutExpired:
		var s stripe.CheckoutSession
		if err = json.Unmarshal(raw, &s); err == nil {
			out.PaymentID = s.ClientReferenceID
			if id := s.Metadata[MetadataPurchase]; id != "" && s.Mode == stripe.CheckoutSessionModePayment {
				out.PaymentID, out.PurchaseID = "", id
			}
			out.Paid = s.PaymentStatus == stripe.CheckoutSessionPaymentStatusPaid ||
				s.PaymentStatus == stripe.CheckoutSessionPaymentStatusNoPaymentRequired
			out.Amount, out.Currency = s.AmountTotal, strings.ToUpper(string(s.Currency))
			if s.Customer != nil {
				out.CustomerID = s.Customer.ID
			}
			if s.Subscription != nil {
				out.SubscriptionID = s.Subscription.ID
			}
			if s.Invoice != nil {
				out.InvoiceID = s.Invoice.ID
			}
		}
	case igny8.CardEventInvoicePaid, igny8.CardEventInvoicePaymentFailed:
		var in stripe.Invoice
		if err = json.Unmarshal(raw, &in); err == nil {
			out.InvoiceID, out.Currency = in.ID, strings.ToUpper(string(in.Currency))
			out.Amount = in.AmountPaid
			if out.Type == igny8.CardEventInvoicePaymentFailed {
				out.Amount = in.AmountDue
			}
			if in.Customer != nil {
				out.CustomerID = in.Customer.ID
			}
			if in.Parent != nil && in.Parent.SubscriptionDetails != nil {
				d := in.Parent.SubscriptionDetails
				out.PaymentID = d.Metadata[MetadataPayment]
				if d.Subscription != nil {
					out.SubscriptionID = d.Subscription.ID
				}
			}
			if in.Lines != nil {
				for _, l := range in.Lines.Data {
					if l != nil && l.Period != nil && l.Period.End > 0 {
						out.PeriodStart, out.PeriodEnd = time.Unix(l.Period.Start, 0).UTC(), time.Unix(l.Period.End, 0).UTC()
						break
					}
				}
			}
		}
	case igny8.CardEventSubscriptionDeleted, igny8.CardEventSubscriptionUpdated:
		var s stripe.Subscription
		if err = json.Unmarshal(raw, &s); err == nil {
			out.SubscriptionID = s.ID
			out.PaymentID = s.Metadata[MetadataPayment]
			out.Status, out.CancelAtPeriodEnd = string(s.Status), s.CancelAtPeriodEnd || s.CancelAt > 0
			if s.Customer != nil {
				out.CustomerID = s.Customer.ID
			}
			if s.Items != nil {
				for _, it := range s.Items.Data {
					if it != nil && it.Price != nil && it.Price.ID != "" {
						out.PriceID = it.Price.ID
						break
					}
				}
			}
		}
	case igny8.CardEventChargeRefunded:
		var c stripe.Charge
		if err = json.Unmarshal(raw, &c); err == nil {
			out.ChargeID, out.Amount, out.Currency = c.ID, c.AmountRefunded, strings.ToUpper(string(c.Currency))
			if c.Customer != nil {
				out.CustomerID = c.Customer.ID
			}
		}
	case igny8.CardEventDisputeCreated:
		var d stripe.Dispute
		if err = json.Unmarshal(raw, &d); err == nil {
			out.Amount, out.Currency, out.Reason = d.Amount, strings.ToUpper(string(d.Currency)), string(d.Reason)
			if d.Charge != nil {
				out.ChargeID = d.Charge.ID
				if d.Charge.Customer != nil {
					out.CustomerID = d.Charge.Customer.ID
				}
			}
		}
	}
	if err != nil {
		return out, fmt.Errorf("stripe: read %s event %s: %w", out.Type, out.ID, err)
	}
	return out, nil
}
