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
