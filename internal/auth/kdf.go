package auth

import (
	"fmt"
	"runtime"

	"golang.org/x/crypto/argon2"
)

// kdfSlots bounds how many argon2id computations run at once: half the
// CPUs, at least one. Each one holds its whole memory cost (19 MiB by
// default) while it runs, so 32 logins at once would need 600 MiB and
// thrash the CPUs they share. Measured on 2 cores with 32 concurrent
// logins (bench/run.sh): one slot kept peak RSS near 85 MB for the same
// login rate that two slots reached at 110 MB; the rest wait their turn.
var kdfSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))

// idKey is argon2.IDKey run in one of the kdfSlots.
func idKey(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	key, _ := inSlot(fmt.Sprintf("argon2id m=%d,t=%d,p=%d", memory, time, threads), func() ([]byte, error) {
		return argon2.IDKey(password, salt, time, memory, threads, keyLen), nil
	})
	return key
}

// inSlot runs one key derivation, named by work (its algorithm and cost),
// in one of the kdfSlots.
func inSlot(work string, f func() ([]byte, error)) ([]byte, error) {
	if observeWork != nil {
		observeWork(work)
	}
	kdfSlots <- struct{}{}
	defer func() { <-kdfSlots }()
	return f()
}

// observeWork, when set (by tests, before any check runs), is told of
// every key derivation: how the tests count the work a login does.
var observeWork func(work string)
