package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/igny8/igny8"
)

var _ igny8.IdentityService = (*Identity)(nil)

// NormalizeEmail trims and lowercases an email address; emails are unique
// case-insensitively.
func NormalizeEmail(email string) string { return igny8.NormalizeEmail(email) }

// validEmail is igny8.ValidEmail.
func validEmail(email string) bool { return igny8.ValidEmail(email) }

func validateSignUp(in *igny8.SignUp) error {
	if fields := in.Check(); len(fields) > 0 {
		return igny8.Invalid("The sign-up form has errors.", fields...)
	}
	return nil
}

// Register runs the free-trial sign-up in one transaction (see
// igny8.IdentityService), with the link that verifies the owner's address
// and its message. Errors: validation_failed, conflict.
func (s *Identity) Register(ctx context.Context, in igny8.SignUp, passwordHash string, trialDays int, verify igny8.EmailToken) (*igny8.User, *igny8.Account, error) {
	if err := validateSignUp(&in); err != nil {
		return nil, nil, err
	}
	var user *igny8.User
	var acct *igny8.Account
	err := s.db.InTx(ctx, func(tx *Tx) error {
		plan, err := planBySlug(ctx, tx.conn, igny8.PlanFreeTrial)
		if err != nil {
			return err
		}
		tn, userID := newTenant(), newID()
		trialEnds := tx.now.Add(time.Duration(trialDays) * 24 * time.Hour)
		slug := slugify(in.Name)
		if slug == "" {
			slug = "account"
		}
		slug += "-" + strings.ToLower(newID()[len(newID())-6:])
		if _, err := tx.exec(ctx, `INSERT INTO accounts (id, name, slug, plan_id, credits, status, trial_ends_at,
			billing_email, created_at, updated_at) VALUES (?, ?, ?, ?, 0, 'trial', ?, ?, ?, ?)`,
			tn.id, in.Name, slug, plan.ID, trialEnds, in.Email, tx.now, tx.now); err != nil {
			return err
		}
		if s.afterAccountInsert != nil {
			if err := s.afterAccountInsert(); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO users (id, email, name, password_hash, role, account_id, is_active,
			created_at, updated_at) VALUES (?, ?, ?, ?, 'owner', ?, TRUE, ?, ?)`,
			userID, in.Email, in.Name, passwordHash, tn.id, tx.now, tx.now); err != nil {
			if IsConstraint(err, "unique") {
				return igny8.Errorf(igny8.EConflict, "An account with this email already exists.")
			}
			return err
		}
		if plan.IncludedCredits > 0 {
			if _, _, err := applyCredit(ctx, tx, tn, creditChange{Type: igny8.TxTrialGrant, Amount: plan.IncludedCredits,
				Description: "Free trial credits", ReferenceType: "plan", ReferenceID: plan.Slug, Actor: "system"}); err != nil {
				return err
			}
		}
		if acct, err = accountByID(ctx, tx.conn, tn.id); err != nil {
			return err
		}
		if user, err = userByID(ctx, tx.conn, userID); err != nil {
			return err
		}
		_, err = sendEmailLink(ctx, tx, tn, user, user.Email, verify)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return user, acct, nil
}

// userColumns selects the timestamps as siteColumns does.
const userColumns = `u.id, u.email, u.name, u.role, u.account_id, u.is_active, u.email_verified_at IS NOT NULL,
	COALESCE(u.last_login_at, NULL), COALESCE(u.created_at, NULL), COALESCE(u.updated_at, NULL)`

func scanUser(row scanner, u *igny8.User, extra ...any) error {
	return row.Scan(append([]any{&u.ID, &u.Email, &u.Name, &u.Role, &u.AccountID, &u.IsActive, &u.EmailVerified,
		nullTimestamp{&u.LastLoginAt}, timestamp{&u.CreatedAt}, timestamp{&u.UpdatedAt}}, extra...)...)
}

func userByID(ctx context.Context, c conn, id string) (*igny8.User, error) {
	var u igny8.User
	err := scanUser(c.queryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = ? AND u.deleted_at IS NULL`, id), &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("User")
	}
	return &u, translate(err)
}

// CredentialsByEmail finds a live, active user by email for login.
// Errors: not_found.
func (s *Identity) CredentialsByEmail(ctx context.Context, email string) (*igny8.Credentials, error) {
	var c igny8.Credentials
	err := scanUser(s.db.reader().queryRow(ctx, `SELECT `+userColumns+`, u.password_hash FROM users u
		WHERE u.email = ? AND u.deleted_at IS NULL AND u.is_active = TRUE`, NormalizeEmail(email)), &c.User, &c.PasswordHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("User")
	}
	return &c, translate(err)
}

// LegacyPasswordHash returns the password hash of one live, active user
// in one of the Django formats a login verifies (an imported hash its user
// has not yet replaced by logging in), "" when none remain:
// the cost workflow.Login makes every failed login spend, so that the
// time of a login does not tell whom its e-mail names.
func (s *Identity) LegacyPasswordHash(ctx context.Context) (string, error) {
	var hash string
	err := s.db.reader().queryRow(ctx, legacyPasswordQuery).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return hash, translate(err)
}

// legacyPasswordQuery reads through the partial index users_imported_password
// (migration 00170), whose condition it repeats.
const legacyPasswordQuery = `SELECT u.password_hash FROM users u WHERE u.is_active = TRUE
	AND u.deleted_at IS NULL AND (u.password_hash LIKE 'pbkdf2_sha256$%' OR u.password_hash LIKE 'pbkdf2_sha1$%'
	OR u.password_hash LIKE 'argon2$%' OR u.password_hash LIKE 'bcrypt$%' OR u.password_hash LIKE 'bcrypt_sha256$%')
	LIMIT 1`

// PrincipalForUser resolves a verified user id into its principal and its
// account's gate input, reading role and status fresh so that a removed
// user or a changed role takes effect on the next request.
// Errors: unauthenticated.
func (s *Identity) PrincipalForUser(ctx context.Context, userID string) (*igny8.Principal, igny8.GateInput, error) {
	return principalForUser(ctx, s.db, `FALSE`, ``, userID)
}

// factorColumns read, after a principal's gate input, whether the person
// must use a second factor and whether they have one on (factor.go);
// loginFactor, the query's own, says whether the login used it.
const factorColumns = `(u.role = 'developer' OR COALESCE(a.require_second_factor, FALSE)),
	EXISTS (SELECT 1 FROM totp_factors f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL)`

// principalQuery reads a live user (with whether their e-mail is
// verified) and its account's gate input and
// factorColumns; callers put in whether the login used a second factor
// (%s, an SQL boolean) and may add conditions after the WHERE clause.
const principalQuery = `SELECT u.id, u.email, u.email_verified_at IS NOT NULL, u.role, u.account_id, a.status, a.status_reason, a.trial_ends_at,
	p.is_active, p.api_requests_per_minute, a.deleted_at, ` + factorColumns + `, %s
	FROM users u LEFT JOIN accounts a ON a.id = u.account_id LEFT JOIN plans p ON p.id = a.plan_id
	WHERE u.id = ? AND u.deleted_at IS NULL AND u.is_active = TRUE`

// principalForUser reads the principal of a user; loginFactor is an SQL
// boolean (its arguments first in args) saying whether the login used a
// second factor.
func principalForUser(ctx context.Context, db *DB, loginFactor, extra string, args ...any) (*igny8.Principal, igny8.GateInput, error) {
	var p igny8.Principal
	var g igny8.GateInput
	var accountID, status, reason *string
	var planActive *bool
	var deleted *time.Time
	var rate *int
	var hasFactor, usedFactor bool
	err := db.reader().queryRow(ctx, fmt.Sprintf(principalQuery, loginFactor)+extra, args...).
		Scan(&p.UserID, &p.Email, &p.EmailVerified, &p.Role, &accountID, &status, &reason, &g.TrialEndsAt, &planActive, &rate, &deleted,
			&p.FactorRequired, &hasFactor, &usedFactor)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, g, igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
	}
	if err != nil {
		return nil, g, translate(err)
	}
	if accountID != nil {
		p.AccountID, g.Status, g.StatusReason, g.PlanActive, g.Deleted = *accountID, *status, *reason, *planActive, deleted != nil
		g.APIRequestsPerMinute = *rate
	}
	p.SecondFactor = hasFactor && usedFactor
	return &p, g, nil
}

