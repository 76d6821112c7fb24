package api

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strings"

	"github.com/igny8/igny8"
)

// The route table: the whole API on one screen, area by area. Each row is
// method, path, who may call it (gate) and the handler; the area names the
// OpenAPI tag. The router, the per-route middleware (middleware.go), the
// OpenAPI document (openapi.go) and so the isolation walk
// (isolation_test.go, internal/apptest) are all built from it.
//
// A route's documentation (summary, request and answer types, status,
// query and header parameters) is next to its handler, in the area's file,
// under the handler's method name (document(docs{...}) in an init). A row
// whose handler has no documentation, documentation no row serves, a
// handler that is not a method of Handler or a route listed twice stops
// NewHandler, so every test fails until they match (TestRouteTable).
//
// Adding a route: write the handler as a method of Handler in the area's
// file, add its documentation under the method's name to that file's
// docs, and add one row here in its area.
func (h *Handler) table() []area {
	return []area{
		// ops: probes and metrics for load balancers and scrapers (never throttled), this document
		{"ops", []row{
			{"GET", "/healthz", public.unthrottled(), h.healthz},
			{"GET", "/readyz", public.unthrottled(), h.readyz},
			{"GET", "/metrics", public.unthrottled(), h.metrics},
			{"GET", "/api/v1/openapi.json", public, h.openapi},
		}},
		// auth: sign-up, login and tokens (throttled per address and e-mail), the keys that verify tokens
		{"auth", []row{
			{"GET", "/.well-known/jwks.json", public, h.jwks},
			{"POST", "/api/v1/auth/register", public.scope(igny8.ScopeAuth), h.register},
			{"POST", "/api/v1/auth/login", public.scope(igny8.ScopeAuth), h.login},
			{"GET", "/api/v1/auth/me", person.suspendedOwner().enrolment(), h.me},
			{"POST", "/api/v1/auth/refresh", public.scope(igny8.ScopeAuth), h.refresh},
			{"POST", "/api/v1/auth/logout", person.suspendedOwner().enrolment(), h.logout},
			{"POST", "/api/v1/auth/accept-invite", public.scope(igny8.ScopeAuth), h.acceptInvite},
			{"POST", "/api/v1/auth/password/forgot", public.scope(igny8.ScopeAuth), h.forgotPassword},
			{"POST", "/api/v1/auth/password/reset", public.scope(igny8.ScopeAuth), h.resetPassword},
			{"PATCH", "/api/v1/auth/me", person.suspendedOwner().enrolment(), h.updateMe},
			{"POST", "/api/v1/auth/me/password", person.suspendedOwner().enrolment(), h.changePassword},
			{"GET", "/api/v1/auth/sessions", person.suspendedOwner().enrolment(), h.listLogins},
			{"DELETE", "/api/v1/auth/sessions/{id}", person.suspendedOwner().enrolment(), h.endLogin},
			{"POST", "/api/v1/auth/sessions/end-others", person.suspendedOwner().enrolment(), h.endOtherLogins},
			{"POST", "/api/v1/auth/mfa", public.scope(igny8.ScopeAuth), h.secondStep},
			{"GET", "/api/v1/auth/mfa", person.suspendedOwner().enrolment(), h.mfaStatus},
			{"POST", "/api/v1/auth/mfa/totp", person.suspendedOwner().enrolment(), h.startTOTP},
			{"POST", "/api/v1/auth/mfa/totp/confirm", person.suspendedOwner().enrolment(), h.confirmTOTP},
			{"DELETE", "/api/v1/auth/mfa/totp", person.suspendedOwner().enrolment(), h.disableTOTP},
			{"POST", "/api/v1/auth/email/verify", public, h.verifyEmail},
			{"POST", "/api/v1/auth/email/resend", person.suspendedOwner().enrolment(), h.resendVerification},
			{"POST", "/api/v1/auth/me/email", person.suspendedOwner().enrolment(), h.changeEmail},
		}},
		// catalogue: what anyone may read: plans and industries
		{"catalogue", []row{
			{"GET", "/api/v1/plans", public, h.listPlans},
			{"GET", "/api/v1/industries", public, h.listIndustries},
		}},
		// account: the caller's account, its users, invitations and audit; deleting it
		{"account", []row{
			{"GET", "/api/v1/account", tenant(igny8.ActReadAccount).suspendedOwner(), h.getAccount},
			{"PATCH", "/api/v1/account", tenant(igny8.ActEditAccount), h.patchAccount},
			{"DELETE", "/api/v1/account", tenant(igny8.ActBilling).suspendedOwner(), h.deleteAccount},
			{"GET", "/api/v1/account/audit", tenant(igny8.ActEditAccount), h.accountAudit},
			{"GET", "/api/v1/account/users", tenant(igny8.ActManageUsers), h.listUsers},
			{"POST", "/api/v1/account/users", tenant(igny8.ActManageUsers), h.inviteUser},
			{"PATCH", "/api/v1/account/users/{id}", tenant(igny8.ActManageUsers), h.updateUser},
			{"DELETE", "/api/v1/account/users/{id}", tenant(igny8.ActManageUsers), h.removeUser},
			{"POST", "/api/v1/account/users/{id}/restore", tenant(igny8.ActManageUsers), h.restoreUser},
			{"GET", "/api/v1/account/invitations", tenant(igny8.ActManageUsers), h.listInvitations},
			{"POST", "/api/v1/account/invitations/{id}/resend", tenant(igny8.ActManageUsers), h.resendInvitation},
			{"DELETE", "/api/v1/account/invitations/{id}", tenant(igny8.ActManageUsers), h.revokeInvitation},
			{"POST", "/api/v1/account/transfer-ownership", tenant(igny8.ActManageUsers), h.transferOwnership},
		}},
		// api-keys: the account's API keys
		{"api-keys", []row{
			{"GET", "/api/v1/api-keys", tenant(igny8.ActManageAPIKeys), h.listAPIKeys},
			{"POST", "/api/v1/api-keys", tenant(igny8.ActManageAPIKeys), h.createAPIKey},
			{"DELETE", "/api/v1/api-keys/{id}", tenant(igny8.ActManageAPIKeys), h.revokeAPIKey},
			{"POST", "/api/v1/api-keys/{id}/rotate", tenant(igny8.ActManageAPIKeys), h.rotateAPIKey},
		}},
		// sites: sites, their sectors and who was granted them
		{"sites", []row{
			{"GET", "/api/v1/sites", tenant(igny8.ActReadSites), h.listSites},
			{"POST", "/api/v1/sites", tenant(igny8.ActManageSites), h.createSite},
			{"GET", "/api/v1/sites/{id}", tenant(igny8.ActReadSites), h.getSite},
			{"PATCH", "/api/v1/sites/{id}", tenant(igny8.ActEditSites), h.patchSite},
			{"DELETE", "/api/v1/sites/{id}", tenant(igny8.ActManageSites), h.deleteSite},
			{"POST", "/api/v1/sites/{id}/restore", tenant(igny8.ActManageSites), h.restoreSite},
			{"GET", "/api/v1/sites/{id}/sectors", tenant(igny8.ActReadSites), h.listSectors},
			{"POST", "/api/v1/sites/{id}/sectors", tenant(igny8.ActEditSites), h.createSector},
			{"PATCH", "/api/v1/sectors/{id}", tenant(igny8.ActEditSites), h.patchSector},
			{"DELETE", "/api/v1/sectors/{id}", tenant(igny8.ActEditSites), h.deleteSector},
			{"POST", "/api/v1/sectors/{id}/restore", tenant(igny8.ActManageSites), h.restoreSector},
			{"GET", "/api/v1/sites/{id}/access", tenant(igny8.ActManageSites), h.listSiteAccess},
			{"POST", "/api/v1/sites/{id}/access", tenant(igny8.ActManageSites), h.grantSiteAccess},
			{"DELETE", "/api/v1/sites/{id}/access/{user_id}", tenant(igny8.ActManageSites), h.revokeSiteAccess},
		}},
		// credits: balance, ledger and usage; metered AI operations; credit packs
		{"credits", []row{
			{"GET", "/api/v1/credits/balance", tenant(igny8.ActReadAccount), h.creditBalance},
			{"GET", "/api/v1/credits/transactions", tenant(igny8.ActReadAccount), h.creditTransactions},
			{"GET", "/api/v1/credits/usage", tenant(igny8.ActReadAccount), h.creditUsage},
			{"GET", "/api/v1/credits/costs", tenant(igny8.ActReadAccount), h.creditCosts},
			{"POST", "/api/v1/ai/operations", tenant(igny8.ActRunAI).scope(igny8.ScopeAI), h.runOperation},
			{"GET", "/api/v1/credits/packs", public, h.creditPacks},
			{"POST", "/api/v1/credits/packs/checkout", tenant(igny8.ActBilling), h.buyCredits},
		}},
		// billing: subscription, checkout and payments; the card provider
		{"billing", []row{
			{"GET", "/api/v1/billing/subscription", tenant(igny8.ActReadAccount).suspendedOwner(), h.billingSummary},
			{"POST", "/api/v1/billing/checkout", tenant(igny8.ActBilling).suspendedOwner(), h.checkout},
			{"GET", "/api/v1/billing/payments", tenant(igny8.ActBilling).suspendedOwner(), h.listPayments},
			{"POST", "/api/v1/billing/cancel", tenant(igny8.ActBilling).suspendedOwner(), h.cancelSubscription},
			{"POST", "/api/v1/billing/resume", tenant(igny8.ActBilling).suspendedOwner(), h.resumeSubscription},
			{"POST", "/api/v1/webhooks/stripe", public.scope(igny8.ScopeWebhook), h.stripeWebhook},
			{"POST", "/api/v1/billing/portal", tenant(igny8.ActBilling).suspendedOwner(), h.billingPortal},
		}},
		// admin: developers only: accounts, payments, plans, credits and packs, payment incidents, audit
		{"admin", []row{
			{"GET", "/api/v1/admin/accounts", admin, h.adminListAccounts},
			{"GET", "/api/v1/admin/accounts/deleted", admin, h.listDeletedAccounts},
			{"POST", "/api/v1/admin/accounts/{id}/suspend", admin, h.adminSuspend},
			{"POST", "/api/v1/admin/accounts/{id}/reactivate", admin, h.adminReactivate},
			{"POST", "/api/v1/admin/accounts/{id}/cancel", admin, h.adminCancel},
			{"POST", "/api/v1/admin/accounts/{id}/restore", admin, h.restoreAccount},
			{"POST", "/api/v1/admin/accounts/{id}/credits", admin, h.adjustCredits},
			{"GET", "/api/v1/admin/payments", admin, h.adminPayments},
			{"POST", "/api/v1/admin/payments/{id}/confirm", admin, h.confirmPayment},
			{"POST", "/api/v1/admin/payments/{id}/reject", admin, h.rejectPayment},
			{"GET", "/api/v1/admin/plans", admin, h.adminPlans},
			{"POST", "/api/v1/admin/plans", admin, h.createPlan},
			{"PATCH", "/api/v1/admin/plans/{slug}", admin, h.updatePlan},
			{"GET", "/api/v1/admin/credit-costs", admin, h.adminCreditCosts},
			{"PUT", "/api/v1/admin/credit-costs", admin, h.putCreditCosts},
			{"GET", "/api/v1/admin/credit-packs", admin, h.adminCreditPacks},
			{"POST", "/api/v1/admin/credit-packs", admin, h.createCreditPack},
			{"PATCH", "/api/v1/admin/credit-packs/{slug}", admin, h.updateCreditPack},
			{"GET", "/api/v1/admin/credit-purchases", admin, h.adminCreditPurchases},
			{"POST", "/api/v1/admin/credit-purchases/{id}/confirm", admin, h.confirmCreditPurchase},
			{"POST", "/api/v1/admin/credit-purchases/{id}/reject", admin, h.rejectCreditPurchase},
			{"GET", "/api/v1/admin/payment-incidents", admin, h.paymentIncidents},
			{"POST", "/api/v1/admin/payment-incidents/{id}/resolve", admin, h.resolvePaymentIncident},
			{"GET", "/api/v1/admin/audit", admin, h.adminAudit},
			{"POST", "/api/v1/admin/users/{id}/reset-second-factor", admin, h.adminResetFactor},
		}},
	}
}

