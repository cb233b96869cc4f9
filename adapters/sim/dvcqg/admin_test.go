package dvcqg

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/dvcqg"
)

func TestControlSurfaceNeedsToken(t *testing.T) {
	h := newHarness(t, nil)
	req, _ := http.NewRequest(http.MethodGet, h.base+"/_sim/health", nil)
	if r := h.do(req); r.status != http.StatusOK {
		t.Fatalf("health without token: %d", r.status)
	}
	for _, ep := range []struct{ method, path string }{
		{http.MethodGet, "/_sim/dossiers"}, {http.MethodGet, "/_sim/dossiers/" + maHoSo(testAgency, 1)},
		{http.MethodGet, "/_sim/stats"}, {http.MethodGet, "/_sim/faults"}, {http.MethodPost, "/_sim/faults"},
		{http.MethodPost, "/_sim/reset"}, {http.MethodPost, "/_sim/sessions/expire"},
	} {
		for _, auth := range []string{"", "Bearer wrong-token", "Basic " + testAdminToken} {
			req, _ := http.NewRequest(ep.method, h.base+ep.path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			if r := h.do(req); r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
				t.Fatalf("%s %s with %q: %d", ep.method, ep.path, auth, r.status)
			}
		}
	}
	req, _ = http.NewRequest(http.MethodGet, h.base+"/_sim/stats", nil)
	req.Header.Set("X-Sim-Admin-Token", testAdminToken)
	if r := h.do(req); r.status != http.StatusOK {
		t.Fatalf("X-Sim-Admin-Token: %d", r.status)
	}
	if r := h.admin(http.MethodDelete, "/_sim/dossiers", nil); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE dossiers: %d", r.status)
	}
	if r := h.admin(http.MethodGet, "/_sim/nothing", nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown endpoint: %d", r.status)
	}
	// Nothing of the control surface was counted as a portal call.
	if st := h.sim.Stats(); st.CallsTotal != 0 {
		t.Fatalf("control calls counted: %+v", st.Calls)
	}

	off := newHarness(t, func(c *Config) { c.AdminToken = "" })
	if r := off.admin(http.MethodGet, "/_sim/stats", nil); r.status != http.StatusNotFound {
		t.Fatalf("disabled control surface: %d", r.status)
	}
}

func TestControlSurfaceListsDossiersAndHistory(t *testing.T) {
	h := newHarness(t, nil)
	s := h.login()
	m := maHoSo(testAgency, 21)
	h.sync(s, hoso(m, 1, wire.StatusReceived))
	h.progress(s, step(m, 2, wire.StatusProcessing))
	h.sync(s, hoso(maHoSo(otherAgency, 1), 1, wire.StatusNew))

	var list []DossierInfo
	h.admin(http.MethodGet, "/_sim/dossiers", nil).json(t, &list)
	if len(list) != 2 {
		t.Fatalf("dossiers %+v", list)
	}
	if d := list[0]; d.MaHoSo != m || d.Agency != testAgency || d.Records != 2 || d.Changes != 1 || d.Steps != 1 ||
		d.PhienBan != 2 || d.TrangThaiHoSo != wire.StatusReceived {
		t.Fatalf("first dossier %+v", d)
	}

	r := h.admin(http.MethodGet, "/_sim/dossiers/"+url.PathEscape(m), nil)
	if r.status != http.StatusOK {
		t.Fatalf("one dossier: %d %s", r.status, r.body)
	}
	var d Dossier
	r.json(t, &d)
	if d.MaHoSo != m || len(d.History) != 2 || d.History[1].Kind != wire.CallCapNhatTienDoHoSoMC || d.Latest == nil || d.Latest.PhienBan != 1 {
		t.Fatalf("dossier %s", r.body)
	}
	if st, err := d.History[1].TienDo(); err != nil || st.NoiDungXuLy != "Thẩm định hồ sơ" {
		t.Fatalf("step %+v, %v", st, err)
	}
	if r := h.admin(http.MethodGet, "/_sim/dossiers/"+maHoSo(testAgency, 99), nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown dossier: %d", r.status)
	}
}

