package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// accountDeletionRoutes are the owner's deletion of the whole account and
// the admin's undo within retention.
func (h *Handler) accountDeletionRoutes() []route {
	return []route{
		{method: "DELETE", path: "/api/v1/account", summary: "Delete the account with everything it owns (owner, confirming with the password)",
			tag: "account", access: tenant, action: igny8.ActBilling, suspendedOwner: true, in: deleteAccountRequest{},
			status: http.StatusNoContent, h: h.deleteAccount},
		{method: "GET", path: "/api/v1/admin/accounts/deleted", summary: "Accounts their owners deleted that can still be restored",
			tag: "admin", access: admin, query: pageParams, out: igny8.Page[igny8.DeletedAccount]{}, h: h.listDeletedAccounts},
		{method: "POST", path: "/api/v1/admin/accounts/{id}/restore", summary: "Restore an account its owner deleted, within retention",
			tag: "admin", access: admin, out: igny8.Account{}, h: h.restoreAccount},
	}
}

type deleteAccountRequest struct {
	Password string `json:"password" max:"256"`
}

// deleteAccount checks the owner's password again before the deletion: a
// stolen access token alone must not be able to delete an account.
func (h *Handler) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	var in deleteAccountRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	user, err := h.Flow.ConfirmPassword(r.Context(), in.Password)
	if err != nil {
		return err
	}
	if err := h.AccountDeletion.DeleteAccount(r.Context()); err != nil {
		return err
	}
	h.Logger.InfoContext(r.Context(), "account deleted", "account_id", igny8.PrincipalFrom(r.Context()).AccountID, "user_id", user.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) restoreAccount(w http.ResponseWriter, r *http.Request) error {
	acct, err := h.Retention.RestoreAccount(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, acct)
}

func (h *Handler) listDeletedAccounts(w http.ResponseWriter, r *http.Request) error {
	pr, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	page, err := h.Retention.ListDeletedAccounts(r.Context(), pr)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}
