package api

import (
	"net/http"

	"github.com/igny8/igny8"
)

// access says who may call a route.
type access int

const (
	public access = iota // anyone; throttled per client IP
	person               // any logged-in principal, with or without an account
	tenant               // a principal of an account, subject to action
	admin                // developers (system administrators)
)

// route is one API endpoint: how it is reached, who may call it, and what
// it takes and answers (for the OpenAPI document).
type route struct {
	method, path string
	summary      string
	tag          string
	access       access
	action       igny8.Action // for tenant routes
	// scope overrides the throttle scope (auth, ai); empty means the
	// default for the access kind.
	scope string
	// unthrottled routes spend no budget: probes of load balancers and
	// scrapers come from one address and must never see 429.
	unthrottled bool
	// suspendedOwner lets the owner of a suspended account through the gate.
	suspendedOwner bool
	in             any // request body type, nil for none
	out            any // success body type, nil for none
	status         int // success status
	query          []param
	headers        []param // documented request headers (Idempotency-Key)
	h              func(w http.ResponseWriter, r *http.Request) error
}

// param is a documented query parameter.
type param struct{ name, desc string }

var pageParams = []param{{"limit", "items per page (1-200, default 50)"}, {"cursor", "next_cursor of the previous page"}}

// allRoutes is the whole API on one screen; each area lists its routes in
// its own file.
func (h *Handler) allRoutes() []route {
	var rs []route
	for _, area := range [][]route{
		h.opsRoutes(),
		h.catalogueRoutes(),
		h.authRoutes(),
		h.emailRoutes(),
		h.accountRoutes(),
		h.creditRoutes(),
		h.billingRoutes(),
		h.cardRoutes(),
		h.packRoutes(),
		h.adminBillingRoutes(),
		h.apiKeyRoutes(), h.userRoutes(), h.adminAccountRoutes(),
		h.siteRoutes(),
		h.accountDeletionRoutes(),
	} {
		rs = append(rs, area...)
	}
	return rs
}
