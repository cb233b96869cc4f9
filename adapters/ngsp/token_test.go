package ngsp

import (
	"net/http"
	"testing"
	"time"

	sim "github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
)

// TestTokenRenewedBeforeExpiry: a token that nears its end mid-run is
// renewed ahead of time, once, and no call fails.
func TestTokenRenewedBeforeExpiry(t *testing.T) {
	f := newFixture(t, func(c *sim.Config) { c.TokenTTL = 10 * time.Minute },
		func(c *Config) { c.RefreshBefore = time.Minute })
	get := func() {
		t.Helper()
		if _, err := f.client.Get(bg(), sim.PathAllCategory, nil); err != nil {
			t.Fatalf("Get: %v", err)
		}
	}
	for range 3 {
		get()
		f.clock.Advance(2 * time.Minute) // 0, 2, 4 min: still fresh
	}
	f.clock.Advance(3*time.Minute + 30*time.Second) // 9.5 min: inside RefreshBefore
	get()
	get()
	if n := f.count(sim.PathToken, http.StatusOK); n != 2 {
		t.Fatalf("token requests = %d, want 2 (one renewal)", n)
	}
	if n := f.count(sim.PathAllCategory, http.StatusUnauthorized); n != 0 {
		t.Fatalf("%d calls went with an expired token", n)
	}
}

// TestTokenExpiredAtNGSPFirst: NGSP's clock runs ahead of ours, so it
// expires the token while we still hold it: one refused call, one refresh,
// success.
func TestTokenExpiredAtNGSPFirst(t *testing.T) {
	ours := newManualClock()
	f := newFixture(t, func(c *sim.Config) { c.TokenTTL = 10 * time.Minute },
		func(c *Config) { c.Clock = ours.Now })
	if _, err := f.client.Get(bg(), sim.PathAllCategory, nil); err != nil {
		t.Fatalf("Get: %v", err)
	}
	f.clock.Advance(11 * time.Minute) // NGSP's clock only
	if _, err := f.client.Get(bg(), sim.PathAllCategory, nil); err != nil {
		t.Fatalf("Get with a token NGSP has expired: %v", err)
	}
	if n := f.count(sim.PathAllCategory, http.StatusUnauthorized); n != 1 {
		t.Fatalf("refused calls = %d, want 1", n)
	}
	if n := f.count(sim.PathToken, http.StatusOK); n != 2 {
		t.Fatalf("token requests = %d, want 2", n)
	}
}

// TestRevokedTokenRefreshedOnce: NGSP revokes every token; the next call
// is refused once, refreshes once and succeeds.
func TestRevokedTokenRefreshedOnce(t *testing.T) {
	f := newFixture(t, nil, nil)
	if _, err := f.client.Get(bg(), sim.PathAllCategory, nil); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if n := f.sim.RevokeTokens(); n != 1 {
		t.Fatalf("revoked %d tokens, want 1", n)
	}
	if _, err := f.client.Get(bg(), sim.PathAllCategory, nil); err != nil {
		t.Fatalf("Get after revocation: %v", err)
	}
	if n := f.count(sim.PathAllCategory, http.StatusUnauthorized); n != 1 {
		t.Fatalf("refused calls = %d, want 1", n)
	}
	if n := f.count(sim.PathToken, http.StatusOK); n != 2 {
		t.Fatalf("token requests = %d, want 2", n)
	}
}

// TestTokenRefusedEarlyByGateway: the gateway refuses a token NGSP has
// expired before its expires_in (fault 900901); the client renews it once
// and the call succeeds. Seed 6 refuses the first data call only.
func TestTokenRefusedEarlyByGateway(t *testing.T) {
	f := newFixture(t, nil, nil)
	f.setFaults(sim.Faults{Seed: 6, Paths: map[string]sim.FaultProfile{
		sim.PathAllCategory: {TokenRejectRate: 0.5},
	}})
	if _, err := f.client.Get(bg(), sim.PathAllCategory, nil); err != nil {
		t.Fatalf("Get with a token refused early: %v", err)
	}
	if n := f.count(sim.PathAllCategory, http.StatusUnauthorized); n != 1 {
		t.Fatalf("refused calls = %d, want 1", n)
	}
	if n := f.count(sim.PathAllCategory, http.StatusOK); n != 1 {
		t.Fatalf("served calls = %d, want 1", n)
	}
	if n := f.client.TokenRequests(); n != 2 {
		t.Fatalf("token requests = %d, want 2", n)
	}
}
