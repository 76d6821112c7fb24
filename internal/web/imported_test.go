package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestImportedSitesBanner: the owner of sites imported from Django (they
// carry a legacy_id) is told to make a new API key for the WordPress
// plugin until the account has one; other members and other accounts are not.
func TestImportedSitesBanner(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		e := apptest.New(t, b)
		owner := newBrowser(t, e)
		email := owner.signUp("Imported Owner")
		var accountID string
		db := e.App.DB()
		if err := db.SQL().QueryRow(db.Rebind(`SELECT account_id FROM users WHERE email = ?`), email).Scan(&accountID); err != nil {
			t.Fatal(err)
		}
		e.AddSite(accountID, "Old Blog")
		const banner = `data-testid="imported-need-key"`
		if r := owner.get("/sites"); strings.Contains(r.Body, banner) {
			t.Fatalf("banner without imported sites:\n%s", r.Body)
		}
		e.Exec(`UPDATE sites SET legacy_id = 41 WHERE account_id = ?`, accountID)
		r := owner.get("/sites")
		mustContain(t, r, banner, "Old Blog)", `href="/account#keys"`)

		other := newBrowser(t, e)
		other.signUp("Someone Else")
		if r := other.get("/sites"); strings.Contains(r.Body, banner) {
			t.Errorf("another account sees the banner")
		}

		owner.get("/account")
		if r := owner.post("/account/api-keys", url.Values{"name": {"WordPress"}, "role": {"editor"}}); r.Status != http.StatusCreated {
			t.Fatalf("create key: %d %s", r.Status, r.Body)
		}
		if r := owner.get("/sites"); strings.Contains(r.Body, banner) {
			t.Errorf("the banner stays after a key was made")
		}
	})
}

// TestPageLoginRehashesDjangoPassword: a password hash brought from Django
// verifies on the login page as on the API, and is replaced by igny8's
// argon2id in that login.
func TestPageLoginRehashesDjangoPassword(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		e := apptest.New(t, b)
		email := newBrowser(t, e).signUp("Django Person")
		// Django 3.2's pbkdf2_sha256 of "correct horse 1" (1000 iterations).
		e.Exec(`UPDATE users SET password_hash = 'pbkdf2_sha256$1000$saltsalt$x74/eLoFuG1b9SwCoUbGr8vyg2cKlbteE/sweaLyNOQ=' WHERE email = ?`, email)
		br := newBrowser(t, e)
		br.get("/login")
		if r := br.post("/login", url.Values{"email": {email}, "password": {"correct horse 2"}}); r.URL.Path == "/sites" {
			t.Fatal("a wrong password logged in")
		}
		br.get("/login")
		if r := br.post("/login", url.Values{"email": {email}, "password": {"correct horse 1"}}); r.URL.Path != "/sites" {
			t.Fatalf("login landed on %s (%d)", r.URL, r.Status)
		}
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE email = ? AND password_hash LIKE '$argon2id$%'`, email); n != 1 {
			t.Fatal("the Django hash was not replaced")
		}
		again := newBrowser(t, e)
		again.get("/login")
		if r := again.post("/login", url.Values{"email": {email}, "password": {"correct horse 1"}}); r.URL.Path != "/sites" {
			t.Fatalf("login after the rehash landed on %s (%d)", r.URL, r.Status)
		}
	})
}
