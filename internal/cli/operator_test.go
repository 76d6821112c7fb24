package cli_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/cli"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// adminPlan reads one plan as the admin API shows it.
func adminPlan(t *testing.T, e *apptest.Env, dev, slug string) map[string]any {
	t.Helper()
	r := e.As(dev, "GET", "/api/v1/admin/plans", nil)
	var out struct{ Items []map[string]any }
	r.JSON(t, &out)
	for _, p := range out.Items {
		if p["slug"] == slug {
			return p
		}
	}
	t.Fatalf("no plan %s in %s", slug, r)
	return nil
}

func patchPlan(t *testing.T, e *apptest.Env, dev, slug string, body map[string]any) {
	t.Helper()
	if r := e.As(dev, "PATCH", "/api/v1/admin/plans/"+slug, body); r.Status != http.StatusOK {
		t.Fatalf("edit plan %s: %s", slug, r)
	}
}

// TestSeedingKeepsAdministratorsEdits: plans seed, create-free-trial-plan
// and serve's start create missing plans only; --reset restores defaults.
func TestSeedingKeepsAdministratorsEdits(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		e := apptest.New(t, b)
		dev := e.Developer()
		patchPlan(t, e, dev, "starter", map[string]any{"price": 9900, "max_sites": 2})
		patchPlan(t, e, dev, "growth", map[string]any{"is_active": false})
		patchPlan(t, e, dev, "free-trial", map[string]any{"included_credits": 500})

		code, out, errOut := e.CLI("plans", "seed")
		if code != 0 || !strings.Contains(out, "kept as it is") || strings.Contains(out, "created") {
			t.Fatalf("plans seed: %d %q %q", code, out, errOut)
		}
		if !regexp.MustCompile(`(?m)^SLUG\s+NAME\s+PRICE\s+CREDITS`).MatchString(out) || !strings.Contains(out, "$99.00") {
			t.Errorf("plans seed table lacks its header or the edited price: %q", out)
		}
		code, out, errOut = e.CLI("create-free-trial-plan")
		if code != 0 || !strings.Contains(out, "kept as it is") || !strings.Contains(out, "500 credits") {
			t.Fatalf("create-free-trial-plan: %d %q %q", code, out, errOut)
		}
		// serve's start on a database that has plans changes none of them.
		cfg := e.Cfg
		app, err := cli.NewApp(context.Background(), &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		app.Close()
		if p := adminPlan(t, e, dev, "starter"); p["price"] != 9900.0 || p["max_sites"] != 2.0 {
			t.Errorf("starter after seeding = %v, want the edited price and limit", p)
		}
		if p := adminPlan(t, e, dev, "growth"); p["is_active"] != false {
			t.Errorf("retired growth plan came back: %v", p)
		}
		if p := adminPlan(t, e, dev, "free-trial"); p["included_credits"] != 500.0 {
			t.Errorf("free-trial after seeding = %v, want 500 credits", p)
		}

		if code, out, errOut := e.CLI("plans", "seed", "--reset"); code != 0 || strings.Count(out, "reset to the default") != 6 {
			t.Fatalf("plans seed --reset: %d %q %q", code, out, errOut)
		}
		if p := adminPlan(t, e, dev, "starter"); p["price"] != 8900.0 || p["max_sites"] != 1.0 {
			t.Errorf("starter after --reset = %v", p)
		}
		if p := adminPlan(t, e, dev, "growth"); p["is_active"] != true {
			t.Errorf("growth after --reset = %v", p)
		}
		patchPlan(t, e, dev, "free-trial", map[string]any{"included_credits": 500})
		if code, out, errOut := e.CLI("create-free-trial-plan", "--reset"); code != 0 || !strings.Contains(out, "2,000 credits, 1 site, 1 user, 3 sectors per site") {
			t.Fatalf("create-free-trial-plan --reset: %d %q %q", code, out, errOut)
		}
		if p := adminPlan(t, e, dev, "free-trial"); p["included_credits"] != 2000.0 {
			t.Errorf("free-trial after --reset = %v", p)
		}
		r := e.As(dev, "GET", "/api/v1/admin/audit?limit=100", nil)
		if got := strings.Count(string(r.Body), `"action":"plan.reset"`); got != 7 {
			t.Errorf("plan.reset audit events = %d, want 7: %s", got, r)
		}
	})
}

