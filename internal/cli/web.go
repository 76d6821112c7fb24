package cli

import (
	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/api"
	"github.com/igny8/igny8/internal/web"
)

// sessions is the web session service, shared by the pages and the API's
// cookie authentication.
func (s *App) webSessions() webSessions { return webSessions{store: s.store, ttl: s.cfg.RefreshTTL} }

// webHandler builds the pages on the same services as the API.
func (s *App) webHandler() *web.Handler {
	return web.NewHandler(web.Deps{
		Logger:           s.log,
		Plans:            s.store,
		Industries:       s.store,
		Accounts:         s.store,
		Identity:         s.store,
		WebSessions:      s.webSessions(),
		Passwords:        s.passwords,
		Limiter:          s.limiter,
		Sites:            s.store,
		Members:          s.store,
		APIKeys:          s.store,
		Secrets:          secrets{},
		AdminAccounts:    s.admin,
		Ledger:           s.store,
		Billing:          s.store,
		AdminBilling:     s.admin,
		AdminLedger:      s.admin,
		ValidatePassword: api.ValidatePassword,
		Config: web.Config{TrialDays: s.cfg.TrialDays, TrustProxyHeaders: s.cfg.TrustProxy,
			Bank: igny8.BankAccount{Beneficiary: s.cfg.BankBeneficiary, IBAN: s.cfg.BankIBAN, BIC: s.cfg.BankBIC,
				BankName: s.cfg.BankName}, SupportEmail: s.cfg.SupportEmail, PublicURL: s.cfg.PublicURL},
		AdminMail: s.admin,
	})
}
