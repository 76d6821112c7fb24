package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/igny8/igny8"
)

func (h *Handler) createAPIKey(w http.ResponseWriter, r *http.Request, v *visit) error {
	in := igny8.NewAPIKey{Name: strings.TrimSpace(r.PostFormValue("name")), Role: igny8.Role(r.PostFormValue("role")),
		SiteID: optional(r.PostFormValue("site_id"))}
	if s := strings.TrimSpace(r.PostFormValue("expires_on")); s != "" {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return h.accountFailed(w, r, v, "keys", igny8.InvalidField("expires_on", "Use a date like 2027-01-31."))
		}
		in.ExpiresAt = &t
	}
	secret := h.Secrets.NewAPIKey()
	key, err := h.APIKeys.CreateAPIKey(r.Context(), in, secret)
	if err != nil {
		return h.accountFailed(w, r, v, "keys", err)
	}
	return h.renderAccount(w, r, v, http.StatusCreated, &accountPage{NewKey: secret.KeyWithPrefix(key.Prefix)})
}

func (h *Handler) rotateAPIKey(w http.ResponseWriter, r *http.Request, v *visit) error {
	if !confirmed(r) {
		return h.accountFailed(w, r, v, "keys", errNotConfirmed)
	}
	secret := h.Secrets.NewAPIKey()
	key, err := h.APIKeys.RotateAPIKey(r.Context(), r.PathValue("id"), secret.Hash, igny8.DefaultAPIKeyGrace)
	if err != nil {
		return h.accountFailed(w, r, v, "keys", err)
	}
	return h.renderAccount(w, r, v, http.StatusOK, &accountPage{NewKey: secret.KeyWithPrefix(key.Prefix)})
}

func (h *Handler) revokeAPIKey(w http.ResponseWriter, r *http.Request, v *visit) error {
	if !confirmed(r) {
		return h.accountFailed(w, r, v, "keys", errNotConfirmed)
	}
	if err := h.APIKeys.RevokeAPIKey(r.Context(), r.PathValue("id")); err != nil {
		return h.accountFailed(w, r, v, "keys", err)
	}
	http.Redirect(w, r, "/account?notice=key_revoked#keys", http.StatusSeeOther)
	return nil
}
