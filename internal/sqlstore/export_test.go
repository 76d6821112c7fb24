package sqlstore

// SetAfterAccountInsert lets the external tests inject a failure into the
// sign-up transaction after the account row is written.
func (s *Store) SetAfterAccountInsert(f func() error) { s.afterAccountInsert = f }
