package djangoimport

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
)

// Options are the flags of `igny8 import django`.
type Options struct {
	// DryRun finds the conflicts and counts everything, then writes nothing.
	DryRun bool
	// UpdatePlans lets the dump's plans change igny8's plans of the same
	// slug (never igny8's free-trial plan).
	UpdatePlans bool
	// Retention is how long soft-deleted rows stay restorable, counted
	// from the import.
	Retention time.Duration
	// TrialDays gives a trial account without an end date its trial.
	TrialDays int
	// Currency is the currency of the dump's plan prices (default USD).
	Currency string
	// PasswordResets, when not zero, e-mails every imported user whose
	// password cannot be verified a link to choose one, valid this long
	// (--send-password-resets, --reset-valid-for), in the import's
	// transaction; NewToken mints each link's token and its hash.
	PasswordResets time.Duration
	NewToken       func() (token, hash string)

	// failAfter makes the run fail after the step of that model (tests of
	// all or nothing).
	failAfter string
}

// errRollback ends the transaction of a dry run or of a run with conflicts.
var errRollback = errors.New("djangoimport: roll back")

// Run imports the dump read from r into db in one transaction, acting as
// the system administrator of ctx. It returns the report also when it
// fails on conflicts: then, as on a dry run, nothing is written.
// Errors: validation_failed (a dump that cannot be read), conflict (the
// report lists the conflicts), or a database error.
func Run(ctx context.Context, db *sqlstore.DB, r io.Reader, opt Options) (*Report, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	d, err := parseDump(r)
	if err != nil {
		return nil, igny8.Invalid(err.Error())
	}
	if opt.Currency == "" {
		opt.Currency = "USD"
	}
	if opt.TrialDays < 1 {
		opt.TrialDays = 14
	}
	if opt.PasswordResets != 0 && (opt.PasswordResets < time.Hour || opt.PasswordResets > igny8.MaxMigrationResetTTL || opt.NewToken == nil) {
		return nil, igny8.InvalidField("reset_valid_for", fmt.Sprintf("must be between 1h and %s", igny8.MaxMigrationResetTTL))
	}
	var rep *Report
	err = db.InTx(ctx, func(tx *sqlstore.Tx) error {
		rep = newReport(d, opt.DryRun)
		im := &importer{ctx: ctx, tx: tx, now: tx.Now(), opt: opt, d: d, rep: rep, ids: map[string]map[int64]string{},
			newAccounts: map[int64]bool{}, accountOfUser: map[int64]string{}, accountOfSite: map[string]string{}}
		if err := im.run(); err != nil {
			return err
		}
		if len(rep.Conflicts) == 0 && opt.PasswordResets > 0 {
			if err := im.passwordResets(); err != nil {
				return err
			}
		}
		if len(rep.Conflicts) > 0 || opt.DryRun {
			return errRollback
		}
		return nil
	})
	if rep != nil && err != nil {
		for i := range rep.SitesNeedingAPIKey { // rolled back: the ids were never stored
			rep.SitesNeedingAPIKey[i].SiteID = ""
		}
		for i := range rep.PasswordResets { // nor the links and their messages
			rep.PasswordResets[i].MessageIDs = []string{}
		}
	}
	switch {
	case errors.Is(err, errRollback) && len(rep.Conflicts) > 0 && !opt.DryRun:
		return rep, igny8.Errorf(igny8.EConflict, "%d conflicts were found; nothing was imported.", len(rep.Conflicts))
	case errors.Is(err, errRollback):
		return rep, nil
	case err != nil:
		return rep, err
	}
	rep.Applied = true
	return rep, nil
}

// importer is one run: the transaction, and the igny8 ids of the dump's
// rows by model and Django pk.
type importer struct {
	ctx context.Context
	tx  *sqlstore.Tx
	now time.Time
	opt Options
	d   *dump
	rep *Report
	ids map[string]map[int64]string
	// newAccounts are the accounts this run creates: only their ledgers
	// are imported (an account imported before keeps igny8's ledger).
	newAccounts map[int64]bool
	// accountOfUser is the igny8 account of each user ("" for developers).
	accountOfUser map[int64]string
	// accountOfSite is the igny8 account of each igny8 site id.
	accountOfSite map[string]string
}

