package web

import (
	"net/http"
	"strings"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// accountPage is the account's settings, people, site access and API
// keys. Secrets made by the request that renders it (an invitation link,
// an API key) are shown once and never stored.
type accountPage struct {
	Account *igny8.Account
	Users   []igny8.User
	Invites []igny8.Invitation
	// Removed are the removed users that can still be restored.
	Removed []igny8.User
	// Grantees are the members whose sites are granted one by one.
	Grantees  []igny8.User
	Sites     []siteAccessView
	Keys      []igny8.APIKey
	SiteNames map[string]string
	Roles     []igny8.Role
	KeyRoles  []igny8.Role
	// InviteURL and NewKey are shown once, right after they are made.
	InviteURL string
	NewKey    string
	FormError string
	ErrorFor  string
	Settings  siteForm // reuses Name and Errors; BillingEmail in Domain
}

// SiteName is the name of the site a key is bound to (SiteNames is keyed
// by id; an API key holds a pointer to it), or a placeholder when that
// site is deleted.
func (pg *accountPage) SiteName(id *string) string {
	if id == nil {
		return "All sites"
	}
	if name, ok := pg.SiteNames[*id]; ok {
		return name
	}
	return "A deleted site"
}

// siteAccessView is one site with the members granted to it.
type siteAccessView struct {
	Site   igny8.Site
	Grants []igny8.SiteAccess
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.renderAccount(w, r, v, http.StatusOK, &accountPage{})
}

func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, v *visit, status int, pg *accountPage) error {
	ctx := r.Context()
	pg.Account, pg.Roles, pg.KeyRoles = v.Account, igny8.InvitableRoles(), igny8.APIKeyRoles()
	pg.SiteNames = map[string]string{}
	if igny8.Allowed(v.P, igny8.ActManageUsers) {
		users, err := h.Members.ListUsers(ctx, igny8.PageRequest{Limit: igny8.MaxPageSize})
		if err != nil {
			return err
		}
		pg.Users = users.Items
		for _, u := range users.Items {
			if u.Role == igny8.RoleEditor || u.Role == igny8.RoleViewer {
				pg.Grantees = append(pg.Grantees, u)
			}
		}
		invites, err := h.Members.ListInvitations(ctx, igny8.PageRequest{Limit: igny8.MaxPageSize})
		if err != nil {
			return err
		}
		pg.Invites = invites.Items
		removed, err := h.Members.ListDeletedUsers(ctx, igny8.PageRequest{Limit: igny8.MaxPageSize})
		if err != nil {
			return err
		}
		pg.Removed = removed.Items
	}
	if igny8.Allowed(v.P, igny8.ActManageSites) {
		sites, err := h.Sites.ListSites(ctx, igny8.SiteFilter{}, igny8.PageRequest{Limit: igny8.MaxPageSize})
		if err != nil {
			return err
		}
		for _, s := range sites.Items {
			pg.SiteNames[s.ID] = s.Name
			grants, err := h.Sites.ListSiteAccess(ctx, s.ID, igny8.PageRequest{Limit: igny8.MaxPageSize})
			if err != nil {
				return err
			}
			pg.Sites = append(pg.Sites, siteAccessView{Site: s, Grants: grants.Items})
		}
	}
	if igny8.Allowed(v.P, igny8.ActManageAPIKeys) {
		keys, err := h.APIKeys.ListAPIKeys(ctx, igny8.PageRequest{Limit: igny8.MaxPageSize})
		if err != nil {
			return err
		}
		pg.Keys = keys.Items
	}
	return h.render(w, r, v, status, "account", "Account", pg)
}

// accountFailed shows a refused form on the account page at target.
func (h *Handler) accountFailed(w http.ResponseWriter, r *http.Request, v *visit, target string, err error) error {
	msg, ok := adminFailed(err)
	switch code := igny8.ErrorCode(err); {
	case !ok && code != igny8.EPlanLimit && code != igny8.EForbidden && code != igny8.EEmailUnverified:
		return err
	case !ok:
		msg = igny8.ErrorMessage(err)
	}
	return h.renderAccount(w, r, v, statusFor(err), &accountPage{FormError: msg, ErrorFor: target})
}

