package gateway

import (
	"sync/atomic"
	"time"
)

// logEvery lets one log line through per interval and counts those it held
// back, so that a flood (wrong secrets, a refused upstream behind every
// request) costs one line per interval, not one per request.
type logEvery struct {
	interval time.Duration
	next     atomic.Int64 // unix nanoseconds
	held     atomic.Int64
}

func newLogEvery(interval time.Duration) *logEvery { return &logEvery{interval: interval} }

// allow reports whether a line may be written now and how many were held
// back since the last one.
func (l *logEvery) allow(now time.Time) (bool, int64) {
	n := now.UnixNano()
	next := l.next.Load()
	if n < next || !l.next.CompareAndSwap(next, n+int64(l.interval)) {
		l.held.Add(1)
		return false, 0
	}
	return true, l.held.Swap(0)
}
