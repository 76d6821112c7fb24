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
		"changePassword": {summary: "Change your own password: the current one and a new one under the sign-up rule; every other login (API and web) ends, this one stays, and a notice is e-mailed (a wrong current password spends the e-mail's login budget)",
			in: passwordRequest{}, out: endedLogins{}, status: http.StatusOK},
		"listLogins": {summary: "Your active logins, newest first: API logins (refresh-token families) and web sessions, the one of this request marked current",
			query: pageParams, out: igny8.Page[igny8.Login]{}},
		"endLogin": {summary: "End one of your logins; its access tokens or session cookie are refused from the next request (404 for an id that is not one of yours)",
			status: http.StatusNoContent},
		"endOtherLogins": {summary: "Log out everywhere else: end every login of yours but this one",
			out: endedLogins{}, status: http.StatusOK},
	})
}

// passwordRequest changes the person's own password.
type passwordRequest struct {
	CurrentPassword string `json:"current_password" max:"256"`
	Password        string `json:"password" max:"256"`
}

// FieldFaults implements httpx.FieldChecker: what can be told without the
// current password's check (the workflow's).
func (in passwordRequest) FieldFaults() []igny8.FieldError {
	var fields []igny8.FieldError
	if in.CurrentPassword == "" {
		fields = append(fields, igny8.FieldError{Field: "current_password", Message: "is required"})
	}
	if msg := igny8.PasswordFault(in.Password); msg != "" {
		fields = append(fields, igny8.FieldError{Field: "password", Message: msg})
	}
	return fields
}

// endedLogins says how many other logins a change ended.
type endedLogins struct {
	EndedLogins int `json:"ended_logins"`
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

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in passwordRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	n, err := h.Flow.ChangePassword(r.Context(), in.CurrentPassword, in.Password)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, endedLogins{EndedLogins: n})
}

func (h *Handler) listLogins(w http.ResponseWriter, r *http.Request) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	logins, err := h.Flow.Logins(r.Context(), page)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, logins)
}

func (h *Handler) endLogin(w http.ResponseWriter, r *http.Request) error {
	if err := h.Flow.EndLogin(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) endOtherLogins(w http.ResponseWriter, r *http.Request) error {
	n, err := h.Flow.EndOtherLogins(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, endedLogins{EndedLogins: n})
}
