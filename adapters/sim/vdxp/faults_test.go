package vdxp

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
)

// errorPattern makes n agency-list calls and records which ones failed.
func errorPattern(t *testing.T, h *harness, n, wantStatus int) []int {
	t.Helper()
	var pattern []int
	for i := range n {
		r := h.province(wire.CallGetAgenciesList)
		switch r.status {
		case http.StatusOK:
		case wantStatus:
			r.wantFail(t, wantStatus, wire.CodePlatformError)
			pattern = append(pattern, i)
		default:
			t.Fatalf("unexpected HTTP %d: %s", r.status, r.body)
		}
	}
	return pattern
}

func TestErrorRateIsDeterministicWithSeed(t *testing.T) {
	h := newHarness(t, nil)
	f := Faults{ErrorRate: 0.3, Seed: 42}
	if err := h.sim.SetFaults(f); err != nil {
		t.Fatal(err)
	}
	first := errorPattern(t, h, 200, http.StatusInternalServerError)
	if err := h.sim.SetFaults(f); err != nil { // restarts the sequence
		t.Fatal(err)
	}
	second := errorPattern(t, h, 200, http.StatusInternalServerError)
	// Loose bound: the draw is seeded, so this never flakes.
	if len(first) < 30 || len(first) > 90 {
		t.Errorf("error rate 0.3 failed %d of 200 calls", len(first))
	}
	if !slices.Equal(first, second) {
		t.Fatalf("same seed, different failures:\n%v\n%v", first, second)
	}
	if err := h.sim.SetFaults(Faults{ErrorRate: 0.3, Seed: 43, ErrorStatus: http.StatusServiceUnavailable}); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(first, errorPattern(t, h, 200, http.StatusServiceUnavailable)) {
		t.Fatal("different seeds gave the same pattern")
	}
}

