package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// planKind says what a query's plan must avoid.
type planKind int

const (
	// lookup: a per-request read or write of one account's rows; every
	// table it touches is searched through an index, never walked.
	lookup planKind = iota
	// list: a lookup that pages in index order, so it never sorts.
	list
	// shortList: a list of few rows per account (a user's granted sites,
	// the deleted sites): SQLite pages it in index order, while PostgreSQL
	// may rightly read the few rows and sort them.
	shortList
	// job: a cross-tenant scan of the background jobs or the admin pages;
	// it may walk an index in order (ORDER BY ... LIMIT) but never a table.
	job
)

// planCase is one query of the store, copied from its source, with the
// arguments a request would bind.
type planCase struct {
	name string
	kind planKind
	q    string
	args func(fx *tenantsFx) []any
}

// The column lists and selects are the store's own (export_test.go), so
// the plans below are those of the queries the store runs.
const (
	siteCols        = sqlstore.SiteColumns
	sectorCols      = sqlstore.SectorColumns
	planCols        = sqlstore.PlanColumns
	userCols        = sqlstore.UserColumns
	paymentCols     = sqlstore.PaymentColumns
	accountSel      = sqlstore.AccountSelect
	subscriptionSel = sqlstore.SubscriptionSelect
	auditSel        = sqlstore.AuditSelect
	adminAuditSel   = sqlstore.AdminAuditSelect
	pageSize        = 51
)

