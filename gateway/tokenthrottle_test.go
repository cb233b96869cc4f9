package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// countingHandler counts the records of one message at or above a level.
type countingHandler struct {
	msg string
	n   *atomic.Int64
}

func (h countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg && r.Level >= slog.LevelWarn {
		h.n.Add(1)
	}
	return nil
}
func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countingHandler) WithGroup(string) slog.Handler      { return h }

// TestTokenThrottle: wrong secrets at /token are refused without asking
// the registry once a (client, address) pair or an address has failed too
// often, with a growing wait; failures are counted, and logged once per
// interval.
func TestTokenThrottle(t *testing.T) {
	up := startUpstream(t)
	var clock settableClock
	var warns atomic.Int64
	h := startGatewayWith(t, up.url, setup{
		opts:   []Option{WithClock(clock.now)},
		logger: slog.New(countingHandler{msg: "token request refused", n: &warns}),
	})
	id, secret := h.w.client1.ID, h.w.client1.Secret
	post := func(id, secret string) (int, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("POST", h.url+"/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		resp, err := h.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	failures := func() float64 { return testutil.ToFloat64(h.gw.metrics.tokenInvalid) }
	before := failures()

	for i := 0; i < throttleFreePerClient; i++ {
		if st, _ := post(id, "wrong"); st != 401 {
			t.Fatalf("wrong secret %d: %d", i, st)
		}
	}
	calls := h.counts.tokenCalls.Load()
	if st, _ := post(id, "wrong"); st != 401 {
		t.Fatalf("first failure past the free ones: %d", st)
	}
	// Now refused for throttleBase, even with the right secret, without
	// the registry being asked.
	st, hdr := post(id, secret)
	if st != 429 || hdr.Get("Retry-After") == "" {
		t.Fatalf("during the wait: %d Retry-After %q", st, hdr.Get("Retry-After"))
	}
	if got := h.counts.tokenCalls.Load(); got != calls+1 {
		t.Fatalf("registry asked %d times during the wait", got-calls-1)
	}
	// The wait doubles with each further failure.
	clock.offset.Add(int64(throttleBase + time.Millisecond))
	if st, _ := post(id, "wrong"); st != 401 {
		t.Fatalf("after the wait: %d", st)
	}
	_, hdr = post(id, "wrong")
	if ra, _ := strconv.Atoi(hdr.Get("Retry-After")); ra != 2 {
		t.Fatalf("second wait %q, want 2 seconds", hdr.Get("Retry-After"))
	}
	// The right secret after the wait clears the pair.
	clock.offset.Add(int64(3 * time.Second))
	if st, _ := post(id, secret); st != 200 {
		t.Fatalf("right secret after the wait: %d", st)
	}
	if st, _ := post(id, "wrong"); st != 401 {
		t.Fatalf("after a success the free failures start again: %d", st)
	}

	// One address trying many client ids is stopped by its own count.
	for i := 0; ; i++ {
		st, _ := post("nobody-"+strconv.Itoa(i), "x")
		if st == 429 {
			break
		}
		if i > throttleFreePerAddr {
			t.Fatalf("an address tried %d unknown client ids without a wait", i)
		}
	}

	if got := failures() - before; got < throttleFreePerClient+3 {
		t.Errorf("invalid_client counted %v times", got)
	}
	if testutil.ToFloat64(h.gw.metrics.tokenThrottled) == 0 {
		t.Error("throttled refusals not counted")
	}
	if n := warns.Load(); n > 2 {
		t.Errorf("%d warnings for about 30 refusals in a few seconds, want one per interval", n)
	}
}

// TestTokenThrottleBounded: however many keys are tried, the table stays
// within its bound, and a key still refused survives the sweeps.
func TestTokenThrottleBounded(t *testing.T) {
	tt := newTokenThrottle()
	now := time.Unix(1_700_000_000, 0)
	victim := netip.MustParseAddr("10.0.0.1")
	for i := 0; i < throttleFreePerClient+1; i++ {
		tt.fail("victim", victim, now)
	}
	if tt.wait("victim", victim, now) == 0 {
		t.Fatal("not throttled")
	}
	for i := 0; i < 3*throttleMaxEntries; i++ {
		a := netip.AddrFrom4([4]byte{100, byte(i >> 16), byte(i >> 8), byte(i)})
		tt.fail("id", a, now)
		if i%1000 == 0 {
			now = now.Add(1100 * time.Millisecond) // let sweeps run
		}
	}
	if n := tt.size(); n > throttleMaxEntries {
		t.Fatalf("%d entries, bound %d", n, throttleMaxEntries)
	}
	// IPv6 addresses of one /64 share their count.
	a1, a2 := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2::ffff")
	_, k1 := throttleKeys("x", a1)
	_, k2 := throttleKeys("x", a2)
	if k1 != k2 {
		t.Fatalf("%q and %q differ", k1, k2)
	}
}
