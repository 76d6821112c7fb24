package cli

import (
	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/web"
	"github.com/igny8/igny8/internal/workflow"
)

// sessions is the web session service, shared by the pages and the API's
// cookie authentication.
func (s *App) webSessions() webSessions { return webSessions{store: s.store, ttl: s.cfg.RefreshTTL} }

// flow is the workflows the API and the pages share (sign-up, login,
// refresh, logout, invitations, ownership transfer), on the same store,
// hasher, secrets and limiter as everything else.
func (s *App) flow() *workflow.Service {
	return workflow.New(workflow.Service{
		Logger:      s.log,
		Identity:    s.store,
		Accounts:    s.store,
		Sessions:    s.store,
		WebSessions: s.webSessions(),
		Members:     s.store,
		Email:       s.store,
		Profile:     s.store,
		Passwords:   s.passwords,
		Secrets:     secrets{},
		Limiter:     s.limiter,
		Config: workflow.Config{TrialDays: s.cfg.TrialDays, RefreshTTL: s.cfg.RefreshTTL, SupportEmail: s.cfg.SupportEmail,
			PublicURL: s.cfg.PublicURL},
	})
}

// webHandler builds the pages on the same services as the API.
func (s *App) webHandler() *web.Handler {
	deps := web.Deps{
		Logger:        s.log,
		Plans:         s.store,
		Industries:    s.store,
		Accounts:      s.store,
		Identity:      s.store,
		WebSessions:   s.webSessions(),
		Flow:          s.flow(),
		Sites:         s.store,
		Members:       s.store,
		APIKeys:       s.store,
		Secrets:       secrets{},
		AdminAccounts: s.admin,
		Ledger:        s.store,
		Billing:       s.store,
		AdminBilling:  s.admin,
		AdminLedger:   s.admin,
		Packs:         s.store,
		Config: web.Config{TrustProxyHeaders: s.cfg.TrustProxy,
			Bank: igny8.BankAccount{Beneficiary: s.cfg.BankBeneficiary, IBAN: s.cfg.BankIBAN, BIC: s.cfg.BankBIC,
				BankName: s.cfg.BankName}, SupportEmail: s.cfg.SupportEmail},
		AdminMail: s.admin,
	}
	if s.card != nil {
		deps.CardPortal = s.store // Stripe's customer portal
	}
	return web.NewHandler(deps)
}
