package web

import (
	"net/http"
	"net/url"

	"github.com/igny8/igny8"
)

// billingPage is the owner's billing: plan, subscription, the payment
// awaiting a bank transfer with its instructions, the plans on sale and
// past payments. Suspension explains why the owner was sent here;
// StatusReason is the account's status reason in words; Replaced is the
// reference the last checkout replaced (from ?replaced=, shown only when it
// is a superseded payment of this account).
type billingPage struct {
	Account      *igny8.Account
	Summary      *igny8.BillingSummary
	Pending      *igny8.Payment
	Plans        []igny8.Plan
	Payments     []igny8.Payment
	Suspension   string
	StatusReason string
	Replaced     string
	FormError    string
	NextURL      string
	// Cards is true when plans with a Stripe price can be paid by card.
	Cards bool
}

func (h *Handler) billing(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.renderBilling(w, r, v, http.StatusOK, &billingPage{})
}

func (h *Handler) renderBilling(w http.ResponseWriter, r *http.Request, v *visit, status int, pg *billingPage) error {
	ctx := r.Context()
	pg.Account = v.Account
	if v.GateErr != nil {
		pg.Suspension = suspensionText(v.Account, v.GateErr, h.Config.SupportEmail)
	}
	pg.StatusReason = reasonWords[v.Account.StatusReason]
	pg.Cards = h.CardPortal != nil
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
		if p.Slug != igny8.PlanFreeTrial && p.SelfService() {
			pg.Plans = append(pg.Plans, p)
		}
	}
	payments, err := h.Billing.ListPayments(ctx, igny8.PageRequest{Limit: 20, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	pg.Payments = payments.Items
	if ref := igny8.NormalizeReference(r.URL.Query().Get("replaced")); ref != "" {
		for _, y := range pg.Payments {
			if y.Reference == ref && y.Status == igny8.PaymentRejected && y.RejectedReason == igny8.RejectSuperseded {
				pg.Replaced = ref
			}
		}
	}
	if payments.NextCursor != nil {
		pg.NextURL = "/billing?cursor=" + *payments.NextCursor
	}
	return h.render(w, r, v, status, "billing", "Billing", pg)
}

// reasonWords are the customer status reasons (igny8.CustomerStatusReason)
// in the owner's words.
var reasonWords = map[string]string{
	igny8.ReasonTrialExpired:          "trial ended",
	igny8.ReasonPaymentOverdue:        "payment overdue",
	igny8.ReasonSuspendedByIgny8:      "suspended by igny8",
	igny8.ReasonCancelledByIgny8:      "cancelled by igny8",
	igny8.ReasonSubscriptionCancelled: "subscription ended",
	igny8.ReasonAccountDeleted:        "account deleted",
}

// suspensionText explains, in the owner's words, why the account is
// refused and what brings it back. a carries the customer status reason
// (CurrentAccount), never an operator's note.
func suspensionText(a *igny8.Account, gateErr error, support string) string {
	switch {
	case igny8.ErrorCode(gateErr) == igny8.EAccountCancelled:
		return "This account has been cancelled. Contact support at " + support + " to reopen it."
	case igny8.ErrorCode(gateErr) == igny8.EPlanInactive:
		return "Your plan is no longer offered. Choose another plan below to continue."
	case a.StatusReason == igny8.ReasonTrialExpired || (a.Status == igny8.StatusTrial):
		return "Your free trial has ended, so your sites, keys and AI operations are paused. Choose a plan and pay by bank transfer, or move to the Free Plan at no cost, to continue; nothing has been deleted."
	case a.StatusReason == igny8.ReasonPaymentOverdue:
		return "Your account is suspended because a payment is overdue. Pay by bank transfer below, or move to the Free Plan, to reactivate it; nothing has been deleted."
	default:
		return "Your account was suspended by igny8, so your sites, keys and AI operations are paused. Contact support at " + support + " to resolve it; nothing has been deleted."
	}
}

func (h *Handler) checkout(w http.ResponseWriter, r *http.Request, v *visit) error {
	in := igny8.Checkout{Plan: r.PostFormValue("plan"), PaymentMethod: r.PostFormValue("payment_method")}
	if in.PaymentMethod == "" {
		in.PaymentMethod = igny8.MethodBankTransfer
	}
	in.ReturnURL = h.origin(r) + "/billing"
	res, err := h.Billing.Checkout(r.Context(), in)
	if err != nil {
		return h.billingFailed(w, r, v, err)
	}
	if res.CheckoutURL != nil {
		// Stripe's page; it sends the owner back to /billing?notice=card_paid.
		http.Redirect(w, r, *res.CheckoutURL, http.StatusSeeOther)
		return nil
	}
	to := "/billing?notice=checkout_started"
	if res.Payment == nil {
		to = "/billing?notice=free_plan_active"
	}
	if res.ReplacedReference != nil {
		to += "&replaced=" + url.QueryEscape(*res.ReplacedReference)
	}
	if res.Payment != nil {
		to += "#pending"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// billingPortal sends the owner to Stripe's customer portal (card,
// invoices, cancellation), which returns to /billing.
func (h *Handler) billingPortal(w http.ResponseWriter, r *http.Request, v *visit) error {
	if h.CardPortal == nil {
		return h.billingFailed(w, r, v, igny8.Errorf(igny8.EPaymentMethod, "Card payments are not available."))
	}
	res, err := h.CardPortal.BillingPortal(r.Context(), h.origin(r)+"/billing")
	if err != nil {
		return h.billingFailed(w, r, v, err)
	}
	http.Redirect(w, r, res.URL, http.StatusSeeOther)
	return nil
}

// origin is the scheme and host the page was asked for, for the pages
// Stripe returns to.
func (h *Handler) origin(r *http.Request) string {
	if h.secure(r) {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

func (h *Handler) resumeSubscription(w http.ResponseWriter, r *http.Request, v *visit) error {
	if _, err := h.Billing.ResumeSubscription(r.Context()); err != nil {
		return h.billingFailed(w, r, v, err)
	}
	http.Redirect(w, r, "/billing?notice=resumed", http.StatusSeeOther)
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
	case igny8.EValidation, igny8.EConflict, igny8.EPaymentMethod, igny8.ENotFound, igny8.EAccountSuspended, igny8.EUnavailable,
		igny8.EEmailUnverified:
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
