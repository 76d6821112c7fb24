package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// The system administrators' billing endpoints: the payment queue and its
// decisions, plan management and the audit log; the OpenAPI documentation
// of their handlers (the rows are in routes.go).
func init() {
	document(docs{
		"adminPayments": {summary: "Payments across accounts with account, plan, amount, reference and age",
			out: igny8.Page[igny8.AdminPayment]{}, query: append([]param{{"status", "pending, confirmed or rejected"}, {"account_id", "one account's payments"}, {"reference", "the reference quoted on a transfer"}}, pageParams...)},
		"confirmPayment": {summary: "Confirm a received payment: activates the subscription and grants the plan's credits once",
			in: igny8.PaymentConfirmation{}, out: igny8.PaymentResult{}},
		"rejectPayment": {summary: "Reject a pending payment; the account stays as it was",
			in: igny8.PaymentRejection{}, out: igny8.PaymentResult{}},
		"adminPlans": {summary: "Every plan, active or not", out: igny8.Page[igny8.Plan]{}},
		"createPlan": {summary: "Add a plan", in: igny8.Plan{}, out: igny8.Plan{}, status: http.StatusCreated},
		"updatePlan": {summary: "Change a plan; is_active false takes it off sale and fails its accounts' gate",
			in: igny8.PlanPatch{}, out: igny8.Plan{}},
		"adminAudit": {summary: "Audit events, newest first, with the names of their account, actor and target",
			out: igny8.Page[igny8.AdminAuditEvent]{}, query: append([]param{{"account_id", "one account's events"}, {"action", "one action's events, such as payment.confirmed"}}, pageParams...)},
	})
}

func (h *Handler) adminPayments(w http.ResponseWriter, r *http.Request) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	res, err := h.AdminBilling.ListPayments(r.Context(),
		igny8.PaymentFilter{Status: q.Get("status"), AccountID: q.Get("account_id"), Reference: q.Get("reference")}, page)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

func (h *Handler) confirmPayment(w http.ResponseWriter, r *http.Request) error {
	var in igny8.PaymentConfirmation
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
	}
	res, err := h.AdminBilling.ConfirmPayment(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

func (h *Handler) rejectPayment(w http.ResponseWriter, r *http.Request) error {
	var in igny8.PaymentRejection
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	res, err := h.AdminBilling.RejectPayment(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

func (h *Handler) adminPlans(w http.ResponseWriter, r *http.Request) error {
	plans, err := h.AdminBilling.AdminPlans(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, igny8.Page[igny8.Plan]{Items: nonNil(plans)})
}

func (h *Handler) createPlan(w http.ResponseWriter, r *http.Request) error {
	in := igny8.Plan{IsActive: true, BillingPeriod: "month"} // what the body leaves out
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	p, err := h.AdminBilling.CreatePlan(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, p)
}

func (h *Handler) updatePlan(w http.ResponseWriter, r *http.Request) error {
	var in igny8.PlanPatch
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	p, err := h.AdminBilling.UpdatePlan(r.Context(), r.PathValue("slug"), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, p)
}

func (h *Handler) adminAudit(w http.ResponseWriter, r *http.Request) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	res, err := h.AdminBilling.ListAudit(r.Context(), igny8.AuditFilter{AccountID: q.Get("account_id"), Action: q.Get("action")}, page)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}
