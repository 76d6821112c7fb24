package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

func (h *Handler) catalogueRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/plans", summary: "The active plans with their prices and limits", tag: "catalogue",
			out: igny8.Page[igny8.Plan]{}, h: h.listPlans},
		{method: "GET", path: "/api/v1/industries", summary: "Industries, each with its sectors", tag: "catalogue",
			out: igny8.Page[igny8.Industry]{}, h: h.listIndustries},
	}
}

func (h *Handler) listPlans(w http.ResponseWriter, r *http.Request) error {
	plans, err := h.Plans.ListPlans(r.Context(), false)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, igny8.Page[igny8.Plan]{Items: nonNil(plans)})
}

func (h *Handler) listIndustries(w http.ResponseWriter, r *http.Request) error {
	inds, err := h.Industries.ListIndustries(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, igny8.Page[igny8.Industry]{Items: nonNil(inds)})
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