// area is one group of rows with its OpenAPI tag.
type area struct {
	tag  string
	rows []row
}

// row is one line of the table.
type row struct {
	method, path string
	who          gate
	h            handlerFunc
}

type handlerFunc = func(w http.ResponseWriter, r *http.Request) error

// access says who may call a route.
type access int

const (
	accessPublic access = iota // anyone; throttled per client IP
	accessPerson               // any logged-in principal, with or without an account
	accessTenant               // a principal of an account, subject to action
	accessAdmin                // developers (system administrators)
)

// gate says who may call a route and which throttle budget it spends.
type gate struct {
	access access
	action igny8.Action // for tenant routes
	// throttleScope overrides the throttle scope (auth, ai, webhook);
	// empty means the default for the access kind.
	throttleScope string
	// noThrottle routes spend no budget: probes of load balancers and
	// scrapers come from one address and must never see 429.
	noThrottle bool
	// passSuspendedOwner lets the owner of a suspended account through
	// the gate (to see the account and pay).
	passSuspendedOwner bool
	// passEnrolment keeps the route open to a person who must turn on a
	// second factor and has not (igny8.Principal.MustEnrol): every other
	// route answers them mfa_enrolment_required.
	passEnrolment bool
}

// The gates of the table.
var (
	public = gate{access: accessPublic}
	person = gate{access: accessPerson}
	admin  = gate{access: accessAdmin}
)

