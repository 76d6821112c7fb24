package djangoimport

import (
	"strings"
	"time"

	"github.com/igny8/igny8/internal/sqlstore"
)

// PasswordReset is one person sent a link to choose a password after the
// import (--send-password-resets).
type PasswordReset struct {
	Email     string    `json:"email"`
	LegacyID  int64     `json:"legacy_id"`
	ExpiresAt time.Time `json:"expires_at"`
	// MessageIDs are the outbox messages with the link: queued for the
	// serve that delivers mail, or kept by one without --smtp-url (igny8
	// mail show ID prints the link). Empty on a dry run, and when an
	// earlier link still works (AlreadySent).
	MessageIDs  []string `json:"message_ids"`
	AlreadySent bool     `json:"already_sent"`
}

// usable reports whether a stored password hash can verify at login: igny8's
// own argon2id (a user who logged in since, or set a password) or one of
// Django's formats a login verifies.
func usable(hash string) bool {
	return strings.HasPrefix(hash, "$argon2id$") || loginProblem(hash) == ""
}

// passwordResets sends, in the import's transaction, a link to choose a
// password to every imported user who cannot log in with the one they
// had: this run's and earlier runs' alike, except those holding a link
// that still works.
func (im *importer) passwordResets() error {
	sent, err := sqlstore.SendMigrationResets(im.ctx, im.tx, im.opt.PasswordResets, usable, im.opt.NewToken)
	if err != nil {
		return err
	}
	im.rep.PasswordResets = []PasswordReset{}
	for _, s := range sent {
		ids := s.MessageIDs
		if ids == nil {
			ids = []string{}
		}
		im.rep.PasswordResets = append(im.rep.PasswordResets, PasswordReset{Email: s.Email, LegacyID: s.LegacyID,
			ExpiresAt: s.ExpiresAt, MessageIDs: ids, AlreadySent: s.Pending != nil})
	}
	return nil
}
