package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// billingRoutes are the owner's billing endpoints. The owner of a suspended
// account still reaches them (suspendedOwner), so that they can pay.
func (h *Handler) billingRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/billing/subscription", summary: "The current subscription; to the owner also the payment awaiting confirmation (reference, bank instructions), null for other roles and API keys",
			tag: "billing", access: tenant, action: igny8.ActReadAccount, suspendedOwner: true,
			out: igny8.BillingSummary{}, h: h.billingSummary},
		{method: "POST", path: "/api/v1/billing/checkout", summary: "Start paying for a plan; bank transfers answer the instructions and reference " +
			"(and replaced_reference, the earlier transfer not to pay any more); stripe answers checkout_url, Stripe's page to pay on, " +
			"which returns to /billing; the Free plan is active at once, with payment null",
			tag: "billing", access: tenant, action: igny8.ActBilling, suspendedOwner: true,
			in: igny8.Checkout{}, out: igny8.CheckoutResult{}, status: http.StatusCreated, h: h.checkout},
		{method: "GET", path: "/api/v1/billing/payments", summary: "The account's payments, newest first", tag: "billing",
			access: tenant, action: igny8.ActBilling, suspendedOwner: true, query: pageParams,
			out: igny8.Page[igny8.Payment]{}, h: h.listPayments},
		{method: "POST", path: "/api/v1/billing/cancel", summary: "Cancel the subscription at the end of the paid period",
			tag: "billing", access: tenant, action: igny8.ActBilling, suspendedOwner: true,
			out: igny8.Subscription{}, h: h.cancelSubscription},
		{method: "POST", path: "/api/v1/billing/resume", summary: "Undo a cancellation at period end: the subscription renews again",
			tag: "billing", access: tenant, action: igny8.ActBilling, suspendedOwner: true,
			out: igny8.Subscription{}, h: h.resumeSubscription},
		{method: "GET", path: "/api/v1/account/audit", summary: "The account's audit events, newest first", tag: "account",
			access: tenant, action: igny8.ActEditAccount, query: pageParams,
			out: igny8.Page[igny8.AuditEvent]{}, h: h.accountAudit},
	}
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
