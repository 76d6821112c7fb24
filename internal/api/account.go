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
		{method: "PATCH", path: "/api/v1/account", summary: "Change the account's name, billing email, or whether everyone must use two-step login (the owner, from a login that used it)", tag: "account",
			access: tenant, action: igny8.ActEditAccount, in: igny8.AccountPatch{}, out: igny8.Account{}, h: h.patchAccount},
	}
}

func (h *Handler) getAccount(w http.ResponseWriter, r *http.Request) error {
	acct, err := h.Accounts.CurrentAccount(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, acct)
}

func (h *Handler) patchAccount(w http.ResponseWriter, r *http.Request) error {
	var in igny8.AccountPatch
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	acct, err := h.Accounts.UpdateAccount(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, acct)
}