// tenant is the gate of an account's principals whose role allows act.
func tenant(act igny8.Action) gate { return gate{access: accessTenant, action: act} }

// scope makes the route spend the budget of the throttle scope s.
func (g gate) scope(s string) gate { g.throttleScope = s; return g }

// unthrottled makes the route spend no budget.
func (g gate) unthrottled() gate { g.noThrottle = true; return g }

// suspendedOwner lets the owner of a suspended account call the route.
func (g gate) suspendedOwner() gate { g.passSuspendedOwner = true; return g }

// enrolment keeps the route open to a person who must enrol a second
// factor first: their profile, enrolment, logging out.
func (g gate) enrolment() gate { g.passEnrolment = true; return g }

// doc is a route's OpenAPI documentation, kept next to its handler.
type doc struct {
	summary string
	in      any // request body type, nil for none
	out     any // success body type, nil for none
	status  int // success status, 0 for 200
	query   []param
	headers []param // documented request headers (Idempotency-Key)
}

// docs maps handler method names to their documentation.
type docs map[string]doc

// handlerDocs is every area file's documentation (document).
var handlerDocs = docs{}

// document adds an area file's documentation; a handler documented twice
// stops the program at start.
func document(ds docs) {
	for name, d := range ds {
		if _, dup := handlerDocs[name]; dup {
			panic("api: " + name + " is documented twice")
		}
		handlerDocs[name] = d
	}
}

