package throttle

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/redis/go-redis/v9"
)

// testRedis returns a client on IGNY8_TEST_REDIS_URL, skipping the test
// when the variable is unset and failing it when Redis does not answer.
func testRedis(tb testing.TB) *redis.Client {
	tb.Helper()
	url := os.Getenv("IGNY8_TEST_REDIS_URL")
	if url == "" {
		tb.Skip("IGNY8_TEST_REDIS_URL not set; skipping Redis test")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("IGNY8_TEST_REDIS_URL: %v", err)
	}
	client := redis.NewClient(opts)
	tb.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(context.Background()).Err(); err != nil {
		tb.Fatalf("IGNY8_TEST_REDIS_URL is set but Redis does not answer: %v", err)
	}
	return client
}

// testPrefix returns a key prefix no other test run uses, and deletes the
// keys under it when the test ends.
func testPrefix(tb testing.TB, client *redis.Client) string {
	tb.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "igny8test:" + hex.EncodeToString(b) + ":"
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, "rate:"+prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
	return prefix
}

func TestRedisMatchesMemory(t *testing.T) {
	client := testRedis(t)
	r := NewRedis(client, testPrefix(t, client))
	rate := igny8.Rate{PerMinute: 1, Burst: 4} // one-minute interval: the test cannot outrun it
	for i := range 4 {
		d := mustAllow(t, r, "k", rate)
		if !d.Allowed || d.Limit != 4 || d.RetryAfter != 0 { // the burst: more than a minute's rate at once
			t.Fatalf("request %d: got %+v, want allowed", i+1, d)
		}
		if d.Remaining != 3-i { // as memory counts, though Redis computes in floats
			t.Fatalf("request %d: remaining %d, want %d", i+1, d.Remaining, 3-i)
		}
		if d.ResetAfter < time.Duration(i)*time.Minute+59*time.Second || d.ResetAfter > time.Duration(i+1)*time.Minute {
			t.Fatalf("request %d: ResetAfter %v, want about %v", i+1, d.ResetAfter, time.Duration(i+1)*time.Minute)
		}
	}
	d := mustAllow(t, r, "k", rate)
	if d.Allowed || d.Remaining != 0 || d.RetryAfter < 59*time.Second || d.RetryAfter > time.Minute {
		t.Fatalf("over burst: got %+v, want denied, retry after about a minute", d)
	}
	if d := mustAllow(t, r, "other", rate); !d.Allowed {
		t.Fatalf("a second key shares the first one's budget: %+v", d)
	}
}

// TestRedisInstancesShareOneBudget plays two server instances, each with
// its own client, hammering one key on one Redis.
func TestRedisInstancesShareOneBudget(t *testing.T) {
	a := testRedis(t)
	b := testRedis(t)
	prefix := testPrefix(t, a)
	instances := []*Redis{NewRedis(a, prefix), NewRedis(b, prefix)}
	rate := igny8.Rate{PerMinute: 1, Burst: 25}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for range 20 {
				if mustAllow(t, instances[g%2], "account:1", rate).Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != int64(rate.Burst) {
		t.Fatalf("two instances allowed %d of 320 requests, want exactly %d", got, rate.Burst)
	}
}

func TestRedisErrors(t *testing.T) {
	client := testRedis(t)
	r := NewRedis(client, testPrefix(t, client))
	if _, err := r.Allow(context.Background(), "k", igny8.Rate{}); !errors.Is(err, ErrInvalidRate) {
		t.Fatalf("zero rate: got %v, want ErrInvalidRate", err)
	}
	closed := redis.NewClient(client.Options())
	_ = closed.Close()
	if _, err := NewRedis(closed, "").Allow(context.Background(), "k", igny8.RateFor(igny8.ScopeAuth, 0)); err == nil {
		t.Fatal("a closed client decided without error")
	}
}
