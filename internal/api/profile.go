package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// The person's own profile: their name, password and active logins. An API
// key calling these is refused like on /auth/me: it has no login.
func init() {
	document(docs{
		"updateMe": {summary: "Change your own name (the rule of sign-up); answers as GET /auth/me (an API key gets 403 forbidden: it has no login)",
			in: meRequest{}, out: meResponse{}, status: http.StatusOK},
	})
}

// meRequest changes the person's own name.
type meRequest struct {
	Name string `json:"name" max:"100"`
}

// FieldFaults implements httpx.FieldChecker: the name rule of sign-up.
func (in meRequest) FieldFaults() []igny8.FieldError {
	if msg := igny8.NameFault(igny8.TrimName(in.Name), igny8.MaxNameLen); msg != "" {
		return []igny8.FieldError{{Field: "name", Message: msg}}
	}
	return nil
}

func (h *Handler) updateMe(w http.ResponseWriter, r *http.Request) error {
	var in meRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if _, err := h.Flow.ChangeName(r.Context(), in.Name); err != nil {
		return err
	}
	return h.me(w, r)
}
