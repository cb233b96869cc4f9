package gateway

import (
	"errors"
	"sync/atomic"
	"time"
)

// breaker is an endpoint's circuit breaker. After threshold consecutive
// failures it opens for openFor; then the first call is let through as a
// probe (half-open) while the others are refused, and the probe's outcome
// closes the circuit or opens it again.
//
// The state is one atomic word, so that a call to a healthy endpoint costs
// two atomic loads and no lock: the request path of every call goes through
// here, and a mutex shared by all the calls to one upstream was the only
// lock most requests took.
type breaker struct {
	// state is 0 while closed; t > 0 while open until t (unix
	// nanoseconds), half-open once t has passed; -t while half-open with a
	// probe that started at t.
	state atomic.Int64
	// failures counts consecutive failures while closed.
	failures  atomic.Int32
	threshold int32
	openFor   int64 // nanoseconds
	now       func() int64
	// changed is told of each transition, outside any hot path.
	changed func(from, to string)
	// The done functions Allow hands out, built once: a function value per
	// call would allocate.
	closedDone, probeDone func(error)
}

var (
	errBreakerOpen = errors.New("circuit open")
	errBreakerBusy = errors.New("circuit half-open with a probe in flight")
)

func newBreaker(threshold int, openFor time.Duration, changed func(from, to string)) *breaker {
	b := &breaker{
		threshold: int32(min(threshold, 1<<31-1)),
		openFor:   int64(openFor),
		now:       func() int64 { return time.Now().UnixNano() },
		changed:   changed,
	}
	if b.changed == nil {
		b.changed = func(string, string) {}
	}
	b.closedDone = b.doneClosed
	b.probeDone = b.doneProbe
	return b
}

// Allow asks to make a call. On success the caller must call done once
// with the call's outcome: nil for success, anything else for a failure.
// Only what the caller reports as a failure counts; the gateway reports
// transport errors, 502, 503 and 504.
func (b *breaker) Allow() (done func(error), err error) {
	s := b.state.Load()
	if s == 0 {
		return b.closedDone, nil
	}
	now := b.now()
	if s > 0 {
		if now < s {
			return nil, errBreakerOpen
		}
		// The open period is over: the first caller becomes the probe.
		if b.state.CompareAndSwap(s, -now) {
			b.changed("open", "half-open")
			return b.probeDone, nil
		}
		return nil, errBreakerBusy
	}
	// Half-open. A probe that has not reported within openFor is taken
	// as lost and replaced, so that a call that never calls done cannot
	// hold the circuit half-open for ever; the first report decides.
	if now+s >= b.openFor && b.state.CompareAndSwap(s, -now) {
		return b.probeDone, nil
	}
	return nil, errBreakerBusy
}

// ready reports whether Allow would let a call through at now, without
// changing anything; endpoint selection uses it.
func (b *breaker) ready(now int64) bool {
	switch s := b.state.Load(); {
	case s == 0:
		return true
	case s > 0:
		return now >= s
	default:
		return now+s >= b.openFor
	}
}

// doneClosed is the outcome of a call let through while closed.
func (b *breaker) doneClosed(err error) {
	if err == nil {
		// A load first: on a healthy endpoint the word stays shared
		// between cores instead of bouncing on every call.
		if b.failures.Load() != 0 {
			b.failures.Store(0)
		}
		return
	}
	if b.state.Load() != 0 {
		// Opened meanwhile by other failures: this call belongs to the
		// closed period that ended.
		return
	}
	if b.failures.Add(1) >= b.threshold && b.state.CompareAndSwap(0, b.now()+b.openFor) {
		b.failures.Store(0)
		b.changed("closed", "open")
	}
}

// doneProbe is the outcome of the half-open probe.
func (b *breaker) doneProbe(err error) {
	s := b.state.Load()
	if s >= 0 {
		return // settled already, by a probe this one replaced
	}
	if err == nil {
		b.failures.Store(0)
		if b.state.CompareAndSwap(s, 0) {
			b.changed("half-open", "closed")
		}
		return
	}
	if b.state.CompareAndSwap(s, b.now()+b.openFor) {
		b.changed("half-open", "open")
	}
}