// TestMigrateDownStopsAtZero: down N past the first version rolls back
// what there is, says so and exits 0.
func TestMigrateDownStopsAtZero(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		env := map[string]string{"IGNY8_DATABASE_URL": b.URL(t)}
		code, out, errOut := run(t, env, "migrate", "up")
		applied := strings.Count("\n"+out, "\napplied ")
		if code != 0 || applied < 2 || !strings.Contains(out, "applied 00001 00001_schema.sql") {
			t.Fatalf("up: %d %q %q", code, out, errOut)
		}
		code, out, errOut = run(t, env, "migrate", "down", "1000")
		if code != 0 || strings.Count(out, "rolled back ") != applied || !strings.Contains(out, "rolled back 00001 00001_schema.sql\nschema at version 0\n") {
			t.Fatalf("down 1000: %d %q %q", code, out, errOut)
		}
		if code, out, errOut := run(t, env, "migrate", "down", "1"); code != 0 || out != "nothing rolled back\nschema at version 0\n" {
			t.Fatalf("down 1 at version 0: %d %q %q", code, out, errOut)
		}
	})
}

func TestAdminCreateSaysEachProblemOnce(t *testing.T) {
	db := storetest.SQLiteURL(t)
	code, _, errOut := run(t, nil, "admin", "create", "--database-url", db, "--email", "ops@example.com", "--password", "short")
	if code == 0 || errOut != "igny8: password must be at least 10 characters\n" {
		t.Fatalf("short password: %d %q", code, errOut)
	}
	code, _, errOut = run(t, nil, "admin", "create", "--database-url", db, "--email", "not an address", "--password", "a long admin password")
	if code == 0 || strings.Count(errOut, "valid email") != 1 {
		t.Fatalf("bad email: %d %q", code, errOut)
	}
}

