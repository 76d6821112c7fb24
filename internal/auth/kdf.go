package auth

import (
	"runtime"

	"golang.org/x/crypto/argon2"
)

// kdfSlots bounds how many argon2id computations run at once. Each one
// holds its whole memory cost (19 MiB by default) while it runs, so 32
// logins at once would need 600 MiB and thrash the CPUs they share; more
// computations than CPUs never finish sooner, so the rest wait their turn.
var kdfSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// idKey is argon2.IDKey run in one of the kdfSlots.
func idKey(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	kdfSlots <- struct{}{}
	defer func() { <-kdfSlots }()
	return argon2.IDKey(password, salt, time, memory, threads, keyLen)
}
