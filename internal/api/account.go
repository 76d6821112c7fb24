package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// The OpenAPI documentation of this file's handlers (the rows are in routes.go).
func init() {
	document(docs{
		"getAccount":   {summary: "The caller's account with its plan, credits and status", out: igny8.Account{}},
		"patchAccount": {summary: "Change the account's name, billing email or (the owner only) optional e-mail notices, or whether everyone must use two-step login (the owner, from a login that used it)", in: igny8.AccountPatch{}, out: igny8.Account{}},
	})
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