func checkout(t *testing.T, e *apptest.Env, u *apptest.User, plan string) (id, reference string) {
	t.Helper()
	r := e.As(u.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": plan, "payment_method": "bank_transfer"})
	var out struct {
		Payment struct{ ID, Reference string }
	}
	r.JSON(t, &out)
	if r.Status != http.StatusCreated && r.Status != http.StatusOK || out.Payment.Reference == "" {
		t.Fatalf("checkout: %s", r)
	}
	return out.Payment.ID, out.Payment.Reference
}

// TestBillingCommandsTakeTheReference: pending is a table with formatted
// amounts; confirm and reject take the reference in any case, or the id.
func TestBillingCommandsTakeTheReference(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		e := apptest.New(t, b)
		if code, out, _ := e.CLI("billing", "pending"); code != 0 || !strings.Contains(out, "No payments are awaiting confirmation.") {
			t.Fatalf("pending with none: %d %q", code, out)
		}
		alice, bob, carol := e.SignUp("Alice Shop"), e.SignUp("Bob Blog"), e.SignUp("Carol Co")
		_, refA := checkout(t, e, alice, "starter")
		_, refB := checkout(t, e, bob, "growth")
		idC, refC := checkout(t, e, carol, "scale")

		code, out, errOut := e.CLI("billing", "pending")
		if code != 0 {
			t.Fatalf("pending: %d %q", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 4 || !regexp.MustCompile(`^REFERENCE\s+AMOUNT\s+PLAN\s+ACCOUNT\s+WAITING\s+CREATED\s+PAYMENT ID$`).MatchString(lines[0]) {
			t.Fatalf("pending table: %q", out)
		}
		for i, want := range []string{refA + " .*\\$89\\.00 .*starter .*Alice Shop", refB + " .*\\$139\\.00 .*growth", refC + " .*\\$229\\.00 .*scale .*" + idC} {
			if !regexp.MustCompile(want).MatchString(lines[i+1]) {
				t.Errorf("pending row %d = %q, want %q (oldest first)", i+1, lines[i+1], want)
			}
		}

		code, out, errOut = e.CLI("billing", "confirm", strings.ToLower(refA))
		if code != 0 || !strings.Contains(out, refA+"): confirmed") {
			t.Fatalf("confirm by lower-case reference: %d %q %q", code, out, errOut)
		}
		code, out, errOut = e.CLI("billing", "reject", refB, "--reason", "no transfer arrived")
		if code != 0 || !strings.Contains(out, refB+"): rejected") {
			t.Fatalf("reject by reference: %d %q %q", code, out, errOut)
		}
		if code, out, errOut := e.CLI("billing", "confirm", idC); code != 0 || !strings.Contains(out, "confirmed") {
			t.Fatalf("confirm by id: %d %q %q", code, out, errOut)
		}
		if code, _, errOut := e.CLI("billing", "confirm", "IGNY8-ZZZZ-ZZZZ"); code != 1 || !strings.Contains(errOut, "No payment has the reference IGNY8-ZZZZ-ZZZZ") {
			t.Fatalf("unknown reference: %d %q", code, errOut)
		}
		if code, out, _ := e.CLI("billing", "pending"); code != 0 || !strings.Contains(out, "No payments are awaiting confirmation.") {
			t.Fatalf("pending after the decisions: %q", out)
		}
	})
}

// TestAccountsList lists accounts as a table, filtered by a status it
// checks.
func TestAccountsList(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		e := apptest.New(t, b)
		alice, bob := e.SignUp("Alice Shop"), e.SignUp("Bob")
		// A name with a tab or a newline (the API refuses them, but rows
		// written before it did may hold one) stays on its row.
		e.Exec(`UPDATE accounts SET name = ? WHERE id = ?`, "Bob\tBlog\nTwo", bob.AccountID)
		if code, _, errOut := e.CLI("accounts", "suspend", bob.AccountID, "--reason", "chargeback"); code != 0 {
			t.Fatalf("suspend: %q", errOut)
		}
		code, out, errOut := e.CLI("accounts", "list")
		if code != 0 {
			t.Fatalf("accounts list: %d %q", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 4 || !regexp.MustCompile(`^ID\s+NAME\s+OWNER\s+PLAN\s+STATUS\s+CREDITS\s+CREATED$`).MatchString(lines[0]) ||
			lines[3] != "2 accounts" {
			t.Fatalf("accounts list: %q", out)
		}
		if !regexp.MustCompile(`^` + alice.AccountID + `\s+Alice Shop\s+` + regexp.QuoteMeta(alice.Email) + `\s+free-trial\s+trial\s+2,000\s+\d{4}-\d\d-\d\d$`).MatchString(lines[1]) {
			t.Errorf("alice's row = %q", lines[1])
		}
		if !regexp.MustCompile(`^` + bob.AccountID + `\s+Bob Blog Two\s+` + regexp.QuoteMeta(bob.Email) + `\s+free-trial\s+suspended`).MatchString(lines[2]) {
			t.Errorf("bob's row = %q", lines[2])
		}
		code, out, _ = e.CLI("accounts", "list", "--status", "suspended")
		if code != 0 || strings.Contains(out, alice.AccountID) || !strings.Contains(out, bob.AccountID) || !strings.Contains(out, "1 account\n") {
			t.Errorf("accounts list --status suspended: %q", out)
		}
		if code, _, errOut := e.CLI("accounts", "list", "--status", "frozen"); code != 1 || errOut != "igny8: status must be trial, active, suspended or cancelled\n" {
			t.Errorf("accounts list --status frozen: %d %q", code, errOut)
		}
	})
}
