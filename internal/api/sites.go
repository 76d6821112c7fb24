package api

import (
	"net/http"
	"strconv"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// The sites, their sectors and who may see them. The role check is the
// route's action; which sites a principal sees is the store's business
// (igny8.SiteScope), so another account's or an ungranted site answers
// not_found.

// siteFilters are the query parameters of the site list.
var siteFilters = append([]param{{"is_active", "true or false"}, {"industry_id", "only sites of this industry"},
	{"legacy_id", "only the site imported from the Django site of this id (igny8 import django)"},
	{"q", "text in the name or domain"}, {"deleted", "true: the deleted sites that can still be restored (owners and admins)"}}, pageParams...)

// The OpenAPI documentation of this file's handlers (the rows are in routes.go).
func init() {
	document(docs{
		"listSites": {summary: "The sites the caller may see, oldest first", out: igny8.Page[igny8.Site]{}, query: siteFilters},
		"createSite": {summary: "Create a site (within the plan's max_sites)",
			in: igny8.SiteCreate{}, out: igny8.Site{}, status: http.StatusCreated},
		"getSite":     {summary: "One site", out: igny8.Site{}},
		"patchSite":   {summary: "Change a site (an empty industry_id clears it)", in: igny8.SitePatch{}, out: igny8.Site{}},
		"deleteSite":  {summary: "Delete a site with its sectors; restorable during retention", status: http.StatusNoContent},
		"restoreSite": {summary: "Restore a deleted site with the sectors deleted with it", out: igny8.Site{}},
		"listSectors": {summary: "A site's sectors, oldest first", out: igny8.Page[igny8.Sector]{}, query: pageParams},
		"createSector": {summary: "Add a sector (within the plan's max_sectors_per_site)",
			in: igny8.SectorCreate{}, out: igny8.Sector{}, status: http.StatusCreated},
		"patchSector":    {summary: "Rename or (de)activate a sector", in: igny8.SectorPatch{}, out: igny8.Sector{}},
		"deleteSector":   {summary: "Delete a sector; restorable during retention", status: http.StatusNoContent},
		"restoreSector":  {summary: "Restore a sector deleted on its own", out: igny8.Sector{}},
		"listSiteAccess": {summary: "Who was granted a site", out: igny8.Page[igny8.SiteAccess]{}, query: pageParams},
		"grantSiteAccess": {summary: "Grant a member (editor or viewer) a site",
			in: igny8.SiteAccessGrant{}, out: igny8.SiteAccess{}, status: http.StatusCreated},
		"revokeSiteAccess": {summary: "Revoke a member's grant", status: http.StatusNoContent},
	})
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
