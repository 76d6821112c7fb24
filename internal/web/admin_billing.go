package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/igny8/igny8"
)

// adminPaymentsPage lists payments, pending ones first by default, with
// the confirm and reject forms.
type adminPaymentsPage struct {
	Payments []igny8.AdminPayment
	Status   string
	// AccountID is the account filter (the accounts page links to it) and
	// AccountName that account's name, when a payment shows it.
	AccountID   string
	AccountName string
	NextURL     string
	FormError   string
	ErrorFor    string
}

func (h *Handler) adminPayments(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.renderAdminPayments(w, r, v, http.StatusOK, &adminPaymentsPage{})
}

func (h *Handler) renderAdminPayments(w http.ResponseWriter, r *http.Request, v *visit, status int, pg *adminPaymentsPage) error {
	q := r.URL.Query()
	pg.Status = igny8.PaymentPending
	if s, ok := q["status"]; ok {
		pg.Status = s[0]
	}
	pg.AccountID = strings.TrimSpace(q.Get("account"))
	var page *igny8.Page[igny8.AdminPayment]
	var err error
	if _, perr := uuid.Parse(pg.AccountID); pg.AccountID != "" && (perr != nil || len(pg.AccountID) != 36) {
		err = igny8.InvalidField("account", "must be an account id")
		pg.AccountID = ""
	} else {
		page, err = h.AdminBilling.ListPayments(r.Context(), igny8.PaymentFilter{Status: pg.Status, AccountID: pg.AccountID,
			Reference: q.Get("reference")}, igny8.PageRequest{Limit: 25, Cursor: q.Get("cursor")})
	}
	if isCode(err, igny8.EValidation) {
		pg.FormError = igny8.ErrorMessage(err)
	} else if err != nil {
		return err
	}
	if page != nil {
		pg.Payments = page.Items
		if pg.AccountID != "" && len(page.Items) > 0 {
			pg.AccountName = page.Items[0].Account.Name
		}
		if page.NextCursor != nil {
			pg.NextURL = "/admin/payments?" + withCursor(q, *page.NextCursor)
		}
	}
	return h.render(w, r, v, status, "admin_payments", "Admin · Payments", pg)
}

func (h *Handler) adminDecidePayment(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, decision := r.PathValue("id"), r.PathValue("decision")
	var err error = errNotConfirmed
	if confirmed(r) {
		switch decision {
		case "confirm":
			in := igny8.PaymentConfirmation{ExternalReference: strings.TrimSpace(r.PostFormValue("external_reference")),
				Note: strings.TrimSpace(r.PostFormValue("note"))}
			if s := strings.TrimSpace(r.PostFormValue("amount_received")); s != "" {
				n, perr := parseAmount(s)
				if perr != nil {
					err = perr
					break
				}
				in.AmountReceived = &n
			}
			_, err = h.AdminBilling.ConfirmPayment(r.Context(), id, in)
		case "reject":
			_, err = h.AdminBilling.RejectPayment(r.Context(), id, igny8.PaymentRejection{Reason: strings.TrimSpace(r.PostFormValue("reason"))})
		default:
			err = igny8.NotFound("Action")
		}
	}
	if err != nil {
		msg, ok := adminFailed(err)
		if !ok {
			return err
		}
		return h.renderAdminPayments(w, r, v, statusFor(err), &adminPaymentsPage{FormError: msg, ErrorFor: id})
	}
	http.Redirect(w, r, "/admin/payments?notice=payment_"+decision+"ed", http.StatusSeeOther)
	return nil
}

// parseAmount reads an amount typed as 89 or 89.00 into minor units.
func parseAmount(s string) (int64, error) {
	whole, frac, _ := strings.Cut(strings.ReplaceAll(s, ",", ""), ".")
	if len(frac) > 2 {
		return 0, igny8.InvalidField("amount_received", "Use at most two decimals.")
	}
	frac = (frac + "00")[:2]
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n < 0 {
		return 0, igny8.InvalidField("amount_received", "Enter an amount like 89.00.")
	}
	return n, nil
}
