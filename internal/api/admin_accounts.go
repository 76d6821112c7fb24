package api

import (
	"context"
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// The OpenAPI documentation of this file's handlers (the rows are in routes.go).
func init() {
	document(docs{
		"adminListAccounts": {summary: "All accounts, filtered by status and searched by name or email",
			out: igny8.Page[igny8.Account]{}, query: append([]param{{"status", "trial, active, suspended or cancelled"}, {"search", "part of a name or email"}}, pageParams...)},
		"adminSuspend": {summary: "Suspend an account: its keys, sessions and tokens are refused at once",
			in: reasonRequest{}, out: igny8.Account{}},
		"adminReactivate": {summary: "Reactivate a suspended or cancelled account", in: reasonRequest{}, out: igny8.Account{}},
		"adminCancel":     {summary: "Cancel an account", in: reasonRequest{}, out: igny8.Account{}},
	})
}

type reasonRequest struct {
	Reason string `json:"reason" max:"500"`
}

func (h *Handler) adminListAccounts(w http.ResponseWriter, r *http.Request) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	accounts, err := h.AdminAccounts.ListAccounts(r.Context(), igny8.AccountFilter{Status: q.Get("status"), Search: q.Get("search"), Page: page})
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, accounts)
}

func (h *Handler) adminSuspend(w http.ResponseWriter, r *http.Request) error {
	return h.adminStatus(w, r, h.AdminAccounts.SuspendAccount)
}

func (h *Handler) adminReactivate(w http.ResponseWriter, r *http.Request) error {
	return h.adminStatus(w, r, h.AdminAccounts.ReactivateAccount)
}

func (h *Handler) adminCancel(w http.ResponseWriter, r *http.Request) error {
	return h.adminStatus(w, r, h.AdminAccounts.CancelAccount)
}

// adminStatus serves one of the status actions; the body (a reason) is optional.
func (h *Handler) adminStatus(w http.ResponseWriter, r *http.Request, act func(ctx context.Context, id, reason string) (*igny8.Account, error)) error {
	var in reasonRequest
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
	}
	acct, err := act(r.Context(), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, acct)
}
