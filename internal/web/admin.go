package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/igny8/igny8"
)

// adminAccountsPage is the admin console's account list with search.
type adminAccountsPage struct {
	Accounts  []igny8.Account
	Q, Status string
	Statuses  []string
	NextURL   string
	FormError string
	ErrorFor  string
	// OpenIncidents counts the refunds and disputes no administrator has
	// resolved yet (up to 100; MoreIncidents when there are more).
	OpenIncidents int
	MoreIncidents bool
}

// errNotConfirmed refuses an admin action whose confirmation box is not
// ticked; every admin action asks for one.
var errNotConfirmed error = igny8.InvalidField("confirm", "Tick the confirmation box to go ahead.")

// confirmed reports whether the admin ticked the form's confirmation box.
func confirmed(r *http.Request) bool { return r.PostFormValue("confirm") == "yes" }

func (h *Handler) adminAccounts(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.renderAdminAccounts(w, r, v, http.StatusOK, &adminAccountsPage{})
}

func (h *Handler) renderAdminAccounts(w http.ResponseWriter, r *http.Request, v *visit, status int, pg *adminAccountsPage) error {
	q := r.URL.Query()
	pg.Q, pg.Status = q.Get("q"), q.Get("status")
	pg.Statuses = []string{igny8.StatusTrial, igny8.StatusActive, igny8.StatusSuspended, igny8.StatusCancelled}
	page, err := h.AdminAccounts.ListAccounts(r.Context(), igny8.AccountFilter{Status: pg.Status, Search: pg.Q,
		Page: igny8.PageRequest{Limit: 25, Cursor: q.Get("cursor")}})
	if isCode(err, igny8.EValidation) {
		pg.FormError = igny8.ErrorMessage(err)
	} else if err != nil {
		return err
	}
	pg.Accounts = page.Items
	if page.NextCursor != nil {
		pg.NextURL = "/admin?" + withCursor(q, *page.NextCursor)
	}
	if h.Incidents != nil {
		open, err := h.Incidents.ListPaymentIncidents(r.Context(), igny8.IncidentOpen, igny8.PageRequest{Limit: 100})
		if err != nil {
			return err
		}
		pg.OpenIncidents, pg.MoreIncidents = len(open.Items), open.NextCursor != nil
	}
	return h.render(w, r, v, status, "admin_accounts", "Admin · Accounts", pg)
}

// adminFailed shows a refused admin form on its page; errors not meant
// for the user become the error page.
func adminFailed(err error) (string, bool) {
	switch igny8.ErrorCode(err) {
	case igny8.EValidation, igny8.EConflict, igny8.ENotFound, igny8.EInsufficient:
	default:
		return "", false
	}
	msg := igny8.ErrorMessage(err)
	if fe, _ := fieldErrors(err); len(fe) > 0 {
		for f, m := range fe {
			if m != msg && f != "confirm" {
				msg += " " + title(f) + ": " + m
			}
		}
	}
	return msg, true
}

func (h *Handler) adminAccountStatus(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, reason := r.PathValue("id"), strings.TrimSpace(r.PostFormValue("reason"))
	var err error = errNotConfirmed
	if confirmed(r) {
		switch r.PostFormValue("action") {
		case "suspend":
			_, err = h.AdminAccounts.SuspendAccount(r.Context(), id, reason)
		case "reactivate":
			_, err = h.AdminAccounts.ReactivateAccount(r.Context(), id, reason)
		case "cancel":
			_, err = h.AdminAccounts.CancelAccount(r.Context(), id, reason)
		default:
			err = igny8.InvalidField("action", "Choose suspend, reactivate or cancel.")
		}
	}
	if err != nil {
		msg, ok := adminFailed(err)
		if !ok {
			return err
		}
		return h.renderAdminAccounts(w, r, v, statusFor(err), &adminAccountsPage{FormError: msg, ErrorFor: id})
	}
	http.Redirect(w, r, "/admin?notice=account_"+r.PostFormValue("action"), http.StatusSeeOther)
	return nil
}

func (h *Handler) adminAdjustCredits(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	var err error = errNotConfirmed
	if confirmed(r) {
		amount, perr := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("amount")), 10, 64)
		if perr != nil || amount == 0 {
			err = igny8.InvalidField("amount", "Enter a whole number of credits other than 0, like 500 or -200.")
		} else {
			_, err = h.AdminLedger.AdjustCredits(r.Context(), id, igny8.CreditAdjustment{Amount: amount,
				Description: strings.TrimSpace(r.PostFormValue("description")), IdempotencyKey: r.PostFormValue("idempotency_key")})
		}
	}
	if err != nil {
		msg, ok := adminFailed(err)
		if !ok {
			return err
		}
		return h.renderAdminAccounts(w, r, v, statusFor(err), &adminAccountsPage{FormError: msg, ErrorFor: id})
	}
	http.Redirect(w, r, "/admin?notice=credits_adjusted&q="+url.QueryEscape(r.PostFormValue("q")), http.StatusSeeOther)
	return nil
}
