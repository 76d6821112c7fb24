package api

import (
	"net/http"
	"strconv"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// siteRoutes are the sites, their sectors and who may see them. The role
// check is the route's action; which sites a principal sees is the
// store's business (igny8.SiteScope), so another account's or an ungranted
// site answers not_found.
func (h *Handler) siteRoutes() []route {
	siteFilters := append([]param{{"is_active", "true or false"}, {"industry_id", "only sites of this industry"},
		{"legacy_id", "only the site imported from the Django site of this id (igny8 import django)"},
		{"q", "text in the name or domain"}, {"deleted", "true: the deleted sites that can still be restored (owners and admins)"}}, pageParams...)
	return []route{
		{method: "GET", path: "/api/v1/sites", summary: "The sites the caller may see, oldest first", tag: "sites",
			access: tenant, action: igny8.ActReadSites, query: siteFilters, out: igny8.Page[igny8.Site]{}, h: h.listSites},
		{method: "POST", path: "/api/v1/sites", summary: "Create a site (within the plan's max_sites)", tag: "sites",
			access: tenant, action: igny8.ActManageSites, in: igny8.SiteCreate{}, out: igny8.Site{}, status: http.StatusCreated, h: h.createSite},
		{method: "GET", path: "/api/v1/sites/{id}", summary: "One site", tag: "sites",
			access: tenant, action: igny8.ActReadSites, out: igny8.Site{}, h: h.getSite},
		{method: "PATCH", path: "/api/v1/sites/{id}", summary: "Change a site (an empty industry_id clears it)", tag: "sites",
			access: tenant, action: igny8.ActEditSites, in: igny8.SitePatch{}, out: igny8.Site{}, h: h.patchSite},
		{method: "DELETE", path: "/api/v1/sites/{id}", summary: "Delete a site with its sectors; restorable during retention", tag: "sites",
			access: tenant, action: igny8.ActManageSites, status: http.StatusNoContent, h: h.deleteSite},
		{method: "POST", path: "/api/v1/sites/{id}/restore", summary: "Restore a deleted site with the sectors deleted with it", tag: "sites",
			access: tenant, action: igny8.ActManageSites, out: igny8.Site{}, h: h.restoreSite},
		{method: "GET", path: "/api/v1/sites/{id}/sectors", summary: "A site's sectors, oldest first", tag: "sites",
			access: tenant, action: igny8.ActReadSites, query: pageParams, out: igny8.Page[igny8.Sector]{}, h: h.listSectors},
		{method: "POST", path: "/api/v1/sites/{id}/sectors", summary: "Add a sector (within the plan's max_sectors_per_site)", tag: "sites",
			access: tenant, action: igny8.ActEditSites, in: igny8.SectorCreate{}, out: igny8.Sector{}, status: http.StatusCreated, h: h.createSector},
		{method: "PATCH", path: "/api/v1/sectors/{id}", summary: "Rename or (de)activate a sector", tag: "sites",
			access: tenant, action: igny8.ActEditSites, in: igny8.SectorPatch{}, out: igny8.Sector{}, h: h.patchSector},
		{method: "DELETE", path: "/api/v1/sectors/{id}", summary: "Delete a sector; restorable during retention", tag: "sites",
			access: tenant, action: igny8.ActEditSites, status: http.StatusNoContent, h: h.deleteSector},
		{method: "POST", path: "/api/v1/sectors/{id}/restore", summary: "Restore a sector deleted on its own", tag: "sites",
			access: tenant, action: igny8.ActManageSites, out: igny8.Sector{}, h: h.restoreSector},
		{method: "GET", path: "/api/v1/sites/{id}/access", summary: "Who was granted a site", tag: "sites",
			access: tenant, action: igny8.ActManageSites, query: pageParams, out: igny8.Page[igny8.SiteAccess]{}, h: h.listSiteAccess},
		{method: "POST", path: "/api/v1/sites/{id}/access", summary: "Grant a member (editor or viewer) a site", tag: "sites",
			access: tenant, action: igny8.ActManageSites, in: igny8.SiteAccessGrant{}, out: igny8.SiteAccess{}, status: http.StatusCreated, h: h.grantSiteAccess},
		{method: "DELETE", path: "/api/v1/sites/{id}/access/{user_id}", summary: "Revoke a member's grant", tag: "sites",
			access: tenant, action: igny8.ActManageSites, status: http.StatusNoContent, h: h.revokeSiteAccess},
	}
}

func (h *Handler) listSites(w http.ResponseWriter, r *http.Request) error {
	pr, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := igny8.SiteFilter{IndustryID: q.Get("industry_id"), Q: q.Get("q")}
	if v := q.Get("is_active"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return igny8.InvalidField("is_active", "must be true or false")
		}
		f.IsActive = &b
	}
	if v := q.Get("legacy_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return igny8.InvalidField("legacy_id", "must be a positive integer")
		}
		f.LegacyID = &n
	}
	if v := q.Get("deleted"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return igny8.InvalidField("deleted", "must be true or false")
		}
		f.Deleted = b
	}
	page, err := h.Sites.ListSites(r.Context(), f, pr)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (h *Handler) createSite(w http.ResponseWriter, r *http.Request) error {
	var in igny8.SiteCreate
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	site, err := h.Sites.CreateSite(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, site)
}

func (h *Handler) getSite(w http.ResponseWriter, r *http.Request) error {
	site, err := h.Sites.Site(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, site)
}

func (h *Handler) patchSite(w http.ResponseWriter, r *http.Request) error {
	var in igny8.SitePatch
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	site, err := h.Sites.UpdateSite(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, site)
}

func (h *Handler) deleteSite(w http.ResponseWriter, r *http.Request) error {
	if err := h.Sites.DeleteSite(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) restoreSite(w http.ResponseWriter, r *http.Request) error {
	site, err := h.Sites.RestoreSite(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, site)
}

func (h *Handler) listSectors(w http.ResponseWriter, r *http.Request) error {
	pr, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	page, err := h.Sites.ListSectors(r.Context(), r.PathValue("id"), pr)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (h *Handler) createSector(w http.ResponseWriter, r *http.Request) error {
	var in igny8.SectorCreate
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	sector, err := h.Sites.CreateSector(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, sector)
}

func (h *Handler) patchSector(w http.ResponseWriter, r *http.Request) error {
	var in igny8.SectorPatch
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	sector, err := h.Sites.UpdateSector(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, sector)
}

func (h *Handler) deleteSector(w http.ResponseWriter, r *http.Request) error {
	if err := h.Sites.DeleteSector(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) restoreSector(w http.ResponseWriter, r *http.Request) error {
	sector, err := h.Sites.RestoreSector(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, sector)
}

func (h *Handler) listSiteAccess(w http.ResponseWriter, r *http.Request) error {
	pr, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	page, err := h.Sites.ListSiteAccess(r.Context(), r.PathValue("id"), pr)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (h *Handler) grantSiteAccess(w http.ResponseWriter, r *http.Request) error {
	var in igny8.SiteAccessGrant
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	grant, err := h.Sites.GrantSiteAccess(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, grant)
}

func (h *Handler) revokeSiteAccess(w http.ResponseWriter, r *http.Request) error {
	if err := h.Sites.RevokeSiteAccess(r.Context(), r.PathValue("id"), r.PathValue("user_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
