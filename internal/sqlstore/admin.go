package sqlstore

import (
	"context"
	"strings"

	"github.com/igny8/igny8"
)

// Admin is the cross-tenant side of the store: the admin API, the CLI and
// periodic jobs. Its methods reach across accounts, so each one first
// checks that ctx acts as a developer or the system; the separate type
// keeps such reach visible where it is called.
type Admin struct {
	db *DB
}

// NewAdmin returns the cross-tenant services backed by db.
func NewAdmin(db *DB) *Admin { return &Admin{db: db} }

// CreateDeveloper creates a system administrator (role developer, no
// account). Errors: forbidden, validation_failed, conflict (email taken).
func (a *Admin) CreateDeveloper(ctx context.Context, email, name, passwordHash string) (*igny8.User, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	email = NormalizeEmail(email)
	if !validEmail(email) {
		return nil, igny8.InvalidField("email", "must be a valid email address")
	}
	name = strings.TrimSpace(name)
	var user *igny8.User
	err := a.db.InTx(ctx, func(tx *Tx) error {
		id := newID()
		// The operator who runs the command vouches for the address.
		if _, err := tx.exec(ctx, `INSERT INTO users (id, email, name, password_hash, role, is_active, email_verified_at,
			created_at, updated_at) VALUES (?, ?, ?, ?, 'developer', TRUE, ?, ?, ?)`, id, email, name, passwordHash,
			tx.now, tx.now, tx.now); err != nil {
			if IsConstraint(err, "unique") {
				return igny8.Errorf(igny8.EConflict, "A user with this email already exists.")
			}
			return err
		}
		if err := audit(ctx, tx, noTenant, "user.developer_created", "user", id, map[string]any{"email": email}); err != nil {
			return err
		}
		var err error
		user, err = userByID(ctx, tx.conn, id)
		return err
	})
	return user, err
}
