package workflow

import (
	"context"

	"github.com/igny8/igny8"
)

// E-mail verification and change of address (docs/design.md section 3).
// The links are e-mailed by the store, in the transaction that makes them;
// their tokens are returned to nobody.

// VerifyEmail spends the link token (from the message's
// /verify-email?token=… page): the address is verified, or becomes the
// user's for a change. The token proves it; nobody need be logged in.
// Errors: validation_failed, not_found (unknown, used, replaced or expired
// link), conflict (the new address was taken meanwhile).
func (s *Service) VerifyEmail(ctx context.Context, token string) (*igny8.EmailConfirmed, error) {
	if token == "" {
		return nil, igny8.InvalidField("token", "is required")
	}
	done, err := s.Email.ConfirmEmail(ctx, s.Secrets.HashToken(token))
	if err != nil {
		return nil, err
	}
	if done.Previous != "" {
		s.Logger.InfoContext(ctx, "email changed", "user_id", done.UserID)
	} else {
		s.Logger.InfoContext(ctx, "email verified", "user_id", done.UserID)
	}
	return done, nil
}

// ResendVerification e-mails the logged-in person a new link for their
// outstanding address (a pending change, else their own), replacing the
// earlier link; it spends their verify budget (3 an hour).
// Errors: unauthenticated, rate_limited, conflict (nothing to confirm).
func (s *Service) ResendVerification(ctx context.Context) (*igny8.PendingEmail, error) {
	if err := s.chargeVerify(ctx); err != nil {
		return nil, err
	}
	token, hash := s.Secrets.NewToken()
	pe, err := s.Email.ResendVerification(ctx, igny8.EmailToken{Token: token, Hash: hash})
	if err != nil {
		return nil, err
	}
	s.Logger.InfoContext(ctx, "verification link sent", "user_id", igny8.PrincipalFrom(ctx).UserID, "change", pe.Change)
	return pe, nil
}

// ChangeEmail asks to move the logged-in person's login to email: their
// current password is checked (as for deleting an account: a stolen
// session alone must not take the account's address), then a link goes to
// the new address, which becomes theirs only when it is opened; until
// then they log in with the old one. Errors: unauthenticated,
// rate_limited, validation_failed (the address, or current_password),
// conflict (the address is taken).
func (s *Service) ChangeEmail(ctx context.Context, email, currentPassword string) (*igny8.PendingEmail, error) {
	if err := requirePerson(ctx); err != nil {
		return nil, err
	}
	if email = igny8.NormalizeEmail(email); !igny8.ValidEmail(email) {
		return nil, igny8.InvalidField("email", "must be a valid email address")
	}
	if _, err := s.confirmPassword(ctx, "current_password", currentPassword); err != nil {
		return nil, err
	}
	if err := s.chargeVerify(ctx); err != nil {
		return nil, err
	}
	token, hash := s.Secrets.NewToken()
	pe, err := s.Email.RequestEmailChange(ctx, email, igny8.EmailToken{Token: token, Hash: hash})
	if err != nil {
		return nil, err
	}
	s.Logger.InfoContext(ctx, "email change requested", "user_id", igny8.PrincipalFrom(ctx).UserID)
	return pe, nil
}

// PendingEmail is the logged-in person's outstanding link's address, nil
// when there is none (the profile page shows it). Errors: unauthenticated.
func (s *Service) PendingEmail(ctx context.Context) (*igny8.PendingEmail, error) {
	return s.Email.PendingEmail(ctx)
}

// chargeVerify spends one link of the person's verify budget.
func (s *Service) chargeVerify(ctx context.Context) error {
	if err := requirePerson(ctx); err != nil {
		return err
	}
	return s.Charge(ctx, igny8.Key(igny8.ScopeVerify, igny8.KindUser, igny8.PrincipalFrom(ctx).UserID),
		igny8.RateFor(igny8.ScopeVerify, 0))
}

// requirePerson refuses anyone but a logged-in person (API keys have no
// address of their own).
func requirePerson(ctx context.Context) error {
	p := igny8.PrincipalFrom(ctx)
	if p == nil || p.UserID == "" {
		return igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
	}
	if !p.IsPerson() {
		return igny8.Errorf(igny8.EForbidden, "An API key has no e-mail address; log in as a person.")
	}
	return nil
}
