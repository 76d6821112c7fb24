package httpx

import (
	"net"
	"net/http"
	"strings"

	"github.com/igny8/igny8"
)

// HSTS is the Strict-Transport-Security value sent over HTTPS: two years,
// subdomains included.
const HSTS = "max-age=63072000; includeSubDomains"

// SecurityHeaders sets on every answer, before next runs (so errors, 404s,
// redirects, static files and recovered panics carry them too):
// X-Content-Type-Options: nosniff, Referrer-Policy:
// strict-origin-when-cross-origin, and Strict-Transport-Security when the
// request came over TLS, or through a trusted proxy (trustProxy) that says
// X-Forwarded-Proto: https. The pages add their Content-Security-Policy
// themselves (internal/web/request.go).
func SecurityHeaders(trustProxy bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if overHTTPS(r, trustProxy) {
			h.Set("Strict-Transport-Security", HSTS)
		}
		next.ServeHTTP(w, r)
	})
}

// overHTTPS reports whether r reached the client's side over HTTPS: TLS here,
// or X-Forwarded-Proto: https from a trusted proxy.
func overHTTPS(r *http.Request, trustProxy bool) bool {
	return r.TLS != nil || (trustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

// OverHTTPS reports whether r reached the client's side over HTTPS: TLS
// here, or X-Forwarded-Proto: https from a trusted proxy (trustProxy). The
// Secure mark of cookies, the scheme of links and HSTS all ask it.
func OverHTTPS(r *http.Request, trustProxy bool) bool { return overHTTPS(r, trustProxy) }

// Origin is the scheme and host r was sent to ("https://example.com"),
// for links back to this site (invitation links).
func Origin(r *http.Request, trustProxy bool) string {
	if OverHTTPS(r, trustProxy) {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// ClientIP is the address r came from. Behind a trusted proxy (trustProxy)
// it is the rightmost X-Forwarded-For entry, the one that proxy added,
// which the client cannot choose: entries to its left are the client's to
// forge. Throttle budgets per address use it on every surface.
func ClientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := strings.Join(r.Header.Values("X-Forwarded-For"), ","); xff != "" {
			last := xff[strings.LastIndexByte(xff, ',')+1:]
			if ip := net.ParseIP(strings.TrimSpace(last)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// LoginClient is the client of a login made by r: its address (ClientIP)
// and its User-Agent, made safe to keep and show (igny8.NewClient).
func LoginClient(r *http.Request, trustProxy bool) igny8.Client {
	return igny8.NewClient(ClientIP(r, trustProxy), r.UserAgent())
}