func (h *Handler) updateAccount(w http.ResponseWriter, r *http.Request, v *visit) error {
	name, email := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("billing_email"))
	patch := igny8.AccountPatch{Name: &name, BillingEmail: &email}
	// The checkboxes are on the form only for the owner; "notices" says
	// they were, so that an unticked box (which sends nothing) turns a
	// notice off while a form without them changes none.
	if r.PostFormValue("notices") == "yes" {
		low, trial := r.PostFormValue("notify_low_credits") == "yes", r.PostFormValue("notify_trial_reminders") == "yes"
		patch.NotifyLowCredits, patch.NotifyTrialReminders = &low, &trial
	}
	if _, err := h.Accounts.UpdateAccount(r.Context(), patch); err != nil {
		return h.accountFailed(w, r, v, "settings", err)
	}
	http.Redirect(w, r, "/account?notice=account_saved", http.StatusSeeOther)
	return nil
}

func (h *Handler) inviteUser(w http.ResponseWriter, r *http.Request, v *visit) error {
	in := igny8.NewInvitation{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Role: igny8.Role(r.PostFormValue("role"))}
	// The link is a bearer credential: shown once on this page, never logged.
	inv, err := h.Flow.Invite(r.Context(), in, httpx.Origin(r, h.Config.TrustProxyHeaders))
	if err != nil {
		return h.accountFailed(w, r, v, "invite", err)
	}
	return h.renderAccount(w, r, v, http.StatusCreated, &accountPage{InviteURL: inv.Link})
}

func (h *Handler) changeUser(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	var err error
	switch r.PostFormValue("op") {
	case "role":
		role := igny8.Role(r.PostFormValue("role"))
		_, err = h.Members.UpdateUser(r.Context(), id, igny8.UserPatch{Role: &role})
	case "remove":
		err = errNotConfirmed
		if confirmed(r) {
			err = h.Members.RemoveUser(r.Context(), id)
		}
	case "restore":
		_, err = h.Members.RestoreUser(r.Context(), id)
	case "transfer":
		err = errNotConfirmed
		if confirmed(r) {
			err = h.Flow.TransferOwnership(r.Context(), id)
		}
	default:
		err = igny8.InvalidField("op", "Unknown change.")
	}
	if err != nil {
		return h.accountFailed(w, r, v, id, err)
	}
	http.Redirect(w, r, "/account?notice=user_"+r.PostFormValue("op"), http.StatusSeeOther)
	return nil
}

func (h *Handler) grantAccess(w http.ResponseWriter, r *http.Request, v *visit) error {
	site := r.PathValue("id")
	if _, err := h.Sites.GrantSiteAccess(r.Context(), site, igny8.SiteAccessGrant{UserID: r.PostFormValue("user_id")}); err != nil {
		return h.accountFailed(w, r, v, "access-"+site, err)
	}
	http.Redirect(w, r, "/account?notice=access_granted#access", http.StatusSeeOther)
	return nil
}

func (h *Handler) revokeAccess(w http.ResponseWriter, r *http.Request, v *visit) error {
	site := r.PathValue("id")
	if err := h.Sites.RevokeSiteAccess(r.Context(), site, r.PathValue("user")); err != nil {
		return h.accountFailed(w, r, v, "access-"+site, err)
	}
	http.Redirect(w, r, "/account?notice=access_revoked#access", http.StatusSeeOther)
	return nil
}

// resendInvitation e-mails a pending invitation again with a new link,
// shown once on the page as a fallback (never logged).
func (h *Handler) resendInvitation(w http.ResponseWriter, r *http.Request, v *visit) error {
	inv, err := h.Flow.ResendInvitation(r.Context(), r.PathValue("id"), httpx.Origin(r, h.Config.TrustProxyHeaders))
	if err != nil {
		return h.accountFailed(w, r, v, "invite", err)
	}
	return h.renderAccount(w, r, v, http.StatusOK, &accountPage{InviteURL: inv.Link})
}

func (h *Handler) revokeInvitation(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := h.Members.RevokeInvitation(r.Context(), r.PathValue("id")); err != nil {
		return h.accountFailed(w, r, v, "invite", err)
	}
	http.Redirect(w, r, "/account?notice=invitation_revoked", http.StatusSeeOther)
	return nil
}
