package web

import (
	"net/http"

	"github.com/igny8/igny8"
)

// adminMailPage is the outbox as the admin console lists it.
type adminMailPage struct {
	Messages  []igny8.Message
	State, To string
	States    []string
	NextURL   string
	FormError string
}

// adminMail lists the messages igny8 made, newest first: with no mail
// server configured they are kept here (and by igny8 mail list) to be read.
func (h *Handler) adminMail(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	pg := &adminMailPage{State: q.Get("state"), To: q.Get("to"), States: igny8.MessageStates()}
	status := http.StatusOK
	page, err := h.AdminMail.ListMessages(r.Context(), igny8.MessageFilter{State: pg.State, To: pg.To},
		igny8.PageRequest{Limit: 50, Cursor: q.Get("cursor")})
	if isCode(err, igny8.EValidation) {
		pg.FormError, status = igny8.ErrorMessage(err), http.StatusUnprocessableEntity
	} else if err != nil {
		return err
	}
	pg.Messages = page.Items
	if page.NextCursor != nil {
		pg.NextURL = "/admin/mail?" + withCursor(q, *page.NextCursor)
	}
	return h.render(w, r, v, status, "admin_mail", "Admin · Mail", pg)
}

// adminMessage shows one message: its state, attempts, last error and
// text, links included.
func (h *Handler) adminMessage(w http.ResponseWriter, r *http.Request, v *visit) error {
	m, err := h.AdminMail.GetMessage(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.render(w, r, v, http.StatusOK, "admin_message", "Admin · Mail · "+m.Subject, m)
}
