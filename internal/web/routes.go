package web

import "github.com/igny8/igny8"

// routes is every page of the app on one screen.
func (h *Handler) routes() []page {
	return []page{
		{method: "GET", path: "/{$}", h: h.landing},
		{method: "GET", path: "/signup", h: h.signupForm},
		{method: "POST", path: "/signup", h: h.signup},
		{method: "GET", path: "/login", h: h.loginForm},
		{method: "POST", path: "/login", h: h.login},
		{method: "POST", path: "/logout", access: person, suspendedOwner: true, h: h.logout},
		{method: "GET", path: "/credits", access: tenant, action: igny8.ActReadAccount, h: h.credits},
	}
}
