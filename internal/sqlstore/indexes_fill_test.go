package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/sqlstore"
)

// tenantsFx is a database holding many small accounts and one big one,
// written with raw SQL so that it fills in a second or two.
type tenantsFx struct {
	now time.Time
	// big is the account with hundreds or thousands of rows of each kind;
	// small is one of the many accounts with a few.
	big, small tenantIDs
}

// tenantIDs are ids of one account's rows that the plan tests look up.
type tenantIDs struct {
	account, owner, member, site, sector, apiKeyPrefix, creditTx, subscription, payment string
}

// tenantShape is how many rows of each kind an account gets.
type tenantShape struct {
	users, sites, sectorsPerSite, apiKeys, invitations, sessions, txs, audit, subscriptions int
}

var (
	smallTenant = tenantShape{users: 2, sites: 3, sectorsPerSite: 2, apiKeys: 2, invitations: 2, sessions: 3, txs: 6, audit: 6, subscriptions: 3}
	bigTenant   = tenantShape{users: 60, sites: 300, sectorsPerSite: 3, apiKeys: 100, invitations: 60, sessions: 5, txs: 3000, audit: 3000, subscriptions: 36}
)

// rowSet gathers the rows of one table for bulkInsert.
type rowSet struct {
	table string
	cols  []string
	rows  [][]any
}

func (r *rowSet) add(vals ...any) { r.rows = append(r.rows, vals) }

