package djangoimport

import (
	"sort"
	"strconv"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
)

// typeMap turns Django's transaction types into igny8's (README, "Import
// from Django"). Django's refunds were manual credits, not the refund of a
// failed operation that igny8's refund type means, so they become
// adjustments.
var typeMap = map[string]string{
	"trial": "trial_grant", "trial_grant": "trial_grant", "free_trial": "trial_grant",
	"subscription": "subscription", "renewal": "subscription",
	"purchase":  "purchase",
	"deduction": "deduction", "usage": "deduction",
	"refund":     "adjustment",
	"adjustment": "adjustment", "manual": "adjustment", "bonus": "adjustment",
}

// entry is one ledger row to write.
type entry struct {
	legacy      int64 // 0 for a reconciliation
	kind        string
	amount      int64
	description string
	createdAt   time.Time
}

// usage is a Django usage log waiting for its deduction.
type usage struct {
	r       *row
	credits int64
	at      time.Time
	used    bool
}

const (
	descOpening    = "imported opening balance"
	descCorrection = "imported balance correction"
)

// ledgers imports the credit transactions and usage logs of the accounts
// this run creates.
func (im *importer) ledgers() error {
	txns, logs := map[int64][]*row{}, map[int64][]*usage{}
	tm, um := im.rep.model("credittransaction"), im.rep.model("creditusagelog")
	for _, r := range im.d.rows["credittransaction"] {
		a := r.ref("account")
		if !im.inDump("account", a) {
			im.rep.conflict("credit transaction %d: its account %d is missing from the dump", r.pk, a)
			continue
		}
		txns[a] = append(txns[a], r)
	}
	for _, r := range im.d.rows["creditusagelog"] {
		a := r.ref("account")
		if !im.inDump("account", a) {
			im.rep.conflict("credit usage log %d: its account %d is missing from the dump", r.pk, a)
			continue
		}
		logs[a] = append(logs[a], &usage{r: r, credits: r.integer("credits_used", 0), at: orNow(r.when("created_at"), im.now)})
	}
	for _, acct := range im.d.rows["account"] {
		if !im.newAccounts[acct.pk] {
			if im.id("account", acct.pk) != "" {
				tm.Skipped["account imported before: igny8 keeps its ledger since"] += len(txns[acct.pk])
				um.Skipped["account imported before: igny8 keeps its ledger since"] += len(logs[acct.pk])
			}
			continue
		}
		if err := im.ledger(acct, txns[acct.pk], logs[acct.pk]); err != nil {
			return err
		}
	}
	return nil
}

// ledger writes one new account's entries in time order with seq 1, 2, …
// and the balance after each, reconciled to the credits Django stored.
func (im *importer) ledger(acct *row, txns []*row, logs []*usage) error {
	tm := im.rep.model("credittransaction")
	var entries []entry
	for _, r := range txns {
		e, skip := im.entry(r)
		if skip != "" {
			tm.Skipped[skip]++
			continue
		}
		if e != nil {
			entries = append(entries, *e)
		}
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].createdAt.Before(entries[j].createdAt) })
	stored := acct.integer("credits", 0)
	created := orNow(acct.when("created_at"), im.now)
	entries = im.reconcile(acct, entries, stored, created)
	accountID := im.id("account", acct.pk)
	byCredits := map[int64][]*usage{}
	for _, u := range logs {
		byCredits[u.credits] = append(byCredits[u.credits], u)
	}
	var balance int64
	for i, e := range entries {
		balance += e.amount
		id := sqlstore.NewID()
		var legacy any
		if e.legacy != 0 {
			legacy = e.legacy
			tm.Imported++
		}
		if _, err := im.tx.Exec(im.ctx, `INSERT INTO credit_transactions (id, account_id, seq, type, amount, balance_after,
			description, reference_type, reference_id, actor, created_at, legacy_id) VALUES (?, ?, ?, ?, ?, ?, ?, 'django_import', ?, 'system', ?, ?)`,
			id, accountID, i+1, e.kind, e.amount, balance, e.description, legacyRef(e.legacy), e.createdAt, legacy); err != nil {
			return err
		}
		if e.kind == "deduction" {
			if err := im.usageFor(accountID, id, e, match(byCredits[-e.amount], e.createdAt)); err != nil {
				return err
			}
		}
	}
	if _, err := im.tx.Exec(im.ctx, `UPDATE accounts SET credits = ?, ledger_seq = ? WHERE id = ?`,
		balance, len(entries), accountID); err != nil {
		return err
	}
	return im.unmatchedUsage(accountID, logs)
}

func legacyRef(pk int64) string {
	if pk == 0 {
		return ""
	}
	return strconv.FormatInt(pk, 10)
}

