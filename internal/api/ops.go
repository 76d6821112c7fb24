package api

import (
	"context"
	"net/http"
	"time"

	"github.com/igny8/igny8/internal/httpx"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The OpenAPI documentation of this file's handlers (the rows are in routes.go).
func init() {
	document(docs{
		"healthz": {summary: "Liveness: the process is up (never throttled)", out: health{}},
		"readyz":  {summary: "Readiness: the database answers; component details (never throttled)", out: health{}},
		"metrics": {summary: "Prometheus metrics (never throttled)"},
		"jwks":    {summary: "Public keys that verify access tokens"},
		"openapi": {summary: "This API's OpenAPI 3.1 document"},
	})
}

type health struct {
	Status  string            `json:"status"`
	Details map[string]string `json:"details,omitempty"`
}

func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) error {
	return httpx.WriteJSON(w, http.StatusOK, health{Status: "ok"})
}

func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) error {
	if h.Ready == nil {
		return httpx.WriteJSON(w, http.StatusOK, health{Status: "ok"})
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	details, err := h.Ready(ctx)
	if err != nil {
		h.Logger.WarnContext(r.Context(), "not ready", "err", err.Error())
		return httpx.WriteJSON(w, http.StatusServiceUnavailable, health{Status: "unavailable", Details: details})
	}
	return httpx.WriteJSON(w, http.StatusOK, health{Status: "ok", Details: details})
}

func (h *Handler) metrics(w http.ResponseWriter, r *http.Request) error {
	if h.Metrics == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	promhttp.HandlerFor(h.Metrics, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	return nil
}

func (h *Handler) jwks(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=60")
	return httpx.WriteJSON(w, http.StatusOK, h.Tokens.JWKS())
}
