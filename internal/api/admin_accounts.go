package api

import (
	"context"
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

func (h *Handler) adminAccountRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/admin/accounts", summary: "All accounts, filtered by status and searched by name or email", tag: "admin",
			access: admin, query: append([]param{{"status", "trial, active, suspended or cancelled"}, {"search", "part of a name or email"}}, pageParams...),
			out: igny8.Page[igny8.Account]{}, h: h.adminListAccounts},
		{method: "POST", path: "/api/v1/admin/accounts/{id}/suspend", summary: "Suspend an account: its keys, sessions and tokens are refused at once", tag: "admin",
			access: admin, in: reasonRequest{}, out: igny8.Account{}, h: h.adminStatus(h.adminSuspend)},
		{method: "POST", path: "/api/v1/admin/accounts/{id}/reactivate", summary: "Reactivate a suspended or cancelled account", tag: "admin",
			access: admin, in: reasonRequest{}, out: igny8.Account{}, h: h.adminStatus(h.adminReactivate)},
		{method: "POST", path: "/api/v1/admin/accounts/{id}/cancel", summary: "Cancel an account", tag: "admin",
			access: admin, in: reasonRequest{}, out: igny8.Account{}, h: h.adminStatus(h.adminCancel)},
	}
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

type statusAction func(ctx context.Context, id, reason string) (*igny8.Account, error)

func (h *Handler) adminSuspend(ctx context.Context, id, reason string) (*igny8.Account, error) {
	return h.AdminAccounts.SuspendAccount(ctx, id, reason)
}

func (h *Handler) adminReactivate(ctx context.Context, id, reason string) (*igny8.Account, error) {
	return h.AdminAccounts.ReactivateAccount(ctx, id, reason)
}

func (h *Handler) adminCancel(ctx context.Context, id, reason string) (*igny8.Account, error) {
	return h.AdminAccounts.CancelAccount(ctx, id, reason)
}

// adminStatus serves one of the status actions; the body (a reason) is optional.
func (h *Handler) adminStatus(act statusAction) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
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
}
