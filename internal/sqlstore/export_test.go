package sqlstore

import (
	"context"

	"github.com/igny8/igny8"
)

// The store's column lists and selects, for the query-plan test.
const (
	SiteColumns        = siteColumns
	SectorColumns      = sectorColumns
	PlanColumns        = planColumns
	UserColumns        = userColumns
	PaymentColumns     = paymentColumns
	AccountSelect      = accountSelect
	SubscriptionSelect = subscriptionSelect
	AuditSelect        = auditSelect
	AdminAuditSelect   = adminAuditSelect
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

// SetAfterAccountInsert lets the external tests inject a failure into the
// sign-up transaction after the account row is written.
func (s *Store) SetAfterAccountInsert(f func() error) { s.afterAccountInsert = f }

// TimestampSelects are reads whose timestamps timestamps.go decodes, for
// the test that SQLite hands them over as text and PostgreSQL as TIMESTAMP.
var TimestampSelects = map[string]string{
	"sites":       `SELECT ` + siteColumns + ` FROM sites s`,
	"sectors":     `SELECT ` + sectorColumns + ` FROM sectors x`,
	"users":       `SELECT ` + userColumns + ` FROM users u`,
	"credits":     `SELECT ` + creditTxColumns + ` FROM credit_transactions`,
	"site access": `SELECT ` + siteAccessColumns + ` FROM site_user_access g JOIN users u ON u.id = g.user_id`,
}
