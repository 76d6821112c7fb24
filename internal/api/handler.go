// Package api is igny8's JSON API under /api/v1, with the ops endpoints
// (health, readiness, metrics, JWKS). All routes are declared in one table
// (routes.go); the same table builds the router, the per-route middleware
// (authentication, account gate, throttle, role check) and the OpenAPI
// document, so the three cannot drift apart.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
	"github.com/igny8/igny8/internal/workflow"
	"github.com/prometheus/client_golang/prometheus"
)

// Tokens issues and verifies access tokens (internal/auth.Keys).
type Tokens interface {
	Issue(p *igny8.Principal) (string, time.Time, error)
	Verify(ctx context.Context, token string) (TokenClaims, error)
	JWKS() any
}

// TokenClaims is what the API needs from a verified access token.
type TokenClaims struct {
	UserID    string
	SessionID string
}

// Secrets mints and hashes opaque secrets (internal/auth): refresh tokens,
// invitation tokens and API keys.
type Secrets interface {
	NewToken() (token, hash string)
	HashToken(token string) string
	NewAPIKey() igny8.APIKeySecret
	ParseAPIKey(key string) (prefix, hash string, ok bool)
}

// Deps are the services the API is built on. Every field but the optional
// ones must be set.
type Deps struct {
	Logger     *slog.Logger
	Plans      igny8.PlanService
	Industries igny8.IndustryService
	Accounts   igny8.AccountService
	Identity   igny8.IdentityService
	// Ledger, AI and AdminLedger serve the credits endpoints.
	Ledger      igny8.LedgerService
	AI          igny8.AIService
	AdminLedger igny8.AdminLedgerService
	Tokens      Tokens
	// Billing is the owner's billing, AdminBilling the administrators'.
	Billing      igny8.BillingService
	AdminBilling igny8.AdminBillingService
	Sessions     igny8.SessionService
	Secrets      Secrets
	APIKeys      igny8.APIKeyService
	Members      igny8.MemberService
	// Factors describes the caller's second factor; AdminFactors resets
	// a person's.
	Factors      igny8.FactorService
	AdminFactors igny8.AdminFactorService
	// AdminAccounts is the cross-tenant account administration.
	AdminAccounts igny8.AdminAccountService
	Sites         igny8.SiteService
	// AccountDeletion deletes the caller's account; Retention restores
	// deleted accounts (admin).
	AccountDeletion igny8.AccountDeletion
	Retention       igny8.RetentionAdmin
	// Flow runs sign-up, login, refresh, logout, invitations and ownership
	// transfer, the workflows the pages share (internal/workflow).
	Flow *workflow.Service
	// Packs and AdminPacks sell credit packs (optional: without them the
	// pack routes answer not_found).
	Packs      igny8.CreditPackService
	AdminPacks igny8.AdminCreditPackService
	// Incidents are the refunds and disputes of card payments (optional:
	// without it their admin routes are not served).
	Incidents igny8.AdminIncidentService
	// Card is the card provider's webhook and portal (optional: without it
	// the webhook answers not_found and checkout by stripe is unavailable).
	Card *CardDeps
	// WebSessions resolves the web app's session cookie (optional).
	WebSessions igny8.WebSessionService
	// Limiter throttles requests; nil turns throttling off.
	Limiter igny8.Limiter
	// Ready reports whether the service can serve (database ping and
	// component details for /readyz).
	Ready func(ctx context.Context) (map[string]string, error)
	// Metrics is the registry /metrics serves; nil serves none.
	Metrics *prometheus.Registry
	// Config holds the tunables the API needs.
	Config Config
	// Now is the clock (tests fix it).
	Now func() time.Time
}

// Config holds the API's tunables.
type Config struct {
	// TrustProxyHeaders takes the client address from X-Forwarded-For.
	TrustProxyHeaders bool
	// Bank is where bank transfers go, shown with pending payments.
	Bank igny8.BankAccount
}

// Handler serves the API.
type Handler struct {
	Deps
	routes []route
	mux    *http.ServeMux
}

// NewHandler builds the API from deps.
func NewHandler(deps Deps) *Handler {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	h := &Handler{Deps: deps, mux: http.NewServeMux()}
	rs, err := resolve(h.table(), handlerDocs)
	if err != nil {
		panic("api: the route table (routes.go): " + err.Error())
	}
	h.routes = rs
	h.Register(h.mux)
	return h
}

// ServeHTTP serves the API alone (tests, and deployments without pages).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Register adds every API and ops route to mux, plus a problem+json 404
// for unknown paths under /api/.
func (h *Handler) Register(mux *http.ServeMux) {
	byPath := map[string][]route{}
	var order []string
	for _, rt := range h.routes {
		if _, ok := byPath[rt.path]; !ok {
			order = append(order, rt.path)
		}
		byPath[rt.path] = append(byPath[rt.path], rt)
	}
	for _, p := range order {
		mux.Handle(p, h.dispatch(byPath[p]))
	}
	mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, r, h.Logger, igny8.Errorf(igny8.ENotFound, "No such endpoint: %s.", r.URL.Path))
	}))
}

// Patterns lists the path patterns Register adds (the OpenAPI test uses it).
func (h *Handler) Patterns() []string {
	seen := map[string]bool{}
	var out []string
	for _, rt := range h.routes {
		if !seen[rt.method+" "+rt.path] {
			seen[rt.method+" "+rt.path] = true
			out = append(out, rt.method+" "+rt.path)
		}
	}
	return out
}
