package djangoimport

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Report says what an import read, brought across, skipped and why, and
// what needs a person afterwards. --report writes it as JSON.
type Report struct {
	DryRun bool `json:"dry_run"`
	// Applied is true when the rows were written (a run without conflicts
	// and without --dry-run).
	Applied       bool           `json:"applied"`
	Models        []*ModelReport `json:"models"`
	IgnoredModels map[string]int `json:"ignored_models"`
	// Conflicts stop a real run; a dry run lists them.
	Conflicts []string `json:"conflicts"`
	// SystemAdministrators are the Django developers, who have no account here.
	SystemAdministrators []string `json:"system_administrators"`
	AccountsWithoutOwner []string `json:"accounts_without_owner"`
	// CannotLogIn are users whose password cannot be verified (unusable or
	// of a format igny8 does not read): they need a password reset.
	CannotLogIn []UserNote `json:"cannot_log_in"`
	// PasswordResets are the links to choose a password sent with
	// --send-password-resets (null without it).
	PasswordResets  []PasswordReset  `json:"password_resets"`
	OpeningBalances []Reconciliation `json:"opening_balances"`
	// SitesNeedingAPIKey are the live imported sites whose WordPress plugin
	// must be re-connected with a new igny8 API key (SiteID is empty when
	// nothing was written).
	SitesNeedingAPIKey []SiteKey `json:"sites_needing_api_key"`
	// Cleaned lists the changes made to the dump's text to keep to the
	// API's text rules (internal/djangoimport/text.go); a value those rules
	// refuse and that cannot be changed (a slug, an e-mail) is a conflict.
	Cleaned []Cleaned `json:"cleaned"`
	Notes   []string  `json:"notes"`
}

// Cleaned is one change made to a field of a row of the dump.
type Cleaned struct {
	Model    string `json:"model"`
	LegacyID int64  `json:"legacy_id"`
	Field    string `json:"field"`
	Change   string `json:"change"`
}

// ModelReport counts one model's rows: Read = Imported + Updated + skipped.
type ModelReport struct {
	Model    string `json:"model"`
	Read     int    `json:"read"`
	Imported int    `json:"imported"`
	Updated  int    `json:"updated"`
	// Skipped counts rows not written, by reason.
	Skipped     map[string]int `json:"skipped"`
	ExtraFields []string       `json:"extra_fields"`
}

// UserNote names a user and why they need a person.
type UserNote struct {
	Email    string `json:"email"`
	LegacyID int64  `json:"legacy_id"`
	Reason   string `json:"reason"`
}

// Reconciliation is one adjustment that makes an account's ledger add up
// to the credits Django stored.
type Reconciliation struct {
	Account     string `json:"account"`
	LegacyID    int64  `json:"legacy_id"`
	Stored      int64  `json:"stored_credits"`
	SumOfRows   int64  `json:"sum_of_transactions"`
	Amount      int64  `json:"amount"`
	Description string `json:"description"`
}

// SiteKey is a site whose plugin needs a new key, and whom to tell.
type SiteKey struct {
	SiteID     string `json:"site_id"`
	LegacyID   int64  `json:"legacy_id"`
	Name       string `json:"name"`
	Domain     string `json:"domain"`
	Account    string `json:"account"`
	OwnerEmail string `json:"owner_email"`
}

func newReport(d *dump, dryRun bool) *Report {
	rep := &Report{DryRun: dryRun, IgnoredModels: d.ignored, Conflicts: []string{}, SystemAdministrators: []string{},
		AccountsWithoutOwner: []string{}, CannotLogIn: []UserNote{}, OpeningBalances: []Reconciliation{},
		SitesNeedingAPIKey: []SiteKey{}, Cleaned: []Cleaned{}, Notes: []string{}}
	for _, name := range modelOrder {
		m := &ModelReport{Model: name, Read: len(d.rows[name]), Skipped: map[string]int{}, ExtraFields: []string{}}
		for f := range d.extra[name] {
			m.ExtraFields = append(m.ExtraFields, f)
		}
		sort.Strings(m.ExtraFields)
		rep.Models = append(rep.Models, m)
	}
	return rep
}

func (rep *Report) model(name string) *ModelReport {
	for _, m := range rep.Models {
		if m.Model == name {
			return m
		}
	}
	panic("djangoimport: unknown model " + name)
}

func (rep *Report) conflict(format string, args ...any) {
	rep.Conflicts = append(rep.Conflicts, fmt.Sprintf(format, args...))
}

func (rep *Report) note(format string, args ...any) {
	rep.Notes = append(rep.Notes, fmt.Sprintf(format, args...))
}

