package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// The OpenAPI documentation of this file's handlers (the rows are in routes.go).
func init() {
	document(docs{
		"listAPIKeys": {summary: "The account's API keys (prefix, name, site, role, created, last used, expiry)",
			out: igny8.Page[igny8.APIKey]{}, query: pageParams},
		"createAPIKey": {summary: "Create an API key; its secret is answered once",
			in: igny8.NewAPIKey{}, out: createdAPIKey{}, status: http.StatusCreated},
		"revokeAPIKey": {summary: "Revoke an API key at once", status: http.StatusNoContent},
		"rotateAPIKey": {summary: "Give an API key a new secret; the old one works for a grace window (default 24 h)",
			in: rotateRequest{}, out: createdAPIKey{}},
	})
}

// createdAPIKey is a key with its secret, answered only at creation and
// rotation.
type createdAPIKey struct {
	igny8.APIKey
	Key string `json:"key"`
}

type rotateRequest struct {
	// GraceHours is how long the previous secret keeps working (0-168, default 24).
	GraceHours *int `json:"grace_hours,omitempty" min:"0" max:"168"`
}

// pageFromQuery reads the limit and cursor query parameters of a list.
// Errors: validation_failed for a limit outside 1..MaxPageSize.
func pageFromQuery(r *http.Request) (igny8.PageRequest, error) {
	var p igny8.PageRequest
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > igny8.MaxPageSize {
			return p, igny8.InvalidField("limit", "must be a number from 1 to "+strconv.Itoa(igny8.MaxPageSize))
		}
		p.Limit = n
	}
	p.Cursor = r.URL.Query().Get("cursor")
	return p.Normalized(), nil
}

func (h *Handler) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	keys, err := h.APIKeys.ListAPIKeys(r.Context(), page)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, keys)
}

func (h *Handler) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in igny8.NewAPIKey
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	secret := h.Secrets.NewAPIKey()
	key, err := h.APIKeys.CreateAPIKey(r.Context(), in, secret)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, createdAPIKey{APIKey: *key, Key: secret.Key})
}

func (h *Handler) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	if err := h.APIKeys.RevokeAPIKey(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) rotateAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in rotateRequest
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
	}
	grace := igny8.DefaultAPIKeyGrace
	if in.GraceHours != nil {
		grace = time.Duration(*in.GraceHours) * time.Hour
	}
	secret := h.Secrets.NewAPIKey()
	key, err := h.APIKeys.RotateAPIKey(r.Context(), r.PathValue("id"), secret.Hash, grace)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, createdAPIKey{APIKey: *key, Key: secret.KeyWithPrefix(key.Prefix)})
}
