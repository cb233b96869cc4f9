package ngsp

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sim "github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
	"github.com/lgsp-vn/lgsp/platform/apierr"
)

// manualClock is a clock the test moves by hand, shared by the simulator
// (token expiry) and the client (token refresh, breaker).
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2026, 6, 30, 8, 0, 0, 0, time.UTC)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a simulator behind a real HTTP server and a client of it.
type fixture struct {
	t      *testing.T
	sim    *sim.Simulator
	base   string
	clock  *manualClock
	client *Client
	demo   sim.Demo
}

// newFixture serves a simulator configured by simCfg and builds a client
// configured by cliCfg; both share one manual clock.
func newFixture(t *testing.T, simCfg func(*sim.Config), cliCfg func(*Config)) *fixture {
	t.Helper()
	clock := newManualClock()
	sc := sim.DefaultConfig()
	sc.Clock = clock.Now
	if simCfg != nil {
		simCfg(&sc)
	}
	if err := sc.Validate(); err != nil {
		t.Fatalf("simulator config: %v", err)
	}
	s := sim.New(sc, nil)
	base, _ := simtest.Serve(t, s)
	f := &fixture{t: t, sim: s, base: base, clock: clock, demo: s.Demo()}
	f.client = f.newClient(cliCfg)
	return f
}

func (f *fixture) newClient(mutate func(*Config)) *Client {
	f.t.Helper()
	cfg := Config{
		BaseURL:        f.base,
		ConsumerKey:    sim.DemoConsumerKey,
		ConsumerSecret: sim.DemoConsumerSecret,
		Timeout:        5 * time.Second,
		BackoffBase:    time.Millisecond,
		BackoffMax:     5 * time.Millisecond,
		Clock:          f.clock.Now,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return c
}

// count is how many calls the simulator answered on path with status.
func (f *fixture) count(path string, status int) int64 {
	return f.sim.Stats().Paths[path][itoa(status)]
}

// calls is how many calls the simulator answered on path, any status.
func (f *fixture) calls(path string) int64 {
	var n int64
	for _, c := range f.sim.Stats().Paths[path] {
		n += c
	}
	return n
}

func (f *fixture) setFaults(fs sim.Faults) {
	f.t.Helper()
	if err := f.sim.SetFaults(fs); err != nil {
		f.t.Fatalf("SetFaults: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// wantError checks that err is an *Error of kind and national code, and
// that its platform mapping has apiCode.
func wantError(t *testing.T, err error, kind Kind, code int, apiCode string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *ngsp.Error", err, err)
	}
	if e.Kind != kind || e.Code != code {
		t.Fatalf("error = kind %q code %d (%v), want kind %q code %d", e.Kind, e.Code, e, kind, code)
	}
	a := e.API()
	if a.Code != apiCode || a.Message == "" || a.MessageVI == "" {
		t.Fatalf("API() = %+v, want code %q with both messages", a, apiCode)
	}
	// Over HTTP the platform answers what CallerStatus says.
	if _, status := apierr.FromError(a); status != e.CallerStatus() {
		t.Fatalf("API() is answered %d over HTTP, CallerStatus says %d", status, e.CallerStatus())
	}
	// An outage tells the caller when to come back.
	if got, want := a.RetryAfter(), time.Duration(e.RetryAfterSeconds())*time.Second; got != want {
		t.Fatalf("API().RetryAfter() = %v, want %v", got, want)
	}
	if e.Message == "" || e.MessageVI == "" {
		t.Fatalf("error lacks a message in both languages: %+v", e)
	}
	return e
}

func bg() context.Context { return context.Background() }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
