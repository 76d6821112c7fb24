package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/igny8/igny8"
)

// adminCreditsPage is the admin console's credit packs: every pack with
// its edit form, a form for a new one, and the purchases (pending ones
// first) with the confirm and reject forms of a bank transfer.
type adminCreditsPage struct {
	Packs     []igny8.CreditPack
	Purchases []igny8.CreditPurchase
	Status    string
	NextURL   string
	FormError string
	// ErrorFor is the pack slug ("new" for the new pack form) or the
	// purchase id whose form failed.
	ErrorFor string
}

func (h *Handler) adminCredits(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.renderAdminCredits(w, r, v, http.StatusOK, &adminCreditsPage{})
}

func (h *Handler) renderAdminCredits(w http.ResponseWriter, r *http.Request, v *visit, status int, pg *adminCreditsPage) error {
	if h.AdminPacks == nil {
		return igny8.Errorf(igny8.ENotFound, "Credit packs are not sold here.")
	}
	packs, err := h.AdminPacks.AdminCreditPacks(r.Context())
	if err != nil {
		return err
	}
	pg.Packs = packs
	if pg.Status, pg.Purchases, pg.NextURL, err = listByStatus(r, "/admin/credits", igny8.PaymentPending, &pg.FormError,
		h.AdminPacks.ListCreditPurchases); err != nil {
		return err
	}
	return h.render(w, r, v, status, "admin_credits", "Admin · Credit packs", pg)
}

// packFields reads a pack form: credits, the price typed as 49.00, the
// Stripe price and whether it is on sale.
func packFields(r *http.Request) (credits, price int64, priceID string, active bool, err error) {
	var fields []igny8.FieldError
	credits, cerr := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("credits")), 10, 64)
	if cerr != nil {
		fields = append(fields, igny8.FieldError{Field: "credits", Message: "enter a whole number"})
	}
	price, perr := parseAmount(r.PostFormValue("price"))
	if perr != nil {
		fields = append(fields, igny8.FieldError{Field: "price", Message: "enter a price like 49.00"})
	}
	if len(fields) > 0 {
		return 0, 0, "", false, igny8.Invalid("The credit pack has errors.", fields...)
	}
	return credits, price, strings.TrimSpace(r.PostFormValue("stripe_price_id")), r.PostFormValue("is_active") == "yes", nil
}

func (h *Handler) adminSavePack(w http.ResponseWriter, r *http.Request, v *visit) error {
	if h.AdminPacks == nil {
		return igny8.Errorf(igny8.ENotFound, "Credit packs are not sold here.")
	}
	slug := r.PathValue("slug")
	var err error = errNotConfirmed
	if confirmed(r) {
		var credits, price int64
		var priceID string
		var active bool
		if credits, price, priceID, active, err = packFields(r); err == nil {
			if slug == "" {
				_, err = h.AdminPacks.CreateCreditPack(r.Context(), igny8.NewCreditPack{Slug: strings.TrimSpace(r.PostFormValue("slug")),
					Credits: credits, Price: price, Currency: strings.TrimSpace(r.PostFormValue("currency")),
					StripePriceID: priceID, IsActive: &active})
			} else {
				_, err = h.AdminPacks.UpdateCreditPack(r.Context(), slug, igny8.CreditPackPatch{Credits: &credits, Price: &price,
					StripePriceID: &priceID, IsActive: &active})
			}
		}
	}
	if err != nil {
		msg, ok := adminFailed(err)
		if !ok {
			return err
		}
		target := slug
		if target == "" {
			target = "new"
		}
		return h.renderAdminCredits(w, r, v, statusFor(err), &adminCreditsPage{FormError: msg, ErrorFor: target})
	}
	http.Redirect(w, r, "/admin/credits?notice=pack_saved", http.StatusSeeOther)
	return nil
}

