package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

var (
	sectorOptionRE = regexp.MustCompile(`<option value="([0-9a-f-]{36})">`)
	siteSectionRE  = regexp.MustCompile(`id="site-([0-9a-f-]{36})"`)
	sectorDeleteRE = regexp.MustCompile(`action="/sectors/([0-9a-f-]{36})/delete"`)
)

func TestSitesAndSectors(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		b := newBrowser(t, e)
		b.signUp("Site Owner")
		r := b.get("/sites")
		mustContain(t, r, "0 of 1 used", `data-testid="credit-balance">2,000<`, "14 days left in your trial")
		r = b.post("/sites", url.Values{"name": {""}, "domain": {"not a domain"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad site: %d", r.Status)
		}
		mustContain(t, r, `value="not a domain"`, `aria-invalid="true"`)
		r = b.post("/sites", url.Values{"name": {"My Blog"}, "domain": {"blog.example.com"}})
		mustContain(t, r, "The site was created.", "My Blog", "1 of 1 used", `data-testid="site-limit"`)
		siteID := siteSectionRE.FindStringSubmatch(r.Body)[1]
		sector := sectorOptionRE.FindStringSubmatch(r.Body)[1]
		r = b.post("/sites/"+siteID+"/sectors", url.Values{"industry_sector_id": {sector}})
		mustContain(t, r, "The sector was added.", "(1 of 3)")
		// The plan's one site is used: the next is refused with the message.
		r = b.post("/sites", url.Values{"name": {"Second"}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("second site: %d", r.Status)
		}
		mustContain(t, r, `data-testid="site-error">Your plan allows 1 site`, `value="Second"`)
		// Delete and restore.
		r = b.post("/sectors/"+sectorDeleteRE.FindStringSubmatch(r.Body)[1]+"/delete", url.Values{"site_id": {siteID}})
		mustContain(t, r, "The sector was deleted.", "Restore the sector", "(0 of 3)")
		r = b.post("/sites/"+siteID+"/delete", nil)
		mustContain(t, r, "The site was deleted.", "0 of 1 used", "Restore the site")
		// Later visits still offer it, with the end of its retention.
		r = b.get("/sites")
		mustContain(t, r, "Recently deleted", "My Blog", "restorable until")
		r = b.post("/sites/"+siteID+"/restore", nil)
		mustContain(t, r, "The site was restored.", "My Blog", "1 of 1 used")
		// Editing keeps the form escaping: a name with markup is text.
		r = b.post("/sites/"+siteID, url.Values{"name": {"<script>alert(1)</script>"}, "domain": {""}, "industry_id": {""}})
		mustContain(t, r, "&lt;script&gt;alert(1)&lt;/script&gt;")
		if strings.Contains(r.Body, "<script>alert(1)") {
			t.Fatal("a site name was rendered as markup")
		}
	})
}

func TestAnotherAccountsSiteIsNotFound(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	a, b := newBrowser(t, e), newBrowser(t, e)
	a.signUp("Tenant A")
	b.signUp("Tenant B")
	a.get("/sites")
	r := a.post("/sites", url.Values{"name": {"A's site"}})
	siteID := siteSectionRE.FindStringSubmatch(r.Body)[1]
	b.get("/sites")
	r = b.post("/sites/"+siteID+"/delete", nil)
	if r.Status != http.StatusNotFound {
		t.Fatalf("deleting another account's site: %d", r.Status)
	}
	if r := a.get("/sites"); !strings.Contains(r.Body, "A&#39;s site") {
		t.Fatalf("A's site is gone: %s", r.Body)
	}
}