// changes counts the rows written or changed.
func (rep *Report) changes() int {
	n := 0
	for _, m := range rep.Models {
		n += m.Imported + m.Updated
	}
	return n
}

// WriteText prints the report for the operator.
func (rep *Report) WriteText(w io.Writer) {
	switch {
	case rep.Applied && rep.changes() == 0:
		fmt.Fprintln(w, "Nothing to import: every row was imported before or matches igny8's.")
	case rep.Applied:
		fmt.Fprintln(w, "Imported in one transaction.")
	case rep.DryRun:
		fmt.Fprintln(w, "Dry run: nothing was written.")
	default:
		fmt.Fprintln(w, "Nothing was imported: the conflicts below must be resolved first.")
	}
	fmt.Fprintf(w, "\n%-18s %6s %9s %8s %8s\n", "model", "read", "imported", "updated", "skipped")
	for _, m := range rep.Models {
		skipped := 0
		for _, n := range m.Skipped {
			skipped += n
		}
		fmt.Fprintf(w, "%-18s %6d %9d %8d %8d\n", m.Model, m.Read, m.Imported, m.Updated, skipped)
		for _, reason := range sortedKeys(m.Skipped) {
			fmt.Fprintf(w, "    %d skipped: %s\n", m.Skipped[reason], reason)
		}
		if len(m.ExtraFields) > 0 {
			fmt.Fprintf(w, "    fields ignored: %s\n", strings.Join(m.ExtraFields, ", "))
		}
	}
	if len(rep.IgnoredModels) > 0 {
		fmt.Fprintln(w, "\nModels not read:")
		for _, name := range sortedKeys(rep.IgnoredModels) {
			fmt.Fprintf(w, "    %s: %d\n", name, rep.IgnoredModels[name])
		}
	}
	section(w, "Conflicts", rep.Conflicts)
	section(w, "Developers made system administrators (no account)", rep.SystemAdministrators)
	section(w, "Accounts without an owner", rep.AccountsWithoutOwner)
	var lines []string
	for _, u := range rep.CannotLogIn {
		lines = append(lines, fmt.Sprintf("%s (Django pk %d): %s", u.Email, u.LegacyID, u.Reason))
	}
	title := "Users who cannot log in with their old password (--send-password-resets e-mails each a link to choose one)"
	if rep.PasswordResets != nil {
		title = "Users who cannot log in with their old password"
	}
	section(w, title, lines)
	lines = nil
	for _, p := range rep.PasswordResets {
		switch {
		case p.AlreadySent:
			lines = append(lines, fmt.Sprintf("%s (Django pk %d): a link sent before works until %s; none sent now",
				p.Email, p.LegacyID, p.ExpiresAt.UTC().Format(time.RFC3339)))
		case len(p.MessageIDs) == 0:
			lines = append(lines, fmt.Sprintf("%s (Django pk %d): would be sent a link valid until %s",
				p.Email, p.LegacyID, p.ExpiresAt.UTC().Format(time.RFC3339)))
		default:
			lines = append(lines, fmt.Sprintf("%s (Django pk %d): link valid until %s, message %s",
				p.Email, p.LegacyID, p.ExpiresAt.UTC().Format(time.RFC3339), strings.Join(p.MessageIDs, ", ")))
		}
	}
	if rep.PasswordResets != nil && len(lines) == 0 {
		lines = append(lines, "nobody needs one")
	}
	section(w, "Password setup links (serve sends them with --smtp-url; without it they are kept: igny8 mail show ID prints each link)", lines)
	lines = nil
	for _, b := range rep.OpeningBalances {
		lines = append(lines, fmt.Sprintf("%s (Django pk %d): stored %d, transactions add up to %d: adjustment %+d %q",
			b.Account, b.LegacyID, b.Stored, b.SumOfRows, b.Amount, b.Description))
	}
	section(w, "Ledger reconciliations", lines)
	lines = nil
	for _, s := range rep.SitesNeedingAPIKey {
		line := fmt.Sprintf("%s %s (Django pk %d, account %s, owner %s)", s.Name, s.Domain, s.LegacyID, s.Account, s.OwnerEmail)
		if s.SiteID != "" {
			line += ": site " + s.SiteID
		}
		lines = append(lines, line)
	}
	section(w, "Sites whose WordPress plugin needs a new API key", lines)
	lines = nil
	for _, c := range rep.Cleaned {
		lines = append(lines, fmt.Sprintf("%s %d, %s: %s", c.Model, c.LegacyID, c.Field, c.Change))
	}
	section(w, "Text changed to keep to igny8's rules", lines)
	section(w, "Notes", rep.Notes)
}

func section(w io.Writer, title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s:\n", title)
	for _, l := range lines {
		fmt.Fprintf(w, "    %s\n", l)
	}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
