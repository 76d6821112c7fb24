package sqlstore

import (
	"context"

	"github.com/igny8/igny8"
)

// The store's column lists and selects, for the query-plan test.
const (
	SiteColumns         = siteColumns
	SectorColumns       = sectorColumns
	PlanColumns         = planColumns
	UserColumns         = userColumns
	PaymentColumns      = paymentColumns
	AccountSelect       = accountSelect
	SubscriptionSelect  = subscriptionSelect
	AuditSelect         = auditSelect
	AdminAuditSelect    = adminAuditSelect
	LegacyPasswordQuery = legacyPasswordQuery
	LiveFamilies        = liveFamilies
	LiveWebSessions     = liveWebSessions
)

// CreditChange exposes creditChange to the external tests.
type CreditChange = creditChange

// ApplyCredit runs applyCredit in a transaction of its own, as the store's
// callers do.
func ApplyCredit(ctx context.Context, db *DB, accountID string, ch CreditChange) (*igny8.CreditTransaction, bool, error) {
	return db.applyCreditOnce(ctx, tenant{id: accountID}, ch, nil)
}

// RequestHashForTest is the fingerprint applyCredit stores beside a change's key.
func (ch *creditChange) RequestHashForTest() string { return ch.requestHash() }

// The test hooks of the services: only this package's tests set them.

// SetAfterAccountInsert lets the external tests inject a failure into the
// sign-up transaction after the account row is written.
func SetAfterAccountInsert(s *Services, f func() error) { s.Identity.afterAccountInsert = f }

// SetReferenceSource makes checkout and pack purchases draw payment
// references from next (they share one draw).
func SetReferenceSource(s *Services, next func() string) { s.Billing.references = next }

// SetAfterLimitCheck makes the sites (and sectors) and the members run f
// between each plan-limit check and the write it guards, so that race tests
// can widen the window.
func SetAfterLimitCheck(s *Services, f func()) {
	s.Sites.limits.after = f
	s.Members.limits.after = f
}

// TimestampSelects are reads whose timestamps timestamps.go decodes, for
// the test that SQLite hands them over as text and PostgreSQL as TIMESTAMP.
var TimestampSelects = map[string]string{
	"sites":       `SELECT ` + siteColumns + ` FROM sites s`,
	"sectors":     `SELECT ` + sectorColumns + ` FROM sectors x`,
	"users":       `SELECT ` + userColumns + ` FROM users u`,
	"credits":     `SELECT ` + creditTxColumns + ` FROM credit_transactions`,
	"site access": `SELECT ` + siteAccessColumns + ` FROM site_user_access g JOIN users u ON u.id = g.user_id`,
}