// route is one resolved row: the table's row with its tag and the
// documentation of its handler.
type route struct {
	method, path string
	tag          string
	handler      string // the handler's method name
	gate
	doc
	h handlerFunc
}

// param is a documented query parameter or header.
type param struct{ name, desc string }

var pageParams = []param{{"limit", "items per page (1-200, default 50)"}, {"cursor", "next_cursor of the previous page"}}

// resolve joins the table's rows with their handlers' documentation. It
// fails on a row without documentation, documentation without a row, a
// handler that is not a method of Handler, a handler serving two rows and
// a method and path listed twice.
func resolve(areas []area, ds docs) ([]route, error) {
	var errs []error
	var rs []route
	served := map[string]string{}
	listed := map[string]bool{}
	for _, a := range areas {
		for _, rw := range a.rows {
			at := rw.method + " " + rw.path
			if listed[at] {
				errs = append(errs, fmt.Errorf("%s is listed twice", at))
			}
			listed[at] = true
			name, ok := handlerName(rw.h)
			if !ok {
				errs = append(errs, fmt.Errorf("%s: the handler is not a method of Handler (its documentation is found by the method's name)", at))
				continue
			}
			if other, dup := served[name]; dup {
				errs = append(errs, fmt.Errorf("%s: %s already serves %s; a handler serves one route", at, name, other))
				continue
			}
			served[name] = at
			d, ok := ds[name]
			if !ok || d.summary == "" {
				errs = append(errs, fmt.Errorf("%s: %s has no documentation (a summary in its file's docs)", at, name))
				continue
			}
			rs = append(rs, route{method: rw.method, path: rw.path, tag: a.tag, handler: name, gate: rw.who, doc: d, h: rw.h})
		}
	}
	var orphans []string
	for name := range ds {
		if _, ok := served[name]; !ok {
			orphans = append(orphans, name)
		}
	}
	slices.Sort(orphans)
	for _, name := range orphans {
		errs = append(errs, fmt.Errorf("%s is documented but no route of the table serves it", name))
	}
	return rs, errors.Join(errs...)
}

// handlerName is the method name of a method value of *Handler (h.login
// is "login"); ok is false for any other function.
func handlerName(fn handlerFunc) (string, bool) {
	if fn == nil {
		return "", false
	}
	f := runtime.FuncForPC(reflect.ValueOf(fn).Pointer())
	if f == nil {
		return "", false
	}
	const recv = ".(*Handler)."
	full := f.Name()
	i := strings.LastIndex(full, recv)
	if i < 0 {
		return "", false
	}
	name, ok := strings.CutSuffix(full[i+len(recv):], "-fm")
	if !ok || strings.Contains(name, ".") {
		return "", false
	}
	return name, true
}
