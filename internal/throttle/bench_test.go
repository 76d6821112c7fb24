package throttle

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/igny8/igny8"
)

// benchKeys are account keys for the many-keys benchmarks.
var benchKeys = func() []string {
	keys := make([]string, 100_000)
	for i := range keys {
		keys[i] = igny8.Key(igny8.ScopeAPI, igny8.KindAccount, "01931f2c-7e4b-7c3a-9d1e-"+strconv.Itoa(1_000_000_000_000+i))
	}
	return keys
}()

// benchAllow runs Allow from parallelism goroutines per CPU: on one hot
// key, or spread over many.
func benchAllow(b *testing.B, l igny8.Limiter, manyKeys bool, parallelism int) {
	rate := igny8.RateFor(igny8.ScopeAPI, 600)
	var next atomic.Int64
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(7919))
		for pb.Next() {
			key := benchKeys[0]
			if manyKeys {
				i++
				key = benchKeys[i%len(benchKeys)]
			}
			if _, err := l.Allow(ctx, key, rate); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMemoryAllow(b *testing.B) {
	b.Run("hot-key", func(b *testing.B) { benchAllow(b, NewMemory(nil), false, 1) })
	b.Run("many-keys", func(b *testing.B) { benchAllow(b, NewMemory(nil), true, 1) })
}

// BenchmarkRedisAllow measures one request's latency (serial) and the
// throughput of many concurrent requests (16 goroutines per CPU).
func BenchmarkRedisAllow(b *testing.B) {
	client := testRedis(b)
	prefix := testPrefix(b, client)
	r := NewRedis(client, prefix)
	b.Run("serial", func(b *testing.B) {
		rate := igny8.RateFor(igny8.ScopeAPI, 600)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := r.Allow(context.Background(), benchKeys[i%len(benchKeys)], rate); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hot-key", func(b *testing.B) { benchAllow(b, r, false, 16) })
	b.Run("many-keys", func(b *testing.B) { benchAllow(b, r, true, 16) })
	b.Run("fallback-many-keys", func(b *testing.B) {
		benchAllow(b, NewFallback(r, NewMemory(nil), FallbackOptions{}), true, 16)
	})
}

// BenchmarkFallbackRedisDown is the cost per request while Redis does not
// answer: memory plus the fallback's bookkeeping.
func BenchmarkFallbackRedisDown(b *testing.B) {
	l, err := New(context.Background(), Options{RedisURL: "redis://127.0.0.1:1/0"})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	benchAllow(b, l, true, 1)
}