func TestControlSurfaceFaultsSessionsAndReset(t *testing.T) {
	h := newHarness(t, nil)
	r := h.admin(http.MethodPost, "/_sim/faults", []byte(`{"latency":"5ms","error_rate":0.25,"reject":["`+maHoSo(testAgency, 1)+`"],"seed":3}`))
	if r.status != http.StatusOK {
		t.Fatalf("POST faults: %d %s", r.status, r.body)
	}
	var f Faults
	h.admin(http.MethodGet, "/_sim/faults", nil).json(t, &f)
	if time.Duration(f.Latency) != 5*time.Millisecond || f.ErrorRate != 0.25 || len(f.Reject) != 1 || f.Seed != 3 {
		t.Fatalf("faults %+v", f)
	}
	for _, body := range []string{`{"latency":5}`, `{"error_rate":3}`, `{"nope":true}`, `{`} {
		if r := h.admin(http.MethodPost, "/_sim/faults", []byte(body)); r.status != http.StatusBadRequest {
			t.Fatalf("faults %s: %d", body, r.status)
		}
	}
	if err := h.sim.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}

	s := h.login()
	if r := h.admin(http.MethodPost, "/_sim/sessions/expire", nil); r.status != http.StatusNoContent {
		t.Fatalf("expire sessions: %d", r.status)
	}
	if code, _ := h.sync(s, hoso(maHoSo(testAgency, 2), 1, wire.StatusNew)); code != wire.CodeSessionInvalid {
		t.Fatalf("after expiring sessions: %s", code)
	}

	s = h.login()
	h.sync(s, hoso(maHoSo(testAgency, 2), 1, wire.StatusNew))
	if r := h.admin(http.MethodPost, "/_sim/reset", nil); r.status != http.StatusNoContent {
		t.Fatalf("reset: %d", r.status)
	}
	st := h.sim.Stats()
	if len(h.sim.Dossiers()) != 0 || st.Recorded != 0 || st.Logins != 0 || st.CallsTotal != 0 || st.Total.Received != 0 {
		t.Fatalf("after reset: %+v", st)
	}
	// Sessions are gone with the rest.
	if code, _ := h.sync(s, hoso(maHoSo(testAgency, 2), 2, wire.StatusNew)); code != wire.CodeSessionInvalid {
		t.Fatalf("session after reset: %s", code)
	}
}

func TestResetRestoresConfiguredFaults(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Faults = Faults{Reject: []string{maHoSo(testAgency, 1)}} })
	if err := h.sim.SetFaults(Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	h.sim.Reset()
	if f := h.sim.Faults(); f.ErrorRate != 0 || len(f.Reject) != 1 {
		t.Fatalf("faults after reset %+v", f)
	}
}

func TestStatsCountOutcomesPerAgency(t *testing.T) {
	h := newHarness(t, nil)
	s := h.login()
	// testAgency: one on time (finished the 8th, due the 9th), one late
	// (returned the 10th), one processing, one finished without an end
	// date (not counted as finished). otherAgency: one on time exactly at
	// the appointment.
	onTime := finished(maHoSo(testAgency, 1), 2, 8)
	late := finished(maHoSo(testAgency, 2), 2, 10)
	late.TrangThaiHoSo = wire.StatusReturned
	noEnd := hoso(maHoSo(testAgency, 4), 1, wire.StatusFinished)
	exact := hoso(maHoSo(otherAgency, 1), 1, wire.StatusFinished)
	exact.NgayKetThucXuLy = exact.NgayHenTra
	_, res := h.sync(s,
		hoso(onTime.MaHoSo, 1, wire.StatusReceived), onTime,
		hoso(late.MaHoSo, 1, wire.StatusReceived), late,
		hoso(maHoSo(testAgency, 3), 1, wire.StatusProcessing),
		noEnd, exact)
	for _, r := range res {
		if !r.OK() {
			t.Fatalf("item %+v", r)
		}
	}
	// A later, out-of-order change does not replace the latest state.
	h.sync(s, hoso(onTime.MaHoSo, 1, wire.StatusReceived))

	var st Stats
	h.admin(http.MethodGet, "/_sim/stats", nil).json(t, &st)
	want := map[string]Outcome{
		testAgency:  {Received: 4, Finished: 2, OnTime: 1, Late: 1},
		otherAgency: {Received: 1, Finished: 1, OnTime: 1, Late: 0},
	}
	if len(st.Agencies) != 2 || st.Agencies[testAgency] != want[testAgency] || st.Agencies[otherAgency] != want[otherAgency] {
		t.Fatalf("agencies %+v", st.Agencies)
	}
	if st.Total != (Outcome{Received: 5, Finished: 3, OnTime: 2, Late: 1}) {
		t.Fatalf("total %+v", st.Total)
	}
	if st.ByStatus[wire.StatusFinished] != 3 || st.ByStatus[wire.StatusReturned] != 1 || st.ByStatus[wire.StatusProcessing] != 1 || len(st.ByStatus) != 3 {
		t.Fatalf("by status %+v", st.ByStatus)
	}
	if st.Recorded != 7 || st.Duplicates != 1 || st.Logins != 1 || st.Count(wire.CallDongBoHoSoMC, http.StatusOK) != 2 {
		t.Fatalf("stats %+v", st)
	}
	if r := st.Total.OnTimeRate(); r < 0.66 || r > 0.67 {
		t.Fatalf("on-time rate %v", r)
	}
	// The JSON names the platform's tests read.
	var raw map[string]json.RawMessage
	h.admin(http.MethodGet, "/_sim/stats", nil).json(t, &raw)
	for _, k := range []string{"calls", "logins", "recorded", "duplicates", "out_of_order", "gaps", "agencies", "total", "by_status"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("stats lack %s", k)
		}
	}
}
