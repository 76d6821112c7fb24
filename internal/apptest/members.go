package apptest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/sqlstore"
)

// RawMember adds a user with role to an account by writing the row
// directly (for tests that need editors and viewers without going through
// invitations), with a confirmed address as an accepted invitation gives,
// logs them in, and returns them with a token.
func (e *Env) RawMember(accountID string, role igny8.Role) *User {
	e.T.Helper()
	n := seq.Add(1)
	u := &User{ID: sqlstore.NewID(), Email: fmt.Sprintf("%s-%d@example.com", role, n),
		Password: "another long passphrase", AccountID: accountID}
	hash, err := auth.HashPassword(u.Password, auth.Argon2Params{Memory: e.Cfg.Argon2MemoryKiB, Time: e.Cfg.Argon2Time, Threads: 1})
	if err != nil {
		e.T.Fatalf("hash: %v", err)
	}
	now := time.Now().UTC()
	e.rawExec(`INSERT INTO users (id, email, name, password_hash, role, account_id, is_active, email_verified_at,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?)`, u.ID, u.Email, string(role)+" member", hash,
		string(role), accountID, now, now, now)
	r := e.Login(u.Email, u.Password)
	if r.Status != http.StatusOK {
		e.T.Fatalf("login %s: %s", u.Email, r)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	r.JSON(e.T, &out)
	u.Token = out.AccessToken
	return u
}

// rawExec runs one SQL statement (written with ? placeholders) on the
// app's database, failing the test on error.
func (e *Env) rawExec(q string, args ...any) {
	e.T.Helper()
	db := e.App.DB()
	if _, err := db.SQL().Exec(db.Rebind(q), args...); err != nil {
		e.T.Fatalf("%s: %v", q, err)
	}
}
