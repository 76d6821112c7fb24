package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// The owner's billing endpoints (the owner of a suspended account still
// reaches them, gate suspendedOwner, so that they can pay): the OpenAPI
// documentation of this file's handlers (the rows are in routes.go).
func init() {
	document(docs{
		"billingSummary": {summary: "The current subscription; to the owner also the payment awaiting confirmation (reference, bank instructions), null for other roles and API keys",
			out: igny8.BillingSummary{}},
		"checkout": {summary: "Start paying for a plan; bank transfers answer the instructions and reference " +
			"(and replaced_reference, the earlier transfer not to pay any more); stripe answers checkout_url, Stripe's page to pay on, " +
			"which returns to /billing; the Free plan is active at once, with payment null",
			in: igny8.Checkout{}, out: igny8.CheckoutResult{}, status: http.StatusCreated},
		"listPayments":       {summary: "The account's payments, newest first", out: igny8.Page[igny8.Payment]{}, query: pageParams},
		"cancelSubscription": {summary: "Cancel the subscription at the end of the paid period", out: igny8.Subscription{}},
		"resumeSubscription": {summary: "Undo a cancellation at period end: the subscription renews again", out: igny8.Subscription{}},
		"accountAudit":       {summary: "The account's audit events, newest first", out: igny8.Page[igny8.AuditEvent]{}, query: pageParams},
	})
}

func (h *Handler) billingSummary(w http.ResponseWriter, r *http.Request) error {
	sum, err := h.Billing.BillingSummary(r.Context())
	if err != nil {
		return err
	}
	if sum.PendingPayment != nil {
		sum.PendingPayment.AddInstructions(h.Config.Bank)
	}
	return httpx.WriteJSON(w, http.StatusOK, sum)
}

func (h *Handler) checkout(w http.ResponseWriter, r *http.Request) error {
	var in igny8.Checkout
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	in.ReturnURL = h.origin(r) + "/billing"
	res, err := h.Billing.Checkout(r.Context(), in)
	if err != nil {
		return err
	}
	if res.Payment != nil {
		res.Payment.AddInstructions(h.Config.Bank)
	}
	return httpx.WriteJSON(w, http.StatusCreated, res)
}

func (h *Handler) listPayments(w http.ResponseWriter, r *http.Request) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	res, err := h.Billing.ListPayments(r.Context(), page)
	if err != nil {
		return err
	}
	for i := range res.Items {
		res.Items[i].AddInstructions(h.Config.Bank)
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

func (h *Handler) cancelSubscription(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.Billing.CancelSubscription(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, sub)
}

func (h *Handler) resumeSubscription(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.Billing.ResumeSubscription(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, sub)
}

func (h *Handler) accountAudit(w http.ResponseWriter, r *http.Request) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	res, err := h.Billing.AccountAudit(r.Context(), page)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}
