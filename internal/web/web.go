// Package web is igny8's browser app: server-rendered pages over the same
// domain services as the JSON API, with session cookies and protection
// against cross-site form posts. Templates and the one stylesheet are
// embedded; every page works without JavaScript.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/workflow"
)

// Secrets mints and hashes the opaque secrets of invitations and API keys
// (internal/auth, adapted by cli).
type Secrets interface {
	// NewToken returns a new opaque token and its hash.
	NewToken() (token, hash string)
	HashToken(token string) string
	// NewAPIKey mints an API key secret (shown once, stored as a hash).
	NewAPIKey() igny8.APIKeySecret
}

// Deps are the services the pages are built on; the same interfaces the
// API uses. Optional fields say so.
type Deps struct {
	Logger *slog.Logger
	// Packs sells credit packs on the credits page (optional).
	Packs igny8.CreditPackService
	// CardPortal opens Stripe's customer portal; nil when card payments
	// are off (then no card button or portal link is shown).
	CardPortal interface {
		BillingPortal(ctx context.Context, returnURL string) (*igny8.BillingPortal, error)
	}
	Plans       igny8.PlanService
	Industries  igny8.IndustryService
	Accounts    igny8.AccountService
	Identity    igny8.IdentityService
	WebSessions igny8.WebSessionService
	Sites       igny8.SiteService
	Members     igny8.MemberService
	APIKeys     igny8.APIKeyService
	Secrets     Secrets
	Ledger      igny8.LedgerService
	Billing     igny8.BillingService
	// AdminBilling and AdminLedger are the cross-tenant services of the
	// admin console.
	AdminBilling  igny8.AdminBillingService
	AdminLedger   igny8.AdminLedgerService
	AdminAccounts igny8.AdminAccountService
	// Factors describes a person's second factor; AdminFactors resets one.
	Factors      igny8.FactorService
	AdminFactors igny8.AdminFactorService
	// AdminMail lists the outbox: sent, queued, failed and kept messages.
	AdminMail igny8.AdminMailService
	// AdminPacks manages credit packs and decides their purchases;
	// Incidents lists and resolves refunds and disputes (both optional:
	// without them their admin pages answer not found).
	AdminPacks igny8.AdminCreditPackService
	Incidents  igny8.AdminIncidentService
	// Flow runs sign-up, login, logout, invitations and ownership transfer,
	// the workflows the API shares (internal/workflow); it also holds the
	// limiter of log-in and sign-up attempts.
	Flow   *workflow.Service
	Config Config
	// Now is the clock (tests fix it).
	Now func() time.Time
}

// Config holds the pages' tunables.
type Config struct {
	// TrustProxyHeaders believes X-Forwarded-For and X-Forwarded-Proto
	// (the session cookie is marked Secure behind a TLS proxy).
	TrustProxyHeaders bool
	// Bank transfer instructions shown with a pending payment.
	Bank igny8.BankAccount
	// SupportEmail is named to customers whose account igny8 suspended or
	// cancelled.
	SupportEmail string
}

// Handler serves the pages.
type Handler struct {
	Deps
	pages *pages
	mux   *http.ServeMux
}

// NewHandler builds the pages from deps. It panics when an embedded
// template does not parse, which the package tests catch.
func NewHandler(deps Deps) *Handler {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	h := &Handler{Deps: deps, pages: mustParsePages(), mux: http.NewServeMux()}
	h.Register(h.mux)
	return h
}

// Register adds every page to mux, with a friendly 404 page for any path
// no other handler on mux claims.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, rt := range h.routes() {
		mux.Handle(rt.method+" "+rt.path, h.wrap(rt))
	}
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	mux.Handle("/", h.wrap(page{path: "/", h: h.notFound}))
}

// Patterns lists the "METHOD /path" patterns of the pages (the tests walk
// them).
func (h *Handler) Patterns() []string {
	var out []string
	for _, rt := range h.routes() {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}

// ServeHTTP serves the pages alone (tests).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, v *visit) error {
	return igny8.Errorf(igny8.ENotFound, "There is no page at %s.", r.URL.Path)
}

// background is a context for work that must finish even when the browser
// goes away (logging out).
func background(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
