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
		{method: "POST", path: "/logout", access: person, noGate: true, h: h.logout},
		{method: "GET", path: "/sites", access: tenant, action: igny8.ActReadSites, h: h.sites},
		{method: "POST", path: "/sites", access: tenant, action: igny8.ActManageSites, h: h.createSite},
		{method: "POST", path: "/sites/{id}", access: tenant, action: igny8.ActEditSites, h: h.updateSite},
		{method: "POST", path: "/sites/{id}/delete", access: tenant, action: igny8.ActManageSites, h: h.deleteSite},
		{method: "POST", path: "/sites/{id}/restore", access: tenant, action: igny8.ActManageSites, h: h.restoreSite},
		{method: "POST", path: "/sites/{id}/sectors", access: tenant, action: igny8.ActEditSites, h: h.createSector},
		{method: "POST", path: "/sectors/{id}/delete", access: tenant, action: igny8.ActEditSites, h: h.deleteSector},
		{method: "POST", path: "/sectors/{id}/restore", access: tenant, action: igny8.ActManageSites, h: h.restoreSector},
		{method: "GET", path: "/billing", access: tenant, action: igny8.ActBilling, suspendedOwner: true, h: h.billing},
		{method: "POST", path: "/billing/checkout", access: tenant, action: igny8.ActBilling, suspendedOwner: true, h: h.checkout},
		{method: "POST", path: "/billing/cancel", access: tenant, action: igny8.ActBilling, suspendedOwner: true, h: h.cancelSubscription},
		{method: "POST", path: "/billing/resume", access: tenant, action: igny8.ActBilling, suspendedOwner: true, h: h.resumeSubscription},
		{method: "GET", path: "/account", access: tenant, action: igny8.ActReadAccount, suspendedOwner: true, h: h.account},
		{method: "POST", path: "/account", access: tenant, action: igny8.ActEditAccount, h: h.updateAccount},
		{method: "POST", path: "/account/users", access: tenant, action: igny8.ActManageUsers, h: h.inviteUser},
		{method: "POST", path: "/account/invitations/{id}/delete", access: tenant, action: igny8.ActManageUsers, h: h.revokeInvitation},
		{method: "POST", path: "/account/users/{id}", access: tenant, action: igny8.ActManageUsers, h: h.changeUser},
		{method: "POST", path: "/account/sites/{id}/access", access: tenant, action: igny8.ActManageSites, h: h.grantAccess},
		{method: "POST", path: "/account/sites/{id}/access/{user}/delete", access: tenant, action: igny8.ActManageSites, h: h.revokeAccess},
		{method: "POST", path: "/account/api-keys", access: tenant, action: igny8.ActManageAPIKeys, h: h.createAPIKey},
		{method: "POST", path: "/account/api-keys/{id}/rotate", access: tenant, action: igny8.ActManageAPIKeys, h: h.rotateAPIKey},
		{method: "POST", path: "/account/api-keys/{id}/delete", access: tenant, action: igny8.ActManageAPIKeys, h: h.revokeAPIKey},
		{method: "GET", path: "/accept-invite", h: h.acceptInviteForm},
		{method: "POST", path: "/accept-invite", h: h.acceptInvite},
		{method: "GET", path: "/credits", access: tenant, action: igny8.ActReadAccount, h: h.credits},
		{method: "GET", path: "/admin", access: admin, h: h.adminAccounts},
		{method: "POST", path: "/admin/accounts/{id}/status", access: admin, h: h.adminAccountStatus},
		{method: "POST", path: "/admin/accounts/{id}/credits", access: admin, h: h.adminAdjustCredits},
		{method: "GET", path: "/admin/payments", access: admin, h: h.adminPayments},
		{method: "POST", path: "/admin/payments/{id}/{decision}", access: admin, h: h.adminDecidePayment},
		{method: "GET", path: "/admin/plans", access: admin, h: h.adminPlans},
		{method: "POST", path: "/admin/plans", access: admin, h: h.adminSavePlan},
		{method: "POST", path: "/admin/plans/{slug}", access: admin, h: h.adminSavePlan},
		{method: "GET", path: "/admin/audit", access: admin, h: h.adminAudit},
	}
}
