package djangoimport

import (
	"github.com/igny8/igny8/internal/sqlstore"
)

type siteSlug struct{ parent, slug string }

func (im *importer) sites() error {
	m := im.rep.model("site")
	live := map[siteSlug]int64{}
	for _, r := range im.d.rows["site"] {
		id, err := im.byLegacy("sites", r.pk)
		if err != nil {
			return err
		}
		if id != "" {
			var account string
			if err := im.tx.QueryRow(im.ctx, `SELECT account_id FROM sites WHERE id = ?`, id).Scan(&account); err != nil {
				return err
			}
			im.setID("site", r.pk, id)
			im.accountOfSite[id] = account
			m.Skipped[skipImported]++
			continue
		}
		slug, accountPK := r.token("slug", maxSlug), r.ref("account")
		name, domain := r.displayName("name", slug), r.token("domain", maxDomain)
		account := im.id("account", accountPK)
		industryPK := r.ref("industry")
		industry := im.id("industry", industryPK)
		deleted := r.when("deleted_at")
		switch {
		case !im.inDump("account", accountPK):
			im.rep.conflict("site %d (%s): its account %d is missing from the dump", r.pk, slug, accountPK)
			continue
		case slug == "":
			r.fail("slug is required")
		case industryPK != 0 && industry == "":
			r.fail("its industry %d is not an industry of the dump", industryPK)
		}
		if deleted == nil && account != "" && len(r.errs) == 0 {
			key := siteSlug{account, slug}
			if other, ok := live[key]; ok {
				im.rep.conflict("sites %d and %d of one account have the slug %q", other, r.pk, slug)
				continue
			}
			live[key] = r.pk
			taken, err := im.exists(`SELECT id FROM sites WHERE account_id = ? AND slug = ? AND deleted_at IS NULL`, account, slug)
			if err != nil {
				return err
			}
			if taken {
				im.rep.conflict("site %d: the slug %q is taken by a site of its igny8 account", r.pk, slug)
				continue
			}
		}
		if len(r.errs) > 0 || account == "" {
			continue
		}
		var ind any
		if industry != "" {
			ind = industry
		}
		created := orNow(r.when("created_at"), im.now)
		deletedAt, purge := im.deletion(deleted)
		id = sqlstore.NewID()
		if _, err := im.tx.Exec(im.ctx, `INSERT INTO sites (id, account_id, name, slug, domain, industry_id, is_active,
			created_at, updated_at, deleted_at, purge_after, legacy_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, account, name, slug, domain, ind, r.boolean("is_active", true),
			created, created, deletedAt, purge, r.pk); err != nil {
			return err
		}
		im.setID("site", r.pk, id)
		im.accountOfSite[id] = account
		m.Imported++
		if deleted == nil {
			im.rep.SitesNeedingAPIKey = append(im.rep.SitesNeedingAPIKey, SiteKey{SiteID: id, LegacyID: r.pk, Name: name,
				Domain: domain, Account: im.accountSlug(accountPK), OwnerEmail: im.ownerEmail(accountPK)})
		}
	}
	return nil
}

func (im *importer) accountSlug(pk int64) string {
	if r := im.findRow("account", pk); r != nil {
		return r.str("slug")
	}
	return ""
}

// ownerEmail is the e-mail of the user who owns the dump's account pk here.
func (im *importer) ownerEmail(pk int64) string {
	for _, u := range im.d.rows["user"] {
		if u.ref("account") == pk && u.str("role") == "owner" {
			return sqlstore.NormalizeEmail(u.str("email"))
		}
	}
	return ""
}

func (im *importer) sectors() error {
	m := im.rep.model("sector")
	live := map[siteSlug]int64{}
	for _, r := range im.d.rows["sector"] {
		id, err := im.byLegacy("sectors", r.pk)
		if err != nil {
			return err
		}
		if id != "" {
			m.Skipped[skipImported]++
			continue
		}
		slug, sitePK := r.token("slug", maxSlug), r.ref("site")
		name := r.displayName("name", slug)
		site := im.id("site", sitePK)
		isPK := r.ref("industry_sector")
		industrySector := im.id("industrysector", isPK)
		deleted := r.when("deleted_at")
		switch {
		case !im.inDump("site", sitePK):
			im.rep.conflict("sector %d (%s): its site %d is missing from the dump", r.pk, slug, sitePK)
			continue
		case slug == "":
			r.fail("slug is required")
		case isPK != 0 && industrySector == "":
			r.fail("its industry sector %d is not one of the dump", isPK)
		}
		if site == "" || len(r.errs) > 0 {
			continue
		}
		account := im.accountOfSite[site]
		if theirs := r.ref("account"); theirs != 0 && im.id("account", theirs) != account {
			im.rep.note("sector %d named account %d; it takes its site's account, as igny8 requires", r.pk, theirs)
		}
		if deleted == nil && len(r.errs) == 0 {
			key := siteSlug{site, slug}
			if other, ok := live[key]; ok {
				im.rep.conflict("sectors %d and %d of site %d have the slug %q", other, r.pk, sitePK, slug)
				continue
			}
			live[key] = r.pk
			taken, err := im.exists(`SELECT id FROM sectors WHERE site_id = ? AND slug = ? AND deleted_at IS NULL`, site, slug)
			if err != nil {
				return err
			}
			if taken {
				im.rep.conflict("sector %d: the slug %q is taken by a sector of its igny8 site", r.pk, slug)
				continue
			}
		}
		var is any
		if industrySector != "" {
			is = industrySector
		}
		created := orNow(r.when("created_at"), im.now)
		deletedAt, purge := im.deletion(deleted)
		if _, err := im.tx.Exec(im.ctx, `INSERT INTO sectors (id, account_id, site_id, industry_sector_id, name, slug,
			is_active, created_at, updated_at, deleted_at, purge_after, legacy_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sqlstore.NewID(), account, site, is, name, slug, r.boolean("is_active", true), created, created,
			deletedAt, purge, r.pk); err != nil {
			return err
		}
		m.Imported++
	}
	return nil
}

func (im *importer) siteAccess() error {
	m := im.rep.model("siteuseraccess")
	for _, r := range im.d.rows["siteuseraccess"] {
		id, err := im.byLegacyGrant(r.pk)
		if err != nil {
			return err
		}
		if id {
			m.Skipped[skipImported]++
			continue
		}
		userPK, sitePK := r.ref("user"), r.ref("site")
		user, site := im.id("user", userPK), im.id("site", sitePK)
		switch {
		case !im.inDump("user", userPK) || !im.inDump("site", sitePK):
			im.rep.conflict("site access %d: its user %d or site %d is missing from the dump", r.pk, userPK, sitePK)
			continue
		case user == "" || site == "":
			continue // the user or the site did not come across: its conflict is reported
		case im.accountOfUser[userPK] == "":
			m.Skipped["grant to a developer: a system administrator here, who sees every site"]++
			continue
		case im.accountOfUser[userPK] != im.accountOfSite[site]:
			m.Skipped["grant to a user of another account"]++
			continue
		}
		dup, err := im.exists(`SELECT user_id FROM site_user_access WHERE site_id = ? AND user_id = ?`, site, user)
		if err != nil {
			return err
		}
		if dup {
			m.Skipped["the same user and site as another grant"]++
			continue
		}
		grantedBy := im.id("user", r.ref("granted_by"))
		if grantedBy == "" {
			grantedBy = "system"
		}
		if _, err := im.tx.Exec(im.ctx, `INSERT INTO site_user_access (account_id, site_id, user_id, granted_by, granted_at,
			legacy_id) VALUES (?, ?, ?, ?, ?, ?)`, im.accountOfSite[site], site, user, grantedBy,
			orNow(r.when("granted_at"), im.now), r.pk); err != nil {
			return err
		}
		m.Imported++
	}
	return nil
}

func (im *importer) byLegacyGrant(pk int64) (bool, error) {
	return im.exists(`SELECT user_id FROM site_user_access WHERE legacy_id = ?`, pk)
}