// bulkInsert writes the sets in multi-row INSERTs inside one transaction.
func bulkInsert(t testing.TB, db *sqlstore.DB, sets ...*rowSet) {
	t.Helper()
	tx, err := db.SQL().BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, rs := range sets {
		per := 500 / len(rs.cols)
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(rs.cols)), ", ") + ")"
		for start := 0; start < len(rs.rows); start += per {
			batch := rs.rows[start:min(start+per, len(rs.rows))]
			var args []any
			for _, r := range batch {
				args = append(args, r...)
			}
			q := `INSERT INTO ` + rs.table + ` (` + strings.Join(rs.cols, ", ") + `) VALUES ` +
				strings.TrimSuffix(strings.Repeat(one+", ", len(batch)), ", ")
			if _, err := tx.Exec(db.Rebind(q), args...); err != nil {
				t.Fatalf("insert into %s: %v", rs.table, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// tenantFill builds the rows of fillTenants.
type tenantFill struct {
	now                                           time.Time
	plans                                         map[string]string // slug -> id
	industrySector                                string
	accounts, users, sites, sectors, access, keys *rowSet
	invitations, refresh, sessions, txs, usage    *rowSet
	resets                                        *rowSet
	subscriptions, payments, audit                *rowSet
	tenants                                       []*tenantRows
}

// tenantRows is one account as the fill goes: its shape and the ids the
// later rounds refer to.
type tenantRows struct {
	n                                   int
	shape                               tenantShape
	id, owner, status, firstTx, lastSub string
	users, sites, sectors               []string
	seq, balance                        int64
}

func (f *tenantFill) ago(d time.Duration) time.Time { return f.now.Add(-d) }

const fillDay = 24 * time.Hour

// softDeleted spreads deletions over the last 40 days (retention is 30),
// so that some rows are restorable and some are due for purge.
func (f *tenantFill) softDeleted(n int) (any, any) {
	at := f.ago(time.Duration(n%40)*fillDay + time.Duration(n)*time.Second)
	return at, at.Add(30 * fillDay)
}

// fillTenants writes n small accounts and one big one. Rows are created
// round by round across the accounts, as time would interleave them, so
// that an account's rows are spread over every table's id order.
func fillTenants(t testing.TB, db *sqlstore.DB, n int) *tenantsFx {
	t.Helper()
	f := newTenantFill(t, db)
	for i := 0; i <= n; i++ {
		shape := smallTenant
		if i == 0 {
			shape = bigTenant
		}
		f.account(i, shape)
	}
	round := 1
	for f.round(round) {
		round++
	}
	bulkInsert(t, db, f.accounts, f.users, f.sites, f.sectors, f.access, f.keys, f.invitations, f.refresh, f.sessions,
		f.resets, f.txs, f.usage, f.subscriptions, f.payments, f.audit)
	return &tenantsFx{now: f.now, big: f.ids(t, db, f.tenants[0]), small: f.ids(t, db, f.tenants[11])}
}

func newTenantFill(t testing.TB, db *sqlstore.DB) *tenantFill {
	t.Helper()
	ctx := context.Background()
	f := &tenantFill{now: time.Now().UTC().Truncate(time.Microsecond), plans: map[string]string{}}
	rows, err := db.SQL().QueryContext(ctx, `SELECT slug, id FROM plans`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var slug, id string
		if err := rows.Scan(&slug, &id); err != nil {
			t.Fatal(err)
		}
		f.plans[slug] = id
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT MIN(id) FROM industry_sectors`).Scan(&f.industrySector); err != nil {
		t.Fatal(err)
	}
	set := func(table string, cols ...string) *rowSet { return &rowSet{table: table, cols: cols} }
	f.accounts = set("accounts", "id", "name", "slug", "plan_id", "credits", "status", "trial_ends_at", "billing_email",
		"created_at", "updated_at", "deleted_at", "purge_after")
	f.users = set("users", "id", "email", "name", "role", "account_id", "created_at", "updated_at", "deleted_at", "purge_after",
		"password_hash")
	f.sites = set("sites", "id", "account_id", "name", "slug", "created_at", "updated_at", "deleted_at", "purge_after")
	f.sectors = set("sectors", "id", "account_id", "site_id", "industry_sector_id", "name", "slug", "created_at", "updated_at",
		"deleted_at", "purge_after")
	f.access = set("site_user_access", "account_id", "site_id", "user_id", "granted_by", "granted_at")
	f.keys = set("api_keys", "id", "account_id", "name", "prefix", "secret_hash", "created_at", "revoked_at")
	f.invitations = set("invitations", "id", "account_id", "email", "role", "token_hash", "invited_by", "expires_at",
		"accepted_at", "created_at")
	f.refresh = set("refresh_tokens", "id", "family_id", "user_id", "token_hash", "expires_at", "used_at", "created_at")
	f.sessions = set("web_sessions", "id", "user_id", "token_hash", "csrf_token", "expires_at", "created_at")
	f.resets = set("password_resets", "id", "user_id", "token_hash", "purpose", "expires_at", "created_at")
	f.txs = set("credit_transactions", "id", "account_id", "seq", "type", "amount", "balance_after", "idempotency_key", "created_at")
	f.usage = set("credit_usage_logs", "id", "account_id", "site_id", "operation", "credits_used", "outcome", "transaction_id",
		"refund_transaction_id", "idempotency_key", "created_at")
	f.subscriptions = set("subscriptions", "id", "account_id", "plan_id", "status", "payment_method", "current_period_start",
		"current_period_end", "created_at", "updated_at")
	f.payments = set("payments", "id", "account_id", "subscription_id", "plan_id", "amount", "currency", "method", "status",
		"reference", "confirmed_by", "confirmed_at", "created_at", "updated_at")
	f.audit = set("audit_events", "id", "account_id", "actor", "action", "target_type", "target_id", "created_at")
	return f
}

// account adds account i with its owner: most are on a trial (some
// expired), a few in ten pay, one in ten is suspended, one in fifty is
// deleted.
func (f *tenantFill) account(i int, shape tenantShape) {
	a := &tenantRows{n: i, shape: shape, id: sqlstore.NewID(), owner: sqlstore.NewID(), status: "trial"}
	f.tenants = append(f.tenants, a)
	plan, trialEnds := f.plans["free-trial"], any(f.now.Add(time.Duration(i%20-3)*fillDay))
	switch {
	case i == 0 || i%10 == 1 || i%10 == 4:
		a.status, plan, trialEnds = "active", f.plans["enterprise"], nil
	case i%10 == 2:
		a.status = "suspended"
	}
	var deleted, purge any
	if i%50 == 7 {
		deleted, purge = f.softDeleted(i)
	}
	f.accounts.add(a.id, fmt.Sprintf("Account %d", i), fmt.Sprintf("account-%d", i), plan, 1000, a.status, trialEnds,
		fmt.Sprintf("billing-%d@example.com", i), f.ago(90*fillDay), f.ago(fillDay), deleted, purge)
	f.users.add(a.owner, fmt.Sprintf("owner-%d@example.com", i), "Owner", "owner", a.id, f.ago(90*fillDay), f.ago(90*fillDay), nil, nil,
		fillPasswordHash(a.owner))
	a.users = []string{a.owner}
}

// round adds the round-th row of each kind to every account that has that
// many, and reports whether any account had.
func (f *tenantFill) round(round int) bool {
	more := false
	for _, a := range f.tenants {
		for _, add := range []func(*tenantRows, int) bool{f.member, f.site, f.apiKey, f.invitation, f.session,
			f.credit, f.auditEvent, f.subscription} {
			more = add(a, round) || more
		}
	}
	return more
}

func (f *tenantFill) member(a *tenantRows, round int) bool {
	if round >= a.shape.users {
		return false
	}
	id := sqlstore.NewID()
	var deleted, purge any
	if round%7 == 6 {
		deleted, purge = f.softDeleted(a.n + round)
	}
	f.users.add(id, fmt.Sprintf("user-%d-%d@example.com", a.n, round), "Member", "editor", a.id, f.ago(80*fillDay), f.ago(80*fillDay),
		deleted, purge, fillPasswordHash(id))
	a.users = append(a.users, id)
	return true
}

// site adds a site with its sectors (deleted with it, one in three) and a
// member's grant on it.
func (f *tenantFill) site(a *tenantRows, round int) bool {
	if round > a.shape.sites {
		return false
	}
	id := sqlstore.NewID()
	var deleted, purge any
	if round%3 == 0 {
		deleted, purge = f.softDeleted(a.n + round)
	}
	f.sites.add(id, a.id, fmt.Sprintf("Site %d", round), fmt.Sprintf("site-%d", round), f.ago(70*fillDay), f.ago(70*fillDay), deleted, purge)
	a.sites = append(a.sites, id)
	for k := 0; k < a.shape.sectorsPerSite; k++ {
		sector := sqlstore.NewID()
		f.sectors.add(sector, a.id, id, f.industrySector, fmt.Sprintf("Sector %d", k), fmt.Sprintf("sector-%d", k),
			f.ago(60*fillDay), f.ago(60*fillDay), deleted, purge)
		a.sectors = append(a.sectors, sector)
	}
	if len(a.users) > 1 {
		f.access.add(a.id, id, a.users[1+round%(len(a.users)-1)], a.owner, f.ago(50*fillDay))
	}
	return true
}

func (f *tenantFill) apiKey(a *tenantRows, round int) bool {
	if round > a.shape.apiKeys {
		return false
	}
	var revoked any
	if round%2 == 0 {
		revoked = f.ago(fillDay)
	}
	f.keys.add(sqlstore.NewID(), a.id, "Key", fmt.Sprintf("k%d-%d", a.n, round), "hash", f.ago(40*fillDay), revoked)
	return true
}

// invitation adds an invitation of the last nine days; they last seven
// and the credential clean-up deletes them a fillDay after, half are accepted.
func (f *tenantFill) invitation(a *tenantRows, round int) bool {
	if round > a.shape.invitations {
		return false
	}
	created := f.ago(time.Duration((a.n+round)%9) * fillDay)
	var accepted any
	if round%2 == 1 {
		accepted = created.Add(time.Hour)
	}
	f.invitations.add(sqlstore.NewID(), a.id, fmt.Sprintf("invitee-%d-%d@example.com", a.n, round), "viewer",
		fmt.Sprintf("inv-%d-%d", a.n, round), a.owner, created.Add(7*fillDay), accepted, created)
	return true
}

// session adds a refresh token and a web session of a user; they last 30
// days and the credential clean-up deletes them a fillDay after.
func (f *tenantFill) session(a *tenantRows, round int) bool {
	if round > a.shape.sessions {
		return false
	}
	user := round % len(a.users)
	var used any
	if round > 1 {
		used = f.ago(time.Hour)
	}
	expires := f.now.Add(time.Duration(30-(a.n+round)%32) * fillDay)
	f.refresh.add(sqlstore.NewID(), fmt.Sprintf("fam-%d-%d", a.n, user), a.users[user], fmt.Sprintf("rt-%d-%d", a.n, round),
		expires, used, expires.Add(-30*fillDay))
	f.sessions.add(sqlstore.NewID(), a.users[user], fmt.Sprintf("ws-%d-%d", a.n, round), "csrf", expires, expires.Add(-30*fillDay))
	// A reset link of the last day (the daily clean-up removed the older
	// ones), one in fifty a few days old.
	asked := f.ago(time.Duration((a.n*7+round)%24) * time.Hour)
	if (a.n+round)%50 == 0 {
		asked = f.ago(3 * fillDay)
	}
	f.resets.add(sqlstore.NewID(), a.users[user], fmt.Sprintf("pr-%d-%d", a.n, round), "forgot", asked.Add(time.Hour), asked)
	return true
}

// credit adds a ledger row: the trial grant first, then AI operations
// with their usage logs; one in fifty fails and is refunded, one in 97 is
// still running.
func (f *tenantFill) credit(a *tenantRows, round int) bool {
	if round > a.shape.txs {
		return false
	}
	at := f.ago(time.Duration(a.shape.txs-round) * time.Minute)
	if round == 1 {
		a.firstTx = f.creditTx(a, "trial_grant", 100000, nil, at)
		return true
	}
	var key any
	if round%5 == 0 {
		key = fmt.Sprintf("key-%d", round)
	}
	deduction := f.creditTx(a, "deduction", -5, key, at)
	outcome, refund := "succeeded", any(nil)
	switch {
	case round%50 == 0:
		outcome, refund = "failed", f.creditTx(a, "refund", 5, nil, at)
	case round%97 == 0:
		outcome = "pending"
	}
	var opKey any
	if round%4 == 0 {
		opKey = fmt.Sprintf("op-%d", round)
	}
	f.usage.add(sqlstore.NewID(), a.id, a.sites[round%len(a.sites)], "generate_ideas", 5, outcome, deduction, refund, opKey, at)
	return true
}

func (f *tenantFill) creditTx(a *tenantRows, typ string, amount int64, key any, at time.Time) string {
	id := sqlstore.NewID()
	a.seq++
	a.balance += amount
	f.txs.add(id, a.id, a.seq, typ, amount, a.balance, key, at)
	return id
}

// auditEvent adds an event of the account; a few are the system's own.
func (f *tenantFill) auditEvent(a *tenantRows, round int) bool {
	if round > a.shape.audit {
		return false
	}
	var account any = a.id
	if a.n%25 == 3 && round == 1 {
		account = nil
	}
	f.audit.add(sqlstore.NewID(), account, "user:"+a.owner, "site.updated", "site", "x",
		f.ago(time.Duration(a.shape.audit-round)*time.Minute))
	return true
}

// subscription gives a paying account its monthly history of confirmed
// payments, ending with the current period; one account in ten has a
// checkout awaiting its bank transfer.
func (f *tenantFill) subscription(a *tenantRows, round int) bool {
	if a.n%10 == 5 && round == 1 {
		sub := sqlstore.NewID()
		f.subscriptions.add(sub, a.id, f.plans["starter"], "pending_payment", "bank_transfer", nil, nil, f.ago(fillDay), f.ago(fillDay))
		f.payments.add(sqlstore.NewID(), a.id, sub, f.plans["starter"], 8900, "USD", "bank_transfer", "pending",
			fmt.Sprintf("REF-%d-P", a.n), nil, nil, f.ago(fillDay), f.ago(fillDay))
	}
	if a.status != "active" || round > a.shape.subscriptions {
		return false
	}
	months := a.shape.subscriptions - round
	status, start, end := "cancelled", f.ago(time.Duration(months+1)*30*fillDay), f.ago(time.Duration(months)*30*fillDay)
	if months == 0 {
		status, end = "active", f.now.Add(time.Duration(a.n%40-10)*fillDay)
	}
	a.lastSub = sqlstore.NewID()
	f.subscriptions.add(a.lastSub, a.id, f.plans["enterprise"], status, "bank_transfer", start, end, start, start)
	f.payments.add(sqlstore.NewID(), a.id, a.lastSub, f.plans["enterprise"], 9900, "USD", "bank_transfer", "confirmed",
		fmt.Sprintf("REF-%d-%d", a.n, round), "admin", start, start, start)
	return true
}

// ids picks the rows of a that the plan tests look up, once written.
func (f *tenantFill) ids(t testing.TB, db *sqlstore.DB, a *tenantRows) tenantIDs {
	t.Helper()
	ids := tenantIDs{account: a.id, owner: a.owner, member: a.users[1], site: a.sites[0], sector: a.sectors[0],
		apiKeyPrefix: fmt.Sprintf("k%d-1", a.n), creditTx: a.firstTx, subscription: a.lastSub}
	err := db.SQL().QueryRowContext(context.Background(), db.Rebind(`SELECT MAX(id) FROM payments WHERE account_id = ?`),
		a.id).Scan(&ids.payment)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// fillPasswordHash is an igny8 argon2id hash in shape, unique per user, so
// that the planner sees the users' hashes as they are: igny8's own.
func fillPasswordHash(id string) string {
	return "$argon2id$v=19$m=19456,t=2,p=1$" + id + "$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
}