func (im *importer) run() error {
	steps := []struct {
		model string
		f     func() error
	}{
		{"plan", im.plans}, {"industry", im.industries}, {"industrysector", im.industrySectors},
		{"account", im.accounts}, {"user", im.users}, {"site", im.sites}, {"sector", im.sectors},
		{"siteuseraccess", im.siteAccess}, {"credittransaction", im.ledgers},
	}
	for _, s := range steps {
		if err := s.f(); err != nil {
			return fmt.Errorf("%s: %w", s.model, err)
		}
		if im.opt.failAfter == s.model {
			return fmt.Errorf("injected failure after %s", s.model)
		}
	}
	for _, name := range modelOrder {
		for _, r := range im.d.rows[name] {
			for _, e := range r.errs {
				im.rep.conflict("%s %d: %s", name, r.pk, e)
			}
			for _, c := range r.cleaned {
				c.Model, c.LegacyID = name, r.pk
				im.rep.Cleaned = append(im.rep.Cleaned, c)
			}
		}
	}
	if im.rep.changes() == 0 {
		return nil
	}
	return im.tx.Audit(im.ctx, "", "import.django", "", "", map[string]any{"models": im.counts()})
}

func (im *importer) counts() map[string]int {
	out := map[string]int{}
	for _, m := range im.rep.Models {
		out[m.Model] = m.Imported + m.Updated
	}
	return out
}

// id is the igny8 id of the dump's row of model with pk ("" when unknown).
func (im *importer) id(model string, pk int64) string { return im.ids[model][pk] }

func (im *importer) setID(model string, pk int64, id string) {
	if im.ids[model] == nil {
		im.ids[model] = map[int64]string{}
	}
	im.ids[model][pk] = id
}

// inDump reports whether the dump has a row of model with pk.
func (im *importer) inDump(model string, pk int64) bool { return im.findRow(model, pk) != nil }

