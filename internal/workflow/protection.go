package workflow

import (
	"context"
	"time"

	"github.com/igny8/igny8"
)

// Login protection (docs/design.md section 8): after FailureThreshold
// failed logins for one e-mail within FailureWindow, every further
// attempt for it from an unknown device waits a growing delay (1 s, 2 s,
// 4 s, … up to MaxLoginDelay) after the last failure, and the person is
// e-mailed once. A known device (one the person completed a login from
// within KnownDeviceTTL: the device cookie on the pages, the client
// address on the API) neither waits nor spends the e-mail's budget, so an
// attacker who keeps failing cannot keep the owner out. The per-address
// budget applies to everyone.
const (
	FailureThreshold = 10
	FailureWindow    = 15 * time.Minute
	MaxLoginDelay    = 5 * time.Minute
	KnownDeviceTTL   = 30 * 24 * time.Hour
)

// LoginPolicy is the slow-down above.
var LoginPolicy = igny8.LoginPolicy{Threshold: FailureThreshold, Window: FailureWindow, Delay: LoginDelay}

// LoginDelay is the wait after the failures-th failure of an episode.
func LoginDelay(failures int) time.Duration {
	n := failures - FailureThreshold
	if n < 0 {
		return 0
	}
	if n > 20 {
		return MaxLoginDelay
	}
	return min(time.Second<<n, MaxLoginDelay)
}

// deviceHashes are the stored forms of what identifies the device of a
// login: the device cookie's token and the client address.
func (s *Service) deviceHashes(addr, device string) []string {
	var hs []string
	if device != "" {
		hs = append(hs, s.Secrets.HashToken("device:"+device))
	}
	if addr != "" {
		hs = append(hs, s.Secrets.HashToken("address:"+addr))
	}
	return hs
}

// knownDevice reports whether userID completed a login as kind from the
// device recently: on the pages by the device cookie alone (an address is
// shared by everyone behind it, and a browser can carry the cookie), on
// the API by the client address (an API client keeps no cookie).
func (s *Service) knownDevice(ctx context.Context, kind igny8.CredentialKind, userID, addr, device string) (bool, error) {
	if s.Guard == nil {
		return false, nil
	}
	hs := s.loginDevices(kind, addr, device)
	if len(hs) == 0 {
		return false, nil
	}
	return s.Guard.KnownDevice(ctx, userID, hs, s.Now().Add(-KnownDeviceTTL))
}

// loginDevices is what identifies the device of a login as kind.
func (s *Service) loginDevices(kind igny8.CredentialKind, addr, device string) []string {
	if kind == igny8.CredentialSession {
		return s.deviceHashes("", device)
	}
	return s.deviceHashes(addr, "")
}

// guardEmail spends an attempt of email's auth budget and refuses the
// attempt while repeated failures slow it (rate_limited, retry_after).
func (s *Service) guardEmail(ctx context.Context, email string) error {
	if err := s.ChargeEmail(ctx, email); err != nil {
		return err
	}
	if s.Guard == nil {
		return nil
	}
	wait, err := s.Guard.LoginWait(ctx, email)
	if err != nil || wait <= 0 {
		return err
	}
	retry := CeilSeconds(wait)
	return &igny8.Error{Code: igny8.ERateLimited, Message: "Many logins failed for this email, so attempts are slowed down; retry after " +
		igny8.Plural(retry, "second") + ". A device you logged in from before is not slowed.", Extra: map[string]any{"retry_after": retry}}
}

// loginFailed counts a failed login for email (of userID, empty when no
// one has it). A count that cannot be written is logged: the login was
// refused either way.
func (s *Service) loginFailed(ctx context.Context, email, userID string) {
	if s.Guard == nil {
		return
	}
	if err := s.Guard.RecordLoginFailure(context.WithoutCancel(ctx), email, userID, LoginPolicy); err != nil {
		s.Logger.WarnContext(ctx, "failed login not counted", "err", err.Error())
	}
}

// finishLogin records a completed login of a: its time, and its device
// as known (minting the pages' device token when they had none).
func (s *Service) finishLogin(ctx context.Context, a *Admitted, userID, addr, device string) error {
	if err := s.Identity.RecordLogin(ctx, userID); err != nil {
		return err
	}
	if s.Guard == nil {
		return nil
	}
	kind := a.Principal.Kind
	if kind == igny8.CredentialSession {
		if device == "" {
			device, _ = s.Secrets.NewToken()
		}
		a.Device = device
	}
	return s.Guard.RememberDevices(ctx, userID, s.loginDevices(kind, addr, device))
}
