package web

import (
	"net/http"

	"github.com/igny8/igny8"
)

// billingPage is the owner's billing: plan, subscription, the payment
// awaiting a bank transfer with its instructions, the plans on sale and
// past payments. Suspension explains why the owner was sent here.
type billingPage struct {
	Account    *igny8.Account
	Summary    *igny8.BillingSummary
	Pending    *igny8.Payment
	Plans      []igny8.Plan
	Payments   []igny8.Payment
	Suspension string
	FormError  string
	NextURL    string
}

func (h *Handler) billing(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.renderBilling(w, r, v, http.StatusOK, &billingPage{})
}

func (h *Handler) renderBilling(w http.ResponseWriter, r *http.Request, v *visit, status int, pg *billingPage) error {
	ctx := r.Context()
	pg.Account = v.Account
	if v.GateErr != nil {
		pg.Suspension = suspensionText(v.Account, v.GateErr)
	}
	var err error
	if pg.Summary, err = h.Billing.BillingSummary(ctx); err != nil {
		return err
	}
	if pg.Pending = pg.Summary.PendingPayment; pg.Pending != nil {
		pg.Pending.AddInstructions(h.Config.Bank)
	}
	plans, err := h.Plans.ListPlans(ctx, false)
	if err != nil {
		return err
	}
	for _, p := range plans {
		if p.Price > 0 && p.SelfService() {
			pg.Plans = append(pg.Plans, p)
		}
	}
	payments, err := h.Billing.ListPayments(ctx, igny8.PageRequest{Limit: 20, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	pg.Payments = payments.Items
	if payments.NextCursor != nil {
		pg.NextURL = "/billing?cursor=" + *payments.NextCursor
	}
	return h.render(w, r, v, status, "billing", "Billing", pg)
}

// suspensionText explains, in the owner's words, why the account is
// refused and what brings it back.
func suspensionText(a *igny8.Account, gateErr error) string {
	switch {
	case igny8.ErrorCode(gateErr) == igny8.EAccountCancelled:
		return "This account has been cancelled. Contact support to reopen it."
	case igny8.ErrorCode(gateErr) == igny8.EPlanInactive:
		return "Your plan is no longer offered. Choose another plan below to continue."
	case a.StatusReason == igny8.ReasonTrialExpired || (a.Status == igny8.StatusTrial):
		return "Your free trial has ended, so your sites, keys and AI operations are paused. Choose a plan and pay by bank transfer to continue; nothing has been deleted."
	case a.StatusReason == igny8.ReasonPaymentOverdue:
		return "Your account is suspended because a payment is overdue. Pay by bank transfer below to reactivate it; nothing has been deleted."
	default:
		return "Your account is suspended, so your sites, keys and AI operations are paused. Choose a plan and pay by bank transfer below, or contact support; nothing has been deleted."
	}
}

func (h *Handler) checkout(w http.ResponseWriter, r *http.Request, v *visit) error {
	in := igny8.Checkout{Plan: r.PostFormValue("plan"), PaymentMethod: r.PostFormValue("payment_method")}
	if in.PaymentMethod == "" {
		in.PaymentMethod = igny8.MethodBankTransfer
	}
	if _, err := h.Billing.Checkout(r.Context(), in); err != nil {
		return h.billingFailed(w, r, v, err)
	}
	http.Redirect(w, r, "/billing?notice=checkout_started#pending", http.StatusSeeOther)
	return nil
}

func (h *Handler) cancelSubscription(w http.ResponseWriter, r *http.Request, v *visit) error {
	if r.PostFormValue("confirm") != "yes" {
		return h.billingFailed(w, r, v, igny8.InvalidField("confirm", "Tick the box to confirm the cancellation."))
	}
	if _, err := h.Billing.CancelSubscription(r.Context()); err != nil {
		return h.billingFailed(w, r, v, err)
	}
	http.Redirect(w, r, "/billing?notice=cancel_scheduled", http.StatusSeeOther)
	return nil
}

// billingFailed shows a refused billing form on the billing page.
func (h *Handler) billingFailed(w http.ResponseWriter, r *http.Request, v *visit, err error) error {
	switch igny8.ErrorCode(err) {
	case igny8.EValidation, igny8.EConflict, igny8.EPaymentMethod, igny8.ENotFound:
	default:
		return err
	}
	msg := igny8.ErrorMessage(err)
	if fe, _ := fieldErrors(err); len(fe) == 1 {
		for _, m := range fe {
			if m != msg {
				msg += " " + m
			}
		}
	}
	return h.renderBilling(w, r, v, statusFor(err), &billingPage{FormError: msg})
}