// entry maps one Django transaction; skip says why it is not written.
func (im *importer) entry(r *row) (*entry, string) {
	django, amount := r.str("transaction_type"), r.integer("amount", 0)
	kind, ok := typeMap[django]
	if !ok {
		r.fail("transaction type %q has no igny8 type (README, Import from Django)", django)
		return nil, ""
	}
	if amount == 0 {
		return nil, "amount 0 (igny8 keeps no empty entries)"
	}
	desc := r.prose("description", maxDescription)
	if desc == "" {
		desc = "imported " + django
	}
	wrongSign := (kind == "deduction" && amount > 0) || (kind != "deduction" && kind != "adjustment" && amount < 0)
	if wrongSign {
		im.rep.note("credit transaction %d: a %s of %+d became an adjustment (igny8's %s has the other sign)", r.pk, django, amount, kind)
		kind = "adjustment"
	}
	r.raw("balance_after") // recomputed: the balance after each entry here
	r.raw("metadata")
	return &entry{legacy: r.pk, kind: kind, amount: amount, description: desc,
		createdAt: orNow(r.when("created_at"), im.now)}, ""
}

// reconcile adds what makes the entries add up to stored without a
// negative balance after any of them: one opening balance before them when
// that suffices, else a correction at the import, else both.
func (im *importer) reconcile(acct *row, entries []entry, stored int64, created time.Time) []entry {
	var sum, low int64
	for _, e := range entries {
		sum += e.amount
		low = min(low, sum)
	}
	diff := stored - sum
	if diff == 0 && low >= 0 {
		return entries
	}
	opening := created
	if len(entries) > 0 && entries[0].createdAt.Before(opening) {
		opening = entries[0].createdAt
	}
	var first, last int64
	switch {
	case diff > 0 && low+diff >= 0:
		first = diff
	case low >= 0:
		last = diff
	default:
		first, last = -low, diff+low
	}
	if first != 0 {
		entries = append([]entry{{kind: "adjustment", amount: first, description: descOpening, createdAt: opening}}, entries...)
		im.reconciled(acct, stored, sum, first, descOpening)
	}
	if last != 0 {
		entries = append(entries, entry{kind: "adjustment", amount: last, description: descCorrection, createdAt: im.now})
		im.reconciled(acct, stored, sum, last, descCorrection)
	}
	return entries
}

func (im *importer) reconciled(acct *row, stored, sum, amount int64, desc string) {
	im.rep.OpeningBalances = append(im.rep.OpeningBalances, Reconciliation{Account: acct.str("slug"), LegacyID: acct.pk,
		Stored: stored, SumOfRows: sum, Amount: amount, Description: desc})
}

// match takes the unused usage log of the same credits nearest in time to
// at, within a minute; nil when there is none.
func match(candidates []*usage, at time.Time) *usage {
	var best *usage
	for _, u := range candidates {
		d := u.at.Sub(at).Abs()
		if u.used || d > time.Minute {
			continue
		}
		if best == nil || d < best.at.Sub(at).Abs() {
			best = u
		}
	}
	if best != nil {
		best.used = true
	}
	return best
}

// usageFor writes the usage log of a deduction: the Django log it matched,
// or one that names the transaction when none did (igny8 keeps every
// charge with its usage).
func (im *importer) usageFor(accountID string, txnID any, e entry, u *usage) error {
	operation, model, site := "imported", "", any(nil)
	var tokensIn, tokensOut int64
	var legacy any
	if u != nil {
		operation = u.r.token("operation_type", maxOperation)
		if operation == "" {
			operation = "imported"
		}
		model, tokensIn, tokensOut = u.r.prose("model_used", igny8.MaxNameLen), u.r.integer("tokens_input", 0), u.r.integer("tokens_output", 0)
		if len(u.r.errs) > 0 {
			// Refused: its conflict stops the run. Until then nothing the
			// database would refuse is sent to it.
			operation = "imported"
		}
		if s := im.id("site", u.r.ref("site")); s != "" {
			site = s
		}
		legacy = u.r.pk
		im.rep.model("creditusagelog").Imported++
	}
	_, err := im.tx.Exec(im.ctx, `INSERT INTO credit_usage_logs (id, account_id, site_id, operation, credits_used, model,
		tokens_in, tokens_out, outcome, transaction_id, created_at, legacy_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'succeeded', ?, ?, ?)`,
		sqlstore.NewID(), accountID, site, operation, -e.amount, model, tokensIn, tokensOut, txnID, e.createdAt, legacy)
	return err
}

// unmatchedUsage writes the usage logs that charged nothing and skips
// those whose charge is not in the ledger.
func (im *importer) unmatchedUsage(accountID string, logs []*usage) error {
	um := im.rep.model("creditusagelog")
	for _, u := range logs {
		if u.used {
			continue
		}
		if u.credits != 0 {
			um.Skipped["no deduction of the same credits within a minute (igny8 keeps usage only with its charge)"]++
			continue
		}
		u.used = true
		if err := im.usageFor(accountID, nil, entry{createdAt: u.at}, u); err != nil {
			return err
		}
	}
	return nil
}
