package api

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// CardEventParser verifies and reads the card provider's webhook bodies
// (internal/stripepay.Provider).
type CardEventParser interface {
	ParseEvent(body []byte, signature string) (igny8.CardEvent, error)
}

// CardDeps are the card provider's parts the API needs.
type CardDeps struct {
	Parser CardEventParser
	// Events applies verified events (internal/sqlstore.Admin), as the system.
	Events igny8.CardEventService
	// Portal opens the provider's customer portal (internal/sqlstore.Billing).
	Portal interface {
		BillingPortal(ctx context.Context, returnURL string) (*igny8.BillingPortal, error)
	}
	// IsSignatureError tells a body that failed its signature check apart
	// from one that is no event.
	IsSignatureError func(error) bool
}

// WebhookAck is the webhook's answer: the event was received; duplicate
// when it had been processed before, ignored when igny8 does not act on
// its type. Either way nothing more happened.
type WebhookAck struct {
	Received  bool `json:"received"`
	Duplicate bool `json:"duplicate"`
	Ignored   bool `json:"ignored"`
}

// maxWebhookBody bounds a webhook body; Stripe's events are far smaller.
const maxWebhookBody = 1 << 20

// The OpenAPI documentation of this file's handlers (the rows are in routes.go).
func init() {
	document(docs{
		"stripeWebhook": {summary: "Stripe's events (signed with Stripe-Signature): paid checkouts and invoices " +
			"confirm payments, failed invoices and deleted subscriptions follow the billing rules, updated subscriptions are followed " +
			"(cancel at period end, plan, cancellation), refunds and disputes are recorded as payment incidents; " +
			"each event is processed once; other types answer 200 and change nothing",
			out: WebhookAck{}, headers: []param{{"Stripe-Signature", "Stripe's signature of the raw body"}}},
		"billingPortal": {summary: "A link to Stripe's customer portal (card, invoices, cancellation), " +
			"returning to /billing; for accounts that have paid by card",
			out: igny8.BillingPortal{}},
		"paymentIncidents": {summary: "Refunds and disputes of card payments across accounts, newest first; open until an " +
			"administrator resolves them (igny8 takes no credits back by itself)",
			out: igny8.Page[igny8.PaymentIncident]{}, query: append([]param{{"status", "open or resolved"}}, pageParams...)},
		"resolvePaymentIncident": {summary: "Resolve a refund or dispute with a note of what was done " +
			"(credits adjusted, dispute answered, nothing needed)", in: igny8.IncidentResolution{}, out: igny8.PaymentIncident{}},
	})
}

// errNoIncidents answers the incident routes of a deployment without them.
var errNoIncidents = igny8.Errorf(igny8.ENotFound, "Payment incidents are not recorded here.")

func (h *Handler) paymentIncidents(w http.ResponseWriter, r *http.Request) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	if h.Incidents == nil {
		return errNoIncidents
	}
	res, err := h.Incidents.ListPaymentIncidents(r.Context(), r.URL.Query().Get("status"), page)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

func (h *Handler) resolvePaymentIncident(w http.ResponseWriter, r *http.Request) error {
	var in igny8.IncidentResolution
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if h.Incidents == nil {
		return errNoIncidents
	}
	res, err := h.Incidents.ResolvePaymentIncident(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

// stripeWebhook checks the signature on the raw body before anything else:
// a body without a valid signature answers 400 and touches nothing.
func (h *Handler) stripeWebhook(w http.ResponseWriter, r *http.Request) error {
	if h.Card == nil {
		return igny8.Errorf(igny8.ENotFound, "Card payments are not configured.")
	}
	sig := r.Header.Get("Stripe-Signature")
	if sig == "" {
		return badSignature
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return igny8.Errorf(igny8.ETooLarge, "The body is larger than %d bytes.", maxWebhookBody)
	}
	if err != nil {
		return &igny8.Error{Code: igny8.EValidation, Message: "The body could not be read.", Status: http.StatusBadRequest}
	}
	ev, err := h.Card.Parser.ParseEvent(body, sig)
	if err != nil {
		if h.Card.IsSignatureError != nil && h.Card.IsSignatureError(err) {
			return badSignature
		}
		return &igny8.Error{Code: igny8.EValidation, Message: "The body is not a Stripe event.", Status: http.StatusBadRequest}
	}
	res, err := h.Card.Events.ProcessCardEvent(igny8.SystemContext(r.Context()), ev)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, WebhookAck{Received: true, Duplicate: res.Duplicate, Ignored: res.Ignored})
}

var badSignature = &igny8.Error{Code: igny8.EValidation, Message: "The Stripe-Signature header does not verify.", Status: http.StatusBadRequest}

func (h *Handler) billingPortal(w http.ResponseWriter, r *http.Request) error {
	if h.Card == nil || h.Card.Portal == nil {
		return igny8.Errorf(igny8.EPaymentMethod, "Card payments are not available.")
	}
	res, err := h.Card.Portal.BillingPortal(r.Context(), h.origin(r)+"/billing")
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

// origin is the scheme and host the request was made to, for the pages
// Stripe sends the owner back to: https over TLS or behind a trusted proxy
// saying so.
func (h *Handler) origin(r *http.Request) string {
	scheme := "http"
	if httpx.OverHTTPS(r, h.Config.TrustProxyHeaders) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
