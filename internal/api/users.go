package api

import (
	"net/http"
	"net/url"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

func (h *Handler) userRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/account/users", summary: "The account's users", tag: "account",
			access: tenant, action: igny8.ActManageUsers, query: pageParams, out: igny8.Page[igny8.User]{}, h: h.listUsers},
		{method: "POST", path: "/api/v1/account/users", summary: "Invite a person: answers a one-time link valid 7 days", tag: "account",
			access: tenant, action: igny8.ActManageUsers, in: igny8.NewInvitation{}, out: invitationResponse{}, status: http.StatusCreated, h: h.inviteUser},
		{method: "PATCH", path: "/api/v1/account/users/{id}", summary: "Change a user's name or role (never the owner's)", tag: "account",
			access: tenant, action: igny8.ActManageUsers, in: igny8.UserPatch{}, out: igny8.User{}, h: h.updateUser},
		{method: "DELETE", path: "/api/v1/account/users/{id}", summary: "Remove a user (never the owner); their tokens stop at once", tag: "account",
			access: tenant, action: igny8.ActManageUsers, status: http.StatusNoContent, h: h.removeUser},
		{method: "GET", path: "/api/v1/account/invitations", summary: "The account's pending invitations", tag: "account",
			access: tenant, action: igny8.ActManageUsers, query: pageParams, out: igny8.Page[igny8.Invitation]{}, h: h.listInvitations},
		{method: "DELETE", path: "/api/v1/account/invitations/{id}", summary: "Withdraw a pending invitation, freeing its seat", tag: "account",
			access: tenant, action: igny8.ActManageUsers, status: http.StatusNoContent, h: h.revokeInvitation},
		{method: "POST", path: "/api/v1/account/transfer-ownership", summary: "The owner hands ownership to another user and becomes an admin", tag: "account",
			access: tenant, action: igny8.ActManageUsers, in: transferRequest{}, status: http.StatusNoContent, h: h.transferOwnership},
	}
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

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	users, err := h.Members.ListUsers(r.Context(), page)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, users)
}

func (h *Handler) inviteUser(w http.ResponseWriter, r *http.Request) error {
	var in igny8.NewInvitation
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	token, hash := h.Secrets.NewToken()
	inv, err := h.Members.InviteUser(r.Context(), in, hash)
	if err != nil {
		return err
	}
	link := h.inviteURL(r, token)
	// Until e-mail is sent, the log carries the link to the operator.
	h.Logger.InfoContext(r.Context(), "invitation created", "invitation_id", inv.ID, "email", inv.Email,
		"account_id", igny8.PrincipalFrom(r.Context()).AccountID, "url", link)
	return httpx.WriteJSON(w, http.StatusCreated, invitationResponse{Invitation: inv, Token: token, URL: link})
}

// inviteURL is the web page where an invitation is accepted, on the host
// the inviter used.
func (h *Handler) inviteURL(r *http.Request, token string) string {
	scheme := "http"
	if r.TLS != nil || (h.Config.TrustProxyHeaders && r.Header.Get("X-Forwarded-Proto") == "https") {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: "/accept-invite", RawQuery: url.Values{"token": {token}}.Encode()}
	return u.String()
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
	if in.UserID == "" {
		return igny8.InvalidField("user_id", "is required")
	}
	if err := h.Members.TransferOwnership(r.Context(), in.UserID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
