package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

type refreshRequest struct {
	RefreshToken string `json:"refresh_token" max:"128"`
}

type acceptInviteRequest struct {
	Token    string `json:"token" max:"128"`
	Password string `json:"password" max:"256"`
	Name     string `json:"name,omitempty" max:"100"`
}

func (h *Handler) refresh(w http.ResponseWriter, r *http.Request) error {
	var in refreshRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	rot, err := h.Flow.Refresh(r.Context(), in.RefreshToken)
	if err != nil {
		return err
	}
	resp, err := h.tokenPair(rot.User, rot.Account, rot.Family, rot.RefreshToken)
	if err != nil {
		return err
	}
	resp.MFAEnrolmentRequired = rot.MustEnrol()
	return httpx.WriteJSON(w, http.StatusOK, resp)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if p := igny8.PrincipalFrom(r.Context()); p != nil && p.Kind == igny8.CredentialSession {
		return h.endWebSession(w, r)
	}
	if err := h.Flow.Logout(r.Context(), ""); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) acceptInvite(w http.ResponseWriter, r *http.Request) error {
	var in acceptInviteRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	a, err := h.Flow.AcceptInvitation(r.Context(), igny8.CredentialJWT, in.Token, in.Name, in.Password)
	if err != nil {
		return err
	}
	resp, err := h.issue(r, a)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, resp)
}