// planCases lists the store's list queries, per-request lookups and job
// scans. The SQL is the store's own; keep the two in step.
var planCases = []planCase{
	// Sites, sectors and site access (sites.go, sectors.go, access.go).
	{"ListSites (owner)", list, `SELECT ` + siteCols + ` FROM sites s WHERE s.deleted_at IS NULL AND s.account_id = ? AND s.id > ? ORDER BY s.id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, "", pageSize} }},
	{"ListSites (owner, small account)", shortList, `SELECT ` + siteCols + ` FROM sites s WHERE s.deleted_at IS NULL AND s.account_id = ? AND s.id > ? ORDER BY s.id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.small.account, "", pageSize} }},
	{"ListSites (granted editor)", shortList, `SELECT ` + siteCols + ` FROM sites s WHERE s.deleted_at IS NULL AND s.account_id = ? AND EXISTS (SELECT 1 FROM site_user_access g
			WHERE g.account_id = s.account_id AND g.site_id = s.id AND g.user_id = ?) AND s.id > ? ORDER BY s.id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.member, "", pageSize} }},
	{"ListSites (site-bound key)", list, `SELECT ` + siteCols + ` FROM sites s WHERE s.deleted_at IS NULL AND s.account_id = ? AND s.id = ? AND s.id > ? ORDER BY s.id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.site, "", pageSize} }},
	{"ListSites (deleted)", shortList, `SELECT ` + siteCols + ` FROM sites s WHERE s.deleted_at IS NOT NULL AND s.purge_after > ? AND s.account_id = ? AND s.id > ? ORDER BY s.id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.now, fx.big.account, "", pageSize} }},
	{"visibleSite", lookup, `SELECT ` + siteCols + ` FROM sites s WHERE s.id = ? AND s.deleted_at IS NULL AND s.account_id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.site, fx.big.account} }},
	{"checkSiteLimit", lookup, `SELECT COUNT(*) FROM sites WHERE account_id = ? AND deleted_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.big.account} }},
	{"pickSiteSlug", lookup, `SELECT COUNT(*) FROM sites WHERE account_id = ? AND slug = ? AND deleted_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, "site-1"} }},
	{"ListSectors", list, `SELECT ` + sectorCols + ` FROM sectors x
		WHERE x.account_id = ? AND x.site_id = ? AND x.deleted_at IS NULL AND x.id > ? ORDER BY x.id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.site, "", pageSize} }},
	{"sectorOfVisibleSite", lookup, `SELECT ` + sectorCols + ` FROM sectors x JOIN sites s ON s.id = x.site_id AND s.account_id = x.account_id
		WHERE x.id = ? AND x.deleted_at IS NULL AND s.deleted_at IS NULL AND s.account_id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.sector, fx.big.account} }},
	{"checkSectorLimit", lookup, `SELECT COUNT(*) FROM sectors WHERE account_id = ? AND site_id = ? AND deleted_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.site} }},
	{"checkSectorSlug", lookup, `SELECT COUNT(*) FROM sectors WHERE site_id = ? AND slug = ? AND deleted_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.big.site, "sector-1"} }},
	{"checkLimits (checkout)", lookup, `SELECT
		(SELECT COUNT(*) FROM sites WHERE account_id = ? AND deleted_at IS NULL),
		(SELECT COUNT(*) FROM users WHERE account_id = ? AND deleted_at IS NULL),
		(SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM sectors c JOIN sites t ON t.account_id = c.account_id AND t.id = c.site_id
			WHERE c.account_id = ? AND c.deleted_at IS NULL AND t.deleted_at IS NULL GROUP BY c.site_id) x)`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.account, fx.big.account} }},
	{"ListSiteAccess", list, `SELECT g.site_id, g.user_id, u.email, u.name, u.role, g.granted_by, g.granted_at
		FROM site_user_access g JOIN users u ON u.id = g.user_id AND u.account_id = g.account_id
		AND u.deleted_at IS NULL WHERE g.account_id = ? AND g.site_id = ? AND g.user_id > ? ORDER BY g.user_id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.site, "", pageSize} }},
	{"DeleteSite (sectors)", lookup, `UPDATE sectors SET deleted_at = ?, purge_after = ?, updated_at = ?
		WHERE account_id = ? AND site_id = ? AND deleted_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.now, fx.now, fx.now, fx.big.account, fx.big.site} }},
	{"restoreSiteRows", lookup, `SELECT COUNT(*) FROM sectors WHERE account_id = ? AND site_id = ? AND deleted_at = (SELECT deleted_at FROM sites WHERE id = ? AND account_id = ?)`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.site, fx.big.site, fx.big.account} }},
	{"DeleteAccount (sites)", lookup, `UPDATE sites SET deleted_at = ?, purge_after = ?, updated_at = ? WHERE account_id = ? AND deleted_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.now, fx.now, fx.now, fx.big.account} }},
	{"RestoreAccount (sectors)", lookup, `UPDATE sectors SET deleted_at = NULL, purge_after = NULL, updated_at = ?
		WHERE account_id = ? AND deleted_at = (SELECT deleted_at FROM accounts WHERE id = ?)`,
		func(fx *tenantsFx) []any { return []any{fx.now, fx.big.account, fx.big.account} }},

	// Members, invitations, API keys, sessions (members*.go, invitations.go, apikey*.go, sessions.go, websessions.go).
	{"ListUsers", list, `SELECT ` + userCols + ` FROM users u
		WHERE u.account_id = ? AND u.deleted_at IS NULL AND u.id > ? ORDER BY u.id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, "", pageSize} }},
	{"ListInvitations", list, `SELECT id, email, name, role, invited_by, expires_at, created_at
		FROM invitations WHERE account_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?
		AND id > ? ORDER BY id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.now, "", pageSize} }},
	{"seatsTaken", lookup, `SELECT
		(SELECT COUNT(*) FROM users WHERE account_id = ? AND deleted_at IS NULL) +
		(SELECT COUNT(*) FROM invitations WHERE account_id = ? AND id <> ? AND accepted_at IS NULL
			AND revoked_at IS NULL AND expires_at > ?)`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.account, "", fx.now} }},
	{"checkNotInvited", lookup, `SELECT
		(SELECT COUNT(*) FROM users WHERE account_id = ? AND email = ? AND deleted_at IS NULL),
		(SELECT COUNT(*) FROM invitations WHERE account_id = ? AND email = ? AND accepted_at IS NULL
			AND revoked_at IS NULL AND expires_at > ?)`,
		func(fx *tenantsFx) []any {
			return []any{fx.big.account, "invitee-0-2@example.com", fx.big.account, "invitee-0-2@example.com", fx.now}
		}},
	{"AcceptInvitation", lookup, `SELECT id, account_id, email, name, role FROM invitations
		WHERE token_hash = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
		func(fx *tenantsFx) []any { return []any{"inv-0-2", fx.now} }},
	{"memberRole", lookup, `SELECT role FROM users WHERE account_id = ? AND id = ? AND deleted_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.member} }},
	{"ListAPIKeys", list, `SELECT k.id, k.name, k.prefix, k.site_id, k.role, k.created_by, k.created_at, k.last_used_at,
		k.expires_at, k.previous_expires_at, k.revoked_at FROM api_keys k
		WHERE k.account_id = ? AND k.revoked_at IS NULL AND k.id > ? ORDER BY k.id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, "", pageSize} }},
	{"PrincipalForAPIKey", lookup, `SELECT k.id, k.account_id, k.role, k.secret_hash, k.site_id, k.previous_hash,
		s.id, k.previous_expires_at, k.expires_at, s.deleted_at,
		a.status, a.trial_ends_at, p.is_active, p.api_requests_per_minute, a.deleted_at
		FROM api_keys k JOIN accounts a ON a.id = k.account_id JOIN plans p ON p.id = a.plan_id
		LEFT JOIN sites s ON s.account_id = k.account_id AND s.id = k.site_id
		WHERE k.prefix = ? AND k.revoked_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.big.apiKeyPrefix} }},
	{"CredentialsByEmail", lookup, `SELECT ` + userCols + `, u.password_hash FROM users u
		WHERE u.email = ? AND u.deleted_at IS NULL AND u.is_active = TRUE`,
		func(fx *tenantsFx) []any { return []any{"owner-0@example.com"} }},
	{"LegacyPasswordHash", lookup, sqlstore.LegacyPasswordQuery, func(fx *tenantsFx) []any { return nil }},
	{"PrincipalForToken", lookup, `SELECT u.id, u.email, u.role, u.account_id, a.status, a.trial_ends_at,
		p.is_active, p.api_requests_per_minute, a.deleted_at
		FROM users u LEFT JOIN accounts a ON a.id = u.account_id LEFT JOIN plans p ON p.id = a.plan_id
		WHERE u.id = ? AND u.deleted_at IS NULL AND u.is_active = TRUE AND NOT EXISTS (SELECT 1 FROM refresh_tokens r
		WHERE r.family_id = ? AND r.revoked_at IS NOT NULL)`,
		func(fx *tenantsFx) []any { return []any{fx.big.member, "fam-0-1"} }},
	{"ConfirmEmail", lookup, `SELECT user_id, email FROM email_tokens WHERE token_hash = ? AND expires_at > ?`,
		func(fx *tenantsFx) []any { return []any{"et-0-1", fx.now} }},
	{"pendingEmail", lookup, `SELECT email, expires_at FROM email_tokens WHERE user_id = ? AND expires_at > ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.member, fx.now} }},
	{"emailFree", lookup, `SELECT COUNT(*) FROM users WHERE email = ?`,
		func(fx *tenantsFx) []any { return []any{"owner-0@example.com"} }},
	{"RotateRefreshToken", lookup, `SELECT id, family_id, user_id, expires_at, used_at, revoked_at, client_ip, user_agent, login_at
		FROM refresh_tokens WHERE token_hash = ?`,
		func(fx *tenantsFx) []any { return []any{"rt-0-1"} }},
	{"RevokeSession", lookup, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND user_id = ? AND revoked_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.now, "fam-0-1", fx.big.member} }},
	{"revokeUserSessions (RemoveUser)", lookup, `UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.now, fx.big.member} }},
	{"RemoveUser (web sessions)", lookup, `UPDATE web_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.now, fx.big.member} }},
	{"Logins (API)", list, sqlstore.LiveFamilies + ` ORDER BY t.family_id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.member, fx.now, pageSize} }},
	{"Logins (web)", list, sqlstore.LiveWebSessions + ` ORDER BY id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.member, fx.now, pageSize} }},
	{"EndLogin (API)", lookup, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND user_id = ?
		AND revoked_at IS NULL AND expires_at > ?
		AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = ? AND r.revoked_at IS NOT NULL)`,
		func(fx *tenantsFx) []any { return []any{fx.now, "fam-0-1", fx.big.member, fx.now, "fam-0-1"} }},
	{"EndLogin (web)", lookup, `UPDATE web_sessions SET revoked_at = ? WHERE id = ? AND user_id = ?
		AND revoked_at IS NULL AND expires_at > ?`,
		func(fx *tenantsFx) []any { return []any{fx.now, "x", fx.big.member, fx.now} }},
	{"endOtherLogins (count)", lookup, `SELECT COUNT(DISTINCT family_id) FROM refresh_tokens
		WHERE user_id = ? AND family_id <> ? AND revoked_at IS NULL AND used_at IS NULL AND expires_at > ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.member, "fam-0-1", fx.now} }},
	{"endOtherLogins (API)", lookup, `UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND family_id <> ? AND revoked_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.now, fx.big.member, "fam-0-1"} }},
	{"endOtherLogins (web)", lookup, `UPDATE web_sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL
		AND expires_at > ?`,
		func(fx *tenantsFx) []any { return []any{fx.now, fx.big.member, "x", fx.now} }},
	{"FlushLoginUse (API)", lookup, `UPDATE refresh_tokens SET last_used_at = ?
		WHERE family_id = ? AND used_at IS NULL AND (last_used_at IS NULL OR last_used_at < ?)`,
		func(fx *tenantsFx) []any { return []any{fx.now, "fam-0-1", fx.now} }},
	{"FlushLoginUse (web)", lookup, `UPDATE web_sessions SET last_used_at = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		func(fx *tenantsFx) []any { return []any{fx.now, "x", fx.now} }},
	{"WebSessionByHash", lookup, `SELECT ws.id, ws.user_id, ws.csrf_token, ws.expires_at, ws.created_at,
		u.email, u.role, u.account_id, a.status, a.trial_ends_at, p.is_active, p.api_requests_per_minute, a.deleted_at
		FROM web_sessions ws JOIN users u ON u.id = ws.user_id
		LEFT JOIN accounts a ON a.id = u.account_id LEFT JOIN plans p ON p.id = a.plan_id
		WHERE ws.token_hash = ? AND ws.revoked_at IS NULL AND ws.expires_at > ?
		AND u.deleted_at IS NULL AND u.is_active = TRUE`,
		func(fx *tenantsFx) []any { return []any{"ws-0-1", fx.now} }},

	// Credits, usage and AI operations (ledger*.go, operations*.go).
	{"ListCreditTransactions", list, `SELECT id, seq, type, amount, balance_after FROM credit_transactions WHERE account_id = ? ORDER BY seq DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, pageSize} }},
	{"ListCreditTransactions (small account)", shortList, `SELECT id, seq, type, amount, balance_after FROM credit_transactions WHERE account_id = ? ORDER BY seq DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.small.account, pageSize} }},
	{"ListCreditTransactions (next page, type)", list, `SELECT id, seq, type, amount, balance_after FROM credit_transactions
		WHERE account_id = ? AND type = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, "deduction", 2000, pageSize} }},
	// The range is on created_at and the order on seq: without statistics
	// SQLite takes the range and sorts its rows.
	{"ListCreditTransactions (time range)", lookup, `SELECT id, seq, type, amount, balance_after FROM credit_transactions
		WHERE account_id = ? AND created_at >= ? AND created_at < ? ORDER BY seq DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.now.AddDate(0, 0, -30), fx.now, pageSize} }},
	{"creditByKey", lookup, `SELECT id, request_hash FROM credit_transactions WHERE account_id = ? AND idempotency_key = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, "key-10"} }},
	{"CreditUsage (by operation)", lookup, `SELECT operation, COUNT(*), CAST(COALESCE(SUM(tokens_in), 0) AS BIGINT)
		FROM credit_usage_logs WHERE account_id = ? AND created_at >= ? AND created_at < ? GROUP BY 1 ORDER BY 1`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.now.AddDate(0, 0, -30), fx.now} }},
	{"operationByKey", lookup, `SELECT u.id, u.outcome, COALESCE(rf.balance_after, d.balance_after, a.credits)
		FROM credit_usage_logs u JOIN accounts a ON a.id = u.account_id
		LEFT JOIN credit_transactions d ON d.id = u.transaction_id
		LEFT JOIN credit_transactions rf ON rf.id = u.refund_transaction_id
		WHERE u.account_id = ? AND u.idempotency_key = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, "op-8"} }},
	{"operationSite (sector)", lookup, `SELECT id FROM sectors WHERE id = ? AND site_id = ? AND account_id = ? AND deleted_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.big.sector, fx.big.site, fx.big.account} }},

	// Billing (billing.go, checkout.go).
	{"ListPayments", list, `SELECT ` + paymentCols + ` FROM payments y JOIN plans p ON p.id = y.plan_id WHERE y.account_id = ? ORDER BY y.id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, pageSize} }},
	{"latestSubscription", lookup, subscriptionSel + ` WHERE s.account_id = ? ORDER BY CASE WHEN s.status IN ('active', 'past_due') THEN 0
		WHEN s.status = 'pending_payment' THEN 1 ELSE 2 END, s.id DESC LIMIT 1`,
		func(fx *tenantsFx) []any { return []any{fx.big.account} }},
	{"currentSubscription", lookup, subscriptionSel + ` WHERE s.account_id = ? AND s.status IN ('active', 'past_due')`,
		func(fx *tenantsFx) []any { return []any{fx.big.account} }},
	{"BillingSummary (pending payment)", lookup, `SELECT ` + paymentCols + ` FROM payments y JOIN plans p ON p.id = y.plan_id WHERE y.account_id = ? AND y.status = 'pending'`,
		func(fx *tenantsFx) []any { return []any{fx.big.account} }},

	// Audit (audit_reads.go).
	{"AccountAudit", list, auditSel + ` WHERE e.account_id = ? ORDER BY e.id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, pageSize} }},
	{"AccountAudit (small account)", shortList, auditSel + ` WHERE e.account_id = ? ORDER BY e.id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.small.account, pageSize} }},
	{"AccountAudit (next page)", list, auditSel + ` WHERE e.account_id = ? AND e.id < ? ORDER BY e.id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, "ffffffff", pageSize} }},

	// Admin pages (admin_accounts.go, account_delete.go, payments_admin.go, audit_reads.go).
	{"admin ListAccounts", job, accountSel + ` WHERE a.deleted_at IS NULL AND a.id > ? ORDER BY a.id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{"", pageSize} }},
	{"admin ListAccounts (status)", job, accountSel + ` WHERE a.deleted_at IS NULL AND a.id > ? AND a.status = ? ORDER BY a.id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{"", "suspended", pageSize} }},
	{"admin ListDeletedAccounts", job, accountSel + ` WHERE a.deleted_at IS NOT NULL AND a.purge_after > ? AND a.id > ? ORDER BY a.id LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.now, "", pageSize} }},
	{"admin ListPayments", job, `SELECT ` + paymentCols + `, a.name, a.status FROM payments y JOIN plans p ON p.id = y.plan_id
		JOIN accounts a ON a.id = y.account_id WHERE 1 = 1 ORDER BY y.id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{pageSize} }},
	{"admin ListPayments (pending)", job, `SELECT ` + paymentCols + `, a.name, a.status FROM payments y JOIN plans p ON p.id = y.plan_id
		JOIN accounts a ON a.id = y.account_id WHERE 1 = 1 AND y.status = ? ORDER BY y.id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{"pending", pageSize} }},
	{"admin ListPayments (account)", job, `SELECT ` + paymentCols + `, a.name, a.status FROM payments y JOIN plans p ON p.id = y.plan_id
		JOIN accounts a ON a.id = y.account_id WHERE 1 = 1 AND y.account_id = ? ORDER BY y.id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, pageSize} }},
	{"admin ListAudit", job, adminAuditSel + ` WHERE 1 = 1 ORDER BY e.id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{pageSize} }},
	{"admin ListAudit (account)", list, adminAuditSel + ` WHERE 1 = 1 AND e.account_id = ? ORDER BY e.id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, pageSize} }},
	{"admin ListAudit (action)", job, adminAuditSel + ` WHERE 1 = 1 AND e.action = ? ORDER BY e.id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{"site.updated", pageSize} }},
	{"admin ListAudit (action, next page)", job, adminAuditSel + ` WHERE 1 = 1 AND e.action = ? AND e.id < ? ORDER BY e.id DESC LIMIT ?`,
		func(fx *tenantsFx) []any { return []any{"site.updated", "ffffffff", pageSize} }},
	{"lockPayment", lookup, `SELECT account_id, subscription_id FROM payments WHERE id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.payment} }},

	// Background jobs (admin_accounts.go, billing_job.go, admin_operations.go, admin_purge.go, admin_credentials.go).
	{"ExpireTrials", job, `UPDATE accounts SET status = 'suspended', status_reason = ?, updated_at = ?
		WHERE status = 'trial' AND trial_ends_at <= ? AND deleted_at IS NULL RETURNING id, trial_ends_at`,
		func(fx *tenantsFx) []any { return []any{"trial_expired", fx.now, fx.now} }},
	{"RemindTrials", job, `SELECT a.id FROM accounts a WHERE a.status = 'trial' AND a.trial_ends_at > ? AND a.trial_ends_at <= ?
		AND a.deleted_at IS NULL AND a.notify_trial_reminders = TRUE AND NOT EXISTS (SELECT 1 FROM account_notices n
		WHERE n.account_id = a.id AND n.kind = ? AND n.created_at > ?)`,
		func(fx *tenantsFx) []any {
			return []any{fx.now, fx.now.Add(72 * time.Hour), "trial_ending", fx.now.Add(-72 * time.Hour)}
		}},
	{"creditPeriod (notices.go)", lookup, `SELECT current_period_start FROM subscriptions WHERE account_id = ?
		AND status IN ('active', 'past_due') AND current_period_start IS NOT NULL
		ORDER BY current_period_start DESC LIMIT 1`,
		func(fx *tenantsFx) []any { return []any{fx.big.account} }},
	{"refusedNotice (notices.go)", lookup, `SELECT 1 FROM account_notices WHERE account_id = ? AND kind = ? AND period = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, "credits_exhausted", "trial"} }},
	{"billing job: ended", job, `SELECT s.id, s.account_id FROM subscriptions s WHERE s.status IN ('active', 'past_due') AND s.cancel_at_period_end = TRUE
		AND s.current_period_end <= ? ORDER BY s.id`,
		func(fx *tenantsFx) []any { return []any{fx.now} }},
	{"billing job: overdue", job, `SELECT s.id, s.account_id FROM subscriptions s WHERE s.status = 'active' AND s.cancel_at_period_end = FALSE
		AND s.current_period_end <= ? ORDER BY s.id`,
		func(fx *tenantsFx) []any { return []any{fx.now} }},
	{"billing job: endSubscription payments", lookup, `UPDATE payments SET status = 'rejected', rejected_reason = ?, updated_at = ?
		WHERE account_id = ? AND subscription_id = ? AND status = 'pending'`,
		func(fx *tenantsFx) []any { return []any{"x", fx.now, fx.big.account, fx.big.subscription} }},
	{"FailStaleOperations", job, `SELECT id, account_id, operation, credits_used FROM credit_usage_logs
		WHERE outcome = 'pending' AND created_at < ? ORDER BY created_at LIMIT 500`,
		func(fx *tenantsFx) []any { return []any{fx.now} }},
	{"Purge accounts", job, `DELETE FROM accounts WHERE deleted_at IS NOT NULL AND purge_after IS NOT NULL AND purge_after <= ?`,
		func(fx *tenantsFx) []any { return []any{fx.now} }},
	{"Purge sites", job, `DELETE FROM sites WHERE deleted_at IS NOT NULL AND purge_after IS NOT NULL AND purge_after <= ?`,
		func(fx *tenantsFx) []any { return []any{fx.now} }},
	{"Purge sectors", job, `DELETE FROM sectors WHERE deleted_at IS NOT NULL AND purge_after IS NOT NULL AND purge_after <= ?`,
		func(fx *tenantsFx) []any { return []any{fx.now} }},
	{"Purge users", job, `DELETE FROM users WHERE deleted_at IS NOT NULL AND purge_after IS NOT NULL AND purge_after <= ?`,
		func(fx *tenantsFx) []any { return []any{fx.now} }},
	{"PurgeExpiredCredentials (refresh tokens)", job, `DELETE FROM refresh_tokens WHERE expires_at < ?`,
		func(fx *tenantsFx) []any { return []any{fx.now.Add(-24 * time.Hour)} }},
	{"PurgeExpiredCredentials (invitations)", job, `DELETE FROM invitations WHERE expires_at < ?`,
		func(fx *tenantsFx) []any { return []any{fx.now.Add(-24 * time.Hour)} }},
	{"PurgeExpiredCredentials (web sessions)", job, `DELETE FROM web_sessions WHERE expires_at < ?`,
		func(fx *tenantsFx) []any { return []any{fx.now.Add(-24 * time.Hour)} }},
	{"PurgeExpiredCredentials (password resets)", job, `DELETE FROM password_resets WHERE expires_at < ?`,
		func(fx *tenantsFx) []any { return []any{fx.now.Add(-24 * time.Hour)} }},
	{"ResetPassword (the link)", lookup, `SELECT r.id, r.expires_at, r.used_at, r.revoked_at,
		u.id, u.email, u.name, u.account_id, u.is_active, u.deleted_at
		FROM password_resets r JOIN users u ON u.id = r.user_id WHERE r.token_hash = ?`,
		func(fx *tenantsFx) []any { return []any{"no-such-hash"} }},
	{"RequestPasswordReset (the user's other links)", lookup, `UPDATE password_resets SET revoked_at = ?
		WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL`,
		func(fx *tenantsFx) []any { return []any{fx.now, fx.big.member} }},
	{"cascade: user's password resets", lookup, `SELECT 1 FROM password_resets WHERE user_id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.member} }},

	// The lookups the purge's ON DELETE CASCADE and foreign key checks make
	// for every deleted row (the database runs them; they cannot be
	// explained directly).
	{"cascade: user's refresh tokens", lookup, `SELECT 1 FROM refresh_tokens WHERE user_id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.member} }},
	{"cascade: user's web sessions", lookup, `SELECT 1 FROM web_sessions WHERE user_id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.member} }},
	{"cascade: user's site grants", lookup, `SELECT 1 FROM site_user_access WHERE account_id = ? AND user_id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.member} }},
	{"cascade: site's grants", lookup, `SELECT 1 FROM site_user_access WHERE account_id = ? AND site_id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.site} }},
	{"cascade: site's API keys", lookup, `SELECT 1 FROM api_keys WHERE account_id = ? AND site_id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.site} }},
	{"foreign key: refund's usage log", lookup, `SELECT 1 FROM credit_usage_logs WHERE refund_transaction_id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.creditTx} }},
	{"foreign key: deduction's usage log", lookup, `SELECT 1 FROM credit_usage_logs WHERE transaction_id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.creditTx} }},
	{"purge: delete a user", lookup, `DELETE FROM users WHERE id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.member} }},
	{"purge: delete a credit transaction", lookup, `DELETE FROM credit_transactions WHERE id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.creditTx} }},
	{"purge: delete a subscription", lookup, `DELETE FROM subscriptions WHERE id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.subscription} }},
	{"foreign key: subscription's payments", lookup, `SELECT 1 FROM payments WHERE account_id = ? AND subscription_id = ?`,
		func(fx *tenantsFx) []any { return []any{fx.big.account, fx.big.subscription} }},
}

// smallTables are read whole by design: the plan catalogue and the
// industries are a few dozen rows.
var smallTables = map[string]bool{"plans": true, "p": true, "industries": true, "industry_sectors": true, "credit_costs": true}

var (
	sqliteScan = regexp.MustCompile(`^SCAN (\w+)(?: AS \w+)?( USING (?:COVERING )?INDEX \w+)?`)
	pgSeqScan  = regexp.MustCompile(`Seq Scan on (\w+)`)
	pgPKeyScan = regexp.MustCompile(`Index Scan (?:Backward )?using \w+_pkey on (\w+)`)
	pgSort     = regexp.MustCompile(`^\s*(?:->\s*)?(?:Incremental )?Sort\s*$`)
)

// explain returns the plan of q on conn: SQLite's EXPLAIN QUERY PLAN
// details, or PostgreSQL's EXPLAIN lines.
func explain(t *testing.T, db *sqlstore.DB, conn *sql.Conn, q string, args []any) []string {
	t.Helper()
	ctx := context.Background()
	query, detail := `EXPLAIN QUERY PLAN `+q, 3
	if db.Dialect() == sqlstore.Postgres {
		query, detail = `EXPLAIN (COSTS OFF) `+db.Rebind(q), 0
	}
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(*vals[detail].(*any)))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sqliteProblems lists the steps of a SQLite plan that break kind's rules.
func sqliteProblems(kind planKind, plan []string) []string {
	var bad []string
	for _, line := range plan {
		if m := sqliteScan.FindStringSubmatch(line); m != nil && m[1] != "CONSTANT" && !smallTables[m[1]] {
			// Nothing walks a table; only a job walks a whole index.
			if m[2] == "" || kind != job {
				bad = append(bad, line)
			}
		}
		if (kind == list || kind == shortList) && strings.Contains(line, "TEMP B-TREE FOR ORDER BY") {
			bad = append(bad, line)
		}
	}
	return bad
}

// pgProblems lists the nodes of a PostgreSQL plan that break kind's rules:
// no sequential scan of a tenant table ever; and when ordered is set, no
// list that sorts or that walks a primary key across every account (a
// primary key scan without an equality in its Index Cond).
func pgProblems(kind planKind, plan []string, ordered bool) []string {
	var bad []string
	for i, line := range plan {
		if m := pgSeqScan.FindStringSubmatch(line); m != nil && !smallTables[m[1]] {
			bad = append(bad, strings.TrimSpace(line))
		}
		if !ordered || kind != list {
			continue
		}
		if pgSort.MatchString(line) {
			bad = append(bad, strings.TrimSpace(line))
		}
		if m := pgPKeyScan.FindStringSubmatch(line); m != nil && !smallTables[m[1]] &&
			(i+1 == len(plan) || !strings.Contains(plan[i+1], "Index Cond:") || !strings.Contains(plan[i+1], " = ")) {
			bad = append(bad, strings.TrimSpace(line))
		}
	}
	return bad
}

// planPass is one round of EXPLAINs under some planner settings.
type planPass struct {
	name     string
	setup    []string // statements run first on the connection
	problems func(kind planKind, plan []string) []string
}

// planPasses are the rounds of a dialect. SQLite is checked as the store
// runs it, without statistics (it never runs ANALYZE), and again with
// them. PostgreSQL, after ANALYZE, must never scan a tenant table. Whether
// it pages an account's rows in index order, or reads them all and sorts,
// or walks the primary key filtering on the account, is a cost choice that
// random_page_cost prices: the order of the lists is checked at 1.1, the
// usual setting on SSDs. At the default 4 it walks the primary key of
// sites and audit_events for an account holding several percent of the
// table, and sorts an account's few dozen users, keys or payments.
func planPasses(d sqlstore.Dialect) []planPass {
	if d == sqlstore.Postgres {
		return []planPass{
			{"default costs", []string{`ANALYZE accounts, users, sites, sectors, site_user_access, api_keys, refresh_tokens,
				web_sessions, password_resets, invitations, credit_transactions, credit_usage_logs, subscriptions, payments, audit_events`},
				func(k planKind, p []string) []string { return pgProblems(k, p, false) }},
			{"random_page_cost 1.1", []string{`SET random_page_cost = 1.1`},
				func(k planKind, p []string) []string { return pgProblems(k, p, true) }},
		}
	}
	return []planPass{
		{"no statistics", nil, sqliteProblems},
		{"statistics", []string{`ANALYZE`}, sqliteProblems},
	}
}

// TestQueryPlansUseIndexes fills 2,000 small accounts and a big one and
// checks that the store's list queries, per-request lookups and job scans
// are planned on indexes.
func TestQueryPlansUseIndexes(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		db := b.Open(t)
		fx := fillTenants(t, db, 2000)
		conn, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, pass := range planPasses(db.Dialect()) {
			for _, q := range pass.setup {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			for _, c := range planCases {
				plan := explain(t, db, conn, c.q, c.args(fx))
				if bad := pass.problems(c.kind, plan); len(bad) > 0 {
					t.Errorf("%s (%s): the plan does not keep to the indexes: %s\n\t%s", c.name, pass.name,
						strings.Join(bad, "; "), strings.Join(plan, "\n\t"))
				} else if testing.Verbose() {
					t.Logf("%s (%s):\n\t%s", c.name, pass.name, strings.Join(plan, "\n\t"))
				}
			}
		}
	})
}
