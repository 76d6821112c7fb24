package djangoimport

import (
	"strings"
	"time"
	"unicode"

	"github.com/igny8/igny8/internal/sqlstore"
)

var accountStatuses = map[string]bool{"trial": true, "active": true, "suspended": true, "cancelled": true}

var paymentMethods = map[string]bool{"stripe": true, "paypal": true, "bank_transfer": true}

func (im *importer) accounts() error {
	m := im.rep.model("account")
	slugs := map[string]int64{}
	for _, r := range im.d.rows["account"] {
		id, err := im.byLegacy("accounts", r.pk)
		if err != nil {
			return err
		}
		if id != "" {
			im.setID("account", r.pk, id)
			m.Skipped[skipImported]++
			continue
		}
		slug, status := r.token("slug", maxSlug), r.str("status")
		name := r.displayName("name", slug)
		plan, credits := im.id("plan", r.ref("plan")), r.integer("credits", 0)
		method := r.str("payment_method")
		billingEmail := strings.ToLower(r.token("billing_email", maxEmail))
		switch {
		case slug == "":
			r.fail("slug is required")
		case plan == "":
			r.fail("its plan %d is not a plan of the dump", r.ref("plan"))
		case !accountStatuses[status]:
			r.fail("status %q is none of trial, active, suspended, cancelled", status)
		case credits < 0:
			r.fail("credits %d are negative", credits)
		case method != "" && !paymentMethods[method]:
			r.fail("payment_method %q is none of stripe, paypal, bank_transfer", method)
		}
		if other, dup := slugs[slug]; dup && slug != "" {
			im.rep.conflict("account %d: slug %q is also the slug of account %d", r.pk, slug, other)
		}
		slugs[slug] = r.pk
		if len(r.errs) > 0 {
			continue // refused: no refused text goes to the database
		}
		taken, err := im.exists(`SELECT id FROM accounts WHERE slug = ?`, slug)
		if err != nil {
			return err
		}
		if taken {
			im.rep.conflict("account %d: slug %q is taken by an igny8 account", r.pk, slug)
		}
		if len(r.errs) > 0 || taken {
			continue
		}
		trialEnds, deleted := r.when("trial_ends_at"), r.when("deleted_at")
		if status == "trial" && trialEnds == nil {
			t := im.now.AddDate(0, 0, im.opt.TrialDays)
			trialEnds = &t
			im.rep.note("account %s (%d) was on trial without an end: its trial ends %s", slug, r.pk, t.Format(time.DateOnly))
		} else if status == "trial" && trialEnds.Before(im.now) && deleted == nil {
			im.rep.note("account %s (%d): its trial ended %s; the periodic job suspends it (trial_expired), its owner can still log in to pay",
				slug, r.pk, trialEnds.Format(time.DateOnly))
		}
		created := orNow(r.when("created_at"), im.now)
		updated := orNow(r.when("updated_at"), created)
		deletedAt, purge := im.deletion(deleted)
		reason, before := "", ""
		if deleted != nil {
			before, status, reason = status, "cancelled", "account_deleted"
		}
		var pm any
		if method != "" {
			pm = method
		}
		id = sqlstore.NewID()
		if _, err := im.tx.Exec(im.ctx, `INSERT INTO accounts (id, name, slug, plan_id, credits, ledger_seq, status,
			status_reason, trial_ends_at, payment_method, billing_email, created_at, updated_at, deleted_at, purge_after,
			status_before_delete, legacy_id) VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, name, slug, plan, status, reason, nullable(trialEnds), pm, billingEmail,
			created, updated, deletedAt, purge, before, r.pk); err != nil {
			return err
		}
		if err := im.tx.Audit(im.ctx, id, "account.imported", "account", id, map[string]any{"legacy_id": r.pk}); err != nil {
			return err
		}
		im.setID("account", r.pk, id)
		im.newAccounts[r.pk] = true
		m.Imported++
	}
	return nil
}

var roles = map[string]bool{"developer": true, "owner": true, "admin": true, "editor": true, "viewer": true}

// djangoFormats are the password hash formats a login verifies
// (internal/auth/django.go).
var djangoFormats = []string{"pbkdf2_sha256$", "pbkdf2_sha1$", "argon2$", "bcrypt_sha256$", "bcrypt$"}

func loginProblem(hash string) string {
	switch {
	case hash == "" || strings.HasPrefix(hash, "!"):
		return "unusable password (none was set in Django)"
	}
	for _, f := range djangoFormats {
		if strings.HasPrefix(hash, f) {
			return ""
		}
	}
	algorithm, _, _ := strings.Cut(hash, "$")
	return "password hash of a format igny8 does not verify (" + algorithm + ")"
}

func (im *importer) users() error {
	m := im.rep.model("user")
	byEmail := map[string][]int64{}
	for _, r := range im.d.rows["user"] {
		email := sqlstore.NormalizeEmail(r.token("email", maxEmail))
		byEmail[email] = append(byEmail[email], r.pk)
	}
	for email, pks := range byEmail {
		if len(pks) > 1 {
			im.rep.conflict("users %v: their e-mails are equal up to case (%s); igny8's are unique", pks, email)
		}
	}
	owners := map[string]int64{}
	for _, r := range im.d.rows["user"] {
		id, err := im.byLegacy("users", r.pk)
		if err != nil {
			return err
		}
		role, accountPK := r.str("role"), r.ref("account")
		account := ""
		if role != "developer" {
			account = im.id("account", accountPK)
		}
		im.accountOfUser[r.pk] = account
		if id != "" {
			im.setID("user", r.pk, id)
			m.Skipped[skipImported]++
			continue
		}
		if err := im.user(r, role, accountPK, account, owners, len(byEmail[sqlstore.NormalizeEmail(r.str("email"))]) > 1); err != nil {
			return err
		}
	}
	im.ownerless(owners)
	return nil
}

func (im *importer) user(r *row, role string, accountPK int64, account string, owners map[string]int64, dup bool) error {
	email := sqlstore.NormalizeEmail(r.str("email"))
	switch {
	case !strings.Contains(email, "@"):
		r.fail("e-mail %q is not an e-mail address", email)
	case !roles[role]:
		r.fail("role %q is none of developer, owner, admin, editor, viewer", role)
	case role != "developer" && accountPK == 0:
		r.fail("has no account; only a developer may have none")
	case role != "developer" && !im.inDump("account", accountPK):
		im.rep.conflict("user %d (%s): their account %d is missing from the dump", r.pk, email, accountPK)
		return nil
	}
	if len(r.errs) > 0 {
		return nil // refused: no refused text goes to the database
	}
	used, err := im.exists(`SELECT id FROM users WHERE email = ?`, email)
	if err != nil {
		return err
	}
	if used {
		im.rep.conflict("user %d: the e-mail %s is already used in igny8", r.pk, email)
	}
	if role == "owner" && account != "" {
		if other, ok := owners[account]; ok {
			im.rep.conflict("users %d and %d are both owners of account %d", other, r.pk, accountPK)
		}
		owners[account] = r.pk
	}
	if len(r.errs) > 0 || used || dup || (account == "" && role != "developer") {
		return nil
	}
	first, firstFault := r.text("first_name")
	last, lastFault := r.text("last_name")
	fault := firstFault
	if fault == "" {
		fault = lastFault
	}
	full, standIn := first+" "+last, ""
	if blankName(full) {
		standIn = r.displayName("username", "")
	}
	name := r.cleanName("first_name + last_name", full, fault, standIn, true)
	hash, hashFault := r.text("password")
	if hashFault != "" || strings.IndexFunc(hash, unicode.IsControl) >= 0 {
		hash = "!"
		r.clean("password", "not a password hash (it is not text): unusable here")
	}
	active := r.boolean("is_active", true)
	if p := loginProblem(hash); p != "" {
		im.rep.CannotLogIn = append(im.rep.CannotLogIn, UserNote{Email: email, LegacyID: r.pk, Reason: p})
	} else if !active {
		im.rep.CannotLogIn = append(im.rep.CannotLogIn, UserNote{Email: email, LegacyID: r.pk,
			Reason: "inactive in Django, inactive here"})
	}
	var acct any
	if role == "developer" {
		im.rep.SystemAdministrators = append(im.rep.SystemAdministrators,
			email+": a Django developer; a system administrator here, without an account")
	} else {
		acct = account
	}
	created := orNow(r.when("date_joined"), im.now)
	deletedAt, purge := im.deletion(r.when("deleted_at"))
	id := sqlstore.NewID()
	// The dump carries no allauth account_emailaddress (no verified flag):
	// imported people are existing customers, so their address counts as
	// verified (docs/design.md section 3).
	if _, err := im.tx.Exec(im.ctx, `INSERT INTO users (id, email, name, password_hash, role, account_id, is_active,
		last_login_at, created_at, updated_at, deleted_at, purge_after, legacy_id, email_verified_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, email, name, hash, role, acct, active, nullable(r.when("last_login")), created, created,
		deletedAt, purge, r.pk, im.now); err != nil {
		return err
	}
	im.setID("user", r.pk, id)
	im.rep.model("user").Imported++
	return nil
}

// ownerless lists the accounts of this run that have no owner here (their
// Django owner was a developer, or a user who did not come across).
func (im *importer) ownerless(owners map[string]int64) {
	for _, r := range im.d.rows["account"] {
		id := im.id("account", r.pk)
		if !im.newAccounts[r.pk] || owners[id] != 0 {
			continue
		}
		line := r.str("slug") + ": no owner"
		if owner := im.findRow("user", r.ref("owner")); owner != nil && owner.str("role") == "developer" {
			line += " (its Django owner " + sqlstore.NormalizeEmail(owner.str("email")) + " is a system administrator here); transfer it to a member or invite one"
		}
		im.rep.AccountsWithoutOwner = append(im.rep.AccountsWithoutOwner, line)
	}
}

func (im *importer) findRow(model string, pk int64) *row { return im.d.byPK[model][pk] }
