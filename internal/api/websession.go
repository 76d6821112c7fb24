package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// crossOrigin refuses state-changing requests that a browser marks as
// cross-site (Sec-Fetch-Site, or an Origin that is not the host), so that
// another site cannot spend a logged-in browser's session cookie.
var crossOrigin = http.NewCrossOriginProtection()

// sessionPrincipal resolves the web app's session cookie when the request
// carries no other credential: the JSON API then acts for the logged-in
// browser through the same gate as every other credential. A cookie that
// does not resolve is unauthenticated; a cross-origin state-changing call
// is forbidden.
func (h *Handler) sessionPrincipal(r *http.Request) (*igny8.Principal, igny8.GateInput, error) {
	if h.WebSessions == nil || r.Header.Get("Authorization") != "" || r.Header.Get("X-API-Key") != "" {
		return nil, igny8.GateInput{}, nil
	}
	c, err := r.Cookie(igny8.SessionCookie)
	if err != nil || c.Value == "" {
		return nil, igny8.GateInput{}, nil
	}
	if err := crossOrigin.Check(r); err != nil {
		return nil, igny8.GateInput{}, igny8.Errorf(igny8.EForbidden, "Cross-site requests made with the session cookie are refused.")
	}
	p, gate, _, err := h.WebSessions.ResolveSession(r.Context(), c.Value)
	if err != nil {
		return nil, gate, err
	}
	return p, gate, nil
}

// endWebSession is logout for a caller authenticated by the session
// cookie: the web session is revoked and the cookie cleared.
func (h *Handler) endWebSession(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(igny8.SessionCookie); err == nil {
		if err := h.Flow.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: igny8.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: httpx.OverHTTPS(r, h.Config.TrustProxyHeaders)})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
