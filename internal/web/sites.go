package web

import (
	"net/http"
	"strings"

	"github.com/igny8/igny8"
)

// sitesPage lists the account's sites with their sectors, the plan's
// limits and the forms that change them.
type sitesPage struct {
	Sites      []siteView
	Industries []igny8.Industry
	SitesUsed  int // the account's live sites, whoever looks
	// Restricted is an editor or viewer, who sees only the sites granted
	// to them (Sites) out of SitesUsed.
	Restricted bool
	UsersUsed  int
	Plan       *igny8.Plan
	AtLimit    bool
	Create     siteForm
	// FormError is the message of a failed form; ErrorFor names the site
	// (or "create") whose form failed.
	FormError string
	ErrorFor  string
	// Deleted is a site or sector just deleted, offered for restore.
	DeletedSite, DeletedSector string
	// Restorable are the deleted sites still within retention (for those
	// who may restore them).
	Restorable []igny8.Site
	// NeedKey are the owner's sites imported from Django (igny8 import
	// django) while the account has no API key: their WordPress plugin
	// must be re-connected with a new one.
	NeedKey []string
}

// siteView is one site with its sectors and industry.
type siteView struct {
	igny8.Site
	Sectors      []igny8.Sector
	IndustryName string
	Choices      []igny8.Industry // industries whose sectors may be added
	SectorsFull  bool
}

// siteForm is the create or edit form as typed.
type siteForm struct {
	Name, Domain, IndustryID string
	Errors                   formErrors
}

func (h *Handler) sites(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	pg := &sitesPage{DeletedSite: q.Get("deleted_site"), DeletedSector: q.Get("deleted_sector"),
		Create: siteForm{Errors: formErrors{}}}
	return h.renderSites(w, r, v, http.StatusOK, pg)
}

// renderSites loads the sites and their sectors and renders the page.
func (h *Handler) renderSites(w http.ResponseWriter, r *http.Request, v *visit, status int, pg *sitesPage) error {
	ctx := r.Context()
	page, err := h.Sites.ListSites(ctx, igny8.SiteFilter{}, igny8.PageRequest{Limit: igny8.MaxPageSize})
	if err != nil {
		return err
	}
	if pg.Industries, err = h.Industries.ListIndustries(ctx); err != nil {
		return err
	}
	byID := map[string]igny8.Industry{}
	for _, ind := range pg.Industries {
		byID[ind.ID] = ind
	}
	pg.Plan = v.Account.Plan
	for _, s := range page.Items {
		sv := siteView{Site: s, Choices: pg.Industries}
		if s.IndustryID != nil {
			sv.IndustryName = byID[*s.IndustryID].Name
			sv.Choices = []igny8.Industry{byID[*s.IndustryID]}
		}
		sectors, err := h.Sites.ListSectors(ctx, s.ID, igny8.PageRequest{Limit: igny8.MaxPageSize})
		if err != nil {
			return err
		}
		sv.Sectors = sectors.Items
		sv.SectorsFull = len(sv.Sectors) >= pg.Plan.MaxSectorsPerSite
		pg.Sites = append(pg.Sites, sv)
	}
	// The plan's limit counts the account's sites, not the ones this
	// member is granted.
	if pg.SitesUsed, err = h.Sites.CountSites(ctx); err != nil {
		return err
	}
	pg.Restricted = igny8.SiteScope(v.P) != igny8.SitesAll
	if igny8.Allowed(v.P, igny8.ActManageSites) {
		deleted, err := h.Sites.ListSites(ctx, igny8.SiteFilter{Deleted: true}, igny8.PageRequest{Limit: igny8.MaxPageSize})
		if err != nil {
			return err
		}
		pg.Restorable = deleted.Items
	}
	if err := h.importedSitesNeedKey(r, v, pg); err != nil {
		return err
	}
	pg.AtLimit = pg.SitesUsed >= pg.Plan.MaxSites && igny8.SiteScope(v.P) == igny8.SitesAll
	if h.Members != nil && igny8.Allowed(v.P, igny8.ActManageUsers) {
		users, err := h.Members.ListUsers(ctx, igny8.PageRequest{Limit: igny8.MaxPageSize})
		if err != nil {
			return err
		}
		pg.UsersUsed = len(users.Items)
	}
	return h.render(w, r, v, status, "sites", "Sites", pg)
}

