package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/igny8/igny8"
)

// creditsPage is the balance, a filtered page of transactions and the
// usage of the last 30 days.
type creditsPage struct {
	Balance      int64
	Transactions []igny8.CreditTransaction
	Types        []string
	Filter       txFilterForm
	NextURL      string
	ByOperation  []igny8.UsageGroup
	OpChart      barChart
	DayChart     barChart
	UsageTotal   igny8.UsageGroup
	Errors       formErrors
	// Packs are the credit packs on sale, for those who may buy (the
	// owner); Cards when they can be paid by card; Ordered the purchase
	// just placed by bank transfer, with its instructions.
	Packs    []igny8.CreditPack
	Cards    bool
	Ordered  *igny8.CreditPurchase
	BuyError string
}

// txFilterForm is the transaction filter as typed (dates as YYYY-MM-DD).
type txFilterForm struct {
	Type, From, To string
}

const usageDays = 30

func (h *Handler) credits(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.renderCredits(w, r, v, http.StatusOK, nil, "")
}

// buyCredits buys a pack: by card it sends the owner to Stripe's page
// (back to /credits); by bank transfer it shows the reference to quote.
func (h *Handler) buyCredits(w http.ResponseWriter, r *http.Request, v *visit) error {
	if h.Packs == nil {
		return h.renderCredits(w, r, v, http.StatusUnprocessableEntity, nil, "Credit packs are not on sale.")
	}
	in := igny8.PackCheckout{Pack: r.PostFormValue("pack"), PaymentMethod: r.PostFormValue("payment_method"),
		ReturnURL: h.origin(r) + "/credits"}
	res, err := h.Packs.BuyCredits(r.Context(), in)
	if err != nil {
		switch igny8.ErrorCode(err) {
		case igny8.EValidation, igny8.EPaymentMethod, igny8.EUnavailable, igny8.EEmailUnverified:
			return h.renderCredits(w, r, v, statusFor(err), nil, igny8.ErrorMessage(err))
		}
		return err
	}
	if res.CheckoutURL != nil {
		http.Redirect(w, r, *res.CheckoutURL, http.StatusSeeOther)
		return nil
	}
	res.Purchase.AddInstructions(h.Config.Bank)
	return h.renderCredits(w, r, v, http.StatusOK, res.Purchase, "")
}

func (h *Handler) renderCredits(w http.ResponseWriter, r *http.Request, v *visit, status int, ordered *igny8.CreditPurchase, buyErr string) error {
	ctx := r.Context()
	q := r.URL.Query()
	pg := creditsPage{Ordered: ordered, BuyError: buyErr, Cards: h.CardPortal != nil, Types: []string{igny8.TxTrialGrant, igny8.TxSubscription, igny8.TxPurchase, igny8.TxDeduction,
		igny8.TxRefund, igny8.TxAdjustment}, Errors: formErrors{},
		Filter: txFilterForm{Type: q.Get("type"), From: q.Get("from"), To: q.Get("to")}}
	bal, err := h.Ledger.CreditBalance(ctx)
	if err != nil {
		return err
	}
	pg.Balance = bal.Credits
	f := igny8.TransactionFilter{Type: pg.Filter.Type, Page: igny8.PageRequest{Cursor: q.Get("cursor"), Limit: 25}}
	f.From, f.To = parseDay(pg.Filter.From, pg.Errors, "from"), parseDay(pg.Filter.To, pg.Errors, "to")
	if f.To != nil {
		end := f.To.AddDate(0, 0, 1) // the "to" day is included
		f.To = &end
	}
	if len(pg.Errors) == 0 {
		page, err := h.Ledger.ListCreditTransactions(ctx, f)
		if isCode(err, igny8.EValidation) {
			pg.Errors, _ = fieldErrors(err)
		} else if err != nil {
			return err
		} else {
			pg.Transactions = page.Items
			if page.NextCursor != nil {
				pg.NextURL = "/credits?" + withCursor(q, *page.NextCursor)
			}
		}
	}
	if err := h.usage(r, &pg); err != nil {
		return err
	}
	if h.Packs != nil && igny8.Allowed(v.P, igny8.ActBilling) {
		if pg.Packs, err = h.Packs.CreditPacks(ctx); err != nil {
			return err
		}
	}
	return h.render(w, r, v, status, "credits", "Credits", pg)
}

// usage fills the per-operation and per-day summaries of the last 30 days.
func (h *Handler) usage(r *http.Request, pg *creditsPage) error {
	to := h.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -usageDays)
	ops, err := h.Ledger.CreditUsage(r.Context(), igny8.UsageFilter{From: &from, To: &to, GroupBy: igny8.GroupByOperation})
	if err != nil {
		return err
	}
	pg.ByOperation, pg.UsageTotal = ops.Items, ops.Total
	var labels []string
	var values []int64
	for _, g := range ops.Items {
		labels, values = append(labels, title(g.Key)), append(values, g.Credits)
	}
	pg.OpChart = columns("Credits used per operation, last 30 days", labels, values, 1)
	days, err := h.Ledger.CreditUsage(r.Context(), igny8.UsageFilter{From: &from, To: &to, GroupBy: igny8.GroupByDay})
	if err != nil {
		return err
	}
	byDay := map[string]int64{}
	for _, g := range days.Items {
		byDay[g.Key] = g.Credits
	}
	labels, values = dailySeries(from, to, byDay)
	pg.DayChart = columns("Credits used per day, last 30 days", labels, values, 5)
	return nil
}

// parseDay reads a YYYY-MM-DD date; a bad one is noted in errs.
func parseDay(s string, errs formErrors, field string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		errs[field] = "Use a date like 2026-01-31."
		return nil
	}
	return &t
}

// withCursor returns q with cursor set to next, encoded.
func withCursor(q url.Values, next string) string {
	c := url.Values{}
	for k, vs := range q {
		c[k] = vs
	}
	c.Set("cursor", next)
	return c.Encode()
}