func TestInjectedErrorOnSendCarriesDocID(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Faults = Faults{ErrorRate: 1, Calls: []string{wire.CallSendEdoc}} })
	r := h.send(buildDoc(t, provinceCode, otherCode), provinceCode, otherCode)
	r.wantFail(t, http.StatusInternalServerError, wire.CodePlatformError)
	var raw map[string]any
	r.json(t, &raw)
	if id, ok := raw["DocId"]; !ok || id != "" {
		t.Fatalf("DocId missing: %s", r.body)
	}
	if len(h.sim.Documents()) != 0 {
		t.Fatal("a failed send was stored")
	}
	// Other calls are not affected.
	h.province(wire.CallGetAgenciesList).wantOK(t)
	st := h.sim.Stats()
	if st.Count(wire.CallSendEdoc, 500) != 1 || st.Count(wire.CallGetAgenciesList, 200) != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLatency(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.sim.SetFaults(Faults{Latency: Duration(100 * time.Millisecond), Jitter: Duration(20 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	h.province(wire.CallGetAgenciesList).wantOK(t)
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Fatalf("call took %v, latency is 100ms", took)
	}
	// The control surface is never slowed down.
	start = time.Now()
	if r := h.admin(http.MethodGet, "/_sim/faults", nil); r.status != http.StatusOK {
		t.Fatalf("faults: %d", r.status)
	}
	if took := time.Since(start); took >= 100*time.Millisecond {
		t.Fatalf("control call took %v", took)
	}
}

func TestOutageUnavailable(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.sim.SetFaults(Faults{Outage: OutageUnavailable}); err != nil {
		t.Fatal(err)
	}
	h.province(wire.CallGetAgenciesList).wantFail(t, http.StatusServiceUnavailable, wire.CodePlatformError)
	// Before authentication, as a failing axis shows it.
	h.call("nobody", "x", http.MethodPost, wire.CallGetAgenciesList, nil, nil).wantFail(t, http.StatusServiceUnavailable, wire.CodePlatformError)
	if r := h.admin(http.MethodPost, "/_sim/faults", []byte(`{}`)); r.status != http.StatusOK {
		t.Fatalf("control surface during the outage: %d %s", r.status, r.body)
	}
	h.province(wire.CallGetAgenciesList).wantOK(t)
}

// A refused outage closes the simulator's socket: connections are refused
// until it ends, by itself or in process.
func TestOutageRefuseClosesTheSocket(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AnswerDelay = 0
	sim := New(cfg, nil)
	base := simtest.Start(t, sim)
	h := &harness{t: t, sim: sim, base: base, hc: &http.Client{Timeout: 5 * time.Second}}
	h.province(wire.CallGetAgenciesList).wantOK(t) // a kept-alive connection exists now

	if err := sim.SetFaults(Faults{Outage: OutageRefuse, OutageFor: Duration(300 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(base, "http://")
	if _, err := net.DialTimeout("tcp", addr, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial during the outage: %v, want connection refused", err)
	}
	if sim.Faults().Outage != OutageRefuse {
		t.Fatal("knobs do not show the outage")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still refused after the outage: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if sim.Faults().Outage != "" {
		t.Fatal("the outage did not end in the knobs")
	}
	h.province(wire.CallGetAgenciesList).wantOK(t)

	// Ended in process before its time.
	if err := sim.SetFaults(Faults{Outage: OutageRefuse, OutageFor: Duration(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("dial succeeded during the outage")
	}
	if err := sim.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	// The outage closed the kept-alive connection a moment ago; a client
	// that reuses it before noticing gets EOF, as it would from a real
	// axis going down. That race is not what this test is about.
	h.hc.CloseIdleConnections()
	h.province(wire.CallGetAgenciesList).wantOK(t)
}

// Served as a Handler, the simulator cannot close the socket: it drops
// each connection without an answer.
func TestOutageRefuseBehindHandlerDrops(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Faults = Faults{Outage: OutageRefuse, OutageFor: Duration(time.Hour)}
	})
	req, _ := http.NewRequest(http.MethodPost, h.base+"/"+wire.CallGetAgenciesList, nil)
	if res, err := h.hc.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("got HTTP %d during the outage", res.StatusCode)
	}
	if n := h.sim.Stats().Count(wire.CallGetAgenciesList, StatusDropped); n != 1 {
		t.Fatalf("dropped calls counted %d", n)
	}
}

func TestFaultKnobsValidate(t *testing.T) {
	for _, c := range []struct {
		f    Faults
		knob string
	}{
		{Faults{Latency: Duration(time.Hour)}, "latency"},
		{Faults{Jitter: Duration(-time.Second)}, "jitter"},
		{Faults{ErrorRate: 1.5}, "errorRate"},
		{Faults{ErrorStatus: 200}, "errorStatus"},
		{Faults{Outage: "down"}, "outage"},
		{Faults{Outage: OutageRefuse}, "outageFor"},
		{Faults{OutageFor: Duration(2 * time.Hour)}, "outageFor"},
		{Faults{RejectRecipients: []string{"H 30"}}, "rejectRecipients"},
		{Faults{Calls: []string{"sendDoc"}}, "calls"},
	} {
		var ke *KnobError
		if err := c.f.Validate(); !errors.As(err, &ke) || ke.Knob != c.knob {
			t.Errorf("%+v: %v, want knob %s", c.f, err, c.knob)
		}
	}
}

func TestFaultsOverTheControlSurface(t *testing.T) {
	h := newHarness(t, nil)
	r := h.admin(http.MethodPost, "/_sim/faults", []byte(`{"errorRate":1,"errorStatus":503,"calls":["getEdoc"],"rejectRecipients":["000.00.00.G22"],"seed":7}`))
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var f Faults
	r.json(t, &f)
	if f.ErrorRate != 1 || f.ErrorStatus != 503 || !slices.Equal(f.Calls, []string{"getEdoc"}) || f.Seed != 7 {
		t.Fatalf("knobs %+v", f)
	}
	h.send(buildDoc(t, provinceCode, "000.00.00.G22"), provinceCode, "000.00.00.G22").
		wantFail(t, http.StatusBadRequest, wire.CodeReceiverLocked)
	h.province(wire.CallGetEdoc).wantFail(t, http.StatusServiceUnavailable, wire.CodePlatformError)

	for _, bad := range []string{`{"latency":250}`, `{"errorRate":2}`, `{"unknown":1}`, `not json`} {
		if r := h.admin(http.MethodPost, "/_sim/faults", []byte(bad)); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
	var back Faults
	h.admin(http.MethodGet, "/_sim/faults", nil).json(t, &back)
	b1, _ := json.Marshal(back)
	b2, _ := json.Marshal(f)
	if string(b1) != string(b2) {
		t.Fatalf("a refused change altered the knobs: %s, want %s", b1, b2)
	}
}
