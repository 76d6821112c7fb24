package workflow

import (
	"context"

	"github.com/igny8/igny8"
)

// The logged-in person's own profile, on the API (/auth/me, /auth/sessions)
// and the /profile page alike: every method acts on the person of ctx.

// ChangeName renames the person of ctx under the name rule of sign-up and
// returns them. Errors: validation_failed naming name, unauthenticated.
func (s *Service) ChangeName(ctx context.Context, name string) (*igny8.User, error) {
	user, err := s.Profile.Rename(ctx, name)
	if err != nil {
		return nil, err
	}
	s.Logger.InfoContext(ctx, "name changed", "user_id", user.ID, "via", via(igny8.PrincipalFrom(ctx).Kind))
	return user, nil
}

// ChangePassword changes the password of the person of ctx. Their e-mail's
// auth budget is spent first, as by a login: guessing the current
// password through this form is throttled like guessing it at login.
// current must be their password (validation_failed naming
// current_password otherwise), password must pass the sign-up rule
// (igny8.PasswordFault) and differ from the current one; every fault is
// named at once. Every other login of the person ends (this one stays)
// and they are e-mailed a notice. It answers how many logins ended.
// Errors: rate_limited, validation_failed, unauthenticated.
func (s *Service) ChangePassword(ctx context.Context, current, password string) (int, error) {
	user, err := s.Identity.CurrentUser(ctx)
	if err != nil {
		return 0, err
	}
	if err := s.ChargeEmail(ctx, user.Email); err != nil {
		return 0, err
	}
	var fields []igny8.FieldError
	right := false
	if current == "" {
		fields = append(fields, igny8.FieldError{Field: "current_password", Message: "is required"})
	} else {
		creds, err := s.Identity.CredentialsByEmail(ctx, user.Email)
		if err != nil && igny8.ErrorCode(err) != igny8.ENotFound {
			return 0, err
		}
		// The person is known (logged in): no decoy hides who they are.
		stored := ""
		if err == nil && creds.User.ID == user.ID {
			stored = creds.PasswordHash
		}
		right = s.Passwords.Check(stored, "", current)
		if !right {
			fields = append(fields, igny8.FieldError{Field: "current_password", Message: "is not your current password"})
		}
	}
	if msg := igny8.PasswordFault(password); msg != "" {
		fields = append(fields, igny8.FieldError{Field: "password", Message: msg})
	} else if right && password == current {
		fields = append(fields, igny8.FieldError{Field: "password", Message: "must differ from your current password"})
	}
	if len(fields) > 0 {
		return 0, igny8.Invalid("The password was not changed.", fields...)
	}
	hash, err := s.Passwords.Hash(password)
	if err != nil {
		return 0, err
	}
	ended, err := s.Profile.ChangePassword(ctx, hash)
	if err != nil {
		return 0, err
	}
	s.Logger.InfoContext(ctx, "password changed", "user_id", user.ID, "ended_logins", ended,
		"via", via(igny8.PrincipalFrom(ctx).Kind))
	return ended, nil
}

// Logins lists a page of the active logins of the person of ctx, API and
// web alike, newest first, theirs marked current. Errors:
// validation_failed (cursor), unauthenticated.
func (s *Service) Logins(ctx context.Context, page igny8.PageRequest) (*igny8.Page[igny8.Login], error) {
	return s.Profile.Logins(ctx, page)
}

// EndLogin ends one login of the person of ctx, taking effect on its next
// request (an access token of an ended family is refused, an ended web
// session's cookie no longer opens anything). Errors: not_found (also for
// another person's login), unauthenticated.
func (s *Service) EndLogin(ctx context.Context, id string) error {
	if err := s.Profile.EndLogin(context.WithoutCancel(ctx), id); err != nil {
		return err
	}
	s.Logger.InfoContext(ctx, "login ended", "user_id", igny8.PrincipalFrom(ctx).UserID, "login_id", id)
	return nil
}

// EndOtherLogins ends every login of the person of ctx but this one and
// answers how many it ended ("log out everywhere else").
// Errors: unauthenticated.
func (s *Service) EndOtherLogins(ctx context.Context) (int, error) {
	n, err := s.Profile.EndOtherLogins(context.WithoutCancel(ctx))
	if err != nil {
		return 0, err
	}
	s.Logger.InfoContext(ctx, "other logins ended", "user_id", igny8.PrincipalFrom(ctx).UserID, "ended", n)
	return n, nil
}
