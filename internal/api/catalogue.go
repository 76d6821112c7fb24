package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// The OpenAPI documentation of this file's handlers (the rows are in routes.go).
func init() {
	document(docs{
		"listPlans":      {summary: "The active plans with their prices and limits", out: igny8.Page[igny8.Plan]{}},
		"listIndustries": {summary: "Industries, each with its sectors", out: igny8.Page[igny8.Industry]{}},
	})
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
