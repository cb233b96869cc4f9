package dvcqg

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/dvcqg"
)

func TestOutageAnswers503ToEveryCall(t *testing.T) {
	h := newHarness(t, nil)
	s := h.login()
	if err := h.sim.SetFaults(Faults{Outage: true}); err != nil {
		t.Fatal(err)
	}
	for _, call := range []string{wire.CallLayPhien, wire.CallDongBoHoSoMC, wire.CallTraCuuHoSo} {
		r := h.post(call, map[string]string{"session": s})
		if r.status != http.StatusServiceUnavailable || json.Valid(r.body) {
			t.Fatalf("%s during an outage: %d %s", call, r.status, r.body)
		}
	}
	// The control surface still answers.
	if r := h.admin(http.MethodGet, "/_sim/stats", nil); r.status != http.StatusOK {
		t.Fatalf("stats during an outage: %d", r.status)
	}
	if err := h.sim.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	if code, _ := h.sync(s, hoso(maHoSo(testAgency, 1), 1, wire.StatusNew)); code != wire.CodeOK {
		t.Fatalf("after the outage: %s", code)
	}
	if n := h.sim.Stats().Count(wire.CallDongBoHoSoMC, http.StatusServiceUnavailable); n != 1 {
		t.Fatalf("503 counted %d times", n)
	}
}

// outcome is what one call got under injected errors: "503", "99" or "00".
func errorPattern(t *testing.T, h *harness, n int) []string {
	t.Helper()
	var out []string
	for range n {
		r := h.post(wire.CallLayPhien, wire.LoginRequest{Username: DevUsername, Password: DevPassword})
		switch {
		case r.status == http.StatusServiceUnavailable:
			out = append(out, "503")
		default:
			out = append(out, r.code(t))
		}
	}
	return out
}

func TestErrorRateSplitsBetween503And99UnderASeed(t *testing.T) {
	h := newHarness(t, nil)
	f := Faults{ErrorRate: 0.5, Seed: 7}
	if err := h.sim.SetFaults(f); err != nil {
		t.Fatal(err)
	}
	first := errorPattern(t, h, 200)
	if err := h.sim.SetFaults(f); err != nil { // restarts the sequence
		t.Fatal(err)
	}
	second := errorPattern(t, h, 200)
	if !slices.Equal(first, second) {
		t.Fatal("same seed, different faults")
	}
	count := map[string]int{}
	for _, o := range first {
		count[o]++
	}
	// Loose bounds: the draws are seeded, so this never flakes.
	if count["503"] < 25 || count["99"] < 25 || count["00"] < 50 || len(count) != 3 {
		t.Fatalf("outcomes %v", count)
	}
	// Failed logins issued no session.
	if st := h.sim.Stats(); st.Logins != int64(2*count["00"]) {
		t.Fatalf("logins %d, successes %d", st.Logins, 2*count["00"])
	}
}

func TestErrorsDoNotActOnTheCall(t *testing.T) {
	h := newHarness(t, nil)
	s := h.login()
	if err := h.sim.SetFaults(Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		h.post(wire.CallDongBoHoSoMC, wire.BatchRequest[wire.HoSo]{Session: s, AgencyCode: provinceCode,
			Data: []wire.HoSo{hoso(maHoSo(testAgency, 1), 1, wire.StatusNew)}})
	}
	if st := h.sim.Stats(); st.Recorded != 0 || len(h.sim.Dossiers()) != 0 || st.CallTotal(wire.CallDongBoHoSoMC) != 10 {
		t.Fatalf("recorded %d, calls %d", st.Recorded, st.CallTotal(wire.CallDongBoHoSoMC))
	}
}

func TestMalformedAnswerAfterActing(t *testing.T) {
	h := newHarness(t, nil)
	s := h.login()
	if err := h.sim.SetFaults(Faults{MalformedRate: 1}); err != nil {
		t.Fatal(err)
	}
	d := hoso(maHoSo(testAgency, 1), 1, wire.StatusNew)
	r := h.post(wire.CallDongBoHoSoMC, wire.BatchRequest[wire.HoSo]{Session: s, AgencyCode: provinceCode, Data: []wire.HoSo{d}})
	if r.status != http.StatusOK || json.Valid(r.body) || !strings.HasPrefix(string(r.body), `{"error_code":"00"`) {
		t.Fatalf("malformed answer: %d %s", r.status, r.body)
	}
	// The portal acted: the resend is a duplicate.
	if err := h.sim.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	_, res := h.sync(s, d)
	wantCodes(t, res, "00")
	if st := h.sim.Stats(); st.Recorded != 1 || st.Duplicates != 1 || len(h.sim.History(d.MaHoSo)) != 1 {
		t.Fatalf("recorded %d duplicates %d", st.Recorded, st.Duplicates)
	}
}

func TestRejectKnobRefusesDossiers(t *testing.T) {
	h := newHarness(t, nil)
	s := h.login()
	bad := maHoSo(testAgency, 13)
	if err := h.sim.SetFaults(Faults{Reject: []string{bad}}); err != nil {
		t.Fatal(err)
	}
	_, res := h.sync(s, hoso(bad, 1, wire.StatusNew), hoso(maHoSo(testAgency, 14), 1, wire.StatusNew))
	wantCodes(t, res, "03", "00")
	if !res[0].Permanent() || !strings.Contains(res[0].Message, "reject") {
		t.Fatalf("rejected %+v", res[0])
	}
	_, res = h.progress(s, step(bad, 1, wire.StatusProcessing))
	wantCodes(t, res, "03")
	if h.sim.History(bad) != nil {
		t.Fatal("a rejected dossier was recorded")
	}
}

func TestLatencyEndsWithTheClientOrTheSimulator(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.sim.SetFaults(Faults{Latency: Duration(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.base+"/"+wire.CallLayPhien, strings.NewReader(`{}`))
	if _, err := h.hc.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a call during a minute of latency: %v", err)
	}
	// Closing the simulator releases calls still waiting: they get 503.
	done := make(chan response, 1)
	go func() { done <- h.post(wire.CallLayPhien, []byte(`{}`)) }()
	for h.sim.Stats().CallTotal(wire.CallLayPhien) < 1 {
		time.Sleep(5 * time.Millisecond)
	}
	h.sim.Close()
	if r := <-done; r.status != http.StatusServiceUnavailable {
		t.Fatalf("released call: %d", r.status)
	}
	if n := h.sim.Stats().Count(wire.CallLayPhien, StatusClientGone); n != 1 {
		t.Fatalf("client gone counted %d times", n)
	}
}

func TestFaultKnobsAreValidated(t *testing.T) {
	for knob, f := range map[string]Faults{
		"latency":        {Latency: Duration(time.Hour)},
		"error_rate":     {ErrorRate: 1.5},
		"malformed_rate": {MalformedRate: -0.1},
		"session_ttl":    {SessionTTL: Duration(time.Millisecond)},
		"reject":         {Reject: []string{"not-a-dossier"}},
	} {
		var ke *KnobError
		if err := f.Validate(); !errors.As(err, &ke) || ke.Knob != knob {
			t.Errorf("%s: %v", knob, err)
		}
	}
	h := newHarness(t, nil)
	if err := h.sim.SetFaults(Faults{ErrorRate: 2}); err == nil {
		t.Fatal("SetFaults took an error rate of 2")
	}
	if f := h.sim.Faults(); f.ErrorRate != 0 {
		t.Fatalf("knobs changed by a refused SetFaults: %+v", f)
	}
}
