package gateway

import (
	"math"
	"sync/atomic"
	"time"
)

// bucket is a lock-free token bucket in its GCRA form: one atomic
// "theoretical arrival time" per subscription. A request is allowed when
// admitting it keeps that time within burst intervals of now. Compared with
// golang.org/x/time/rate it takes no mutex and does no float arithmetic on
// the request path.
type bucket struct {
	rate     float64
	burst    int
	interval int64 // nanoseconds per token
	limit    int64 // burst * interval
	tat      atomic.Int64
}

func newBucket(rate float64, burst int) *bucket {
	if burst <= 0 {
		burst = max(1, int(math.Ceil(rate)))
	}
	interval := int64(float64(time.Second) / rate)
	if interval < 1 {
		interval = 1
	}
	return &bucket{rate: rate, burst: burst, interval: interval, limit: int64(burst) * interval}
}

// allow takes one token at now (unix nanoseconds). When refused it returns
// how long until a token is available.
func (b *bucket) allow(now int64) (bool, time.Duration) {
	for {
		old := b.tat.Load()
		tat := max(old, now)
		next := tat + b.interval
		if wait := next - now - b.limit; wait > 0 {
			return false, time.Duration(wait)
		}
		if b.tat.CompareAndSwap(old, next) {
			return true, 0
		}
	}
}
