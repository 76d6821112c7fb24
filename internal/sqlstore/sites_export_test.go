package sqlstore

// SetAfterLimitCheck makes s run f between each plan-limit check and the
// write it guards, so that race tests can widen the window.
func SetAfterLimitCheck(s *Store, f func()) { s.afterLimitCheck = f }
