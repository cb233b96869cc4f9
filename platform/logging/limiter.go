package logging

import (
	"sync"
	"time"
)

// Limiter bounds how many lines of one kind are written: at most PerSecond
// in each second. Lines past the bound are counted, and the next line
// written says how many were left out, so a flood of refusals cannot fill
// the disk or hide other lines, yet none goes unnoticed.
type Limiter struct {
	PerSecond int
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu         sync.Mutex
	window     time.Time
	written    int
	suppressed int64
}

// Allow reports whether a line may be written now and, if so, how many
// were left out since the last one written.
func (l *Limiter) Allow() (ok bool, suppressed int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	if now.Sub(l.window) >= time.Second {
		l.window, l.written = now, 0
	}
	if l.written >= l.PerSecond {
		l.suppressed++
		return false, 0
	}
	l.written++
	suppressed, l.suppressed = l.suppressed, 0
	return true, suppressed
}
