package workflow_test

import (
	"context"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
	"github.com/igny8/igny8/internal/workflow"
)

// checkRecorder is the password checker of a login, recording each check
// it is asked for (auth.Hasher's work for those inputs is counted in
// internal/auth, TestFailedLoginsDoTheSameWork).
type checkRecorder struct {
	auth.Hasher
	checks []check
}

type check struct{ stored, decoy string }

func (r *checkRecorder) Check(stored, decoy, password string) bool {
	r.checks = append(r.checks, check{stored, decoy})
	ok, _ := r.Verify(stored, decoy, password)
	return ok
}

// TestFailedLoginsAskForTheSameWork: a login for an unknown e-mail, for an
// imported user with an unusable password or a hash of a format igny8 does
// not read, and with a wrong password (an imported user's or igny8's own)
// runs one check each, with the decoy of the imported hashes still held;
// once none is held, with none.
func TestFailedLoginsAskForTheSameWork(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.Open(t)
		store := sqlstore.New(db, sqlstore.ServiceOptions{}).Identity
		rec := &checkRecorder{Hasher: auth.Hasher{Params: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}}}
		native, err := rec.Hash("correct horse 1")
		if err != nil {
			t.Fatal(err)
		}
		const imported = "pbkdf2_sha256$1000$saltsalt$x74/eLoFuG1b9SwCoUbGr8vyg2cKlbteE/sweaLyNOQ="
		const unusable = "!k8gdDIHXiwmpGTugbvrZZChl890kPAk9dhUEKxP"
		// A hash of a format no login verifies is no decoy either.
		const md5 = "md5$salt$0123456789abcdef0123456789abcdef"
		users := map[string]string{"native@example.com": native, "imported@example.com": imported,
			"unusable@example.com": unusable, "md5@example.com": md5}
		for email, hash := range users {
			if _, err := db.SQL().ExecContext(ctx, db.Rebind(`INSERT INTO users (id, email, name, password_hash, role, is_active,
				created_at, updated_at) VALUES (?, ?, 'Someone', ?, 'developer', TRUE, ?, ?)`),
				sqlstore.NewID(), email, hash, db.Now(), db.Now()); err != nil {
				t.Fatal(err)
			}
		}
		flow := workflow.New(workflow.Service{Identity: store, Passwords: rec})
		try := func(email string) check {
			t.Helper()
			rec.checks = nil
			if _, _, err := flow.Login(ctx, igny8.CredentialJWT, workflow.LoginAttempt{Email: email, Password: "correct horse 2"}); igny8.ErrorCode(err) != igny8.EUnauthenticated {
				t.Fatalf("%s: %v, want unauthenticated", email, err)
			}
			if len(rec.checks) != 1 {
				t.Fatalf("%s: %d checks, want 1", email, len(rec.checks))
			}
			return rec.checks[0]
		}
		for email, want := range map[string]check{
			"nobody@example.com":   {"", imported},
			"unusable@example.com": {unusable, imported},
			"md5@example.com":      {md5, imported},
			"imported@example.com": {imported, imported},
			"native@example.com":   {native, imported},
		} {
			if got := try(email); got != want {
				t.Errorf("%s: checked %+v, want %+v", email, got, want)
			}
		}
		// The imported user logs in and is rehashed: no decoy is left to
		// spend.
		if err := store.ReplacePasswordHash(ctx, imported, native); err != nil {
			t.Fatal(err)
		}
		if got := try("nobody@example.com"); got != (check{"", ""}) {
			t.Errorf("no imported hash left: checked %+v, want no decoy", got)
		}
	})
}
