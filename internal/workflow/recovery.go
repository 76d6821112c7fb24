package workflow

import (
	"context"
	"errors"

	"github.com/igny8/igny8"
)

// ForgotPasswordAnswer is the one answer to a password reset request,
// whoever the e-mail belongs to, on the API and the pages.
const ForgotPasswordAnswer = "If an igny8 login uses this e-mail, a link to choose a new password is on its way. It works for one hour."

// ForgotPassword asks for a password reset link for email. The answer is
// the same whether the e-mail has a login or not, and so is its time: the
// request only checks the address and spends the budgets (the client
// address's, by the caller, and the e-mail's recovery budget here); the
// look-up, the link and its message are made after the answer, in the
// background (Later), so no work on the request's path depends on the
// account existing. Errors: validation_failed naming email, rate_limited.
func (s *Service) ForgotPassword(ctx context.Context, email string) error {
	email = igny8.NormalizeEmail(email)
	switch {
	case email == "":
		return igny8.InvalidField("email", "is required")
	case !igny8.ValidEmail(email):
		return igny8.InvalidField("email", "must be a valid email address")
	}
	if err := s.ChargeRecovery(ctx, email); err != nil {
		return err
	}
	job := func(ctx context.Context) {
		token, hash := s.Secrets.NewToken()
		sent, err := s.Resets.RequestPasswordReset(ctx, email, token, hash, igny8.PasswordResetTTL)
		if err != nil {
			s.Logger.ErrorContext(ctx, "password reset request failed", "err", err.Error())
			return
		}
		s.Logger.InfoContext(ctx, "password reset requested", "link_sent", sent)
	}
	if s.Later == nil {
		job(ctx)
		return nil
	}
	s.Later.Go(ctx, "password reset request", job)
	return nil
}

// maxTokenLen bounds a token looked up (every token igny8 makes is far
// shorter): a longer one is no link of ours.
const maxTokenLen = 200

// CheckResetLink says whether token is a reset link that can still be
// used, without spending it (the page shows what became of a link before
// anyone types a password). Errors: validation_failed naming token.
func (s *Service) CheckResetLink(ctx context.Context, token string) error {
	if token == "" {
		return igny8.InvalidField("token", "is required")
	}
	if len(token) > maxTokenLen {
		return igny8.Invalid("This password reset link is not valid.", igny8.FieldError{Field: "token",
			Message: "is not a valid reset link; open the whole link from the message, or ask for a new one"})
	}
	return s.Resets.CheckPasswordReset(ctx, s.Secrets.HashToken(token))
}

// ResetPassword spends the reset link token to set password, under the
// sign-up password rule. Every login and web session of the user ends,
// they are told by e-mail and the change is audited (the store does all
// of it in one transaction); they are not logged in: they log in with the
// new password, through the account gate like any login. Errors:
// validation_failed naming token (unknown, used, replaced or expired) and
// password, together.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	linkErr := s.CheckResetLink(ctx, token)
	var bad *igny8.Error
	if linkErr != nil && !errors.As(linkErr, &bad) {
		return linkErr
	}
	if msg := igny8.PasswordFault(password); msg != "" {
		pw := igny8.FieldError{Field: "password", Message: msg}
		if bad == nil {
			return igny8.Invalid("The password "+msg+".", pw)
		}
		return igny8.Invalid("The password reset form has errors.", append(append([]igny8.FieldError{}, bad.Fields...), pw)...)
	}
	if linkErr != nil {
		return linkErr
	}
	hash, err := s.Passwords.Hash(password)
	if err != nil {
		return err
	}
	userID, err := s.Resets.ResetPassword(ctx, s.Secrets.HashToken(token), hash)
	if err != nil {
		return err
	}
	s.Logger.InfoContext(ctx, "password reset", "user_id", userID)
	return nil
}