// CurrentUser returns the user of the principal in ctx.
// Errors: unauthenticated (no principal, or a principal that is no person).
func (s *Identity) CurrentUser(ctx context.Context) (*igny8.User, error) {
	p := igny8.PrincipalFrom(ctx)
	if p == nil || p.UserID == "" {
		return nil, igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
	}
	return userByID(ctx, s.db.reader(), p.UserID)
}

// RecordLogin stamps the user's last login time.
func (s *Identity) RecordLogin(ctx context.Context, userID string) error {
	_, err := s.db.write.ExecContext(ctx, s.db.rebind(`UPDATE users SET last_login_at = ? WHERE id = ?`), s.db.Now(), userID)
	return translate(err)
}

// ReplacePasswordHash stores newHash for the user whose password hash is
// oldHash, once a login has verified the password against oldHash (a hash
// brought by an import, replaced by igny8's own). oldHash carries a random
// salt, so it names one user; should two rows hold it, both verify the
// same password and both get a hash of it. A hash replaced meanwhile (a
// password change, a concurrent login) is left alone.
func (s *Identity) ReplacePasswordHash(ctx context.Context, oldHash, newHash string) error {
	if oldHash == "" || newHash == "" {
		return igny8.Errorf(igny8.EValidation, "A password hash is required.")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE password_hash = ?`,
			newHash, tx.now, oldHash)
		return err
	})
}