// siteFailed re-renders the sites page with err shown at the form of
// target; only errors meant for the user are shown this way.
func (h *Handler) siteFailed(w http.ResponseWriter, r *http.Request, v *visit, pg *sitesPage, target string, err error) error {
	switch igny8.ErrorCode(err) {
	case igny8.EValidation, igny8.EConflict, igny8.EPlanLimit, igny8.ENotFound:
	default:
		return err
	}
	if pg.Create.Errors == nil {
		pg.Create.Errors = formErrors{}
	}
	pg.ErrorFor = target
	if target == "create" {
		pg.Create.Errors, pg.FormError = fieldErrors(err)
	} else {
		pg.FormError = igny8.ErrorMessage(err)
		if fe, _ := fieldErrors(err); len(fe) > 0 {
			for f, m := range fe {
				pg.FormError += " " + title(f) + ": " + m
			}
		}
	}
	return h.renderSites(w, r, v, statusFor(err), pg)
}

func statusFor(err error) int {
	switch igny8.ErrorCode(err) {
	case igny8.ENotFound:
		return http.StatusNotFound
	case igny8.EConflict:
		return http.StatusConflict
	case igny8.EPlanLimit, igny8.EForbidden, igny8.EEmailUnverified:
		return http.StatusForbidden
	}
	return http.StatusUnprocessableEntity
}

func optional(s string) *string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return &s
}

func (h *Handler) createSite(w http.ResponseWriter, r *http.Request, v *visit) error {
	form := siteForm{Name: r.PostFormValue("name"), Domain: r.PostFormValue("domain"), IndustryID: r.PostFormValue("industry_id")}
	_, err := h.Sites.CreateSite(r.Context(), igny8.SiteCreate{Name: form.Name, Domain: form.Domain, IndustryID: optional(form.IndustryID)})
	if err != nil {
		return h.siteFailed(w, r, v, &sitesPage{Create: form}, "create", err)
	}
	http.Redirect(w, r, "/sites?notice=site_created", http.StatusSeeOther)
	return nil
}

func (h *Handler) updateSite(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	name, domain, industry := r.PostFormValue("name"), r.PostFormValue("domain"), r.PostFormValue("industry_id")
	_, err := h.Sites.UpdateSite(r.Context(), id, igny8.SitePatch{Name: &name, Domain: &domain, IndustryID: &industry})
	if err != nil {
		return h.siteFailed(w, r, v, &sitesPage{}, id, err)
	}
	http.Redirect(w, r, "/sites?notice=site_saved", http.StatusSeeOther)
	return nil
}

func (h *Handler) deleteSite(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	if err := h.Sites.DeleteSite(r.Context(), id); err != nil {
		return h.siteFailed(w, r, v, &sitesPage{}, id, err)
	}
	http.Redirect(w, r, "/sites?notice=site_deleted&deleted_site="+id, http.StatusSeeOther)
	return nil
}

func (h *Handler) restoreSite(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	if _, err := h.Sites.RestoreSite(r.Context(), id); err != nil {
		return h.siteFailed(w, r, v, &sitesPage{DeletedSite: id}, "restore", err)
	}
	http.Redirect(w, r, "/sites?notice=site_restored", http.StatusSeeOther)
	return nil
}

func (h *Handler) createSector(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	_, err := h.Sites.CreateSector(r.Context(), id, igny8.SectorCreate{IndustrySectorID: r.PostFormValue("industry_sector_id"),
		Name: strings.TrimSpace(r.PostFormValue("name"))})
	if err != nil {
		return h.siteFailed(w, r, v, &sitesPage{}, id, err)
	}
	http.Redirect(w, r, "/sites?notice=sector_added#site-"+id, http.StatusSeeOther)
	return nil
}

func (h *Handler) deleteSector(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	if err := h.Sites.DeleteSector(r.Context(), id); err != nil {
		return h.siteFailed(w, r, v, &sitesPage{}, r.PostFormValue("site_id"), err)
	}
	http.Redirect(w, r, "/sites?notice=sector_deleted&deleted_sector="+id, http.StatusSeeOther)
	return nil
}

func (h *Handler) restoreSector(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	if _, err := h.Sites.RestoreSector(r.Context(), id); err != nil {
		return h.siteFailed(w, r, v, &sitesPage{DeletedSector: id}, "restore", err)
	}
	http.Redirect(w, r, "/sites?notice=sector_restored", http.StatusSeeOther)
	return nil
}

// importedSitesNeedKey fills pg.NeedKey for an owner whose account has
// imported sites and no live API key yet; the banner goes once a key is made.
func (h *Handler) importedSitesNeedKey(r *http.Request, v *visit, pg *sitesPage) error {
	if v.P.Role != igny8.RoleOwner {
		return nil
	}
	var imported []string
	for _, s := range pg.Sites {
		if s.LegacyID != nil {
			imported = append(imported, s.Name)
		}
	}
	if len(imported) == 0 {
		return nil
	}
	keys, err := h.APIKeys.ListAPIKeys(r.Context(), igny8.PageRequest{Limit: 1})
	if err != nil {
		return err
	}
	if len(keys.Items) == 0 {
		pg.NeedKey = imported
	}
	return nil
}
