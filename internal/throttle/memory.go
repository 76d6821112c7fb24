package throttle

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/igny8/igny8"
)

const (
	// shardCount spreads keys over independently locked maps so that
	// concurrent requests for different keys rarely wait on each other.
	shardCount = 64
	// sweepEvery is how often a shard drops the keys whose budget is whole
	// again; a shard also sweeps when it has doubled since its last sweep.
	sweepEvery = time.Minute
	// minSweepLen is the size below which a shard does not sweep for size.
	minSweepLen = 1024
)

// Memory is an in-process GCRA limiter. Each key costs one map entry for
// as long as its budget is not whole again (at most Burst intervals after
// its last allowed request); entries past that are dropped by amortized
// sweeps, so memory is proportional to the keys active in about the last
// minute. It is safe for concurrent use; the zero value is not usable, call
// NewMemory.
type Memory struct {
	now    func() time.Time
	origin time.Time
	seed   maphash.Seed
	shards [shardCount]memShard
}

type memShard struct {
	mu        sync.Mutex
	tats      map[string]int64 // theoretical arrival time, ns since origin
	nextSweep int64            // ns since origin
	sweepLen  int              // sweep for size when len(tats) reaches it
	_         [64]byte         // keep neighbouring shards' locks off one cache line
}

var _ igny8.Limiter = (*Memory)(nil)

// NewMemory returns an empty in-process limiter reading time from now
// (time.Now when nil; tests pass a fake clock).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	m := &Memory{now: now, origin: now(), seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].tats = make(map[string]int64)
		m.shards[i].nextSweep = int64(sweepEvery)
		m.shards[i].sweepLen = minSweepLen
	}
	return m
}

// Allow decides one request under key at rate. Its only error is a wrapped
// ErrInvalidRate.
func (m *Memory) Allow(_ context.Context, key string, rate igny8.Rate) (igny8.RateDecision, error) {
	g, err := newGCRA(rate)
	if err != nil {
		return igny8.RateDecision{}, err
	}
	now := int64(m.now().Sub(m.origin))
	s := &m.shards[maphash.String(m.seed, key)%shardCount]
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	tat, d := g.decide(s.tats[key], now)
	if d.Allowed {
		s.tats[key] = tat
	}
	return d, nil
}

// Len reports how many keys are held, for tests and diagnostics.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.tats)
		s.mu.Unlock()
	}
	return n
}

// sweep drops the keys whose budget is whole at now (a stored tat at or
// before now decides exactly like a missing key) when the shard is due for
// it by time or by size. It copies the survivors into a new map so that the
// memory of a past spike is returned. The caller holds s.mu.
func (s *memShard) sweep(now int64) {
	if now < s.nextSweep && len(s.tats) < s.sweepLen {
		return
	}
	live := 0
	for _, tat := range s.tats {
		if tat > now {
			live++
		}
	}
	kept := make(map[string]int64, live)
	for key, tat := range s.tats {
		if tat > now {
			kept[key] = tat
		}
	}
	s.tats = kept
	s.nextSweep = now + int64(sweepEvery)
	s.sweepLen = max(2*live, minSweepLen)
}