// byLegacy finds the igny8 row of table imported before from pk.
func (im *importer) byLegacy(table string, pk int64) (string, error) {
	var id string
	err := im.tx.QueryRow(im.ctx, `SELECT id FROM `+table+` WHERE legacy_id = ?`, pk).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// exists reports whether q finds a row.
func (im *importer) exists(q string, args ...any) (bool, error) {
	var n int
	err := im.tx.QueryRow(im.ctx, `SELECT COUNT(*) FROM (`+q+`) x`, args...).Scan(&n)
	return n > 0, err
}

const skipImported = "imported before (matched by legacy_id)"

// deletion returns deleted_at and purge_after of a soft-deleted row:
// restorable for the retention from the import.
func (im *importer) deletion(deleted *time.Time) (any, any) {
	if deleted == nil {
		return nil, nil
	}
	return *deleted, im.now.Add(im.opt.Retention)
}

func orNow(t *time.Time, now time.Time) time.Time {
	if t == nil {
		return now
	}
	return *t
}

func nullable(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

func (im *importer) plans() error {
	m := im.rep.model("plan")
	for _, r := range im.d.rows["plan"] {
		slug := r.token("slug", maxPlanSlug)
		p := igny8.Plan{Slug: slug, Name: r.displayName("name", slug), Price: r.money("price"),
			Currency: im.opt.Currency, IncludedCredits: r.integer("included_credits", 0),
			MaxSites: int(r.integer("max_sites", 1)), MaxUsers: int(r.integer("max_users", 1)),
			MaxSectorsPerSite: int(r.integer("max_sectors", 5)), IsActive: r.boolean("is_active", true),
			Features: r.proseList("features", maxFeature)}
		if len(r.errs) > 0 {
			continue
		}
		if p.Slug == "" || p.IncludedCredits < 0 || p.MaxSites < 0 || p.MaxUsers < 1 || p.MaxSectorsPerSite < 0 {
			r.fail("slug is required; credits and limits must not be negative, max_users at least 1")
			continue
		}
		features, _ := json.Marshal(p.Features)
		var id string
		err := im.tx.QueryRow(im.ctx, `SELECT id FROM plans WHERE slug = ?`, p.Slug).Scan(&id)
		switch {
		case err == nil && p.Slug == igny8.PlanFreeTrial:
			m.Skipped["igny8's own free-trial plan; kept as it is"]++
		case err == nil && !im.opt.UpdatePlans:
			m.Skipped["igny8 has a plan of this slug; kept as it is (--update-plans changes it)"]++
		case err == nil:
			if _, err := im.tx.Exec(im.ctx, `UPDATE plans SET name = ?, price = ?, currency = ?, included_credits = ?,
				max_sites = ?, max_users = ?, max_sectors_per_site = ?, is_active = ?, features = ?, updated_at = ?
				WHERE id = ?`, p.Name, p.Price, p.Currency, p.IncludedCredits, p.MaxSites, p.MaxUsers,
				p.MaxSectorsPerSite, p.IsActive, string(features), im.now, id); err != nil {
				return err
			}
			m.Updated++
		case errors.Is(err, sql.ErrNoRows):
			id = sqlstore.NewID()
			if _, err := im.tx.Exec(im.ctx, `INSERT INTO plans (id, slug, name, price, currency, billing_period,
				included_credits, max_sites, max_users, max_sectors_per_site, api_requests_per_minute, is_active, features,
				created_at, updated_at, legacy_id) VALUES (?, ?, ?, ?, ?, 'month', ?, ?, ?, ?, 60, ?, ?, ?, ?, ?)`,
				id, p.Slug, p.Name, p.Price, p.Currency, p.IncludedCredits, p.MaxSites, p.MaxUsers,
				p.MaxSectorsPerSite, p.IsActive, string(features), im.now, im.now, r.pk); err != nil {
				return err
			}
			m.Imported++
		default:
			return err
		}
		im.setID("plan", r.pk, id)
	}
	return nil
}

func (im *importer) industries() error {
	m := im.rep.model("industry")
	for _, r := range im.d.rows["industry"] {
		slug := r.token("slug", maxSlug)
		name := r.displayName("name", slug)
		if slug == "" {
			r.fail("slug is required")
		}
		if len(r.errs) > 0 {
			continue
		}
		var id string
		err := im.tx.QueryRow(im.ctx, `SELECT id FROM industries WHERE slug = ?`, slug).Scan(&id)
		switch {
		case err == nil:
			m.Skipped["igny8 has an industry of this slug; used as it is"]++
		case errors.Is(err, sql.ErrNoRows):
			id = sqlstore.NewID()
			if _, err := im.tx.Exec(im.ctx, `INSERT INTO industries (id, slug, name, is_active, legacy_id) VALUES (?, ?, ?, ?, ?)`,
				id, slug, name, r.boolean("is_active", true), r.pk); err != nil {
				return err
			}
			m.Imported++
		default:
			return err
		}
		im.setID("industry", r.pk, id)
	}
	return nil
}

func (im *importer) industrySectors() error {
	m := im.rep.model("industrysector")
	for _, r := range im.d.rows["industrysector"] {
		slug, industry := r.token("slug", maxSlug), im.id("industry", r.ref("industry"))
		name := r.displayName("name", slug)
		if slug == "" || industry == "" {
			r.fail("slug and an industry of the dump are required")
		}
		if len(r.errs) > 0 {
			continue
		}
		var id string
		err := im.tx.QueryRow(im.ctx, `SELECT id FROM industry_sectors WHERE industry_id = ? AND slug = ?`, industry, slug).Scan(&id)
		switch {
		case err == nil:
			m.Skipped["igny8 has this sector of the industry; used as it is"]++
		case errors.Is(err, sql.ErrNoRows):
			id = sqlstore.NewID()
			if _, err := im.tx.Exec(im.ctx, `INSERT INTO industry_sectors (id, industry_id, slug, name, is_active, legacy_id)
				VALUES (?, ?, ?, ?, ?, ?)`, id, industry, slug, name, r.boolean("is_active", true), r.pk); err != nil {
				return err
			}
			m.Imported++
		default:
			return err
		}
		im.setID("industrysector", r.pk, id)
	}
	return nil
}
