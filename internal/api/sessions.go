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

// loginGate passes a person about to receive tokens through the same gate
// as every request (the owner of a suspended account may still log in, to
// reach billing) and returns their account, if any.
func (h *Handler) loginGate(r *http.Request, p *igny8.Principal, gate igny8.GateInput) (*igny8.Account, error) {
	if p.AccountID == "" {
		return nil, nil
	}
	p.Kind = igny8.CredentialJWT
	if err := h.checkGate(route{suspendedOwner: true}, p, gate); err != nil {
		return nil, err
	}
	return h.Accounts.CurrentAccount(igny8.WithPrincipal(r.Context(), p))
}

func (h *Handler) refresh(w http.ResponseWriter, r *http.Request) error {
	var in refreshRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if in.RefreshToken == "" {
		return igny8.InvalidField("refresh_token", "is required")
	}
	next, nextHash := h.Secrets.NewToken()
	var p *igny8.Principal
	var acct *igny8.Account
	// The gate approves before the token is spent, so a refused refresh
	// (a suspended account) leaves the token usable after reactivation.
	approve := func(userID, family string) error {
		var gate igny8.GateInput
		var err error
		if p, gate, err = h.Sessions.PrincipalForToken(r.Context(), userID, family); err != nil {
			return err
		}
		acct, err = h.loginGate(r, p, gate)
		return err
	}
	_, family, err := h.Sessions.RotateRefreshToken(r.Context(), h.Secrets.HashToken(in.RefreshToken),
		nextHash, h.Now().Add(h.Config.RefreshTTL), approve)
	if err != nil {
		return err
	}
	user, err := h.Identity.CurrentUser(igny8.WithPrincipal(r.Context(), p))
	if err != nil {
		return err
	}
	resp, err := h.tokenPair(user, acct, family, next)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, resp)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if p := igny8.PrincipalFrom(r.Context()); p != nil && p.Kind == igny8.CredentialSession {
		return h.endWebSession(w, r)
	}
	if err := h.Sessions.RevokeSession(r.Context()); err != nil {
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
	var fields []igny8.FieldError
	if in.Token == "" {
		fields = append(fields, igny8.FieldError{Field: "token", Message: "is required"})
	}
	if msg := passwordFault(in.Password); msg != "" {
		fields = append(fields, igny8.FieldError{Field: "password", Message: msg})
	}
	if name := igny8.TrimName(in.Name); name != "" {
		if msg := igny8.NameFault(name, igny8.MaxNameLen); msg != "" {
			fields = append(fields, igny8.FieldError{Field: "name", Message: msg})
		}
	}
	if len(fields) > 0 {
		return igny8.Invalid("The invitation form has errors.", fields...)
	}
	hash, err := h.Passwords.Hash(in.Password)
	if err != nil {
		return err
	}
	user, err := h.Members.AcceptInvitation(r.Context(), h.Secrets.HashToken(in.Token), in.Name, hash)
	if err != nil {
		return err
	}
	h.Logger.InfoContext(r.Context(), "invitation accepted", "user_id", user.ID, "account_id", *user.AccountID)
	p, gate, err := h.Identity.PrincipalForUser(r.Context(), user.ID)
	if err != nil {
		return err
	}
	acct, err := h.loginGate(r, p, gate)
	if err != nil {
		return err
	}
	resp, err := h.issue(r, user, acct)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, resp)
}
