package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/igny8/igny8"
)

// adminPlansPage lists every plan with an edit form each and a form for
// a new plan.
type adminPlansPage struct {
	Plans     []igny8.Plan
	FormError string
	ErrorFor  string
}

func (h *Handler) adminPlans(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.renderAdminPlans(w, r, v, http.StatusOK, &adminPlansPage{})
}

func (h *Handler) renderAdminPlans(w http.ResponseWriter, r *http.Request, v *visit, status int, pg *adminPlansPage) error {
	plans, err := h.AdminBilling.AdminPlans(r.Context())
	if err != nil {
		return err
	}
	pg.Plans = plans
	return h.render(w, r, v, status, "admin_plans", "Admin · Plans", pg)
}

// planFields reads the numbers of a plan form. Errors: validation_failed
// naming each field that is not a number.
func planFields(r *http.Request) (igny8.Plan, error) {
	p := igny8.Plan{Slug: strings.TrimSpace(r.PostFormValue("slug")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Currency: "USD", BillingPeriod: "month", IsActive: r.PostFormValue("is_active") == "yes",
		StripePriceID: strings.TrimSpace(r.PostFormValue("stripe_price_id"))}
	var fields []igny8.FieldError
	price, err := parseAmount(r.PostFormValue("price"))
	if err != nil {
		fields = append(fields, igny8.FieldError{Field: "price", Message: "enter a price like 89.00"})
	}
	p.Price = price
	ints := map[string]*int{"max_sites": &p.MaxSites, "max_users": &p.MaxUsers,
		"max_sectors_per_site": &p.MaxSectorsPerSite, "api_requests_per_minute": &p.APIRequestsPerMinute}
	for name, dst := range ints {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
		if err != nil {
			fields = append(fields, igny8.FieldError{Field: name, Message: "enter a whole number"})
		}
		*dst = n
	}
	if p.IncludedCredits, err = strconv.ParseInt(strings.TrimSpace(r.PostFormValue("included_credits")), 10, 64); err != nil {
		fields = append(fields, igny8.FieldError{Field: "included_credits", Message: "enter a whole number"})
	}
	if len(fields) > 0 {
		return p, igny8.Invalid("The plan has errors.", fields...)
	}
	return p, nil
}

func (h *Handler) adminSavePlan(w http.ResponseWriter, r *http.Request, v *visit) error {
	slug := r.PathValue("slug")
	var err error = errNotConfirmed
	if confirmed(r) {
		var p igny8.Plan
		if p, err = planFields(r); err == nil {
			if slug == "" {
				_, err = h.AdminBilling.CreatePlan(r.Context(), p)
			} else {
				_, err = h.AdminBilling.UpdatePlan(r.Context(), slug, igny8.PlanPatch{Name: &p.Name, Price: &p.Price,
					IncludedCredits: &p.IncludedCredits, MaxSites: &p.MaxSites, MaxUsers: &p.MaxUsers,
					MaxSectorsPerSite: &p.MaxSectorsPerSite, APIRequestsPerMinute: &p.APIRequestsPerMinute, IsActive: &p.IsActive,
					StripePriceID: &p.StripePriceID})
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
		return h.renderAdminPlans(w, r, v, statusFor(err), &adminPlansPage{FormError: msg, ErrorFor: target})
	}
	http.Redirect(w, r, "/admin/plans?notice=plan_saved", http.StatusSeeOther)
	return nil
}
