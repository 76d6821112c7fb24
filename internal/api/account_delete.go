package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// The owner's deletion of the whole account and the admin's undo within
// retention: the OpenAPI documentation of their handlers (the rows are in
// routes.go).
func init() {
	document(docs{
		"deleteAccount": {summary: "Delete the account with everything it owns (owner, confirming with the password)",
			in: deleteAccountRequest{}, status: http.StatusNoContent},
		"listDeletedAccounts": {summary: "Accounts their owners deleted that can still be restored",
			out: igny8.Page[igny8.DeletedAccount]{}, query: pageParams},
		"restoreAccount": {summary: "Restore an account its owner deleted, within retention", out: igny8.Account{}},
	})
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
