package igny8

import (
	"context"
)

// ProfileService is the logged-in person's own profile: every method acts
// on the user of the principal in ctx (a person: an access token or a web
// session, never an API key) and on no one else, whether they belong to
// an account or are a developer. Errors: unauthenticated when ctx holds
// no person.
type ProfileService interface {
	// Rename sets the person's name, trimmed (TrimName) and under the rule
	// of sign-up (NameFault), and returns them. Errors: validation_failed.
	Rename(ctx context.Context, name string) (*User, error)
}
