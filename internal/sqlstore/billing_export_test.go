package sqlstore

// SetReferenceSource makes s draw payment references from next.
func SetReferenceSource(s *Store, next func() string) { s.references = next }
