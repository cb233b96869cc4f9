package gateway

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/netguard"
)

func benchEndpoint(tb testing.TB) *endpoint {
	tb.Helper()
	cfg := DefaultConfig()
	guard, err := netguard.Parse(cfg.UpstreamAllow)
	if err != nil {
		tb.Fatal(err)
	}
	ep, err := newEndpoint("http://127.0.0.1:1", &cfg, guard, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return ep
}

// BenchmarkBreaker is the breaker's cost on every forwarded request: one
// Allow and its done, on a closed circuit.
func BenchmarkBreaker(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		ep := benchEndpoint(b)
		b.ReportAllocs()
		for b.Loop() {
			done, err := ep.breaker.Allow()
			if err != nil {
				b.Fatal(err)
			}
			done(nil)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		ep := benchEndpoint(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				done, err := ep.breaker.Allow()
				if err != nil {
					b.Fatal(err)
				}
				done(nil)
			}
		})
	})
}

// testBreaker is a breaker on a clock the test moves, recording its
// transitions.
type testBreaker struct {
	*breaker
	clock atomic.Int64
	mu    sync.Mutex
	moves []string
}

func newTestBreaker(threshold int, openFor time.Duration) *testBreaker {
	tb := &testBreaker{}
	tb.clock.Store(1_000_000_000)
	tb.breaker = newBreaker(threshold, openFor, func(from, to string) {
		tb.mu.Lock()
		tb.moves = append(tb.moves, from+">"+to)
		tb.mu.Unlock()
	})
	tb.now = tb.clock.Load
	return tb
}

func (tb *testBreaker) transitions() string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return strings.Join(tb.moves, " ")
}

// call makes one call with the given outcome and reports whether it was
// let through.
func (tb *testBreaker) call(outcome error) bool {
	done, err := tb.Allow()
	if err != nil {
		return false
	}
	done(outcome)
	return true
}

func TestBreakerStates(t *testing.T) {
	fail := errUpstreamFailed
	b := newTestBreaker(3, time.Second)

	// A success resets the count of consecutive failures.
	b.call(fail)
	b.call(fail)
	b.call(nil)
	b.call(fail)
	b.call(fail)
	if !b.ready(b.now()) || b.transitions() != "" {
		t.Fatalf("opened before three consecutive failures: %s", b.transitions())
	}
	if !b.call(fail) || b.call(nil) {
		t.Fatal("the third consecutive failure should open the circuit, and an open circuit refuse calls")
	}
	if _, err := b.Allow(); !errors.Is(err, errBreakerOpen) {
		t.Fatalf("open circuit: %v", err)
	}
	if b.ready(b.now()) {
		t.Fatal("selection should skip an open circuit")
	}

	// Half-open: one probe, the others refused while it is in flight.
	b.clock.Add(int64(time.Second))
	if !b.ready(b.now()) {
		t.Fatal("the open period is over; selection should try the endpoint")
	}
	probe, err := b.Allow()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Allow(); !errors.Is(err, errBreakerBusy) {
		t.Fatalf("second call while the probe is in flight: %v", err)
	}
	if b.ready(b.now()) {
		t.Fatal("selection should skip a circuit whose probe is in flight")
	}
	// A failed probe opens it again for a whole period.
	probe(fail)
	b.clock.Add(int64(time.Second) - 1)
	if b.call(nil) {
		t.Fatal("a failed probe should open the circuit again")
	}
	b.clock.Add(1)
	if !b.call(nil) {
		t.Fatal("the probe after the second open period was refused")
	}
	// Closed again, and counting from zero.
	b.call(fail)
	b.call(fail)
	if !b.call(nil) {
		t.Fatal("closed circuit refused a call")
	}
	if got, want := b.transitions(), "closed>open open>half-open half-open>open open>half-open half-open>closed"; got != want {
		t.Fatalf("transitions %q, want %q", got, want)
	}
}

// A call let through before the circuit opened and ending after does not
// count for the probe.
func TestBreakerLateOutcome(t *testing.T) {
	b := newTestBreaker(1, time.Second)
	slow, err := b.Allow()
	if err != nil {
		t.Fatal(err)
	}
	b.call(errUpstreamFailed) // opens
	b.clock.Add(int64(time.Second))
	probe, err := b.Allow()
	if err != nil {
		t.Fatal(err)
	}
	slow(nil) // the old call succeeds: the circuit stays half-open
	if _, err := b.Allow(); !errors.Is(err, errBreakerBusy) {
		t.Fatalf("after a late success: %v", err)
	}
	probe(nil)
	if !b.call(nil) {
		t.Fatal("the probe's success should close the circuit")
	}
}

// A probe that never reports is replaced after an open period, so that
// the circuit cannot stay half-open for ever.
func TestBreakerLostProbe(t *testing.T) {
	b := newTestBreaker(1, time.Second)
	b.call(errUpstreamFailed)
	b.clock.Add(int64(time.Second))
	if _, err := b.Allow(); err != nil { // this probe never reports
		t.Fatal(err)
	}
	b.clock.Add(int64(time.Second) - 1)
	if b.call(nil) {
		t.Fatal("a second probe within the period")
	}
	b.clock.Add(1)
	first := b.call(nil)
	second := b.call(nil)
	if !first || !second {
		t.Fatal("the replacement probe should have closed the circuit")
	}
}

// Many goroutines on one breaker: it opens once, lets exactly one probe
// through, and the race detector sees every access.
func TestBreakerConcurrent(t *testing.T) {
	const workers = 8
	b := newTestBreaker(5, time.Second)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range 100 {
				b.call(errUpstreamFailed)
			}
		}()
	}
	close(start)
	wg.Wait()
	if got := b.transitions(); got != "closed>open" {
		t.Fatalf("transitions %q, want one opening", got)
	}

	b.clock.Add(int64(time.Second))
	var admitted atomic.Int32
	dones := make(chan func(error), workers*10)
	start = make(chan struct{})
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range 10 {
				if done, err := b.Allow(); err == nil {
					admitted.Add(1)
					dones <- done
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := admitted.Load(); n != 1 {
		t.Fatalf("%d calls let through while half-open, want 1 probe", n)
	}
	(<-dones)(nil)

	// Closed: mixed outcomes from every worker, with the clock moving, to
	// give the race detector interleavings of every transition.
	start = make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range 2000 {
				var outcome error
				if (i+w)%3 == 0 {
					outcome = errUpstreamFailed
				}
				b.call(outcome)
				if i%50 == 0 {
					b.clock.Add(int64(100 * time.Millisecond))
				}
				b.ready(b.now())
			}
		}()
	}
	close(start)
	wg.Wait()
	// Whatever state it ended in, it recovers.
	b.clock.Add(int64(2 * time.Second))
	probe := b.call(nil)
	after := b.call(nil)
	if !probe || !after {
		t.Fatalf("breaker did not recover; state %d", b.state.Load())
	}
}
