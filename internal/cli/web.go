package cli

import (
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/web"
	"github.com/igny8/igny8/internal/workflow"
)

// sessions is the web session service, shared by the pages and the API's
// cookie authentication.
func (s *App) webSessions() webSessions {
	return webSessions{store: s.store.WebSessions, ttl: s.cfg.RefreshTTL}
}

// flow is the workflows the API and the pages share (sign-up, login,
// refresh, logout, password recovery, invitations, ownership transfer),
// on the same store, hasher, secrets and limiter as everything else. Both
// surfaces get the one service, with its one queue of work done after
// the answer.
func (s *App) flow() *workflow.Service {
	if s.wf != nil {
		return s.wf
	}
	s.wf = workflow.New(workflow.Service{
		Logger:      s.log,
		Identity:    s.store.Identity,
		Accounts:    s.store.Accounts,
		Sessions:    s.store.Sessions,
		WebSessions: s.webSessions(),
		Members:     s.store.Members,
		Factors:     s.store.Factors,
		Codes:       codes{},
		Guard:       s.store.LoginGuard,
		Email:       s.store.Identity,
		Profile:     s.store.Identity,
		Resets:      s.store.PasswordResets,
		Later:       s.later,
		Passwords:   s.passwords,
		Secrets:     secrets{},
		Limiter:     s.limiter,
		// The database's clock, so that a test that moves one moves both.
		Now: func() time.Time { return s.db.Now() },
		Config: workflow.Config{TrialDays: s.cfg.TrialDays, RefreshTTL: s.cfg.RefreshTTL, SupportEmail: s.cfg.SupportEmail,
			PublicURL: s.cfg.PublicURL},
	})
	return s.wf
}

// webHandler builds the pages on the same services as the API.
func (s *App) webHandler() *web.Handler {
	deps := web.Deps{
		Logger:        s.log,
		Plans:         s.store.Plans,
		Industries:    s.store.Industries,
		Accounts:      s.store.Accounts,
		Identity:      s.store.Identity,
		WebSessions:   s.webSessions(),
		Flow:          s.flow(),
		Sites:         s.store.Sites,
		Members:       s.store.Members,
		APIKeys:       s.store.APIKeys,
		Secrets:       secrets{},
		AdminAccounts: s.admin,
		Factors:       s.store.Factors,
		AdminFactors:  s.store.Factors,
		Ledger:        s.store.Ledger,
		Billing:       s.store.Billing,
		AdminBilling:  s.admin,
		AdminLedger:   s.admin,
		Packs:         s.store.Packs,
		Config: web.Config{TrustProxyHeaders: s.cfg.TrustProxy,
			Bank: igny8.BankAccount{Beneficiary: s.cfg.BankBeneficiary, IBAN: s.cfg.BankIBAN, BIC: s.cfg.BankBIC,
				BankName: s.cfg.BankName}, SupportEmail: s.cfg.SupportEmail},
		AdminMail:  s.admin,
		AdminPacks: s.admin,
		Incidents:  s.admin,
	}
	if s.card != nil {
		deps.CardPortal = s.store.Billing // Stripe's customer portal
	}
	return web.NewHandler(deps)
}
