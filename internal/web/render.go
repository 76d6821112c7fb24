package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

//go:embed templates/*.html templates/*/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds one parsed template set per page: the layout, the page and
// the partials of its folder, when it has one (templates/profile/*.html
// are the sections of templates/profile.html).
type pages struct {
	byName map[string]*template.Template
}

func mustParsePages() *pages {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	ps := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		parts, err := fs.Glob(templateFS, "templates/"+base+"/*.html")
		if err != nil {
			panic(err)
		}
		t := template.New(base).Funcs(funcs)
		ps.byName[base] = template.Must(t.ParseFS(templateFS, append([]string{"templates/layout.html", n}, parts...)...))
	}
	return ps
}

// view is what every page template gets: the visit (for the navigation
// and the account banner), the CSRF token for its forms, a notice after a
// redirect, and the page's own data.
type view struct {
	// Path is the page's path, where the banner's "send again" returns.
	Path   string
	Title  string
	V      *visit
	CSRF   string
	Notice string
	Now    time.Time
	Page   any
}

// render writes page name with data and status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, v *visit, status int, name, title string, data any) error {
	t, ok := h.pages.byName[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	vw := view{Path: r.URL.Path, Title: title, V: v, Now: h.Now(), Page: data, Notice: notices[r.URL.Query().Get("notice")]}
	if v == nil {
		vw.V = &visit{}
	}
	if vw.V.Session != nil {
		vw.CSRF = vw.V.Session.CSRFToken
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", vw); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// errorPage is the data of the friendly error page.
type errorPage struct {
	Status    int
	Heading   string
	Message   string
	RequestID string
	// Gated is a member of an account the account gate refuses: every
	// page of the account answers the same, so the page offers to log out
	// instead of a link back to it.
	Gated bool
	// Unverified is a refusal for want of a confirmed address: the page
	// offers to send the link again.
	Unverified bool
}

// fail answers err as a friendly page; internals are logged with the
// request id and never shown. Unauthenticated errors send the browser to
// the login page.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	if isCode(err, igny8.EUnauthenticated) {
		h.clearCookie(w, r)
		http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
		return
	}
	status := httpx.StatusOf(err)
	ep := errorPage{Status: status, Heading: headings[status], Message: igny8.ErrorMessage(err),
		RequestID: httpx.RequestID(r.Context())}
	if ep.Heading == "" {
		ep.Heading = http.StatusText(status)
	}
	switch igny8.ErrorCode(err) {
	case igny8.EAccountSuspended, igny8.EAccountCancelled, igny8.EPlanInactive:
		ep.Gated = v != nil && v.P != nil && v.P.AccountID != ""
	case igny8.EEmailUnverified:
		ep.Unverified = v != nil && v.P != nil
	}
	if status >= 500 {
		h.Logger.ErrorContext(r.Context(), "page failed", "request_id", ep.RequestID, "method", r.Method,
			"path", r.URL.Path, "err", err.Error())
		ep.Message = "Something went wrong on our side. Please try again in a moment."
	}
	if rerr := h.render(w, r, v, status, "error", ep.Heading, ep); rerr != nil {
		h.Logger.ErrorContext(r.Context(), "render error page", "err", rerr.Error())
		http.Error(w, "Something went wrong.", http.StatusInternalServerError)
	}
}

var headings = map[int]string{
	http.StatusBadRequest:          "That did not work",
	http.StatusPaymentRequired:     "Not enough credits",
	http.StatusForbidden:           "Not allowed",
	http.StatusNotFound:            "Page not found",
	http.StatusConflict:            "That clashes with something",
	http.StatusUnprocessableEntity: "Please check what you entered",
	http.StatusTooManyRequests:     "Too many attempts",
	http.StatusInternalServerError: "Something went wrong",
}

func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	fsrv := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}
