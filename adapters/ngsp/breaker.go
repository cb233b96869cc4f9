package ngsp

import (
	"sync"
	"time"
)

type breakerState int

const (
	closed breakerState = iota
	open
	halfOpen
)

// breaker is a consecutive-failure circuit breaker. While open it refuses
// calls until openUntil; then it lets exactly one probe through
// (half-open), whose outcome closes or re-opens it.
type breaker struct {
	threshold int
	openFor   time.Duration
	now       func() time.Time

	mu        sync.Mutex
	state     breakerState
	failures  int
	openUntil time.Time
	probing   bool
}

func newBreaker(threshold int, openFor time.Duration, now func() time.Time) *breaker {
	return &breaker{threshold: threshold, openFor: openFor, now: now}
}

// allow reports whether a call may go now. When it may not, wait is how
// long until the breaker lets a probe through (at least a moment, when a
// probe is already under way).
func (b *breaker) allow() (ok bool, wait time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case open:
		now := b.now()
		if now.Before(b.openUntil) {
			return false, b.openUntil.Sub(now)
		}
		b.state, b.probing = halfOpen, true
		return true, 0
	case halfOpen:
		if b.probing {
			return false, time.Second
		}
		b.probing = true
		return true, 0
	}
	return true, 0
}

// success records an answer from NGSP (business errors included).
func (b *breaker) success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.state, b.failures, b.probing = closed, 0, false
}

// failure records an outage-type failure and returns, when it leaves the
// breaker open, how long it stays so.
func (b *breaker) failure() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	// A failure of a call that started before the breaker opened does not
	// extend the open period.
	if b.state == halfOpen || (b.state == closed && b.failures >= b.threshold) {
		b.state, b.probing = open, false
		b.openUntil = b.now().Add(b.openFor)
	}
	if b.state == open {
		return b.openUntil.Sub(b.now())
	}
	return 0
}

// release gives back a probe slot whose call ended without telling
// anything about NGSP (the caller gave up).
func (b *breaker) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == halfOpen {
		b.probing = false
	}
}

// stateName names the breaker's state for metrics and health pages.
func (b *breaker) stateName() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case open:
		if !b.now().Before(b.openUntil) {
			return "half_open"
		}
		return "open"
	case halfOpen:
		return "half_open"
	}
	return "closed"
}
