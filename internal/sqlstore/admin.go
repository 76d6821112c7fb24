package sqlstore

// Admin implements the cross-tenant services: the admin API, the CLI and
// periodic jobs. Every method starts with igny8.AdminPrincipal(ctx), so
// that reaching across accounts is visible at the call site and refused to
// anyone but a system administrator or the system itself.
type Admin struct {
	db *DB
}

// NewAdmin returns the cross-tenant services backed by db.
func NewAdmin(db *DB) *Admin { return &Admin{db: db} }
