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
		{method: "GET", path: "/sites", access: tenant, action: igny8.ActReadSites, h: h.sites},
		{method: "POST", path: "/sites", access: tenant, action: igny8.ActManageSites, h: h.createSite},
		{method: "POST", path: "/sites/{id}", access: tenant, action: igny8.ActEditSites, h: h.updateSite},
		{method: "POST", path: "/sites/{id}/delete", access: tenant, action: igny8.ActManageSites, h: h.deleteSite},
		{method: "POST", path: "/sites/{id}/restore", access: tenant, action: igny8.ActManageSites, h: h.restoreSite},
		{method: "POST", path: "/sites/{id}/sectors", access: tenant, action: igny8.ActEditSites, h: h.createSector},
		{method: "POST", path: "/sectors/{id}/delete", access: tenant, action: igny8.ActEditSites, h: h.deleteSector},
		{method: "POST", path: "/sectors/{id}/restore", access: tenant, action: igny8.ActManageSites, h: h.restoreSector},
		{method: "GET", path: "/credits", access: tenant, action: igny8.ActReadAccount, h: h.credits},
	}
}
