package api

import (
	"net/http"
	"strconv"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// The OpenAPI documentation of this file's handlers (the rows are in routes.go).
func init() {
	document(docs{
		"listUsers": {summary: "The account's users; deleted=true: the removed users that can still be restored",
			out: igny8.Page[igny8.User]{}, query: userFilters},
		"inviteUser": {summary: "Invite a person (not a live user's email): answers a one-time link valid 7 days; accepting restores a user removed from this account, or replaces one removed from another",
			in: igny8.NewInvitation{}, out: invitationResponse{}, status: http.StatusCreated},
		"updateUser": {summary: "Change a user's name or role (never the owner's)", in: igny8.UserPatch{}, out: igny8.User{}},
		"removeUser": {summary: "Remove a user (never the owner); their tokens stop at once; restorable during retention",
			status: http.StatusNoContent},
		"restoreUser": {summary: "Restore a removed user within retention, with their role and site grants (within the plan's max_users)",
			out: igny8.User{}},
		"listInvitations": {summary: "The account's pending invitations: those that can still be accepted (not expired, not to an e-mail that has become a live user's)",
			out: igny8.Page[igny8.Invitation]{}, query: pageParams},
		"resendInvitation": {summary: "E-mail a pending invitation again, with a new link valid 7 days (the earlier link stops working); answers the link once, as a fallback",
			out: invitationResponse{}},
		"revokeInvitation": {summary: "Withdraw a pending invitation, freeing its seat", status: http.StatusNoContent},
		"transferOwnership": {summary: "The owner hands ownership to another user and becomes an admin",
			in: transferRequest{}, status: http.StatusNoContent},
	})
}

// invitationResponse is a new invitation with its one-time token and link,
// answered only to the inviter.
type invitationResponse struct {
	Invitation *igny8.Invitation `json:"invitation"`
	Token      string            `json:"token"`
	URL        string            `json:"url"`
}

type transferRequest struct {
	UserID string `json:"user_id" max:"36"`
}

var userFilters = append([]param{{"deleted", "true: the removed users that can still be restored"}}, pageParams...)

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	list := h.Members.ListUsers
	if v := r.URL.Query().Get("deleted"); v != "" {
		deleted, err := strconv.ParseBool(v)
		if err != nil {
			return igny8.InvalidField("deleted", "must be true or false")
		}
		if deleted {
			list = h.Members.ListDeletedUsers
		}
	}
	users, err := list(r.Context(), page)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, users)
}

func (h *Handler) restoreUser(w http.ResponseWriter, r *http.Request) error {
	user, err := h.Members.RestoreUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, user)
}

func (h *Handler) inviteUser(w http.ResponseWriter, r *http.Request) error {
	var in igny8.NewInvitation
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	// The link is a bearer credential: the inviter gets it once, in this
	// answer, and the log never sees it.
	inv, err := h.Flow.Invite(r.Context(), in, httpx.Origin(r, h.Config.TrustProxyHeaders))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, invitationResponse{Invitation: inv.Invitation, Token: inv.Token, URL: inv.Link})
}

func (h *Handler) resendInvitation(w http.ResponseWriter, r *http.Request) error {
	inv, err := h.Flow.ResendInvitation(r.Context(), r.PathValue("id"), httpx.Origin(r, h.Config.TrustProxyHeaders))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, invitationResponse{Invitation: inv.Invitation, Token: inv.Token, URL: inv.Link})
}

func (h *Handler) listInvitations(w http.ResponseWriter, r *http.Request) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	invs, err := h.Members.ListInvitations(r.Context(), page)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, invs)
}

func (h *Handler) revokeInvitation(w http.ResponseWriter, r *http.Request) error {
	if err := h.Members.RevokeInvitation(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request) error {
	var in igny8.UserPatch
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	user, err := h.Members.UpdateUser(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, user)
}

func (h *Handler) removeUser(w http.ResponseWriter, r *http.Request) error {
	if err := h.Members.RemoveUser(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) transferOwnership(w http.ResponseWriter, r *http.Request) error {
	var in transferRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if err := h.Flow.TransferOwnership(r.Context(), in.UserID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
