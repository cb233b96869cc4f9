package ngsp

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	sim "github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
)

// TestOutageOpensAndRecoveryClosesBreaker: an outage opens the breaker,
// which then refuses calls without reaching NGSP; after BreakerOpen a
// failing probe re-opens it, and a succeeding probe closes it.
func TestOutageOpensAndRecoveryClosesBreaker(t *testing.T) {
	f := newFixture(t, nil, func(c *Config) {
		c.Retries = -1
		c.BreakerFailures = 3
		c.BreakerOpen = 30 * time.Second
	})
	q := url.Values{"msdn": {f.demo.MSDN}}
	get := func() error { _, err := f.client.Get(bg(), sim.PathBusinessDetail, q); return err }
	if err := get(); err != nil { // warm: token cached before the outage
		t.Fatalf("Get: %v", err)
	}

	f.setFaults(failAll(http.StatusBadGateway))
	for i := range 3 {
		if err := get(); !IsTemporary(err) {
			t.Fatalf("call %d during the outage: %v", i, err)
		}
	}
	if s := f.client.BreakerState(); s != "open" {
		t.Fatalf("breaker = %s after 3 failures, want open", s)
	}
	reached := f.calls(sim.PathBusinessDetail)
	err := get()
	e := wantError(t, err, Unavailable, 0, APICodeUnavailable)
	if e.RetryAfter <= 0 || e.RetryAfter > 30*time.Second || e.HTTPStatus != 0 {
		t.Fatalf("open-breaker error = %+v", e)
	}
	if n := f.calls(sim.PathBusinessDetail); n != reached {
		t.Fatalf("an open breaker let a call through (%d → %d)", reached, n)
	}

	// NGSP recovers, but the breaker keeps refusing until BreakerOpen ends.
	f.setFaults(sim.Faults{})
	if err := get(); !IsTemporary(err) {
		t.Fatalf("call before BreakerOpen ended: %v", err)
	}
	// A probe that fails re-opens it.
	f.setFaults(failAll(http.StatusBadGateway))
	f.clock.Advance(31 * time.Second)
	if err := get(); !IsTemporary(err) {
		t.Fatalf("failing probe: %v", err)
	}
	if s := f.client.BreakerState(); s != "open" {
		t.Fatalf("breaker = %s after a failed probe, want open", s)
	}
	if n := f.calls(sim.PathBusinessDetail); n != reached+1 {
		t.Fatalf("half-open let %d calls through, want 1", n-reached)
	}
	// A probe that succeeds closes it.
	f.setFaults(sim.Faults{})
	f.clock.Advance(31 * time.Second)
	for i := range 3 {
		if err := get(); err != nil {
			t.Fatalf("call %d after recovery: %v", i, err)
		}
	}
	if s := f.client.BreakerState(); s != "closed" {
		t.Fatalf("breaker = %s after recovery, want closed", s)
	}
}

// TestHalfOpenLetsOneProbe: while the probe is under way, other calls are
// refused.
func TestHalfOpenLetsOneProbe(t *testing.T) {
	clock := newManualClock()
	b := newBreaker(2, time.Minute, clock.Now)
	b.failure()
	if ok, _ := b.allow(); !ok {
		t.Fatal("breaker opened after 1 of 2 failures")
	}
	b.failure()
	if ok, wait := b.allow(); ok || wait != time.Minute {
		t.Fatalf("open breaker: allow = %v, wait %v", ok, wait)
	}
	clock.Advance(time.Minute)
	if ok, _ := b.allow(); !ok {
		t.Fatal("no probe after BreakerOpen")
	}
	if ok, wait := b.allow(); ok || wait <= 0 {
		t.Fatalf("second call while probing: allow = %v, wait %v", ok, wait)
	}
	b.release() // the probe's caller gave up
	if ok, _ := b.allow(); !ok {
		t.Fatal("no new probe after the first was released")
	}
	b.success()
	if ok, _ := b.allow(); !ok || b.stateName() != "closed" {
		t.Fatalf("breaker = %s after a successful probe", b.stateName())
	}
}

// TestBusinessErrorsResetFailureCount: failures must be consecutive.
func TestBusinessErrorsResetFailureCount(t *testing.T) {
	f := newFixture(t, nil, func(c *Config) { c.Retries = -1; c.BreakerFailures = 2 })
	f.setFaults(failAll(http.StatusServiceUnavailable))
	_, _ = f.client.Get(bg(), sim.PathBusinessDetail, url.Values{"msdn": {f.demo.MSDN}})
	f.setFaults(sim.Faults{})
	if _, err := f.client.Get(bg(), sim.PathBusinessDetail, url.Values{"msdn": {"0000000000"}}); KindOf(err) != NotFound {
		t.Fatalf("not-found call: %v", err)
	}
	f.setFaults(failAll(http.StatusServiceUnavailable))
	_, _ = f.client.Get(bg(), sim.PathBusinessDetail, url.Values{"msdn": {f.demo.MSDN}})
	if s := f.client.BreakerState(); s != "closed" {
		t.Fatalf("breaker = %s after two failures separated by an answer", s)
	}
}