func (h *Handler) adminDecidePurchase(w http.ResponseWriter, r *http.Request, v *visit) error {
	if h.AdminPacks == nil {
		return igny8.Errorf(igny8.ENotFound, "Credit packs are not sold here.")
	}
	id, decision := r.PathValue("id"), r.PathValue("decision")
	var err error = errNotConfirmed
	if confirmed(r) {
		switch decision {
		case "confirm":
			_, err = h.AdminPacks.ConfirmCreditPurchase(r.Context(), id, igny8.PaymentConfirmation{
				ExternalReference: strings.TrimSpace(r.PostFormValue("external_reference")), Note: strings.TrimSpace(r.PostFormValue("note"))})
		case "reject":
			_, err = h.AdminPacks.RejectCreditPurchase(r.Context(), id, igny8.PaymentRejection{Reason: strings.TrimSpace(r.PostFormValue("reason"))})
		default:
			err = igny8.NotFound("Action")
		}
	}
	if err != nil {
		msg, ok := adminFailed(err)
		if !ok {
			return err
		}
		return h.renderAdminCredits(w, r, v, statusFor(err), &adminCreditsPage{FormError: msg, ErrorFor: id})
	}
	http.Redirect(w, r, "/admin/credits?notice=purchase_"+decision+"ed", http.StatusSeeOther)
	return nil
}

// packFormData is a pack edit form: the pack (zero for a new one), its
// price as typed and the CSRF token.
type packFormData struct {
	Pack  igny8.CreditPack
	Price string
	CSRF  string
}

// packForm builds the form of pack p, or of a new pack when p is nil.
func packForm(p any, csrf string) packFormData {
	pack, ok := p.(igny8.CreditPack)
	if !ok {
		return packFormData{CSRF: csrf, Price: "", Pack: igny8.CreditPack{Currency: "USD", IsActive: true}}
	}
	return packFormData{Pack: pack, CSRF: csrf, Price: fmt.Sprintf("%d.%02d", pack.Price/100, pack.Price%100)}
}

// adminIncidentsPage lists the refunds and disputes of card payments,
// open ones by default, with the resolve form.
type adminIncidentsPage struct {
	Incidents []igny8.PaymentIncident
	Status    string
	NextURL   string
	FormError string
	ErrorFor  string
}

func (h *Handler) adminIncidents(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.renderAdminIncidents(w, r, v, http.StatusOK, &adminIncidentsPage{})
}

func (h *Handler) renderAdminIncidents(w http.ResponseWriter, r *http.Request, v *visit, status int, pg *adminIncidentsPage) error {
	if h.Incidents == nil {
		return igny8.Errorf(igny8.ENotFound, "Payment incidents are not recorded here.")
	}
	var err error
	if pg.Status, pg.Incidents, pg.NextURL, err = listByStatus(r, "/admin/incidents", igny8.IncidentOpen, &pg.FormError,
		h.Incidents.ListPaymentIncidents); err != nil {
		return err
	}
	return h.render(w, r, v, status, "admin_incidents", "Admin · Payment incidents", pg)
}

func (h *Handler) adminResolveIncident(w http.ResponseWriter, r *http.Request, v *visit) error {
	if h.Incidents == nil {
		return igny8.Errorf(igny8.ENotFound, "Payment incidents are not recorded here.")
	}
	id := r.PathValue("id")
	var err error = errNotConfirmed
	if confirmed(r) {
		_, err = h.Incidents.ResolvePaymentIncident(r.Context(), id, igny8.IncidentResolution{Note: strings.TrimSpace(r.PostFormValue("note"))})
	}
	if err != nil {
		msg, ok := adminFailed(err)
		if !ok {
			return err
		}
		return h.renderAdminIncidents(w, r, v, statusFor(err), &adminIncidentsPage{FormError: msg, ErrorFor: id})
	}
	http.Redirect(w, r, "/admin/incidents?notice=incident_resolved", http.StatusSeeOther)
	return nil
}

// listByStatus reads one page (25 rows) of an admin list filtered by the
// status of the query (def when absent) for the page at path: the status,
// the rows and the next page's URL. A refused status or cursor is shown as
// the page's form error (unless one is already set), never a failure.
func listByStatus[T any](r *http.Request, path, def string, formError *string,
	list func(ctx context.Context, status string, page igny8.PageRequest) (*igny8.Page[T], error)) (status string, items []T, next string, err error) {
	q := r.URL.Query()
	status = def
	if s, ok := q["status"]; ok {
		status = s[0]
	}
	page, err := list(r.Context(), status, igny8.PageRequest{Limit: 25, Cursor: q.Get("cursor")})
	if isCode(err, igny8.EValidation) {
		if *formError == "" {
			*formError = igny8.ErrorMessage(err)
		}
		return status, nil, "", nil
	}
	if err != nil {
		return status, nil, "", err
	}
	if page.NextCursor != nil {
		next = path + "?" + withCursor(q, *page.NextCursor)
	}
	return status, page.Items, next, nil
}
