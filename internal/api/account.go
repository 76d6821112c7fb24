package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

func (h *Handler) accountRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/account", summary: "The caller's account with its plan, credits and status", tag: "account",
			access: tenant, action: igny8.ActReadAccount, suspendedOwner: true, out: igny8.Account{}, h: h.getAccount},
	}
}

func (h *Handler) getAccount(w http.ResponseWriter, r *http.Request) error {
	acct, err := h.Accounts.CurrentAccount(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, acct)
}
