package sqlstore_test

import (
	"crypto/rand"

	"github.com/igny8/igny8"
)

// newEmailToken is the verification link of a sign-up made by a store
// test: a fresh token with a distinct hash (the hashes are unique).
func newEmailToken() igny8.EmailToken {
	t := rand.Text()
	return igny8.EmailToken{Token: t, Hash: "hash-of-" + t}
}
